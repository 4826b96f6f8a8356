package finder_test

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"govcollab/hooks/apptest"
)

const word = "琥珀栈道" // in nothing of the demo

// world publishes one record of each type holding word: a case of
// 东城市税务局 (scope unit), a notice and a course to 东城市税务局, and a
// draft document of clerk.east (only its drafter reads a draft).
func world(t *testing.T) *apptest.Env {
	e := apptest.NewEnv(t)
	c := e.Must(200, "staff.east.tax", "POST", "/api/gov/cases", map[string]any{"title": word + "巡查经验", "body": "沿" + word + "每日巡查。", "scope": "unit",
		"tags": []string{word + "管护"}})
	e.Must(200, "staff.east.tax", "POST", "/api/gov/cases/"+c["id"].(string)+"/submit", nil)
	e.Must(200, "reviewer.prov", "POST", "/api/gov/cases/"+c["id"].(string)+"/approve", nil)
	tax := apptest.UnitID(t, e.App, "东城市税务局")
	e.Must(201, "leader.east", "POST", "/api/gov/notices", map[string]any{"title": word + "检修通知", "body": "检修期间暂停通行。",
		"audience": map[string]any{"units": []map[string]any{{"id": tax, "subtree": false}}}})
	start := time.Now().Add(48 * time.Hour)
	e.Must(201, "leader.east", "POST", "/api/gov/courses", map[string]any{"title": word + "安全培训", "category": "业务知识", "mode": "面授",
		"hours": 2, "publish": true, "sessions": []map[string]any{{"starts_at": start.Format(time.RFC3339), "ends_at": start.Add(time.Hour).Format(time.RFC3339)}},
		"audience": map[string]any{"units": []map[string]any{{"id": tax, "subtree": false}}}})
	var flow string
	if err := e.App.DB().NewQuery("SELECT id FROM workflows WHERE name = '市政府函'").Row(&flow); err != nil {
		t.Fatal(err)
	}
	e.Must(201, "clerk.east", "POST", "/api/gov/docs", map[string]any{"type": "函", "title": "关于" + word + "维护的函", "body": "请予支持。",
		"urgency": "平件", "classification": "内部", "workflow": flow})
	return e
}

func facets(out map[string]any) map[string]int {
	m := map[string]int{}
	for k, v := range out["facets"].(map[string]any) {
		m[k] = int(v.(float64))
	}
	return m
}

func types(out map[string]any) []string {
	var ts []string
	for _, it := range out["items"].([]any) {
		ts = append(ts, it.(map[string]any)["type"].(string))
	}
	slices.Sort(ts)
	return ts
}

