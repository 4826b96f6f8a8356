package notices_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"

	"govcollab/hooks/apptest"
)

// route is one row of the notices route table: who calls what, and what
// the answer must (not) contain; created is how many notices the call may
// add (-1: not checked).
type route struct {
	name, method, url, user string
	body                    any
	status                  int
	want, notWant           []string
	created                 int
}

func (r route) scenario(t *testing.T) tests.ApiScenario {
	want := r.want
	if len(want) == 0 && len(r.notWant) == 0 && r.status >= 400 {
		want = []string{fmt.Sprintf(`"status":%d`, r.status)} // the error shape
	}
	var before int
	s := tests.ApiScenario{Name: r.name, Method: r.method, URL: r.url, ExpectedStatus: r.status,
		ExpectedContent: want, NotExpectedContent: r.notWant, TestAppFactory: apptest.Factory,
		Headers: map[string]string{},
		BeforeTestFunc: func(tb testing.TB, app *tests.TestApp, _ *core.ServeEvent) {
			seedNotice(tb, app)
			before = count(tb, app, "SELECT COUNT(*) FROM notices", nil)
		},
		AfterTestFunc: func(tb testing.TB, app *tests.TestApp, _ *http.Response) {
			if r.created < 0 {
				return
			}
			if got := count(tb, app, "SELECT COUNT(*) FROM notices", nil) - before; got != r.created {
				tb.Fatalf("%s: %d notices created, want %d", r.name, got, r.created)
			}
		},
	}
	if r.user != "" {
		s.Headers["Authorization"] = apptest.Token(t, r.user)
	}
	if r.body != nil {
		b, _ := json.Marshal(r.body)
		s.Body = strings.NewReader(string(b))
		s.Headers["Content-Type"] = "application/json"
	}
	return s
}

// unitIDs are the demo units the table names, read once from a clone.
func unitIDs(t *testing.T, names ...string) map[string]string {
	app, _ := apptest.New(t)
	defer app.Cleanup()
	out := map[string]string{}
	for _, n := range names {
		out[n] = apptest.UnitID(t, app, n)
	}
	return out
}

func badField(field, code string) []string {
	return []string{`"status":400`, `"` + field + `":{"code":"` + code + `"`}
}

