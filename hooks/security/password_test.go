package security_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"

	"govcollab/hooks/apptest"
	"govcollab/hooks/security"
)

func TestCheckPassword(t *testing.T) {
	def := security.DefaultSettings()
	strict := def
	strict.PasswordClasses, strict.PasswordMinLength = 3, 8
	short := def
	short.PasswordMinLength = 8
	cases := []struct {
		name string
		s    security.Settings
		pw   string
		code string // "" = accepted
	}{
		{"empty", def, "", "required"},
		{"11 characters", def, "Xk9#mQ2$vL7", "too_short"},
		{"12 characters", def, "Xk9#mQ2$vL7p", ""},
		{"64 characters accepted", def, strings.Repeat("Tq7-", 16), ""},
		{"71 bytes accepted", def, strings.Repeat("z", 70) + "!", ""},
		{"72 bytes refused, never truncated", def, strings.Repeat("z", 71) + "!", "too_long"},
		{"24 Chinese characters are 72 bytes", def, strings.Repeat("政务协同", 6), "too_long"},
		{"12 Chinese characters accepted", def, strings.Repeat("政务协同", 3), ""},
		{"common, any letter case", def, "WoAiNi1314520", "too_common"},
		{"common keyboard walk", def, "1qaz2wsx3edc4rfv", "too_common"},
		{"common word + suffix", def, "Password@123456", "too_common"},
		{"Chinese-typical under a shorter minimum", short, "qq123456", "too_common"},
		{"5201314 under a shorter minimum", short, "a5201314", "too_common"},
		{"composition: two classes of three", strict, "abcdefghij12", "too_simple"},
		{"composition: three classes", strict, "Abcdefghij12", ""},
	}
	for _, c := range cases {
		err := security.CheckPassword(c.s, "new", c.pw)
		switch {
		case c.code == "" && err != nil:
			t.Errorf("%s: refused: %v", c.name, err)
		case c.code != "" && (err == nil || err.Data["new"].Code != c.code):
			t.Errorf("%s: got %v, want %s", c.name, err, c.code)
		}
	}
	if err := security.CheckPassword(def, "new", strings.Repeat("z", 72)); !strings.Contains(err.Data["new"].Message, "71 字节") {
		t.Errorf("the 72-byte refusal does not say the limit: %q", err.Data["new"].Message)
	}
}

func TestCommonPasswordList(t *testing.T) {
	for _, pw := range []string{"123456", "a123456", "qq123456", "woaini1314", "5201314", "qwerty", "1qaz2wsx",
		"ASDFGHJKL", "p@ssw0rd", "88888888", "Admin@123"} {
		if !security.IsCommonPassword(pw) {
			t.Errorf("%q is not on the list", pw)
		}
	}
	if security.IsCommonPassword("Zx8!kq-Tea-Lamp") {
		t.Error("a random password is on the list")
	}
	if n := security.CommonPasswordCount(); n < 1000 {
		t.Errorf("only %d common passwords", n)
	}
}

