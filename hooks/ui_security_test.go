package hooks_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pquerna/otp/totp"

	"govcollab/hooks/apptest"
	"govcollab/hooks/org"
)

// Browser tests of the account-security pages: the step pages after login
// (修改初始密码, 绑定动态口令 with its recovery codes, 输入动态口令 with a
// recovery code), 账号安全 (#/account: sessions, 结束, TOTP status) and
// 安全审计 (#/admin/audit: rows, 校验日志完整性, 导出). The demo accounts are
// exempt from the steps, so the step flows use accounts made here.
//
// A sub-flow whose server route is not there yet is skipped, saying so.

const initialPassword = "Init-Pass-2026-xyz"

// routeExists tells whether the server has a route: unknown /api routes
// answer JSON 404, known ones 401 (or anything else) without a token.
func routeExists(t *testing.T, base, method, path string) bool {
	t.Helper()
	status, _ := callAPI(t, method, base+path, "")
	return status != http.StatusNotFound
}

// requireRoutes skips the test when one of the routes is missing.
func requireRoutes(t *testing.T, base string, routes ...[2]string) {
	t.Helper()
	for _, r := range routes {
		if !routeExists(t, base, r[0], r[1]) {
			t.Skipf("SKIPPED: the server has no %s %s yet, so this browser flow cannot run", r[0], r[1])
		}
	}
}

// newStaffUser creates a non-demo account at 东城市税务局 with a known
// password and the given roles. mustChange=false clears the forced change.
func newStaffUser(t *testing.T, app core.App, username, name string, roles []string, mustChange bool) string {
	t.Helper()
	rec, _, err := org.CreateUser(app, org.UserInput{
		Username: username,
		Name:     name,
		Unit:     apptest.UnitID(t, app, "东城市税务局"),
		Password: initialPassword,
	})
	if err != nil {
		t.Fatalf("create user %s: %v", username, err)
	}
	if len(roles) > 0 {
		if _, err := org.SetRoles(app, apptest.UserID(t, "admin.sec"), rec.Id, roles); err != nil {
			t.Fatalf("roles of %s: %v", username, err)
		}
	}
	if !mustChange {
		rec, err = app.FindRecordById("users", rec.Id)
		if err != nil {
			t.Fatal(err)
		}
		rec.Set("must_change_password", false)
		if err := app.Save(rec); err != nil {
			t.Fatal(err)
		}
	}
	return rec.Id
}

// apiLogin signs in over HTTP and returns the token and meta.require.
func apiLogin(t *testing.T, base, identity, password string) (string, []string) {
	t.Helper()
	body, _ := json.Marshal(map[string]string{"identity": identity, "password": password})
	res, err := (&http.Client{Timeout: 10 * time.Second}).Post(
		base+"/api/collections/users/auth-with-password", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var out struct {
		Token string `json:"token"`
		Meta  struct {
			Require []string `json:"require"`
		} `json:"meta"`
	}
	if err := json.NewDecoder(res.Body).Decode(&out); err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("login %s over HTTP: %d %v", identity, res.StatusCode, err)
	}
	return out.Token, out.Meta.Require
}

// fitsPhone fails when the page scrolls sideways on a phone.
func fitsPhone(t *testing.T, b *browser, page string) {
	t.Helper()
	if w := eval[float64](b, `document.documentElement.scrollWidth - window.innerWidth`); w > 0 {
		t.Errorf("%s is %.0f px wider than a 375 px phone", page, w)
	}
}

// owePasswordChange makes the user's open sessions owe a password change,
// as when the password expires during a session.
func owePasswordChange(t *testing.T, app core.App, userID string) {
	t.Helper()
	recs, err := app.FindAllRecords("sessions", dbx.HashExp{"user": userID})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range recs {
		if !r.GetDateTime("ended").IsZero() {
			continue
		}
		r.Set("pending", []string{"password_change"})
		if err := app.SaveNoValidate(r); err != nil {
			t.Fatal(err)
		}
	}
}

// loginAs fills the login form (the page must show it).
func loginAs(b *browser, identity, password string) {
	b.t.Helper()
	b.step("log in as "+identity,
		chromedp.WaitVisible(chromedp.ID("login-form")),
		typeInto("login-identity", identity),
		typeInto("login-password", password),
		chromedp.Click(chromedp.ID("login-submit")),
	)
}

