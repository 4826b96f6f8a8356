package hooks_test

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/pocketbase/pocketbase/core"

	"govcollab/hooks/apptest"
	"govcollab/hooks/org"
)

const demoPassword = "Demo-2026-gov"

// TestUILoginShellLogout walks the foundation flow in headless Chromium:
// the login page, a wrong password, login as leader.east, the shell (name,
// unit, menu, demo banner, watermark), a 建设中 module, the phone layout,
// 退出 (after which the old token is refused), a session ended elsewhere
// sending the page back to login, and 管理 for an administrator.
// Screenshots at 1280 px and 375 px go to test-output/screenshots/.
func TestUILoginShellLogout(t *testing.T) {
	base, g := startUIServer(t)
	requireCSP(t, base)
	grantReviewer(t, g.App)
	b := newBrowser(t)

	b.step("open the login page",
		viewport(1280, 900),
		chromedp.Navigate(base+"/"),
		chromedp.WaitVisible(chromedp.ID("login-form")),
		waitText("#login-title", "用户登录"),
		waitText(`label[for="login-identity"]`, "用户名或邮箱"),
		waitText(`label[for="login-password"]`, "密码"),
		waitText("#demo-banner-slot .demo-banner", "演示环境"),
	)
	b.screenshot("login-1280")
	b.step("login page on a phone",
		viewport(375, 812),
		waitJS(`matchMedia('(max-width: 600px)').matches`),
		chromedp.WaitVisible(chromedp.ID("login-form")),
	)
	b.screenshot("login-375")

	b.step("a wrong password is refused in the server's words",
		viewport(1280, 900),
		typeInto("login-identity", "leader.east"),
		typeInto("login-password", "not-the-password"),
		chromedp.Click(chromedp.ID("login-submit")),
		waitText("#login-error", "用户名或密码错误"),
	)
	b.screenshot("login-error-1280")
	if tok := storedToken(b); tok != "" {
		t.Fatalf("a refused login left a token behind: %q", tok)
	}

	b.step("log in as leader.east",
		typeInto("login-password", demoPassword),
		chromedp.Click(chromedp.ID("login-submit")),
		chromedp.WaitVisible(chromedp.ID("sidemenu")),
		waitText("#topbar-user", "王市长"),
		waitText("#topbar-user", "东城市人民政府"),
		waitText("#demo-banner", "演示环境"),
		waitText("#main h1", "工作台"),
		waitText("#me-facts", "王市长"),
		waitText("#me-facts", "东城市人民政府"),
		waitText("#me-facts", "市级"),
		waitText("#me-facts", "负责人"),
		waitText("#grants", "兼职"),
		waitText("#grants", "知识审核员"),
		waitText("#grants", "东城市税务局"),
	)
	checkShell(t, b)
	b.screenshot("workbench-1280")

	b.step("open 经验案例",
		chromedp.Click(chromedp.CSS(`#sidemenu a[data-route="cases"]`)),
		waitJS(`location.hash === '#/cases'`),
		waitText("#main h1", "经验案例"),
		waitText("#cases-count", "共"),
		waitJS(`document.querySelector('#sidemenu [aria-current="page"]')?.dataset.route === 'cases'`),
	)
	b.screenshot("cases-1280")
	b.step("search from the top bar",
		typeInto("topbar-q", "税务"),
		chromedp.SendKeys(chromedp.ID("topbar-q"), "\n"),
		waitJS(`location.hash === '#/search?q=' + encodeURIComponent('税务')`),
		waitJS(`document.getElementById('srch-q')?.value === '税务'`),
		waitText("#srch-total", "找到"),
		waitJS(`document.querySelectorAll('#srch-list .srch-item').length > 0`),
	)
	b.step("管理 is refused to a leader, unknown pages say so",
		chromedp.Evaluate[chromedp.Void](`location.hash = '#/admin'`),
		waitText("#forbidden", "无权访问"),
		chromedp.Evaluate[chromedp.Void](`location.hash = '#/no-such-page'`),
		waitText("#main h1", "页面不存在"),
	)

	checkPhone(t, b)

	token := storedToken(b)
	if status, _ := callAPI(t, http.MethodGet, base+"/api/gov/me", token); status != http.StatusOK {
		t.Fatalf("GET /api/gov/me with the page's token %q: %d, want 200", token, status)
	}
	b.step("退出",
		chromedp.Click(chromedp.ID("logout")),
		chromedp.WaitVisible(chromedp.ID("login-form")),
		waitText("#login-notice", "您已安全退出"),
	)
	if tok := storedToken(b); tok != "" {
		t.Errorf("the token is still stored after 退出")
	}
	if status, code := callAPI(t, http.MethodGet, base+"/api/gov/me", token); status != http.StatusUnauthorized || code != "session_ended" {
		t.Errorf("GET /api/gov/me with the old token after 退出: %d %q, want 401 session_ended", status, code)
	}

	b.step("log in again",
		typeInto("login-identity", "leader.east"),
		typeInto("login-password", demoPassword),
		chromedp.Click(chromedp.ID("login-submit")),
		chromedp.WaitVisible(chromedp.ID("sidemenu")),
	)
	if status, _ := callAPI(t, http.MethodPost, base+"/api/gov/logout", storedToken(b)); status != http.StatusNoContent {
		t.Fatalf("ending the session from outside the page: %d, want 204", status)
	}
	b.step("a 401 sends the page back to login",
		chromedp.Reload(),
		chromedp.WaitVisible(chromedp.ID("login-form")),
		waitText("#login-notice", "会话已结束"),
	)

	b.step("管理 for an administrator",
		typeInto("login-identity", "admin.audit"),
		typeInto("login-password", demoPassword),
		chromedp.Click(chromedp.ID("login-submit")),
		chromedp.WaitVisible(chromedp.CSS(`#sidemenu a[data-route="admin"]`)),
		waitText("#me-facts", "安全审计员"),
		chromedp.Click(chromedp.CSS(`#sidemenu a[data-route="admin"]`)),
		waitText("#main h1", "管理"),
		waitText("#building", "建设中"),
	)

	b.noConsoleProblems()
}