// TestUnifiedSearch: each person finds exactly the records of each type
// they may read, and the facet counts say the same; a type filter narrows
// the list, not the facets; unit filter, date sort, hits highlighted and
// linked; 三员 403; bad input names its field.
func TestUnifiedSearch(t *testing.T) {
	e := world(t)
	q := "/api/gov/search?q=" + url.QueryEscape(word)
	for _, c := range []struct {
		user   string
		facets map[string]int
		types  []string
	}{
		{"staff.east.tax", map[string]int{"case": 1, "notice": 1, "doc": 0, "course": 1}, []string{"case", "course", "notice"}},
		{"clerk.east", map[string]int{"case": 0, "notice": 0, "doc": 1, "course": 0}, []string{"doc"}},
		{"staff.east.hr", map[string]int{"case": 0, "notice": 0, "doc": 0, "course": 0}, nil},                                // same city, not the audience
		{"staff.west.tax", map[string]int{"case": 0, "notice": 0, "doc": 0, "course": 0}, nil},                               // other city
		{"staff.east.county1", map[string]int{"case": 0, "notice": 0, "doc": 0, "course": 0}, nil},                           // other level
		{"leader.east", map[string]int{"case": 1, "notice": 1, "doc": 0, "course": 1}, []string{"case", "course", "notice"}}, // the subtree; not a draft
	} {
		out := e.Must(200, c.user, "GET", q, nil)
		if got := facets(out); fmt.Sprint(got) != fmt.Sprint(c.facets) {
			t.Errorf("%s facets %v, want %v", c.user, got, c.facets)
		}
		if got := types(out); !slices.Equal(got, c.types) || int(out["totalItems"].(float64)) != len(c.types) {
			t.Errorf("%s found %v (total %v), want %v", c.user, got, out["totalItems"], c.types)
		}
	}
	out := e.Must(200, "staff.east.tax", "GET", q+"&type=notice,course&sort=date", nil)
	if got := types(out); !slices.Equal(got, []string{"course", "notice"}) || facets(out)["case"] != 1 || out["sort"] != "date" {
		t.Errorf("type filter: %v %v", got, out["facets"])
	}
	it := out["items"].([]any)[0].(map[string]any)
	if it["type"] != "course" || !strings.HasPrefix(it["link"].(string), "#/training/") || it["unit_name"] != "东城市人民政府" ||
		!strings.Contains(fmt.Sprint(it["title_spans"]), "hit:true") || it["created"] == "" || it["unit"] == "" {
		t.Errorf("newest first, linked, highlighted: %v", it)
	}
	west := apptest.UnitID(t, e.App, "西城市税务局")
	if out := e.Must(200, "staff.east.tax", "GET", q+"&unit="+west, nil); out["totalItems"] != float64(0) {
		t.Errorf("unit filter to another city: %v", out["totalItems"])
	}
	if out := e.Must(200, "staff.east.tax", "GET", q+"&unit="+apptest.UnitID(t, e.App, "东城市税务局"), nil); types(out)[0] != "case" || len(types(out)) != 1 {
		t.Errorf("unit filter to 东城市税务局 (the notice and course are the city's): %v", types(out))
	}
	if out := e.Must(200, "staff.east.tax", "GET", q+"&from=2000-01-01&to=2000-12-31", nil); out["totalItems"] != float64(0) {
		t.Errorf("date range in 2000: %v", out["totalItems"])
	}
	e.Must(403, "admin.sys", "GET", q, nil)
	e.Must(401, "", "GET", q, nil)
	for param, field := range map[string]string{"": "q", "&type=film": "type", "&unit=nounit00000001": "unit", "&sort=hot": "sort", "&from=tomorrow": "from",
		"&from=2026-02-01&to=2026-01-01": "to"} {
		path := q + param
		if field == "q" {
			path = "/api/gov/search?q=%20"
		}
		if code, _, raw := e.Call("staff.east.tax", "GET", path, nil); code != 400 || !strings.Contains(string(raw), `"`+field+`":{`) {
			t.Errorf("%s: %d %s", param, code, raw)
		}
	}
}

// TestUnifiedSearchFollowsSaves: a course's new title is found at once and
// its old one no longer (indexed in the transaction of the save); a
// document's number is searchable.
func TestUnifiedSearchFollowsSaves(t *testing.T) {
	e := world(t)
	var id string
	if err := e.App.DB().NewQuery("SELECT id FROM courses WHERE title = {:t}").Bind(map[string]any{"t": word + "安全培训"}).Row(&id); err != nil {
		t.Fatal(err)
	}
	e.Must(200, "leader.east", "PATCH", "/api/gov/courses/"+id, map[string]any{"title": "翡翠栈桥安全培训"})
	if f := facets(e.Must(200, "staff.east.tax", "GET", "/api/gov/search?q="+url.QueryEscape(word), nil)); f["course"] != 0 {
		t.Errorf("the old title still finds the course: %v", f)
	}
	if f := facets(e.Must(200, "staff.east.tax", "GET", "/api/gov/search?q="+url.QueryEscape("翡翠栈桥"), nil)); f["course"] != 1 {
		t.Errorf("the new title does not: %v", f)
	}
	var num string
	if err := e.App.DB().NewQuery("SELECT number FROM docs WHERE number != '' LIMIT 1").Row(&num); err != nil {
		t.Fatal(err)
	}
	if f := facets(e.Must(200, "leader.east", "GET", "/api/gov/search?q="+url.QueryEscape(num), nil)); f["doc"] == 0 {
		t.Errorf("a document number %q finds nothing for leader.east", num)
	}
}

