package approval_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"

	"govcollab/hooks/apptest"
)

// fixture are ids that are the same in every clone of the demo app.
type fixture struct {
	letterFlow, sendFlow, westInFlow, west, tax string
}

func loadFixture(t *testing.T) fixture {
	app, _ := apptest.New(t)
	defer app.Cleanup()
	e := &apptest.Env{T: t, App: app}
	return fixture{letterFlow: template(e, "东城市人民政府", "市政府函"), sendFlow: template(e, "东城市人民政府", "市政府发文（会签）"),
		westInFlow: template(e, "西城市人民政府", "市政府收文办理"), west: unitOf(e, "西城市人民政府"), tax: unitOf(e, "东城市税务局")}
}

// draftID is the document insertDraft makes.
const draftID = "tstdraft0000001"

// insertDraft stores a draft 函 of clerk.east with one timeline entry.
func insertDraft(workflow string) func(t testing.TB, app *tests.TestApp, _ *core.ServeEvent) {
	return func(t testing.TB, app *tests.TestApp, _ *core.ServeEvent) {
		unit, err := app.FindFirstRecordByData("units", "name", "东城市人民政府办公室")
		if err != nil {
			t.Fatal(err)
		}
		col, _ := app.FindCachedCollectionByNameOrId("docs")
		d := core.NewRecord(col)
		d.Id = draftID
		d.Load(map[string]any{"type": "函", "title": "插入的草稿函", "body": "正文", "urgency": "平件", "classification": "内部",
			"drafter": apptest.UserID(t, "clerk.east"), "unit": unit.Id, "unit_path": unit.GetString("path"), "status": "draft",
			"step": -1, "rev": 1, "copies": 1, "main_to": []string{}, "copy_to": []string{}, "workflow": workflow})
		if err := app.Save(d); err != nil {
			t.Fatal(err)
		}
		evs, _ := app.FindCachedCollectionByNameOrId("doc_events")
		ev := core.NewRecord(evs)
		ev.Load(map[string]any{"doc": draftID, "seq": 1, "actor": d.GetString("drafter"), "action": "create", "step": -1})
		if err := app.Save(ev); err != nil {
			t.Fatal(err)
		}
	}
}

// refusalAudited checks the audit row of a refused 涉密 document.
func refusalAudited(mark string) func(t testing.TB, app *tests.TestApp, _ *http.Response) {
	return func(t testing.TB, app *tests.TestApp, _ *http.Response) {
		var rows []struct {
			Result string `db:"result"`
			Detail string `db:"detail"`
			Actor  string `db:"actor"`
		}
		if err := app.DB().NewQuery("SELECT result, detail, actor FROM audit_log WHERE action = 'doc.refuse'").All(&rows); err != nil {
			t.Fatal(err)
		}
		if len(rows) != 1 || rows[0].Result != "denied" || !strings.Contains(rows[0].Detail, mark) || rows[0].Actor != apptest.UserID(t, "clerk.east") {
			t.Fatalf("doc.refuse audit rows: %+v", rows)
		}
		var n int
		_ = app.DB().NewQuery("SELECT COUNT(*) FROM docs").Row(&n)
		if n != 0 {
			t.Fatalf("a refused document was stored: %d docs", n)
		}
	}
}

func docGone(t testing.TB, app *tests.TestApp, _ *http.Response) {
	if _, err := app.FindRecordById("docs", draftID); err == nil {
		t.Fatal("deleted draft still there")
	}
	var n int
	_ = app.DB().NewQuery("SELECT COUNT(*) FROM doc_events WHERE doc = {:d}").Bind(dbx.Params{"d": draftID}).Row(&n)
	if n != 0 {
		t.Fatalf("deleted draft left %d events", n)
	}
}

