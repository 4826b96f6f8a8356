package org_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"

	"govcollab/hooks/apptest"
)

// Helpers shared by the admin API tests.

// demoIDs are the record ids of the demo province (the same in every clone).
type demoIDs struct {
	units map[string]string // unit name → id
}

func loadDemoIDs(t *testing.T) demoIDs {
	t.Helper()
	app, _ := apptest.New(t)
	defer app.Cleanup()
	recs, err := app.FindAllRecords("units")
	if err != nil {
		t.Fatal(err)
	}
	ids := demoIDs{units: map[string]string{}}
	for _, r := range recs {
		ids.units[r.GetString("name")] = r.Id
	}
	return ids
}

func (d demoIDs) unit(t testing.TB, name string) string {
	t.Helper()
	id, ok := d.units[name]
	if !ok {
		t.Fatalf("no demo unit %q", name)
	}
	return id
}

func jsonBody(v any) io.Reader {
	b, _ := json.Marshal(v)
	return bytes.NewReader(b)
}

func findUser(t testing.TB, app core.App, username string) *core.Record {
	t.Helper()
	r, err := app.FindFirstRecordByFilter("users", "username = {:u}", dbx.Params{"u": username})
	if err != nil {
		t.Fatalf("user %s: %v", username, err)
	}
	return r
}

