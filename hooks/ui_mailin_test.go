package hooks_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"

	"github.com/chromedp/chromedp"

	"govcollab/hooks/mailin/imaptest"
)

// TestUIMailIn: 西城市's clerk sets up the office's mailbox in 收文邮箱,
// tests the connection, a mail arrives, it appears in 收文登记 with its
// sender, guessed number and attachment, and the clerk registers it into
// a 收文 with its own number.
func TestUIMailIn(t *testing.T) {
	base, _ := startUIServer(t)
	srv := imaptest.Start(t)
	raw, err := os.ReadFile(filepath.Join("mailin", "testdata", "gbk.eml"))
	if err != nil {
		t.Fatal(err)
	}
	const title = "西城市人民政府关于做好2026年防汛工作的通知"
	b := newBrowser(t)
	b.step("open the app", viewport(1280, 900), chromedp.Navigate(base+"/"))
	loginAs(b, "clerk.west", demoPassword)
	b.step("收文邮箱: add the office's mailbox",
		chromedp.WaitVisible(chromedp.ID("sidemenu")),
		chromedp.Evaluate[chromedp.Void](`location.hash = '#/mailboxes'`),
		waitText("#main h1", "收文邮箱"),
		waitJS(`!!document.querySelector('#mbx-list, #mbx-empty')`),
		chromedp.Click(chromedp.ID("mbx-add")),
		chromedp.WaitVisible(chromedp.ID("mbx-form")),
		typeInto("mbx-f-host", "127.0.0.1"),
		typeInto("mbx-f-port", strconv.Itoa(srv.Port())),
		chromedp.Evaluate[chromedp.Void](`document.getElementById('mbx-f-security').value = 'none'`),
		typeInto("mbx-f-username", imaptest.Account),
		typeInto("mbx-f-password", imaptest.Password),
		typeInto("mbx-f-processed", "Processed"),
		chromedp.Click(chromedp.ID("mbx-save")),
		waitJS(`[...document.querySelectorAll('#mbx-list .mbx-item')].some(li => li.innerText.includes('127.0.0.1:'))`),
	)
	item := `[...document.querySelectorAll('#mbx-list .mbx-item')].find(li => li.innerText.includes('127.0.0.1:'))`
	b.step("测试连接 succeeds",
		waitJS(`(() => { const el = `+item+`?.querySelector('.mbx-test'); if (!el) return false; el.click(); return true; })()`),
		waitJS(item+`?.querySelector('.mbx-test-ok')?.innerText.includes('连接成功') ?? false`),
	)
	if eval[bool](b, item+`.innerText.includes('`+imaptest.Password+`')`) {
		t.Fatal("the page shows the mailbox password")
	}
	b.shot("mailin-mailboxes-1280")
	b.phone("mailin-mailboxes", "#mbx-list")

	srv.Append(t, "INBOX", raw)
	row := `[...document.querySelectorAll('#inb-list .inb-item')].find(li => li.innerText.includes(` + jsString(title) + `))`
	b.step("the mail arrives in 收文登记",
		chromedp.Evaluate[chromedp.Void](`location.hash = '#/inbound'`),
		waitText("#main h1", "收文登记"),
		waitJS(`(() => { if (`+row+`) return true; if (!window.__reloadAt || Date.now() - window.__reloadAt > 500) {
			window.__reloadAt = Date.now(); location.hash = '#/inbound?r=' + Date.now(); } return false; })()`),
		waitJS(row+`.querySelector('.inb-source')?.innerText === '邮件'`),
		waitJS(row+`.innerText.includes('西政发〔2026〕12号') && `+row+`.innerText.includes('ban@xicheng.gov.example')`),
		waitJS(row+`.innerText.includes('防汛工作方案.pdf')`),
	)
	b.shot("mailin-inbound-1280")
	b.phone("mailin-inbound", "#inb-list")
	b.step("登记", append(registerInbound(row),
		waitText("#doc-flash", "已登记"),
		waitText("#doc-number", "西政办收〔"),
		waitText("#doc-title", title))...,
	)
	if n := eval[string](b, `document.getElementById('doc-number').textContent.trim()`); !regexp.MustCompile(`^西政办收〔\d{4}〕\d+号$`).MatchString(n) {
		t.Errorf("the 收文 number is %q", n)
	}
	b.shot("mailin-registered-1280")
	b.noConsoleProblems()
}
