package audit_test

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"

	"govcollab/hooks/apptest"
	"govcollab/hooks/audit"
)

// tamper is a BeforeTestFunc that appends five rows and damages them with
// raw SQL (as someone with the database file would); it sets *want to the
// id verify must name.
func tamper(want *string, damage func(t testing.TB, app core.App, rs []*audit.Row) string) func(testing.TB, *tests.TestApp, *core.ServeEvent) {
	return func(t testing.TB, app *tests.TestApp, _ *core.ServeEvent) {
		*want = damage(t, app, logN(t, app, 5))
	}
}

func TestAuditVerify(t *testing.T) {
	auditor := apptest.Auth(t, "admin.audit")
	var want string
	expectBroken := func(t testing.TB, app *tests.TestApp, res *http.Response) {
		v := decode[verification](t, res)
		if v.OK || v.FirstBroken == nil || *v.FirstBroken != want {
			t.Errorf("verify = %+v, want firstBroken %q", v, want)
		}
		checks := rows(t, app, "audit.verify")
		if len(checks) != 1 || checks[0].Result != audit.ResultFailed || !strings.Contains(checks[0].Detail, want) {
			t.Errorf("the failed check is not audited: %+v", checks)
		}
	}
	scenarios := []tests.ApiScenario{
		{
			Name: "an intact chain verifies", Method: http.MethodGet, URL: "/api/gov/audit/verify", Headers: auditor,
			TestAppFactory: factory,
			BeforeTestFunc: func(t testing.TB, app *tests.TestApp, e *core.ServeEvent) {
				renameUnit(t, app, e)
				logN(t, app, 5)
			},
			ExpectedStatus:  200,
			ExpectedContent: []string{`"ok":true`, `"firstBroken":null`},
			AfterTestFunc: func(t testing.TB, app *tests.TestApp, res *http.Response) {
				v := decode[verification](t, res)
				if n := len(rows(t, app, "")) - 1; v.Checked != n { // the check's own row comes after
					t.Errorf("checked %d, want %d", v.Checked, n)
				}
			},
		},
		{
			Name: "a row edited in SQL is named", Method: http.MethodGet, URL: "/api/gov/audit/verify", Headers: auditor,
			TestAppFactory: factory,
			BeforeTestFunc: tamper(&want, func(t testing.TB, app core.App, rs []*audit.Row) string {
				mustExec(t, app, "UPDATE audit_log SET detail = 'nothing happened' WHERE id = {:id}", dbx.Params{"id": rs[2].ID})
				return rs[2].ID
			}),
			ExpectedStatus: 200, ExpectedContent: []string{`"ok":false`}, AfterTestFunc: expectBroken,
		},
		{
			Name: "a row edited with its hash recomputed breaks the next link", Method: http.MethodGet,
			URL: "/api/gov/audit/verify", Headers: auditor, TestAppFactory: factory,
			BeforeTestFunc: tamper(&want, func(t testing.TB, app core.App, rs []*audit.Row) string {
				rs[2].Result = audit.ResultFailed
				mustExec(t, app, "UPDATE audit_log SET result = 'failed', hash = {:h} WHERE id = {:id}",
					dbx.Params{"id": rs[2].ID, "h": rs[2].Sum()})
				return rs[3].ID
			}),
			ExpectedStatus: 200, ExpectedContent: []string{`"ok":false`}, AfterTestFunc: expectBroken,
		},
		{
			Name: "a deleted row is named by its successor", Method: http.MethodGet, URL: "/api/gov/audit/verify",
			Headers: auditor, TestAppFactory: factory,
			BeforeTestFunc: tamper(&want, func(t testing.TB, app core.App, rs []*audit.Row) string {
				mustExec(t, app, "DELETE FROM audit_log WHERE id = {:id}", dbx.Params{"id": rs[1].ID})
				return rs[2].ID
			}),
			ExpectedStatus: 200, ExpectedContent: []string{`"ok":false`}, AfterTestFunc: expectBroken,
		},
		{
			Name: "rows deleted behind a forged checkpoint", Method: http.MethodGet, URL: "/api/gov/audit/verify",
			Headers: auditor, TestAppFactory: factory,
			BeforeTestFunc: tamper(&want, func(t testing.TB, app core.App, rs []*audit.Row) string {
				mustExec(t, app, "DELETE FROM audit_log WHERE seq <= {:s}", dbx.Params{"s": rs[2].Seq})
				mustExec(t, app, "INSERT INTO audit_checkpoints (id, seq, hash) VALUES ('forgedcheckpnt', {:s}, {:h})",
					dbx.Params{"s": rs[2].Seq, "h": rs[2].Hash})
				return "forgedcheckpnt"
			}),
			ExpectedStatus: 200, ExpectedContent: []string{`"ok":false`}, AfterTestFunc: expectBroken,
		},
	}
	for _, s := range scenarios {
		s.Test(t)
	}
}

