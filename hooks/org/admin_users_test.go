package org_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"

	"govcollab/hooks/apptest"
	"govcollab/hooks/org"
	"govcollab/hooks/security"
	"govcollab/hooks/security/pii"
)

// validID makes a check-digit-valid 身份证号 from 17 digits.
func validID(first17 string) string {
	return first17 + string(security.IDCheckChar(first17))
}

// invalidID is validID with a wrong check character.
func invalidID(first17 string) string {
	c := security.IDCheckChar(first17)
	if c == '1' {
		return first17 + "2"
	}
	return first17 + "1"
}

func deactivateUser(username string) func(testing.TB, *tests.TestApp, *core.ServeEvent) {
	return func(t testing.TB, app *tests.TestApp, _ *core.ServeEvent) {
		u := findUser(t, app, username)
		u.Set("active", false)
		if err := app.Save(u); err != nil {
			t.Fatal(err)
		}
	}
}

func TestAdminUserList(t *testing.T) {
	ids := loadDemoIDs(t)
	sys := apptest.Auth(t, "admin.sys")
	scenarios := []tests.ApiScenario{
		{
			Name: "sysadmin lists every account, personal numbers masked", Method: http.MethodGet,
			URL: "/api/gov/admin/users?perPage=100", Headers: sys,
			BeforeTestFunc:  deactivateUser("staff.east.hr"),
			ExpectedStatus:  200,
			ExpectedContent: []string{`"totalItems":16`, `"username":"admin.sys"`, `"username":"staff.east.hr"`, `"active":false`, `"phone":"138****1000"`, `"id_number":"110101********`},
			// the first demo account's full phone and 身份证号 never appear
			NotExpectedContent: []string{`"phone":"13800131000"`, `"id_number":"1101011975`, "password", "tokenKey"},
		},
		{
			Name: "secadmin lists accounts to assign roles", Method: http.MethodGet,
			URL: "/api/gov/admin/users", Headers: apptest.Auth(t, "admin.sec"),
			ExpectedStatus:  200,
			ExpectedContent: []string{`"totalItems":16`, `"phone":"138****`},
		},
		{
			Name: "q searches names and usernames", Method: http.MethodGet,
			URL: "/api/gov/admin/users?q=" + url.QueryEscape("税务"), Headers: sys,
			ExpectedStatus:     200,
			ExpectedContent:    []string{`"totalItems":2`, `"username":"staff.east.tax"`, `"username":"staff.west.tax"`},
			NotExpectedContent: []string{`"username":"leader.east.tax"`},
		},
		{
			Name: "q by username", Method: http.MethodGet, URL: "/api/gov/admin/users?q=admin.", Headers: sys,
			ExpectedStatus:  200,
			ExpectedContent: []string{`"totalItems":3`, `"username":"admin.audit"`},
		},
		{
			Name: "role filter", Method: http.MethodGet, URL: "/api/gov/admin/users?role=leader", Headers: sys,
			ExpectedStatus: 200,
			ExpectedContent: []string{`"totalItems":4`, `"username":"leader.prov"`, `"username":"leader.east"`,
				`"username":"leader.east.tax"`, `"username":"leader.west"`},
		},
		{
			Name: "unit filter", Method: http.MethodGet,
			URL: "/api/gov/admin/users?unit=" + ids.unit(t, "东城市税务局"), Headers: sys,
			ExpectedStatus:  200,
			ExpectedContent: []string{`"totalItems":2`, `"username":"leader.east.tax"`, `"username":"staff.east.tax"`},
		},
		{
			Name: "active filter", Method: http.MethodGet, URL: "/api/gov/admin/users?active=false", Headers: sys,
			BeforeTestFunc:  deactivateUser("staff.east.hr"),
			ExpectedStatus:  200,
			ExpectedContent: []string{`"totalItems":1`, `"username":"staff.east.hr"`},
		},
		{
			Name: "unknown role", Method: http.MethodGet, URL: "/api/gov/admin/users?role=boss", Headers: sys,
			ExpectedStatus: 400, ExpectedContent: []string{`"role":{"code":"unknown_role"`},
		},
	}
	for _, s := range scenarios {
		s.TestAppFactory = apptest.Factory
		s.Test(t)
	}
}