// TestUnifiedSearchFolds: a course titled in 繁體 with full-width digits is
// found by a 简体 query and by half-width digits, and the reverse.
func TestUnifiedSearchFolds(t *testing.T) {
	e := apptest.NewEnv(t)
	start := time.Now().Add(48 * time.Hour)
	for _, title := range []string{"營業執照辦理實務（第２０２６期）", "社会保险经办规范"} {
		e.Must(201, "leader.east", "POST", "/api/gov/courses", map[string]any{"title": title, "category": "业务知识", "mode": "面授",
			"hours": 2, "publish": true, "sessions": []map[string]any{{"starts_at": start.Format(time.RFC3339), "ends_at": start.Add(time.Hour).Format(time.RFC3339)}},
			"audience": map[string]any{"units": []map[string]any{{"id": apptest.UnitID(t, e.App, "东城市人民政府"), "subtree": true}}}})
	}
	for q, want := range map[string]string{"营业执照 2026": "營業執照辦理實務（第２０２６期）", "社會保險": "社会保险经办规范"} {
		out := e.Must(200, "staff.east.tax", "GET", "/api/gov/search?type=course&q="+url.QueryEscape(q), nil)
		items := out["items"].([]any)
		if len(items) != 1 || items[0].(map[string]any)["title"] != want {
			t.Errorf("%q found %v, want %q", q, items, want)
			continue
		}
		if spans := fmt.Sprint(items[0].(map[string]any)["title_spans"]); !strings.Contains(spans, "hit:true") {
			t.Errorf("%q: nothing marked in %s", q, spans)
		}
	}
}

// TestSynonyms: the default list widens a query (社保 finds 社会保险, the
// synonym marked too); only the system administrator reads and replaces
// the list (audited), a bad group is refused naming it, and a new list
// works at once.
func TestSynonyms(t *testing.T) {
	e := apptest.NewEnv(t)
	start := time.Now().Add(48 * time.Hour)
	e.Must(201, "leader.east", "POST", "/api/gov/courses", map[string]any{"title": "社会保险经办规范", "category": "业务知识", "mode": "面授",
		"hours": 2, "publish": true, "sessions": []map[string]any{{"starts_at": start.Format(time.RFC3339), "ends_at": start.Add(time.Hour).Format(time.RFC3339)}},
		"audience": map[string]any{"units": []map[string]any{{"id": apptest.UnitID(t, e.App, "东城市人民政府"), "subtree": true}}}})
	found := func(q string) int {
		return len(e.Must(200, "staff.east.tax", "GET", "/api/gov/search?type=course&q="+url.QueryEscape(q), nil)["items"].([]any))
	}
	e.Must(200, "admin.sys", "PUT", "/api/gov/search/synonyms", map[string]any{"groups": [][]string{{"社保", "社会保险"}}})
	out := e.Must(200, "staff.east.tax", "GET", "/api/gov/search?type=course&q="+url.QueryEscape("社保"), nil)
	if items := out["items"].([]any); len(items) != 1 || !strings.Contains(fmt.Sprint(items[0].(map[string]any)["title_spans"]), "hit:true") {
		t.Fatalf("社保 does not find 社会保险 (marked): %v", items)
	}
	if got := e.Must(200, "admin.sys", "GET", "/api/gov/search/synonyms", nil); !strings.Contains(fmt.Sprint(got["groups"]), "社保") {
		t.Errorf("the list: %v", got)
	}
	for _, who := range []string{"staff.east.tax", "leader.prov", "admin.sec", "admin.audit"} {
		e.Must(403, who, "GET", "/api/gov/search/synonyms", nil)
		e.Must(403, who, "PUT", "/api/gov/search/synonyms", map[string]any{"groups": [][]string{}})
	}
	for _, bad := range [][]string{{"社保"}, {"社保", "社 保"}, {"社保", "社保"}, {"社会保险", "社會保險"}} {
		if code, _, raw := e.Call("admin.sys", "PUT", "/api/gov/search/synonyms", map[string]any{"groups": [][]string{{"营商", "营商环境"}, bad}}); code != 400 ||
			!strings.Contains(string(raw), `"groups[1]":{`) {
			t.Errorf("%v: %d %s", bad, code, raw)
		}
	}
	if found("社保") != 1 {
		t.Errorf("a refused list changed the one in force")
	}
	e.Must(200, "admin.sys", "PUT", "/api/gov/search/synonyms", map[string]any{"groups": [][]string{{"经办", "办理"}}})
	if found("社保") != 0 || found("办理") != 1 {
		t.Errorf("the new list is not in force: 社保 %d, 办理 %d", found("社保"), found("办理"))
	}
	var audited int
	_ = e.App.DB().NewQuery("SELECT COUNT(*) FROM audit_log WHERE action = 'search.synonyms'").Row(&audited)
	if audited != 2 {
		t.Errorf("%d synonym changes audited, want 2", audited)
	}
}