func TestNoticeRoutes(t *testing.T) {
	u := unitIDs(t, "东城市人民政府", "东城市税务局", "示范省人民政府", "西城市人民政府")
	east, tax := u["东城市人民政府"], u["东城市税务局"]
	notice := func(extra map[string]any) map[string]any {
		b := map[string]any{"title": "路由表测试通知", "body": "正文", "category": "通知",
			"audience": map[string]any{"units": []map[string]any{{"id": tax}}}}
		for k, v := range extra {
			b[k] = v
		}
		return b
	}
	aud := func(a map[string]any) map[string]any { return notice(map[string]any{"audience": a}) }
	id := "/api/gov/notices/" + seededID
	rows := []route{
		// list
		{name: "list: recipient's inbox", method: "GET", url: "/api/gov/notices", user: "staff.east.tax", status: 200, want: []string{seededID, "关于路由测试的通知"}},
		{name: "list: other city's inbox", method: "GET", url: "/api/gov/notices", user: "staff.west.tax", status: 200, notWant: []string{seededID}},
		{name: "list: publisher's sent box", method: "GET", url: "/api/gov/notices?box=sent", user: "leader.east", status: 200, want: []string{seededID}},
		{name: "list: unread narrows the inbox", method: "GET", url: "/api/gov/notices?unread=1&pending=1", user: "staff.east.county1", status: 200, want: []string{seededID}},
		{name: "list: bad box", method: "GET", url: "/api/gov/notices?box=x", user: "staff.east.tax", status: 400, want: badField("box", "invalid")},
		{name: "list: sysadmin", method: "GET", url: "/api/gov/notices", user: "admin.sys", status: 403},
		{name: "list: auditor", method: "GET", url: "/api/gov/notices", user: "admin.audit", status: 403},
		{name: "list: no login", method: "GET", url: "/api/gov/notices", status: 401},
		// create: allowed
		{name: "create: leader to a unit below", method: "POST", url: "/api/gov/notices", user: "leader.east", body: notice(nil), status: 201, want: []string{`"title":"路由表测试通知"`, `"status":"published"`}, created: 1},
		{name: "create: office clerk to the served government's subtree", method: "POST", url: "/api/gov/notices", user: "clerk.east", body: aud(map[string]any{"units": []map[string]any{{"id": east, "subtree": true}}}), status: 201, want: []string{`"status":"published"`}, created: 1},
		{name: "create: levels only, within reach", method: "POST", url: "/api/gov/notices", user: "leader.east", body: aud(map[string]any{"levels": []string{"county"}}), status: 201, want: []string{`"levels":["county"]`, `"subtree":true`}, created: 1},
		// create: denied
		{name: "create: staff", method: "POST", url: "/api/gov/notices", user: "staff.east.tax", body: notice(nil), status: 403, created: 0},
		{name: "create: sysadmin", method: "POST", url: "/api/gov/notices", user: "admin.sys", body: notice(nil), status: 403, created: 0},
		{name: "create: secadmin", method: "POST", url: "/api/gov/notices", user: "admin.sec", body: notice(nil), status: 403, created: 0},
		{name: "create: no login", method: "POST", url: "/api/gov/notices", body: notice(nil), status: 401, created: 0},
		// create: out of reach (other level, other city)
		{name: "create: city leader to the province", method: "POST", url: "/api/gov/notices", user: "leader.east", body: aud(map[string]any{"units": []string{u["示范省人民政府"]}}), status: 400, want: append(badField("audience.units", "out_of_reach"), "示范省人民政府"), created: 0},
		{name: "create: clerk to another city", method: "POST", url: "/api/gov/notices", user: "clerk.east", body: aud(map[string]any{"units": []map[string]any{{"id": u["西城市人民政府"], "subtree": true}}}), status: 400, want: append(badField("audience.units", "out_of_reach"), "西城市人民政府"), created: 0},
		{name: "create: named user out of reach", method: "POST", url: "/api/gov/notices", user: "leader.east", body: aud(map[string]any{"users": []string{apptest.UserID(t, "staff.west.tax")}}), status: 400, want: badField("audience.users", "out_of_reach"), created: 0},
		// create: bad input
		{name: "create: missing title", method: "POST", url: "/api/gov/notices", user: "leader.east", body: notice(map[string]any{"title": "  "}), status: 400, want: badField("title", "required"), created: 0},
		{name: "create: bad category", method: "POST", url: "/api/gov/notices", user: "leader.east", body: notice(map[string]any{"category": "通告"}), status: 400, want: badField("category", "invalid"), created: 0},
		{name: "create: bad urgency", method: "POST", url: "/api/gov/notices", user: "leader.east", body: notice(map[string]any{"urgency": "急"}), status: 400, want: badField("urgency", "invalid"), created: 0},
		{name: "create: must_confirm without deadline", method: "POST", url: "/api/gov/notices", user: "leader.east", body: notice(map[string]any{"must_confirm": true}), status: 400, want: badField("deadline", "required"), created: 0},
		{name: "create: bad deadline format", method: "POST", url: "/api/gov/notices", user: "leader.east", body: notice(map[string]any{"must_confirm": true, "deadline": "11/30/2026"}), status: 400, want: badField("deadline", "invalid"), created: 0},
		{name: "create: deadline in the past", method: "POST", url: "/api/gov/notices", user: "leader.east", body: notice(map[string]any{"must_confirm": true, "deadline": "2020-01-01"}), status: 400, want: badField("deadline", "invalid"), created: 0},
		{name: "create: unknown unit", method: "POST", url: "/api/gov/notices", user: "leader.east", body: aud(map[string]any{"units": []string{"nosuchunit0000"}}), status: 400, want: append(badField("audience.units", "unknown_unit"), "nosuchunit0000"), created: 0},
		{name: "create: unknown level", method: "POST", url: "/api/gov/notices", user: "leader.east", body: aud(map[string]any{"levels": []string{"village"}}), status: 400, want: append(badField("audience.levels", "invalid"), "village"), created: 0},
		{name: "create: unknown role", method: "POST", url: "/api/gov/notices", user: "leader.east", body: aud(map[string]any{"roles": []string{"sysadmin"}}), status: 400, want: append(badField("audience.roles", "invalid"), "sysadmin"), created: 0},
		{name: "create: unknown system", method: "POST", url: "/api/gov/notices", user: "leader.east", body: aud(map[string]any{"systems": []string{"navy"}}), status: 400, want: append(badField("audience.systems", "invalid"), "navy"), created: 0},
		{name: "create: unknown user", method: "POST", url: "/api/gov/notices", user: "leader.east", body: aud(map[string]any{"users": []string{"nosuchuser0000"}}), status: 400, want: badField("audience.users", "unknown_user"), created: 0},
		{name: "create: empty audience", method: "POST", url: "/api/gov/notices", user: "leader.east", body: aud(map[string]any{}), status: 400, want: badField("audience", "required"), created: 0},
		{name: "create: audience with nobody left", method: "POST", url: "/api/gov/notices", user: "leader.east", body: aud(map[string]any{"units": []string{tax}, "exclude_units": []string{tax}}), status: 400, want: badField("audience", "empty"), created: 0},
		{name: "create: classified mark", method: "POST", url: "/api/gov/notices", user: "leader.east", body: notice(map[string]any{"title": "机密★1年 通知"}), status: 400, want: badField("title", "classified"), created: 0},
		// summary
		{name: "summary: recipient", method: "GET", url: "/api/gov/notices/summary", user: "staff.east.tax", status: 200, want: []string{`"unread":`, `"pending":`}, created: 0},
		{name: "summary: sysadmin", method: "GET", url: "/api/gov/notices/summary", user: "admin.sys", status: 403},
		{name: "summary: no login", method: "GET", url: "/api/gov/notices/summary", status: 401},
		// preview
		{name: "preview: leader", method: "POST", url: "/api/gov/notices/preview", user: "leader.east", body: map[string]any{"audience": map[string]any{"units": []string{tax}}}, status: 200, want: []string{`"total":`, `"name":"东城市税务局"`, `"truncated":false`}, created: 0},
		{name: "preview: staff", method: "POST", url: "/api/gov/notices/preview", user: "staff.east.tax", body: map[string]any{"audience": map[string]any{"units": []string{tax}}}, status: 403},
		{name: "preview: auditor", method: "POST", url: "/api/gov/notices/preview", user: "admin.audit", body: map[string]any{"audience": map[string]any{"units": []string{tax}}}, status: 403},
		{name: "preview: bad level", method: "POST", url: "/api/gov/notices/preview", user: "leader.east", body: map[string]any{"audience": map[string]any{"levels": []string{"x"}}}, status: 400, want: badField("audience.levels", "invalid")},
		{name: "preview: out of reach", method: "POST", url: "/api/gov/notices/preview", user: "clerk.east", body: map[string]any{"audience": map[string]any{"units": []string{u["西城市人民政府"]}}}, status: 400, want: append(badField("audience.units", "out_of_reach"), "西城市人民政府")},
		// view
		{name: "view: recipient", method: "GET", url: id, user: "staff.east.tax", status: 200, want: []string{`"title":"关于路由测试的通知"`, `"confirm":true`, `"receipt":{`}},
		{name: "view: recipient two levels down", method: "GET", url: id, user: "staff.east.county1", status: 200, want: []string{`"body_html":"\u003cp\u003e路由测试正文`}},
		{name: "view: other city", method: "GET", url: id, user: "staff.west.tax", status: 404},
		{name: "view: province leader above", method: "GET", url: id, user: "leader.prov", status: 200, want: []string{`"receipts":true`}},
		{name: "view: sysadmin", method: "GET", url: id, user: "admin.sys", status: 403},
		{name: "view: unknown id", method: "GET", url: "/api/gov/notices/nosuchnotice000", user: "staff.east.tax", status: 404},
		{name: "view: no login", method: "GET", url: id, status: 401},
		// confirm
		{name: "confirm: recipient", method: "POST", url: id + "/confirm", user: "staff.east.tax", body: map[string]any{"reply": "收到"}, status: 200, want: []string{`"confirmed_at":"2`, `"reply":"收到"`, `"late":false`}},
		{name: "confirm: other city", method: "POST", url: id + "/confirm", user: "staff.west.tax", body: map[string]any{}, status: 404},
		{name: "confirm: reader who is no recipient", method: "POST", url: id + "/confirm", user: "leader.prov", body: map[string]any{}, status: 403, want: []string{`"code":"not_recipient"`}},
		// forward
		{name: "forward: all already hold it", method: "POST", url: id + "/forward", user: "clerk.east", body: map[string]any{"note": "转发", "audience": map[string]any{"units": []map[string]any{{"id": east, "subtree": true}}}}, status: 400, want: badField("audience", "empty"), created: 0},
		{name: "forward: staff may not", method: "POST", url: id + "/forward", user: "staff.east.tax", body: map[string]any{"audience": map[string]any{"units": []string{tax}}}, status: 403, created: 0},
		{name: "forward: outsider", method: "POST", url: id + "/forward", user: "staff.west.tax", body: map[string]any{"audience": map[string]any{"units": []string{tax}}}, status: 404, created: 0},
		// withdraw
		{name: "withdraw: publisher", method: "POST", url: id + "/withdraw", user: "leader.east", body: map[string]any{"reason": "发错了"}, status: 200, want: []string{`"status":"withdrawn"`, `"withdraw_reason":"发错了"`}},
		{name: "withdraw: leader above", method: "POST", url: id + "/withdraw", user: "leader.prov", body: map[string]any{"reason": "上级撤回"}, status: 200, want: []string{`"status":"withdrawn"`}},
		{name: "withdraw: no reason", method: "POST", url: id + "/withdraw", user: "leader.east", body: map[string]any{}, status: 400, want: badField("reason", "required")},
		{name: "withdraw: recipient", method: "POST", url: id + "/withdraw", user: "staff.east.tax", body: map[string]any{"reason": "x"}, status: 403},
		{name: "withdraw: outsider", method: "POST", url: id + "/withdraw", user: "staff.west.tax", body: map[string]any{"reason": "x"}, status: 404},
		// correct
		{name: "correct: publisher", method: "POST", url: id + "/correct", user: "leader.east", body: map[string]any{"title": "关于路由测试的通知（更正）", "reason": "标题有误"}, status: 200, want: []string{`"title":"关于路由测试的通知（更正）"`, `"version":2`, `"title":"关于路由测试的通知","body_html"`, `"reason":"标题有误"`}},
		{name: "correct: no reason", method: "POST", url: id + "/correct", user: "leader.east", body: map[string]any{"title": "新"}, status: 400, want: badField("reason", "required")},
		{name: "correct: empty title", method: "POST", url: id + "/correct", user: "leader.east", body: map[string]any{"title": "", "reason": "x"}, status: 400, want: badField("title", "required")},
		{name: "correct: recipient", method: "POST", url: id + "/correct", user: "staff.east.tax", body: map[string]any{"title": "x", "reason": "x"}, status: 403},
		// approve-public
		{name: "approve-public: leader of the publishing unit", method: "POST", url: id + "/approve-public", user: "leader.east", body: map[string]any{"approve": true}, status: 200, want: []string{`"public_state":"approved"`}},
		{name: "approve-public: reject", method: "POST", url: id + "/approve-public", user: "leader.east", body: map[string]any{"approve": false}, status: 200, want: []string{`"public_state":""`}},
		{name: "approve-public: office clerk", method: "POST", url: id + "/approve-public", user: "clerk.east", body: map[string]any{}, status: 403},
		{name: "approve-public: recipient", method: "POST", url: id + "/approve-public", user: "staff.east.tax", body: map[string]any{}, status: 403},
		{name: "approve-public: leader above (other unit)", method: "POST", url: id + "/approve-public", user: "leader.prov", body: map[string]any{}, status: 403},
		// receipts
		{name: "receipts: publisher", method: "GET", url: id + "/receipts", user: "leader.east", status: 200, want: []string{`"scope":"all"`, `"name":"东城市税务局"`, `"read":0`, `"must_confirm":true`}},
		{name: "receipts: leader of a targeted unit", method: "GET", url: id + "/receipts", user: "leader.east.tax", status: 200, want: []string{`"scope":"led"`, `"name":"东城市税务局`}, notWant: []string{"东城市甲县人民政府"}},
		{name: "receipts: recipient", method: "GET", url: id + "/receipts", user: "staff.east.tax", status: 403},
		{name: "receipts: other city", method: "GET", url: id + "/receipts", user: "staff.west.tax", status: 404},
		{name: "receipts: unknown drill unit", method: "GET", url: id + "/receipts?unit=nosuchunit0000", user: "leader.east", status: 400, want: badField("unit", "unknown_unit")},
		{name: "receipts: no login", method: "GET", url: id + "/receipts", status: 401},
		{name: "people: unread under the tax bureau", method: "GET", url: id + "/receipts/people?status=unread&unit=" + tax, user: "leader.east", status: 200, want: []string{`"unit_name":"东城市税务局"`}, notWant: []string{"东城市甲县人民政府"}},
		{name: "people: bad status", method: "GET", url: id + "/receipts/people?status=late", user: "leader.east", status: 400, want: badField("status", "invalid")},
		{name: "people: other city", method: "GET", url: id + "/receipts/people", user: "staff.west.tax", status: 404},
		{name: "export: csv", method: "GET", url: id + "/receipts/export?format=csv", user: "leader.east", status: 200, want: []string{"东城市税务局", "未读人员", "未确认人员"}},
		{name: "export: recipient", method: "GET", url: id + "/receipts/export?format=csv", user: "staff.east.tax", status: 403},
		{name: "export: other city", method: "GET", url: id + "/receipts/export?format=csv", user: "staff.west.tax", status: 404},
		// 政务公开 (no login)
		{name: "public: list has the approved demo notice only", method: "GET", url: "/public/", status: 200, want: []string{"优化营商环境"}, notWant: []string{"关于路由测试的通知"}},
		{name: "public: a pending notice is not served", method: "GET", url: "/public/" + seededID, status: 404, want: []string{"未找到"}},
		{name: "public: feed", method: "GET", url: "/public/feed.atom", status: 200, want: []string{`<feed xmlns="http://www.w3.org/2005/Atom">`, "优化营商环境"}, notWant: []string{"关于路由测试的通知"}},
	}
	for _, r := range rows {
		s := r.scenario(t)
		s.Test(t)
	}
}

