package search

import (
	"errors"
	"fmt"
	"regexp"
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
const rankExpr = "bm25(search_fts, 10.0, 3.0, 1.0, 2.0)"

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
	Filter        dbx.Expression
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
	p := &planned{q: q, page: q.Page, perPage: q.PerPage,
		params: dbx.Params{"search_match": m, "search_type": q.DocType}}
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

// visible selects the visible matches, newest first: search_rowid,
// search_doc_id and, when rank, search_rank. CROSS JOIN fixes SQLite's
// join order: the index is walked newest first and each doc id found by
// rowid. The Filter is inside, in an EXISTS over the domain row, so no
// invisible row is ranked, counted or returned, and the Filter's
// unqualified columns resolve to the domain table, not to the index's
// (title, id, ...).
func (p *planned) visible(app core.App, rank bool) *dbx.SelectQuery {
	cols := []string{"search_fts.rowid AS search_rowid", "search_d.doc_id AS search_doc_id"}
	if rank {
		cols = append(cols, rankExpr+" AS search_rank")
	}
	table := p.q.Table
	if p.q.Alias != p.q.Table {
		table += " " + p.q.Alias
	}
	where := dbx.NewExp("search_fts MATCH {:search_match} AND search_d.doc_type = {:search_type}", p.params)
	if p.q.Filter != nil {
		exists := app.DB().Select("*").From(table).
			Where(dbx.NewExp("[[" + p.q.Alias + ".id]] = [[search_d.doc_id]]")).AndWhere(p.q.Filter).Build()
		// SELECT 1, not *: the domain table's index that covers the Filter
		// then answers without reading the (large) row
		sub := "SELECT 1" + strings.TrimPrefix(exists.SQL(), "SELECT *")
		where = dbx.And(where, dbx.NewExp("EXISTS ("+sub+")", exists.Params()))
	}
	return app.DB().Select(cols...).
		From("search_fts").
		Join("CROSS JOIN", "search_docs search_d", dbx.NewExp("search_d.id = search_fts.rowid")).
		Where(where).
		OrderBy("search_fts.rowid DESC")
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

// pageOf selects the page into sq (over the domain table, aliased as the
// query says): the windows the page falls in, each ranked by bm25, and the
// page's slice of them, all in SQL; only the page's rows are then read
// from the domain table.
func (p *planned) pageOf(app core.App, sq *dbx.SelectQuery) *dbx.SelectQuery {
	offset := (p.page - 1) * p.perPage
	first, last := offset/RankWindow, (offset+p.perPage-1)/RankWindow
	ranked := p.visible(app, true).
		Limit(int64((last - first + 1) * RankWindow)).Offset(int64(first * RankWindow)).Build()
	order := "search_window, search_rank, search_rowid DESC"
	page := fmt.Sprintf("(SELECT * FROM (SELECT *, (row_number() OVER (ORDER BY search_rowid DESC) - 1) / %d AS search_window"+
		" FROM (%s)) ORDER BY %s LIMIT %d OFFSET %d) search_m",
		RankWindow, ranked.SQL(), order, p.perPage, offset-first*RankWindow)
	table := p.q.Table
	if p.q.Alias != p.q.Table {
		table += " " + p.q.Alias
	}
	return sq.From(page).
		Join("CROSS JOIN", table, dbx.NewExp("[["+p.q.Alias+".id]] = [[search_m.search_doc_id]]")).
		AndBind(ranked.Params()).
		OrderBy("search_m.search_window", "search_m.search_rank", "search_m.search_rowid DESC")
}

// run answers the count and then, through page, the page's rows, unless
// the page is past the last one (errPastEnd: an empty answer). Running the
// two side by side was measured to gain nothing on the bench corpus.
func (p *planned) run(app core.App, page func() error) (*Result, error) {
	res, err := p.count(app)
	if err != nil {
		return nil, err
	}
	if res.TotalItems <= (p.page-1)*p.perPage {
		return res, errPastEnd
	}
	if err := page(); err != nil {
		return nil, fmt.Errorf("search: page: %w", err)
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
	sq := app.DB().Select(sel...).AndSelect("search_m.search_rank", "search_m.search_doc_id")
	var rows []dbx.NullStringMap
	res, err := p.run(app, func() error { return p.pageOf(app, sq).All(&rows) })
	if errors.Is(err, errPastEnd) {
		rows, err = nil, nil
	}
	if err != nil {
		return nil, err
	}
	res.Hits = []Hit{}
	for _, row := range rows {
		h := Hit{ID: row["search_doc_id"].String, Row: row}
		fmt.Sscan(row["search_rank"].String, &h.Rank)
		res.Hits = append(res.Hits, h)
	}
	return res, nil
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
	recs := []*core.Record{}
	// RecordQuery selects <table>.* and turns rows into records
	res, err := p.run(app, func() error { return p.pageOf(app, app.RecordQuery(q.Table)).All(&recs) })
	if errors.Is(err, errPastEnd) {
		recs, err = []*core.Record{}, nil
	}
	if err != nil {
		return nil, nil, err
	}
	res.Hits = []Hit{}
	for _, r := range recs {
		res.Hits = append(res.Hits, Hit{ID: r.Id})
	}
	return recs, res, nil
}
