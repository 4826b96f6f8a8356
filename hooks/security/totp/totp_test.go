package totp_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"image/png"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"
	pqtotp "github.com/pquerna/otp/totp"

	"govcollab/hooks"
	"govcollab/hooks/apptest"
	"govcollab/hooks/org"
	"govcollab/hooks/security"
)

const password = "Test-Passw0rd-2026!"

// env is one plain-serve app with one router, a movable clock and the
// security events it emitted.
type env struct {
	t     *testing.T
	app   *tests.TestApp
	g     *hooks.Gov
	mux   http.Handler
	clock time.Time

	mu     sync.Mutex
	events []security.AuthEvent
}

func newEnv(t *testing.T) *env {
	t.Helper()
	app, g := apptest.NewPlain(t)
	t.Cleanup(app.Cleanup)
	r, err := apis.NewRouter(app)
	if err != nil {
		t.Fatal(err)
	}
	v := &env{t: t, app: app, g: g, clock: time.Now().Truncate(30 * time.Second).Add(5 * time.Second)}
	err = app.OnServe().Trigger(&core.ServeEvent{App: app, Router: r}, func(e *core.ServeEvent) error {
		v.mux, err = e.Router.BuildMux()
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	g.TOTP.Now = func() time.Time { return v.clock }
	g.Sessions.OnAuthEvent.BindFunc(func(ev *security.AuthEvent) error {
		v.mu.Lock()
		v.events = append(v.events, *ev)
		v.mu.Unlock()
		return ev.Next()
	})
	return v
}

// tick moves the clock to the next 30-second step.
func (v *env) tick() { v.clock = v.clock.Add(30 * time.Second) }

// user creates a non-demo account that owes no password change.
func (v *env) user(username, unit string, roles ...string) string {
	v.t.Helper()
	u, _, err := org.CreateUser(v.app, org.UserInput{Username: username, Name: username,
		Unit: apptest.UnitID(v.t, v.app, unit), Password: password})
	if err != nil {
		v.t.Fatalf("create %s: %v", username, err)
	}
	if _, err := org.SetRoles(v.app, "", u.Id, roles); err != nil {
		v.t.Fatalf("roles %s: %v", username, err)
	}
	u, _ = v.app.FindRecordById("users", u.Id)
	u.Set("must_change_password", false)
	if err := v.app.Save(u); err != nil {
		v.t.Fatal(err)
	}
	return u.Id
}

type resp struct {
	status int
	body   string
}

func (r resp) decode(t *testing.T, dst any) {
	t.Helper()
	if err := json.Unmarshal([]byte(r.body), dst); err != nil {
		t.Fatalf("decode %s: %v", r.body, err)
	}
}

func (v *env) do(method, url, token, body string) resp {
	v.t.Helper()
	req := httptest.NewRequest(method, url, strings.NewReader(body))
	req.Header.Set("content-type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", token)
	}
	rec := httptest.NewRecorder()
	v.mux.ServeHTTP(rec, req)
	return resp{rec.Code, rec.Body.String()}
}

// expect checks a status and that the body holds every want.
func (v *env) expect(r resp, status int, wants ...string) {
	v.t.Helper()
	if r.status != status {
		v.t.Fatalf("status %d, want %d: %s", r.status, status, r.body)
	}
	for _, w := range wants {
		if !strings.Contains(r.body, w) {
			v.t.Fatalf("no %s in %s", w, r.body)
		}
	}
}

// login signs in and returns the token and the steps it still owes.
func (v *env) login(username string) (string, []string) {
	v.t.Helper()
	r := v.do(http.MethodPost, "/api/collections/users/auth-with-password", "",
		`{"identity":"`+username+`","password":"`+password+`"}`)
	v.expect(r, 200)
	var out struct {
		Token string
		Meta  struct{ Require []string }
	}
	r.decode(v.t, &out)
	return out.Token, out.Meta.Require
}

func (v *env) code(secret string) string {
	v.t.Helper()
	c, err := pqtotp.GenerateCode(secret, v.clock)
	if err != nil {
		v.t.Fatal(err)
	}
	return c
}

func wrong(code string) string {
	if code == "000000" {
		return "111111"
	}
	return "000000"
}

// enrol runs enrol + confirm for token and returns the secret and the
// recovery codes.
func (v *env) enrol(token, body string) (string, []string) {
	v.t.Helper()
	r := v.do(http.MethodPost, "/api/gov/auth/totp/enrol", token, body)
	v.expect(r, 200, `"otpauth_url":"otpauth://totp/`, `"qr_png":"data:image/png;base64,`)
	var en struct {
		Secret     string `json:"secret"`
		OtpauthURL string `json:"otpauth_url"`
		QRPNG      string `json:"qr_png"`
	}
	r.decode(v.t, &en)
	if !strings.Contains(en.OtpauthURL, "secret="+en.Secret) || !strings.Contains(en.OtpauthURL, "issuer=%E6%94%BF%E5%8A%A1%E5%8D%8F%E5%90%8C") {
		v.t.Fatalf("otpauth url %s", en.OtpauthURL)
	}
	raw, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(en.QRPNG, "data:image/png;base64,"))
	if err != nil {
		v.t.Fatal(err)
	}
	if img, err := png.Decode(bytes.NewReader(raw)); err != nil || img.Bounds().Dx() < 100 {
		v.t.Fatalf("qr png: %v", err)
	}
	v.expect(v.do(http.MethodPost, "/api/gov/auth/totp/enrol/confirm", token, `{"code":"`+wrong(v.code(en.Secret))+`"}`),
		400, `"code":"invalid"`)
	r = v.do(http.MethodPost, "/api/gov/auth/totp/enrol/confirm", token, `{"code":"`+v.code(en.Secret)+`"}`)
	v.expect(r, 200, `"recovery_codes":[`)
	var rc struct {
		RecoveryCodes []string `json:"recovery_codes"`
	}
	r.decode(v.t, &rc)
	if len(rc.RecoveryCodes) != 10 || len(slices.Compact(slices.Sorted(slices.Values(rc.RecoveryCodes)))) != 10 {
		v.t.Fatalf("recovery codes %v", rc.RecoveryCodes)
	}
	for _, c := range rc.RecoveryCodes {
		if len(c) != 11 || c[5] != '-' {
			v.t.Fatalf("recovery code shape %q", c)
		}
	}
	return en.Secret, rc.RecoveryCodes
}