// TestUIPasswordChangeStep: a new account must change its initial password
// before the shell: the policy is shown, a short password is refused under
// the field, a wrong old password in the server's words, a reload returns
// to the step page, and the change leads into the shell.
func TestUIPasswordChangeStep(t *testing.T) {
	base, g := startUIServer(t)
	requireRoutes(t, base,
		[2]string{http.MethodGet, "/api/gov/auth/password-policy"},
		[2]string{http.MethodPost, "/api/gov/auth/password"})
	userID := newStaffUser(t, g.App, "zhang.newhire", "张新员", nil, true)
	if _, require := apiLogin(t, base, "zhang.newhire", initialPassword); len(require) == 0 {
		t.Skip("SKIPPED: the server does not require password_change of a new account yet (meta.require is empty)")
	}

	b := newBrowser(t)
	b.step("open the login page", viewport(1280, 900), chromedp.Navigate(base+"/"))
	loginAs(b, "zhang.newhire", initialPassword)
	b.step("the password step page, with the policy",
		chromedp.WaitVisible(chromedp.ID("step-pw-form")),
		waitText("#step-title", "修改初始密码"),
		waitText("#step-pw-policy", "至少"),
		waitText(`label[for="step-pw-old"]`, "当前密码"),
		waitText(`label[for="step-pw-new"]`, "新密码"),
		waitText(`label[for="step-pw-confirm"]`, "再次输入新密码"),
		waitJS(`document.activeElement && document.activeElement.id === 'step-pw-old'`),
	)
	if eval[bool](b, `!!document.getElementById('sidemenu')`) {
		t.Fatal("the shell is shown while a step is owed")
	}
	b.screenshot("step-password-1280")

	b.step("a short new password is refused under the field",
		typeInto("step-pw-old", initialPassword),
		typeInto("step-pw-new", "short"),
		typeInto("step-pw-confirm", "short"),
		chromedp.Click(chromedp.ID("step-pw-submit")),
		waitText("#step-pw-new-error", "至少"),
		waitJS(`document.getElementById('step-pw-new').getAttribute('aria-invalid') === 'true'`),
		waitJS(`document.activeElement.id === 'step-pw-new'`),
	)
	b.step("a wrong old password: the server's words under 当前密码",
		typeInto("step-pw-old", "Wrong-Pass-2026-abc"),
		typeInto("step-pw-new", "Brand-New-Pass-2026"),
		typeInto("step-pw-confirm", "Brand-New-Pass-2026"),
		chromedp.Click(chromedp.ID("step-pw-submit")),
		waitText("#step-pw-old-error", "当前密码不正确"),
	)
	b.step("mismatched confirmation",
		typeInto("step-pw-old", initialPassword),
		typeInto("step-pw-confirm", "Brand-New-Pass-2027"),
		chromedp.Click(chromedp.ID("step-pw-submit")),
		waitText("#step-pw-confirm-error", "不一致"),
	)
	b.step("a reload returns to the step page",
		chromedp.Reload(),
		chromedp.WaitVisible(chromedp.ID("step-pw-form")),
		waitText("#step-title", "修改初始密码"),
	)
	b.step("the phone layout of the step page", viewport(375, 812), chromedp.WaitVisible(chromedp.ID("step-pw-form")))
	fitsPhone(t, b, "the password step page")
	b.screenshot("step-password-375")
	b.step("back to desktop", viewport(1280, 900))

	b.step("the change leads into the shell",
		typeInto("step-pw-old", initialPassword),
		typeInto("step-pw-new", "Brand-New-Pass-2026"),
		typeInto("step-pw-confirm", "Brand-New-Pass-2026"),
		chromedp.Click(chromedp.ID("step-pw-submit")),
		chromedp.WaitVisible(chromedp.ID("sidemenu")),
		waitText("#topbar-user", "张新员"),
		waitText("#main h1", "工作台"),
	)
	if status, code := callAPI(t, http.MethodGet, base+"/api/gov/units", storedToken(b)); status != http.StatusOK {
		t.Errorf("GET /api/gov/units after the step: %d %q, want 200", status, code)
	}
	b.step("a reload stays in the shell",
		chromedp.Reload(),
		chromedp.WaitVisible(chromedp.ID("sidemenu")),
		waitText("#main h1", "工作台"),
	)

	// A step owed during the session: the next call answering 403
	// step_required leaves the shell for the step page.
	owePasswordChange(t, g.App, userID)
	b.step("step_required from the shell routes to the step page",
		chromedp.Evaluate[chromedp.Void](`location.hash = '#/account'`),
		chromedp.WaitVisible(chromedp.ID("step-pw-form")),
		waitText("#step-title", "修改初始密码"),
		typeInto("step-pw-old", "Brand-New-Pass-2026"),
		typeInto("step-pw-new", "Second-New-Pass-2026"),
		typeInto("step-pw-confirm", "Second-New-Pass-2026"),
		chromedp.Click(chromedp.ID("step-pw-submit")),
		chromedp.WaitVisible(chromedp.ID("sidemenu")),
	)
	b.noConsoleProblems()
}