func countRows(t testing.TB, app core.App, table string, where dbx.Expression) int {
	t.Helper()
	var n int
	q := app.DB().Select("COUNT(*)").From(table)
	if where != nil {
		q = q.Where(where)
	}
	if err := q.Row(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// openSessions counts the user's sessions that have not ended.
func openSessions(t testing.TB, app core.App, userID string) int {
	return countRows(t, app, "sessions", dbx.HashExp{"user": userID, "ended": ""})
}

// unchanged is an AfterTestFunc asserting the number of rows in table.
func unchanged(table string, want int) func(testing.TB, *tests.TestApp, *http.Response) {
	return func(t testing.TB, app *tests.TestApp, _ *http.Response) {
		if n := countRows(t, app, table, nil); n != want {
			t.Fatalf("%s has %d rows, want %d (nothing should change)", table, n, want)
		}
	}
}

// shared runs scenarios in order against one app, so that a later request
// sees what an earlier one did (ended sessions, changed rows). ApiScenario
// binds its routes anew on every run, which an app allows once, so the
// requests go through one mux here and the rows' expectations are checked
// the same way.
func shared(t *testing.T, scenarios []tests.ApiScenario) {
	app, _ := apptest.New(t)
	defer app.Cleanup()
	r, err := apis.NewRouter(app)
	if err != nil {
		t.Fatal(err)
	}
	var mux http.Handler
	err = app.OnServe().Trigger(&core.ServeEvent{App: app, Router: r}, func(e *core.ServeEvent) error {
		mux, err = e.Router.BuildMux()
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range scenarios {
		t.Run(s.Name, func(t *testing.T) {
			req := httptest.NewRequest(s.Method, s.URL, s.Body)
			req.Header.Set("content-type", "application/json")
			for k, v := range s.Headers {
				req.Header.Set(k, v)
			}
			rec := httptest.NewRecorder()
			mux.ServeHTTP(rec, req)
			res := rec.Result()
			if res.StatusCode != s.ExpectedStatus {
				t.Errorf("status %d, want %d: %s", res.StatusCode, s.ExpectedStatus, rec.Body.String())
			}
			body := rec.Body.String()
			for _, want := range s.ExpectedContent {
				if !strings.Contains(body, want) {
					t.Errorf("no %s in %s", want, body)
				}
			}
			for _, bad := range s.NotExpectedContent {
				if strings.Contains(body, bad) {
					t.Errorf("unexpected %s in %s", bad, body)
				}
			}
			if s.AfterTestFunc != nil {
				s.AfterTestFunc(t, app, res)
			}
		})
	}
}

// Demo counts from seed.go.
const (
	demoUnits = 23
	demoUsers = 16
)

// Every admin route, for the rows every route gets.
var adminRoutes = []struct{ method, url, body string }{
	{http.MethodGet, "/api/gov/admin/units", ""},
	{http.MethodPost, "/api/gov/admin/units", `{"name":"x","level":"city","kind":"department"}`},
	{http.MethodPatch, "/api/gov/admin/units/UNIT", `{"name":"x"}`},
	{http.MethodPost, "/api/gov/admin/units/UNIT/move", `{"parent":"x"}`},
	{http.MethodPost, "/api/gov/admin/units/UNIT/deactivate", ""},
	{http.MethodPost, "/api/gov/admin/units/UNIT/activate", ""},
	{http.MethodGet, "/api/gov/admin/users", ""},
	{http.MethodPost, "/api/gov/admin/users", `{"username":"x.y","name":"x","unit":"x"}`},
	{http.MethodPost, "/api/gov/admin/users/USER/deactivate", ""},
	{http.MethodPost, "/api/gov/admin/users/USER/activate", ""},
	{http.MethodPost, "/api/gov/admin/users/USER/move", `{"unit":"x"}`},
	{http.MethodPut, "/api/gov/admin/users/USER/roles", `{"roles":["leader"]}`},
	{http.MethodPost, "/api/gov/admin/users/import", ""},
	{http.MethodGet, "/api/gov/admin/users/import/template", ""},
	{http.MethodGet, "/api/gov/admin/grants", ""},
	{http.MethodPost, "/api/gov/admin/grants", `{"user":"x"}`},
	{http.MethodDelete, "/api/gov/admin/grants/GRANT", ""},
	{http.MethodGet, "/api/gov/admin/policy", ""},
	{http.MethodPut, "/api/gov/admin/policy", `{"csv":"x"}`},
	{http.MethodPost, "/api/gov/admin/policy/validate", `{"csv":"x"}`},
}

// deniedAdmins are the 三员 whose roles may not use a route at all (the
// auditor may use none).
func deniedAdmins(method, url string) []string {
	switch {
	case method == http.MethodGet && url == "/api/gov/admin/users":
		return []string{"admin.audit"} // sysadmin manages, secadmin assigns roles
	case strings.Contains(url, "/roles"), strings.Contains(url, "/grants"), strings.Contains(url, "/policy"):
		return []string{"admin.audit", "admin.sys"}
	}
	return []string{"admin.audit", "admin.sec"}
}

// TestAdminRoutesRefuseOthers: every admin route answers 401 without a token
// and 403 to every role that may not do that kind of thing at all, before
// looking at the body or the object, and changes nothing.
func TestAdminRoutesRefuseOthers(t *testing.T) {
	var scenarios []tests.ApiScenario
	ids := strings.NewReplacer("UNIT", "u0000000000000", "USER", apptest.UserID(t, "staff.east.tax"), "GRANT", "g0000000000000")
	for _, r := range adminRoutes {
		url := ids.Replace(r.url)
		callers := append([]string{"", "staff.east.tax", "leader.prov", "hr.prov"}, deniedAdmins(r.method, r.url)...)
		for _, who := range callers {
			s := tests.ApiScenario{
				Name: r.method + " " + r.url + " as " + who, Method: r.method, URL: url,
				Body: strings.NewReader(r.body), ExpectedStatus: 403,
				ExpectedContent: []string{`"code":"forbidden"`},
				AfterTestFunc: func(t testing.TB, app *tests.TestApp, _ *http.Response) {
					unchanged("units", demoUnits)(t, app, nil)
					unchanged("users", demoUsers)(t, app, nil)
					unchanged("policy_versions", 0)(t, app, nil)
				},
				TestAppFactory: apptest.Factory,
			}
			if who == "" {
				s.Name = r.method + " " + r.url + " without token"
				s.ExpectedStatus, s.ExpectedContent = 401, []string{`"code":"unauthorized"`}
			} else {
				s.Headers = apptest.Auth(t, who)
			}
			scenarios = append(scenarios, s)
		}
	}
	for _, s := range scenarios {
		s.Test(t)
	}
}
