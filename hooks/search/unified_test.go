package search_test

import (
	"slices"
	"testing"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"govcollab/hooks/search"
)

// TestUnifiedFindsExactly: two doc types searched as one list, each under
// its own filter (the same parameter name in both), find exactly what each
// type's own search finds; the facets are each type's count; pages are
// disjoint and cover the list; by date the list is newest first.
func TestUnifiedFindsExactly(t *testing.T) {
	app := corpusApp(t)
	exec(t, app, "CREATE TABLE t_notes (id TEXT PRIMARY KEY, unit TEXT NOT NULL, title TEXT, body TEXT)", nil)
	err := app.RunInTransaction(func(tx core.App) error {
		for i, d := range corpus {
			exec(t, tx, "INSERT INTO t_notes (id, unit, title, body) VALUES ({:id}, {:u}, {:t}, {:b})",
				dbx.Params{"id": "n" + d.id, "u": unitOf(i), "t": d.title, "b": d.body})
			if err := search.Index(tx, "notes", "n"+d.id, search.Doc{Title: d.title, Body: d.body, Vis: []string{"zu" + unitOf(i)}}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	parts := []search.Part{
		{DocType: "cases", Table: "t_docs", Filter: dbx.NewExp("[[t_docs.unit]] = {:unit}", dbx.Params{"unit": "u1"})},
		{DocType: "notes", Table: "t_notes", Filter: dbx.NewExp("[[t_notes.unit]] = {:unit}", dbx.Params{"unit": "u2"})},
	}
	withVis := []search.Part{parts[0], {DocType: "notes", Table: "t_notes", Vis: `"zuu2"`}}
	for _, q := range []string{"营", "营业执照", "社保 缴费", "2024"} {
		cases := oracle(q, func(i int) bool { return unitOf(i) == "u1" })
		var notes []string
		for _, id := range oracle(q, func(i int) bool { return unitOf(i) == "u2" }) {
			notes = append(notes, "n"+id)
		}
		want := sorted(append(slices.Clone(cases), notes...))
		for name, ps := range map[string][]search.Part{"filters": parts, "vis": withVis} {
			var got []string
			for page := 1; ; page++ {
				res, err := search.Unified(app, q, ps, ps, page, 3, false)
				if err != nil {
					t.Fatalf("%s %q: %v", name, q, err)
				}
				if res.Facets["cases"] != len(cases) || res.Facets["notes"] != len(notes) || res.TotalItems != len(want) {
					t.Errorf("%s %q: facets %v total %d, want %d + %d", name, q, res.Facets, res.TotalItems, len(cases), len(notes))
				}
				if len(res.Hits) == 0 {
					break
				}
				for _, h := range res.Hits {
					got = append(got, h.ID)
				}
			}
			if !slices.Equal(sorted(got), want) || len(got) != len(want) {
				t.Errorf("%s %q: found %v, want %v", name, q, sorted(got), want)
			}
		}
		// by date: newest indexed first (the notes were indexed last)
		res, err := search.Unified(app, q, parts, parts, 1, 100, true)
		if err != nil {
			t.Fatal(err)
		}
		if len(notes) > 0 && len(res.Hits) > 0 && res.Hits[0].DocType != "notes" {
			t.Errorf("%q by date starts with %v", q, res.Hits[0])
		}
	}
	// a type the caller may not search at all is simply not a part
	res, err := search.Unified(app, "营", parts[:1], parts[:1], 1, 100, false)
	if err != nil || res.Facets["notes"] != 0 || slices.ContainsFunc(res.Hits, func(h search.UnifiedHit) bool { return h.DocType == "notes" }) {
		t.Errorf("one part: %v %v", res, err)
	}
	// a type filter narrows the list, not the facets
	res, err = search.Unified(app, "营", parts, parts[1:], 1, 100, false)
	if err != nil || res.Facets["cases"] == 0 || slices.ContainsFunc(res.Hits, func(h search.UnifiedHit) bool { return h.DocType == "cases" }) {
		t.Errorf("listing notes only: %v %v", res, err)
	}
	if _, err := search.Unified(app, "  ", parts, parts, 1, 10, false); err != search.ErrEmptyQuery {
		t.Errorf("empty query: %v", err)
	}
}