// TestUITOTPEnrolStep: a leader (TOTPRoles) binds an authenticator at the
// first login: QR code and secret, a code computed here from the secret
// shown, the recovery codes shown once behind 我已妥善保存, then the shell.
// The next login asks for a code, and a recovery code works. 账号安全 then
// shows the factor, lists the sessions (当前 marked) and ends another one.
func TestUITOTPEnrolStep(t *testing.T) {
	base, g := startUIServer(t)
	requireRoutes(t, base,
		[2]string{http.MethodPost, "/api/gov/auth/totp/enrol"},
		[2]string{http.MethodPost, "/api/gov/auth/totp/enrol/confirm"},
		[2]string{http.MethodPost, "/api/gov/auth/totp"})
	newStaffUser(t, g.App, "li.leader", "李局长", []string{"leader"}, false)
	if _, require := apiLogin(t, base, "li.leader", initialPassword); len(require) == 0 || require[0] != "totp_enrol" {
		t.Skipf("SKIPPED: the server does not require totp_enrol of a new leader yet (meta.require = %q)", require)
	}

	b := newBrowser(t)
	b.step("open the login page", viewport(1280, 900), chromedp.Navigate(base+"/"))
	loginAs(b, "li.leader", initialPassword)
	b.step("the enrol page: QR code with alt text, the secret, a code field",
		chromedp.WaitVisible(chromedp.ID("step-enrol-form")),
		waitText("#step-title", "绑定动态口令"),
		waitJS(`document.getElementById('step-enrol-qr').complete && document.getElementById('step-enrol-qr').naturalWidth > 0`),
		waitJS(`document.getElementById('step-enrol-qr').alt.includes('二维码')`),
		waitJS(`document.getElementById('step-enrol-secret').dataset.secret.length >= 16`),
		waitText(`label[for="step-enrol-code"]`, "动态口令"),
	)
	b.screenshot("step-totp-enrol-1280")
	b.step("the enrol page on a phone", viewport(375, 812), chromedp.WaitVisible(chromedp.ID("step-enrol-form")))
	fitsPhone(t, b, "the enrol page")
	b.screenshot("step-totp-enrol-375")
	b.step("back to desktop", viewport(1280, 900))

	b.step("a wrong code is refused in the server's words",
		typeInto("step-enrol-code", "000000"),
		chromedp.Click(chromedp.ID("step-enrol-submit")),
		waitJS(`!document.getElementById('step-enrol-code-error').hidden || document.getElementById('step-enrol-error').innerText !== ''`),
	)
	secret := eval[string](b, `document.getElementById('step-enrol-secret').dataset.secret`)
	code, err := totp.GenerateCode(secret, time.Now())
	if err != nil {
		t.Fatalf("code from the secret %q: %v", secret, err)
	}
	b.step("the right code shows the recovery codes once",
		typeInto("step-enrol-code", code),
		chromedp.Click(chromedp.ID("step-enrol-submit")),
		chromedp.WaitVisible(chromedp.ID("step-enrol-recovery")),
		waitJS(`document.querySelectorAll('#step-enrol-recovery li').length === 10`),
		waitJS(`document.getElementById('step-enrol-continue').disabled`),
		waitText(`label[for="step-enrol-saved"]`, "我已妥善保存"),
	)
	b.screenshot("step-totp-recovery-1280")
	recovery := eval[[]string](b, `[...document.querySelectorAll('#step-enrol-recovery li')].map(li => li.innerText.trim())`)
	b.step("我已妥善保存 → the shell",
		chromedp.Click(chromedp.ID("step-enrol-saved")),
		waitJS(`!document.getElementById('step-enrol-continue').disabled`),
		chromedp.Click(chromedp.ID("step-enrol-continue")),
		chromedp.WaitVisible(chromedp.ID("sidemenu")),
		waitText("#topbar-user", "李局长"),
	)

	b.step("退出, and log in again: the code page",
		chromedp.Click(chromedp.ID("logout")),
		chromedp.WaitVisible(chromedp.ID("login-form")),
	)
	loginAs(b, "li.leader", initialPassword)
	b.step("the code page",
		chromedp.WaitVisible(chromedp.ID("step-totp-form")),
		waitText("#step-title", "输入动态口令"),
		waitJS(`document.activeElement.id === 'step-totp-code'`),
	)
	b.screenshot("step-totp-1280")
	b.step("a recovery code instead of the authenticator",
		chromedp.Click(chromedp.ID("step-totp-use-recovery")),
		waitText(`label[for="step-totp-code"]`, "恢复码"),
		typeInto("step-totp-code", recovery[0]),
		chromedp.Click(chromedp.ID("step-totp-submit")),
		chromedp.WaitVisible(chromedp.ID("sidemenu")),
		waitText("#main h1", "工作台"),
	)

	// 账号安全: the factor is bound; the sessions when the route exists.
	b.step("账号安全 shows the factor",
		chromedp.Click(chromedp.ID("topbar-user")),
		waitJS(`location.hash === '#/account'`),
		waitText("#main h1", "账号安全"),
		waitText("#acct-totp-status", "已绑定"),
		chromedp.WaitVisible(chromedp.ID("acct-pw-form")),
		waitText("#acct-pw-policy", "至少"),
	)
	if !routeExists(t, base, http.MethodGet, "/api/gov/sessions") {
		t.Log("NOTE: GET /api/gov/sessions is not there yet: the sessions part of 账号安全 was not tested")
		b.screenshot("account-1280")
		b.noConsoleProblems()
		return
	}
	other, _ := apiLogin(t, base, "li.leader", initialPassword) // another device
	_ = other
	b.step("the sessions: 当前 marked, 结束 on the others",
		chromedp.Reload(),
		waitText("#main h1", "账号安全"),
		waitText("#sessions-count", "共"),
		waitText("#sessions", "当前"),
		waitJS(`document.querySelectorAll('#sessions [data-end]').length >= 1`),
	)
	checkTimes(t, b)
	b.screenshot("account-1280")
	b.step("account page on a phone", viewport(375, 812), waitText("#main h1", "账号安全"))
	fitsPhone(t, b, "账号安全")
	b.screenshot("account-375")
	b.step("the sessions on a phone", chromedp.ScrollIntoView(chromedp.ID("sessions")))
	b.screenshot("account-sessions-375")
	b.step("back to desktop", viewport(1280, 900))
	id := eval[string](b, `document.querySelector('#sessions [data-end]').dataset.end`)
	b.step("结束 asks first, then ends the session",
		chromedp.Click(chromedp.CSS(fmt.Sprintf(`[data-end=%q]`, id))),
		chromedp.WaitVisible(chromedp.CSS(fmt.Sprintf(`[data-confirm-end=%q]`, id))),
		chromedp.Click(chromedp.CSS(fmt.Sprintf(`[data-confirm-end=%q]`, id))),
		waitJS(fmt.Sprintf(`!document.querySelector('[data-end=%q]') && !document.querySelector('[data-confirm-end=%q]')`, id, id)),
	)
	if status, code := callAPI(t, http.MethodGet, base+"/api/gov/me", other); status != http.StatusUnauthorized {
		t.Errorf("the ended session's token still answers GET /api/gov/me: %d %q", status, code)
	}
	b.noConsoleProblems()
}

