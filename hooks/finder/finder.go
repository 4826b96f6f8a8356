// Package finder is the unified search (GET /api/gov/search): cases,
// notices, documents and courses in one ranked list with a count per
// type, each type's policy inside the search's SQL (hooks/search.Unified).
package finder

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"govcollab/hooks/api"
	"govcollab/hooks/search"
	"govcollab/policies"
)

// Finder answers the unified search over its sources.
type Finder struct {
	app     *api.App
	sources []search.Source
}

// New is the finder over sources (the order is the facets' order).
func New(app *api.App, sources ...search.Source) *Finder {
	return &Finder{app: app, sources: sources}
}

// Item is one hit: what it is, where it opens, its words highlighted
// (spans, never HTML).
type Item struct {
	Type         string        `json:"type"`
	TypeLabel    string        `json:"type_label"`
	ID           string        `json:"id"`
	Title        string        `json:"title"`
	Snippet      string        `json:"snippet"`
	TitleSpans   []search.Span `json:"title_spans"`
	SnippetSpans []search.Span `json:"snippet_spans"`
	Unit         string        `json:"unit"`
	UnitName     string        `json:"unit_name"`
	Created      string        `json:"created"`
	Date         string        `json:"date"` // the type's own date: published_at of cases and notices
	Link         string        `json:"link"`
	File         string        `json:"file,omitempty"` // the attachment the words were found in
}

// Answer is a page of hits with the facets: each type's count of visible
// matches (capped as totals are; 0 for a type the caller may not read).
type Answer struct {
	api.Page[Item]
	Sort   string         `json:"sort"`
	Facets map[string]int `json:"facets"`
}

// filters are the request's narrowing parameters.
type filters struct {
	types         []string
	unitPath      string
	system        string
	from, to      string
	byDate        bool
	page, perPage int
}

func (f *Finder) parse(app core.App, q map[string][]string) (*filters, error) {
	get := func(k string) string {
		if v := q[k]; len(v) > 0 {
			return strings.TrimSpace(v[0])
		}
		return ""
	}
	out := &filters{}
	if t := get("type"); t != "" {
		for _, one := range strings.Split(t, ",") {
			if !slices.ContainsFunc(f.sources, func(s search.Source) bool { return s.Type == one }) {
				return nil, api.BadField("type", "invalid", "类型应为 case、notice、doc 或 course")
			}
			out.types = append(out.types, one)
		}
	}
	if u := get("unit"); u != "" {
		rec, err := app.FindRecordById("units", u)
		if err != nil {
			return nil, api.BadField("unit", "unknown", "单位不存在")
		}
		out.unitPath = rec.GetString("path")
	}
	if out.system = get("system"); utf8.RuneCountInString(out.system) > 40 {
		return nil, api.BadField("system", "invalid", "条线无效")
	}
	from, err := api.ParseMoment("from", get("from"), false)
	if err != nil {
		return nil, err
	}
	to, err := api.ParseMoment("to", get("to"), true)
	if err != nil {
		return nil, err
	}
	if !from.IsZero() {
		out.from = from.String()
	}
	if !to.IsZero() {
		out.to = to.String()
	}
	if out.from != "" && out.to != "" && out.to < out.from {
		return nil, api.BadField("to", "invalid", "结束日期不能早于开始日期")
	}
	switch get("sort") {
	case "", "relevance":
	case "date":
		out.byDate = true
	default:
		return nil, api.BadField("sort", "invalid", "排序应为 relevance 或 date")
	}
	if out.page, out.perPage, err = api.Paging(q, 50); err != nil {
		return nil, err
	}
	return out, nil
}

// conds are the filters on one source's table.
func (fl *filters) conds(src search.Source) []dbx.Expression {
	col := func(c string) string { return "[[" + src.Table + "." + c + "]]" }
	var out []dbx.Expression
	if fl.unitPath != "" {
		out = append(out, dbx.NewExp(col("unit_path")+" >= {:f_path} AND "+col("unit_path")+" < {:f_upper}",
			dbx.Params{"f_path": fl.unitPath, "f_upper": policies.PathUpperBound(fl.unitPath)}))
	}
	if fl.system != "" {
		out = append(out, dbx.NewExp(col("system")+" = {:f_system}", dbx.Params{"f_system": fl.system}))
	}
	if fl.from != "" {
		out = append(out, dbx.NewExp(col(src.DateCol)+" >= {:f_from}", dbx.Params{"f_from": fl.from}))
	}
	if fl.to != "" {
		out = append(out, dbx.NewExp(col(src.DateCol)+" != '' AND "+col(src.DateCol)+" <= {:f_to}", dbx.Params{"f_to": fl.to}))
	}
	return out
}

// HandleSearch is GET /api/gov/search?q=&type=&unit=&system=&from=&to=&sort=relevance|date.
func (f *Finder) HandleSearch(e *core.RequestEvent) error {
	s, err := f.app.Subject(e)
	if err != nil {
		return err
	}
	q := e.Request.URL.Query()
	text := q.Get("q")
	fl, err := f.parse(e.App, q)
	if err != nil {
		return err
	}
	out, err := f.search(e.App, s, text, fl)
	if err != nil {
		return err
	}
	if fl.page == 1 && e.Auth != nil {
		if err := remember(e.App, e.Auth.Id, text); err != nil {
			return err
		}
	}
	return e.JSON(http.StatusOK, out)
}

// Search is one page of the unified search for s (no filters), as the
// route answers it (benchmarks time this).
func (f *Finder) Search(app core.App, s *policies.Subject, text string, page, perPage int) (*Answer, error) {
	return f.search(app, s, text, &filters{page: page, perPage: perPage})
}