func (v *env) requireSteps(got []string, want ...string) {
	v.t.Helper()
	if want == nil {
		want = []string{}
	}
	if got == nil {
		got = []string{}
	}
	if !slices.Equal(got, want) {
		v.t.Fatalf("meta.require %v, want %v", got, want)
	}
}

func (v *env) sawEvent(action, result string) bool {
	v.mu.Lock()
	defer v.mu.Unlock()
	for _, ev := range v.events {
		if ev.Action == action && ev.Result == result {
			return true
		}
	}
	return false
}

func TestTOTPFlow(t *testing.T) {
	v := newEnv(t)
	leaderID := v.user("t.leader", "东城市人民政府", "leader")
	staffID := v.user("t.staff", "东城市税务局", "staff")
	v.user("t.sec", "示范省人民政府办公厅", "secadmin")

	// A leader owes enrolment; until then only /auth/, /me, /logout answer.
	tok, req := v.login("t.leader")
	v.requireSteps(req, "totp_enrol")
	v.expect(v.do(http.MethodGet, "/api/gov/units", tok, ""), 403, `"code":"step_required"`, `"totp_enrol"`)
	v.expect(v.do(http.MethodGet, "/api/gov/auth/totp", tok, ""), 200, `"enrolled":false`, `"required":true`)
	v.expect(v.do(http.MethodPost, "/api/gov/auth/totp", tok, `{"code":"123456"}`), 400, `"code":"not_enrolled"`)
	v.expect(v.do(http.MethodPost, "/api/gov/auth/totp/enrol/confirm", tok, `{"code":"123456"}`), 400, `"not_enrolling"`)

	secret, recovery := v.enrol(tok, "")
	v.expect(v.do(http.MethodGet, "/api/gov/units", tok, ""), 200, `"items"`)
	v.expect(v.do(http.MethodGet, "/api/gov/auth/totp", tok, ""), 200, `"enrolled":true`, `"recovery_codes_left":10`)

	// At rest: the secret is sealed, the recovery codes hashed.
	row, err := v.app.FindFirstRecordByData("user_totp", "user", leaderID)
	if err != nil {
		t.Fatal(err)
	}
	if s := row.GetString("secret"); !strings.HasPrefix(s, "sm4gcm1:") || strings.Contains(s, secret) ||
		row.GetString("pending_secret") != "" {
		t.Fatalf("secret stored as %q", s)
	}
	if raw := row.GetString("recovery"); strings.Contains(raw, recovery[0]) ||
		strings.Contains(raw, strings.ReplaceAll(recovery[0], "-", "")) {
		t.Fatalf("recovery codes stored in clear: %s", raw)
	}

	// Every new session owes the code; the one used to confirm is spent.
	tok2, req := v.login("t.leader")
	v.requireSteps(req, "totp")
	v.expect(v.do(http.MethodGet, "/api/gov/units", tok2, ""), 403, `"step_required"`)
	v.expect(v.do(http.MethodPost, "/api/gov/auth/totp", tok2, `{"code":"`+v.code(secret)+`"}`), 400, `"code":"used"`)
	v.expect(v.do(http.MethodPost, "/api/gov/auth/totp", tok2, `{}`), 400, `"code":"required"`)
	v.tick()
	code := v.code(secret)
	v.expect(v.do(http.MethodPost, "/api/gov/auth/totp", tok2, `{"code":"`+code+`"}`), 200, `"ok":true`, `"recovery_codes_left":10`)
	v.expect(v.do(http.MethodGet, "/api/gov/units", tok2, ""), 200, `"items"`)

	// A replayed code is refused in another session too.
	tok3, _ := v.login("t.leader")
	v.expect(v.do(http.MethodPost, "/api/gov/auth/totp", tok3, `{"code":"`+code+`"}`), 400, `"code":"used"`)
	// A recovery code works once (case and dash do not matter).
	v.expect(v.do(http.MethodPost, "/api/gov/auth/totp", tok3, `{"code":"`+strings.ToUpper(recovery[3])+`"}`),
		200, `"ok":true`, `"recovery_codes_left":9`)
	v.expect(v.do(http.MethodGet, "/api/gov/units", tok3, ""), 200)

	// Five wrong codes end the session.
	tok4, _ := v.login("t.leader")
	for i := 1; i < 5; i++ {
		v.expect(v.do(http.MethodPost, "/api/gov/auth/totp", tok4, `{"code":"abcde-fghjk"}`), 400, `"code":"invalid"`)
	}
	v.expect(v.do(http.MethodPost, "/api/gov/auth/totp", tok4, `{"code":"`+wrong(v.code(secret))+`"}`), 401, `"code":"session_ended"`)
	v.expect(v.do(http.MethodGet, "/api/gov/me", tok4, ""), 401, `"session_ended"`)
	if !v.sawEvent("auth.totp_failed", "denied") || !v.sawEvent("auth.totp_failed", "failed") {
		t.Fatalf("no auth.totp_failed events: %+v", v.events)
	}

	// The spent recovery code does not work again.
	tok5, _ := v.login("t.leader")
	v.expect(v.do(http.MethodPost, "/api/gov/auth/totp", tok5, `{"code":"`+recovery[3]+`"}`), 400, `"code":"invalid"`)
	v.tick()
	v.expect(v.do(http.MethodPost, "/api/gov/auth/totp", tok5, `{"code":"`+v.code(secret)+`"}`), 200)

	// New recovery codes need a current 6-digit code; the old ones stop working.
	v.expect(v.do(http.MethodPost, "/api/gov/auth/totp/recovery", tok5, `{"code":"`+recovery[4]+`"}`), 400, `"invalid"`)
	v.tick()
	r := v.do(http.MethodPost, "/api/gov/auth/totp/recovery", tok5, `{"code":"`+v.code(secret)+`"}`)
	v.expect(r, 200, `"recovery_codes":[`)
	var fresh struct {
		RecoveryCodes []string `json:"recovery_codes"`
	}
	r.decode(t, &fresh)
	if len(fresh.RecoveryCodes) != 10 || slices.Contains(fresh.RecoveryCodes, recovery[0]) {
		t.Fatalf("regenerated %v", fresh.RecoveryCodes)
	}
	tok6, _ := v.login("t.leader")
	v.expect(v.do(http.MethodPost, "/api/gov/auth/totp", tok6, `{"code":"`+recovery[0]+`"}`), 400, `"invalid"`)
	v.expect(v.do(http.MethodPost, "/api/gov/auth/totp", tok6, `{"code":"`+fresh.RecoveryCodes[0]+`"}`), 200, `"recovery_codes_left":9`)

	// Re-enrolment of an enrolled user needs a fresh code first.
	v.expect(v.do(http.MethodPost, "/api/gov/auth/totp/enrol", tok6, ""), 400, `"code":"required"`)
	v.tick()
	secret2, _ := v.enrol(tok6, `{"code":"`+v.code(secret)+`"}`)
	if secret2 == secret {
		t.Fatal("re-enrolment kept the secret")
	}
	v.tick()
	tok7, _ := v.login("t.leader")
	v.expect(v.do(http.MethodPost, "/api/gov/auth/totp", tok7, `{"code":"`+v.code(secret)+`"}`), 400, `"invalid"`)
	v.expect(v.do(http.MethodPost, "/api/gov/auth/totp", tok7, `{"code":"`+v.code(secret2)+`"}`), 200)

	// Staff are not in TOTPRoles: nothing owed.
	stok, req := v.login("t.staff")
	v.requireSteps(req)
	v.expect(v.do(http.MethodGet, "/api/gov/units", stok, ""), 200)
	v.expect(v.do(http.MethodGet, "/api/gov/auth/totp", stok, ""), 200, `"enrolled":false`, `"required":false`)

	// Only secadmin resets.
	v.expect(v.do(http.MethodDelete, "/api/gov/admin/users/"+staffID+"/totp", stok, ""), 403, `"code":"forbidden"`)
	v.expect(v.do(http.MethodDelete, "/api/gov/admin/users/"+staffID+"/totp", tok7, ""), 403, `"code":"forbidden"`)
	sec, req := v.login("t.sec")
	v.requireSteps(req, "totp_enrol")
	v.expect(v.do(http.MethodDelete, "/api/gov/admin/users/"+leaderID+"/totp", sec, ""), 403, `"step_required"`)
	v.tick()
	v.enrol(sec, "")
	v.expect(v.do(http.MethodDelete, "/api/gov/admin/users/nosuchuser1234/totp", sec, ""), 404)
	v.expect(v.do(http.MethodDelete, "/api/gov/admin/users/"+leaderID+"/totp", sec, ""), 204)
	v.expect(v.do(http.MethodGet, "/api/gov/me", tok7, ""), 401, `"session_ended"`)
	if _, err := v.app.FindFirstRecordByData("user_totp", "user", leaderID); err == nil {
		t.Fatal("reset left the user_totp row")
	}
	_, req = v.login("t.leader")
	v.requireSteps(req, "totp_enrol")
	for _, a := range []string{"auth.totp_enrol", "auth.totp", "auth.totp_reset", "auth.totp_recovery"} {
		if !v.sawEvent(a, "ok") {
			t.Fatalf("no %s event", a)
		}
	}
}

