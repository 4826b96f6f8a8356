package casework_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"

	"govcollab/hooks/apptest"
)

// seeded case ids
const (
	draftID = "casedraft000001" // staff.east.tax's draft
	inRevID = "casereview00001" // staff.east.tax's, submitted, scope all
	pubID   = "casepublish0001" // staff.east.tax's, published, scope system
)

// seedCases stores three cases of staff.east.tax (东城市税务局, tax) straight
// into the tables, as the workflow leaves them.
func seedCases(t testing.TB, app *tests.TestApp, _ *core.ServeEvent) {
	unit, err := app.FindFirstRecordByData("units", "name", "东城市税务局")
	if err != nil {
		t.Fatal(err)
	}
	author := apptest.UserID(t, "staff.east.tax")
	for _, c := range []struct{ id, scope, status, live string }{
		{draftID, "unit", "draft", ""},
		{inRevID, "all", "submitted", ""},
		{pubID, "system", "published", "published"},
	} {
		col, _ := app.FindCollectionByNameOrId("cases")
		r := core.NewRecord(col)
		r.Load(map[string]any{"id": c.id, "title": "案例 " + c.id, "body": "正文", "body_html": "<p>正文</p>",
			"tags": []string{"测试"}, "scope": c.scope, "status": c.status, "live": c.live, "author": author,
			"unit": unit.Id, "unit_path": unit.GetString("path"), "system": unit.GetString("system"), "version": 1})
		if c.live != "" {
			r.Set("published_version", 1)
		}
		if err := app.Save(r); err != nil {
			t.Fatal(err)
		}
		vcol, _ := app.FindCollectionByNameOrId("case_versions")
		v := core.NewRecord(vcol)
		v.Load(map[string]any{"case_id": c.id, "version": 1, "title": "案例 " + c.id, "body": "正文", "body_html": "<p>正文</p>",
			"tags": []string{"测试"}, "scope": c.scope, "status": c.status, "files": []string{}, "entities": []any{}})
		if err := app.Save(v); err != nil {
			t.Fatal(err)
		}
	}
}

func scenario(t testing.TB, name, method, url, user, body string, status int, want ...string) tests.ApiScenario {
	if len(want) == 0 && status >= 400 {
		want = []string{fmt.Sprintf(`"status":%d`, status)} // the error shape
	}
	s := tests.ApiScenario{Name: name, Method: method, URL: url, ExpectedStatus: status, ExpectedContent: want,
		TestAppFactory: apptest.Factory, BeforeTestFunc: seedCases, Headers: map[string]string{}}
	if user != "" {
		s.Headers["Authorization"] = apptest.Token(t, user)
	}
	if body != "" {
		s.Body = strings.NewReader(body)
		s.Headers["Content-Type"] = "application/json"
	}
	return s
}