// TestUIDemoAccountOutsideDemo: outside demo mode a demo account is
// refused with 403 demo_disabled, and the page says so plainly.
func TestUIDemoAccountOutsideDemo(t *testing.T) {
	base, g := startUIServer(t)
	g.SetDemo(false) // as under plain `serve`
	b := newBrowser(t)
	b.step("a demo account cannot log in",
		viewport(1280, 900),
		chromedp.Navigate(base+"/"),
		chromedp.WaitVisible(chromedp.ID("login-form")),
		typeInto("login-identity", "leader.east"),
		typeInto("login-password", demoPassword),
		chromedp.Click(chromedp.ID("login-submit")),
		waitText("#login-error", "演示账号只能在演示模式"), // the server's words
		waitText("#login-error", "请使用您的正式账号登录"), // what to do
		waitJS(`document.querySelector('#demo-banner-slot').textContent === ''`),
	)
	if tok := storedToken(b); tok != "" {
		t.Errorf("a refused login left a token behind")
	}
	b.noConsoleProblems()
}

// grantReviewer gives leader.east a running 兼职 grant as reviewer at
// 东城市税务局, which the 工作台 lists from GET /api/gov/me.
func grantReviewer(t *testing.T, app core.App) {
	t.Helper()
	now := time.Now()
	_, err := org.CreateGrant(app, apptest.UserID(t, "admin.sec"), org.GrantInput{
		User: apptest.UserID(t, "leader.east"),
		Unit: apptest.UnitID(t, app, "东城市税务局"),
		Role: "reviewer",
		Kind: "concurrent",
		Ends: now.AddDate(1, 0, 0).Format(time.RFC3339),
	}, now)
	if err != nil {
		t.Fatalf("grant: %v", err)
	}
}