// TestTOTPRolesSetting: the roles that must enrol follow the secadmin's
// settings on the next login.
func TestTOTPRolesSetting(t *testing.T) {
	v := newEnv(t)
	v.user("s.staff", "东城市税务局", "staff")
	v.user("s.leader", "东城市人民政府", "leader")
	v.user("s.audit", "示范省人民政府办公厅", "auditor")

	_, req := v.login("s.staff")
	v.requireSteps(req)
	_, req = v.login("s.leader")
	v.requireSteps(req, "totp_enrol")
	_, req = v.login("s.audit")
	v.requireSteps(req, "totp_enrol")

	col, err := v.app.FindCollectionByNameOrId("security_settings")
	if err != nil {
		t.Fatal(err)
	}
	rec := core.NewRecord(col)
	rec.Set("data", map[string]any{"totp_roles": []string{"staff", "auditor"}})
	if err := v.app.Save(rec); err != nil {
		t.Fatal(err)
	}
	stok, req := v.login("s.staff")
	v.requireSteps(req, "totp_enrol")
	v.expect(v.do(http.MethodGet, "/api/gov/units", stok, ""), 403, `"step_required"`)
	_, req = v.login("s.leader")
	v.requireSteps(req)
	_, req = v.login("s.audit")
	v.requireSteps(req, "totp_enrol")
}