func TestAdminUserCreate(t *testing.T) {
	ids := loadDemoIDs(t)
	sys := apptest.Auth(t, "admin.sys")
	eastTax := ids.unit(t, "东城市税务局")
	id := validID("11010119900307123")
	newUser := func(over map[string]string) io.Reader {
		in := map[string]string{"username": "Li.Si", "name": "李四", "unit": eastTax, "rank": "一级科员",
			"position": "科员", "email": "li.si@example.gov.cn", "phone": "13912345678", "id_number": id}
		for k, v := range over {
			in[k] = v
		}
		return jsonBody(in)
	}
	scenarios := []tests.ApiScenario{
		{
			Name: "sysadmin creates an account with a generated password", Method: http.MethodPost,
			URL: "/api/gov/admin/users", Headers: sys, Body: newUser(nil),
			ExpectedStatus: 201,
			ExpectedContent: []string{`"username":"Li.Si"`, `"name":"李四"`, `"unit":"` + eastTax + `"`,
				`"unit_path":"/0001/0005/0002/"`, `"roles":["staff"]`, `"active":true`, `"phone":"139****5678"`,
				`"id_number":"110101********` + id[14:] + `"`, `"initial_password":"`},
			NotExpectedContent: []string{`"phone":"13912345678"`, `"id_number":"` + id + `"`},
			AfterTestFunc: func(t testing.TB, app *tests.TestApp, res *http.Response) {
				var out struct {
					InitialPassword string `json:"initial_password"`
				}
				if err := json.NewDecoder(res.Body).Decode(&out); err != nil || len(out.InitialPassword) != 16 {
					t.Fatalf("initial password %q: %v", out.InitialPassword, err)
				}
				u := findUser(t, app, "Li.Si")
				if !u.ValidatePassword(out.InitialPassword) || !u.GetBool("must_change_password") ||
					u.GetString("unit_path") != "/0001/0005/0002/" {
					t.Fatalf("stored %v", u.PublicExport())
				}
				// personal numbers are stored encrypted, with their hashes
				vault, err := pii.For(app)
				if err != nil {
					t.Fatal(err)
				}
				if got, err := vault.Decrypt(u.GetString("id_number")); err != nil || got != id ||
					u.GetString("id_number_hash") != vault.Hash(pii.KindIDNumber, id) {
					t.Fatalf("stored id_number %q (%q, %v)", u.GetString("id_number"), got, err)
				}
				if got, _ := vault.Decrypt(u.GetString("phone")); got != "13912345678" ||
					u.GetString("phone_hash") != vault.Hash(pii.KindPhone, "13912345678") {
					t.Fatalf("stored phone %q", u.GetString("phone"))
				}
			},
		},
		{
			Name: "a chosen password is never echoed", Method: http.MethodPost,
			URL: "/api/gov/admin/users", Headers: sys, Body: newUser(map[string]string{"password": "Gov-chosen-2026!"}),
			ExpectedStatus:     201,
			ExpectedContent:    []string{`"username":"Li.Si"`},
			NotExpectedContent: []string{"initial_password", "Gov-chosen-2026!"},
			AfterTestFunc: func(t testing.TB, app *tests.TestApp, _ *http.Response) {
				if !findUser(t, app, "Li.Si").ValidatePassword("Gov-chosen-2026!") {
					t.Fatal("password not set")
				}
			},
		},
		{
			Name: "duplicate username, other case", Method: http.MethodPost, URL: "/api/gov/admin/users", Headers: sys,
			Body:            newUser(map[string]string{"username": "STAFF.East.Tax"}),
			ExpectedStatus:  400,
			ExpectedContent: []string{`"username":{"code":"duplicate","message":"用户名已存在"}`},
			AfterTestFunc:   unchanged("users", demoUsers),
		},
		{
			Name: "empty name", Method: http.MethodPost, URL: "/api/gov/admin/users", Headers: sys,
			Body:            newUser(map[string]string{"name": " "}),
			ExpectedStatus:  400,
			ExpectedContent: []string{`"name":{"code":"required","message":"姓名不能为空"}`},
			AfterTestFunc:   unchanged("users", demoUsers),
		},
		{
			Name: "invalid 身份证号", Method: http.MethodPost, URL: "/api/gov/admin/users", Headers: sys,
			Body:            newUser(map[string]string{"id_number": invalidID("11010119900307123")}),
			ExpectedStatus:  400,
			ExpectedContent: []string{`"id_number":{"code":"invalid"`, "GB 11643"},
			AfterTestFunc:   unchanged("users", demoUsers),
		},
		{
			// stored encrypted, found by its keyed hash; case does not matter
			Name: "身份证号 of another account", Method: http.MethodPost, URL: "/api/gov/admin/users", Headers: sys,
			Body:            newUser(map[string]string{"id_number": strings.ToLower(org.DemoIDNumber(3))}),
			ExpectedStatus:  400,
			ExpectedContent: []string{`"id_number":{"code":"duplicate","message":"该身份证号已被其他账号使用"}`},
			AfterTestFunc:   unchanged("users", demoUsers),
		},
		{
			Name: "unknown unit", Method: http.MethodPost, URL: "/api/gov/admin/users", Headers: sys,
			Body:            newUser(map[string]string{"unit": "nosuchunit0000"}),
			ExpectedStatus:  400,
			ExpectedContent: []string{`"unit":{"code":"not_found"`},
			AfterTestFunc:   unchanged("users", demoUsers),
		},
		{
			Name: "rank too long for the schema", Method: http.MethodPost, URL: "/api/gov/admin/users", Headers: sys,
			Body:            newUser(map[string]string{"rank": string(make([]byte, 51))}),
			ExpectedStatus:  400,
			ExpectedContent: []string{`"rank":{"code":"too_long"`},
			AfterTestFunc:   unchanged("users", demoUsers),
		},
	}
	for _, s := range scenarios {
		s.TestAppFactory = apptest.Factory
		s.Test(t)
	}
}