func TestDocRoutes(t *testing.T) {
	fx := loadFixture(t)
	body := func(s string) *strings.Reader { return strings.NewReader(s) }
	newDoc := func(fields string) *strings.Reader {
		return body(`{"type":"函","title":"关于测试的函","body":"正文","workflow":"` + fx.letterFlow + `"` + fields + `}`)
	}
	scenarios := []tests.ApiScenario{
		{Name: "create without token", Method: "POST", URL: "/api/gov/docs", Body: newDoc(""),
			ExpectedStatus: 401, ExpectedContent: []string{`"code":"unauthorized"`}},
		{Name: "create as sysadmin", Method: "POST", URL: "/api/gov/docs", Body: newDoc(""), Headers: apptest.Auth(t, "admin.sys"),
			ExpectedStatus: 403, ExpectedContent: []string{`"code":"forbidden"`}},
		{Name: "create as auditor", Method: "POST", URL: "/api/gov/docs", Body: newDoc(""), Headers: apptest.Auth(t, "admin.audit"),
			ExpectedStatus: 403, ExpectedContent: []string{`"code":"forbidden"`}},
		{Name: "list as secadmin", Method: "GET", URL: "/api/gov/docs", Headers: apptest.Auth(t, "admin.sec"),
			ExpectedStatus: 403, ExpectedContent: []string{`"code":"forbidden"`}},
		{Name: "list as auditor", Method: "GET", URL: "/api/gov/docs?box=all", Headers: apptest.Auth(t, "admin.audit"),
			ExpectedStatus: 403, ExpectedContent: []string{`"code":"forbidden"`}},
		{Name: "create a 函", Method: "POST", URL: "/api/gov/docs", Headers: apptest.Auth(t, "clerk.east"),
			Body:           newDoc(`,"main_to":["` + fx.west + `"],"urgency":"加急"`),
			ExpectedStatus: 201,
			ExpectedContent: []string{`"type":"函"`, `"title":"关于测试的函"`, `"status":"draft"`, `"number":""`, `"urgency":"加急"`,
				`"classification":"内部"`, `"main_to":[{"id":"` + fx.west + `","name":"西城市人民政府"}]`, `"edit":true`, `"submit":true`,
				`"unit_name":"东城市人民政府办公室"`},
			NotExpectedContent: []string{`"approve":true`}},
		{Name: "create without title", Method: "POST", URL: "/api/gov/docs", Headers: apptest.Auth(t, "clerk.east"),
			Body: body(`{"type":"函","title":"  "}`), ExpectedStatus: 400, ExpectedContent: []string{`"title":{"code":"required"`}},
		{Name: "create with a bad type", Method: "POST", URL: "/api/gov/docs", Headers: apptest.Auth(t, "clerk.east"),
			Body: body(`{"type":"通报","title":"x"}`), ExpectedStatus: 400, ExpectedContent: []string{`"type":{"code":"invalid"`}},
		{Name: "create a 收文 directly", Method: "POST", URL: "/api/gov/docs", Headers: apptest.Auth(t, "clerk.east"),
			Body: body(`{"type":"收文","title":"x"}`), ExpectedStatus: 400, ExpectedContent: []string{`"type":{"code":"invalid"`, "收文登记"}},
		{Name: "create with a bad urgency", Method: "POST", URL: "/api/gov/docs", Headers: apptest.Auth(t, "clerk.east"),
			Body: newDoc(`,"urgency":"很急"`), ExpectedStatus: 400, ExpectedContent: []string{`"urgency":{"code":"invalid"`}},
		{Name: "create classified 机密", Method: "POST", URL: "/api/gov/docs", Headers: apptest.Auth(t, "clerk.east"),
			Body: newDoc(`,"classification":"机密"`), ExpectedStatus: 400, ExpectedContent: []string{`"classification":{"code":"classified"`},
			AfterTestFunc: refusalAudited("机密")},
		{Name: "create with a 密级 mark in the title", Method: "POST", URL: "/api/gov/docs", Headers: apptest.Auth(t, "clerk.east"),
			Body: body(`{"type":"函","title":"绝密★10年 关于某事项的函"}`), ExpectedStatus: 400,
			ExpectedContent: []string{`"title":{"code":"classified"`}, AfterTestFunc: refusalAudited("绝密")},
		{Name: "create to an unknown unit", Method: "POST", URL: "/api/gov/docs", Headers: apptest.Auth(t, "clerk.east"),
			Body: newDoc(`,"copy_to":["nosuchunit0001"]`), ExpectedStatus: 400, ExpectedContent: []string{`"copy_to":{"code":"unknown_unit"`}},
		{Name: "create with an unknown workflow", Method: "POST", URL: "/api/gov/docs", Headers: apptest.Auth(t, "clerk.east"),
			Body: body(`{"type":"函","title":"x","workflow":"nosuchflow00001"}`), ExpectedStatus: 400,
			ExpectedContent: []string{`"workflow":{"code":"unknown_workflow"`}},
		{Name: "create with another city's workflow", Method: "POST", URL: "/api/gov/docs", Headers: apptest.Auth(t, "clerk.east"),
			Body: body(`{"type":"发文","title":"x","workflow":"` + fx.westInFlow + `"}`), ExpectedStatus: 400,
			ExpectedContent: []string{`"workflow":{"code":"unknown_workflow"`}},
		{Name: "create with a template of another type", Method: "POST", URL: "/api/gov/docs", Headers: apptest.Auth(t, "clerk.east"),
			Body: body(`{"type":"发文","title":"x","workflow":"` + fx.letterFlow + `"}`), ExpectedStatus: 400,
			ExpectedContent: []string{`"workflow":{"code":"wrong_type"`, "市政府函"}},
		{Name: "create with malformed JSON", Method: "POST", URL: "/api/gov/docs", Headers: apptest.Auth(t, "clerk.east"),
			Body: body(`{"type":`), ExpectedStatus: 400, ExpectedContent: []string{`"code":"invalid_json"`}},
		{Name: "list with a bad box", Method: "GET", URL: "/api/gov/docs?box=trash", Headers: apptest.Auth(t, "clerk.east"),
			ExpectedStatus: 400, ExpectedContent: []string{`"box":{"code":"invalid"`}},
		{Name: "sent box has my draft", Method: "GET", URL: "/api/gov/docs?box=sent", Headers: apptest.Auth(t, "clerk.east"),
			BeforeTestFunc: insertDraft(fx.letterFlow), ExpectedStatus: 200,
			ExpectedContent: []string{`"totalItems":1`, `"id":"` + draftID + `"`, `"title":"插入的草稿函"`}},
		{Name: "pending box is empty for a draft", Method: "GET", URL: "/api/gov/docs?box=pending", Headers: apptest.Auth(t, "leader.east"),
			BeforeTestFunc: insertDraft(fx.letterFlow), ExpectedStatus: 200,
			ExpectedContent: []string{`"totalItems":0`}, NotExpectedContent: []string{draftID}},
		{Name: "others do not list my draft", Method: "GET", URL: "/api/gov/docs", Headers: apptest.Auth(t, "leader.east"),
			BeforeTestFunc: insertDraft(fx.letterFlow), ExpectedStatus: 200, NotExpectedContent: []string{draftID}},
		{Name: "counts", Method: "GET", URL: "/api/gov/docs/counts", Headers: apptest.Auth(t, "clerk.east"),
			BeforeTestFunc: insertDraft(fx.letterFlow), ExpectedStatus: 200,
			ExpectedContent: []string{`"pending":0`, `"overdue":0`, `"done":0`, `"sent":1`}},
		{Name: "counts as auditor", Method: "GET", URL: "/api/gov/docs/counts", Headers: apptest.Auth(t, "admin.audit"),
			ExpectedStatus: 403},
		{Name: "view my draft", Method: "GET", URL: "/api/gov/docs/" + draftID, Headers: apptest.Auth(t, "clerk.east"),
			BeforeTestFunc: insertDraft(fx.letterFlow), ExpectedStatus: 200,
			ExpectedContent: []string{`"title":"插入的草稿函"`, `"edit":true`, `"submit":true`, `"recall":false`, `"workflow":"` + fx.letterFlow + `"`}},
		{Name: "view as an outsider", Method: "GET", URL: "/api/gov/docs/" + draftID, Headers: apptest.Auth(t, "staff.west.tax"),
			BeforeTestFunc: insertDraft(fx.letterFlow), ExpectedStatus: 404, NotExpectedContent: []string{"插入的草稿函"}},
		{Name: "view a draft as the city leader", Method: "GET", URL: "/api/gov/docs/" + draftID, Headers: apptest.Auth(t, "leader.east"),
			BeforeTestFunc: insertDraft(fx.letterFlow), ExpectedStatus: 404},
		{Name: "view a missing document", Method: "GET", URL: "/api/gov/docs/nosuchdoc000001", Headers: apptest.Auth(t, "clerk.east"),
			ExpectedStatus: 404},
		{Name: "timeline", Method: "GET", URL: "/api/gov/docs/" + draftID + "/timeline", Headers: apptest.Auth(t, "clerk.east"),
			BeforeTestFunc: insertDraft(fx.letterFlow), ExpectedStatus: 200,
			ExpectedContent: []string{`"events":[{"seq":1,"action":"create"`, `"steps":`}},
		{Name: "timeline as an outsider", Method: "GET", URL: "/api/gov/docs/" + draftID + "/timeline", Headers: apptest.Auth(t, "staff.west.tax"),
			BeforeTestFunc: insertDraft(fx.letterFlow), ExpectedStatus: 404},
		{Name: "edit my draft", Method: "PATCH", URL: "/api/gov/docs/" + draftID, Headers: apptest.Auth(t, "clerk.east"),
			Body: body(`{"title":"改过的标题","copy_to":["` + fx.tax + `"]}`), BeforeTestFunc: insertDraft(fx.letterFlow),
			ExpectedStatus: 200, ExpectedContent: []string{`"title":"改过的标题"`, `"rev":2`, `"copy_to":[{"id":"` + fx.tax + `","name":"东城市税务局"}]`}},
		{Name: "edit the type", Method: "PATCH", URL: "/api/gov/docs/" + draftID, Headers: apptest.Auth(t, "clerk.east"),
			Body: body(`{"type":"发文"}`), BeforeTestFunc: insertDraft(fx.letterFlow), ExpectedStatus: 400,
			ExpectedContent: []string{`"type":{"code":"invalid"`}},
		{Name: "edit to 秘密", Method: "PATCH", URL: "/api/gov/docs/" + draftID, Headers: apptest.Auth(t, "clerk.east"),
			Body: body(`{"classification":"秘密"}`), BeforeTestFunc: insertDraft(fx.letterFlow), ExpectedStatus: 400,
			ExpectedContent: []string{`"classification":{"code":"classified"`}, AfterTestFunc: editRefused},
		{Name: "edit as an outsider", Method: "PATCH", URL: "/api/gov/docs/" + draftID, Headers: apptest.Auth(t, "staff.west.tax"),
			Body: body(`{"title":"x"}`), BeforeTestFunc: insertDraft(fx.letterFlow), ExpectedStatus: 404},
		{Name: "delete as an outsider", Method: "DELETE", URL: "/api/gov/docs/" + draftID, Headers: apptest.Auth(t, "staff.west.tax"),
			BeforeTestFunc: insertDraft(fx.letterFlow), ExpectedStatus: 404},
		{Name: "delete my draft", Method: "DELETE", URL: "/api/gov/docs/" + draftID, Headers: apptest.Auth(t, "clerk.east"),
			BeforeTestFunc: insertDraft(fx.letterFlow), ExpectedStatus: 204, AfterTestFunc: docGone},
		{Name: "submit without a workflow", Method: "POST", URL: "/api/gov/docs/" + draftID + "/actions", Headers: apptest.Auth(t, "clerk.east"),
			Body: body(`{"action":"submit"}`), BeforeTestFunc: insertDraft(""), ExpectedStatus: 400,
			ExpectedContent: []string{`"workflow":{"code":"required"`}},
		{Name: "submit as someone else", Method: "POST", URL: "/api/gov/docs/" + draftID + "/actions", Headers: apptest.Auth(t, "staff.west.tax"),
			Body: body(`{"action":"submit"}`), BeforeTestFunc: insertDraft(fx.letterFlow), ExpectedStatus: 404},
		{Name: "submit my draft", Method: "POST", URL: "/api/gov/docs/" + draftID + "/actions", Headers: apptest.Auth(t, "clerk.east"),
			Body: body(`{"action":"submit"}`), BeforeTestFunc: insertDraft(fx.letterFlow), ExpectedStatus: 200,
			ExpectedContent: []string{`"status":"review"`, `"step":0`, `"step_name":"领导签发"`, `"recall":true`, `"edit":false`}},
	}
	runScenarios(t, scenarios)
}