// checkTimes: session times are shown as 2026-11-23 14:05.
func checkTimes(t *testing.T, b *browser) {
	t.Helper()
	ok := eval[bool](b, `[...document.querySelectorAll('#sessions tbody tr td:first-child')].every(td => /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}$/.test(td.innerText.trim()))`)
	if !ok {
		t.Errorf("session times are not shown as 2026-11-23 14:05: %q",
			eval[[]string](b, `[...document.querySelectorAll('#sessions tbody tr td:first-child')].map(td => td.innerText)`))
	}
}

// TestUIAccountDemo: a demo account (exempt from the steps) opens 账号安全
// from 我的 on a phone; a wrong current password is refused under the field.
func TestUIAccountDemo(t *testing.T) {
	base, _ := startUIServer(t)
	requireRoutes(t, base,
		[2]string{http.MethodGet, "/api/gov/auth/password-policy"},
		[2]string{http.MethodPost, "/api/gov/auth/password"},
		[2]string{http.MethodGet, "/api/gov/auth/totp"})
	b := newBrowser(t)
	b.step("open the login page", viewport(375, 812), chromedp.Navigate(base+"/"))
	loginAs(b, "staff.east.tax", demoPassword)
	b.step("我的 → 账号安全",
		chromedp.WaitVisible(chromedp.ID("tabbar")),
		chromedp.Click(chromedp.CSS(`#tabbar a[data-route="me"]`)),
		waitText("#main h1", "我的"),
		chromedp.Click(chromedp.ID("mine-account")),
		waitText("#main h1", "账号安全"),
		waitText("#acct-totp-status", "未绑定"),
		waitText("#acct-pw-policy", "至少"),
	)
	b.step("a wrong current password",
		typeInto("acct-pw-old", "Wrong-Pass-2026-abc"),
		typeInto("acct-pw-new", "Brand-New-Pass-2026"),
		typeInto("acct-pw-confirm", "Brand-New-Pass-2026"),
		chromedp.Click(chromedp.ID("acct-pw-submit")),
		waitText("#acct-pw-old-error", "当前密码不正确"),
	)
	b.screenshot("account-password-error-375")
	b.noConsoleProblems()
}

