package casework

import (
	"encoding/json"
	"errors"
	"govcollab/hooks/markdown"
	"net/http"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"govcollab/hooks/api"
	"govcollab/hooks/files"
	"govcollab/hooks/search"
	"govcollab/policies"
)

// DocType is the search index's name for cases.
const DocType = "case"

// index makes the published face of rec searchable (inside tx).
func (m *Module) index(tx core.App, rec *core.Record) error {
	return search.Index(tx, DocType, rec.Id, m.searchDoc(tx, rec))
}

// searchDoc is what the index holds of a case.
func (m *Module) searchDoc(tx core.App, rec *core.Record) search.Doc {
	var tags []string
	_ = json.Unmarshal([]byte(rec.GetString("tags")), &tags)
	return search.Doc{Title: rec.GetString("title"),
		Summary: rec.GetString("summary"), Body: markdown.PlainText(rec.GetString("body")), Tags: tags,
		Vis: m.app.Authz.VisTokens("case", rec), Attachments: search.AttachmentTexts(files.Attachments(tx, DocType, rec.Id))}
}

// reindexFiles indexes a published case again once its files' text is read.
func (m *Module) reindexFiles(tx core.App, id string) error {
	rec, err := tx.FindRecordById(CasesTable, id)
	if err != nil || rec.GetString("live") != "published" {
		return nil // gone, or not in the index
	}
	return m.index(tx, rec)
}

// Reindex indexes every published case again (search.RebuildPending).
func (m *Module) Reindex(tx core.App) error {
	var recs []*core.Record
	if err := tx.RecordQuery(CasesTable).Where(dbx.HashExp{"live": "published"}).All(&recs); err != nil {
		return err
	}
	return search.IndexAll(tx, DocType, recs, func(r *core.Record) search.Doc { return m.searchDoc(tx, r) })
}

// follower keeps indexed cases' visibility tokens current when a case's
// scope, status, unit or path changes.
func (m *Module) follower() *search.Follower {
	return &search.Follower{DocType: DocType, Table: CasesTable, Object: "case", Authz: m.app.Authz, Index: m.index,
		Belongs: func(rec *core.Record) bool { return rec.GetString("live") == "published" }}
}

// indexedFacts hold for every case in the index (the follower's Belongs).
var indexedFacts = []policies.Cond{{Field: "live", Values: []string{"published"}}}

// searchWhere is the policy and list filters of a case search: the policy
// as visibility tokens, matched inside the index (which holds published
// cases only), when it has a token form; else all of it as SQL.
func (m *Module) searchWhere(s *policies.Subject, named []dbx.Expression, extra ...dbx.Expression) (vis string, filter dbx.Expression) {
	pol, ok := m.app.Authz.MatchFilter(s, "read", "case", indexedFacts...)
	conds := append(named, extra...)
	if ok {
		if len(conds) > 0 {
			filter = dbx.And(conds...)
		}
		return pol, filter
	}
	return "", dbx.And(append([]dbx.Expression{m.app.Authz.Filter(s, "read", "case"), dbx.HashExp{"live": "published"}}, conds...)...)
}

// unindex takes a case out of search (taken offline or archived).
func (m *Module) unindex(tx core.App, id string) error { return search.Remove(tx, DocType, id) }

// renderBody renders a case body; a body too big (or rendering too big) is
// a 400 naming it.
func renderBody(src string) (string, error) {
	html, err := markdown.Render(src)
	if errors.Is(err, markdown.ErrTooLarge) {
		return "", api.BadField("body", "too_long", "正文过长（或展开后过长），请精简后再保存")
	}
	return html, err
}

// Found is a search hit: the case and the matched text highlighted (spans,
// never HTML, so nothing typed reaches the page as markup).
type Found struct {
	Item
	TitleSpans   []search.Span `json:"title_spans"`
	SnippetSpans []search.Span `json:"snippet_spans"`
}

// handleSearch answers GET /api/gov/cases?q=…: published cases the user may
// read that match q (bigram full-text search, bm25 with the title weighted
// most, within windows of the newest matches), with the list's filters,
// all inside SQL so that the total counts only what the user may see; past
// search.MaxTotal the total is capped and totalCapped set.
func (m *Module) handleSearch(e *core.RequestEvent, text string) error {
	s, err := m.app.Require(e, "read", "case")
	if err != nil {
		return err
	}
	q := e.Request.URL.Query()
	named, err := listSpec.Named(q)
	if err != nil {
		return err
	}
	vis, where := m.searchWhere(s, named)
	page, perPage, err := api.Paging(q, 50)
	if err != nil {
		return err
	}
	recs, res, err := search.Records(e.App, search.Query{DocType: DocType, Text: text, Table: CasesTable,
		Vis: vis, Filter: where, Page: page, PerPage: perPage})
	if errors.Is(err, search.ErrEmptyQuery) {
		return api.BadField("q", "empty", "请输入要搜索的文字")
	}
	if err != nil {
		return err
	}
	nm := api.NewNames(e.App)
	out := api.Page[Found]{Page: res.Page, PerPage: res.PerPage, TotalItems: res.TotalItems, TotalPages: res.TotalPages,
		TotalCapped: res.TotalCapped, Items: []Found{}}
	for _, r := range recs {
		it := m.listItem(s, r, nm)
		snippet := search.Snippet(r.GetString("summary"), text, 120)
		if !anyHit(snippet) {
			if body := search.Snippet(markdown.PlainText(r.GetString("body")), text, 120); anyHit(body) || len(snippet) == 0 {
				snippet = body
			}
		}
		out.Items = append(out.Items, Found{Item: it, TitleSpans: search.Highlight(it.Title, text), SnippetSpans: snippet})
	}
	return e.JSON(http.StatusOK, out)
}

func anyHit(spans []search.Span) bool {
	for _, sp := range spans {
		if sp.Hit {
			return true
		}
	}
	return false
}

// SearchSource is cases in the unified search: published cases the caller
// may read (the policy as tokens where it has that form, as in the case
// search).
func (m *Module) SearchSource() search.Source {
	return search.Source{Type: DocType, Label: "案例", Table: CasesTable, DateCol: "published_at", Link: "cases/",
		Part: func(_ core.App, s *policies.Subject, conds []dbx.Expression) (search.Part, bool, error) {
			if !m.app.Authz.Permits(s, "read", "case") {
				return search.Part{}, false, nil
			}
			vis, filter := m.searchWhere(s, nil, conds...)
			return search.Part{DocType: DocType, Table: CasesTable, Vis: vis, Filter: filter}, true, nil
		},
		Text: func(_ core.App, rec *core.Record) (string, string) {
			return rec.GetString("title"), rec.GetString("summary") + "\n" + markdown.PlainText(rec.GetString("body"))
		},
		Tags: func(rec *core.Record) []string {
			var tags []string
			_ = json.Unmarshal([]byte(rec.GetString("tags")), &tags)
			return tags
		},
		Attachments: func(app core.App, rec *core.Record) []search.Attachment {
			return files.Attachments(app, DocType, rec.Id)
		}}
}
