package approval

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"

	"govcollab/hooks/api"
	"govcollab/hooks/files"
)

// Archiving: a finished document (dispatched, or closed) goes into the
// WORM archive of the files service — a JSON record of the document with
// its whole action trail and every file's hash, plus each file itself —
// and only then is marked archived. Storing is idempotent per content, so
// the job that retries unfinished ones never stores twice; the archive's
// re-hash job covers these objects like any other.

// ArchiveClass is the retention class of archived documents (文书档案).
var ArchiveClass = map[string]string{"发文": "永久", "纪要": "永久", "函": "30年", "请示": "30年", "签报": "10年", "收文": "30年"}

const archiveTimeout = 2 * time.Minute

// archiveBundle is what the archive keeps of a document.
type archiveBundle struct {
	Doc    map[string]any `json:"doc"`
	Events []Event        `json:"events"`
	Tasks  []TaskView     `json:"tasks"`
	Files  []archivedFile `json:"files"`
}

type archivedFile struct {
	ID     string `json:"id"`
	Name   string `json:"name"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
	Body   bool   `json:"body"`
}

// Archive stores document id in the archive if it is finished and not yet
// archived; it returns whether it did.
func (m *Module) Archive(ctx context.Context, id string) (bool, error) {
	// one archiver per document at a time (the job and a retry may meet);
	// reruns after a crash store the same bytes again, which the archive
	// recognises, so a document is archived exactly once
	l, _ := m.archiving.LoadOrStore(id, &sync.Mutex{})
	l.(*sync.Mutex).Lock()
	defer l.(*sync.Mutex).Unlock()
	doc, err := m.app.FindRecordById(DocsTable, id)
	if err != nil {
		return false, err
	}
	if st := doc.GetString("status"); (st != "dispatched" && st != "closed") || doc.GetString("archive") != "" {
		return false, nil
	}
	ctx, cancel := context.WithTimeout(ctx, archiveTimeout)
	defer cancel()
	class := ArchiveClass[doc.GetString("type")]
	if class == "" {
		class = "30年"
	}
	var rows []*core.Record
	if err := m.app.RecordQuery(files.FilesTable).Where(dbx.HashExp{"ref_type": "doc", "ref_id": doc.Id}).OrderBy("created").All(&rows); err != nil {
		return false, err
	}
	b := archiveBundle{Doc: map[string]any{}, Files: []archivedFile{}}
	for _, f := range doc.Collection().Fields.FieldNames() {
		if f != "updated" { // bookkeeping: the bundle is the same bytes on every run
			b.Doc[f] = doc.Get(f)
		}
	}
	if b.Events, err = m.events(m.app, doc); err != nil {
		return false, err
	}
	steps, _, err := m.steps(m.app, nobody, doc, api.NewNames(m.app))
	if err != nil {
		return false, err
	}
	for _, st := range steps {
		b.Tasks = append(b.Tasks, st.Tasks...)
	}
	for _, r := range rows {
		b.Files = append(b.Files, archivedFile{ID: r.Id, Name: r.GetString("name"), Size: int64(r.GetInt("size")),
			SHA256: r.GetString("sha256"), Body: r.Id == doc.GetString("body_file")})
		content, err := m.readFile(ctx, r)
		if err != nil {
			return false, err
		}
		if _, err := m.files.Store(ctx, "", files.ArchiveInput{RefType: "doc", RefID: doc.Id, Class: class,
			Name: r.GetString("name"), MIME: r.GetString("mime"), Content: content}); err != nil {
			return false, err
		}
	}
	raw, err := json.MarshalIndent(b, "", " ")
	if err != nil {
		return false, err
	}
	name := doc.GetString("number")
	if name == "" {
		name = doc.GetString("title")
	}
	rec, err := m.files.Store(ctx, "", files.ArchiveInput{RefType: "doc", RefID: doc.Id, Class: class,
		Name: name + ".json", MIME: "application/json", Content: raw})
	if err != nil {
		return false, err
	}
	marked := false
	_, err = m.app.Apply("", "doc.archive", func(tx core.App, c *api.Change) error {
		fresh, err := tx.FindRecordById(DocsTable, id)
		if err != nil || fresh.GetString("archive") != "" {
			return err
		}
		marked = true
		now, _ := types.ParseDateTime(m.now().UTC())
		fresh.Set("archive", rec.Id)
		fresh.Set("archived_at", now)
		fresh.Set("status", "archived")
		c.Object = DocsTable + "/" + id
		c.After = map[string]any{"archive": rec.Id, "class": class, "files": len(rows)}
		if err := tx.Save(fresh); err != nil {
			return err
		}
		return m.event(tx, fresh, "", "archive", -1, "", map[string]any{"class": class})
	})
	return marked && err == nil, err
}

func (m *Module) readFile(ctx context.Context, r *core.Record) ([]byte, error) {
	rc, err := m.files.Files.Open(ctx, r.GetString("key"))
	if err != nil {
		return nil, fmt.Errorf("approval: archive %s: %w", r.Id, err)
	}
	defer rc.Close()
	return io.ReadAll(rc)
}

// ArchiveDue archives every finished document not yet archived (the job
// behind a crash or an object store that was down).
func (m *Module) ArchiveDue(ctx context.Context) (int, error) {
	var ids []string
	err := m.app.DB().Select("id").From(DocsTable).Where(dbx.And(dbx.In("status", "dispatched", "closed"),
		dbx.HashExp{"archive": ""})).OrderBy("updated").Limit(500).Column(&ids)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, id := range ids {
		ok, err := m.Archive(ctx, id)
		if err != nil {
			m.app.Logger().Error("document not archived yet", "doc", id, "error", err.Error())
			continue
		}
		if ok {
			n++
		}
	}
	return n, nil
}

// Schedule registers the archive job (every five minutes).
func (m *Module) Schedule() {
	m.app.Cron().MustAdd("docs_archive", "*/5 * * * *", func() {
		if _, err := m.ArchiveDue(context.Background()); err != nil {
			m.app.Logger().Error("docs archive job", "error", err.Error())
		}
	})
}
