package notices

import (
	"errors"
	"net/http"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"govcollab/hooks/api"
	"govcollab/hooks/files"
	"govcollab/hooks/markdown"
	"govcollab/hooks/search"
	"govcollab/policies"
)

// DocType is the search index's name for notices.
const DocType = "notice"

// index makes rec searchable (inside tx); a copy is indexed with its
// root's words, so whoever holds the copy finds it.
func (m *Module) index(tx core.App, rec *core.Record) error {
	return search.Index(tx, DocType, rec.Id, m.searchDoc(tx, rec))
}

// searchDoc is what the index holds of a notice (a copy: its root's words).
func (m *Module) searchDoc(tx core.App, rec *core.Record) search.Doc {
	content := m.contentOf(tx, rec)
	return search.Doc{Title: content.GetString("title"),
		Body: markdown.PlainText(content.GetString("body")), Tags: []string{rec.GetString("category")},
		Attachments: search.AttachmentTexts(files.Attachments(tx, DocType, content.Id))}
}

// reindexFiles indexes a published notice and its copies again once its
// files' text is read.
func (m *Module) reindexFiles(tx core.App, id string) error {
	rec, err := tx.FindRecordById(NoticesTable, id)
	if err != nil {
		return nil
	}
	return m.reindexChain(tx, rec)
}

// Reindex indexes every published notice again (search.RebuildPending).
func (m *Module) Reindex(tx core.App) error {
	var recs []*core.Record
	if err := tx.RecordQuery(NoticesTable).Where(dbx.HashExp{"status": "published"}).All(&recs); err != nil {
		return err
	}
	return search.IndexAll(tx, DocType, recs, func(r *core.Record) search.Doc { return m.searchDoc(tx, r) })
}

// reindexChain re-indexes a corrected root and its published copies.
func (m *Module) reindexChain(tx core.App, root *core.Record) error {
	var tree []*core.Record
	if err := tx.RecordQuery(NoticesTable).Where(dbx.And(dbx.HashExp{"root": root.Id, "status": "published"})).All(&tree); err != nil {
		return err
	}
	for _, n := range tree {
		if err := m.index(tx, n); err != nil {
			return err
		}
	}
	return nil
}

// unindex takes a notice out of search (withdrawn).
func (m *Module) unindex(tx core.App, id string) error { return search.Remove(tx, DocType, id) }

// Found is a search hit with the matched text as spans (never HTML).
type Found struct {
	Item
	TitleSpans   []search.Span `json:"title_spans"`
	SnippetSpans []search.Span `json:"snippet_spans"`
}

// handleSearch answers GET /api/gov/notices?q=…: published notices the
// user may read that match, the policy Filter inside the search's SQL.
func (m *Module) handleSearch(e *core.RequestEvent, text string) error {
	s, err := m.app.Require(e, "read", "notice")
	if err != nil {
		return err
	}
	q := e.Request.URL.Query()
	spec := listSpec
	spec.Where = dbx.HashExp{"status": "published"}
	where, err := spec.Conditions(m.app, s, q)
	if err != nil {
		return err
	}
	page, perPage, err := api.Paging(q, 50)
	if err != nil {
		return err
	}
	recs, res, err := search.Records(e.App, search.Query{DocType: DocType, Text: text, Table: NoticesTable,
		Filter: where, Page: page, PerPage: perPage})
	if errors.Is(err, search.ErrEmptyQuery) {
		return api.BadField("q", "empty", search.EmptyQueryMessage)
	}
	if err != nil {
		return err
	}
	items, err := m.items(e.App, s, recs)
	if err != nil {
		return err
	}
	out := api.Page[Found]{Page: res.Page, PerPage: res.PerPage, TotalItems: res.TotalItems, TotalPages: res.TotalPages,
		TotalCapped: res.TotalCapped, Items: []Found{}}
	for i, r := range recs {
		body := markdown.PlainText(m.contentOf(e.App, r).GetString("body"))
		out.Items = append(out.Items, Found{Item: items[i], TitleSpans: search.Highlight(items[i].Title, text),
			SnippetSpans: search.Snippet(body, text, 120)})
	}
	return e.JSON(http.StatusOK, out)
}

// contentOf is the record holding rec's words: itself, or a copy's root.
func (m *Module) contentOf(app core.App, rec *core.Record) *core.Record {
	if root := rec.GetString("root"); root != "" && root != rec.Id {
		if c, err := app.FindRecordById(NoticesTable, root); err == nil {
			return c
		}
	}
	return rec
}

// SearchSource is notices in the unified search: published notices the
// caller may read (the policy in SQL: recipients are a join).
func (m *Module) SearchSource() search.Source {
	return search.Source{Type: DocType, Label: "通知", Table: NoticesTable, DateCol: "published_at", Link: "notices/",
		Part: func(_ core.App, s *policies.Subject, conds []dbx.Expression) (search.Part, bool, error) {
			if !m.app.Authz.Permits(s, "read", "notice") {
				return search.Part{}, false, nil
			}
			where := append([]dbx.Expression{m.app.Authz.Filter(s, "read", "notice"), dbx.HashExp{"notices.status": "published"}}, conds...)
			return search.Part{DocType: DocType, Table: NoticesTable, Filter: dbx.And(where...)}, true, nil
		},
		Text: func(app core.App, rec *core.Record) (string, string) {
			c := m.contentOf(app, rec)
			return c.GetString("title"), markdown.PlainText(c.GetString("body"))
		},
		Attachments: func(app core.App, rec *core.Record) []search.Attachment {
			return files.Attachments(app, DocType, m.contentOf(app, rec).Id)
		}}
}
