package casework

import (
	"net/http"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"govcollab/hooks/api"
	"govcollab/hooks/search"
)

const relatedLimit = 5

// HandleSimilar is GET /api/gov/cases/{id}/similar: up to five published
// cases the user may read whose text best matches this case's title and
// tags.
func (m *Module) HandleSimilar(e *core.RequestEvent) error {
	s, rec, err := api.View(m.app, e, "case", "read", e.Request.PathValue("id"))
	if err != nil {
		return err
	}
	vis, where := m.searchWhere(s, nil)
	nm := api.NewNames(e.App)
	items := []Item{}
	// any word of the title may match: similar, not identical
	for _, q := range similarQueries(rec) {
		recs, _, err := search.Records(e.App, search.Query{DocType: DocType, Text: q, Table: CasesTable, Vis: vis, Filter: where, PerPage: relatedLimit + 1}) // +1: the case itself is skipped
		if err != nil {
			continue
		}
		for _, r := range recs {
			if len(items) < relatedLimit && r.Id != rec.Id && !containsItem(items, r.Id) {
				items = append(items, m.listItem(s, r, nm))
			}
		}
		if len(items) >= relatedLimit {
			break
		}
	}
	return e.JSON(http.StatusOK, map[string]any{"items": items})
}

// similarQueries are the searches that find similar cases, best first:
// the tags, then the title's two-character words.
func similarQueries(rec *core.Record) []string {
	var qs []string
	var tags []string
	_ = rec.UnmarshalJSONField("tags", &tags)
	qs = append(qs, tags...)
	for _, tok := range search.Tokenize(rec.GetString("title")) {
		if len([]rune(tok)) == 2 {
			qs = append(qs, tok)
		}
	}
	return qs
}

func containsItem(items []Item, id string) bool {
	for _, it := range items {
		if it.ID == id {
			return true
		}
	}
	return false
}

// HandleRelated is GET /api/gov/cases/{id}/related: other published cases,
// across departments, about the same enterprises or people as this one,
// that the user may read.
func (m *Module) HandleRelated(e *core.RequestEvent) error {
	s, rec, err := api.View(m.app, e, "case", "read", e.Request.PathValue("id"))
	if err != nil {
		return err
	}
	where := dbx.And(m.app.Authz.Filter(s, "read", "case"), dbx.HashExp{"live": "published"},
		dbx.Not(dbx.HashExp{"id": rec.Id}),
		dbx.NewExp("id IN (SELECT o.case_id FROM case_entities o JOIN case_entities me ON me.number_hash = o.number_hash AND me.kind = o.kind WHERE me.case_id = {:me})",
			dbx.Params{"me": rec.Id}))
	var recs []*core.Record
	if err := e.App.RecordQuery(CasesTable).Where(where).OrderBy("published_at DESC").Limit(50).All(&recs); err != nil {
		return err
	}
	nm := api.NewNames(e.App)
	items := []Item{}
	for _, r := range recs {
		items = append(items, m.listItem(s, r, nm))
	}
	return e.JSON(http.StatusOK, map[string]any{"items": items})
}
