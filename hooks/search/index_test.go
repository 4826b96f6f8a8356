package search_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/cron"

	"govcollab/hooks/search"
)

func find(t *testing.T, app core.App, docType, q string) []string {
	t.Helper()
	res, err := search.Search(app, search.Query{DocType: docType, Text: q, Table: "t_docs", PerPage: 100})
	if err != nil {
		t.Fatal(err)
	}
	return sorted(ids(res))
}

func TestIndexReplacesAndRemoves(t *testing.T) {
	app := corpusApp(t)
	if err := search.Index(app, "cases", "c02", search.Doc{Title: "印章遗失补刻", Tags: []string{"印章", "补刻"}}); err != nil {
		t.Fatal(err)
	}
	if got := find(t, app, "cases", "营业执照"); slices.Contains(got, "c02") {
		t.Errorf("old text of c02 still found: %v", got)
	}
	if got := find(t, app, "cases", "补刻"); !slices.Equal(got, []string{"c02"}) {
		t.Errorf("new text: %v", got)
	}
	if err := search.Remove(app, "cases", "c03"); err != nil {
		t.Fatal(err)
	}
	if got := find(t, app, "cases", "食品经营许可证"); !slices.Equal(got, []string{"c08", "c27"}) {
		t.Errorf("after Remove: %v", got)
	}
	if err := search.Remove(app, "cases", "c03"); err != nil {
		t.Errorf("second Remove: %v", err)
	}
	// the same id under another doc type is another document
	if err := search.Index(app, "notices", "c05", search.Doc{Title: "关于印章管理的通知"}); err != nil {
		t.Fatal(err)
	}
	if got := find(t, app, "cases", "印章管理"); len(got) != 0 {
		t.Errorf("notice found as case: %v", got)
	}
	if got := find(t, app, "notices", "印章"); !slices.Equal(got, []string{"c05"}) {
		t.Errorf("notice: %v", got)
	}
	if got := find(t, app, "cases", "税务登记"); !slices.Contains(got, "c05") {
		t.Errorf("case c05 lost by the notice: %v", got)
	}
	var rows, fts int
	app.DB().NewQuery("SELECT COUNT(*) FROM search_docs").Row(&rows)
	app.DB().NewQuery("SELECT COUNT(*) FROM search_fts").Row(&fts)
	if rows != len(corpus) || fts != rows { // 30 - c03 + notice
		t.Errorf("search_docs %d rows, search_fts %d, want %d", rows, fts, len(corpus))
	}
	// a failed transaction leaves the index as it was
	_ = app.RunInTransaction(func(tx core.App) error {
		if err := search.Index(tx, "cases", "c01", search.Doc{Title: "回滚"}); err != nil {
			t.Fatal(err)
		}
		return errRollback
	})
	if got := find(t, app, "cases", "个体工商户"); !slices.Contains(got, "c01") {
		t.Errorf("rolled-back Index changed c01: %v", got)
	}
	if err := search.Index(app, "", "x", search.Doc{}); err == nil {
		t.Error("Index without doc type")
	}
}

var errRollback = &rollback{}

type rollback struct{}

func (*rollback) Error() string { return "rollback" }

// TestStoredTokensStayWhole reads the FTS vocabulary back: every term
// SQLite stored is one of our tokens (a bigram was not split in two).
func TestStoredTokensStayWhole(t *testing.T) {
	app := corpusApp(t)
	exec(t, app, "CREATE VIRTUAL TABLE t_vocab USING fts5vocab('search_fts', 'col')", nil)
	var terms, vis []string
	if err := app.DB().NewQuery("SELECT DISTINCT term FROM t_vocab WHERE col != 'vis'").Column(&terms); err != nil {
		t.Fatal(err)
	}
	// the vis column holds the doc type's word (the corpus has no Vis)
	if err := app.DB().NewQuery("SELECT DISTINCT term FROM t_vocab WHERE col = 'vis'").Column(&vis); err != nil {
		t.Fatal(err)
	}
	if len(vis) != 1 || !strings.HasPrefix(vis[0], "zt") {
		t.Errorf("vis column terms %v, want the doc type's word", vis)
	}
	want := map[string]bool{}
	for _, d := range corpus {
		for _, tok := range search.Tokenize(d.title + "\n" + d.body) {
			want[tok] = true
		}
	}
	if len(terms) != len(want) {
		t.Errorf("%d stored terms, %d tokens", len(terms), len(want))
	}
	for _, term := range terms {
		if !want[term] {
			t.Errorf("stored term %q is not one of our tokens", term)
		}
	}
}

// TestRecords answers records of a collection, in rank order.
func TestRecords(t *testing.T) {
	app := corpusApp(t)
	c := core.NewBaseCollection("t_cases")
	c.Fields.Add(&core.TextField{Name: "title"}, &core.TextField{Name: "unit"})
	if err := app.Save(c); err != nil {
		t.Fatal(err)
	}
	for i, d := range corpus[:10] {
		r := core.NewRecord(c)
		r.Set("title", d.title)
		r.Set("unit", unitOf(i))
		if err := app.Save(r); err != nil {
			t.Fatal(err)
		}
		if err := search.Index(app, "t_cases", r.Id, search.Doc{Title: d.title, Body: d.body}); err != nil {
			t.Fatal(err)
		}
	}
	recs, res, err := search.Records(app, search.Query{DocType: "t_cases", Text: "营业执照", Table: "t_cases",
		Filter: dbx.HashExp{"unit": "u1"}})
	if err != nil {
		t.Fatal(err)
	}
	// u1 among c01..c10 with 营业执照: c01, c05 (titles)
	if len(recs) != 2 || res.TotalItems != 2 || !strings.Contains(recs[0].GetString("title"), "营业执照") {
		t.Errorf("Records: %d recs, %+v", len(recs), res)
	}
}

// TestOptimize: the nightly merge keeps every answer, and is scheduled.
func TestOptimize(t *testing.T) {
	app := corpusApp(t)
	before, err := search.Search(app, search.Query{DocType: "cases", Text: "营业执照", Table: "t_docs", PerPage: 100})
	if err != nil {
		t.Fatal(err)
	}
	if err := search.Optimize(app); err != nil {
		t.Fatal(err)
	}
	after, err := search.Search(app, search.Query{DocType: "cases", Text: "营业执照", Table: "t_docs", PerPage: 100})
	if err != nil {
		t.Fatal(err)
	}
	if before.TotalItems == 0 || after.TotalItems != before.TotalItems || !slices.Equal(ids(after), ids(before)) {
		t.Errorf("optimize changed the answer: %v → %v", ids(before), ids(after))
	}
	search.Schedule(app)
	if !slices.ContainsFunc(app.Cron().Jobs(), func(j *cron.Job) bool { return j.Id() == "govSearchOptimize" }) {
		t.Error("the nightly merge is not scheduled")
	}
}
