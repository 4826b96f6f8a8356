package files

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"

	"govcollab/hooks/api"
	"govcollab/hooks/audit"
)

// RetentionYears are the document classes of the archive (文书档案保管期限:
// 永久, 定期 30 年, 定期 10 年); 永久 is kept for 100 years, the longest an
// object lock is set for here.
var RetentionYears = map[string]int{"永久": 100, "30年": 30, "10年": 10}

// Archive cron job: once a day every archived object is read back and
// re-hashed.
const (
	VerifyCronID   = "gov_archive_verify"
	VerifyCronSpec = "43 2 * * *"
	SweepCronID    = "gov_files_sweep"
	SweepCronSpec  = "29 4 * * *"
)

// ArchiveInput is a signed document (or its attachment) to keep.
type ArchiveInput struct {
	RefType, RefID string // the owning record (a policy object type)
	Class          string // a key of RetentionYears
	Name, MIME     string
	Content        []byte
}

// Store keeps in.Content in the WORM archive under a key of the owning
// record and the content hash, locked until the class's retention date, and
// records it; archiving the same content for the same record again returns
// the existing row.
func (m *Module) Store(ctx context.Context, actor string, in ArchiveInput) (*core.Record, error) {
	years, ok := RetentionYears[in.Class]
	if !ok {
		return nil, api.BadField("class", "unknown_class", "未知的保管期限："+in.Class)
	}
	sum := sha256.Sum256(in.Content)
	hexSum := hex.EncodeToString(sum[:])
	key := in.RefType + "/" + in.RefID + "/" + hexSum
	if rec, err := m.app.FindFirstRecordByData(ArchiveTable, "key", key); err == nil {
		return rec, nil
	}
	until := m.now().AddDate(years, 0, 0)
	pctx, cancel := context.WithTimeout(ctx, putTimeout)
	defer cancel()
	info, err := m.Archive.Put(pctx, key, bytes.NewReader(in.Content), int64(len(in.Content)), PutOptions{ContentType: in.MIME, RetainUntil: until})
	if errors.Is(err, ErrExists) {
		// stored before a crash kept its row from committing: adopt it if
		// it is this very content, never replace it
		info, err = m.adopt(pctx, actor, key, hexSum)
	}
	if err != nil {
		return nil, storeError(err)
	}
	if !info.RetainUntil.IsZero() {
		until = info.RetainUntil
	}
	var rec *core.Record
	_, err = m.app.Apply(actor, "archive.store", func(tx core.App, c *api.Change) error {
		col, err := tx.FindCachedCollectionByNameOrId(ArchiveTable)
		if err != nil {
			return err
		}
		rec = core.NewRecord(col)
		rt, _ := types.ParseDateTime(until)
		rec.Load(map[string]any{"key": key, "name": in.Name, "mime": in.MIME, "size": len(in.Content),
			"sha256": hexSum, "class": in.Class, "retain_until": rt, "version_id": info.VersionID,
			"ref_type": in.RefType, "ref_id": in.RefID, "archived_by": actor, "status": "ok",
			"verified_at": types.NowDateTime()})
		if err := tx.Save(rec); err != nil {
			return err
		}
		c.Object = ArchiveTable + "/" + rec.Id
		c.After = map[string]any{"key": key, "sha256": hexSum, "class": in.Class, "retain_until": until.UTC().Format(time.RFC3339)}
		return nil
	})
	if err != nil {
		// another archiver recorded the same object meanwhile (the key is
		// unique): theirs is ours
		if prev, ferr := m.app.FindFirstRecordByData(ArchiveTable, "key", key); ferr == nil {
			return prev, nil
		}
	}
	return rec, err
}

