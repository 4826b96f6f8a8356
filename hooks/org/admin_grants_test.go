package org_test

import (
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"

	"govcollab/hooks/apptest"
)

// testGrantID is the id of the grant seedGrant stores.
const testGrantID = "testgrant000001"

// seedGrant is a BeforeTestFunc storing a running grant: staff.east.tax as
// reviewer at 西城市税务局 (兼职).
func seedGrant(revoked bool) func(testing.TB, *tests.TestApp, *core.ServeEvent) {
	return func(t testing.TB, app *tests.TestApp, _ *core.ServeEvent) {
		col, err := app.FindCollectionByNameOrId("grants")
		if err != nil {
			t.Fatal(err)
		}
		r := core.NewRecord(col)
		r.Set("id", testGrantID)
		r.Set("user", apptest.UserID(t, "staff.east.tax"))
		r.Set("unit", unitByName(t, app, "西城市税务局").Id)
		r.Set("role", "reviewer")
		r.Set("kind", "concurrent")
		r.Set("starts", time.Now().Add(-time.Hour))
		r.Set("ends", time.Now().AddDate(1, 0, 0))
		r.Set("revoked", revoked)
		r.Set("created_by", apptest.UserID(t, "admin.sec"))
		if err := app.Save(r); err != nil {
			t.Fatal(err)
		}
	}
}

func TestAdminGrantList(t *testing.T) {
	sec := apptest.Auth(t, "admin.sec")
	staff := apptest.UserID(t, "staff.east.tax")
	scenarios := []tests.ApiScenario{
		{
			Name: "secadmin lists grants with names", Method: http.MethodGet, URL: "/api/gov/admin/grants", Headers: sec,
			BeforeTestFunc: seedGrant(false), ExpectedStatus: 200,
			ExpectedContent: []string{`"totalItems":1`, `"id":"` + testGrantID + `"`, `"user":"` + staff + `"`,
				`"role":"reviewer"`, `"kind":"concurrent"`, `"user_name":"褚税务"`, `"unit_name":"西城市税务局"`, `"active":true`, `"revoked":false`},
		},
		{
			Name: "active=true", Method: http.MethodGet, URL: "/api/gov/admin/grants?active=true", Headers: sec,
			BeforeTestFunc: seedGrant(false), ExpectedStatus: 200, ExpectedContent: []string{`"totalItems":1`},
		},
		{
			Name: "a revoked grant is not active", Method: http.MethodGet, URL: "/api/gov/admin/grants?active=false", Headers: sec,
			BeforeTestFunc: seedGrant(true), ExpectedStatus: 200,
			ExpectedContent: []string{`"totalItems":1`, `"revoked":true`, `"active":false`},
		},
		{
			Name: "active=true leaves out the revoked", Method: http.MethodGet, URL: "/api/gov/admin/grants?active=true", Headers: sec,
			BeforeTestFunc: seedGrant(true), ExpectedStatus: 200, ExpectedContent: []string{`"totalItems":0`, `"items":[]`},
		},
		{
			Name: "user filter", Method: http.MethodGet, URL: "/api/gov/admin/grants?user=" + apptest.UserID(t, "leader.east"),
			Headers: sec, BeforeTestFunc: seedGrant(false), ExpectedStatus: 200, ExpectedContent: []string{`"totalItems":0`},
		},
		{
			Name: "bad active", Method: http.MethodGet, URL: "/api/gov/admin/grants?active=soon", Headers: sec,
			ExpectedStatus: 400, ExpectedContent: []string{`"active":{"code":"invalid_bool"`},
		},
	}
	for _, s := range scenarios {
		s.TestAppFactory = apptest.Factory
		s.Test(t)
	}
}