func TestCaseRoutes(t *testing.T) {
	valid := `{"title":"新案例","body":"正文","scope":"unit"}`
	scenarios := []tests.ApiScenario{
		// list
		scenario(t, "list: reader sees the published system case", "GET", "/api/gov/cases?tag=测试", "staff.west.tax", "", 200, `"id":"`+pubID+`"`, `"totalItems":1`),
		scenario(t, "list: author sees all three", "GET", "/api/gov/cases?mine=1&tag=测试", "staff.east.tax", "", 200, `"totalItems":3`, draftID, inRevID),
		scenario(t, "list: other system sees nothing", "GET", "/api/gov/cases?tag=测试", "staff.east.hr", "", 200, `"totalItems":0`),
		scenario(t, "list: reviewer queue", "GET", "/api/gov/cases?queue=1&tag=测试", "reviewer.prov", "", 200, `"totalItems":1`, inRevID),
		scenario(t, "list: sysadmin", "GET", "/api/gov/cases", "admin.sys", "", 403, `"code":"forbidden"`),
		scenario(t, "list: no login", "GET", "/api/gov/cases", "", "", 401),
		scenario(t, "list: bad sort", "GET", "/api/gov/cases?sort=password", "staff.east.tax", "", 400, `"sort"`),
		// view
		scenario(t, "view: author's draft", "GET", "/api/gov/cases/"+draftID, "staff.east.tax", "", 200, `"draft":{`, `"update":true`),
		scenario(t, "view: same unit, not author, draft", "GET", "/api/gov/cases/"+draftID, "leader.east.tax", "", 404),
		scenario(t, "view: other unit reads published system case", "GET", "/api/gov/cases/"+pubID, "staff.west.tax", "", 200, `"status":"published"`),
		scenario(t, "view: other system", "GET", "/api/gov/cases/"+pubID, "staff.east.hr", "", 404),
		scenario(t, "view: other level", "GET", "/api/gov/cases/"+pubID, "staff.east.county1", "", 404),
		scenario(t, "view: auditor", "GET", "/api/gov/cases/"+pubID, "admin.audit", "", 403),
		scenario(t, "view: unknown", "GET", "/api/gov/cases/nosuchcase0000", "staff.east.tax", "", 404),
		// create
		scenario(t, "create", "POST", "/api/gov/cases", "staff.west.tax", valid, 200, `"status":"draft"`, `"unit_name":"西城市税务局"`),
		scenario(t, "create: no title", "POST", "/api/gov/cases", "staff.west.tax", `{"body":"x","scope":"unit"}`, 400, `"title":{"code":"required"`),
		scenario(t, "create: bad scope", "POST", "/api/gov/cases", "staff.west.tax", `{"title":"x","scope":"world"}`, 400, `"scope"`),
		scenario(t, "create: bad 身份证号", "POST", "/api/gov/cases", "staff.west.tax",
			`{"title":"x","scope":"unit","entities":[{"kind":"person","number":"110105198001011230"}]}`, 400, `"entities.0.number":{"code":"invalid_id_number"`),
		scenario(t, "create: bad 信用代码", "POST", "/api/gov/cases", "staff.west.tax",
			`{"title":"x","scope":"unit","entities":[{"kind":"enterprise","number":"91110108MA01ABCDE0"}]}`, 400, `"entities.0.number":{"code":"invalid_credit_code"`),
		scenario(t, "create: title marked 机密", "POST", "/api/gov/cases", "staff.west.tax", `{"title":"【机密】方案","scope":"unit"}`, 400, `"classified"`),
		scenario(t, "create: business not in the list", "POST", "/api/gov/cases", "staff.west.tax", `{"title":"x","scope":"unit","business":"炒股"}`, 400, `"business"`),
		scenario(t, "create: sysadmin", "POST", "/api/gov/cases", "admin.sys", valid, 403),
		scenario(t, "create: someone else's upload", "POST", "/api/gov/cases", "staff.west.tax", `{"title":"x","scope":"unit","files":["nosuchfile00001"]}`, 400, `"files":{"code":"unknown_file"`),
		// update
		scenario(t, "update: author", "PATCH", "/api/gov/cases/"+draftID, "staff.east.tax", `{"title":"改后标题"}`, 200, `"title":"改后标题"`),
		scenario(t, "update: not author", "PATCH", "/api/gov/cases/"+draftID, "leader.east.tax", `{"title":"x"}`, 404),
		scenario(t, "update: in review", "PATCH", "/api/gov/cases/"+inRevID, "staff.east.tax", `{"title":"x"}`, 409),
		scenario(t, "update: empty title", "PATCH", "/api/gov/cases/"+draftID, "staff.east.tax", `{"title":" "}`, 400, `"title"`),
		// workflow
		scenario(t, "submit: author", "POST", "/api/gov/cases/"+draftID+"/submit", "staff.east.tax", "", 200, `"status":"submitted"`),
		scenario(t, "submit: twice", "POST", "/api/gov/cases/"+inRevID+"/submit", "staff.east.tax", "", 409),
		scenario(t, "submit: other user", "POST", "/api/gov/cases/"+draftID+"/submit", "staff.west.tax", "", 404),
		scenario(t, "approve: provincial reviewer", "POST", "/api/gov/cases/"+inRevID+"/approve", "reviewer.prov", `{"comment":"同意"}`, 200, `"live":"published"`),
		scenario(t, "approve: staff", "POST", "/api/gov/cases/"+inRevID+"/approve", "staff.west.tax", "", 403),
		scenario(t, "approve: a draft", "POST", "/api/gov/cases/"+draftID+"/approve", "reviewer.prov", "", 404),
		scenario(t, "reject: without comment", "POST", "/api/gov/cases/"+inRevID+"/reject", "reviewer.prov", `{}`, 400, `"comment"`),
		scenario(t, "reject", "POST", "/api/gov/cases/"+inRevID+"/reject", "reviewer.prov", `{"comment":"补充材料"}`, 200, `"status":"returned"`),
		scenario(t, "withdraw: from review", "POST", "/api/gov/cases/"+inRevID+"/withdraw", "staff.east.tax", "", 200, `"status":"withdrawn"`),
		scenario(t, "withdraw: a draft", "POST", "/api/gov/cases/"+draftID+"/withdraw", "staff.east.tax", "", 409),
		// delete
		scenario(t, "delete: draft", "DELETE", "/api/gov/cases/"+draftID, "staff.east.tax", "", 204),
		scenario(t, "delete: published", "DELETE", "/api/gov/cases/"+pubID, "staff.east.tax", "", 409),
		scenario(t, "delete: not author", "DELETE", "/api/gov/cases/"+draftID, "leader.east.tax", "", 404),
	}
	for _, s := range scenarios {
		s.Test(t)
	}
}
