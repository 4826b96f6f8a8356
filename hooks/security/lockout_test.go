package security_test

import (
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"
	"github.com/pocketbase/pocketbase/tools/types"

	"govcollab/hooks/apptest"
	"govcollab/hooks/org"
	"govcollab/hooks/security"
)

// TestLockout: five wrong passwords lock an account, an unknown identity
// gets exactly the same answers, the lock expires, a success resets the
// count, and every attempt is an auth event.
func TestLockout(t *testing.T) {
	s := newServer(t, true)
	pw := org.DefaultDemoPassword

	var known400 string
	for i := 1; i <= 5; i++ {
		r := s.login("staff.east.tax", "wrong-"+strconv.Itoa(i), "")
		want(t, r, 400, `"code":"invalid_credentials"`)
		known400 = r.body
	}
	row := attemptRow(t, s.app, "staff.east.tax")
	if row["user"].String != apptest.UserID(t, "staff.east.tax") || row["last_ip"].String != "203.0.113.7" {
		t.Fatalf("counter row %v", row)
	}
	until, _ := types.ParseDateTime(row["locked_until"].String)
	if d := time.Until(until.Time()); d < 14*time.Minute || d > 15*time.Minute {
		t.Fatalf("locked for %v, want 15 minutes", d)
	}
	// the 6th attempt is refused before the password is looked at: even the
	// right one, in any letter case
	known429 := s.login("STAFF.east.tax", pw, "")
	want(t, known429, 429, `"code":"locked"`)
	if ra, _ := strconv.Atoi(known429.header.Get("Retry-After")); ra < 800 || ra > 900 {
		t.Fatalf("Retry-After %q", known429.header.Get("Retry-After"))
	}

	// an identity no account has: the same statuses and bodies
	for i := 1; i <= 5; i++ {
		r := s.login("no.such.user", "wrong-"+strconv.Itoa(i), "")
		if r.status != 400 || r.body != known400 {
			t.Fatalf("unknown identity, try %d: %d %s; known account got %s", i, r.status, r.body, known400)
		}
	}
	unknown429 := s.login("no.such.user", pw, "")
	if unknown429.status != 429 || unknown429.body != known429.body {
		t.Fatalf("unknown identity 6th try: %d %s; known account got %s", unknown429.status, unknown429.body, known429.body)
	}
	if ra, _ := strconv.Atoi(unknown429.header.Get("Retry-After")); ra < 800 || ra > 900 {
		t.Fatalf("unknown identity Retry-After %q", unknown429.header.Get("Retry-After"))
	}
	if row := attemptRow(t, s.app, "no.such.user"); row["user"].String != "" {
		t.Fatalf("unknown identity linked to %q", row["user"].String)
	}

	// the lock expires
	if _, err := s.app.DB().NewQuery("UPDATE login_attempts SET locked_until = {:t} WHERE identity = 'staff.east.tax'").
		Bind(map[string]any{"t": types.NowDateTime().Add(-time.Second).String()}).Execute(); err != nil {
		t.Fatal(err)
	}
	s.login("staff.east.tax", pw, "").token(t)
	if row := attemptRow(t, s.app, "staff.east.tax"); row["failures"].String != "0" || row["locked_until"].String != "" {
		t.Fatalf("a success did not reset the count: %v", row)
	}
	// after a success, four failures do not lock
	for i := 0; i < 4; i++ {
		want(t, s.login("staff.east.tax", "nope", ""), 400)
	}
	s.login("staff.east.tax", pw, "").token(t)

	for _, c := range []struct {
		action, result string
		n              int
	}{
		{"auth.login", "failed", 14}, {"auth.lockout", "denied", 2}, {"auth.login", "ok", 2},
	} {
		if got := s.countEvents(c.action, c.result); got != c.n {
			t.Errorf("%s %s events: %d, want %d", c.action, c.result, got, c.n)
		}
	}
	if s.countEvents("auth.login", "denied") != 2 {
		t.Errorf("refused locked attempts not emitted: %d", s.countEvents("auth.login", "denied"))
	}
	for _, ev := range s.events {
		if ev.IP != "203.0.113.7" {
			t.Fatalf("event without the address: %+v", ev)
		}
	}
}

