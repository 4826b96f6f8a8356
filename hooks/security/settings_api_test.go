package security_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/pocketbase/pocketbase/tests"

	"govcollab/hooks/api"
	"govcollab/hooks/apptest"
	"govcollab/hooks/org"
	"govcollab/hooks/security"
)

func TestSecuritySettingsAPI(t *testing.T) {
	sec := apptest.Auth(t, "admin.sec")
	stored := func(check func(testing.TB, security.Settings)) func(testing.TB, *tests.TestApp, *http.Response) {
		return func(t testing.TB, app *tests.TestApp, _ *http.Response) {
			check(t, security.ReadSettings(app))
		}
	}
	unchanged := stored(func(t testing.TB, s security.Settings) {
		if s.LockoutAttempts != 5 || s.PasswordMinLength != 12 {
			t.Fatalf("settings changed: %+v", s)
		}
	})
	scenarios := []tests.ApiScenario{
		{
			Name: "secadmin reads the settings", Method: http.MethodGet, URL: "/api/gov/admin/security", Headers: sec,
			ExpectedStatus:  200,
			ExpectedContent: []string{`"lockout_attempts":5`, `"lockout_minutes":15`, `"password_min_length":12`, `"logins_per_second_per_ip":20`, `"audit":180`},
			TestAppFactory:  apptest.Factory,
		},
		{
			Name: "secadmin saves settings", Method: http.MethodPut, URL: "/api/gov/admin/security", Headers: sec,
			Body:            strings.NewReader(`{"lockout_attempts":3,"password_min_length":16,"password_classes":3,"trusted_ips":["10.1.2.3/8"],"retention_days":{"audit":365,"sessions":30,"raw_mail":90,"personal_uploads":365}}`),
			ExpectedStatus:  200,
			ExpectedContent: []string{`"lockout_attempts":3`, `"lockout_minutes":15`, `"password_min_length":16`, `"trusted_ips":["10.0.0.0/8"]`, `"audit":365`},
			AfterTestFunc: stored(func(t testing.TB, s security.Settings) {
				if s.LockoutAttempts != 3 || s.PasswordClasses != 3 || s.IdleMinutes != 30 || s.Retention["sessions"] != 30 {
					t.Fatalf("stored %+v", s)
				}
			}),
			TestAppFactory: apptest.Factory,
		},
		{
			Name: "sysadmin may not read them", Method: http.MethodGet, URL: "/api/gov/admin/security",
			Headers: apptest.Auth(t, "admin.sys"), ExpectedStatus: 403, ExpectedContent: []string{`"code":"forbidden"`},
			TestAppFactory: apptest.Factory,
		},
		{
			Name: "staff may not save them", Method: http.MethodPut, URL: "/api/gov/admin/security",
			Headers: apptest.Auth(t, "staff.east.tax"), Body: strings.NewReader(`{"lockout_attempts":3}`),
			ExpectedStatus: 403, ExpectedContent: []string{`"code":"forbidden"`}, AfterTestFunc: unchanged,
			TestAppFactory: apptest.Factory,
		},
	}
	bad := map[string]string{
		"lockout_attempts":         `{"lockout_attempts":2}`,
		"lockout_minutes":          `{"lockout_minutes":1441}`,
		"password_min_length":      `{"password_min_length":7}`,
		"password_classes":         `{"password_classes":5}`,
		"password_max_age_days":    `{"password_max_age_days":366}`,
		"idle_minutes":             `{"idle_minutes":4}`,
		"absolute_hours":           `{"absolute_hours":25}`,
		"logins_per_second_per_ip": `{"logins_per_second_per_ip":9}`,
		"trusted_ips":              `{"trusted_ips":["10.0.0.1"]}`,
		"retention_days":           `{"retention_days":{"audit":179}}`,
		"totp_roles":               `{"totp_roles":["king"]}`,
		"file_max_mb":              `{"file_max_mb":{"exe":5}}`,
		"case_review_levels":       `{"case_review_levels":{"all":"village"}}`,
	}
	for field, body := range bad {
		scenarios = append(scenarios, tests.ApiScenario{
			Name: "bad " + field, Method: http.MethodPut, URL: "/api/gov/admin/security", Headers: sec,
			Body: strings.NewReader(body), ExpectedStatus: 400,
			ExpectedContent: []string{`"` + field + `":{"code":"`},
			AfterTestFunc:   unchanged,
			TestAppFactory:  apptest.Factory,
		})
	}
	for _, sc := range scenarios {
		sc.Test(t)
	}
}

// TestSecuritySettingsApply: a saved change goes through Apply (audited) and
// takes effect at once (here: three failures lock).
func TestSecuritySettingsApply(t *testing.T) {
	s := newServer(t, true)
	var actions []string
	s.g.OnChange.BindFunc(func(e *api.ChangeEvent) error {
		if strings.HasPrefix(e.Change.Action, "security.") { // the app's minute jobs make changes of their own meanwhile
			actions = append(actions, e.Change.Action+" "+e.Change.Object)
		}
		return e.Next()
	})
	want(t, s.do(http.MethodPut, "/api/gov/admin/security", apptest.Token(t, "admin.sec"), `{"lockout_attempts":3}`, ""), 200)
	if len(actions) != 1 || !strings.HasPrefix(actions[0], "security.settings security_settings/") {
		t.Fatalf("changes %v", actions)
	}
	for i := 0; i < 3; i++ {
		want(t, s.login("leader.east", "wrong", ""), 400)
	}
	want(t, s.login("leader.east", "wrong", ""), 429, `"code":"locked"`)

	// secadmin's unlock frees the account at once and is an auth event
	want(t, s.do(http.MethodPost, "/api/gov/admin/unlock", apptest.Token(t, "admin.sec"), `{"username":"leader.east"}`, ""),
		200, `"cleared":true`)
	s.login("leader.east", org.DefaultDemoPassword, "").token(t)
	if s.countEvents("auth.unlock", "ok") != 1 {
		t.Fatalf("unlock not emitted: %+v", s.events)
	}
}