func TestAuditExport(t *testing.T) {
	auditor := apptest.Auth(t, "admin.audit")
	seed := func(t testing.TB, app *tests.TestApp, e *core.ServeEvent) {
		renameUnit(t, app, e)
		if _, err := gov.Audit.Log(app, audit.Entry{ActorName: "=HYPERLINK(\"http://x\")", Action: "test.event",
			Detail: "第一行\r\n第二行\u202e", IP: "10.0.0.9"}); err != nil {
			t.Fatal(err)
		}
	}
	exported := func(format string, n int) func(testing.TB, *tests.TestApp) {
		return func(t testing.TB, app *tests.TestApp) {
			ex := rows(t, app, "audit.export")
			if len(ex) != 1 || ex[0].Actor != apptest.UserID(t, "admin.audit") || ex[0].IP == "" {
				t.Fatalf("export rows %+v", ex)
			}
			var after struct {
				Format string
				Rows   int
			}
			if json.Unmarshal([]byte(ex[0].After), &after) != nil || after.Format != format || after.Rows != n {
				t.Errorf("export row after = %s, want %s with %d rows", ex[0].After, format, n)
			}
		}
	}
	scenarios := []tests.ApiScenario{
		{
			Name: "CSV with BOM, Chinese headers, escaped values", Method: http.MethodGet,
			URL: "/api/gov/audit/export?format=csv", Headers: auditor, TestAppFactory: factory, BeforeTestFunc: seed,
			ExpectedStatus:  200,
			ExpectedContent: []string{"\ufeff序号,时间（UTC）,用户ID,用户,单位ID,单位,IP地址,操作,对象,结果,详情,变更前,变更后,前序哈希,哈希,记录ID\n"},
			AfterTestFunc: func(t testing.TB, app *tests.TestApp, res *http.Response) {
				if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/csv") {
					t.Errorf("content type %q", ct)
				}
				if cd := res.Header.Get("Content-Disposition"); !strings.Contains(cd, "attachment") {
					t.Errorf("disposition %q", cd)
				}
				body, _ := io.ReadAll(res.Body)
				recs, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(body, []byte("\ufeff")))).ReadAll()
				if err != nil {
					t.Fatal(err)
				}
				stored := rows(t, app, "")
				if len(recs) != len(stored) { // header + every row before the export's own
					t.Fatalf("%d CSV records for %d stored rows", len(recs), len(stored))
				}
				if n := bytes.Count(body, []byte("\n")); n != len(recs) {
					t.Errorf("%d line breaks for %d records: a value broke a line", n, len(recs))
				}
				last := recs[len(recs)-1]
				if last[3] != `'=HYPERLINK("http://x")` || last[10] != `第一行\r\n第二行\u202e` || last[6] != "10.0.0.9" {
					t.Errorf("last record %q", last)
				}
				if recs[1][0] != "1" || recs[1][14] != stored[0].Hash {
					t.Errorf("first record %q", recs[1])
				}
				exported("csv", len(stored)-1)(t, app)
			},
		},
		{
			Name: "JSON with hashes, oldest first", Method: http.MethodGet,
			URL: "/api/gov/audit/export?format=json&action=unit", Headers: auditor, TestAppFactory: factory,
			BeforeTestFunc:     seed,
			ExpectedStatus:     200,
			ExpectedContent:    []string{`{"items":[{"id":"`, `"action":"unit.update"`, `"name":"` + renamed + `"`},
			NotExpectedContent: []string{`"action":"test.event"`, `"action":"audit.export"`},
			AfterTestFunc: func(t testing.TB, app *tests.TestApp, res *http.Response) {
				out := decode[struct{ Items []audit.RowView }](t, res)
				want := rows(t, app, "unit.update")
				if len(out.Items) != 1 || out.Items[0].Hash != want[0].Hash || out.Items[0].PrevHash != want[0].PrevHash {
					t.Errorf("items %+v, want the one unit.update row", out.Items)
				}
				exported("json", 1)(t, app)
			},
		},
		{
			Name: "from/to leave nothing outside the range", Method: http.MethodGet,
			URL: "/api/gov/audit/export?format=json&to=2020-01-01", Headers: auditor, TestAppFactory: factory,
			BeforeTestFunc:  seed,
			ExpectedStatus:  200,
			ExpectedContent: []string{`{"items":[]}`},
			AfterTestFunc:   func(t testing.TB, app *tests.TestApp, _ *http.Response) { exported("json", 0)(t, app) },
		},
		{
			Name: "bad format", Method: http.MethodGet, URL: "/api/gov/audit/export?format=xlsx", Headers: auditor,
			TestAppFactory: factory, ExpectedStatus: 400, ExpectedContent: []string{`"format":{"code":"invalid_format"`},
		},
		{
			Name: "bad date", Method: http.MethodGet, URL: "/api/gov/audit/export?from=someday", Headers: auditor,
			TestAppFactory: factory, ExpectedStatus: 400, ExpectedContent: []string{`"from":{"code":"invalid_date"`},
		},
	}
	for _, s := range scenarios {
		s.Test(t)
	}
}