// sessionsEnded asserts that username has no open session and one ended
// for reason.
func sessionsEnded(username, reason string) func(testing.TB, *tests.TestApp, *http.Response) {
	return func(t testing.TB, app *tests.TestApp, _ *http.Response) {
		id := apptest.UserID(t, username)
		if n := openSessions(t, app, id); n != 0 {
			t.Fatalf("%s still has %d open sessions", username, n)
		}
		if n := countRows(t, app, "sessions", dbx.HashExp{"user": id, "end_reason": reason}); n == 0 {
			t.Fatalf("no session of %s ended with %q", username, reason)
		}
	}
}

func TestAdminUserDeactivateEndsSessions(t *testing.T) {
	staff := apptest.UserID(t, "staff.east.tax")
	shared(t, []tests.ApiScenario{
		{
			Name: "the account works before", Method: http.MethodGet, URL: "/api/gov/me",
			Headers: apptest.Auth(t, "staff.east.tax"), ExpectedStatus: 200,
			ExpectedContent: []string{`"username":"staff.east.tax"`},
		},
		{
			Name: "sysadmin deactivates it", Method: http.MethodPost, URL: "/api/gov/admin/users/" + staff + "/deactivate",
			Headers: apptest.Auth(t, "admin.sys"), ExpectedStatus: 200,
			ExpectedContent: []string{`"username":"staff.east.tax"`, `"active":false`},
			AfterTestFunc: func(t testing.TB, app *tests.TestApp, res *http.Response) {
				if findUser(t, app, "staff.east.tax").GetBool("active") {
					t.Fatal("still active")
				}
				sessionsEnded("staff.east.tax", "account_deactivated")(t, app, res)
			},
		},
		{
			Name: "its existing token is refused at once", Method: http.MethodGet, URL: "/api/gov/me",
			Headers: apptest.Auth(t, "staff.east.tax"), ExpectedStatus: 401,
			ExpectedContent: []string{`"code":"session_ended"`},
		},
		{
			Name: "re-activated, it can sign in again (the old token stays ended)", Method: http.MethodPost,
			URL: "/api/gov/admin/users/" + staff + "/activate", Headers: apptest.Auth(t, "admin.sys"),
			ExpectedStatus: 200, ExpectedContent: []string{`"active":true`},
		},
		{
			Name: "the old token is still over", Method: http.MethodGet, URL: "/api/gov/me",
			Headers: apptest.Auth(t, "staff.east.tax"), ExpectedStatus: 401,
			ExpectedContent: []string{`"code":"session_ended"`},
		},
	})
}

