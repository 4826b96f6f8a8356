package casework_test

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
)

// TestCaseLifecycle: write → submit → return → resubmit → publish → edit
// (new version, readers keep the old one) → publish again → withdraw,
// with who sees what at each step.
func TestCaseLifecycle(t *testing.T) {
	e := newEnv(t)
	person, firm := idNumber("123"), creditCode("91110108MA01ABCDE")
	created := e.must(200, "staff.east.tax", http.MethodPost, "/api/gov/cases", map[string]any{
		"title": "个体工商户营业执照“一网通办”经验", "summary": "压缩办理时限", "scope": "all",
		"body": "## 做法\n\n1. 线上申报\n2. 并联审批\n\n| 环节 | 时限 |\n|---|---|\n| 受理 | 1 天 |",
		"tags": []string{"营业执照", "一网通办", "营业执照"}, "business": "行政许可",
		"entities": []map[string]any{{"kind": "person", "number": person, "name": "张某"},
			{"kind": "enterprise", "number": firm, "name": "东城某商贸有限公司"}},
	})
	id := str(created["id"])
	if created["status"] != "draft" || created["version"] != float64(1) || !has(created, "tags", `["营业执照","一网通办"]`) {
		t.Fatalf("created: %v", created)
	}
	draft := created["draft"].(map[string]any)
	if !strings.Contains(str(draft["body_html"]), "<table>") || !has(draft, "entities", person) {
		t.Fatalf("author's draft: %v", draft)
	}
	// a draft is its author's alone
	for _, u := range []string{"staff.west.tax", "leader.east.tax", "reviewer.prov", "leader.prov"} {
		if code, _ := e.call(u, http.MethodGet, "/api/gov/cases/"+id, nil); code != 404 {
			t.Errorf("%s reads a draft: %d", u, code)
		}
	}

	e.must(200, "staff.east.tax", http.MethodPost, "/api/gov/cases/"+id+"/submit", nil)
	// in review: the reviewer of the chain and the unit's leader see it
	rv := e.must(200, "reviewer.prov", http.MethodGet, "/api/gov/cases/"+id, nil)
	if rv["can"].(map[string]any)["review"] != true || !has(rv, "draft", person) {
		t.Fatalf("reviewer's view: %v", rv)
	}
	if lv := e.must(200, "leader.east.tax", http.MethodGet, "/api/gov/cases/"+id, nil); lv["draft"] != nil {
		t.Errorf("the leader got the working copy: %v", lv["draft"])
	}
	if code, _ := e.call("staff.west.tax", http.MethodGet, "/api/gov/cases/"+id, nil); code != 404 {
		t.Errorf("other unit reads a case in review: %d", code)
	}
	q := e.must(200, "reviewer.prov", http.MethodGet, "/api/gov/cases?queue=1", nil)
	if !has(q, "items", id) {
		t.Fatalf("review queue: %v", q)
	}
	if code, _ := e.call("staff.east.tax", http.MethodGet, "/api/gov/cases?queue=1", nil); code != 403 {
		t.Errorf("staff review queue: %d", code)
	}
	// editing while in review is refused; the author cannot review
	if code, _ := e.call("staff.east.tax", http.MethodPatch, "/api/gov/cases/"+id, map[string]any{"title": "x"}); code != 409 {
		t.Errorf("edit in review: %d", code)
	}
	if code, _ := e.call("staff.east.tax", http.MethodPost, "/api/gov/cases/"+id+"/approve", nil); code != 403 && code != 404 {
		t.Errorf("author approves: %d", code)
	}

	// returned with a comment (required)
	if code, out := e.call("reviewer.prov", http.MethodPost, "/api/gov/cases/"+id+"/reject", map[string]any{}); code != 400 || !has(out, "data", "comment") {
		t.Fatalf("reject without comment: %d %v", code, out)
	}
	back := e.must(200, "reviewer.prov", http.MethodPost, "/api/gov/cases/"+id+"/reject", map[string]any{"comment": "请补充办理数据"})
	if back["status"] != "returned" {
		t.Fatalf("after reject: %v", back)
	}
	mine := e.must(200, "staff.east.tax", http.MethodGet, "/api/gov/cases/"+id, nil)
	if d := mine["draft"].(map[string]any); d["review_comment"] != "请补充办理数据" || d["reviewer_name"] == "" {
		t.Fatalf("author sees the review: %v", d)
	}
	e.must(200, "staff.east.tax", http.MethodPatch, "/api/gov/cases/"+id, map[string]any{"summary": "压缩办理时限至 1 个工作日"})
	e.must(200, "staff.east.tax", http.MethodPost, "/api/gov/cases/"+id+"/submit", nil)
	pub := e.must(200, "reviewer.prov", http.MethodPost, "/api/gov/cases/"+id+"/approve", map[string]any{"comment": "同意发布"})
	if pub["status"] != "published" || pub["live"] != "published" {
		t.Fatalf("after approve: %v", pub)
	}

	// published to all government: another city's staff reads it, numbers masked
	rd := e.must(200, "staff.west.tax", http.MethodGet, "/api/gov/cases/"+id, nil)
	if rd["draft"] != nil || rd["summary"] != "压缩办理时限至 1 个工作日" || has(rd, "entities", person) || has(rd, "entities", firm) ||
		!has(rd, "entities", person[:6]+"********"+person[14:]) {
		t.Fatalf("reader's view: %v", rd)
	}
	if au := e.must(200, "staff.east.tax", http.MethodGet, "/api/gov/cases/"+id, nil); !has(au, "entities", person) || !has(au, "entities", firm) {
		t.Fatalf("author's numbers are masked: %v", au["entities"])
	}
	for _, u := range []string{"admin.sys", "admin.sec", "admin.audit"} {
		if code, _ := e.call(u, http.MethodGet, "/api/gov/cases/"+id, nil); code != 403 {
			t.Errorf("%s reads a case: %d", u, code)
		}
	}

	// the author edits: a new version; readers keep the published one
	v2 := e.must(200, "staff.east.tax", http.MethodPatch, "/api/gov/cases/"+id, map[string]any{"title": "营业执照一网通办（修订）"})
	if v2["version"] != float64(2) || v2["status"] != "draft" || v2["title"] != "个体工商户营业执照“一网通办”经验" {
		t.Fatalf("after editing a published case: %v", v2)
	}
	if rd := e.must(200, "staff.west.tax", http.MethodGet, "/api/gov/cases/"+id, nil); rd["title"] != "个体工商户营业执照“一网通办”经验" || rd["status"] != "published" {
		t.Fatalf("reader during a new draft: %v", rd)
	}
	e.must(200, "staff.east.tax", http.MethodPost, "/api/gov/cases/"+id+"/submit", nil)
	e.must(200, "reviewer.prov", http.MethodPost, "/api/gov/cases/"+id+"/approve", nil)
	if rd := e.must(200, "staff.west.tax", http.MethodGet, "/api/gov/cases/"+id, nil); rd["title"] != "营业执照一网通办（修订）" || rd["published_version"] != float64(2) {
		t.Fatalf("reader after the second approval: %v", rd)
	}
	if code, _ := e.call("staff.east.tax", http.MethodDelete, "/api/gov/cases/"+id, nil); code != 409 {
		t.Errorf("delete a published case: %d", code)
	}

	// withdrawn: offline for readers
	e.must(200, "staff.east.tax", http.MethodPost, "/api/gov/cases/"+id+"/withdraw", nil)
	if code, _ := e.call("staff.west.tax", http.MethodGet, "/api/gov/cases/"+id, nil); code != 404 {
		t.Errorf("reader after withdraw: %d", code)
	}
}