// TestSuperuserRequestsAudited: every request made with a superuser token
// leaves one row, whatever its outcome; superusers cannot touch audit rows.
func TestSuperuserRequestsAudited(t *testing.T) {
	headers := map[string]string{}
	superFactory := func(tb testing.TB) *tests.TestApp {
		app := factory(tb)
		col, err := app.FindCollectionByNameOrId(core.CollectionNameSuperusers)
		if err != nil {
			tb.Fatal(err)
		}
		su := core.NewRecord(col)
		su.SetEmail("root@gov.example")
		su.SetPassword("Root-Password-2026")
		if err := app.Save(su); err != nil {
			tb.Fatal(err)
		}
		tok, _, err := gov.Sessions.Issue(app, su, nil, "")
		if err != nil {
			tb.Fatal(err)
		}
		headers["Authorization"] = tok // read by the scenario after the factory
		return app
	}
	superRows := func(object, result string) func(testing.TB, *tests.TestApp, *http.Response) {
		return func(t testing.TB, app *tests.TestApp, _ *http.Response) {
			rs := rows(t, app, "superuser.request")
			if len(rs) != 1 || rs[0].Object != object || rs[0].Result != result || rs[0].ActorName != "root@gov.example" {
				t.Fatalf("superuser rows %+v, want one %s %s", rs, object, result)
			}
			if v := verifyNow(t, app); !v.OK {
				t.Errorf("chain %+v", v)
			}
		}
	}
	scenarios := []tests.ApiScenario{
		{
			Name: "reading users through the records API", Method: http.MethodGet,
			URL: "/api/collections/users/records?perPage=1", Headers: headers, TestAppFactory: superFactory,
			ExpectedStatus: 200, ExpectedContent: []string{`"totalItems":`},
			AfterTestFunc: superRows("GET /api/collections/users/records", audit.ResultOK),
		},
		{
			Name: "dropping the audit collection is refused and audited", Method: http.MethodDelete,
			URL: "/api/collections/audit_log", Headers: headers, TestAppFactory: superFactory,
			ExpectedStatus: 403, ExpectedContent: []string{`"code":"audit_immutable"`},
			AfterTestFunc: func(t testing.TB, app *tests.TestApp, res *http.Response) {
				superRows("DELETE /api/collections/audit_log", audit.ResultDenied)(t, app, res)
				if _, err := app.FindCollectionByNameOrId(audit.LogTable); err != nil {
					t.Error("the audit collection is gone")
				}
			},
		},
		{
			Name: "a superuser cannot read the audit log through gov routes", Method: http.MethodGet,
			URL: "/api/gov/audit", Headers: headers, TestAppFactory: superFactory,
			ExpectedStatus: 403, ExpectedContent: []string{`"code":"forbidden"`},
			AfterTestFunc: superRows("GET /api/gov/audit", audit.ResultDenied),
		},
	}
	for _, s := range scenarios {
		s.Test(t)
	}

	// the row's id is known once the app exists: the factory aims the URL
	edit := &tests.ApiScenario{
		Name: "editing an audit row is refused and audited", Method: http.MethodPatch, Headers: headers,
		Body: strings.NewReader(`{"detail":"nothing happened"}`), ExpectedStatus: 400,
		ExpectedContent: []string{`"status":400`},
	}
	var target string
	edit.TestAppFactory = func(tb testing.TB) *tests.TestApp {
		app := superFactory(tb)
		target = logN(tb, app, 1)[0].ID
		edit.URL = "/api/collections/audit_log/records/" + target
		return app
	}
	edit.AfterTestFunc = func(t testing.TB, app *tests.TestApp, res *http.Response) {
		superRows("PATCH /api/collections/audit_log/records/"+target, audit.ResultFailed)(t, app, res)
		if r := rows(t, app, "test.event"); len(r) != 1 || r[0].Detail != "第 0 条" {
			t.Errorf("the row changed: %+v", r)
		}
	}
	edit.Test(t)
}