// TestUIAuditPage: the auditor's 安全审计 page lists rows with a count,
// filters them, checks the chain (完整) and exports; others are refused.
func TestUIAuditPage(t *testing.T) {
	base, _ := startUIServer(t)
	requireRoutes(t, base,
		[2]string{http.MethodGet, "/api/gov/audit"},
		[2]string{http.MethodGet, "/api/gov/audit/verify"})
	apiLogin(t, base, "leader.east", demoPassword) // something to audit
	b := newBrowser(t)
	b.step("open the login page", viewport(1280, 900), chromedp.Navigate(base+"/"))
	loginAs(b, "admin.audit", demoPassword)
	b.step("管理 links to 安全审计",
		chromedp.WaitVisible(chromedp.CSS(`#sidemenu a[data-route="admin"]`)),
		chromedp.Click(chromedp.CSS(`#sidemenu a[data-route="admin"]`)),
		waitText("#admin-links", "安全审计"),
		chromedp.Click(chromedp.CSS(`#admin-links a[href="#/admin/audit"]`)),
		waitText("#main h1", "安全审计"),
	)
	b.step("rows and a count",
		waitText("#audit-count", "共"),
		waitJS(`document.querySelectorAll('#audit-rows tbody tr').length > 0`),
		waitText("#audit-rows", "登录"),
	)
	b.step("校验日志完整性 says 完整",
		chromedp.Click(chromedp.ID("audit-verify-btn")),
		waitText("#audit-verify", "完整"),
	)
	if eval[bool](b, `!!document.querySelector('#audit-rows details')`) {
		b.step("a row's details open", chromedp.Click(chromedp.CSS(`#audit-rows details summary`)),
			waitJS(`document.querySelector('#audit-rows details').open`))
	}
	b.screenshot("audit-1280")
	b.step("filter by result: failed logins only",
		chromedp.SetValue(chromedp.ID("audit-result"), "failed"),
		chromedp.Click(chromedp.ID("audit-search")),
		waitJS(`document.getElementById('audit-count').innerText.startsWith('共')`),
		waitJS(`[...document.querySelectorAll('#audit-rows tbody tr')].every(tr => tr.innerText.includes('失败')) || !!document.getElementById('audit-empty')`),
		chromedp.Click(chromedp.ID("audit-reset")),
		waitJS(`document.querySelectorAll('#audit-rows tbody tr').length > 0`),
	)
	if routeExists(t, base, http.MethodGet, "/api/gov/audit/export") {
		b.step("导出 CSV",
			chromedp.Click(chromedp.ID("audit-export-csv")),
			waitText("#audit-export", "已导出"),
		)
	} else {
		t.Log("NOTE: GET /api/gov/audit/export is not there yet: 导出 was not tested")
	}
	b.step("the audit page on a phone", viewport(375, 812), waitText("#main h1", "安全审计"))
	fitsPhone(t, b, "安全审计")
	b.screenshot("audit-375")
	b.step("the rows on a phone", chromedp.ScrollIntoView(chromedp.ID("audit-rows")))
	b.screenshot("audit-rows-375")
	b.step("back to desktop", viewport(1280, 900))
	b.noConsoleProblems()

	// A leader may not open it.
	b.step("退出", chromedp.Click(chromedp.ID("logout")), chromedp.WaitVisible(chromedp.ID("login-form")))
	loginAs(b, "leader.east", demoPassword)
	b.step("安全审计 is refused to a leader",
		chromedp.WaitVisible(chromedp.ID("sidemenu")),
		chromedp.Evaluate[chromedp.Void](`location.hash = '#/admin/audit'`),
		waitText("#forbidden", "无权访问"),
	)
}
