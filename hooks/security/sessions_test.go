package security_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"
	"github.com/pocketbase/pocketbase/tools/hook"
	pbsecurity "github.com/pocketbase/pocketbase/tools/security"

	"govcollab/hooks/apptest"
)

func sessionOf(t testing.TB, username string) string {
	claims, err := pbsecurity.ParseUnverifiedJWT(apptest.Token(t, username))
	if err != nil {
		t.Fatal(err)
	}
	sid, _ := claims["sid"].(string)
	if sid == "" {
		t.Fatalf("token of %s carries no session", username)
	}
	return sid
}

func setSession(field string, value any, username string) func(testing.TB, *tests.TestApp, *core.ServeEvent) {
	return func(t testing.TB, app *tests.TestApp, _ *core.ServeEvent) {
		s, err := app.FindRecordById("sessions", sessionOf(t, username))
		if err != nil {
			t.Fatal(err)
		}
		s.Set(field, value)
		if err := app.Save(s); err != nil {
			t.Fatal(err)
		}
	}
}

func endReason(username, want string) func(testing.TB, *tests.TestApp, *http.Response) {
	return func(t testing.TB, app *tests.TestApp, _ *http.Response) {
		s, err := app.FindRecordById("sessions", sessionOf(t, username))
		if err != nil {
			t.Fatal(err)
		}
		if got := s.GetString("end_reason"); got != want || s.GetDateTime("ended").IsZero() {
			t.Fatalf("session end_reason = %q, ended = %v; want %q", got, s.GetDateTime("ended"), want)
		}
	}
}

func TestSessionLimits(t *testing.T) {
	scenarios := []tests.ApiScenario{
		{
			Name: "a live session passes", Method: http.MethodGet, URL: "/api/gov/me",
			Headers:         apptest.Auth(t, "staff.east.tax"),
			ExpectedStatus:  200,
			ExpectedContent: []string{`"username":"staff.east.tax"`},
			TestAppFactory:  apptest.Factory,
		},
		{
			Name: "idle past 30 minutes ends the session", Method: http.MethodGet, URL: "/api/gov/me",
			Headers:         apptest.Auth(t, "staff.east.tax"),
			BeforeTestFunc:  setSession("last_seen", time.Now().Add(-31*time.Minute), "staff.east.tax"),
			ExpectedStatus:  401,
			ExpectedContent: []string{`"code":"session_ended"`},
			AfterTestFunc:   endReason("staff.east.tax", "idle_timeout"),
			TestAppFactory:  apptest.Factory,
		},
		{
			Name: "past the absolute limit ends the session", Method: http.MethodGet, URL: "/api/gov/me",
			Headers:         apptest.Auth(t, "leader.east"),
			BeforeTestFunc:  setSession("expires", time.Now().Add(-time.Second), "leader.east"),
			ExpectedStatus:  401,
			ExpectedContent: []string{`"code":"session_ended"`},
			AfterTestFunc:   endReason("leader.east", "absolute_timeout"),
			TestAppFactory:  apptest.Factory,
		},
		{
			Name: "an ended session's token is refused, PocketBase routes included", Method: http.MethodPost,
			URL:                "/api/collections/users/auth-refresh",
			Headers:            apptest.Auth(t, "leader.east"),
			BeforeTestFunc:     setSession("ended", time.Now(), "leader.east"),
			ExpectedStatus:     401,
			ExpectedContent:    []string{`"code":"session_ended"`},
			NotExpectedContent: []string{`"token"`},
			TestAppFactory:     apptest.Factory,
		},
		{
			Name: "a token minted without a session is refused", Method: http.MethodGet, URL: "/api/gov/me",
			BeforeTestFunc: func(t testing.TB, app *tests.TestApp, e *core.ServeEvent) {
				// a valid signature but no session: what a leaked signing key or
				// PocketBase's own token helpers would give
				u, _ := app.FindFirstRecordByData("users", "username", "leader.prov")
				tok, err := u.NewAuthToken()
				if err != nil {
					t.Fatal(err)
				}
				e.Router.Bind(&hook.Handler[*core.RequestEvent]{Priority: -2000, Func: func(re *core.RequestEvent) error {
					re.Request.Header.Set("Authorization", tok)
					return re.Next()
				}})
			},
			ExpectedStatus:  401,
			ExpectedContent: []string{`"code":"session_ended"`},
			TestAppFactory:  apptest.Factory,
		},
		{
			Name: "refresh keeps the session and extends nothing past the absolute limit", Method: http.MethodPost,
			URL:            "/api/collections/users/auth-refresh",
			Headers:        apptest.Auth(t, "staff.west.tax"),
			ExpectedStatus: 200,
			ExpectedContent: []string{`"token":"`, `"session":"` + sessionOf(t, "staff.west.tax") + `"`,
				`"username":"staff.west.tax"`},
			AfterTestFunc: func(t testing.TB, app *tests.TestApp, res *http.Response) {
				n, err := app.CountRecords("sessions")
				if err != nil || n != 16 {
					t.Fatalf("refresh opened a new session: %d sessions", n)
				}
			},
			TestAppFactory: apptest.Factory,
		},
		{
			Name: "demo accounts cannot log in without --demo", Method: http.MethodPost,
			URL:                "/api/collections/users/auth-with-password",
			Body:               strings.NewReader(`{"identity":"leader.east","password":"Demo-2026-gov"}`),
			ExpectedStatus:     403,
			ExpectedContent:    []string{`"code":"demo_disabled"`},
			NotExpectedContent: []string{`"token"`},
			AfterTestFunc: func(t testing.TB, app *tests.TestApp, res *http.Response) {
				n, _ := app.CountRecords("sessions")
				if n != 16 {
					t.Fatalf("a refused login opened a session: %d sessions", n)
				}
			},
			TestAppFactory: apptest.FactoryPlain,
		},
	}
	for _, s := range scenarios {
		s.Test(t)
	}
}

// TestLoginOpensSessionBoundToToken logs in through the real route and checks
// that the returned token works until that session is ended.
func TestLoginOpensSessionBoundToToken(t *testing.T) {
	var token, sid string
	s := tests.ApiScenario{
		Name: "login", Method: http.MethodPost, URL: "/api/collections/users/auth-with-password",
		Body:            strings.NewReader(`{"identity":"clerk.east","password":"Demo-2026-gov"}`),
		ExpectedStatus:  200,
		ExpectedContent: []string{`"require":[]`},
		AfterTestFunc: func(t testing.TB, app *tests.TestApp, res *http.Response) {
			var body struct {
				Token string
				Meta  struct{ Session string }
			}
			raw, _ := io.ReadAll(res.Body)
			if err := json.Unmarshal(raw, &body); err != nil {
				t.Fatal(err)
			}
			token, sid = body.Token, body.Meta.Session
			s, err := app.FindRecordById("sessions", sid)
			if err != nil {
				t.Fatalf("no session row %q", sid)
			}
			if s.GetString("user") != apptest.UserID(t, "clerk.east") || s.GetString("ip") == "" {
				t.Fatalf("session row %v", s)
			}
			claims, _ := pbsecurity.ParseUnverifiedJWT(token)
			if claims["sid"] != sid {
				t.Fatalf("token sid %v != session %s", claims["sid"], sid)
			}
		},
		TestAppFactory: apptest.Factory,
	}
	s.Test(t)
}