func TestAdminUserStatusAndMove(t *testing.T) {
	ids := loadDemoIDs(t)
	sys := apptest.Auth(t, "admin.sys")
	staff := apptest.UserID(t, "staff.east.tax")
	westTax := ids.unit(t, "西城市税务局")
	stays := func(t testing.TB, app *tests.TestApp, _ *http.Response) {
		u := findUser(t, app, "staff.east.tax")
		if u.GetString("unit") != ids.unit(t, "东城市税务局") || u.GetString("unit_path") != "/0001/0005/0002/" || !u.GetBool("active") {
			t.Fatalf("changed: %v", u.PublicExport())
		}
		if openSessions(t, app, staff) == 0 {
			t.Fatal("sessions ended by a refused change")
		}
	}
	scenarios := []tests.ApiScenario{
		{
			Name: "sysadmin may not deactivate themself", Method: http.MethodPost,
			URL: "/api/gov/admin/users/" + apptest.UserID(t, "admin.sys") + "/deactivate", Headers: sys,
			ExpectedStatus: 400, ExpectedContent: []string{`"id":{"code":"self"`},
			AfterTestFunc: func(t testing.TB, app *tests.TestApp, _ *http.Response) {
				if !findUser(t, app, "admin.sys").GetBool("active") {
					t.Fatal("deactivated")
				}
			},
		},
		{
			Name: "re-activate", Method: http.MethodPost, URL: "/api/gov/admin/users/" + staff + "/activate", Headers: sys,
			BeforeTestFunc: deactivateUser("staff.east.tax"),
			ExpectedStatus: 200, ExpectedContent: []string{`"active":true`},
			AfterTestFunc: func(t testing.TB, app *tests.TestApp, _ *http.Response) {
				if !findUser(t, app, "staff.east.tax").GetBool("active") {
					t.Fatal("still inactive")
				}
			},
		},
		{
			Name: "unknown account", Method: http.MethodPost, URL: "/api/gov/admin/users/nosuchuser0000/deactivate", Headers: sys,
			ExpectedStatus: 404, ExpectedContent: []string{`"code":"not_found"`},
		},
		{
			Name: "transfer to 西城市税务局", Method: http.MethodPost, URL: "/api/gov/admin/users/" + staff + "/move", Headers: sys,
			Body:            jsonBody(map[string]string{"unit": westTax}),
			ExpectedStatus:  200,
			ExpectedContent: []string{`"unit":"` + westTax + `"`, `"unit_path":"/0001/0006/0002/"`},
			AfterTestFunc: func(t testing.TB, app *tests.TestApp, res *http.Response) {
				u := findUser(t, app, "staff.east.tax")
				if u.GetString("unit") != westTax || u.GetString("unit_path") != "/0001/0006/0002/" {
					t.Fatalf("stored %v", u.PublicExport())
				}
				sessionsEnded("staff.east.tax", "unit_changed")(t, app, res)
			},
		},
		{
			Name: "transfer to an unknown unit", Method: http.MethodPost, URL: "/api/gov/admin/users/" + staff + "/move", Headers: sys,
			Body:           jsonBody(map[string]string{"unit": "nosuchunit0000"}),
			ExpectedStatus: 400, ExpectedContent: []string{`"unit":{"code":"not_found"`},
			AfterTestFunc: stays,
		},
		{
			Name: "transfer to the same unit", Method: http.MethodPost, URL: "/api/gov/admin/users/" + staff + "/move", Headers: sys,
			Body:           jsonBody(map[string]string{"unit": ids.unit(t, "东城市税务局")}),
			ExpectedStatus: 400, ExpectedContent: []string{`"unit":{"code":"unchanged"`},
			AfterTestFunc: stays,
		},
	}
	for _, s := range scenarios {
		s.TestAppFactory = apptest.Factory
		s.Test(t)
	}
}