func TestAdminGrantCreateAndRevoke(t *testing.T) {
	ids := loadDemoIDs(t)
	sec := apptest.Auth(t, "admin.sec")
	staff := apptest.UserID(t, "staff.east.tax")
	westTax := ids.unit(t, "西城市税务局")
	grant := func(over map[string]string) map[string]string {
		in := map[string]string{"user": staff, "unit": westTax, "role": "reviewer", "kind": "concurrent",
			"ends": "2099-12-31", "note": "跨市交流"}
		for k, v := range over {
			in[k] = v
		}
		return in
	}
	noGrant := unchanged("grants", 0)
	scenarios := []tests.ApiScenario{
		{
			Name: "secadmin grants reviewer at 西城市税务局", Method: http.MethodPost, URL: "/api/gov/admin/grants",
			Headers: sec, Body: jsonBody(grant(nil)), ExpectedStatus: 201,
			ExpectedContent: []string{`"user":"` + staff + `"`, `"unit":"` + westTax + `"`, `"role":"reviewer"`,
				`"kind":"concurrent"`, `"note":"跨市交流"`, `"revoked":false`, `"ends":"2099-12-30 16:00:00.000Z"`},
			AfterTestFunc: func(t testing.TB, app *tests.TestApp, res *http.Response) {
				if n := countRows(t, app, "grants", dbx.HashExp{"user": staff, "unit": westTax, "role": "reviewer"}); n != 1 {
					t.Fatalf("%d grants stored", n)
				}
				sessionsEnded("staff.east.tax", "grant_created")(t, app, res)
			},
		},
		{
			Name: "secadmin granting themself auditor", Method: http.MethodPost, URL: "/api/gov/admin/grants", Headers: sec,
			Body:           jsonBody(grant(map[string]string{"user": apptest.UserID(t, "admin.sec"), "role": "auditor"})),
			ExpectedStatus: 400, ExpectedContent: []string{`"user":{"code":"self"`}, AfterTestFunc: noGrant,
		},
		{
			Name: "三员 roles are never lent", Method: http.MethodPost, URL: "/api/gov/admin/grants", Headers: sec,
			Body:           jsonBody(grant(map[string]string{"role": "auditor"})),
			ExpectedStatus: 400, ExpectedContent: []string{`"role":{"code":"separation_of_duties"`}, AfterTestFunc: noGrant,
		},
		{
			Name: "no business grant for a 三员 account", Method: http.MethodPost, URL: "/api/gov/admin/grants", Headers: sec,
			Body:           jsonBody(grant(map[string]string{"user": apptest.UserID(t, "admin.sys")})),
			ExpectedStatus: 400, ExpectedContent: []string{`"user":{"code":"separation_of_duties"`}, AfterTestFunc: noGrant,
		},
		{
			Name: "an end date is required", Method: http.MethodPost, URL: "/api/gov/admin/grants", Headers: sec,
			Body:           jsonBody(grant(map[string]string{"ends": ""})),
			ExpectedStatus: 400, ExpectedContent: []string{`"ends":{"code":"required"`}, AfterTestFunc: noGrant,
		},
		{
			Name: "unknown unit", Method: http.MethodPost, URL: "/api/gov/admin/grants", Headers: sec,
			Body:           jsonBody(grant(map[string]string{"unit": "nosuchunit0000"})),
			ExpectedStatus: 400, ExpectedContent: []string{`"unit":{"code":"not_found"`}, AfterTestFunc: noGrant,
		},
		{
			Name: "revoke ends the grant and the holder's sessions", Method: http.MethodDelete,
			URL: "/api/gov/admin/grants/" + testGrantID, Headers: sec, BeforeTestFunc: seedGrant(false),
			ExpectedStatus:  200,
			ExpectedContent: []string{`"id":"` + testGrantID + `"`, `"revoked":true`},
			AfterTestFunc: func(t testing.TB, app *tests.TestApp, res *http.Response) {
				g, err := app.FindRecordById("grants", testGrantID)
				if err != nil || !g.GetBool("revoked") || g.GetDateTime("ends").Time().After(time.Now()) {
					t.Fatalf("grant not revoked: %v", err)
				}
				sessionsEnded("staff.east.tax", "grant_revoked")(t, app, res)
			},
		},
		{
			Name: "revoking twice", Method: http.MethodDelete, URL: "/api/gov/admin/grants/" + testGrantID, Headers: sec,
			BeforeTestFunc: seedGrant(true), ExpectedStatus: 409, ExpectedContent: []string{`"code":"conflict"`},
		},
		{
			Name: "unknown grant", Method: http.MethodDelete, URL: "/api/gov/admin/grants/nosuchgrant0000", Headers: sec,
			ExpectedStatus: 404, ExpectedContent: []string{`"code":"not_found"`},
		},
	}
	for _, s := range scenarios {
		s.TestAppFactory = apptest.Factory
		s.Test(t)
	}
}

// TestAdminGrantEndsSessions: a refused grant leaves the holder signed in;
// a granted one ends their sessions so the next sign-in carries it.
func TestAdminGrantEndsSessions(t *testing.T) {
	staff := apptest.UserID(t, "staff.east.tax")
	body := func(unit string) io.Reader {
		return jsonBody(map[string]string{"user": staff, "unit": unit, "role": "reviewer", "kind": "acting", "ends": "2099-01-01"})
	}
	sec := apptest.Auth(t, "admin.sec")
	shared(t, []tests.ApiScenario{
		{
			Name: "a grant at no unit is refused", Method: http.MethodPost, URL: "/api/gov/admin/grants", Headers: sec,
			Body: body(staff), ExpectedStatus: 400, ExpectedContent: []string{`"unit":{"code":"not_found"`},
		},
		{
			Name: "the holder is still signed in", Method: http.MethodGet, URL: "/api/gov/me",
			Headers: apptest.Auth(t, "staff.east.tax"), ExpectedStatus: 200, ExpectedContent: []string{`"grants":[]`},
		},
		{
			Name: "a grant at 西城市税务局", Method: http.MethodPost, URL: "/api/gov/admin/grants", Headers: sec,
			Body: body(loadDemoIDs(t).unit(t, "西城市税务局")), ExpectedStatus: 201, ExpectedContent: []string{`"kind":"acting"`},
		},
		{
			Name: "the holder's old token has ended", Method: http.MethodGet, URL: "/api/gov/me",
			Headers: apptest.Auth(t, "staff.east.tax"), ExpectedStatus: 401, ExpectedContent: []string{`"code":"session_ended"`},
		},
	})
}
