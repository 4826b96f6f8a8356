package search_test

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"govcollab/hooks/search"
)

func ids(res *search.Result) []string {
	out := []string{}
	for _, h := range res.Hits {
		out = append(out, h.ID)
	}
	return out
}

func sorted(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return s
}

// oracle is what a query must find: docs whose title or body contains
// every query term (whole words for Latin/digits, as the index cuts them).
func oracle(q string, keep func(i int) bool) []string {
	out := []string{}
	for i, d := range corpus {
		if keep != nil && !keep(i) {
			continue
		}
		all := true
		for _, term := range search.QueryTokens(q) {
			if !hasTerm(d.title, term) && !hasTerm(d.body, term) {
				all = false
			}
		}
		if all {
			out = append(out, d.id)
		}
	}
	return out
}

func hasTerm(text, term string) bool {
	return slices.ContainsFunc(search.Highlight(text, term), func(s search.Span) bool { return s.Hit })
}

func TestSearchFindsExactly(t *testing.T) {
	app := corpusApp(t)
	cases := []struct {
		q    string
		want string
	}{
		{"营", "c01 c02 c03 c05 c08 c11 c12 c14 c20 c21 c24 c27 c30"},
		{"营业", "c01 c02 c05 c08 c11 c12 c20 c24 c30"},
		{"许可证", "c03 c08 c16 c21 c27"},
		{"营业执照", "c01 c02 c05 c08 c12 c20 c30"}, // not c11: 营业 … 执照 apart
		{"行政许可", "c06 c22 c28"},                 // not c15 (行政处罚)
		{"食品经营许可证", "c03 c08 c27"},              // not c14 (食品经营单位), c21 (药品经营许可证)
		{"个体工商户", "c01 c09 c13 c23"},
		{"税务登记", "c05 c07 c20"}, // not c17 (税务、水电气)
		{"社保缴费", "c04 c07 c19"}, // phrase: not c10 (社保关系…缴费)
		{"社保 缴费", "c04 c07 c10 c19"},
		{"营业执照 2024", "c20"},
		{"2024", "c04 c13 c20 c26"},
		{"2024年", "c04 c13 c20 c26"},
		{"ＩＣＰ", "c30"},
		{"icp 备案", "c30"},
		{"app", "c19"},
		{"营业执照，2024！", "c20"},
		{"不存在的词", ""},
	}
	for _, c := range cases {
		want := strings.Fields(c.want)
		if want == nil {
			want = []string{}
		}
		if o := oracle(c.q, nil); !slices.Equal(o, want) {
			t.Errorf("%q: test expectation %v disagrees with the oracle %v", c.q, want, o)
		}
		res, err := search.Search(app, search.Query{DocType: "cases", Text: c.q, Table: "t_docs", PerPage: 100})
		if err != nil {
			t.Fatalf("%q: %v", c.q, err)
		}
		if got := sorted(ids(res)); !slices.Equal(got, want) || res.TotalItems != len(want) {
			t.Errorf("%q: got %v (total %d), want %v", c.q, got, res.TotalItems, want)
		}
	}
	for _, q := range []string{"", "  ", "，。！？“”"} {
		if _, err := search.Search(app, search.Query{DocType: "cases", Text: q, Table: "t_docs"}); !errors.Is(err, search.ErrEmptyQuery) {
			t.Errorf("%q: err %v, want ErrEmptyQuery", q, err)
		}
	}
}

func TestSearchRanksTitleAboveBody(t *testing.T) {
	app := corpusApp(t)
	for q, titled := range map[string][]string{
		"个体工商户": {"c01", "c09"},                      // c13, c23: body only
		"社保缴费":  {"c04", "c19"},                      // c07: body only
		"营业执照":  {"c01", "c02", "c05", "c12", "c30"}, // c08, c20: body only
	} {
		res, err := search.Search(app, search.Query{DocType: "cases", Text: q, Table: "t_docs"})
		if err != nil {
			t.Fatal(err)
		}
		got := ids(res)
		if top := sorted(got[:len(titled)]); !slices.Equal(top, titled) {
			t.Errorf("%q: order %v, want title hits %v first", q, got, titled)
		}
		for i := 1; i < len(res.Hits); i++ {
			if res.Hits[i].Rank < res.Hits[i-1].Rank {
				t.Errorf("%q: ranks not ascending: %v", q, res.Hits)
			}
		}
	}
}

func TestSearchPagesAndTotal(t *testing.T) {
	app := corpusApp(t)
	want := oracle("营", nil) // 13 docs
	var seen []string
	for page := 1; page <= 4; page++ {
		res, err := search.Search(app, search.Query{DocType: "cases", Text: "营", Table: "t_docs", Page: page, PerPage: 5})
		if err != nil {
			t.Fatal(err)
		}
		if res.TotalItems != len(want) || res.TotalPages != 3 || res.Page != page || res.PerPage != 5 {
			t.Fatalf("page %d: %+v", page, res)
		}
		if n := min(5, max(len(want)-(page-1)*5, 0)); len(res.Hits) != n {
			t.Fatalf("page %d has %d hits, want %d", page, len(res.Hits), n)
		}
		seen = append(seen, ids(res)...)
	}
	if !slices.Equal(sorted(seen), want) {
		t.Errorf("pages together %v, want %v (each once)", seen, want)
	}
}

