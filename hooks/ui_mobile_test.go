package hooks_test

import (
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"govcollab/hooks/apptest"
)

// TestUIMobileWorkbench: on a 375 px phone, leader.east.tax logs in and
// sees on the 工作台 the document waiting for them and the notice to
// confirm; approves the document from there, confirms the notice, comes
// back to a workbench without either; the 待办 tab lists the same; and
// searches from the 搜索 tab.
func TestUIMobileWorkbench(t *testing.T) {
	base, g := startUIServer(t)
	staff, leader := apptest.Token(t, "staff.east.tax"), apptest.Token(t, "leader.east")
	var flow string
	if err := g.App.DB().NewQuery("SELECT id FROM workflows WHERE name = '部门签报'").Row(&flow); err != nil {
		t.Fatal(err)
	}
	const docTitle, noticeTitle = "关于移动办公试点的签报（界面测试）", "移动办公试点安排（界面测试）"
	doc := apiJSON(t, base, staff, "POST", "/api/gov/docs", map[string]any{"type": "签报", "title": docTitle, "body": "拟开展移动办公试点。",
		"urgency": "平件", "classification": "内部", "workflow": flow}, 201)["id"].(string)
	apiJSON(t, base, staff, "POST", "/api/gov/docs/"+doc+"/actions", map[string]any{"action": "submit"}, 200)
	notice := apiJSON(t, base, leader, "POST", "/api/gov/notices", map[string]any{"title": noticeTitle, "body": "请各单位确认。", "must_confirm": true,
		"deadline": time.Now().Add(24 * time.Hour).Format(time.RFC3339),
		"audience": map[string]any{"units": []map[string]any{{"id": apptest.UnitID(t, g.App, "东城市税务局"), "subtree": false}}}}, 201)["id"].(string)

	b := newBrowser(t)
	b.step("open the login page on a phone", viewport(375, 812), chromedp.Navigate(base+"/"))
	loginAs(b, "leader.east.tax", demoPassword)
	b.step("the workbench lists the document and the notice",
		chromedp.WaitVisible(chromedp.ID("wb-parts")),
		waitJS(`!!document.querySelector('#wb-docs li[data-id="`+doc+`"]')`),
		waitJS(`!!document.querySelector('#wb-notices li[data-id="`+notice+`"]')`),
		waitText("#wb-card-notices", "需确认"),
		chromedp.WaitVisible(chromedp.ID("wb-card-training")),
		chromedp.WaitVisible(chromedp.ID("wb-card-oversee")),
	)
	b.screenshot("workbench-375")
	b.step("approve the document from the workbench",
		chromedp.Evaluate[chromedp.Void](`document.querySelector('#wb-docs li[data-id="`+doc+`"] a').click()`),
		waitText("#doc-title", docTitle),
		chromedp.WaitVisible(chromedp.ID("doc-act-approve")),
		chromedp.Click(chromedp.ID("doc-act-approve")),
		chromedp.WaitVisible(chromedp.ID("doc-panel-submit")),
		chromedp.Click(chromedp.ID("doc-panel-submit")),
		waitText("#doc-flash", "已提交办理意见"),
	)
	b.step("confirm the notice from the workbench",
		chromedp.Evaluate[chromedp.Void](`location.hash = '#/workbench'`),
		waitJS(`!!document.querySelector('#wb-notices li[data-id="`+notice+`"] a')`),
		chromedp.Evaluate[chromedp.Void](`document.querySelector('#wb-notices li[data-id="`+notice+`"] a').click()`),
		waitText("#ntc-title", noticeTitle),
		chromedp.WaitVisible(chromedp.ID("ntc-confirm-btn")),
		chromedp.Click(chromedp.ID("ntc-confirm-btn")),
		waitText("#ntc-flash", "已确认收到"),
	)
	b.step("the 待办 tab no longer lists either",
		chromedp.Click(chromedp.CSS(`#tabbar a[data-route="todo"]`)),
		waitText("#main h1", "待办"),
		chromedp.WaitVisible(chromedp.ID("wb-card-docs")),
		waitJS(`!document.querySelector('#wb-docs li[data-id="`+doc+`"]') && !document.querySelector('#wb-notices li[data-id="`+notice+`"]')`),
	)
	b.step("search from the 搜索 tab",
		chromedp.Click(chromedp.CSS(`#tabbar a[data-route="search"]`)),
		chromedp.WaitVisible(chromedp.ID("srch-q")),
		typeInto("srch-q", "移动办公"),
		chromedp.Click(chromedp.ID("srch-go")),
		waitJS(`[...document.querySelectorAll('#srch-list .srch-item')].some(li => li.dataset.id === `+jsString(notice)+`)`),
		waitJS(`[...document.querySelectorAll('#srch-list .srch-item')].some(li => li.dataset.id === `+jsString(doc)+`)`),
	)
	b.screenshot("search-375")
	if w := eval[int](b, `document.documentElement.scrollWidth`); w > 375 {
		t.Errorf("the page is %d px wide on a 375 px screen", w)
	}
	b.noConsoleProblems()
}
