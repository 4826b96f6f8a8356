package api

import (
	"database/sql"
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"

	"govcollab/policies"
)

// FilterKind says how a named query parameter narrows a list.
type FilterKind int

const (
	FilterEq       FilterKind = iota // column = value
	FilterIn                         // column IN (comma-separated values)
	FilterFrom                       // column >= date (inclusive, Asia/Shanghai days)
	FilterTo                         // column < end of that day
	FilterContains                   // any of Columns contains the text
	FilterBool                       // column = true/false
)

// FilterParam is one named query parameter a list accepts; nothing else
// reaches the SQL.
type FilterParam struct {
	Name    string
	Kind    FilterKind
	Columns []string
}

// ListSpec describes a guarded list: its policy object, the sortable and
// filterable fields, and any fixed condition the route adds.
type ListSpec struct {
	Object      string // policy object type; its table is queried
	Action      string // default "read"
	Sort        map[string]string
	DefaultSort string
	Filters     []FilterParam
	MaxPerPage  int // default 100
	Where       dbx.Expression
}

// Page is the list envelope of API.md.
type Page[T any] struct {
	Page        int  `json:"page"`
	PerPage     int  `json:"perPage"`
	TotalItems  int  `json:"totalItems"`
	TotalPages  int  `json:"totalPages"`
	TotalCapped bool `json:"totalCapped,omitempty"`
	Items       []T  `json:"items"`
}

// Shanghai is the zone of business dates.
var Shanghai = func() *time.Location {
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		return time.FixedZone("CST", 8*3600)
	}
	return loc
}()

// List answers a guarded list: 403 when the caller's roles may not read the
// type at all; otherwise the policy's Filter, the named filters, sorting,
// paging and the exact total all happen in SQL over allowed rows only.
func List[T any](a *App, e *core.RequestEvent, spec ListSpec, render func(*policies.Subject, *core.Record) T) error {
	return ListPage(a, e, spec, func(s *policies.Subject, recs []*core.Record) ([]T, error) {
		out := make([]T, 0, len(recs))
		for _, r := range recs {
			out = append(out, render(s, r))
		}
		return out, nil
	})
}

// ListPage is List with the page's records rendered together, for items
// that need one more query per page rather than per row.
func ListPage[T any](a *App, e *core.RequestEvent, spec ListSpec, render func(*policies.Subject, []*core.Record) ([]T, error)) error {
	act := spec.Action
	if act == "" {
		act = "read"
	}
	s, err := a.Require(e, act, spec.Object)
	if err != nil {
		return err
	}
	t, ok := a.Authz.Type(spec.Object)
	if !ok {
		return Internal()
	}
	q := e.Request.URL.Query()
	page, perPage, err := paging(q.Get("page"), q.Get("perPage"), spec.MaxPerPage)
	if err != nil {
		return err
	}
	order, err := sortClause(q.Get("sort"), spec)
	if err != nil {
		return err
	}
	where, err := spec.Conditions(a, s, q)
	if err != nil {
		return err
	}

	out := Page[T]{Page: page, PerPage: perPage, Items: []T{}}
	if q.Get("skipTotal") == "" || q.Get("skipTotal") == "0" || q.Get("skipTotal") == "false" {
		var total int
		if err := a.DB().Select("COUNT(*)").From(t.Table).Where(where).Row(&total); err != nil {
			return fmt.Errorf("api: count %s: %w", t.Table, err)
		}
		out.TotalItems = total
		out.TotalPages = (total + perPage - 1) / perPage
	} else {
		out.TotalItems, out.TotalPages = -1, -1
	}
	offset := (page - 1) * perPage
	list := func(w dbx.Expression) *dbx.SelectQuery {
		return a.RecordQuery(t.Table).Where(w).OrderBy(order...).Limit(int64(perPage)).Offset(int64(offset))
	}
	query := list(where)
	walk, err := a.walkSortOrder(t.Table, where, query, list(walkOrder{where}), out.TotalItems, offset+perPage)
	if err != nil {
		return fmt.Errorf("api: plan %s: %w", t.Table, err)
	}
	if walk {
		query = list(walkOrder{where})
	}
	var recs []*core.Record
	if err := query.All(&recs); err != nil {
		return fmt.Errorf("api: list %s: %w", t.Table, err)
	}
	items, err := render(s, recs)
	if err != nil {
		return err
	}
	out.Items = append(out.Items, items...)
	return e.JSON(http.StatusOK, out)
}

