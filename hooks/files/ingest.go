package files

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"
)

// Content that arrives other than by upload — a mail-in attachment, the
// raw message itself — goes through the same checks and the same
// content-addressed store, in three steps so that the caller can record
// everything of one message in one transaction of its own: check, put the
// object (before the transaction; an object no row ends up referencing is
// removed by the sweep), then record the row inside the transaction.

// SystemUploader is the uploader of files the system received itself.
const SystemUploader = "system"

// Received is content checked and stored by PutReceived.
type Received struct {
	Name string
	Type FileType
	Size int64
	Sum  string // sha256, hex
	Key  string
}

// ErrRefused wraps the reason a received file may not be kept (type,
// size, 密级 marking); the text is for people.
type ErrRefused struct{ Reason string }

func (e *ErrRefused) Error() string { return e.Reason }

// CheckReceived runs an upload's checks on data: the type by content, the
// type's size limit, classification marks.
func (m *Module) CheckReceived(app core.App, name string, data []byte) (FileType, error) {
	size := int64(len(data))
	ft, err := Detect(bytes.NewReader(data), size, name)
	if err != nil {
		var de *DetectError
		if errors.As(err, &de) {
			return ft, &ErrRefused{Reason: de.Message}
		}
		return ft, err
	}
	if mb := m.settings.Get(app).FileMaxMB[ft.Ext]; mb > 0 && size > int64(mb)<<20 {
		return ft, &ErrRefused{Reason: fmt.Sprintf("%s 文件超过 %d MB", strings.ToUpper(ft.Ext), mb)}
	}
	mark, where, err := Classified(bytes.NewReader(data), size, name, ft)
	if err != nil {
		return ft, err
	}
	if mark != "" {
		return ft, &ErrRefused{Reason: fmt.Sprintf("标有密级「%s」（%s）", mark, where)}
	}
	return ft, nil
}

// PutReceived stores data under its content key (once per content) and
// says what to record.
func (m *Module) PutReceived(ctx context.Context, name string, ft FileType, data []byte) (Received, error) {
	h := sha256.Sum256(data)
	sum := hex.EncodeToString(h[:])
	rec := Received{Name: name, Type: ft, Size: int64(len(data)), Sum: sum, Key: ContentKey(sum)}
	l := m.keyLock(rec.Key)
	l.Lock()
	defer l.Unlock()
	if _, err := m.Files.Stat(ctx, rec.Key); err == nil {
		return rec, nil
	}
	pctx, cancel := context.WithTimeout(ctx, putTimeout)
	defer cancel()
	if _, err := m.Files.Put(pctx, rec.Key, bytes.NewReader(data), rec.Size, PutOptions{ContentType: ft.MIME, SHA256: h[:]}); err != nil {
		return rec, storeError(err)
	}
	return rec, nil
}

// RecordReceived records a stored object as a file of refType/refID,
// inside tx.
func RecordReceived(tx core.App, r Received, unit, refType, refID string) (*core.Record, error) {
	col, err := tx.FindCachedCollectionByNameOrId(FilesTable)
	if err != nil {
		return nil, err
	}
	rec := core.NewRecord(col)
	rec.Load(map[string]any{"name": r.Name, "ext": r.Type.Ext, "mime": r.Type.MIME, "size": r.Size, "sha256": r.Sum,
		"key": r.Key, "uploader": SystemUploader, "unit": unit, "ref_type": refType, "ref_id": refID,
		"attached": types.NowDateTime()})
	return rec, tx.Save(rec)
}

// Copy attaches to toType/toID a row for each file of fromType/fromID
// (inside tx): the same stored object, a file of its own (a 收文 keeps its
// attachments when the sender's document changes, and the reverse).
func Copy(tx core.App, fromType, fromID, toType, toID, unit string) (int, error) {
	rows, err := tx.FindAllRecords(FilesTable, dbx.HashExp{"ref_type": fromType, "ref_id": fromID})
	if err != nil {
		return 0, err
	}
	for _, r := range rows {
		_, err := RecordReceived(tx, Received{Name: r.GetString("name"), Type: FileType{Ext: r.GetString("ext"), MIME: r.GetString("mime")},
			Size: int64(r.GetInt("size")), Sum: r.GetString("sha256"), Key: r.GetString("key")}, unit, toType, toID)
		if err != nil {
			return 0, err
		}
	}
	return len(rows), nil
}