// checkShell asserts the signed-in frame of leader.east at desktop width.
func checkShell(t *testing.T, b *browser) {
	t.Helper()
	menu := eval[[]string](b, `[...document.querySelectorAll('#sidemenu a')].map(a => a.innerText.trim())`)
	want := []string{"工作台", "经验案例", "通知公告", "公文办理", "培训学习", "搜索", "通讯录"}
	if !slices.Equal(menu, want) { // no 管理 for a leader
		t.Errorf("menu = %q, want %q", menu, want)
	}
	if got := eval[string](b, `location.hash`); got != "#/workbench" {
		t.Errorf("hash after login = %q, want #/workbench", got)
	}
	current := eval[string](b, `document.querySelector('#sidemenu [aria-current="page"]')?.dataset.route || ''`)
	if current != "workbench" {
		t.Errorf("aria-current on %q, want workbench", current)
	}
	landmarks := eval[bool](b, `!!document.querySelector('header.topbar') && !!document.querySelector('nav#sidemenu[aria-label]') && !!document.querySelector('main#main')`)
	if !landmarks {
		t.Error("header, labelled nav and main landmarks are expected")
	}
	date := time.Now().In(time.FixedZone("CST", 8*3600)).Format("2006-01-02")
	mark := eval[string](b, `document.querySelector('.watermark')?.dataset.text || ''`)
	if want := "王市长 · 东城市人民政府 · " + date; mark != want {
		t.Errorf("watermark text = %q, want %q", mark, want)
	}
	if !eval[bool](b, `getComputedStyle(document.querySelector('.watermark')).backgroundImage.startsWith('url("data:image/png')`) {
		t.Error("the watermark has no tiled data: image")
	}
}

// checkPhone switches to 375 px: bottom tab bar, 16 px text, 我的 page.
func checkPhone(t *testing.T, b *browser) {
	t.Helper()
	b.step("phone layout",
		viewport(375, 812),
		chromedp.Evaluate[chromedp.Void](`location.hash = '#/workbench'`),
		waitText("#main h1", "工作台"),
		waitJS(`getComputedStyle(document.getElementById('tabbar')).display !== 'none'`),
		waitJS(`getComputedStyle(document.getElementById('sidemenu')).display === 'none'`),
	)
	tabs := eval[[]string](b, `[...document.querySelectorAll('#tabbar a')].map(a => a.innerText.trim())`)
	if want := []string{"工作台", "通知", "待办", "搜索", "我的"}; !slices.Equal(tabs, want) {
		t.Errorf("tab bar = %q, want %q", tabs, want)
	}
	if fs := eval[string](b, `getComputedStyle(document.body).fontSize`); fs != "16px" {
		t.Errorf("body text on a phone = %s, want 16px", fs)
	}
	if h := eval[float64](b, `document.querySelector('#tabbar a').getBoundingClientRect().height`); h < 44 {
		t.Errorf("tab height %.0f px, want ≥ 44 px for a thumb", h)
	}
	b.screenshot("workbench-375")
	b.step("我的 on a phone",
		chromedp.Click(chromedp.CSS(`#tabbar a[data-route="me"]`)),
		waitText("#main h1", "我的"),
		waitText("#main", "经验案例"),
		waitText("#mine-logout", "退出登录"),
	)
	b.screenshot("me-375")
	b.step("back to desktop width",
		viewport(1280, 900),
		waitJS(`getComputedStyle(document.getElementById('sidemenu')).display !== 'none'`),
	)
}

// storedToken is the token the SDK keeps in localStorage, empty if none.
func storedToken(b *browser) string {
	return eval[string](b, `(JSON.parse(localStorage.getItem('govcollab_auth') || '{}') || {}).token || ''`)
}

// callAPI sends one request with the token and returns the status and the
// error code of the body (if any).
func callAPI(t *testing.T, method, url, token string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", token)
	res, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer res.Body.Close()
	var body struct {
		Code string `json:"code"`
	}
	_ = json.NewDecoder(res.Body).Decode(&body)
	return res.StatusCode, body.Code
}

// requireCSP makes sure the page runs under the strict policy, so that
// an inline script or style would show up as a console error.
func requireCSP(t *testing.T, base string) {
	t.Helper()
	res, err := (&http.Client{Timeout: 10 * time.Second}).Get(base + "/")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	csp := res.Header.Get("Content-Security-Policy")
	if !strings.Contains(csp, "script-src 'self'") || !strings.Contains(csp, "style-src 'self'") {
		t.Fatalf("the UI is served without the strict CSP: %q", csp)
	}
}