// TestForcedPasswordChange: an account created by an administrator logs in
// restricted, may reach /me but nothing else, and is freed by changing its
// password, which ends its other sessions and keeps this one.
func TestForcedPasswordChange(t *testing.T) {
	s := newServer(t, false) // plain serve: the user is not a demo account anyway
	user := newStaff(t, s.app, "zhang.san", "Initial-Pass-2026x")
	other, _, err := s.g.Sessions.Issue(s.app, user, nil, "") // another device
	if err != nil {
		t.Fatal(err)
	}

	r := s.login("zhang.san", "Initial-Pass-2026x", "")
	want(t, r, 200, `"require":["password_change"]`)
	tok := r.token(t)
	want(t, s.do(http.MethodGet, "/api/gov/me", tok, "", ""), 200, `"username":"zhang.san"`)
	want(t, s.do(http.MethodGet, "/api/gov/auth/password-policy", tok, "", ""), 200,
		`{"min_length":12,"max_bytes":71,"classes":0,"max_age_days":0}`)
	want(t, s.do(http.MethodGet, "/api/gov/units", tok, "", ""), 403, `"code":"step_required"`, `"password_change"`)

	change := func(old, new string) reply {
		b, _ := json.Marshal(map[string]string{"old": old, "new": new})
		return s.do(http.MethodPost, "/api/gov/auth/password", tok, string(b), "")
	}
	want(t, change("", "Brand-New-Pass-77"), 400, `"old":{"code":"required"`)
	want(t, change("wrong-old-password", "Brand-New-Pass-77"), 400, `"old":{"code":"wrong"`)
	want(t, change("Initial-Pass-2026x", "short-1"), 400, `"new":{"code":"too_short"`, `密码至少 12 位`)
	want(t, change("Initial-Pass-2026x", "Woaini1314520"), 400, `"new":{"code":"too_common"`)
	want(t, change("Initial-Pass-2026x", strings.Repeat("k", 72)), 400, `"new":{"code":"too_long"`)
	want(t, change("Initial-Pass-2026x", "Initial-Pass-2026x"), 400, `"new":{"code":"unchanged"`)
	if u, _ := s.app.FindRecordById("users", user.Id); !u.ValidatePassword("Initial-Pass-2026x") || !u.GetBool("must_change_password") {
		t.Fatal("a refused change changed the account")
	}

	want(t, change("Initial-Pass-2026x", "Brand-New-Pass-77"), 200, `"require":[]`)
	want(t, s.do(http.MethodGet, "/api/gov/units", tok, "", ""), 200, `"items"`)
	want(t, s.do(http.MethodGet, "/api/gov/me", other, "", ""), 401, `"code":"session_ended"`)

	u, _ := s.app.FindRecordById("users", user.Id)
	if u.GetBool("must_change_password") || u.GetDateTime("password_changed").IsZero() || !u.ValidatePassword("Brand-New-Pass-77") {
		t.Fatalf("account after the change: must_change=%v changed=%v", u.GetBool("must_change_password"), u.GetDateTime("password_changed"))
	}
	var reason string
	_ = s.app.DB().NewQuery("SELECT end_reason FROM sessions WHERE user = {:u} AND ended != ''").
		Bind(map[string]any{"u": user.Id}).Row(&reason)
	if reason != "password_change" {
		t.Fatalf("other session end_reason %q", reason)
	}
	if s.countEvents("auth.password_change", "ok") != 1 || s.countEvents("auth.password_change", "failed") != 1 {
		t.Fatalf("password change events: %+v", s.events)
	}
	want(t, s.login("zhang.san", "Initial-Pass-2026x", ""), 400)
	want(t, s.login("zhang.san", "Brand-New-Pass-77", ""), 200, `"require":[]`)
}