func TestSearchFilterInsideSQL(t *testing.T) {
	app := corpusApp(t)
	u1 := func(i int) bool { return i%2 == 0 }
	filters := map[string]dbx.Expression{
		// the shape policies.Authorizer.Filter returns: qualified by table
		"qualified": dbx.NewExp("[[t_docs.unit]] = {:unit}", dbx.Params{"unit": "u1"}),
		// unqualified columns resolve to the domain table, title included
		"unqualified": dbx.And(dbx.HashExp{"unit": "u1"}, dbx.NewExp("title IS NOT NULL")),
	}
	for name, f := range filters {
		for _, q := range []string{"营", "营业执照", "社保 缴费", "2024"} {
			want := oracle(q, u1)
			res, err := search.Search(app, search.Query{DocType: "cases", Text: q, Table: "t_docs", Filter: f, PerPage: 3})
			if err != nil {
				t.Fatalf("%s %q: %v", name, q, err)
			}
			if res.TotalItems != len(want) || len(res.Hits) != min(3, len(want)) {
				t.Errorf("%s %q: total %d, %d hits; want %v", name, q, res.TotalItems, len(res.Hits), want)
			}
			for _, id := range ids(res) {
				if !slices.Contains(want, id) {
					t.Errorf("%s %q: hidden doc %s returned", name, q, id)
				}
			}
		}
	}
	// an alias works with filters written against it
	res, err := search.Search(app, search.Query{DocType: "cases", Text: "营业执照", Table: "t_docs", Alias: "c",
		Filter: dbx.NewExp("[[c.unit]] = 'u2'"), Select: []string{"c.id", "c.title"}})
	if err != nil {
		t.Fatal(err)
	}
	if got := sorted(ids(res)); !slices.Equal(got, oracle("营业执照", func(i int) bool { return i%2 == 1 })) {
		t.Errorf("alias filter: %v", got)
	}
	if res.Hits[0].Row["title"].String == "" {
		t.Errorf("selected title missing: %v", res.Hits[0].Row)
	}
	// a filter that hides everything
	res, err = search.Search(app, search.Query{DocType: "cases", Text: "营", Table: "t_docs", Filter: dbx.NewExp("0=1")})
	if err != nil || res.TotalItems != 0 || len(res.Hits) != 0 {
		t.Errorf("0=1 filter: %+v %v", res, err)
	}
}

// TestSearchVisInsideMatch: a Vis filter (visibility tokens stored with
// each doc) narrows inside the MATCH exactly as the same filter in SQL
// does, alone or with a Filter; typed words never match the tokens; and
// another doc type's docs are never found.
func TestSearchVisInsideMatch(t *testing.T) {
	app := corpusApp(t)
	err := app.RunInTransaction(func(tx core.App) error {
		for i, d := range corpus {
			if err := search.Index(tx, "cases", d.id, search.Doc{Title: d.title, Body: d.body, Vis: []string{"zu" + unitOf(i)}}); err != nil {
				return err
			}
			// the same text under another doc type, visible to all
			if err := search.Index(tx, "other", d.id, search.Doc{Title: d.title, Body: d.body, Vis: []string{"zuu1", "zuu2"}}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	u1 := func(i int) bool { return i%2 == 0 }
	for _, q := range []string{"营", "营业执照", "社保 缴费", "2024", "许可证"} {
		want := oracle(q, u1)
		for name, query := range map[string]search.Query{
			"vis":        {DocType: "cases", Text: q, Table: "t_docs", Vis: "zuu1", PerPage: 3},
			"vis+filter": {DocType: "cases", Text: q, Table: "t_docs", Vis: "zuu1 OR zuu2", Filter: dbx.HashExp{"unit": "u1"}, PerPage: 3},
		} {
			res, err := search.Search(app, query)
			if err != nil {
				t.Fatalf("%s %q: %v", name, q, err)
			}
			if res.TotalItems != len(want) || len(res.Hits) != min(3, len(want)) {
				t.Errorf("%s %q: total %d, %d hits; want %v", name, q, res.TotalItems, len(res.Hits), want)
			}
			for _, id := range ids(res) {
				if !slices.Contains(want, id) {
					t.Errorf("%s %q: hidden doc %s returned", name, q, id)
				}
			}
		}
	}
	for _, q := range []string{"zuu1", "zany", "zt6361736573"} {
		res, err := search.Search(app, search.Query{DocType: "cases", Text: q, Table: "t_docs"})
		if err != nil || res.TotalItems != 0 {
			t.Errorf("typed %q matched the tokens: %+v %v", q, res, err)
		}
	}
	res, err := search.Search(app, search.Query{DocType: "cases", Text: "营业执照", Table: "t_docs", Vis: "zuu9"})
	if err != nil || res.TotalItems != 0 || len(res.Hits) != 0 {
		t.Errorf("a token no doc has: %+v %v", res, err)
	}
}

// TestSearchInTransaction: inside a transaction (one connection) the count
// and the page run one after the other, and answer as outside it.
func TestSearchInTransaction(t *testing.T) {
	app := corpusApp(t)
	out, err := search.Search(app, search.Query{DocType: "cases", Text: "营业执照", Table: "t_docs", PerPage: 2, Page: 2})
	if err != nil {
		t.Fatal(err)
	}
	err = app.RunInTransaction(func(tx core.App) error {
		in, err := search.Search(tx, search.Query{DocType: "cases", Text: "营业执照", Table: "t_docs", PerPage: 2, Page: 2})
		if err != nil {
			return err
		}
		if in.TotalItems != out.TotalItems || !slices.Equal(ids(in), ids(out)) || len(ids(in)) != 2 {
			t.Errorf("in a transaction %d %v, outside %d %v", in.TotalItems, ids(in), out.TotalItems, ids(out))
		}
		past, err := search.Search(tx, search.Query{DocType: "cases", Text: "营业执照", Table: "t_docs", PerPage: 2, Page: 99})
		if err != nil || len(past.Hits) != 0 || past.TotalItems != out.TotalItems {
			t.Errorf("past the end in a transaction: %+v %v", past, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
