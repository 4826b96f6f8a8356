package files

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"

	"github.com/pocketbase/pocketbase/core"

	"govcollab/hooks/api"
)

// spooled is an upload written to a temp file and hashed on the way.
type spooled struct {
	f    *os.File
	name string
	size int64
	sum  string
}

func (sp *spooled) close() {
	sp.f.Close()
	os.Remove(sp.f.Name()) // gone already when PutFile took it
}

// spoolBuffer is the copy buffer: large writes, few system calls.
const spoolBuffer = 256 << 10

// receive reads the multipart field "file", at most limit bytes. (The
// body is not streamed on into the store while it arrives: measured, that
// gained nothing, as minio-go buffers bodies of unknown length.)
func (m *Module) receive(e *core.RequestEvent, limit int64) (*spooled, error) {
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
		defer part.Close()
		return m.receiveFile(part, limit)
	}
}

func (m *Module) receiveFile(part *multipart.Part, limit int64) (*spooled, error) {
	name, err := SafeName(part.FileName())
	if err != nil {
		return nil, api.BadField("file", "invalid_name", "文件名无效："+err.Error())
	}
	f, err := m.spoolFile()
	if err != nil {
		return nil, err
	}
	sp := &spooled{f: f, name: name}
	h := sha256.New()
	n, err := io.CopyBuffer(io.MultiWriter(f, h), io.LimitReader(part, limit+1), make([]byte, spoolBuffer))
	switch {
	case err == nil && n > limit:
		err = &http.MaxBytesError{Limit: limit}
	case err == nil && n == 0:
		err = api.BadField("file", "empty", "文件是空的")
	}
	if err != nil {
		sp.close()
		return nil, uploadError(err, limit)
	}
	sp.size, sp.sum = n, hex.EncodeToString(h.Sum(nil))
	return sp, nil
}

// spoolFile is where an upload is spooled: inside a local store (so that
// it becomes the object by a rename), else in the data directory.
func (m *Module) spoolFile() (*os.File, error) {
	if fp, ok := m.Files.(filePutter); ok {
		return fp.SpoolFile()
	}
	dir := filepath.Join(m.app.DataDir(), ".gov_tmp")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	return os.CreateTemp(dir, "upload-*")
}

func uploadError(err error, limit int64) error {
	var apiErr *api.Error
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &apiErr):
		return err
	case errors.As(err, &mbe):
		return api.BadField("file", "too_large", fmt.Sprintf("文件不能超过 %d MB", limit>>20))
	}
	return api.BadField("file", "unreadable", "上传内容不完整或格式有误")
}

func tooLargeOr(err error, limit int64) error { return uploadError(err, limit) }