func TestWorkflowRoutes(t *testing.T) {
	fx := loadFixture(t)
	def := func(name, steps string) *strings.Reader {
		return strings.NewReader(`{"name":"` + name + `","doc_type":"发文","definition":{"steps":` + steps + `}}`)
	}
	sign := `{"name":"签发","sign":true,"assignees":[{"role":"leader","unit":"$served"}]}`
	scenarios := []tests.ApiScenario{
		{Name: "list", Method: "GET", URL: "/api/gov/workflows", Headers: apptest.Auth(t, "staff.east.tax"),
			ExpectedStatus: 200, ExpectedContent: []string{`"name":"市政府函"`, `"name":"市政府收文办理"`, `"can_manage":false`}},
		{Name: "usable ones of my unit", Method: "GET", URL: "/api/gov/workflows?usable=1", Headers: apptest.Auth(t, "clerk.west"),
			ExpectedStatus: 200, ExpectedContent: []string{`"name":"市政府收文办理"`, `"unit_name":"西城市人民政府"`, `"can_manage":true`},
			NotExpectedContent: []string{`"name":"市政府函"`, `"unit_name":"东城市人民政府"`}},
		{Name: "create as staff", Method: "POST", URL: "/api/gov/workflows", Headers: apptest.Auth(t, "staff.east.tax"),
			Body: def("x", "["+sign+"]"), ExpectedStatus: 403},
		{Name: "create as a leader", Method: "POST", URL: "/api/gov/workflows", Headers: apptest.Auth(t, "leader.east"),
			Body: def("x", "["+sign+"]"), ExpectedStatus: 403},
		{Name: "create for another city", Method: "POST", URL: "/api/gov/workflows", Headers: apptest.Auth(t, "clerk.west"),
			Body:           strings.NewReader(`{"name":"越权","doc_type":"函","unit":"` + unitIDOf(t, "东城市人民政府") + `","definition":{"steps":[` + sign + `]}}`),
			ExpectedStatus: 400, ExpectedContent: []string{`"unit":{"code":"out_of_reach"`}},
		{Name: "create", Method: "POST", URL: "/api/gov/workflows", Headers: apptest.Auth(t, "clerk.east"),
			Body: def("新发文流程", "["+sign+"]"), ExpectedStatus: 201,
			ExpectedContent: []string{`"name":"新发文流程"`, `"doc_type":"发文"`, `"unit_name":"东城市人民政府"`, `"version":1`,
				`"order":"sequential"`, `"complete":"all"`, `"can_manage":true`}},
		{Name: "unknown unit", Method: "POST", URL: "/api/gov/workflows/validate", Headers: apptest.Auth(t, "clerk.east"),
			Body:           def("x", `[{"name":"会签","assignees":[{"role":"leader","unit":"nosuchunit0001"}]},`+sign+`]`),
			ExpectedStatus: 400, ExpectedContent: []string{`"definition.steps[0].assignees[0].unit":{"code":"unknown_unit"`}},
		{Name: "missing unit", Method: "POST", URL: "/api/gov/workflows/validate", Headers: apptest.Auth(t, "clerk.east"),
			Body:           def("x", `[`+sign+`,{"name":"会签","assignees":[{"role":"leader","unit":"$drafter"},{"role":"staff"}]}]`),
			ExpectedStatus: 400, ExpectedContent: []string{`"definition.steps[1].assignees[1].unit":{"code":"required"`}},
		{Name: "bad role", Method: "POST", URL: "/api/gov/workflows/validate", Headers: apptest.Auth(t, "clerk.east"),
			Body:           def("x", `[{"name":"会签","assignees":[{"role":"sysadmin","unit":"$drafter"}]},`+sign+`]`),
			ExpectedStatus: 400, ExpectedContent: []string{`"definition.steps[0].assignees[0].role":{"code":"invalid"`}},
		{Name: "unknown user", Method: "POST", URL: "/api/gov/workflows/validate", Headers: apptest.Auth(t, "clerk.east"),
			Body:           def("x", `[{"name":"会签","assignees":[{"users":["nosuchuser0001"]}]},`+sign+`]`),
			ExpectedStatus: 400, ExpectedContent: []string{`"definition.steps[0].assignees[0].users":{"code":"unknown_user"`}},
		{Name: "no sign step for 发文", Method: "POST", URL: "/api/gov/workflows/validate", Headers: apptest.Auth(t, "clerk.east"),
			Body:           def("x", `[{"name":"会签","assignees":[{"role":"leader","unit":"$drafter"}]}]`),
			ExpectedStatus: 400, ExpectedContent: []string{`"definition.steps":{"code":"sign_required"`}},
		{Name: "two sign steps", Method: "POST", URL: "/api/gov/workflows/validate", Headers: apptest.Auth(t, "clerk.east"),
			Body: def("x", "["+sign+","+sign+"]"), ExpectedStatus: 400, ExpectedContent: []string{`"definition.steps":{"code":"invalid"`}},
		{Name: "n out of range", Method: "POST", URL: "/api/gov/workflows/validate", Headers: apptest.Auth(t, "clerk.east"),
			Body:           def("x", `[{"name":"会签","order":"parallel","complete":"n","n":3,"assignees":[{"role":"leader","unit":"$drafter"},{"role":"staff","unit":"$drafter"}]},`+sign+`]`),
			ExpectedStatus: 400, ExpectedContent: []string{`"definition.steps[0].n":{"code":"invalid"`, "1 到 2"}},
		{Name: "n zero", Method: "POST", URL: "/api/gov/workflows/validate", Headers: apptest.Auth(t, "clerk.east"),
			Body:           def("x", `[`+sign+`,{"name":"会签","order":"parallel","complete":"n","n":0,"assignees":[{"role":"leader","unit":"$drafter"}]}]`),
			ExpectedStatus: 400, ExpectedContent: []string{`"definition.steps[1].n":{"code":"invalid"`}},
		{Name: "sequential with any", Method: "POST", URL: "/api/gov/workflows/validate", Headers: apptest.Auth(t, "clerk.east"),
			Body:           def("x", `[{"name":"依次","order":"sequential","complete":"any","assignees":[{"role":"leader","unit":"$drafter"}]},`+sign+`]`),
			ExpectedStatus: 400, ExpectedContent: []string{`"definition.steps[0].complete":{"code":"invalid"`}},
		{Name: "condition on a sign step", Method: "POST", URL: "/api/gov/workflows/validate", Headers: apptest.Auth(t, "clerk.east"),
			Body:           def("x", `[{"name":"签发","sign":true,"when":{"field":"urgency","values":["特急"]},"assignees":[{"role":"leader","unit":"$served"}]}]`),
			ExpectedStatus: 400, ExpectedContent: []string{`"definition.steps[0].when":{"code":"invalid"`}},
		{Name: "unknown field", Method: "POST", URL: "/api/gov/workflows/validate", Headers: apptest.Auth(t, "clerk.east"),
			Body:           def("x", `[{"name":"签发","sign":true,"signer":"me","assignees":[{"role":"leader","unit":"$served"}]}]`),
			ExpectedStatus: 400, ExpectedContent: []string{`"definition":{"code":"invalid_json"`}},
		{Name: "no steps", Method: "POST", URL: "/api/gov/workflows/validate", Headers: apptest.Auth(t, "clerk.east"),
			Body: def("x", `[]`), ExpectedStatus: 400, ExpectedContent: []string{`"definition.steps":{"code":"required"`}},
		{Name: "validate as staff", Method: "POST", URL: "/api/gov/workflows/validate", Headers: apptest.Auth(t, "staff.east.hr"),
			Body: def("x", "["+sign+"]"), ExpectedStatus: 403},
		{Name: "valid, normalized", Method: "POST", URL: "/api/gov/workflows/validate", Headers: apptest.Auth(t, "clerk.east"),
			Body: def("x", "["+sign+"]"), ExpectedStatus: 200,
			ExpectedContent: []string{`"ok":true`, `"order":"sequential"`, `"complete":"all"`, `"sign":true`}},
		{Name: "edit another city's template", Method: "PUT", URL: "/api/gov/workflows/" + fx.westInFlow, Headers: apptest.Auth(t, "clerk.east"),
			Body: strings.NewReader(`{"name":"改名"}`), ExpectedStatus: 403},
		{Name: "edit a template", Method: "PUT", URL: "/api/gov/workflows/" + fx.letterFlow, Headers: apptest.Auth(t, "clerk.east"),
			Body: strings.NewReader(`{"name":"市政府函（新版）"}`), ExpectedStatus: 200,
			ExpectedContent: []string{`"name":"市政府函（新版）"`, `"version":2`, `"doc_type":"函"`}},
		{Name: "edit a template into a bad one", Method: "PUT", URL: "/api/gov/workflows/" + fx.letterFlow, Headers: apptest.Auth(t, "clerk.east"),
			Body:           strings.NewReader(`{"definition":{"steps":[{"name":"审核","assignees":[{"role":"leader","unit":"$served"}]}]}}`),
			ExpectedStatus: 400, ExpectedContent: []string{`"definition.steps":{"code":"sign_required"`}},
		{Name: "inbound as sysadmin", Method: "GET", URL: "/api/gov/inbound", Headers: apptest.Auth(t, "admin.sys"), ExpectedStatus: 403},
		{Name: "inbound of my office", Method: "GET", URL: "/api/gov/inbound", Headers: apptest.Auth(t, "clerk.west"),
			ExpectedStatus: 200, ExpectedContent: []string{`"totalItems":0`}},
		{Name: "receive a missing item", Method: "POST", URL: "/api/gov/inbound/nosuchitem0001/receive", Headers: apptest.Auth(t, "clerk.west"),
			ExpectedStatus: 404},
		{Name: "calendar without token", Method: "GET", URL: "/api/gov/calendar", ExpectedStatus: 401},
		{Name: "calendar bad year", Method: "GET", URL: "/api/gov/calendar?year=26", Headers: apptest.Auth(t, "staff.east.tax"),
			ExpectedStatus: 400, ExpectedContent: []string{`"year":{"code":"invalid"`}},
		{Name: "calendar set by a city office", Method: "PUT", URL: "/api/gov/calendar/2026-10-09", Headers: apptest.Auth(t, "clerk.east"),
			Body: strings.NewReader(`{"kind":"holiday"}`), ExpectedStatus: 403},
	}
	runScenarios(t, scenarios)
}

