package hooks_test

import (
	"regexp"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestUIDocs walks 公文办理 in headless Chromium along the path:
// clerk.east drafts a 发文 to 西城市人民政府 with the template 市政府发文（会签）
// and submits it; leader.east.tax and staff.east.hr approve it from their
// 待办; leader.east signs it (签发) and the page shows its number
// (东政办发〔YYYY〕N号); clerk.east dispatches it (印发) and opens the print
// view (the number and the red 发文机关标志); clerk.west finds it in the
// 收文 queue and registers it with 市政府收文办理, and the new 收文 shows a
// 西政办收〔…〕 number. Screenshots at 1280 px and 375 px; no console errors
// (CSP included).
func TestUIDocs(t *testing.T) {
	base, _ := startUIServer(t)
	const title = "关于开展两市政务服务协作的通知（界面测试）"
	b := newBrowser(t)

	signOut := func() {
		t.Helper()
		b.step("退出", chromedp.Evaluate[chromedp.Void](`window.scrollTo(0, 0)`),
			chromedp.Click(chromedp.ID("logout")), chromedp.WaitVisible(chromedp.ID("login-form")))
	}
	openDocs := func() {
		t.Helper()
		b.step("open 公文办理",
			chromedp.WaitVisible(chromedp.CSS(`#sidemenu a[data-route="docs"]`)),
			chromedp.Click(chromedp.CSS(`#sidemenu a[data-route="docs"]`)),
			waitText("#main h1", "公文办理"),
			waitText("#doc-count", "共"),
		)
	}
	row := func(sel string) string {
		return `[...document.querySelectorAll('#doc-list .doc-item')].find(li => li.innerText.includes(` + jsString(title) + `))` + sel
	}
	var docHash string
	act := func(user, button, flash string) {
		t.Helper()
		loginAs(b, user, demoPassword)
		openDocs()
		b.step(user+" finds it in 待办",
			waitJS(row(`?.dataset.doc`)),
			waitJS(`(() => { const el = `+row(`?.querySelector('.doc-item-title')`)+`; if (!el) return false; el.click(); return true; })()`),
			waitJS(`location.hash === `+jsString(docHash)),
			waitText("#doc-title", title),
			chromedp.WaitVisible(chromedp.ID(button)),
		)
		b.step(user+" acts: "+button,
			chromedp.Click(chromedp.ID(button)),
			chromedp.WaitVisible(chromedp.ID("doc-panel-submit")),
			chromedp.Click(chromedp.ID("doc-panel-submit")),
			waitJS(`!!document.getElementById('doc-flash') || !!document.querySelector('#doc-panel-error:not(:empty)')`),
		)
		b.noConsoleProblems() // a script error shows as a refusal; name it
		b.step(user+" sees: "+flash, waitText("#doc-flash", flash))
	}

	// ---- clerk.east drafts and submits ----
	b.step("open the login page", viewport(1280, 900), chromedp.Navigate(base+"/"))
	loginAs(b, "clerk.east", demoPassword)
	openDocs()
	if eval[bool](b, `!!document.getElementById('building')`) {
		t.Fatal("公文办理 still shows the 建设中 placeholder")
	}
	b.step("新建公文 opens the draft form",
		chromedp.Click(chromedp.ID("doc-new")),
		waitJS(`location.hash === '#/docs/new'`),
		chromedp.WaitVisible(chromedp.ID("doc-form")),
		waitJS(`[...document.querySelectorAll('#doc-f-workflow option')].some(o => o.textContent.startsWith('市政府发文（会签）'))`),
	)
	b.step("fill in the draft",
		typeInto("doc-f-title", title),
		chromedp.Evaluate[chromedp.Void](`(() => {
			const sel = document.getElementById('doc-f-workflow');
			sel.value = [...sel.options].find(o => o.textContent.startsWith('市政府发文（会签）')).value;
			document.getElementById('doc-f-body').value = '各有关单位：\n\n为推进两市政务服务协作，现就有关事项通知如下。';
		})()`),
		chromedp.SetValue(chromedp.ID("doc-f-urgency"), "加急"),
		typeInto("doc-f-main-q", "西城市人民政府"),
		chromedp.Click(chromedp.ID("doc-f-main-find")),
		waitJS(`!!document.querySelector('#doc-f-main-found li[data-name="西城市人民政府"] button')`),
		chromedp.Click(chromedp.CSS(`#doc-f-main-found li[data-name="西城市人民政府"] button`)),
		waitJS(`!!document.querySelector('#doc-f-main-picked li[data-name="西城市人民政府"]')`),
	)
	b.shot("docs-draft-1280")
	b.phone("docs-draft", "#doc-form")
	b.step("保存并送审 asks once more, then submits",
		chromedp.Click(chromedp.ID("doc-save-submit")),
		chromedp.WaitVisible(chromedp.ID("doc-save-submit-yes")),
		chromedp.Click(chromedp.ID("doc-save-submit-yes")),
		waitJS(`/^#\/docs\/[a-z0-9]+$/.test(location.hash)`),
		waitText("#doc-flash", "已送审"),
		waitText("#doc-status", "办理中"),
		waitText("#doc-steps", "部门会签"),
		waitText("#doc-steps", "领导签发"),
	)
	docHash = eval[string](b, `location.hash`)
	if !eval[bool](b, `!!document.getElementById('doc-act-recall')`) {
		t.Error("the drafter is not offered 撤回 while the document is in review")
	}
	signOut()

	// ---- the two departments countersign from their 待办 ----
	act("leader.east.tax", "doc-act-approve", "已提交办理意见")
	b.step("the step shows the opinion", waitText("#doc-steps", "同意"))
	signOut()
	loginAs(b, "staff.east.hr", demoPassword)
	openDocs()
	b.step("待办 shows a count", waitJS(`!document.getElementById('doc-count-pending').hidden`))
	b.shot("docs-pending-1280")
	b.phone("docs-pending", "#doc-list")
	signOut()
	act("staff.east.hr", "doc-act-approve", "已提交办理意见")
	signOut()

	// ---- leader.east signs: the number ----
	act("leader.east", "doc-act-sign", "已签发")
	b.step("signed: the number and status", waitText("#doc-status", "已签发"), waitText("#doc-number", "东政办发〔"))
	number := eval[string](b, `document.getElementById('doc-number').textContent.trim()`)
	if !regexp.MustCompile(`^东政办发〔\d{4}〕\d+号$`).MatchString(number) {
		t.Fatalf("the signed number is %q, want 东政办发〔YYYY〕N号", number)
	}
	b.shot("docs-signed-1280")
	b.phone("docs-signed", "#doc-steps")
	signOut()

	// ---- clerk.east dispatches and prints ----
	loginAs(b, "clerk.east", demoPassword)
	b.step("open the signed document",
		chromedp.WaitVisible(chromedp.ID("sidemenu")),
		chromedp.Evaluate[chromedp.Void](`location.hash = `+jsString(docHash)),
		chromedp.WaitVisible(chromedp.ID("doc-act-dispatch")),
		chromedp.Click(chromedp.ID("doc-act-dispatch")),
		waitText("#doc-panel", "西城市人民政府"),
		chromedp.Click(chromedp.ID("doc-panel-submit")),
		waitText("#doc-flash", "已印发"),
		waitJS(`['dispatched', 'archived'].includes(document.getElementById('doc-status').dataset.status)`),
		waitText("#doc-events", "印发"),
	)
	b.step("打印版式: the number and the red 发文机关标志",
		chromedp.Click(chromedp.ID("doc-print")),
		waitJS(`location.hash === `+jsString(docHash+"/print")),
		chromedp.WaitVisible(chromedp.CSS("#doc-print-frame .gb-issuer")),
		waitText("#doc-print-frame .gb-number", number),
		waitText("#doc-print-frame .gb-issuer", "东城市人民政府办公室文件"),
		waitText("#doc-print-frame .gb-mainto", "西城市人民政府："),
		waitJS(`document.body.classList.contains('gb-printing')`),
	)
	if c := eval[string](b, `getComputedStyle(document.querySelector('#doc-print-frame .gb-issuer')).color`); c != "rgb(230, 0, 18)" {
		t.Errorf("the 发文机关标志 is %s, want document red rgb(230, 0, 18)", c)
	}
	if !regexp.MustCompile(`^\d{4}年[1-9]\d?月[1-9]\d?日$`).MatchString(eval[string](b, `document.querySelector('#doc-print-frame .gb-date').textContent`)) {
		t.Error("the 成文日期 is not like 2026年11月23日")
	}
	if eval[bool](b, `!!document.querySelector('#doc-print-frame script')`) {
		t.Error("the print sheet carries a script")
	}
	b.shot("docs-print-1280")
	b.phone("docs-print", "#doc-print-frame .gb-sheet")
	b.step("leaving the print view drops its styles",
		chromedp.Click(chromedp.ID("doc-print-back")),
		waitJS(`location.hash === `+jsString(docHash)),
		waitJS(`!document.body.classList.contains('gb-printing') && !document.getElementById('gb-print-css')`),
	)
	// 流程模板: 校验 names the place of a problem beside the editor
	b.step("流程模板: 校验 shows the server's message and path",
		chromedp.Evaluate[chromedp.Void](`location.hash = '#/workflows'`),
		waitText("#wf-table", "市政府发文（会签）"),
		chromedp.Click(chromedp.ID("wf-new")),
		chromedp.WaitVisible(chromedp.ID("wf-def")),
		typeInto("wf-name", "测试模板"),
		chromedp.Evaluate[chromedp.Void](`document.getElementById('wf-def').value =
			'{"steps":[{"name":"会签","assignees":[{"role":"leader","unit":"nosuchunit0000"}]}]}'`),
		chromedp.Click(chromedp.ID("wf-validate")),
		waitText("#wf-check-path", "definition.steps[0].assignees[0].unit"),
		chromedp.WaitVisible(chromedp.ID("wf-check-message")),
		chromedp.Evaluate[chromedp.Void](`document.getElementById('wf-def').value =
			'{"steps":[{"name":"领导签发","sign":true,"assignees":[{"role":"leader","unit":"$served"}]}]}'`),
		chromedp.Click(chromedp.ID("wf-validate")),
		waitText("#wf-check-ok", "校验通过"),
	)
	b.shot("docs-workflows-1280")
	b.phone("docs-workflows", "#wf-form")
	signOut()

	// ---- clerk.west registers it from the 收文 queue ----
	loginAs(b, "clerk.west", demoPassword)
	inbound := `[...document.querySelectorAll('#inb-list .inb-item')].find(li => li.innerText.includes(` + jsString(title) + `))`
	b.step("收文登记 lists it",
		chromedp.WaitVisible(chromedp.ID("sidemenu")),
		chromedp.Evaluate[chromedp.Void](`location.hash = '#/inbound'`),
		waitText("#main h1", "收文登记"),
		waitJS(inbound+`?.dataset.status === 'new'`),
		waitJS(inbound+`.innerText.includes(`+jsString(number)+`)`),
	)
	b.shot("docs-inbound-1280")
	b.phone("docs-inbound", "#inb-list")
	b.step("登记 with 市政府收文办理", append(registerInbound(inbound),
		waitJS(`/^#\/docs\/[a-z0-9]+$/.test(location.hash) && location.hash !== `+jsString(docHash)),
		waitText("#doc-flash", "已登记"),
		waitText("#doc-number", "西政办收〔"),
		waitText("#doc-title", title),
		waitText("#doc-steps", "拟办"))...,
	)
	if n := eval[string](b, `document.getElementById('doc-number').textContent.trim()`); !regexp.MustCompile(`^西政办收〔\d{4}〕\d+号$`).MatchString(n) {
		t.Errorf("the 收文 number is %q, want 西政办收〔YYYY〕N号", n)
	}
	b.shot("docs-registered-1280")
	b.noConsoleProblems()
}
