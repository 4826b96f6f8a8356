package casework_test

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/pocketbase/pocketbase/core"

	"govcollab/hooks/apptest"
	"govcollab/hooks/casework"
	"govcollab/hooks/search"
)

// TestSearchFollowsVisibility: search filters by the visibility tokens
// stored in the index; they follow a case whose scope changes by any save,
// and cases whose unit moves to another city (paths rewritten in bulk).
func TestSearchFollowsVisibility(t *testing.T) {
	e := newEnv(t)
	e.clearCases()
	id := str(e.must(200, "staff.east.county1", http.MethodPost, "/api/gov/cases", map[string]any{
		"title": "蓝莓种植补贴发放", "summary": "县里的做法", "body": "蓝莓种植户补贴当月发放。", "scope": "unit"})["id"])
	e.must(200, "staff.east.county1", http.MethodPost, "/api/gov/cases/"+id+"/submit", nil)
	e.must(200, "reviewer.prov", http.MethodPost, "/api/gov/cases/"+id+"/approve", nil)

	finds := func(user string) bool {
		t.Helper()
		out := e.must(200, user, http.MethodGet, "/api/gov/cases?q="+url.QueryEscape("蓝莓"), nil)
		if n := out["totalItems"].(float64); n != float64(len(out["items"].([]any))) {
			t.Errorf("%s: total %v for %d items", user, n, len(out["items"].([]any)))
		}
		return has(out, "items", id)
	}
	expect := func(step string, want map[string]bool) {
		t.Helper()
		for user, w := range want {
			if got := finds(user); got != w {
				t.Errorf("%s: %s finds the case: %v, want %v", step, user, got, w)
			}
		}
	}
	expect("published to its unit", map[string]bool{"staff.east.county1": true, "leader.east": true,
		"leader.west": false, "staff.west.tax": false, "staff.east.tax": false})

	rec, err := e.app.FindRecordById("cases", id)
	if err != nil {
		t.Fatal(err)
	}
	rec.Set("scope", "all")
	if err := e.app.Save(rec); err != nil {
		t.Fatal(err)
	}
	expect("scope widened to all", map[string]bool{"staff.west.tax": true, "staff.east.tax": true})
	rec.Set("scope", "unit")
	if err := e.app.Save(rec); err != nil {
		t.Fatal(err)
	}
	expect("scope narrowed again", map[string]bool{"staff.west.tax": false, "leader.east": true})

	// 甲县 moves under 西城市: its leader now oversees the case, 东城市's not
	county := apptest.UnitID(t, e.app, "东城市甲县人民政府")
	e.must(200, "admin.sys", http.MethodPost, "/api/gov/admin/units/"+county+"/move",
		map[string]string{"parent": apptest.UnitID(t, e.app, "西城市人民政府")})
	e.g.Authz.Invalidate()
	expect("unit moved to the west city", map[string]bool{"leader.west": true, "leader.east": false, "staff.east.county1": true})
}

// TestRebuildPending: after a migration asks for it, the start indexes
// every published case again (with its tokens) and clears the request.
func TestRebuildPending(t *testing.T) {
	e := newEnv(t)
	count := func(sql string) int {
		var n int
		if err := e.app.DB().NewQuery(sql).Row(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	published := count("SELECT COUNT(*) FROM cases WHERE live = 'published'")
	if published == 0 {
		t.Fatal("the demo has published cases")
	}
	for _, sql := range []string{"DELETE FROM search_fts", "DELETE FROM search_docs", "DELETE FROM search_state",
		"INSERT INTO search_state (key, value) VALUES ('rebuild', 'test')"} {
		if _, err := e.app.DB().NewQuery(sql).Execute(); err != nil {
			t.Fatal(err)
		}
	}
	rebuild := map[string]func(core.App) error{casework.DocType: e.g.Cases.Reindex}
	if err := search.RebuildPending(e.app, rebuild); err != nil {
		t.Fatal(err)
	}
	if n := count("SELECT COUNT(*) FROM search_docs WHERE doc_type = 'case' AND vis LIKE '% zany %'"); n != published {
		t.Errorf("%d cases indexed with tokens, %d published", n, published)
	}
	if n := count("SELECT COUNT(*) FROM search_state"); n != 0 {
		t.Errorf("the rebuild request is still there")
	}
	if out := e.must(200, "staff.west.tax", "GET", "/api/gov/cases?q=%E7%A8%8E%E5%8A%A1", nil); out["totalItems"].(float64) == 0 {
		t.Errorf("nothing found after the rebuild: %v", out)
	}
	// nothing asked: nothing done
	if _, err := e.app.DB().NewQuery("DELETE FROM search_docs").Execute(); err != nil {
		t.Fatal(err)
	}
	if err := search.RebuildPending(e.app, rebuild); err != nil || count("SELECT COUNT(*) FROM search_docs") != 0 {
		t.Errorf("rebuilt without a request: %v", err)
	}
}
