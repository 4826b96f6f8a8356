package hooks_test

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

const noticesBody = "## 工作要求\n\n" +
	"请各单位于截止时间前**确认收到**，并按要求做好年终安全生产检查。\n\n" +
	"- 成立检查小组\n- 形成检查报告\n"

// TestUINotices walks 通知公告 in headless Chromium: leader.east composes
// a must-confirm notice to 东城市人民政府 and its subtree, previews the
// audience (a count and the per-unit table), and publishes it;
// staff.east.tax sees it unread (bold, badge in the menu) in the inbox,
// opens it and confirms with a reply; leader.east opens the receipts
// dashboard and sees one confirmation, the chart and the 东城市税务局 row,
// and drills into a unit and back up; then corrects (the history shows
// the reason) and withdraws it (a banner with the reason). Screenshots at 1280 px and 375 px; no console errors
// (CSP included).
func TestUINotices(t *testing.T) {
	base, _ := startUIServer(t)
	shanghai := time.FixedZone("CST", 8*3600)
	deadline := time.Now().In(shanghai).Add(7 * 24 * time.Hour).Format("2006-01-02T15:04")
	const title = "关于开展年终安全生产检查的通知（界面测试）"

	b := newBrowser(t)
	signOut := func() {
		t.Helper()
		b.step("退出", chromedp.Evaluate[chromedp.Void](`window.scrollTo(0, 0)`),
			chromedp.Click(chromedp.ID("logout")), chromedp.WaitVisible(chromedp.ID("login-form")))
	}
	openNotices := func() {
		t.Helper()
		b.step("open 通知公告",
			chromedp.WaitVisible(chromedp.CSS(`#sidemenu a[data-route="notices"]`)),
			chromedp.Click(chromedp.CSS(`#sidemenu a[data-route="notices"]`)),
			waitText("#main h1", "通知公告"),
			waitText("#ntc-count", "共"),
			waitJS(`document.querySelector('#sidemenu [aria-current="page"]')?.dataset.route === 'notices'`),
		)
	}
	row := func(sel string) string {
		return `[...document.querySelectorAll('#ntc-list .ntc-item')].find(li => li.innerText.includes(` + jsString(title) + `))` + sel
	}

	// ---- the leader composes, previews and publishes ----
	b.step("open the login page", viewport(1280, 900), chromedp.Navigate(base+"/"))
	loginAs(b, "leader.east", demoPassword)
	openNotices()
	if building := eval[bool](b, `!!document.getElementById('building')`); building {
		t.Fatal("通知公告 still shows the 建设中 placeholder")
	}
	b.step("发布通知 opens the compose form",
		chromedp.WaitVisible(chromedp.ID("ntc-new")),
		chromedp.Click(chromedp.ID("ntc-new")),
		waitJS(`location.hash === '#/notices/new'`),
		chromedp.WaitVisible(chromedp.ID("ntc-form")),
		waitText("#ntc-aud", "通知对象"),
	)
	b.step("fill in the notice",
		typeInto("ntc-f-title", title),
		chromedp.SetValue(chromedp.ID("ntc-f-urgency"), "加急"),
		chromedp.Click(chromedp.ID("ntc-f-must-confirm")),
		chromedp.WaitVisible(chromedp.ID("ntc-f-deadline")),
		chromedp.SetValue(chromedp.ID("ntc-f-deadline"), deadline),
		chromedp.Evaluate[chromedp.Void](`(() => {
			const body = document.getElementById('ntc-f-body');
			body.value = `+jsString(noticesBody)+`;
			body.dispatchEvent(new Event('input', { bubbles: true }));
		})()`),
	)
	b.step("pick 东城市人民政府 with its subtree",
		typeInto("ntc-aud-units-q", "东城市人民政府"),
		chromedp.Click(chromedp.ID("ntc-aud-units-find")),
		waitJS(`!!document.querySelector('#ntc-aud-units-found li[data-name="东城市人民政府"] button')`),
		chromedp.Click(chromedp.CSS(`#ntc-aud-units-found li[data-name="东城市人民政府"] button`)),
		waitJS(`!!document.querySelector('#ntc-aud-units-picked li[data-name="东城市人民政府"]')`),
	)
	if !eval[bool](b, `document.querySelector('#ntc-aud-units-picked li[data-name="东城市人民政府"] input[type="checkbox"]').checked`) {
		t.Error("含下级 is not ticked for a picked unit")
	}
	b.step("预览对象 counts the audience per unit",
		chromedp.Click(chromedp.ID("ntc-aud-preview-btn")),
		waitText("#ntc-aud-preview-total", "将发送给"),
		waitText("#ntc-aud-preview-table", "东城市税务局"),
	)
	total := eval[string](b, `document.querySelector('#ntc-aud-preview-total strong').textContent`)
	if n, err := strconv.Atoi(strings.ReplaceAll(total, ",", "")); err != nil || n < 2 {
		t.Errorf("the preview counts %q people, want at least 2 (the city and its tax bureau)", total)
	}
	b.shot("notices-compose-1280")
	b.phone("notices-compose", "#ntc-form")

	b.step("发布 asks once more, then publishes",
		chromedp.Click(chromedp.ID("ntc-publish")),
		chromedp.WaitVisible(chromedp.ID("ntc-publish-yes")),
		chromedp.Click(chromedp.ID("ntc-publish-yes")),
		waitJS(`/^#\/notices\/[a-z0-9]+$/.test(location.hash)`),
		waitText("#ntc-flash", "已发布"),
		waitText("#ntc-title", title),
		waitText("#ntc-body", "年终安全生产检查"),
		waitText("#ntc-tags", "加急"),
		chromedp.WaitVisible(chromedp.ID("ntc-receipts-link")),
	)
	noticeHash := eval[string](b, `location.hash`)
	b.shot("notices-published-1280")
	signOut()

	// ---- a recipient reads and confirms ----
	loginAs(b, "staff.east.tax", demoPassword)
	b.step("the menu shows unread notices",
		waitJS(`(() => { const s = document.querySelector('#sidemenu a[data-route="notices"] .ntc-badge');
			return !!s && !s.hidden && Number(s.textContent) >= 1; })()`),
	)
	openNotices()
	b.step("the new notice is listed unread, must-confirm with its deadline",
		waitJS(row(`?.dataset.read === 'false'`)),
		waitJS(row(`?.querySelector('.ntc-confirm')?.textContent.includes('需确认')`)),
		waitJS(row(`?.querySelector('.ntc-urgency')?.textContent === '加急'`)),
	)
	if w := eval[string](b, `getComputedStyle(`+row(`.querySelector('.ntc-item-title')`)+`).fontWeight`); w != "700" && w != "bold" {
		t.Errorf("an unread notice's title has font-weight %s, want bold", w)
	}
	b.shot("notices-inbox-1280")
	b.phone("notices-inbox", "#ntc-list")
	b.step("待确认 lists it too",
		chromedp.Click(chromedp.ID("ntc-tab-pending")),
		waitJS(`location.hash === '#/notices/pending'`),
		waitText("#ntc-list", title),
	)
	if eval[bool](b, `!!document.getElementById('ntc-new') || !!document.getElementById('ntc-tab-sent')`) {
		t.Error("staff.east.tax (no leader or clerk role) is offered 发布通知 or 我发布的")
	}
	b.step("open it: body and the 确认 panel",
		// polls: the list may re-render (badge refresh) between finding and clicking
		waitJS(`(() => { const t = `+row(`?.querySelector('.ntc-item-title')`)+`; if (!t) return false; t.click(); return true; })()`),
		waitJS(`location.hash === `+jsString(noticeHash)),
		waitText("#ntc-title", title),
		waitText("#ntc-body", "成立检查小组"),
		waitText("#ntc-meta", "东城市人民政府"),
		waitText("#ntc-deadline", "前确认"),
		chromedp.WaitVisible(chromedp.ID("ntc-confirm-btn")),
	)
	if eval[bool](b, `!!document.getElementById('ntc-receipts-link') || !!document.getElementById('ntc-withdraw') || !!document.getElementById('ntc-correct')`) {
		t.Error("a recipient is offered 查看回执, 撤回 or 更正")
	}
	b.phone("notices-view", "#ntc-confirm")
	b.step("确认收到 with a reply",
		typeInto("ntc-reply", "已收到，按要求落实。"),
		chromedp.Click(chromedp.ID("ntc-confirm-btn")),
		waitText("#ntc-flash", "已确认收到"),
		waitText("#ntc-confirmed", "您已于"),
		waitText("#ntc-confirm", "已收到，按要求落实。"),
		waitText("#ntc-tags", "已确认"),
	)
	b.shot("notices-confirmed-1280")
	b.step("the inbox shows it read and confirmed",
		chromedp.Evaluate[chromedp.Void](`location.hash = '#/notices'`),
		waitJS(row(`?.dataset.read === 'true'`)),
		waitJS(row(`?.querySelector('.ntc-confirm')?.textContent.includes('已确认')`)),
	)
	signOut()

	// ---- the publisher reads the receipts ----
	loginAs(b, "leader.east", demoPassword)
	b.step("查看回执 from the notice page",
		chromedp.WaitVisible(chromedp.ID("sidemenu")),
		chromedp.Evaluate[chromedp.Void](`location.hash = `+jsString(noticeHash)),
		chromedp.WaitVisible(chromedp.ID("ntc-receipts-link")),
		chromedp.Click(chromedp.ID("ntc-receipts-link")),
		waitJS(`location.hash === `+jsString(noticeHash+"/receipts")),
		waitText("#ntc-rc-table", "东城市税务局"),
		waitText("#ntc-rc-bars", "东城市税务局"),
		waitText("#ntc-rc-confirmed", "1"),
		waitJS(`!!document.querySelector('#ntc-rc-people-table, #ntc-rc-people-empty')`),
	)
	if got := eval[string](b, `document.getElementById('ntc-rc-confirmed').textContent`); got != "1" {
		t.Errorf("the dashboard counts %q confirmations, want 1", got)
	}
	taxRow := `[...document.querySelectorAll('#ntc-rc-table tbody tr')].find(tr => tr.cells[0].innerText.includes('东城市税务局'))`
	if got := eval[string](b, taxRow+`.cells[4].textContent`); got != "1" {
		t.Errorf("the 东城市税务局 row counts %q confirmations, want 1", got)
	}
	if got := eval[string](b, taxRow+`.cells[2].textContent`); got != "1" {
		t.Errorf("the 东城市税务局 row counts %q reads, want 1", got)
	}
	if eval[bool](b, `document.getElementById('ntc-rc-people').innerText.includes('褚税务')`) {
		t.Error("the confirmed staff.east.tax is listed among those who have not confirmed")
	}
	if !eval[bool](b, `document.querySelectorAll('#ntc-rc-bars svg.ntc-bar-confirm rect.ntc-bar-fill').length > 0`) {
		t.Error("the chart has no confirm bars")
	}
	b.shot("notices-receipts-1280")
	b.phone("notices-receipts", "#ntc-rc-bars")
	// Drilling: open one unit's own figures (as a link of a unit with
	// units below does), then 返回上一级 leads back to the city.
	taxID := eval[string](b, taxRow+`.dataset.unit`)
	b.step("drill into 东城市税务局 and back up",
		chromedp.Evaluate[chromedp.Void](`location.hash = `+jsString(noticeHash+"/receipts?unit="+taxID)),
		chromedp.WaitVisible(chromedp.ID("ntc-rc-up")),
		waitText("#ntc-rc-nav", "东城市税务局"),
		waitText("#ntc-rc-table", "东城市税务局（本级）"),
		waitText("#ntc-rc-confirmed", "1"),
		chromedp.Click(chromedp.ID("ntc-rc-up")),
		waitText("#ntc-rc-nav", "东城市人民政府"),
		waitText("#ntc-rc-table", "东城市人力资源和社会保障局"),
	)
	// ---- the publisher corrects, then withdraws ----
	b.step("更正: the new text, the reason and the history",
		chromedp.Evaluate[chromedp.Void](`location.hash = `+jsString(noticeHash)),
		chromedp.WaitVisible(chromedp.ID("ntc-correct")),
		chromedp.Click(chromedp.ID("ntc-correct")),
		chromedp.WaitVisible(chromedp.ID("ntc-correct-body")),
		waitJS(`document.getElementById('ntc-correct-body').value.includes('成立检查小组')`),
		chromedp.Evaluate[chromedp.Void](`(() => {
			const body = document.getElementById('ntc-correct-body');
			body.value = body.value.replace('形成检查报告', '12 月 5 日前报送检查报告');
		})()`),
		typeInto("ntc-correct-reason", "明确报告报送时间"),
		chromedp.Click(chromedp.ID("ntc-panel-submit")),
		waitText("#ntc-flash", "已发布更正"),
		waitText("#ntc-corrected", "第 2 版"),
		waitText("#ntc-body", "12 月 5 日前报送检查报告"),
		waitText("#ntc-history", "明确报告报送时间"),
	)
	b.step("撤回 with a reason: the banner",
		chromedp.Click(chromedp.ID("ntc-withdraw")),
		chromedp.WaitVisible(chromedp.ID("ntc-withdraw-reason")),
		typeInto("ntc-withdraw-reason", "与年度计划重复"),
		chromedp.Click(chromedp.ID("ntc-panel-submit")),
		waitText("#ntc-withdrawn", "此通知已撤回"),
		waitText("#ntc-withdrawn", "与年度计划重复"),
		waitText("#ntc-tags", "已撤回"),
	)
	b.shot("notices-withdrawn-1280")
	b.noConsoleProblems()
}