// TestPasswordRoutes: the maximum age, the policy route, the body limit, the
// API headers and the sysadmin's reset.
func TestPasswordRoutes(t *testing.T) {
	oldPassword := func(t testing.TB, app *tests.TestApp, _ *core.ServeEvent) {
		st := security.DefaultSettings()
		st.PasswordMaxAge, st.PasswordMinLength, st.PasswordClasses = 30, 14, 3
		storeSettings(t, app, st)
		u := newStaff(t, app, "li.si", "Initial-Pass-2026x")
		u.Set("must_change_password", false)
		u.Set("password_changed", time.Now().Add(-31*24*time.Hour))
		if err := app.Save(u); err != nil {
			t.Fatal(err)
		}
	}
	sessionsOf := func(username, reason string) func(testing.TB, *tests.TestApp, *http.Response) {
		return func(t testing.TB, app *tests.TestApp, _ *http.Response) {
			var open, ended int
			_ = app.DB().NewQuery("SELECT COUNT(*) FROM sessions WHERE user = {:u} AND ended = ''").
				Bind(map[string]any{"u": apptest.UserID(t, username)}).Row(&open)
			_ = app.DB().NewQuery("SELECT COUNT(*) FROM sessions WHERE user = {:u} AND end_reason = {:r}").
				Bind(map[string]any{"u": apptest.UserID(t, username), "r": reason}).Row(&ended)
			if open != 0 || ended == 0 {
				t.Fatalf("%s: %d open sessions, %d ended with %s", username, open, ended, reason)
			}
		}
	}
	resetURL := "/api/gov/admin/users/" + apptest.UserID(t, "staff.east.tax") + "/reset-password"
	scenarios := []tests.ApiScenario{
		{
			Name: "a password past the maximum age owes a change", Method: http.MethodPost,
			URL:            "/api/collections/users/auth-with-password",
			Body:           strings.NewReader(`{"identity":"li.si","password":"Initial-Pass-2026x"}`),
			BeforeTestFunc: oldPassword, ExpectedStatus: 200,
			ExpectedContent: []string{`"require":["password_change"]`},
			TestAppFactory:  apptest.FactoryPlain,
		},
		{
			Name: "the policy route shows the stored policy", Method: http.MethodGet, URL: "/api/gov/auth/password-policy",
			Headers: apptest.Auth(t, "staff.east.tax"), BeforeTestFunc: oldPassword, ExpectedStatus: 200,
			ExpectedContent: []string{`{"min_length":14,"max_bytes":71,"classes":3,"max_age_days":30}`},
			TestAppFactory:  apptest.Factory,
		},
		{
			Name: "the policy route needs a login", Method: http.MethodGet, URL: "/api/gov/auth/password-policy",
			ExpectedStatus: 401, ExpectedContent: []string{`"code":"unauthorized"`}, TestAppFactory: apptest.Factory,
		},
		{
			Name: "a JSON body over the limit is refused", Method: http.MethodPost, URL: "/api/gov/auth/password",
			Headers:        apptest.Auth(t, "staff.east.tax"),
			Body:           strings.NewReader(`{"old":"` + strings.Repeat("x", security.JSONBodyLimit) + `"}`),
			ExpectedStatus: 413, ExpectedContent: []string{`"code":"too_large"`}, TestAppFactory: apptest.Factory,
		},
		{
			Name: "API answers are not sniffed or framed", Method: http.MethodGet, URL: "/api/gov/info",
			ExpectedStatus: 200, ExpectedContent: []string{`"name":"政务协同"`},
			AfterTestFunc: func(t testing.TB, _ *tests.TestApp, res *http.Response) {
				if res.Header.Get("X-Content-Type-Options") != "nosniff" ||
					res.Header.Get("Content-Security-Policy") != "frame-ancestors 'none'" ||
					res.Header.Get("X-Frame-Options") != "DENY" {
					t.Fatalf("headers %v", res.Header)
				}
			},
			TestAppFactory: apptest.Factory,
		},
		{
			Name: "sysadmin resets a password", Method: http.MethodPost, URL: resetURL,
			Headers: apptest.Auth(t, "admin.sys"), ExpectedStatus: 200,
			ExpectedContent: []string{`"username":"staff.east.tax"`, `"initial_password":"`},
			AfterTestFunc: func(t testing.TB, app *tests.TestApp, res *http.Response) {
				var out security.PasswordReset
				_ = json.NewDecoder(res.Body).Decode(&out)
				u, _ := app.FindRecordById("users", out.ID)
				if len(out.InitialPassword) != 16 || !u.ValidatePassword(out.InitialPassword) || !u.GetBool("must_change_password") {
					t.Fatalf("reset did not set a one-time password: %+v", out)
				}
				sessionsOf("staff.east.tax", "password_reset")(t, app, res)
			},
			TestAppFactory: apptest.Factory,
		},
		{
			Name: "secadmin may not reset passwords", Method: http.MethodPost, URL: resetURL,
			Headers: apptest.Auth(t, "admin.sec"), ExpectedStatus: 403, ExpectedContent: []string{`"code":"forbidden"`},
			TestAppFactory: apptest.Factory,
		},
		{
			Name: "staff may not reset passwords", Method: http.MethodPost, URL: resetURL,
			Headers: apptest.Auth(t, "staff.east.hr"), ExpectedStatus: 403, ExpectedContent: []string{`"code":"forbidden"`},
			TestAppFactory: apptest.Factory,
		},
		{
			Name: "reset of an unknown account", Method: http.MethodPost, URL: "/api/gov/admin/users/u0000000000000/reset-password",
			Headers: apptest.Auth(t, "admin.sys"), ExpectedStatus: 404, ExpectedContent: []string{`"code":"not_found"`},
			TestAppFactory: apptest.Factory,
		},
	}
	for _, sc := range scenarios {
		sc.Test(t)
	}
}