// TestCaseScopes: who reads a published case of each scope.
func TestCaseScopes(t *testing.T) {
	e := newEnv(t)
	ids := map[string]string{}
	for _, scope := range []string{"unit", "subtree", "system", "all"} {
		c := e.must(200, "staff.east.tax", http.MethodPost, "/api/gov/cases", map[string]any{
			"title": "范围 " + scope, "body": "正文", "scope": scope})
		ids[scope] = str(c["id"])
		e.must(200, "staff.east.tax", http.MethodPost, "/api/gov/cases/"+ids[scope]+"/submit", nil)
		e.must(200, "reviewer.prov", http.MethodPost, "/api/gov/cases/"+ids[scope]+"/approve", nil)
	}
	// staff.east.tax is at 东城市税务局 [tax]
	want := map[string]map[string]int{
		"leader.east.tax":    {"unit": 200, "subtree": 200, "system": 200, "all": 200}, // same unit
		"staff.west.tax":     {"unit": 404, "subtree": 404, "system": 200, "all": 200}, // other city, same system
		"staff.east.hr":      {"unit": 404, "subtree": 404, "system": 404, "all": 200}, // same city, other system
		"staff.east.county1": {"unit": 404, "subtree": 404, "system": 404, "all": 200}, // other level
		"leader.east":        {"unit": 200, "subtree": 200, "system": 200, "all": 200}, // leader of the parent: its subtree
	}
	for user, byScope := range want {
		for scope, code := range byScope {
			if got, _ := e.call(user, http.MethodGet, "/api/gov/cases/"+ids[scope], nil); got != code {
				t.Errorf("%s reading a %s case: %d, want %d", user, scope, got, code)
			}
		}
		// the list agrees with the single reads
		list := e.must(200, user, http.MethodGet, "/api/gov/cases?live=published&perPage=100", nil)
		for scope, code := range byScope {
			if has(list, "items", ids[scope]) != (code == 200) {
				t.Errorf("%s's list and a %s case disagree with the read (%d)", user, scope, code)
			}
		}
	}
}

