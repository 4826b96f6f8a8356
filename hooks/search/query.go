package search

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strings"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
)

// Paging bounds.
const (
	DefaultPerPage = 20
	MaxPerPage     = 100
	maxPage        = 10_000
)

// MaxTotal caps a total: counting stops past it and the Result says
// TotalCapped (the API's "totalItems may be capped at 10000").
const MaxTotal = 10_000

// RankWindow is how many matches are ranked together. The visible matches,
// newest first (the order of the index, free to walk), are cut into windows
// of RankWindow; each window is ordered by bm25, windows by recency. So a
// page costs a walk to its window and bm25 over at most two windows, not
// over every match of a common word, and pages stay disjoint.
const RankWindow = 200

// rankExpr weighs the FTS columns title, summary, body, tags. bm25 is
// lower-is-better, so results are ordered by it ascending.
// The vis column weighs nothing: it says who may see, not what matches.
const rankExpr = "bm25(search_fts, 10.0, 3.0, 1.0, 2.0, 0.0)"

// Query is one search over one doc type, joined to its domain table.
type Query struct {
	DocType string // as given to Index
	Text    string // what the user typed
	// Table is the domain table; its id column is joined to the indexed
	// doc id. Alias names it in the SQL and defaults to Table: leave it
	// empty when Filter comes from policies.Authorizer.Filter, whose
	// columns are qualified by the table name ([[cases.unit]]).
	Table, Alias string
	// Filter (policy and any extra filters) is applied inside the same
	// SQL, on the domain table's columns; nil means no filter. It runs in
	// an EXISTS over the domain table alone, so unqualified columns
	// resolve to the domain table.
	Filter dbx.Expression
	// Vis is a filter in visibility tokens (policies.Authorizer.MatchFilter
	// and MatchCond, ANDed), applied inside the index's MATCH: it must hold
	// for exactly the records the policy lets through, as Filter would,
	// and the docs must have been indexed with their Doc.Vis. It costs no
	// visit to the domain table: give the policy here when it has a token
	// form, and only what has none (list filters) in Filter.
	Vis           string
	Page, PerPage int      // 1-based; defaults 1 and DefaultPerPage, PerPage ≤ MaxPerPage
	Select        []string // columns of each hit's Row; default <alias>.*
}

// Result is one page of hits, best first, and the number of hits the
// Filter lets through: exact up to MaxTotal, else MaxTotal with
// TotalCapped set.
type Result struct {
	Page, PerPage, TotalItems, TotalPages int
	TotalCapped                           bool
	Hits                                  []Hit
}

// Hit is one matching row: its id, its bm25 rank (lower is better, within
// its RankWindow) and the selected columns (nil for Records).
type Hit struct {
	ID   string
	Rank float64
	Row  dbx.NullStringMap
}

var identRe = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// planned is a validated Query: what both the page and the count share.
type planned struct {
	q             Query
	params        dbx.Params
	textMatch     string // the words alone, for ranking
	page, perPage int
}

func plan(q Query) (*planned, error) {
	if q.Alias == "" {
		q.Alias = q.Table
	}
	if !identRe.MatchString(q.Table) || !identRe.MatchString(q.Alias) || q.DocType == "" {
		return nil, fmt.Errorf("search: bad query target %q %q %q", q.DocType, q.Table, q.Alias)
	}
	m, err := MatchExpr(q.Text)
	if err != nil {
		return nil, err
	}
	// the words only in the text columns (never in vis); the doc type
	// and visibility only in vis
	vis := typeToken(q.DocType)
	if q.Vis != "" {
		vis += " AND (" + q.Vis + ")"
	}
	text := "{title summary body tags} : (" + m + ")"
	p := &planned{q: q, page: q.Page, perPage: q.PerPage, textMatch: text,
		params: dbx.Params{"search_match": text + " AND vis : (" + vis + ")"}}
	if p.page < 1 {
		p.page = 1
	}
	p.page = min(p.page, maxPage)
	if p.perPage < 1 {
		p.perPage = DefaultPerPage
	}
	p.perPage = min(p.perPage, MaxPerPage)
	return p, nil
}

