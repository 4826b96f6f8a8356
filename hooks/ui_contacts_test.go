package hooks_test

import (
	"testing"

	"github.com/chromedp/chromedp"

	"govcollab/hooks/apptest"
)

// TestUIContacts: staff.east.tax opens 通讯录, walks 示范省 → 东城市 →
// 东城市税务局 (the breadcrumb follows), sees a colleague with a masked
// phone, their own in full (to call), and the way to a colleague's cases; finds people by position; 本单位 jumps
// home; at 375 px too.
func TestUIContacts(t *testing.T) {
	base, g := startUIServer(t)
	b := newBrowser(t)
	b.step("open the login page", viewport(1280, 900), chromedp.Navigate(base+"/"))
	loginAs(b, "staff.east.tax", demoPassword)
	city, tax := apptest.UnitID(t, g.App, "东城市人民政府"), apptest.UnitID(t, g.App, "东城市税务局")
	b.step("open 通讯录 and walk down to 东城市税务局",
		chromedp.WaitVisible(chromedp.CSS(`#sidemenu a[data-route="contacts"]`)),
		chromedp.Click(chromedp.CSS(`#sidemenu a[data-route="contacts"]`)),
		waitJS(`!!document.querySelector('#ct-units li a')`),
		chromedp.Evaluate[chromedp.Void](`document.querySelector('#ct-units li a').click()`),
		waitJS(`!!document.querySelector('#ct-units li[data-unit="`+city+`"] a')`),
		chromedp.Evaluate[chromedp.Void](`document.querySelector('#ct-units li[data-unit="`+city+`"] a').click()`),
		waitJS(`!!document.querySelector('#ct-units li[data-unit="`+tax+`"] a')`),
		chromedp.Evaluate[chromedp.Void](`document.querySelector('#ct-units li[data-unit="`+tax+`"] a').click()`),
		waitText("#ct-crumbs", "示范省人民政府"),
		waitText("#ct-crumbs", "东城市人民政府"),
		waitText("#ct-crumbs strong", "东城市税务局"),
		waitText("#ct-list", "陈局长"),
	)
	leader := `#ct-list li[data-user="` + apptest.UserID(t, "leader.east.tax") + `"]`
	if phone := eval[string](b, `document.querySelector('`+leader+` .ct-phone')?.textContent || ''`); !containsStar(phone) {
		t.Errorf("a colleague's phone not masked: %q", phone)
	}
	self := `#ct-list li[data-user="` + apptest.UserID(t, "staff.east.tax") + `"]`
	if call := eval[string](b, `document.querySelector('`+self+` .ct-call')?.getAttribute('href') || ''`); len(call) < 10 || containsStar(call) {
		t.Errorf("one's own phone is not shown in full: %q", call)
	}
	if eval[bool](b, `!!document.querySelector('`+leader+` .ct-call')`) {
		t.Error("staff may call a colleague's unmasked number they may not see")
	}
	b.step("their cases",
		chromedp.Evaluate[chromedp.Void](`document.querySelector('`+leader+` .ct-cases').click()`),
		waitText("#cases-author-clear", "陈局长"),
	)
	b.step("find by position, then 本单位",
		chromedp.Evaluate[chromedp.Void](`location.hash = '#/contacts'`),
		chromedp.WaitVisible(chromedp.ID("ct-q")),
		typeInto("ct-q", "局长"),
		chromedp.Click(chromedp.ID("ct-go")),
		waitText("#ct-people-title", "局长"),
		waitJS(`document.querySelectorAll('#ct-list li').length > 0`),
		chromedp.Click(chromedp.ID("ct-mine")),
		waitText("#ct-crumbs strong", "东城市税务局"),
	)
	b.phone("contacts", "#ct-list")
	b.noConsoleProblems()
}

func containsStar(s string) bool {
	for _, r := range s {
		if r == '*' {
			return true
		}
	}
	return false
}