// TestReviewLevel: a case for all government needs a provincial reviewer;
// a city reviewer may publish within its city.
func TestReviewLevel(t *testing.T) {
	e := newEnv(t)
	e.grantReviewer("clerk.east", "东城市人民政府")
	all := str(e.must(200, "staff.east.tax", http.MethodPost, "/api/gov/cases", map[string]any{"title": "全省", "body": "正文", "scope": "all"})["id"])
	sub := str(e.must(200, "staff.east.tax", http.MethodPost, "/api/gov/cases", map[string]any{"title": "本级", "body": "正文", "scope": "subtree"})["id"])
	for _, id := range []string{all, sub} {
		e.must(200, "staff.east.tax", http.MethodPost, "/api/gov/cases/"+id+"/submit", nil)
	}
	v := e.must(200, "clerk.east", http.MethodGet, "/api/gov/cases/"+all, nil)
	if v["can"].(map[string]any)["review"] != false {
		t.Errorf("city reviewer offered to review an all-government case")
	}
	if code, out := e.call("clerk.east", http.MethodPost, "/api/gov/cases/"+all+"/approve", nil); code != 403 || out["code"] != "review_level" {
		t.Fatalf("city reviewer approves an all-government case: %d %v", code, out)
	}
	e.must(200, "clerk.east", http.MethodPost, "/api/gov/cases/"+sub+"/approve", nil)
	// a reviewer of another city sees neither
	e.grantReviewer("staff.west.tax", "西城市人民政府")
	if code, _ := e.call("staff.west.tax", http.MethodPost, "/api/gov/cases/"+all+"/approve", nil); code != 404 {
		t.Errorf("other city's reviewer: %d", code)
	}
}

// TestCaseSearch: published cases are found by 1-4 character and mixed
// queries, only where the reader may see them, with highlighted spans.
func TestCaseSearch(t *testing.T) {
	e := newEnv(t)
	e.clearCases()
	publish := func(author, title, summary, body, scope string) string {
		id := str(e.must(200, author, http.MethodPost, "/api/gov/cases", map[string]any{
			"title": title, "summary": summary, "body": body, "scope": scope, "tags": []string{"测试"}})["id"])
		e.must(200, author, http.MethodPost, "/api/gov/cases/"+id+"/submit", nil)
		e.must(200, "reviewer.prov", http.MethodPost, "/api/gov/cases/"+id+"/approve", nil)
		return id
	}
	a := publish("staff.east.tax", "个体工商户营业执照办理提速", "2024年起压缩时限", "营业执照当日办结，食品经营许可证并联审批。", "all")
	b := publish("staff.east.tax", "税务登记与社保缴费联办", "跨部门数据共享", "纳税人办理税务登记时同步完成社保缴费登记。", "unit")
	c := publish("staff.west.tax", "食品经营许可证告知承诺制", "", "对食品经营许可证实行告知承诺，营业执照信息共享。", "all")
	draft := str(e.must(200, "staff.east.tax", http.MethodPost, "/api/gov/cases", map[string]any{"title": "营业执照草稿", "body": "营业执照", "scope": "all"})["id"])

	ids := func(user, q string) []string {
		out := e.must(200, user, http.MethodGet, "/api/gov/cases?q="+url.QueryEscape(q), nil)
		var got []string
		for _, it := range out["items"].([]any) {
			got = append(got, str(it.(map[string]any)["id"]))
		}
		if out["totalItems"] != float64(len(got)) {
			t.Errorf("%q total %v, %d items", q, out["totalItems"], len(got))
		}
		slices.Sort(got)
		return got
	}
	sorted := func(s ...string) []string { slices.Sort(s); return s }
	cases := []struct {
		user, q string
		want    []string
	}{
		{"staff.east.tax", "营业执照", sorted(a, c)},   // 4 characters; the draft is not published
		{"staff.east.tax", "执照", sorted(a, c)},     // 2
		{"staff.east.tax", "营", sorted(a, c)},      // 1
		{"staff.east.tax", "许可证", sorted(a, c)},    // 3
		{"staff.east.tax", "营业执照 2024", sorted(a)}, // mixed
		{"staff.east.tax", "社保", sorted(b)},        // a unit case, own unit
		{"staff.west.tax", "社保", nil},              // not for another unit
		{"staff.west.tax", "税务登记", nil},
		{"staff.east.hr", "食品", sorted(a, c)},
		{"staff.east.tax", "执照营业", nil}, // not the phrase
	}
	for _, tc := range cases {
		if got := ids(tc.user, tc.q); !slices.Equal(got, tc.want) {
			t.Errorf("%s searching %q: %v, want %v", tc.user, tc.q, got, tc.want)
		}
	}
	_ = draft
	out := e.must(200, "staff.east.tax", http.MethodGet, "/api/gov/cases?q="+url.QueryEscape("营业执照"), nil)
	first := out["items"].([]any)[0].(map[string]any)
	if first["id"] != a || !has(first, "title_spans", `{"hit":true,"text":"营业执照"}`) {
		t.Errorf("title hit first, highlighted: %v", first)
	}
	if code, _ := e.call("staff.east.tax", http.MethodGet, "/api/gov/cases?q="+url.QueryEscape("，。"), nil); code != 400 {
		t.Errorf("punctuation-only query: %d", code)
	}
	if code, _ := e.call("admin.sys", http.MethodGet, "/api/gov/cases?q=x", nil); code != 403 {
		t.Errorf("sysadmin search: %d", code)
	}
}