func (f *Finder) search(app core.App, s *policies.Subject, text string, fl *filters) (*Answer, error) {
	parts, bySource, err := f.parts(app, s, fl)
	if err != nil {
		return nil, err
	}
	var listed []search.Part
	for _, p := range parts {
		if len(fl.types) == 0 || slices.Contains(fl.types, p.DocType) {
			listed = append(listed, p)
		}
	}
	if len(parts) == 0 {
		return nil, api.Forbidden() // 三员: no business content at all
	}
	res, err := search.Unified(app, text, parts, listed, fl.page, fl.perPage, fl.byDate)
	if errors.Is(err, search.ErrEmptyQuery) {
		return nil, api.BadField("q", "empty", search.EmptyQueryMessage)
	}
	if err != nil {
		return nil, err
	}
	out := &Answer{Page: api.Page[Item]{Page: res.Page, PerPage: res.PerPage, TotalItems: res.TotalItems, TotalPages: res.TotalPages,
		TotalCapped: res.TotalCapped, Items: []Item{}}, Sort: "relevance", Facets: map[string]int{}}
	if fl.byDate {
		out.Sort = "date"
	}
	for _, src := range f.sources {
		out.Facets[src.Type] = res.Facets[src.Type]
	}
	if out.Items, err = f.items(app, bySource, res.Hits, text); err != nil {
		return nil, err
	}
	return out, nil
}

// records loads the hits' records, keyed type/id.
func (f *Finder) records(app core.App, sources map[string]search.Source, hits []search.UnifiedHit) (map[string]*core.Record, error) {
	ids := map[string][]string{}
	for _, h := range hits {
		ids[h.DocType] = append(ids[h.DocType], h.ID)
	}
	recs := map[string]*core.Record{}
	for t, list := range ids {
		found, err := app.FindRecordsByIds(sources[t].Table, list)
		if err != nil {
			return nil, err
		}
		for _, r := range found {
			recs[t+"/"+r.Id] = r
		}
	}
	return recs, nil
}

// items describes the hits in their order; a record gone meanwhile is
// left out.
func (f *Finder) items(app core.App, sources map[string]search.Source, hits []search.UnifiedHit, text string) ([]Item, error) {
	recs, err := f.records(app, sources, hits)
	if err != nil {
		return nil, err
	}
	nm := api.NewNames(app)
	out := []Item{}
	for _, h := range hits {
		r, ok := recs[h.DocType+"/"+h.ID]
		if !ok {
			continue
		}
		src := sources[h.DocType]
		title, body := src.Text(app, r)
		snippet := search.Snippet(body, text, 120)
		titleSpans := search.Highlight(title, text)
		file := ""
		// the words were in a file when neither title nor text holds them
		if !hasHit(snippet) && !hasHit(titleSpans) && src.Attachments != nil {
			for _, a := range src.Attachments(app, r) {
				if sn := search.Snippet(a.Text, text, 120); hasHit(sn) {
					snippet, file = sn, a.Name
					break
				}
			}
		}
		var plain strings.Builder
		for _, sp := range snippet {
			plain.WriteString(sp.Text)
		}
		out = append(out, Item{Type: src.Type, TypeLabel: src.Label, ID: r.Id, Title: title, Snippet: plain.String(),
			TitleSpans: titleSpans, SnippetSpans: snippet, Unit: r.GetString("unit"),
			UnitName: nm.Of("units", r.GetString("unit")), Created: r.GetString("created"), Date: r.GetString(src.DateCol),
			Link: "#/" + src.Link + r.Id, File: file})
	}
	return out, nil
}

// ObjectTypes: the synonym list (system configuration: the system
// administrator keeps it).
func ObjectTypes() []policies.ObjectType {
	return []policies.ObjectType{{Name: "search_synonym", Table: search.SynonymsTable, Actions: []string{"manage"}}}
}

// Synonyms is the body of GET and PUT /api/gov/search/synonyms.
type Synonyms struct {
	Groups [][]string `json:"groups"`
}

// HandleSynonyms is GET /api/gov/search/synonyms: the groups in force.
func (f *Finder) HandleSynonyms(e *core.RequestEvent) error {
	if _, err := f.app.Require(e, "manage", "search_synonym"); err != nil {
		return err
	}
	groups, err := search.LoadSynonyms(e.App)
	if err != nil {
		return err
	}
	return e.JSON(http.StatusOK, Synonyms{Groups: groups})
}

// HandleSetSynonyms is PUT /api/gov/search/synonyms {groups}: replaces the
// list (audited); queries use it at once.
func (f *Finder) HandleSetSynonyms(e *core.RequestEvent) error {
	if _, err := f.app.Require(e, "manage", "search_synonym"); err != nil {
		return err
	}
	var in Synonyms
	if err := api.DecodeJSON(e, &in); err != nil {
		return err
	}
	if len(in.Groups) > search.MaxSynonymGroups {
		return api.BadField("groups", "too_many", fmt.Sprintf("最多 %d 组", search.MaxSynonymGroups))
	}
	for i, g := range in.Groups {
		for j := range g {
			g[j] = strings.TrimSpace(g[j])
		}
		if msg := search.CheckSynonymGroup(g); msg != "" {
			return api.BadField(fmt.Sprintf("groups[%d]", i), "invalid", msg)
		}
	}
	var before [][]string
	_, err := f.app.ApplyAs(e, "search.synonyms", func(tx core.App, c *api.Change) error {
		var err error
		if before, err = search.LoadSynonyms(tx); err != nil {
			return err
		}
		c.Object, c.Before, c.After = search.SynonymsTable, before, in.Groups
		return search.SaveSynonyms(tx, in.Groups)
	})
	if err != nil {
		return err
	}
	search.SetSynonyms(in.Groups)
	return e.JSON(http.StatusOK, in)
}
