package security_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"

	"govcollab/hooks"
	"govcollab/hooks/apptest"
	"govcollab/hooks/org"
	"govcollab/hooks/security"
)

// server drives one app through one mux, so that a request sees what the
// earlier ones did (ApiScenario binds the routes anew on every run, which an
// app allows once).
type server struct {
	t      *testing.T
	app    *tests.TestApp
	g      *hooks.Gov
	mux    http.Handler
	mu     sync.Mutex
	events []security.AuthEvent
}

func newServer(t *testing.T, demo bool) *server {
	t.Helper()
	var app *tests.TestApp
	var g *hooks.Gov
	if demo {
		app, g = apptest.New(t)
	} else {
		app, g = apptest.NewPlain(t)
	}
	t.Cleanup(app.Cleanup)
	s := &server{t: t, app: app, g: g}
	g.Sessions.OnAuthEvent.BindFunc(func(ev *security.AuthEvent) error {
		s.mu.Lock()
		s.events = append(s.events, *ev)
		s.mu.Unlock()
		return ev.Next()
	})
	r, err := apis.NewRouter(app)
	if err != nil {
		t.Fatal(err)
	}
	err = app.OnServe().Trigger(&core.ServeEvent{App: app, Router: r}, func(e *core.ServeEvent) error {
		s.mux, err = e.Router.BuildMux()
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// reply is one answer of the server.
type reply struct {
	status int
	header http.Header
	body   string
}

func (r reply) json(t testing.TB) map[string]any {
	t.Helper()
	var v map[string]any
	if err := json.Unmarshal([]byte(r.body), &v); err != nil {
		t.Fatalf("not JSON: %s", r.body)
	}
	return v
}

// do sends a request from ip (203.0.113.7 when empty) with token.
func (s *server) do(method, url, token, body, ip string) reply {
	req := httptest.NewRequest(method, url, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", token)
	}
	if ip == "" {
		ip = "203.0.113.7"
	}
	req.RemoteAddr = ip + ":40000"
	rec := httptest.NewRecorder()
	s.mux.ServeHTTP(rec, req)
	return reply{status: rec.Code, header: rec.Header(), body: rec.Body.String()}
}

func (s *server) login(identity, password, ip string) reply {
	b, _ := json.Marshal(map[string]string{"identity": identity, "password": password})
	return s.do(http.MethodPost, "/api/collections/users/auth-with-password", "", string(b), ip)
}

// token is the token of a successful login answer.
func (r reply) token(t testing.TB) string {
	t.Helper()
	tok, _ := r.json(t)["token"].(string)
	if r.status != 200 || tok == "" {
		t.Fatalf("login failed: %d %s", r.status, r.body)
	}
	return tok
}

func (s *server) countEvents(action, result string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, ev := range s.events {
		if ev.Action == action && (result == "" || ev.Result == result) {
			n++
		}
	}
	return n
}

func want(t testing.TB, r reply, status int, contains ...string) {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d: %s", r.status, status, r.body)
	}
	for _, c := range contains {
		if !strings.Contains(r.body, c) {
			t.Fatalf("no %s in %s", c, r.body)
		}
	}
}

// newStaff creates a non-demo account the way sysadmin does (must change
// its password at the first login).
func newStaff(t testing.TB, app core.App, username, password string) *core.Record {
	t.Helper()
	unit := apptest.UnitID(t, app, "东城市税务局")
	r, _, err := org.CreateUser(app, org.UserInput{Username: username, Name: "新同事", Unit: unit, Password: password})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// storeSettings saves settings as secadmin's row.
func storeSettings(t testing.TB, app core.App, s security.Settings) {
	t.Helper()
	col, err := app.FindCollectionByNameOrId("security_settings")
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := json.Marshal(s)
	rec := core.NewRecord(col)
	rec.Set("data", string(raw))
	if err := app.Save(rec); err != nil {
		t.Fatal(err)
	}
}

func attemptRow(t testing.TB, app core.App, identity string) dbx.NullStringMap {
	t.Helper()
	row := dbx.NullStringMap{}
	if err := app.DB().NewQuery("SELECT * FROM login_attempts WHERE identity = {:i}").
		Bind(dbx.Params{"i": identity}).One(row); err != nil {
		t.Fatalf("no login_attempts row for %s: %v", identity, err)
	}
	return row
}