// TestReviewLevelSetting: the secadmin's case_review_levels decide: with
// "all" lowered to city, a city reviewer publishes an all-government case.
func TestReviewLevelSetting(t *testing.T) {
	e := newEnv(t)
	e.grantReviewer("clerk.east", "东城市人民政府")
	id := str(e.must(200, "staff.east.tax", http.MethodPost, "/api/gov/cases", map[string]any{"title": "全省", "body": "正文", "scope": "all"})["id"])
	e.must(200, "staff.east.tax", http.MethodPost, "/api/gov/cases/"+id+"/submit", nil)
	if code, _ := e.call("clerk.east", http.MethodPost, "/api/gov/cases/"+id+"/approve", nil); code != 403 {
		t.Fatalf("before the change: %d", code)
	}
	e.must(200, "admin.sec", http.MethodPut, "/api/gov/admin/security", map[string]any{"case_review_levels": map[string]string{"all": "city"}})
	e.must(200, "clerk.east", http.MethodPost, "/api/gov/cases/"+id+"/approve", nil)
}

// TestReviewFindings: a reviewer cannot publish their own case; a city
// reviewer's queue holds only what it may review; a live case stays
// visible to the leader while a new version is drafted; a case once
// published cannot be deleted; editing after withdrawing keeps the approved
// version as approved; marks in the body are refused and audited.
func TestReviewFindings(t *testing.T) {
	e := newEnv(t)
	own := str(e.must(200, "reviewer.prov", http.MethodPost, "/api/gov/cases", map[string]any{"title": "自审", "body": "x", "scope": "all"})["id"])
	e.must(200, "reviewer.prov", http.MethodPost, "/api/gov/cases/"+own+"/submit", nil)
	if code, out := e.call("reviewer.prov", http.MethodPost, "/api/gov/cases/"+own+"/approve", nil); code != 403 || out["code"] != "own_case" {
		t.Errorf("approving one's own case: %d %v", code, out)
	}
	if q := e.must(200, "reviewer.prov", http.MethodGet, "/api/gov/cases?queue=1&perPage=100", nil); has(q, "items", own) {
		t.Error("one's own case in one's review queue")
	}

	e.grantReviewer("clerk.east", "东城市人民政府")
	all := str(e.must(200, "staff.east.tax", http.MethodPost, "/api/gov/cases", map[string]any{"title": "全省范围", "body": "x", "scope": "all"})["id"])
	sub := str(e.must(200, "staff.east.tax", http.MethodPost, "/api/gov/cases", map[string]any{"title": "本级范围", "body": "x", "scope": "subtree", "entities": []map[string]any{{"kind": "person", "number": idNumber("456")}}})["id"])
	for _, id := range []string{all, sub} {
		e.must(200, "staff.east.tax", http.MethodPost, "/api/gov/cases/"+id+"/submit", nil)
	}
	q := e.must(200, "clerk.east", http.MethodGet, "/api/gov/cases?queue=1&perPage=100", nil)
	if has(q, "items", all) || !has(q, "items", sub) {
		t.Errorf("city reviewer's queue: %v", q["items"])
	}
	if v := e.must(200, "clerk.east", http.MethodGet, "/api/gov/cases/"+all, nil); v["draft"] != nil {
		t.Error("a reviewer below the scope's level got the working copy")
	}

	e.must(200, "clerk.east", http.MethodPost, "/api/gov/cases/"+sub+"/approve", nil)
	e.must(200, "staff.east.tax", http.MethodPatch, "/api/gov/cases/"+sub, map[string]any{"summary": "新版本"})
	e.must(200, "leader.east", http.MethodGet, "/api/gov/cases/"+sub, nil) // live, new version in draft
	if code, _ := e.call("staff.west.tax", http.MethodGet, "/api/gov/cases?status=draft", nil); code != 200 {
		t.Fatalf("status filter: %d", code)
	}
	if l := e.must(200, "leader.east.tax", http.MethodGet, "/api/gov/cases?status=draft&perPage=100", nil); !has(l, "items", sub) {
		// the status filter is ignored outside mine/queue: the leader's list is unfiltered
		t.Errorf("status filter applied for a reader: %v", l["totalItems"])
	}

	// a published case taken offline keeps its approved version as approved
	e.must(200, "staff.east.tax", http.MethodPost, "/api/gov/cases/"+sub+"/submit", nil)
	e.must(200, "clerk.east", http.MethodPost, "/api/gov/cases/"+sub+"/approve", nil)
	e.must(200, "staff.east.tax", http.MethodPost, "/api/gov/cases/"+sub+"/withdraw", nil)
	after := e.must(200, "staff.east.tax", http.MethodPatch, "/api/gov/cases/"+sub, map[string]any{"summary": "撤回后修改"})
	if after["version"] != float64(3) {
		t.Errorf("edit after withdrawing version 2 edited it in place: version %v", after["version"])
	}
	if code, _ := e.call("staff.east.tax", http.MethodDelete, "/api/gov/cases/"+sub, nil); code != 409 {
		t.Errorf("deleting a case once published: %d", code)
	}

	if code, out := e.call("staff.east.tax", http.MethodPost, "/api/gov/cases", map[string]any{"title": "方案", "body": "机密★5年\n\n内容", "scope": "unit"}); code != 400 || !has(out, "data", "body") {
		t.Errorf("marked body: %d %v", code, out)
	}
	var n int
	_ = e.app.DB().NewQuery("SELECT COUNT(*) FROM audit_log WHERE action = 'case.refuse' AND result = 'denied'").Row(&n)
	if n != 1 {
		t.Errorf("refusal audited %d times", n)
	}
}

