package audit_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"testing"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"

	"govcollab/hooks/api"
	"govcollab/hooks/apptest"
	"govcollab/hooks/audit"
)

const renamed = "东城市税务局（更名）"

// renameUnit is a BeforeTestFunc: admin.sys renames 东城市税务局 through
// the real admin route, which audits it through Apply → OnChange.
func renameUnit(t testing.TB, app *tests.TestApp, e *core.ServeEvent) {
	id := apptest.UnitID(t, app, "东城市税务局")
	call(t, e, http.MethodPatch, "/api/gov/admin/units/"+id, "admin.sys", `{"name":"`+renamed+`"}`)
}

type listPage struct {
	TotalItems int `json:"totalItems"`
	Items      []struct {
		ID        string          `json:"id"`
		Seq       int64           `json:"seq"`
		Action    string          `json:"action"`
		Actor     string          `json:"actor"`
		ActorName string          `json:"actor_name"`
		UnitName  string          `json:"unit_name"`
		Object    string          `json:"object"`
		Result    string          `json:"result"`
		Detail    string          `json:"detail"`
		Before    json.RawMessage `json:"before"`
		After     json.RawMessage `json:"after"`
		Hash      string          `json:"hash"`
	} `json:"items"`
}

func TestAuditList(t *testing.T) {
	auditor := apptest.Auth(t, "admin.audit")
	sysID := apptest.UserID(t, "admin.sys")
	scenarios := []tests.ApiScenario{
		{
			Name: "auditor sees a unit rename with who, unit, before and after", Method: http.MethodGet,
			URL: "/api/gov/audit?action=unit.update", Headers: auditor, TestAppFactory: factory,
			BeforeTestFunc: renameUnit,
			ExpectedStatus: 200,
			ExpectedContent: []string{`"totalItems":1`, `"action":"unit.update"`, `"actor":"` + sysID + `"`,
				`"actor_name":"admin.sys"`, `"unit_name":"示范省人民政府办公厅"`, `"result":"ok"`, `"object":"units/`,
				`"before":{"id":`, `"name":"东城市税务局"`, `"name":"` + renamed + `"`, `"prev_hash":"`},
			AfterTestFunc: func(t testing.TB, app *tests.TestApp, res *http.Response) {
				p := decode[listPage](t, res)
				it := p.Items[0]
				var before, after struct{ ID, Name string }
				if json.Unmarshal(it.Before, &before) != nil || json.Unmarshal(it.After, &after) != nil {
					t.Fatalf("snapshots are not JSON: %s %s", it.Before, it.After)
				}
				if before.Name != "东城市税务局" || after.Name != renamed || it.Object != "units/"+after.ID {
					t.Errorf("before %+v after %+v object %s", before, after, it.Object)
				}
			},
		},
		{
			Name: "action prefix and actor filters", Method: http.MethodGet,
			URL: "/api/gov/audit?action=unit&actor=" + sysID, Headers: auditor, TestAppFactory: factory,
			BeforeTestFunc:     renameUnit,
			ExpectedStatus:     200,
			ExpectedContent:    []string{`"totalItems":1`, `"action":"unit.update"`},
			NotExpectedContent: []string{`"action":"org.seed_demo"`},
		},
		{
			Name: "newest first by default; object prefix", Method: http.MethodGet,
			URL: "/api/gov/audit?object=tests", Headers: auditor, TestAppFactory: factory,
			BeforeTestFunc:  func(t testing.TB, app *tests.TestApp, e *core.ServeEvent) { logN(t, app, 5) },
			ExpectedStatus:  200,
			ExpectedContent: []string{`"totalItems":5`},
			AfterTestFunc: func(t testing.TB, app *tests.TestApp, res *http.Response) {
				p := decode[listPage](t, res)
				var seqs []int64
				for _, it := range p.Items {
					seqs = append(seqs, it.Seq)
				}
				if len(seqs) != 5 || !slices.IsSortedFunc(seqs, func(a, b int64) int { return int(b - a) }) {
					t.Errorf("seqs %v, want 5 descending", seqs)
				}
			},
		},
		{
			Name: "q and result filters; a typed newline is shown escaped", Method: http.MethodGet,
			URL: "/api/gov/audit?result=failed&q=" + url.QueryEscape("evil"), Headers: auditor, TestAppFactory: factory,
			BeforeTestFunc: func(t testing.TB, app *tests.TestApp, e *core.ServeEvent) {
				gov.Sessions.Emit(app, securityEvent("evil\n2026-11-23 admin.sys auth.login ok"))
				logN(t, app, 2)
			},
			ExpectedStatus: 200,
			ExpectedContent: []string{`"totalItems":1`, `"action":"auth.login"`, `"result":"failed"`,
				`"ip":"10.1.2.3"`, `"actor_name":"evil\\n2026-11-23 admin.sys auth.login ok"`},
		},
		{
			Name: "bad date", Method: http.MethodGet, URL: "/api/gov/audit?from=yesterday", Headers: auditor,
			TestAppFactory: factory, ExpectedStatus: 400, ExpectedContent: []string{`"from":{"code":"invalid_date"`},
		},
		{
			Name: "bad sort", Method: http.MethodGet, URL: "/api/gov/audit?sort=hash", Headers: auditor,
			TestAppFactory: factory, ExpectedStatus: 400, ExpectedContent: []string{`"sort":{"code":"invalid_sort"`},
		},
		{
			Name: "no login", Method: http.MethodGet, URL: "/api/gov/audit",
			TestAppFactory: factory, ExpectedStatus: 401, ExpectedContent: []string{`"code":"unauthorized"`},
		},
	}
	for _, s := range scenarios {
		s.Test(t)
	}
}

