package search

import (
	"cmp"
	"errors"
	"fmt"
	"maps"
	"math"
	"regexp"
	"slices"
	"strings"
	"sync"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
)

// Part is one doc type of a unified search, as in Query: its domain table,
// the caller's policy and list filters as SQL (Filter) and/or as
// visibility tokens (Vis).
type Part struct {
	DocType, Table string
	Filter         dbx.Expression
	Vis            string
}

// UnifiedHit is one hit of a unified search.
type UnifiedHit struct {
	DocType, ID string
	Rank        float64 // bm25 within its window; +Inf when sorted by date
}

// UnifiedResult is one page of a unified search with each type's count
// (exact up to MaxTotal each, then capped).
type UnifiedResult struct {
	Page, PerPage, TotalItems, TotalPages int
	TotalCapped                           bool
	Facets                                map[string]int
	Hits                                  []UnifiedHit
}

// Unified searches several doc types as one list: the visible matches of
// every part, newest first, cut into windows of RankWindow ranked by bm25
// (or, byDate, left newest first), so a page of a common word costs a
// bounded walk as a single type's does. Each part's policy is inside the
// same SQL: its Vis in the MATCH, its Filter in an EXISTS over its table
// for the rows of its type. The facets are each of parts' own count; the
// list holds the listed parts (a type filter narrows the list, not the
// facets).
func Unified(app core.App, text string, parts, listed []Part, page, perPage int, byDate bool) (*UnifiedResult, error) {
	m, err := MatchExpr(text)
	if err != nil {
		return nil, err
	}
	if len(parts) == 0 && len(listed) == 0 {
		return &UnifiedResult{Page: 1, PerPage: perPage, Facets: map[string]int{}, Hits: []UnifiedHit{}}, nil
	}
	textMatch := "{title summary body tags} : (" + m + ")"
	visAny := make([]string, 0, len(parts))
	params := dbx.Params{}
	var filters []string
	planned := make([]*planned, len(parts))
	for i, pt := range parts {
		if planned[i], err = plan(Query{DocType: pt.DocType, Text: text, Table: pt.Table, Filter: pt.Filter, Vis: pt.Vis,
			Page: 1, PerPage: 1}); err != nil {
			return nil, err
		}
	}
	for i, pt := range listed {
		v := typeToken(pt.DocType)
		if pt.Vis != "" {
			v = "(" + v + " AND (" + pt.Vis + "))"
		}
		visAny = append(visAny, v)
		cond := "1"
		if pt.Filter != nil {
			exists := app.DB().Select("*").From(pt.Table).
				Where(dbx.NewExp("[[" + pt.Table + ".id]] = [[search_d.doc_id]]")).AndWhere(pt.Filter).Build()
			sql, ps := renameParams(exists.SQL(), exists.Params(), fmt.Sprintf("u%d_", i))
			maps.Copy(params, ps)
			cond = "EXISTS (SELECT 1" + strings.TrimPrefix(sql, "SELECT *") + ")"
		}
		key := fmt.Sprintf("u%d_type", i)
		params[key] = pt.DocType
		filters = append(filters, "WHEN {:"+key+"} THEN "+cond)
	}
	params["u_match"] = textMatch + " AND vis : (" + strings.Join(visAny, " OR ") + ")"
	where := dbx.NewExp("search_fts MATCH {:u_match} AND (CASE search_d.doc_type "+strings.Join(filters, " ")+" ELSE 0 END)", params)
	visible := func() *dbx.SelectQuery {
		return app.DB().Select("search_fts.rowid AS search_rowid", "search_d.doc_type AS search_doc_type", "search_d.doc_id AS search_doc_id").
			From("search_fts").Join("CROSS JOIN", "search_docs search_d", dbx.NewExp("search_d.id = search_fts.rowid")).
			Where(where).OrderBy("search_fts.rowid ASC")
	}

	if page < 1 {
		page = 1
	}
	page = min(page, maxPage)
	if perPage < 1 {
		perPage = DefaultPerPage
	}
	perPage = min(perPage, MaxPerPage)
	res := &UnifiedResult{Page: page, PerPage: perPage, Facets: map[string]int{}, Hits: []UnifiedHit{}}

	// the facets: each part's count, side by side (one connection each)
	// unless app is a transaction
	counts := make([]*Result, len(parts))
	errs := make([]error, len(parts)+1)
	var wg sync.WaitGroup
	run := func(f func()) {
		if app.IsTransactional() {
			f()
			return
		}
		wg.Go(f)
	}
	for i := range parts {
		run(func() { counts[i], errs[i] = planned[i].count(app) })
	}
	var hits []UnifiedHit
	if len(listed) > 0 {
		run(func() { hits, errs[len(parts)] = unifiedPage(app, visible, textMatch, page, perPage, byDate) })
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	for i, pt := range parts {
		res.Facets[pt.DocType] += counts[i].TotalItems
		res.TotalItems += counts[i].TotalItems
		res.TotalCapped = res.TotalCapped || counts[i].TotalCapped
	}
	if res.TotalItems > MaxTotal {
		res.TotalItems, res.TotalCapped = MaxTotal, true
	}
	res.TotalPages = (res.TotalItems + perPage - 1) / perPage
	if hits != nil {
		res.Hits = hits
	}
	return res, nil
}

// unifiedPage is pageHits over the parts together.
func unifiedPage(app core.App, visible func() *dbx.SelectQuery, textMatch string, page, perPage int, byDate bool) ([]UnifiedHit, error) {
	offset := (page - 1) * perPage
	first, last := offset/RankWindow, (offset+perPage-1)/RankWindow
	var window []struct {
		Rowid   int64  `db:"search_rowid"`
		DocType string `db:"search_doc_type"`
		DocID   string `db:"search_doc_id"`
	}
	if err := visible().Limit(int64((last - first + 1) * RankWindow)).Offset(int64(first * RankWindow)).All(&window); err != nil {
		return nil, fmt.Errorf("search: unified page: %w", err)
	}
	if len(window) == 0 {
		return nil, nil
	}
	rankOf := map[int64]float64{}
	if !byDate {
		var ranked []struct {
			Rowid int64   `db:"rowid"`
			Rank  float64 `db:"rank"`
		}
		err := app.DB().NewQuery("SELECT rowid, " + rankExpr + " AS rank FROM search_fts WHERE search_fts MATCH {:m}" +
			" AND rowid >= {:lo} AND rowid <= {:hi}").
			Bind(dbx.Params{"m": textMatch, "lo": window[0].Rowid, "hi": window[len(window)-1].Rowid}).All(&ranked)
		if err != nil {
			return nil, fmt.Errorf("search: unified rank: %w", err)
		}
		for _, r := range ranked {
			rankOf[r.Rowid] = r.Rank
		}
	}
	hits := make([]UnifiedHit, len(window))
	for i, r := range window {
		rank, ok := rankOf[r.Rowid]
		if !ok {
			rank = math.Inf(1)
		}
		hits[i] = UnifiedHit{DocType: r.DocType, ID: r.DocID, Rank: rank}
	}
	if !byDate {
		for w := 0; w < len(hits); w += RankWindow {
			slices.SortStableFunc(hits[w:min(w+RankWindow, len(hits))], func(a, b UnifiedHit) int { return cmp.Compare(a.Rank, b.Rank) })
		}
	}
	from := offset - first*RankWindow
	if from >= len(hits) {
		return nil, nil
	}
	return hits[from:min(from+perPage, len(hits))], nil
}

var paramRe = regexp.MustCompile(`\{:(\w+)\}`)

// renameParams prefixes a built query's placeholders and their values, so
// that several parts' filters can share one statement.
func renameParams(sql string, ps dbx.Params, prefix string) (string, dbx.Params) {
	out := dbx.Params{}
	for k, v := range ps {
		out[prefix+k] = v
	}
	return paramRe.ReplaceAllString(sql, "{:"+prefix+"$1}"), out
}