// TestSuggestAndRecent: while typing, the titles (and case tags) the
// person may see; another city's staff get none of them; the last ten
// searches are kept per person, newest first, and can be cleared.
func TestSuggestAndRecent(t *testing.T) {
	e := world(t)
	sug := func(user, q string) []map[string]any {
		var out []map[string]any
		for _, it := range e.Must(200, user, "GET", "/api/gov/search/suggest?q="+url.QueryEscape(q), nil)["items"].([]any) {
			out = append(out, it.(map[string]any))
		}
		return out
	}
	got := sug("staff.east.tax", "琥珀")
	var titles, tags int
	for _, s := range got {
		switch s["kind"] {
		case "title":
			titles++
			if !strings.Contains(s["text"].(string), word) || !strings.HasPrefix(s["link"].(string), "#/") {
				t.Errorf("title suggestion %v", s)
			}
		case "tag":
			tags++
			if s["text"] != word+"管护" {
				t.Errorf("tag suggestion %v", s)
			}
		}
	}
	if titles != 3 || tags != 1 {
		t.Errorf("staff.east.tax: %d titles, %d tags: %v", titles, tags, got)
	}
	if got := sug("staff.west.tax", "琥珀"); len(got) != 0 {
		t.Errorf("another city: %v", got)
	}
	if got := sug("staff.east.tax", " 。"); len(got) != 0 {
		t.Errorf("nothing typed: %v", got)
	}
	e.Must(403, "admin.sys", "GET", "/api/gov/search/suggest?q=abc", nil)

	for i := range 12 {
		e.Must(200, "staff.east.tax", "GET", "/api/gov/search?q="+url.QueryEscape(fmt.Sprintf("查询%d", i)), nil)
	}
	e.Must(200, "staff.east.tax", "GET", "/api/gov/search?q="+url.QueryEscape("查询3"), nil) // again: now the newest
	recent := e.Must(200, "staff.east.tax", "GET", "/api/gov/search/recent", nil)["items"].([]any)
	if len(recent) != 10 || recent[0] != "查询3" || recent[1] != "查询11" {
		t.Errorf("recent: %v", recent)
	}
	if other := e.Must(200, "staff.west.tax", "GET", "/api/gov/search/recent", nil)["items"].([]any); len(other) != 0 {
		t.Errorf("someone else's recent searches: %v", other)
	}
	e.Must(204, "staff.east.tax", "DELETE", "/api/gov/search/recent", nil)
	if recent := e.Must(200, "staff.east.tax", "GET", "/api/gov/search/recent", nil)["items"].([]any); len(recent) != 0 {
		t.Errorf("after clearing: %v", recent)
	}
	e.Must(401, "", "GET", "/api/gov/search/recent", nil)
}