// Conditions is the WHERE of a guarded list for s: the policy's Filter for
// the spec's action, the spec's fixed condition and the named filters of
// q (a 400 names a bad one). Searches over the same type use it too.
func (spec ListSpec) Conditions(a *App, s *policies.Subject, q url.Values) (dbx.Expression, error) {
	act := spec.Action
	if act == "" {
		act = "read"
	}
	conds := []dbx.Expression{a.Authz.Filter(s, act, spec.Object)}
	if spec.Where != nil {
		conds = append(conds, spec.Where)
	}
	named, err := spec.Named(q)
	if err != nil {
		return nil, err
	}
	return dbx.And(append(conds, named...)...), nil
}

// Named are the conditions of the named filters q sets (a 400 names a bad
// one): Conditions without the policy and the fixed condition, for a
// search that applies those in another form.
func (spec ListSpec) Named(q url.Values) ([]dbx.Expression, error) {
	var conds []dbx.Expression
	for _, f := range spec.Filters {
		c, err := filterExpr(f, q.Get(f.Name))
		if err != nil {
			return nil, err
		}
		if c != nil {
			conds = append(conds, c)
		}
	}
	return conds, nil
}

// Paging reads page and perPage (1-based; perPage at most max, default 100).
func Paging(q url.Values, max int) (page, perPage int, err error) {
	return paging(q.Get("page"), q.Get("perPage"), max)
}

// walkOrder keeps SQLite from using an index for the condition (unary +),
// so that it walks the sort column's index and stops after the page.
type walkOrder struct{ dbx.Expression }

func (w walkOrder) Build(db *dbx.DB, params dbx.Params) string {
	return "+(" + w.Expression.Build(db, params) + ")"
}