// visible selects the visible matches, newest first: search_rowid and,
// when doc (or a Filter needs it), search_doc_id. The doc type and Vis are inside the MATCH. CROSS JOIN fixes
// SQLite's join order: the index is walked newest first and each doc id
// found by rowid. The Filter is inside, in an EXISTS over the domain row,
// so no invisible row is ranked, counted or returned, and the Filter's
// unqualified columns resolve to the domain table, not to the index's
// (title, id, ...).
func (p *planned) visible(app core.App, doc bool) *dbx.SelectQuery {
	cols := []string{"search_fts.rowid AS search_rowid"}
	doc = doc || p.q.Filter != nil
	if doc {
		cols = append(cols, "search_d.doc_id AS search_doc_id")
	}
	table := p.q.Table
	if p.q.Alias != p.q.Table {
		table += " " + p.q.Alias
	}
	where := dbx.NewExp("search_fts MATCH {:search_match}", p.params)
	if p.q.Filter != nil {
		exists := app.DB().Select("*").From(table).
			Where(dbx.NewExp("[[" + p.q.Alias + ".id]] = [[search_d.doc_id]]")).AndWhere(p.q.Filter).Build()
		// SELECT 1, not *: the domain table's index that covers the Filter
		// then answers without reading the (large) row
		sub := "SELECT 1" + strings.TrimPrefix(exists.SQL(), "SELECT *")
		where = dbx.And(where, dbx.NewExp("EXISTS ("+sub+")", exists.Params()))
	}
	q := app.DB().Select(cols...).From("search_fts")
	if doc {
		q = q.Join("CROSS JOIN", "search_docs search_d", dbx.NewExp("search_d.id = search_fts.rowid"))
	}
	return q.Where(where).OrderBy("search_fts.rowid ASC") // newest first: see Index
}

// count is the number of visible matches, walking no further than
// MaxTotal+1 of them.
func (p *planned) count(app core.App) (*Result, error) {
	inner := p.visible(app, false).Limit(MaxTotal + 1).Build()
	res := &Result{Page: p.page, PerPage: p.perPage}
	err := app.DB().NewQuery("SELECT COUNT(*) FROM (" + inner.SQL() + ")").Bind(inner.Params()).Row(&res.TotalItems)
	if err != nil {
		return nil, fmt.Errorf("search: count: %w", err)
	}
	if res.TotalItems > MaxTotal {
		res.TotalItems, res.TotalCapped = MaxTotal, true
	}
	res.TotalPages = (res.TotalItems + p.perPage - 1) / p.perPage
	return res, nil
}

// pageHit is one hit of a page: its index rowid, doc id and rank.
type pageHit struct {
	rowid int64
	docID string
	rank  float64
}

// pageHits finds the page: the visible matches of the windows it falls in
// (newest first, walked in the index under the full MATCH and Filter),
// each window ordered by bm25, and the page's slice of them. The ranks
// come from a second MATCH of the words alone over the windows' rowid
// range: bm25 weighs every phrase of its MATCH by a pass over the
// phrase's whole doclist, and the visibility tokens' doclists are long
// (one holds every doc) while they say nothing about relevance.
func (p *planned) pageHits(app core.App) ([]pageHit, error) {
	offset := (p.page - 1) * p.perPage
	first, last := offset/RankWindow, (offset+p.perPage-1)/RankWindow
	var window []struct {
		Rowid int64  `db:"search_rowid"`
		DocID string `db:"search_doc_id"`
	}
	if err := p.visible(app, true).Limit(int64((last - first + 1) * RankWindow)).Offset(int64(first * RankWindow)).
		All(&window); err != nil {
		return nil, err
	}
	if len(window) == 0 {
		return nil, nil
	}
	var ranked []struct {
		Rowid int64   `db:"rowid"`
		Rank  float64 `db:"rank"`
	}
	err := app.DB().NewQuery("SELECT rowid, " + rankExpr + " AS rank FROM search_fts WHERE search_fts MATCH {:m}" +
		" AND rowid >= {:lo} AND rowid <= {:hi}").
		Bind(dbx.Params{"m": p.textMatch, "lo": window[0].Rowid, "hi": window[len(window)-1].Rowid}).All(&ranked)
	if err != nil {
		return nil, err
	}
	rankOf := make(map[int64]float64, len(ranked))
	for _, r := range ranked {
		rankOf[r.Rowid] = r.Rank
	}
	hits := make([]pageHit, len(window))
	for i, r := range window {
		rank, ok := rankOf[r.Rowid]
		if !ok {
			rank = math.Inf(1) // cannot be: the full MATCH holds the words'
		}
		hits[i] = pageHit{rowid: r.Rowid, docID: r.DocID, rank: rank}
	}
	for w := 0; w < len(hits); w += RankWindow {
		win := hits[w:min(w+RankWindow, len(hits))]
		slices.SortStableFunc(win, func(a, b pageHit) int { // rowids arrive newest first: ties stay so
			return cmp.Compare(a.rank, b.rank)
		})
	}
	from := offset - first*RankWindow
	if from >= len(hits) {
		return nil, nil
	}
	return hits[from:min(from+p.perPage, len(hits))], nil
}

