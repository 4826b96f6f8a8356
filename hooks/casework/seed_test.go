package casework_test

import (
	"testing"
)

// TestDemoCases: the demo province has cases at every scope, from several
// units and levels, in every state a new user should see, with talk.
func TestDemoCases(t *testing.T) {
	e := newEnv(t)
	count := func(sql string) int {
		var n int
		if err := e.app.DB().NewQuery(sql).Row(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := count("SELECT COUNT(DISTINCT scope) FROM cases WHERE live = 'published'"); n != 4 {
		t.Errorf("published scopes: %d", n)
	}
	if n := count("SELECT COUNT(DISTINCT unit) FROM cases WHERE live = 'published'"); n < 4 {
		t.Errorf("publishing units: %d", n)
	}
	if n := count("SELECT COUNT(DISTINCT u.level) FROM cases c JOIN units u ON u.id = c.unit"); n < 3 {
		t.Errorf("levels: %d", n)
	}
	for _, st := range []string{"draft", "submitted", "returned"} {
		if n := count("SELECT COUNT(*) FROM cases WHERE status = '" + st + "'"); n < 1 {
			t.Errorf("no %s case", st)
		}
	}
	if count("SELECT COUNT(*) FROM case_comments") < 2 || count("SELECT COUNT(*) FROM case_votes") < 2 {
		t.Error("no comments or votes")
	}
	// the search index holds exactly the published ones
	if a, b := count("SELECT COUNT(*) FROM search_docs WHERE doc_type = 'case'"), count("SELECT COUNT(*) FROM cases WHERE live = 'published'"); a != b {
		t.Errorf("indexed %d, published %d", a, b)
	}
	// a reader of another city finds the all-government case by search
	out := e.must(200, "staff.west.tax", "GET", "/api/gov/cases?q=%E7%A8%8E%E5%8A%A1%E7%99%BB%E8%AE%B0", nil)
	if out["totalItems"].(float64) < 1 {
		t.Errorf("search 税务登记: %v", out)
	}
}