func TestAdminSetRoles(t *testing.T) {
	sec := apptest.Auth(t, "admin.sec")
	staff := apptest.UserID(t, "staff.east.tax")
	rolesAre := func(username string, want ...string) func(testing.TB, *tests.TestApp, *http.Response) {
		return func(t testing.TB, app *tests.TestApp, _ *http.Response) {
			if got := findUser(t, app, username).GetStringSlice("roles"); !slices.Equal(got, want) {
				t.Fatalf("%s roles = %v, want %v", username, got, want)
			}
		}
	}
	put := func(id string, roles ...string) tests.ApiScenario {
		return tests.ApiScenario{Method: http.MethodPut, URL: "/api/gov/admin/users/" + id + "/roles", Headers: sec,
			Body: jsonBody(map[string][]string{"roles": roles}), TestAppFactory: apptest.Factory}
	}
	scenarios := []tests.ApiScenario{}
	add := func(s tests.ApiScenario, name string, status int, content []string, after func(testing.TB, *tests.TestApp, *http.Response)) {
		s.Name, s.ExpectedStatus, s.ExpectedContent, s.AfterTestFunc = name, status, content, after
		scenarios = append(scenarios, s)
	}
	add(put(staff, "reviewer", "leader"), "secadmin makes a staff member leader and reviewer", 200,
		[]string{`"username":"staff.east.tax"`, `"roles":["leader","reviewer"]`},
		func(t testing.TB, app *tests.TestApp, res *http.Response) {
			rolesAre("staff.east.tax", "leader", "reviewer")(t, app, res)
			sessionsEnded("staff.east.tax", "roles_changed")(t, app, res)
		})
	add(put(apptest.UserID(t, "admin.sec"), "secadmin", "auditor"), "secadmin may not give themself auditor", 400,
		[]string{`"roles":{"code":"self"`}, rolesAre("admin.sec", "secadmin"))
	add(put(staff, "sysadmin", "auditor"), "三员 on one account", 400,
		[]string{`"roles":{"code":"separation_of_duties"`}, rolesAre("staff.east.tax", "staff"))
	add(put(staff, "secadmin", "leader"), "三员 with a business role", 400,
		[]string{`"roles":{"code":"separation_of_duties"`}, rolesAre("staff.east.tax", "staff"))
	add(put(staff, "boss"), "unknown role", 400,
		[]string{`"roles":{"code":"unknown_role","message":"未知角色：boss"}`}, rolesAre("staff.east.tax", "staff"))
	add(put(staff), "no role at all", 400, []string{`"roles":{"code":"required"`}, rolesAre("staff.east.tax", "staff"))
	add(put("nosuchuser0000", "leader"), "unknown account", 404, []string{`"code":"not_found"`}, nil)
	sys := put(staff, "leader")
	sys.Headers = apptest.Auth(t, "admin.sys")
	add(sys, "sysadmin may not set roles", 403, []string{`"code":"forbidden"`}, rolesAre("staff.east.tax", "staff"))
	for _, s := range scenarios {
		s.Test(t)
	}
}

func TestAdminRoleChangeEndsSessions(t *testing.T) {
	shared(t, []tests.ApiScenario{
		{
			Name: "secadmin makes staff.east.tax a reviewer", Method: http.MethodPut,
			URL:     "/api/gov/admin/users/" + apptest.UserID(t, "staff.east.tax") + "/roles",
			Headers: apptest.Auth(t, "admin.sec"), Body: jsonBody(map[string][]string{"roles": {"reviewer"}}),
			ExpectedStatus: 200, ExpectedContent: []string{`"roles":["reviewer"]`},
		},
		{
			Name: "the old token carries the old roles no longer", Method: http.MethodGet, URL: "/api/gov/me",
			Headers: apptest.Auth(t, "staff.east.tax"), ExpectedStatus: 401,
			ExpectedContent: []string{`"code":"session_ended"`},
		},
		{
			Name: "other accounts are untouched", Method: http.MethodGet, URL: "/api/gov/me",
			Headers: apptest.Auth(t, "staff.west.tax"), ExpectedStatus: 200,
			ExpectedContent: []string{`"username":"staff.west.tax"`},
		},
	})
}