// TestLoginsPerAddress: at most LoginsPerSecondPerIP attempts a second from
// one address; trusted networks are exempt; a dozen colleagues behind one
// address still log in within a second.
func TestLoginsPerAddress(t *testing.T) {
	s := newServer(t, true)
	settings := security.DefaultSettings()
	settings.LoginsPerSecondPerIP = 12
	settings.TrustedIPs = []string{"10.0.0.0/8"}
	storeSettings(t, s.app, settings)
	frozen := time.Now()
	s.g.Auth.SetNow(func() time.Time { return frozen })

	if !s.app.Settings().RateLimits.Enabled {
		t.Fatal("PocketBase's rate limiter is off")
	}
	users := []string{"admin.sys", "admin.sec", "admin.audit", "leader.prov", "reviewer.prov", "trainer.prov",
		"hr.prov", "leader.east", "clerk.east", "leader.east.tax", "staff.east.tax", "staff.east.hr"}
	for _, u := range users {
		s.login(u, org.DefaultDemoPassword, "198.51.100.20").token(t)
	}
	r := s.login("staff.west.tax", org.DefaultDemoPassword, "198.51.100.20")
	want(t, r, 429, `"code":"too_many_requests"`)
	if r.header.Get("Retry-After") != "1" {
		t.Fatalf("Retry-After %q", r.header.Get("Retry-After"))
	}
	// another address is counted on its own; the trusted network not at all
	s.login("staff.west.tax", org.DefaultDemoPassword, "198.51.100.21").token(t)
	for i := 0; i < 20; i++ {
		r := s.login("nobody"+strconv.Itoa(i), "wrong", "10.20.30.40")
		want(t, r, 400, `"code":"invalid_credentials"`)
	}
	// the next second starts a new count
	frozen = frozen.Add(time.Second)
	s.login("staff.west.tax", org.DefaultDemoPassword, "198.51.100.20").token(t)
	if n := s.countEvents("auth.login", "denied"); n != 1 {
		t.Fatalf("rate-limited attempts emitted %d times, want once a second", n)
	}
}