// walkSortOrder decides how a page is found when SQLite, left alone, would
// collect every match through the condition's index and sort them all (it
// does so even when a tenth of a big table matches, and even after ANALYZE).
// Walking the sort index instead costs about need·rows/matches steps against
// matches: it wins when matches > √(need·rows). matches < 0 (skipTotal) is
// probed up to that bound only, over the condition's index.
func (a *App) walkSortOrder(table string, where dbx.Expression, query, walked *dbx.SelectQuery, matches, need int) (bool, error) {
	var rows int // rowid bound: the table's size, more after deletes
	if err := a.DB().NewQuery("SELECT COALESCE(MAX(rowid), 0) FROM [[" + table + "]]").Row(&rows); err != nil {
		return false, err
	}
	bound := int(math.Sqrt(float64(need) * float64(rows)))
	if matches >= 0 && matches <= bound {
		return false, nil // the common small list: no planning queries
	}
	if sorts, err := a.sortsAllMatches(query); err != nil || !sorts {
		return false, err
	}
	if sorts, err := a.sortsAllMatches(walked); err != nil || sorts {
		return false, err // no index to walk in this order
	}
	if matches >= 0 {
		return true, nil
	}
	var one int
	err := a.DB().Select("rowid").From(table).Where(where).Offset(int64(bound)).Limit(1).Row(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	return err == nil, err
}

// sortsAllMatches reports whether SQLite's plan for q sorts every matching
// row rather than reading them in order from an index.
func (a *App) sortsAllMatches(q *dbx.SelectQuery) (bool, error) {
	built := q.Build()
	var plan []struct {
		Detail string `db:"detail"`
	}
	// DB() would route EXPLAIN, not being a SELECT, to the single writer connection
	if err := a.ConcurrentDB().NewQuery("EXPLAIN QUERY PLAN " + built.SQL()).Bind(built.Params()).All(&plan); err != nil {
		return false, err
	}
	for _, step := range plan {
		if step.Detail == "USE TEMP B-TREE FOR ORDER BY" {
			return true, nil
		}
	}
	return false, nil
}

// View loads one guarded record for act: 403 when the caller's roles may not
// do act on the type at all, 404 when the record is missing or denied.
func View(a *App, e *core.RequestEvent, obj, act, id string) (*policies.Subject, *core.Record, error) {
	s, err := a.Require(e, act, obj)
	if err != nil {
		return nil, nil, err
	}
	t, ok := a.Authz.Type(obj)
	if !ok {
		return nil, nil, Internal()
	}
	rec, err := a.FindRecordById(t.Table, id)
	if err != nil {
		return nil, nil, NotFound()
	}
	if ok, _ := a.Authz.Can(s, act, rec); !ok {
		return nil, nil, NotFound()
	}
	return s, rec, nil
}

func paging(pageStr, perStr string, max int) (int, int, error) {
	if max <= 0 {
		max = 100
	}
	page, perPage := 1, 20
	if pageStr != "" {
		n, err := strconv.Atoi(pageStr)
		if err != nil || n < 1 {
			return 0, 0, BadField("page", "invalid_page", "页码应为从 1 开始的整数")
		}
		page = n
	}
	if perStr != "" {
		n, err := strconv.Atoi(perStr)
		if err != nil || n < 1 {
			return 0, 0, BadField("perPage", "invalid_per_page", "每页条数应为正整数")
		}
		perPage = min(n, max)
	}
	if page > 1_000_000 {
		return 0, 0, BadField("page", "invalid_page", "页码过大")
	}
	return page, perPage, nil
}

func sortClause(raw string, spec ListSpec) ([]string, error) {
	if raw == "" {
		raw = spec.DefaultSort
	}
	var out []string
	for part := range strings.SplitSeq(raw, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		dir := "ASC"
		if strings.HasPrefix(part, "-") {
			dir, part = "DESC", part[1:]
		} else {
			part = strings.TrimPrefix(part, "+")
		}
		column, ok := spec.Sort[part]
		if !ok {
			return nil, BadField("sort", "invalid_sort", "不支持按“"+part+"”排序")
		}
		out = append(out, "[["+column+"]] "+dir)
	}
	return append(out, "[[id]] ASC"), nil // a stable order for paging
}

func filterExpr(f FilterParam, raw string) (dbx.Expression, error) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return nil, nil
	}
	column := f.Columns[0]
	switch f.Kind {
	case FilterEq:
		return dbx.HashExp{column: raw}, nil
	case FilterIn:
		var vals []any
		for v := range strings.SplitSeq(raw, ",") {
			if v = strings.TrimSpace(v); v != "" {
				vals = append(vals, v)
			}
		}
		return dbx.In(column, vals...), nil
	case FilterBool:
		switch raw {
		case "true", "1":
			return dbx.HashExp{column: true}, nil
		case "false", "0":
			return dbx.HashExp{column: false}, nil
		}
		return nil, BadField(f.Name, "invalid_bool", "应为 true 或 false")
	case FilterFrom, FilterTo:
		t, err := ParseBusinessDate(raw)
		if err != nil {
			return nil, BadField(f.Name, "invalid_date", "日期格式应为 2026-11-23 或 RFC 3339")
		}
		if f.Kind == FilterFrom {
			return dbx.NewExp("[["+column+"]] >= {:from_"+f.Name+"}", dbx.Params{"from_" + f.Name: t.from}), nil
		}
		return dbx.NewExp("[["+column+"]] < {:to_"+f.Name+"}", dbx.Params{"to_" + f.Name: t.to}), nil
	case FilterContains:
		if len([]rune(raw)) > 100 {
			return nil, BadField(f.Name, "too_long", "搜索词不能超过 100 个字")
		}
		var ors []dbx.Expression
		for _, c := range f.Columns {
			ors = append(ors, dbx.Like(c, raw))
		}
		return dbx.Or(ors...), nil
	}
	return nil, nil
}

type dateBounds struct{ from, to string }

// ParseBusinessDate reads RFC 3339 or a plain day in Asia/Shanghai and gives
// the bounds as PocketBase's stored UTC text: from the instant (or the day's
// start) to the instant (or the next day's start).
func ParseBusinessDate(raw string) (dateBounds, error) {
	if t, err := time.Parse(time.RFC3339, raw); err == nil {
		s := t.UTC().Format(types.DefaultDateLayout)
		return dateBounds{s, s}, nil
	}
	d, err := time.ParseInLocation("2006-01-02", raw, Shanghai)
	if err != nil {
		return dateBounds{}, err
	}
	return dateBounds{d.UTC().Format(types.DefaultDateLayout), d.AddDate(0, 0, 1).UTC().Format(types.DefaultDateLayout)}, nil
}
