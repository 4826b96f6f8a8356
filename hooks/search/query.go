package search

import (
	"errors"
	"fmt"
	"regexp"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
)

// Paging bounds.
const (
	DefaultPerPage = 20
	MaxPerPage     = 100
	maxPage        = 10_000
)

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
	// SQL, on the domain table's columns; nil means no filter. Unqualified
	// columns resolve to the domain table (the index side only exposes
	// search_doc_id and search_rank).
	Filter        dbx.Expression
	Page, PerPage int      // 1-based; defaults 1 and DefaultPerPage, PerPage ≤ MaxPerPage
	Select        []string // columns of each hit's Row; default <alias>.*
}

// Result is one page of hits, best first, and the exact number of hits the
// Filter lets through.
type Result struct {
	Page, PerPage, TotalItems, TotalPages int
	Hits                                  []Hit
}

// Hit is one matching row: its id, its bm25 rank (lower is better) and the
// selected columns (nil for Records).
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

// from puts the FTS match first (CROSS JOIN fixes SQLite's join order: the
// index is walked, the domain row looked up by id and only then filtered)
// and the domain table second.
func (p *planned) from(sq *dbx.SelectQuery, rank bool) *dbx.SelectQuery {
	cols := "d.doc_id AS search_doc_id"
	if rank {
		cols += ", " + rankExpr + " AS search_rank"
	}
	sub := "(SELECT " + cols + " FROM search_fts CROSS JOIN search_docs d ON d.id = search_fts.rowid" +
		" WHERE search_fts MATCH {:search_match} AND d.doc_type = {:search_type}) search_m"
	table := p.q.Table
	if p.q.Alias != p.q.Table {
		table += " " + p.q.Alias
	}
	sq = sq.From(sub).
		Join("CROSS JOIN", table, dbx.NewExp("[["+p.q.Alias+".id]] = [[search_m.search_doc_id]]")).
		AndBind(p.params)
	if p.q.Filter != nil {
		sq = sq.Where(p.q.Filter)
	}
	return sq
}

func (p *planned) pageOf(sq *dbx.SelectQuery) *dbx.SelectQuery {
	return p.from(sq, true).
		OrderBy("search_m.search_rank", p.q.Alias+".id"). // id: a stable order for paging
		Limit(int64(p.perPage)).Offset(int64((p.page - 1) * p.perPage))
}

// count is the exact total over the same FROM and WHERE as the page.
func (p *planned) count(app core.App) (*Result, error) {
	res := &Result{Page: p.page, PerPage: p.perPage}
	if err := p.from(app.DB().Select("COUNT(*)"), false).Row(&res.TotalItems); err != nil {
		return nil, fmt.Errorf("search: count: %w", err)
	}
	res.TotalPages = (res.TotalItems + p.perPage - 1) / p.perPage
	return res, nil
}

// Search answers one page of q and its exact total, both in SQL: match,
// doc type, Filter, rank order and paging. ErrEmptyQuery when q.Text has
// nothing to search for.
func Search(app core.App, q Query) (*Result, error) {
	p, err := plan(q)
	if err != nil {
		return nil, err
	}
	res, err := p.count(app)
	if err != nil {
		return nil, err
	}
	res.Hits = []Hit{}
	if res.TotalItems <= (p.page-1)*p.perPage {
		return res, nil // past the last page: no second query
	}
	sel := q.Select
	if len(sel) == 0 {
		sel = []string{p.q.Alias + ".*"}
	}
	sq := app.DB().Select(sel...).AndSelect("search_m.search_rank", "search_m.search_doc_id")
	var rows []dbx.NullStringMap
	if err := p.pageOf(sq).All(&rows); err != nil {
		return nil, fmt.Errorf("search: page: %w", err)
	}
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
	res, err := p.count(app)
	if err != nil {
		return nil, nil, err
	}
	recs := []*core.Record{}
	res.Hits = []Hit{}
	if res.TotalItems <= (p.page-1)*p.perPage {
		return recs, res, nil
	}
	// RecordQuery selects <table>.* and turns rows into records
	if err := p.pageOf(app.RecordQuery(q.Table)).All(&recs); err != nil {
		return nil, nil, fmt.Errorf("search: page: %w", err)
	}
	for _, r := range recs {
		res.Hits = append(res.Hits, Hit{ID: r.Id})
	}
	return recs, res, nil
}