func unitIDOf(t *testing.T, name string) string {
	app, _ := apptest.New(t)
	defer app.Cleanup()
	return apptest.UnitID(t, app, name)
}

// runScenarios runs the table on fresh demo clones; an error row with no
// expected content must at least answer the error shape with its status.
func runScenarios(t *testing.T, scenarios []tests.ApiScenario) {
	for _, s := range scenarios {
		s.TestAppFactory = apptest.Factory
		// the demo's documents are seeded when the app serves, so they are
		// cleared here, just before the row's own set-up
		own := s.BeforeTestFunc
		s.BeforeTestFunc = func(t testing.TB, app *tests.TestApp, e *core.ServeEvent) {
			clearDocs(t, app)
			if own != nil {
				own(t, app, e)
			}
		}
		if len(s.ExpectedContent) == 0 && s.ExpectedStatus >= 400 {
			s.ExpectedContent = []string{fmt.Sprintf(`{"status":%d,"code":"`, s.ExpectedStatus)}
		}
		s.Test(t)
	}
}

// editRefused: a refused 涉密 edit is audited and changes nothing.
func editRefused(t testing.TB, app *tests.TestApp, _ *http.Response) {
	var n int
	_ = app.DB().NewQuery("SELECT COUNT(*) FROM audit_log WHERE action = 'doc.refuse' AND result = 'denied' AND detail LIKE '%秘密%'").Row(&n)
	d, err := app.FindRecordById("docs", draftID)
	if n != 1 || err != nil || d.GetString("classification") != "内部" || d.GetInt("rev") != 1 {
		t.Fatalf("refused edit: %d audit rows, doc %v %v", n, d, err)
	}
}
