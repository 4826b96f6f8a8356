package files

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
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

// spooled is an upload written to a temp file and hashed on the way.
type spooled struct {
	f    *os.File
	name string
	size int64
	sum  string
}

func (sp *spooled) close() {
	sp.f.Close()
	os.Remove(sp.f.Name())
}

// HandleUpload is POST /api/gov/files (multipart field "file"): the file is
// spooled to disk and hashed, checked by content, size and 密级 mark, kept
// once per content in the store, and recorded as a pending upload of the
// user (private to them until a record references it).
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
	sp, err := m.spool(e, int64(maxMB)<<20)
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

	key := ContentKey(sp.sum)
	var rec *core.Record
	err = m.storeThenRecord(e.Request.Context(), key, sp, ft.MIME, func() error {
		_, err := m.app.ApplyAs(e, "file.upload", func(tx core.App, c *api.Change) error {
			col, err := tx.FindCachedCollectionByNameOrId(FilesTable)
			if err != nil {
				return err
			}
			rec = core.NewRecord(col)
			rec.Load(map[string]any{"name": name, "ext": ft.Ext, "mime": ft.MIME, "size": sp.size,
				"sha256": sp.sum, "key": key, "uploader": s.ID, "unit": s.Unit.ID})
			if err := tx.Save(rec); err != nil {
				return err
			}
			c.Object = FilesTable + "/" + rec.Id
			c.After = infoOf(rec)
			return nil
		})
		return err
	})
	if err != nil {
		return err
	}
	return e.JSON(http.StatusOK, infoOf(rec))
}

// check refuses what may not be kept: types not allowed by content, sizes
// over the type's limit, files marked 秘密/机密/绝密 (audited).
func (m *Module) check(e *core.RequestEvent, sp *spooled, limits map[string]int) (FileType, error) {
	ft, err := Detect(sp.f, sp.size, sp.name)
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
	mark, where, err := Classified(sp.f, sp.size, sp.name, ft)
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

// spool reads the multipart field "file" to a temp file, at most limit bytes.
func (m *Module) spool(e *core.RequestEvent, limit int64) (*spooled, error) {
	e.Request.Body = http.MaxBytesReader(e.Response, e.Request.Body, limit+1<<20)
	mr, err := e.Request.MultipartReader()
	if err != nil {
		return nil, api.BadField("file", "required", "请选择要上传的文件（multipart 字段 file）")
	}
	for {
		part, err := mr.NextPart()
		if err != nil {
			if errors.Is(err, io.EOF) {
				return nil, api.BadField("file", "required", "请选择要上传的文件（multipart 字段 file）")
			}
			return nil, tooLargeOr(err, limit)
		}
		if part.FormName() != "file" {
			part.Close()
			continue
		}
		return m.spoolPart(part, limit)
	}
}

func (m *Module) spoolPart(part *multipart.Part, limit int64) (*spooled, error) {
	defer part.Close()
	name, err := SafeName(part.FileName())
	if err != nil {
		return nil, api.BadField("file", "invalid_name", "文件名无效："+err.Error())
	}
	dir := filepath.Join(m.app.DataDir(), ".gov_tmp")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	f, err := os.CreateTemp(dir, "upload-*")
	if err != nil {
		return nil, err
	}
	sp := &spooled{f: f, name: name}
	h := sha256.New()
	n, err := io.CopyBuffer(io.MultiWriter(f, h), io.LimitReader(part, limit+1), make([]byte, spoolBuffer))
	if err == nil && n > limit {
		err = &http.MaxBytesError{Limit: limit}
	}
	if err != nil {
		sp.close()
		return nil, tooLargeOr(err, limit)
	}
	if n == 0 {
		sp.close()
		return nil, api.BadField("file", "empty", "文件是空的")
	}
	sp.size, sp.sum = n, hex.EncodeToString(h.Sum(nil))
	return sp, nil
}

// spoolBuffer is the copy buffer: large writes, few system calls.
const spoolBuffer = 256 << 10

func tooLargeOr(err error, limit int64) error {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return api.BadField("file", "too_large", fmt.Sprintf("文件不能超过 %d MB", limit>>20))
	}
	return api.BadField("file", "unreadable", "上传内容不完整或格式有误")
}

// storeThenRecord puts the spooled content under key unless a row already
// references that key (identical content is kept once), then runs record.
// The store checks the content against its hash. If record fails, an object
// this call stored and no row references is removed again, so neither an
// orphan object nor a record without its object is left behind.
func (m *Module) storeThenRecord(ctx context.Context, key string, sp *spooled, mime string, record func() error) error {
	l := m.keyLock(key)
	l.Lock()
	defer l.Unlock()
	have, err := referenced(m.app, key)
	if err != nil {
		return err
	}
	if !have {
		if _, err := sp.f.Seek(0, io.SeekStart); err != nil {
			return err
		}
		sum, _ := hex.DecodeString(sp.sum)
		pctx, cancel := context.WithTimeout(ctx, putTimeout)
		_, err := m.Files.Put(pctx, key, sp.f, sp.size, PutOptions{ContentType: mime, SHA256: sum})
		cancel()
		if err != nil {
			return storeError(err)
		}
	}
	if err := record(); err != nil {
		if !have {
			m.dropIfUnreferenced(key)
		}
		return err
	}
	return nil
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
