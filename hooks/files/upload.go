package files

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"

	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/hook"
	"github.com/pocketbase/pocketbase/tools/router"

	"govcollab/hooks/api"
	"govcollab/hooks/audit"
	"govcollab/hooks/security"
)

// UploadBodyLimit is the route's body limit: the largest per-type limit
// there can be plus room for the multipart envelope. The limit in force is
// applied per request from the settings.
const UploadBodyLimit = int64(security.MaxFileMB)<<20 + 1<<20

// Info is a file as the API shows it.
type Info struct {
	ID     string `json:"id"`
	Name   string `json:"name"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
	MIME   string `json:"mime"`
}

func infoOf(r *core.Record) Info {
	return Info{ID: r.Id, Name: r.GetString("name"), Size: int64(r.GetInt("size")),
		SHA256: r.GetString("sha256"), MIME: r.GetString("mime")}
}

// ContentKey is where content with this sha256 lives in the files store.
func ContentKey(sum string) string { return "sha256/" + sum[:2] + "/" + sum }

// HandleUpload is POST /api/gov/files (multipart field "file"): the file is
// received (into memory when small, else a temp file) and hashed as it
// arrives, checked by content, size and 密级 mark, kept once per content,
// and recorded as a pending upload of the user (private to them until a
// record references it).
func (m *Module) HandleUpload(e *core.RequestEvent) error {
	s, err := m.app.Require(e, "upload", "file")
	if err != nil {
		return err
	}
	limits := m.settings.Get(e.App).FileMaxMB
	var maxMB int
	for _, mb := range limits {
		maxMB = max(maxMB, mb)
	}
	sp, err := m.receive(e, int64(maxMB)<<20)
	if err != nil {
		return err
	}
	defer sp.close()
	ft, err := m.check(e, sp, limits)
	if err != nil {
		return err
	}
	name := sp.name
	if filepath.Ext(name) == "" {
		name += "." + ft.Ext
	}
	rec, err := m.keep(e, s.ID, s.Unit.ID, name, ft, sp)
	if err != nil {
		return err
	}
	return e.JSON(http.StatusOK, infoOf(rec))
}

// check refuses what may not be kept: types not allowed by content, sizes
// over the type's limit, files marked 秘密/机密/绝密 (audited).
func (m *Module) check(e *core.RequestEvent, sp *spooled, limits map[string]int) (FileType, error) {
	ft, err := Detect(sp.content(), sp.size, sp.name)
	if err != nil {
		var de *DetectError
		if errors.As(err, &de) {
			return ft, api.BadField("file", de.Code, de.Message)
		}
		return ft, err
	}
	if mb := limits[ft.Ext]; mb > 0 && sp.size > int64(mb)<<20 {
		return ft, api.BadField("file", "too_large", fmt.Sprintf("%s 文件不能超过 %d MB", strings.ToUpper(ft.Ext), mb))
	}
	mark, where, err := Classified(sp.content(), sp.size, sp.name, ft)
	if err != nil {
		return ft, err
	}
	if mark != "" {
		if _, err := m.audit.LogRequest(e, audit.Entry{Action: "file.refuse", Object: sp.name, Result: audit.ResultDenied,
			Detail: fmt.Sprintf("密级标志「%s」（%s）", mark, where)}); err != nil {
			return ft, err
		}
		return ft, api.BadField("file", "classified", "涉密文件（标有「"+mark+"」）不得上传到本系统")
	}
	return ft, nil
}

// keep makes sure an object holds the content and stores the row, as one
// step per content hash: identical content already stored is reused. If the row cannot be stored, an object this
// call stored is removed again, so there is never a row without its object
// nor an object no row references.
func (m *Module) keep(e *core.RequestEvent, uploader, unit, name string, ft FileType, sp *spooled) (*core.Record, error) {
	l := m.keyLock(ContentKey(sp.sum)) // the same lock the sweep takes for this object
	l.Lock()
	defer l.Unlock()
	key, fresh, err := m.objectFor(e.Request.Context(), sp, ft.MIME)
	if err != nil {
		return nil, err
	}
	var rec *core.Record
	_, err = m.app.ApplyAs(e, "file.upload", func(tx core.App, c *api.Change) error {
		col, err := tx.FindCachedCollectionByNameOrId(FilesTable)
		if err != nil {
			return err
		}
		rec = core.NewRecord(col)
		rec.Load(map[string]any{"name": name, "ext": ft.Ext, "mime": ft.MIME, "size": sp.size,
			"sha256": sp.sum, "key": key, "uploader": uploader, "unit": unit})
		if err := tx.Save(rec); err != nil {
			return err
		}
		c.Object = FilesTable + "/" + rec.Id
		c.After = infoOf(rec)
		return nil
	})
	if err != nil {
		if fresh {
			m.dropIfUnreferenced(key)
		}
		return nil, err
	}
	return rec, nil
}

// objectFor returns the key of an object holding sp's content: one already
// stored for the same content, or one stored now under the content's key
// (the store checks the hash).
func (m *Module) objectFor(ctx context.Context, sp *spooled, mime string) (key string, fresh bool, err error) {
	key = ContentKey(sp.sum)
	have, err := referenced(m.app, key) // the key is the content: an indexed lookup
	if err != nil || have {
		return key, false, err
	}
	sum, _ := hex.DecodeString(sp.sum)
	opt := PutOptions{ContentType: mime, SHA256: sum}
	pctx, cancel := context.WithTimeout(ctx, putTimeout)
	defer cancel()
	if fp, ok := m.Files.(filePutter); ok && sp.f != nil {
		_, err = fp.PutFile(pctx, key, sp.f, sp.size, opt)
	} else {
		var r io.Reader
		if r, err = sp.reader(); err == nil {
			_, err = m.Files.Put(pctx, key, r, sp.size, opt)
		}
	}
	if err != nil {
		// A failed request's body may still be read by the HTTP
		// transport after Put returns: its buffer is not reused.
		sp.disown()
		return "", false, storeError(err)
	}
	return key, true, nil
}

// filePutter is a store that can take a spooled file without copying it
// (LocalStore).
type filePutter interface {
	SpoolFile() (*os.File, error)
	PutFile(ctx context.Context, key string, f *os.File, size int64, opt PutOptions) (ObjectInfo, error)
}

// dropIfUnreferenced deletes key's object when no row points at it. Errors
// are logged: the daily sweep removes what is left.
func (m *Module) dropIfUnreferenced(key string) {
	if ref, err := referenced(m.app, key); err != nil || ref {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), statTimeout)
	defer cancel()
	if err := m.Files.Delete(ctx, key); err != nil {
		m.app.Logger().Warn("files: orphan object left for the sweep", "key", key, "error", err.Error())
	}
}

// StreamBody lets an upload route read its body straight from the
// connection: PocketBase keeps a copy of every request body for re-reading,
// which would hold a whole upload in memory (and double its cost). Bound
// on the upload route before the body limit, which then wraps the raw body.
func StreamBody() *hook.Handler[*core.RequestEvent] {
	return &hook.Handler[*core.RequestEvent]{
		Id:       "govStreamBody",
		Priority: apis.DefaultBodyLimitMiddlewarePriority - 1,
		Func: func(e *core.RequestEvent) error {
			if rr, ok := e.Request.Body.(*router.RereadableReadCloser); ok {
				e.Request.Body = rr.ReadCloser
			}
			return e.Next()
		},
	}
}
