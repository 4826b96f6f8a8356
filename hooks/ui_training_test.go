package hooks_test

import (
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/pocketbase/dbx"
)

// TestUITraining: staff.east.tax opens 培训学习 and sees this year's hours
// against the requirement and their ledger, opens a certificate of
// completion (printable) from it, and files an external
// certificate with its scan (pending in the ledger); leader.east opens
// 达标统计, sees the city's standing, the chart and the 东城市税务局 row,
// drills into it and back, reminds those behind; both at 375 px too; no
// console errors.
func TestUITraining(t *testing.T) {
	base, g := startUIServer(t)
	scan := filepath.Join(t.TempDir(), "证书.pdf")
	if err := os.WriteFile(scan, []byte("%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	b := newBrowser(t)
	b.step("open the login page", viewport(1280, 900), chromedp.Navigate(base+"/"))
	loginAs(b, "staff.east.tax", demoPassword)
	b.step("open 培训学习",
		chromedp.WaitVisible(chromedp.CSS(`#sidemenu a[data-route="training"]`)),
		chromedp.Click(chromedp.CSS(`#sidemenu a[data-route="training"]`)),
		chromedp.WaitVisible(chromedp.ID("trn-year")),
		waitText("#trn-year-title", "年度学时"),
		waitJS(`Number(document.getElementById('trn-need').textContent) === 90`),
		waitJS(`document.querySelectorAll('#trn-bars li').length === 2`), // the total and 政治理论
		waitJS(`document.querySelectorAll('#trn-ledger-table tbody tr').length > 0`),
	)
	if eval[bool](b, `!!document.getElementById('building')`) || eval[bool](b, `!!document.getElementById('trn-tab-compliance')`) {
		t.Fatal("staff see the placeholder or the 达标统计 tab")
	}
	b.step("open a certificate of completion from the ledger and come back",
		chromedp.Evaluate[chromedp.Void](`document.querySelector('#trn-ledger-table a.trn-cert-link').click()`),
		chromedp.WaitVisible(chromedp.ID("trn-completion")),
		waitText("#trn-completion-name", "褚税务"),
		waitText("#trn-completion", "特发此证"),
		chromedp.WaitVisible(chromedp.ID("trn-completion-print")),
	)
	b.screenshot("training-completion-1280")
	b.step("back to 我的培训",
		chromedp.Click(chromedp.ID("trn-completion-back")),
		chromedp.WaitVisible(chromedp.ID("trn-cert-form")),
	)
	b.step("file an external certificate",
		typeInto("trn-cert-title", "国家行政学院网络培训"),
		typeInto("trn-cert-issuer", "国家行政学院"),
		typeInto("trn-cert-hours", "16"),
		chromedp.SetValue(chromedp.ID("trn-cert-category"), "法律法规"),
		chromedp.SetUploadFiles(chromedp.ID("trn-cert-file"), []string{scan}),
		chromedp.Click(chromedp.ID("trn-cert-submit")),
		waitText("#trn-cert-done", "等待组织人事部门审核"),
	)
	var pending int
	if err := g.App.DB().NewQuery("SELECT COUNT(*) FROM training_credits WHERE source = 'external' AND status = 'pending' AND category = '法律法规' AND hours = 16").
		Row(&pending); err != nil || pending != 1 {
		t.Fatalf("the certificate did not arrive: %d %v", pending, err)
	}
	b.phone("training-me", "#trn-year")
	b.step("退出", chromedp.Evaluate[chromedp.Void](`window.scrollTo(0, 0)`),
		chromedp.Click(chromedp.ID("logout")), chromedp.WaitVisible(chromedp.ID("login-form")))

	loginAs(b, "leader.east", demoPassword)
	b.step("open 达标统计",
		chromedp.WaitVisible(chromedp.CSS(`#sidemenu a[data-route="training"]`)),
		chromedp.Click(chromedp.CSS(`#sidemenu a[data-route="training"]`)),
		chromedp.WaitVisible(chromedp.ID("trn-tab-compliance")),
		chromedp.Click(chromedp.ID("trn-tab-compliance")),
		chromedp.WaitVisible(chromedp.ID("trn-summary")),
		waitJS(`Number(document.getElementById('trn-people').textContent) > 0`),
		waitText("#trn-chart-title", "东城市人民政府"),
		waitJS(`[...document.querySelectorAll('#trn-table tbody tr')].some(tr => tr.innerText.includes('东城市税务局'))`),
		waitJS(`document.querySelectorAll('#trn-behind-table tbody tr').length > 0`),
	)
	var met, people int
	_ = g.App.DB().NewQuery("SELECT COUNT(*) FROM training_totals t JOIN units n ON n.name = '东城市人民政府' WHERE t.met = TRUE AND t.unit_path LIKE n.path || '%'").Row(&met)
	_ = g.App.DB().Select("COUNT(*)").From("training_totals").Where(dbx.NewExp("unit_path LIKE (SELECT path FROM units WHERE name = '东城市人民政府') || '%'")).Row(&people)
	if got := eval[string](b, `document.getElementById('trn-met').textContent`); got != strconv.Itoa(met) {
		t.Errorf("达标 shows %q, the standings say %d (of %d)", got, met, people)
	}
	b.step("drill into 东城市税务局 and back",
		chromedp.Evaluate[chromedp.Void](`[...document.querySelectorAll('#trn-table a.trn-drill')].find(a => a.textContent === '东城市税务局').click()`),
		waitText("#trn-chart-title", "东城市税务局"),
		chromedp.Click(chromedp.ID("trn-top")),
		waitText("#trn-chart-title", "东城市人民政府"),
	)
	b.step("remind those behind",
		chromedp.Click(chromedp.ID("trn-remind")),
		waitText("#trn-actions-status", "已提醒"),
	)
	var told int
	if err := g.App.DB().NewQuery("SELECT COUNT(*) FROM notifications WHERE kind = 'training.behind'").Row(&told); err != nil || told == 0 {
		t.Errorf("nobody was reminded: %d %v", told, err)
	}
	b.phone("training-compliance", "#trn-summary")
	b.noConsoleProblems()
}
