package search_test

import (
	"fmt"
	"slices"
	"testing"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"govcollab/hooks/search"
)

// TestSearchTotalCapped: over more than search.MaxTotal matches, totals
// are exact below the cap and capped (with the flag) above it; the Filter
// is applied before counting and ranking, so no row of another unit is
// ever returned or counted; pages across rank windows stay disjoint.
func TestSearchTotalCapped(t *testing.T) {
	app := corpusApp(t)
	n := search.MaxTotal + 2000
	unit := func(i int) string { // u1 a third, u2 two thirds
		if i%3 == 0 {
			return "u1"
		}
		return "u2"
	}
	err := app.RunInTransaction(func(tx core.App) error {
		for i := range n {
			id, body := fmt.Sprintf("k%05d", i), "申请行政许可"
			if i%3 != 0 {
				body += "，办理延续"
			}
			exec(t, tx, "INSERT INTO t_docs (id, unit, title, body) VALUES ({:id}, {:u}, '', {:b})",
				dbx.Params{"id": id, "u": unit(i), "b": body})
			if err := search.Index(tx, "capped", id, search.Doc{Body: body}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, q, unit string
		total         int
		capped        bool
	}{
		{"one unit, under the cap", "许可", "u1", n / 3, false},
		{"other unit, under the cap", "许可", "u2", n - n/3, false},
		{"no filter, over the cap", "许可", "", search.MaxTotal, true},
		{"term only in the other unit", "延续", "u1", 0, false},
		{"term only in this unit", "延续", "u2", n - n/3, false},
	}
	for _, c := range cases {
		q := search.Query{DocType: "capped", Text: c.q, Table: "t_docs", PerPage: 100}
		if c.unit != "" {
			q.Filter = dbx.HashExp{"unit": c.unit}
		}
		res, err := search.Search(app, q)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if res.TotalItems != c.total || res.TotalCapped != c.capped || res.TotalPages != (c.total+99)/100 {
			t.Errorf("%s: total %d capped %v pages %d, want %d %v", c.name, res.TotalItems, res.TotalCapped, res.TotalPages, c.total, c.capped)
		}
		if len(res.Hits) != min(100, c.total) {
			t.Errorf("%s: %d hits", c.name, len(res.Hits))
		}
		for _, h := range res.Hits {
			if c.unit != "" && h.Row["unit"].String != c.unit {
				t.Fatalf("%s: %s of unit %s returned", c.name, h.ID, h.Row["unit"].String)
			}
		}
	}
	// pages of 30 across the first rank windows: disjoint, all visible, and
	// together exactly the newest matches of the unit
	var seen []string
	perPage := 30
	pages := 3*search.RankWindow/perPage + 1
	for page := 1; page <= pages; page++ {
		res, err := search.Search(app, search.Query{DocType: "capped", Text: "许可", Table: "t_docs",
			Filter: dbx.HashExp{"unit": "u1"}, Page: page, PerPage: perPage})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Hits) != perPage || res.TotalItems != n/3 {
			t.Fatalf("page %d: %d hits, total %d", page, len(res.Hits), res.TotalItems)
		}
		for _, h := range res.Hits {
			if h.Row["unit"].String != "u1" {
				t.Fatalf("page %d: %s of unit %s returned", page, h.ID, h.Row["unit"].String)
			}
			seen = append(seen, h.ID)
		}
	}
	var want []string
	for i := n - 1; len(want) < len(seen); i-- {
		if unit(i) == "u1" {
			want = append(want, fmt.Sprintf("k%05d", i))
		}
	}
	if got := sorted(seen); !slices.Equal(slices.Compact(slices.Clone(got)), got) || !slices.Equal(got, sorted(want)) {
		t.Errorf("pages together are not the newest %d matches, each once", len(want))
	}
}