// TestUnlock: only secadmin (policy user unlock) clears a lock.
func TestUnlock(t *testing.T) {
	lock := func(t testing.TB, app *tests.TestApp, _ any) {
		_, err := app.DB().NewQuery(`INSERT INTO login_attempts (id, identity, user, failures, last_failed, locked_until, last_ip, created, updated)
			VALUES ('la000000000001', 'staff.east.tax', {:u}, 5, {:now}, {:until}, '203.0.113.7', {:now}, {:now})`).
			Bind(map[string]any{"u": apptest.UserID(t, "staff.east.tax"), "now": types.NowDateTime().String(),
				"until": types.NowDateTime().Add(10 * time.Minute).String()}).Execute()
		if err != nil {
			t.Fatal(err)
		}
	}
	stillLocked := func(locked bool) func(testing.TB, *tests.TestApp, *http.Response) {
		return func(t testing.TB, app *tests.TestApp, _ *http.Response) {
			row := attemptRow(t, app, "staff.east.tax")
			if (row["locked_until"].String != "") != locked {
				t.Fatalf("locked_until %q, want locked=%v", row["locked_until"].String, locked)
			}
		}
	}
	var scenarios []tests.ApiScenario
	for _, who := range []string{"staff.east.tax", "admin.sys", "admin.audit", "leader.prov"} {
		scenarios = append(scenarios, tests.ApiScenario{
			Name: "unlock as " + who, Method: http.MethodPost, URL: "/api/gov/admin/unlock",
			Headers: apptest.Auth(t, who), Body: strings.NewReader(`{"username":"staff.east.tax"}`),
			BeforeTestFunc:  func(t testing.TB, app *tests.TestApp, _ *core.ServeEvent) { lock(t, app, nil) },
			ExpectedStatus:  403,
			ExpectedContent: []string{`"code":"forbidden"`},
			AfterTestFunc:   stillLocked(true),
			TestAppFactory:  apptest.Factory,
		})
	}
	scenarios = append(scenarios,
		tests.ApiScenario{
			Name: "unlock without login", Method: http.MethodPost, URL: "/api/gov/admin/unlock",
			Body:           strings.NewReader(`{"username":"staff.east.tax"}`),
			ExpectedStatus: 401, ExpectedContent: []string{`"code":"unauthorized"`},
			TestAppFactory: apptest.Factory,
		},
		tests.ApiScenario{
			Name: "secadmin unlocks (any letter case)", Method: http.MethodPost, URL: "/api/gov/admin/unlock",
			Headers: apptest.Auth(t, "admin.sec"), Body: strings.NewReader(`{"username":"Staff.East.Tax"}`),
			BeforeTestFunc:  func(t testing.TB, app *tests.TestApp, _ *core.ServeEvent) { lock(t, app, nil) },
			ExpectedStatus:  200,
			ExpectedContent: []string{`"username":"staff.east.tax"`, `"cleared":true`},
			AfterTestFunc: func(t testing.TB, app *tests.TestApp, res *http.Response) {
				stillLocked(false)(t, app, res)
				if row := attemptRow(t, app, "staff.east.tax"); row["failures"].String != "0" {
					t.Fatalf("failures not cleared: %v", row)
				}
			},
			TestAppFactory: apptest.Factory,
		},
		tests.ApiScenario{
			Name: "secadmin unlocks an unknown name: same shape, nothing cleared", Method: http.MethodPost,
			URL: "/api/gov/admin/unlock", Headers: apptest.Auth(t, "admin.sec"), Body: strings.NewReader(`{"username":"ghost"}`),
			ExpectedStatus: 200, ExpectedContent: []string{`"username":"ghost"`, `"cleared":false`},
			TestAppFactory: apptest.Factory,
		},
		tests.ApiScenario{
			Name: "unlock needs a name", Method: http.MethodPost, URL: "/api/gov/admin/unlock",
			Headers: apptest.Auth(t, "admin.sec"), Body: strings.NewReader(`{"username":" "}`),
			ExpectedStatus: 400, ExpectedContent: []string{`"username":{"code":"required"`},
			TestAppFactory: apptest.Factory,
		},
	)
	for _, sc := range scenarios {
		sc.Test(t)
	}
}

// TestUnknownIdentityTiming: a wrong password for an unknown identity costs
// a bcrypt compare too, so timing does not tell which accounts exist.
func TestUnknownIdentityTiming(t *testing.T) {
	s := newServer(t, true)
	timed := func(identity string) time.Duration {
		best := time.Hour
		for i := 0; i < 3; i++ {
			t0 := time.Now()
			want(t, s.login(identity, "wrong", ""), 400)
			best = min(best, time.Since(t0))
		}
		return best
	}
	known, unknown := timed("staff.east.tax"), timed("ghost.of.nobody")
	if unknown < known*3/10 {
		t.Fatalf("unknown identity answered in %v, a known one in %v", unknown, known)
	}
}

func TestPurgeLoginAttempts(t *testing.T) {
	s := newServer(t, true)
	for i := 0; i < 5; i++ {
		s.login("staff.east.tax", "wrong", "") // locked for 15 minutes
	}
	s.login("ghost", "wrong", "")
	if n, err := security.PurgeLoginAttempts(s.app, time.Now()); err != nil || n != 0 {
		t.Fatalf("purged %d fresh counters (%v)", n, err)
	}
	n, err := security.PurgeLoginAttempts(s.app, time.Now().Add(25*time.Hour))
	if err != nil || n != 2 {
		t.Fatalf("purged %d of 2 stale counters (%v)", n, err)
	}
}
