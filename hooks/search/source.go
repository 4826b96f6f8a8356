package search

import (
	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"govcollab/policies"
)

// Source is one doc type as the unified search (GET /api/gov/search) sees
// it; the owning module fills it in.
type Source struct {
	Type  string // the doc type given to Index
	Label string // its name for people: 案例, 通知, 公文, 课程
	Table string // the domain collection
	// DateCol is the record's date for the date filter and the list
	// (published_at, created…); Link is its page's route, "cases/" for
	// #/cases/{id}.
	DateCol, Link string
	// Part is s's search over this type with conds (list filters on Table,
	// qualified [[table.column]]) ANDed; ok false when s may not read this
	// type at all.
	Part func(app core.App, s *policies.Subject, conds []dbx.Expression) (p Part, ok bool, err error)
	// Text is a found record's title and the text its snippet is cut from.
	Text func(app core.App, rec *core.Record) (title, body string)
	// Tags are a found record's tags, offered as suggestions (nil: none).
	Tags func(rec *core.Record) []string
	// Attachments are a found record's files with their text, for naming
	// the file a hit is in (nil: none).
	Attachments func(app core.App, rec *core.Record) []Attachment
}

// Attachment is a file of a record and its text.
type Attachment struct {
	Name string `db:"name"`
	Text string `db:"text"`
}

// Keep indexes table's records in the transaction that saves them: after
// a create, or an update that changed one of fields, the record is indexed
// (index); after a delete, taken out. For types whose policy is applied
// in SQL (no visibility tokens), every record in the index.
func Keep(app core.App, table, docType string, index func(tx core.App, rec *core.Record) error, fields ...string) {
	save := func(e *core.RecordEvent) error {
		if err := e.Next(); err != nil {
			return err
		}
		return index(e.App, e.Record)
	}
	app.OnRecordCreateExecute(table).BindFunc(save)
	app.OnRecordUpdateExecute(table).BindFunc(func(e *core.RecordEvent) error {
		for _, f := range fields {
			if e.Record.GetString(f) != e.Record.Original().GetString(f) {
				return save(e)
			}
		}
		return e.Next() // a counter or a status: the words are as indexed
	})
	app.OnRecordDeleteExecute(table).BindFunc(func(e *core.RecordEvent) error {
		if err := e.Next(); err != nil {
			return err
		}
		return Remove(e.App, docType, e.Record.Id)
	})
}

// AttachmentTexts turns (name, text) pairs into the texts a Doc indexes.
func AttachmentTexts(as []Attachment) []string {
	out := make([]string, 0, len(as))
	for _, a := range as {
		out = append(out, a.Text)
	}
	return out
}
