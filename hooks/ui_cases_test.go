package hooks_test

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"govcollab/hooks/security"
)

// casesPDF is a small valid PDF for the attachment.
const casesPDF = "%PDF-1.4\n" +
	"1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n" +
	"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n" +
	"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\n" +
	"trailer<</Root 1 0 R>>\n%%EOF\n"

const casesBody = "## 主要做法\n\n" +
	"对食品经营许可推行**告知承诺制**：申请人书面承诺符合条件，材料齐全即可当场领证。\n\n" +
	"| 办理环节 | 改革前 | 改革后 |\n| --- | --- | ---: |\n| 申请材料 | 8 份 | 3 份 |\n| 办理时限 | 20 个工作日 | 当场办结 |\n\n" +
	"- 事中事后监管：领证后 30 日内现场核查\n- 承诺不实的依法撤销许可\n"

// TestUICases walks 经验案例 in headless Chromium: staff.east.tax writes a
// case (Markdown table, 全省政府 scope, a PDF attachment, a linked
// enterprise whose bad number the server refuses under the row), previews
// it, saves and submits; reviewer.prov finds it in 待我审核, is told a
// 退回 needs a comment under the field, and approves it; staff.west.tax
// (another city) finds it by searching “告知承诺” with the hit highlighted,
// opens it and sees the table and the attachment. Screenshots at 1280 px
// and 375 px; no console errors (CSP included).
func TestUICases(t *testing.T) {
	base, _ := startUIServer(t)
	requireRoutes(t, base,
		[2]string{http.MethodGet, "/api/gov/cases"},
		[2]string{http.MethodPost, "/api/gov/cases/preview"},
		[2]string{http.MethodPost, "/api/gov/files"})

	dir := t.TempDir()
	pdf := filepath.Join(dir, "告知承诺制办理指引.pdf")
	if err := os.WriteFile(pdf, []byte(casesPDF), 0o644); err != nil {
		t.Fatal(err)
	}
	check, ok := security.CreditCheckChar("91110108MA01BCDEF")
	if !ok {
		t.Fatal("credit check character")
	}
	creditCode := "91110108MA01BCDEF" + string(check)
	wrong := byte('1')
	if check == wrong {
		wrong = '2'
	}
	badCode := "91110108MA01BCDEF" + string(wrong)
	const title = "食品经营许可告知承诺制经验"

	b := newBrowser(t)
	// openListed clicks the list row of the case titled want (the demo
	// data holds other cases too).
	openListed := func(want string) chromedp.Action[chromedp.Void] {
		// polls: the list re-renders and may briefly lack the row
		return waitJS(`(() => { const el = [...document.querySelectorAll('#cases-list .case-item-title')].find(a => a.textContent.includes(` + jsString(want) + `)); if (!el) return false; el.click(); return true; })()`)
	}
	signOut := func() {
		t.Helper()
		b.step("退出", chromedp.Evaluate[chromedp.Void](`window.scrollTo(0, 0)`),
			chromedp.Click(chromedp.ID("logout")), chromedp.WaitVisible(chromedp.ID("login-form")))
	}

	// ---- the author writes and submits ----
	b.step("open the login page", viewport(1280, 900), chromedp.Navigate(base+"/"))
	loginAs(b, "staff.east.tax", demoPassword)
	b.step("经验案例 lists published cases",
		chromedp.WaitVisible(chromedp.CSS(`#sidemenu a[data-route="cases"]`)),
		chromedp.Click(chromedp.CSS(`#sidemenu a[data-route="cases"]`)),
		waitText("#main h1", "经验案例"),
		waitText("#cases-count", "共"),
		waitText("#case-tabs", "我的案例"),
		waitJS(`document.querySelector('#sidemenu [aria-current="page"]')?.dataset.route === 'cases'`),
	)
	if eval[bool](b, `!!document.getElementById('case-tab-queue')`) {
		t.Error("staff.east.tax (no reviewer role) is offered 待我审核")
	}
	b.shot("cases-list-1280")

	b.step("写案例 opens the editor",
		chromedp.Click(chromedp.ID("case-new")),
		waitJS(`location.hash === '#/cases/new'`),
		chromedp.WaitVisible(chromedp.ID("case-form")),
		waitText(`label[for="case-f-title"]`, "标题"),
		waitText("#case-scope-set", "全省政府"),
	)
	b.step("fill in the case",
		typeInto("case-f-title", title),
		typeInto("case-f-summary", "推行告知承诺制，食品经营许可当场办结。"),
		chromedp.Evaluate[chromedp.Void](`(() => {
			const body = document.getElementById('case-f-body');
			body.value = `+jsString(casesBody)+`;
			body.dispatchEvent(new Event('input', { bubbles: true }));
		})()`),
		typeInto("case-f-tags", "告知承诺，食品经营"),
		chromedp.SetValue(chromedp.ID("case-f-business"), "行政许可"),
		chromedp.Click(chromedp.ID("case-scope-all")),
	)
	b.step("预览 renders the Markdown table on the server",
		chromedp.Click(chromedp.ID("case-tab-preview")),
		waitText("#case-preview table", "办理环节"),
		waitJS(`!document.getElementById('case-pane-preview').hidden && document.getElementById('case-pane-write').hidden`),
		chromedp.Click(chromedp.ID("case-tab-write")),
		chromedp.WaitVisible(chromedp.ID("case-f-body")),
	)
	b.step("attach a PDF: it uploads at once",
		chromedp.SetUploadFiles(chromedp.ID("case-f-files"), []string{pdf}),
		waitJS(`!!document.querySelector('#case-upload-list li[data-state="done"]')`),
		waitText("#case-upload-list", "告知承诺制办理指引.pdf"),
		waitText("#case-upload-list", "已上传"),
	)
	b.step("a linked enterprise with a wrong number is refused under its row",
		chromedp.Click(chromedp.ID("case-ent-add")),
		chromedp.WaitVisible(chromedp.ID("case-ent-1-number")),
		typeInto("case-ent-1-number", badCode),
		typeInto("case-ent-1-name", "示范食品经营有限公司"),
		chromedp.Click(chromedp.ID("case-save")),
		chromedp.WaitVisible(chromedp.ID("case-ent-1-number-error")),
		waitJS(`document.getElementById('case-ent-1-number').getAttribute('aria-invalid') === 'true'`),
		waitJS(`document.getElementById('case-edit-error').innerText.length > 0`),
		waitJS(`location.hash === '#/cases/new'`),
	)
	if msg := eval[string](b, `document.getElementById('case-ent-1-number-error').innerText`); strings.TrimSpace(msg) == "" {
		t.Error("the refused number has no message under it")
	}
	b.shot("cases-edit-error-1280")
	b.step("correct the number", typeInto("case-ent-1-number", creditCode))
	b.phone("cases-edit", "#case-form")

	b.step("保存并提交审核 goes to the case page",
		chromedp.Click(chromedp.ID("case-save-submit")),
		waitJS(`/^#\/cases\/[a-z0-9]+$/.test(location.hash)`),
		waitText("#case-flash", "已保存并提交审核"),
		waitText("#case-title", title),
		waitText("#case-status", "审核中"),
		waitText("#case-body table", "办理环节"),
		waitText("#case-files", "告知承诺制办理指引.pdf"),
		waitText("#case-entities", "示范食品经营有限公司"),
		waitText("#case-entities", creditCode), // the author sees the number whole
	)
	caseHash := eval[string](b, `location.hash`)
	if eval[bool](b, `!!document.getElementById('case-submit') || !!document.getElementById('case-review')`) {
		t.Error("a submitted case still offers 提交审核, or offers its author 审核")
	}
	b.shot("cases-submitted-1280")
	b.step("我的案例 shows the status badge",
		chromedp.Evaluate[chromedp.Void](`location.hash = '#/cases/mine'`),
		waitText("#cases-list", title),
		waitText("#cases-list", "审核中"),
	)
	signOut()

	// ---- the reviewer returns (refused without a comment) and approves ----
	loginAs(b, "reviewer.prov", demoPassword)
	b.step("待我审核 lists the case",
		chromedp.WaitVisible(chromedp.CSS(`#sidemenu a[data-route="cases"]`)),
		chromedp.Click(chromedp.CSS(`#sidemenu a[data-route="cases"]`)),
		chromedp.WaitVisible(chromedp.ID("case-tab-queue")),
		chromedp.Click(chromedp.ID("case-tab-queue")),
		waitJS(`location.hash === '#/cases/queue'`),
		waitText("#cases-list", title),
		waitText("#cases-list", "审核中"),
	)
	b.shot("cases-queue-1280")
	b.step("open it: the 审核 panel",
		openListed(title),
		waitJS(`location.hash === `+jsString(caseHash)),
		chromedp.WaitVisible(chromedp.ID("case-review")),
		waitText("#case-body table", "办理环节"),
		waitText("#case-entities", creditCode), // the reviewer of a submitted case may unmask
	)
	b.step("退回 without a comment: the server's words under the field",
		chromedp.Click(chromedp.ID("case-reject")),
		chromedp.WaitVisible(chromedp.ID("case-review-comment-error")),
		waitJS(`document.getElementById('case-review-comment').getAttribute('aria-invalid') === 'true'`),
		waitJS(`document.getElementById('case-review-comment-error').innerText.trim().length > 0`),
	)
	b.shot("cases-review-1280")
	b.phone("cases-review", "#case-review")
	b.step("通过并发布 with a comment",
		typeInto("case-review-comment", "做法清晰，数据完整，同意发布。"),
		chromedp.Click(chromedp.ID("case-approve")),
		waitText("#case-flash", "已审核通过并发布"),
	)
	if eval[bool](b, `!!document.getElementById('case-review')`) {
		t.Error("the 审核 panel is still offered after approval")
	}
	signOut()

	// ---- a reader in another city searches and reads ----
	loginAs(b, "staff.west.tax", demoPassword)
	b.step("search 告知承诺 in 经验案例",
		chromedp.WaitVisible(chromedp.CSS(`#sidemenu a[data-route="cases"]`)),
		chromedp.Click(chromedp.CSS(`#sidemenu a[data-route="cases"]`)),
		chromedp.WaitVisible(chromedp.ID("cases-q")),
		typeInto("cases-q", "告知承诺"),
		chromedp.Click(chromedp.ID("cases-search")),
		waitJS(`location.hash === '#/cases?q=' + encodeURIComponent('告知承诺')`),
		waitText("#cases-list", title),
		waitJS(`[...document.querySelectorAll('#cases-list .case-item-title mark.case-hit')].some(m => m.textContent.includes('告知承诺'))`),
		waitText("#cases-count", "共"),
	)
	b.shot("cases-search-1280")
	b.phone("cases-search", "#cases-list")
	b.step("open the hit: table and attachment",
		openListed(title),
		waitJS(`location.hash === `+jsString(caseHash)),
		waitText("#case-title", title),
		waitText("#case-body table", "办理环节"),
		waitText("#case-body table", "当场办结"),
		waitText("#case-files", "告知承诺制办理指引.pdf"),
		waitText("#case-files", "预览"),
		waitText("#case-meta", "东城市税务局"),
		waitText("#case-meta", "全省政府"),
		waitText("#case-entities", "示范食品经营有限公司"),
	)
	if eval[bool](b, `document.getElementById('case-entities').innerText.includes(`+jsString(creditCode)+`)`) {
		t.Error("a reader in another city sees the linked enterprise's number unmasked")
	}
	if eval[bool](b, `!!document.getElementById('case-edit') || !!document.getElementById('case-review') || !!document.getElementById('case-delete')`) {
		t.Error("a reader is offered 编辑, 审核 or 删除")
	}
	b.shot("cases-view-1280")
	b.phone("cases-view", "#case-body")
	b.noConsoleProblems()
}
