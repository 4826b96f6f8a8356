package files

import (
	"context"
	"io"
	"os"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"govcollab/hooks/search"
)

// TextsTable holds what extraction read out of each attached file.
const TextsTable = "file_texts"

// ExtractCronID runs the extraction of attachments' text every minute.
const (
	ExtractCronID   = "govFilesExtract"
	ExtractCronSpec = "* * * * *"
	extractBatch    = 50
)

// Reindexer re-indexes the record refID of a ref type once its files'
// text is known (inside tx).
type Reindexer func(tx core.App, refID string) error

// RegisterText asks that the files of refType be read for search, and
// names how the owning record is indexed again afterwards.
func (m *Module) RegisterText(refType string, reindex Reindexer) { m.texts.Store(refType, reindex) }

// Attachments are the texts read from the files attached to (refType,
// refID), in the order they were attached, as the search indexes them. An
// error leaves them out (the index then holds the record's own words; the
// next save or extraction indexes it again).
func Attachments(app core.App, refType, refID string) []search.Attachment {
	var out []search.Attachment
	err := app.DB().NewQuery(`SELECT f.name AS name, t.text AS text FROM files f JOIN file_texts t ON t.file = f.id
		WHERE f.ref_type = {:t} AND f.ref_id = {:id} AND t.status = 'done' AND t.text != '' ORDER BY f.created, f.id`).
		Bind(dbx.Params{"t": refType, "id": refID}).All(&out)
	if err != nil {
		app.Logger().Warn("files: attachments' text not read", "ref_type", refType, "ref_id", refID, "error", err.Error())
		return nil
	}
	return out
}

// ExtractPending reads the text of up to limit attached files not yet
// looked at (of the registered ref types), records it, and re-indexes
// each owner once. It returns how many files it looked at.
func (m *Module) ExtractPending(ctx context.Context, limit int) (int, error) {
	var types []any
	m.texts.Range(func(k, _ any) bool { types = append(types, k); return true })
	if len(types) == 0 {
		return 0, nil
	}
	var todo []*core.Record
	err := m.app.RecordQuery(FilesTable).
		Where(dbx.In("files.ref_type", types...)).
		AndWhere(dbx.NewExp("NOT EXISTS (SELECT 1 FROM file_texts ft WHERE ft.file = files.id)")).
		OrderBy("files.created").Limit(int64(limit)).All(&todo)
	if err != nil || len(todo) == 0 {
		return 0, err
	}
	owners := map[[2]string]bool{}
	for _, f := range todo {
		if ctx.Err() != nil {
			break
		}
		status, text, why := m.extractOne(ctx, f)
		_, err := m.app.DB().NewQuery(`INSERT OR REPLACE INTO file_texts (file, status, text, error, extracted)
			VALUES ({:f}, {:s}, {:t}, {:e}, {:at})`).Bind(dbx.Params{"f": f.Id, "s": status, "t": text, "e": why,
			"at": m.now().UTC().Format(time.RFC3339)}).Execute()
		if err != nil {
			return 0, err
		}
		if status == "done" && text != "" {
			owners[[2]string{f.GetString("ref_type"), f.GetString("ref_id")}] = true
		}
	}
	for o := range owners {
		v, ok := m.texts.Load(o[0])
		if !ok {
			continue
		}
		if err := m.app.RunInTransaction(func(tx core.App) error { return v.(Reindexer)(tx, o[1]) }); err != nil {
			m.app.Logger().Warn("files: re-index after extraction failed", "ref_type", o[0], "ref_id", o[1], "error", err.Error())
		}
	}
	return len(todo), nil
}

// extractOne reads one file's text: status done (text may be empty), none
// (a type without text) or failed (why).
func (m *Module) extractOne(ctx context.Context, f *core.Record) (status, text, why string) {
	ext := f.GetString("ext")
	if !HasText(ext) {
		return "none", "", ""
	}
	octx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	rc, err := m.Files.Open(octx, f.GetString("key"))
	if err != nil {
		return "failed", "", err.Error()
	}
	defer rc.Close()
	// random access for the readers (zip, pdf): a temp file, not memory
	tmp, err := os.CreateTemp("", "govtext-*")
	if err != nil {
		return "failed", "", err.Error()
	}
	defer os.Remove(tmp.Name())
	defer tmp.Close()
	n, err := io.Copy(tmp, rc)
	if err != nil {
		return "failed", "", err.Error()
	}
	text, err = ExtractText(tmp, n, ext)
	if err != nil {
		return "failed", "", err.Error()
	}
	return "done", text, ""
}

// scheduleExtract runs ExtractPending every minute until nothing is left.
func (m *Module) scheduleExtract() {
	m.app.Cron().MustAdd(ExtractCronID, ExtractCronSpec, func() {
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Second)
		defer cancel()
		for ctx.Err() == nil {
			n, err := m.ExtractPending(ctx, extractBatch)
			if err != nil {
				m.app.Logger().Error("files: text extraction failed", "error", err.Error())
				return
			}
			if n < extractBatch {
				return
			}
		}
	})
}
