package search

import (
	"fmt"
	"strings"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
)

// bulkSize is how many docs one statement writes.
const bulkSize = 400

// Bulk indexes many docs of one type (a rebuild, a generated data set):
// the same rows Index writes, but a few hundred per statement. FTS5
// writes its pending terms out at every statement that may need rolling
// back, so one statement per doc leaves one small segment per doc to be
// merged; one per few hundred leaves few. Call Flush at the end.
type Bulk struct {
	app     core.App
	docType string
	ids     []string
	docs    []Doc
}

// NewBulk starts a bulk index of docType inside app (a transaction).
func NewBulk(app core.App, docType string) *Bulk { return &Bulk{app: app, docType: docType} }

// Add buffers (docID, d), writing when the buffer is full.
func (b *Bulk) Add(docID string, d Doc) error {
	if docID == "" || b.docType == "" {
		return errNoDoc
	}
	b.ids, b.docs = append(b.ids, docID), append(b.docs, d)
	if len(b.ids) >= bulkSize {
		return b.Flush()
	}
	return nil
}

// Flush writes what is buffered.
func (b *Bulk) Flush() error {
	if len(b.ids) == 0 {
		return nil
	}
	ids, docs := b.ids, b.docs
	b.ids, b.docs = nil, nil
	// a doc given twice: its last version counts
	last := map[string]int{}
	for i, id := range ids {
		last[id] = i
	}
	if len(last) < len(ids) {
		var keepIDs []string
		var keepDocs []Doc
		for i, id := range ids {
			if last[id] == i {
				keepIDs, keepDocs = append(keepIDs, id), append(keepDocs, docs[i])
			}
		}
		ids, docs = keepIDs, keepDocs
	}
	db := b.app.DB()
	// docs already indexed keep their rowid; their old text goes
	in := make([]any, len(ids))
	for i, id := range ids {
		in[i] = id
	}
	var have []struct {
		ID    int64  `db:"id"`
		DocID string `db:"doc_id"`
	}
	if err := db.Select("id", "doc_id").From(DocsTable).Where(dbx.And(dbx.HashExp{"doc_type": b.docType}, dbx.In("doc_id", in...))).
		All(&have); err != nil {
		return err
	}
	rowid := map[string]int64{}
	if len(have) > 0 {
		old := make([]any, len(have))
		for i, h := range have {
			rowid[h.DocID], old[i] = h.ID, h.ID
		}
		if _, err := db.Delete(FTSTable, dbx.In("rowid", old...)).Execute(); err != nil {
			return err
		}
		if _, err := db.Delete(DocsTable, dbx.In("id", old...)).Execute(); err != nil {
			return err
		}
	}
	var next int64
	if err := db.NewQuery("SELECT min(coalesce((SELECT min(id) FROM search_docs), 0), 0)").Row(&next); err != nil {
		return err
	}
	var dsql, fsql strings.Builder
	dsql.WriteString("INSERT INTO search_docs (id, doc_type, doc_id, vis) VALUES ")
	fsql.WriteString("INSERT INTO search_fts (rowid, title, summary, body, tags, vis) VALUES ")
	dp, fp := dbx.Params{"t": b.docType}, dbx.Params{}
	for i, id := range ids {
		r, ok := rowid[id]
		if !ok {
			next--
			r = next
		}
		d := docs[i]
		vis := strings.Join(append([]string{typeToken(b.docType)}, d.Vis...), " ")
		if i > 0 {
			dsql.WriteString(", ")
			fsql.WriteString(", ")
		}
		fmt.Fprintf(&dsql, "({:r%d}, {:t}, {:d%d}, {:v%d})", i, i, i)
		fmt.Fprintf(&fsql, "({:r%d}, {:a%d}, {:s%d}, {:b%d}, {:g%d}, {:v%d})", i, i, i, i, i, i)
		k := fmt.Sprint(i)
		dp["r"+k], dp["d"+k], dp["v"+k] = r, id, vis
		fp["r"+k], fp["v"+k] = r, vis
		fp["a"+k], fp["s"+k] = IndexText(d.Title), IndexText(d.Summary)
		fp["b"+k] = IndexText(strings.Join(append([]string{d.Body}, d.Attachments...), "\n"))
		fp["g"+k] = IndexText(strings.Join(d.Tags, "\n"))
	}
	if _, err := db.NewQuery(dsql.String()).Bind(dp).Execute(); err != nil {
		return err
	}
	_, err := db.NewQuery(fsql.String()).Bind(fp).Execute()
	return err
}

// IndexAll indexes recs in bulk (a rebuild), each as doc makes it.
func IndexAll(tx core.App, docType string, recs []*core.Record, doc func(*core.Record) Doc) error {
	bk := NewBulk(tx, docType)
	for _, r := range recs {
		if err := bk.Add(r.Id, doc(r)); err != nil {
			return err
		}
	}
	return bk.Flush()
}
