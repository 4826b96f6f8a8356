package training

import (
	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"govcollab/hooks/files"
	"govcollab/hooks/markdown"
	"govcollab/hooks/search"
	"govcollab/policies"
)

// DocType is the search index's name for courses.
const DocType = "course"

// index makes a course searchable by its title, description and category;
// drafts too (their keepers find them), the catalog's rule says who else.
func (m *Module) index(tx core.App, rec *core.Record) error {
	return search.Index(tx, DocType, rec.Id, m.searchDoc(tx, rec))
}

// searchDoc is what the index holds of a course.
func (m *Module) searchDoc(tx core.App, rec *core.Record) search.Doc {
	return search.Doc{Title: rec.GetString("title"),
		Body: markdown.PlainText(rec.GetString("description")), Tags: []string{rec.GetString("category"), rec.GetString("mode")},
		Attachments: search.AttachmentTexts(files.Attachments(tx, DocType, rec.Id))}
}

// reindexFiles indexes a course again once its materials' text is read.
func (m *Module) reindexFiles(tx core.App, id string) error {
	rec, err := tx.FindRecordById(CoursesTable, id)
	if err != nil {
		return nil
	}
	return m.index(tx, rec)
}

// Reindex indexes every course again (search.RebuildPending).
func (m *Module) Reindex(tx core.App) error {
	var recs []*core.Record
	if err := tx.RecordQuery(CoursesTable).All(&recs); err != nil {
		return err
	}
	return search.IndexAll(tx, DocType, recs, func(r *core.Record) search.Doc { return m.searchDoc(tx, r) })
}

// SearchSource is courses in the unified search: those the catalog shows
// the caller (offered to them, or kept by them).
func (m *Module) SearchSource() search.Source {
	return search.Source{Type: DocType, Label: "课程", Table: CoursesTable, DateCol: "created", Link: "training/",
		Part: func(app core.App, s *policies.Subject, conds []dbx.Expression) (search.Part, bool, error) {
			if !m.app.Authz.Permits(s, "read", "course") {
				return search.Part{}, false, nil
			}
			vis, err := m.visible(app, s)
			if err != nil {
				return search.Part{}, false, err
			}
			where := append([]dbx.Expression{m.app.Authz.Filter(s, "read", "course"), vis}, conds...)
			return search.Part{DocType: DocType, Table: CoursesTable, Filter: dbx.And(where...)}, true, nil
		},
		Text: func(_ core.App, rec *core.Record) (string, string) {
			return rec.GetString("title"), markdown.PlainText(rec.GetString("description"))
		},
		Attachments: func(app core.App, rec *core.Record) []search.Attachment {
			return files.Attachments(app, DocType, rec.Id)
		}}
}