// docIDs are the hits' doc ids, as arguments of dbx.In.
func docIDs(hits []pageHit) []any {
	out := make([]any, len(hits))
	for i, h := range hits {
		out[i] = h.docID
	}
	return out
}

// run answers the count and, through page, the page's rows (nothing when
// the page is past the last one: errPastEnd, an empty answer). The two
// are independent walks of the index and run side by side, each on its
// own connection, unless app is a transaction (one connection).
func (p *planned) run(app core.App, page func() error) (*Result, error) {
	var pageErr error
	if app.IsTransactional() {
		res, err := p.count(app)
		if err != nil || res.TotalItems <= (p.page-1)*p.perPage {
			return p.finish(res, err, nil)
		}
		return p.finish(res, nil, page())
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		pageErr = page()
	}()
	res, err := p.count(app)
	<-done
	return p.finish(res, err, pageErr)
}

func (p *planned) finish(res *Result, countErr, pageErr error) (*Result, error) {
	if countErr != nil {
		return nil, countErr
	}
	if res.TotalItems <= (p.page-1)*p.perPage {
		return res, errPastEnd
	}
	if pageErr != nil {
		return nil, fmt.Errorf("search: page: %w", pageErr)
	}
	return res, nil
}

// errPastEnd: the page asked for is past the last one (an empty answer,
// not an error for the caller).
var errPastEnd = errors.New("search: past the last page")

// Search answers one page of q and its total (exact up to MaxTotal), both
// in SQL: match, doc type, Filter, rank order and paging. ErrEmptyQuery
// when q.Text has nothing to search for.
func Search(app core.App, q Query) (*Result, error) {
	p, err := plan(q)
	if err != nil {
		return nil, err
	}
	sel := q.Select
	if len(sel) == 0 {
		sel = []string{p.q.Alias + ".*"}
	}
	var hits []pageHit
	byID := map[string]dbx.NullStringMap{}
	res, err := p.run(app, func() (err error) {
		if hits, err = p.pageHits(app); err != nil || len(hits) == 0 {
			return err
		}
		var rows []dbx.NullStringMap
		err = app.DB().Select(sel...).AndSelect("[[" + p.q.Alias + ".id]] AS search_doc_id").From(p.fromTable()).
			Where(dbx.In(p.q.Alias+".id", docIDs(hits)...)).All(&rows)
		for _, r := range rows {
			byID[r["search_doc_id"].String] = r
		}
		return err
	})
	if errors.Is(err, errPastEnd) {
		hits, err = nil, nil
	}
	if err != nil {
		return nil, err
	}
	res.Hits = []Hit{}
	for _, h := range hits {
		if row, ok := byID[h.docID]; ok { // a domain row deleted meanwhile is skipped
			res.Hits = append(res.Hits, Hit{ID: h.docID, Rank: h.rank, Row: row})
		}
	}
	return res, nil
}

// fromTable is the domain table as the SQL names it (with its alias).
func (p *planned) fromTable() string {
	if p.q.Alias != p.q.Table {
		return p.q.Table + " " + p.q.Alias
	}
	return p.q.Table
}

// Records is Search over a collection (q.Table), answering its records in
// rank order; the Hits carry ids only.
func Records(app core.App, q Query) ([]*core.Record, *Result, error) {
	if q.Alias != "" && q.Alias != q.Table {
		return nil, nil, errors.New("search: Records takes no alias")
	}
	p, err := plan(q)
	if err != nil {
		return nil, nil, err
	}
	var hits []pageHit
	byID := map[string]*core.Record{}
	res, err := p.run(app, func() (err error) {
		if hits, err = p.pageHits(app); err != nil || len(hits) == 0 {
			return err
		}
		var found []*core.Record
		err = app.RecordQuery(q.Table).Where(dbx.In(q.Table+".id", docIDs(hits)...)).All(&found)
		for _, r := range found {
			byID[r.Id] = r
		}
		return err
	})
	if errors.Is(err, errPastEnd) {
		hits, err = nil, nil
	}
	if err != nil {
		return nil, nil, err
	}
	recs := []*core.Record{}
	res.Hits = []Hit{}
	for _, h := range hits {
		if r, ok := byID[h.docID]; ok {
			recs = append(recs, r)
			res.Hits = append(res.Hits, Hit{ID: r.Id, Rank: h.rank})
		}
	}
	return recs, res, nil
}