// adopt accepts an archived object without a row when its content hashes to
// sum; anything else is an attempt to overwrite, refused and audited.
func (m *Module) adopt(ctx context.Context, actor, key, sum string) (ObjectInfo, error) {
	info, err := m.Archive.Stat(ctx, key)
	if err != nil {
		return info, err
	}
	got, err := hashObject(ctx, m.Archive, key)
	if err != nil {
		return info, err
	}
	if got == sum {
		return info, nil
	}
	_, _ = m.audit.Log(m.app, audit.Entry{Actor: actor, Action: "archive.overwrite", Object: key, Result: audit.ResultDenied,
		Detail: "归档对象已存在且内容不同，拒绝覆盖"})
	return info, api.Conflict("归档对象已存在，不能覆盖")
}

func hashObject(ctx context.Context, st Store, key string) (string, error) {
	rc, err := st.Open(ctx, key)
	if err != nil {
		return "", err
	}
	defer rc.Close()
	h := sha256.New()
	if _, err := io.Copy(h, rc); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// VerifyReport is what one integrity run found.
type VerifyReport struct {
	Checked int           `json:"checked"`
	OK      int           `json:"ok"`
	Failed  []VerifyIssue `json:"failed"`
}

// VerifyIssue is one archived object that failed its check.
type VerifyIssue struct {
	ID     string `json:"id"`
	Key    string `json:"key"`
	Status string `json:"status"` // mismatch | missing | unavailable
	Detail string `json:"detail"`
}

// Verify reads back every archived object, compares its hash (and, on S3,
// its version) with the row, records the result on the row and raises an
// alert (an audit row with result "failed" and an error log) for each
// object that does not match.
func (m *Module) Verify(ctx context.Context) (*VerifyReport, error) {
	rows, err := m.app.FindAllRecords(ArchiveTable)
	if err != nil {
		return nil, err
	}
	rep := &VerifyReport{Failed: []VerifyIssue{}}
	for _, r := range rows {
		rep.Checked++
		status, detail := m.checkArchived(ctx, r)
		if status == "ok" {
			rep.OK++
		} else {
			rep.Failed = append(rep.Failed, VerifyIssue{ID: r.Id, Key: r.GetString("key"), Status: status, Detail: detail})
		}
		r.Set("status", status)
		r.Set("detail", detail)
		r.Set("verified_at", types.NowDateTime())
		if err := m.app.Save(r); err != nil {
			return rep, err
		}
		if status != "ok" && status != "unavailable" {
			m.app.Logger().Error("ALERT: archived object failed its integrity check", "id", r.Id, "key", r.GetString("key"), "status", status, "detail", detail)
			if _, err := m.audit.Log(m.app, audit.Entry{Action: "archive.alert", Object: ArchiveTable + "/" + r.Id,
				Result: audit.ResultFailed, Detail: detail}); err != nil {
				return rep, err
			}
		}
	}
	return rep, nil
}

func (m *Module) checkArchived(ctx context.Context, r *core.Record) (status, detail string) {
	key := r.GetString("key")
	cctx, cancel := context.WithTimeout(ctx, putTimeout)
	defer cancel()
	info, err := m.Archive.Stat(cctx, key)
	if errors.Is(err, ErrNotFound) {
		return "missing", "归档对象缺失：" + key
	}
	if err != nil {
		return "unavailable", "归档存储不可用：" + err.Error()
	}
	if want := r.GetString("version_id"); want != "" && info.VersionID != want {
		return "mismatch", fmt.Sprintf("归档对象出现新版本（应为 %s，现为 %s）", want, info.VersionID)
	}
	got, err := hashObject(cctx, m.Archive, key)
	if err != nil {
		return "unavailable", "读取归档对象失败：" + err.Error()
	}
	if got != r.GetString("sha256") {
		return "mismatch", "归档对象内容与登记的 SHA-256 不符"
	}
	return "ok", ""
}

// HandleVerify is POST /api/gov/archive/verify (auditor): run the integrity
// check now and answer its report.
func (m *Module) HandleVerify(e *core.RequestEvent) error {
	if _, err := m.app.Require(e, "verify", "archive"); err != nil {
		return err
	}
	rep, err := m.Verify(e.Request.Context())
	if err != nil {
		return err
	}
	if _, err := m.audit.LogRequest(e, audit.Entry{Action: "archive.verify",
		Detail: fmt.Sprintf("检查 %d 个，正常 %d 个，异常 %d 个", rep.Checked, rep.OK, len(rep.Failed))}); err != nil {
		return err
	}
	return e.JSON(http.StatusOK, rep)
}

// archiveMutable are the fields the integrity check writes; nothing else
// of an archive row may change, and no row may be deleted.
var archiveMutable = map[string]bool{"status": true, "verified_at": true, "detail": true}

func (m *Module) bindHooks() {
	m.app.OnRecordUpdate(ArchiveTable).BindFunc(func(e *core.RecordEvent) error {
		orig := e.Record.Original()
		for _, f := range e.Record.Collection().Fields {
			if !archiveMutable[f.GetName()] && fmt.Sprint(orig.Get(f.GetName())) != fmt.Sprint(e.Record.Get(f.GetName())) {
				m.refuseArchiveChange(e.App, "archive.update", e.Record)
				return api.NewError(http.StatusForbidden, "archive_locked", "归档记录不可修改")
			}
		}
		return e.Next()
	})
	m.app.OnRecordDelete(ArchiveTable).BindFunc(func(e *core.RecordEvent) error {
		m.refuseArchiveChange(e.App, "archive.delete", e.Record)
		return api.NewError(http.StatusForbidden, "archive_locked", "归档文件在保管期内，不能删除")
	})
}

// refuseArchiveChange audits a refused change of the archive outside the
// failing change, so the record of the attempt survives its rollback;
// inside someone's transaction the write waits for that to end.
func (m *Module) refuseArchiveChange(app core.App, action string, r *core.Record) {
	en := audit.Entry{Action: action, Object: ArchiveTable + "/" + r.Id, Result: audit.ResultDenied,
		Detail: "归档记录受保护：" + r.GetString("key")}
	write := func() {
		if _, err := m.audit.Log(m.app, en); err != nil {
			m.app.Logger().Error("files: could not audit a refused archive change", "error", err.Error())
		}
	}
	if app.IsTransactional() {
		go write()
		return
	}
	write()
}

// DeleteArchived tries to delete an archived object from the store; the
// lock refuses it, and the attempt is audited either way.
func (m *Module) DeleteArchived(ctx context.Context, actor, id string) error {
	r, err := m.app.FindRecordById(ArchiveTable, id)
	if err != nil {
		return api.NotFound()
	}
	err = m.Archive.Delete(ctx, r.GetString("key"))
	result := audit.ResultDenied
	if err == nil {
		result = audit.ResultOK
	}
	if _, aerr := m.audit.Log(m.app, audit.Entry{Actor: actor, Action: "archive.delete", Object: ArchiveTable + "/" + id, Result: result}); aerr != nil {
		return aerr
	}
	if errors.Is(err, ErrLocked) {
		return api.NewError(http.StatusForbidden, "archive_locked", "归档文件在保管期内，不能删除")
	}
	return storeError(err)
}

// Schedule registers the daily archive check and the orphan sweep.
func (m *Module) Schedule() {
	m.scheduleExtract()
	m.app.Cron().MustAdd(VerifyCronID, VerifyCronSpec, func() {
		if _, err := m.Verify(context.Background()); err != nil {
			m.app.Logger().Error("files: archive check failed to run", "error", err.Error())
		}
	})
	m.app.Cron().MustAdd(SweepCronID, SweepCronSpec, func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Hour)
		defer cancel()
		if n, err := m.Sweep(ctx); err != nil {
			m.app.Logger().Error("files: sweep failed", "error", err.Error())
		} else if n > 0 {
			m.app.Logger().Info("files: swept orphan objects", "count", n)
		}
	})
}