// TestNoticeRoutesRecordTheRead: GET records the first read only.
func TestNoticeRoutesRecordTheRead(t *testing.T) {
	e := apptest.NewEnv(t)
	seedNotice(t, e.App)
	me := apptest.UserID(t, "staff.east.tax")
	readAt := func() string {
		var v string
		if err := e.App.DB().NewQuery("SELECT read_at FROM notice_receipts WHERE notice = {:n} AND user = {:u}").
			Bind(dbx.Params{"n": seededID, "u": me}).Row(&v); err != nil {
			t.Fatal(err)
		}
		return v
	}
	if readAt() != "" {
		t.Fatal("read before opening")
	}
	e.Must(200, "staff.east.tax", "GET", "/api/gov/notices/"+seededID, nil)
	first := readAt()
	if first == "" {
		t.Fatal("opening did not record the read")
	}
	time.Sleep(5 * time.Millisecond)
	e.Must(200, "staff.east.tax", "GET", "/api/gov/notices/"+seededID, nil)
	if readAt() != first {
		t.Fatal("a second opening moved the first read")
	}
	// the province leader reads it (subtree) but holds no receipt: nothing written
	e.Must(200, "leader.prov", "GET", "/api/gov/notices/"+seededID, nil)
	if n := count(t, e.App, "SELECT COUNT(*) FROM notice_receipts WHERE notice = {:n} AND read_at != ''", dbx.Params{"n": seededID}); n != 1 {
		t.Fatalf("%d reads, want 1", n)
	}
}
