package search_test

import (
	"slices"
	"testing"

	"github.com/pocketbase/pocketbase/core"

	"govcollab/hooks/search"
)

// TestBulkIndexesAsIndexDoes: the corpus indexed in bulk (twice: the
// second time replaces) is found exactly as when indexed doc by doc, and
// newest first in the same order.
func TestBulkIndexesAsIndexDoes(t *testing.T) {
	app := corpusApp(t)
	err := app.RunInTransaction(func(tx core.App) error {
		for round := range 2 {
			bk := search.NewBulk(tx, "bulk")
			for _, d := range corpus {
				if err := bk.Add(d.id, search.Doc{Title: d.title, Body: d.body}); err != nil {
					return err
				}
				if round == 1 && d.id == corpus[0].id {
					if err := bk.Add(d.id, search.Doc{Title: d.title, Body: d.body}); err != nil { // twice in one batch
						return err
					}
				}
			}
			if err := bk.Flush(); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var n int
	_ = app.DB().NewQuery("SELECT COUNT(*) FROM search_docs WHERE doc_type = 'bulk'").Row(&n)
	if n != len(corpus) {
		t.Fatalf("%d bulk docs, want %d", n, len(corpus))
	}
	for _, q := range []string{"营", "营业执照", "社保 缴费", "2024"} {
		one, err := search.Search(app, search.Query{DocType: "cases", Text: q, Table: "t_docs", PerPage: 100})
		if err != nil {
			t.Fatal(err)
		}
		bulk, err := search.Search(app, search.Query{DocType: "bulk", Text: q, Table: "t_docs", PerPage: 100})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(sorted(ids(one)), sorted(ids(bulk))) || one.TotalItems != bulk.TotalItems {
			t.Errorf("%q: one by one %v, in bulk %v", q, ids(one), ids(bulk))
		}
	}
}