// TestArchiveCase: a reviewer archives a published case: readers can still
// open it, search and the feed no longer list it, nobody edits, comments
// or votes on it; others may not archive.
func TestArchiveCase(t *testing.T) {
	e := newEnv(t)
	e.clearCases()
	id := e.publish("staff.east.tax", "归档测试营业执照", "all", nil)
	if code, _ := e.call("staff.east.tax", http.MethodPost, "/api/gov/cases/"+id+"/archive", nil); code != 403 {
		t.Errorf("author archives: %d", code)
	}
	e.grantReviewer("staff.west.tax", "西城市人民政府")
	if code, _ := e.call("staff.west.tax", http.MethodPost, "/api/gov/cases/"+id+"/archive", nil); code != 404 {
		t.Errorf("another city's reviewer archives: %d", code)
	}
	out := e.must(200, "reviewer.prov", http.MethodPost, "/api/gov/cases/"+id+"/archive", nil)
	if out["status"] != "archived" || out["live"] != "archived" {
		t.Fatalf("after archive: %v", out)
	}
	if v := e.must(200, "staff.east.hr", http.MethodGet, "/api/gov/cases/"+id, nil); v["status"] != "archived" {
		t.Errorf("reader's view of an archived case: %v", v["status"])
	}
	if s := e.must(200, "staff.east.hr", http.MethodGet, "/api/gov/cases?q="+url.QueryEscape("营业执照"), nil); has(s, "items", id) {
		t.Error("search finds an archived case")
	}
	if f := e.must(200, "staff.east.hr", http.MethodGet, "/api/gov/feed", nil); has(f, "items", id) {
		t.Error("the feed lists an archived case")
	}
	for _, c := range []struct{ method, path string }{
		{http.MethodPatch, "/api/gov/cases/" + id},
		{http.MethodPost, "/api/gov/cases/" + id + "/comments"},
		{http.MethodPost, "/api/gov/cases/" + id + "/vote"},
		{http.MethodPost, "/api/gov/cases/" + id + "/archive"},
	} {
		if code, _ := e.call("staff.east.tax", c.method, c.path, map[string]any{"title": "x", "body": "x"}); code < 400 {
			t.Errorf("%s %s on an archived case: %d", c.method, c.path, code)
		}
	}
}