// TestAuditDeniedToOthers: 三员 separation and least privilege — nobody
// but the auditor reads, verifies or exports the log.
func TestAuditDeniedToOthers(t *testing.T) {
	var scenarios []tests.ApiScenario
	for _, user := range []string{"admin.sys", "admin.sec", "staff.east.tax", "leader.east", "leader.prov", "hr.prov"} {
		for _, path := range []string{"/api/gov/audit", "/api/gov/audit/verify", "/api/gov/audit/export?format=json"} {
			scenarios = append(scenarios, tests.ApiScenario{
				Name: user + " " + path, Method: http.MethodGet, URL: path, Headers: apptest.Auth(t, user),
				TestAppFactory: factory, ExpectedStatus: 403,
				ExpectedContent:    []string{`"code":"forbidden"`},
				NotExpectedContent: []string{`"items"`, `"ok"`},
				AfterTestFunc: func(t testing.TB, app *tests.TestApp, _ *http.Response) {
					if n := len(rows(t, app, "audit.export")); n != 0 {
						t.Errorf("a refused export left %d export rows", n)
					}
				},
			})
		}
	}
	for _, s := range scenarios {
		s.Test(t)
	}
}

func TestAuditRowsImmutable(t *testing.T) {
	app, g := apptest.New(t)
	defer app.Cleanup()
	gov = g
	logN(t, app, 3)
	rec, err := app.FindFirstRecordByData(audit.LogTable, "action", "test.event")
	if err != nil {
		t.Fatal(err)
	}
	rec.Set("detail", "改过")
	if err := app.Save(rec); err == nil {
		t.Error("an audit row was updated through the model")
	}
	if err := app.Delete(rec); err == nil {
		t.Error("an audit row was deleted through the model")
	}
	fresh := core.NewRecord(rec.Collection())
	fresh.Set("seq", 99)
	fresh.Set("action", "forged")
	if err := app.Save(fresh); err == nil {
		t.Error("an audit row was created around the chain")
	}
	if v := verifyNow(t, app); !v.OK {
		t.Errorf("chain broken after refused edits: %+v", v)
	}
	var n int
	if err := app.DB().Select("COUNT(*)").From(audit.LogTable).Where(dbx.HashExp{"detail": "改过"}).Row(&n); err != nil || n != 0 {
		t.Errorf("edited rows: %d, %v", n, err)
	}
}

// TestChangeRowRollsBackWithChange: the row is written in the change's
// transaction, so a change that fails later leaves no row behind.
func TestChangeRowRollsBackWithChange(t *testing.T) {
	app, g := apptest.New(t)
	defer app.Cleanup()
	before := len(rows(t, app, ""))
	g.App.OnChange.BindFunc(func(ev *api.ChangeEvent) error {
		if ev.Change.Action == "test.fail" {
			n := 0
			_ = ev.App.DB().Select("COUNT(*)").From(audit.LogTable).Row(&n)
			if n != before+1 {
				t.Errorf("inside the transaction: %d rows, want %d", n, before+1)
			}
			return api.Conflict("之后的步骤失败")
		}
		return ev.Next()
	})
	if _, err := g.Apply("", "test.fail", func(core.App, *api.Change) error { return nil }); err == nil {
		t.Fatal("the failing change went through")
	}
	if _, err := g.Apply("", "test.ok", func(_ core.App, c *api.Change) error { c.Object = "tests/1"; return nil }); err != nil {
		t.Fatal(err)
	}
	got := rows(t, app, "")
	if len(got) != before+1 || got[len(got)-1].Action != "test.ok" {
		t.Errorf("rows after a failed and a good change: %d, want %d ending in test.ok", len(got), before+1)
	}
}
