package files

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"

	"govcollab/hooks/api"
	"govcollab/hooks/security/retention"
)

// MaxFilesPerRecord bounds one record's attachments.
const MaxFilesPerRecord = 50

// Set makes ids exactly the files of record refType/refID, inside the
// record's own transaction tx: new ids must be the actor's pending uploads
// (else a 400 naming field, nothing changed); files the record had and ids
// no longer lists are released (their rows deleted; objects no row needs
// are removed by the sweep). The owning type must be a registered policy
// object type (downloads are decided on the owning record).
func (m *Module) Set(tx core.App, actor, field string, ids []string, refType, refID string) ([]Info, error) {
	if _, ok := m.app.Authz.Type(refType); !ok {
		return nil, fmt.Errorf("files: owner type %q is not registered", refType)
	}
	if len(ids) > MaxFilesPerRecord {
		return nil, api.BadField(field, "too_many", fmt.Sprintf("附件最多 %d 个", MaxFilesPerRecord))
	}
	current, err := tx.FindAllRecords(FilesTable, dbx.HashExp{"ref_type": refType, "ref_id": refID})
	if err != nil {
		return nil, err
	}
	have := map[string]*core.Record{}
	for _, r := range current {
		have[r.Id] = r
	}
	var out []Info
	seen := map[string]bool{}
	for _, id := range ids {
		if seen[id] {
			continue
		}
		seen[id] = true
		if r, ok := have[id]; ok {
			out = append(out, infoOf(r))
			continue
		}
		r, err := tx.FindRecordById(FilesTable, id)
		if err != nil || r.GetString("uploader") != actor || r.GetString("ref_type") != "" {
			return nil, api.BadField(field, "unknown_file", "附件 "+id+" 不存在或不是您上传的待用文件")
		}
		r.Set("ref_type", refType)
		r.Set("ref_id", refID)
		r.Set("attached", types.NowDateTime())
		if err := tx.Save(r); err != nil {
			return nil, err
		}
		out = append(out, infoOf(r))
	}
	for id, r := range have {
		if !slices.Contains(ids, id) {
			if err := tx.Delete(r); err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}

// List returns the files of record refType/refID, oldest first.
func (m *Module) List(app core.App, refType, refID string) ([]Info, error) {
	recs, err := app.FindRecordsByFilter(FilesTable, "ref_type = {:t} && ref_id = {:id}", "created", 0, 0,
		dbx.Params{"t": refType, "id": refID})
	if err != nil {
		return nil, err
	}
	out := make([]Info, 0, len(recs))
	for _, r := range recs {
		out = append(out, infoOf(r))
	}
	return out, nil
}

// PurgePending is the retention class personal_uploads: uploads no record
// took up, older than the retention period, are deleted (their objects go
// with the next sweep).
func PurgePending(tx core.App, before time.Time) (int, error) {
	res, err := tx.DB().NewQuery("DELETE FROM files WHERE ref_type = '' AND created < {:b}").
		Bind(dbx.Params{"b": retention.DBTime(before)}).Execute()
	if err != nil {
		return 0, err
	}
	n, err := res.RowsAffected()
	return int(n), err
}

// sweepGrace keeps fresh objects out of the sweep: an upload stores its
// object a moment before its row commits.
const sweepGrace = time.Hour

// Sweep deletes objects of the files store that no row references and
// that are older than an hour; it returns how many it deleted.
func (m *Module) Sweep(ctx context.Context) (int, error) {
	cutoff := m.now().Add(-sweepGrace)
	var n int
	err := m.Files.Walk(ctx, "", func(o ObjectInfo) error {
		if o.ModTime.After(cutoff) {
			return nil
		}
		l := m.keyLock(o.Key)
		l.Lock()
		defer l.Unlock()
		ref, err := referenced(m.app, o.Key)
		if err != nil || ref {
			return err
		}
		if err := m.Files.Delete(ctx, o.Key); err != nil {
			return err
		}
		n++
		return nil
	})
	return n, err
}
