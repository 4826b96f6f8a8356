package approval

import (
	"strings"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"govcollab/hooks/api"
	"govcollab/hooks/files"
	"govcollab/hooks/markdown"
	"govcollab/hooks/search"
	"govcollab/policies"
)

// DocType is the search index's name for documents (公文).
const DocType = "doc"

// index makes a document searchable by its title, its number (发文字号 or
// the sender's for 收文), its organ and its body text; every document is
// in the index, the policy says who finds it.
func (m *Module) index(tx core.App, rec *core.Record) error {
	return search.Index(tx, DocType, rec.Id, m.searchDoc(tx, rec))
}

// searchDoc is what the index holds of a document.
func (m *Module) searchDoc(tx core.App, rec *core.Record) search.Doc {
	organ := rec.GetString("sender_org")
	if organ == "" {
		organ = api.NewNames(tx).Of("units", rec.GetString("unit"))
	}
	return search.Doc{Title: rec.GetString("title"),
		Summary: strings.Join([]string{rec.GetString("number"), rec.GetString("sender_number"), organ}, "\n"),
		Body:    markdown.PlainText(rec.GetString("body")), Tags: []string{rec.GetString("type")},
		Attachments: search.AttachmentTexts(files.Attachments(tx, DocType, rec.Id))}
}

// reindexFiles indexes a document again once its files' text is read.
func (m *Module) reindexFiles(tx core.App, id string) error {
	rec, err := tx.FindRecordById(DocsTable, id)
	if err != nil {
		return nil
	}
	return m.index(tx, rec)
}

// Reindex indexes every document again (search.RebuildPending).
func (m *Module) Reindex(tx core.App) error {
	var recs []*core.Record
	if err := tx.RecordQuery(DocsTable).All(&recs); err != nil {
		return err
	}
	return search.IndexAll(tx, DocType, recs, func(r *core.Record) search.Doc { return m.searchDoc(tx, r) })
}

// SearchSource is documents in the unified search: those the caller may
// read (the policy in SQL: participants are a join).
func (m *Module) SearchSource() search.Source {
	return search.Source{Type: DocType, Label: "公文", Table: DocsTable, DateCol: "created", Link: "docs/",
		Part: func(_ core.App, s *policies.Subject, conds []dbx.Expression) (search.Part, bool, error) {
			if !m.app.Authz.Permits(s, "read", "doc") {
				return search.Part{}, false, nil
			}
			where := append([]dbx.Expression{m.app.Authz.Filter(s, "read", "doc")}, conds...)
			return search.Part{DocType: DocType, Table: DocsTable, Filter: dbx.And(where...)}, true, nil
		},
		Text: func(_ core.App, rec *core.Record) (string, string) {
			num := rec.GetString("number")
			if num == "" {
				num = rec.GetString("sender_number")
			}
			return rec.GetString("title"), strings.TrimSpace(num+" "+rec.GetString("sender_org")) + "\n" + markdown.PlainText(rec.GetString("body"))
		},
		Attachments: func(app core.App, rec *core.Record) []search.Attachment {
			return files.Attachments(app, DocType, rec.Id)
		}}
}
