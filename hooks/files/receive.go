package files

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"sync"

	"github.com/pocketbase/pocketbase/core"

	"govcollab/hooks/api"
)

// spooled is an upload, hashed as it arrived: held in memory when the
// request is small (memSpoolMax), else written to a temp file.
type spooled struct {
	mem  memContent // the content, when held in memory
	f    *os.File   // the content, when spooled to disk
	name string
	size int64
	sum  string

	pooled *[]byte // mem's buffer, returned to memPool by close
}

// content is the upload for random access (type and mark checks).
func (sp *spooled) content() io.ReaderAt {
	if sp.f != nil {
		return sp.f
	}
	return sp.mem
}

// reader is the upload from its start (storing it).
func (sp *spooled) reader() (io.Reader, error) {
	if sp.f != nil {
		_, err := sp.f.Seek(0, io.SeekStart)
		return sp.f, err
	}
	return bytes.NewReader(sp.mem), nil
}

// disown gives up the memory buffer without reusing it (something may
// still read it).
func (sp *spooled) disown() { sp.pooled = nil }

func (sp *spooled) close() {
	if sp.f != nil {
		sp.f.Close()
		os.Remove(sp.f.Name()) // gone already when PutFile took it
	}
	if sp.pooled != nil {
		memPool.Put(sp.pooled)
		sp.pooled, sp.mem = nil, nil
	}
}

// memContent is an upload held in memory. Readers that only look at a
// window of it take a sub-slice (window) instead of a copy.
type memContent []byte

func (m memContent) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, errors.New("files: negative offset")
	}
	if off >= int64(len(m)) {
		return 0, io.EOF
	}
	n := copy(p, m[off:])
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

// window returns n bytes of r at off (fewer at the end): a read-only
// sub-slice of content in memory, else a copy read from r.
func window(r io.ReaderAt, off, n int64) ([]byte, error) {
	if m, ok := r.(memContent); ok {
		end := min(off+n, int64(len(m)))
		return m[off:end:end], nil
	}
	b := make([]byte, n)
	k, err := r.ReadAt(b, off)
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, err
	}
	return b[:k], nil
}

const (
	// memSpoolMax: a request body up to this size is received into memory
	// (no temp file, no second read from disk); larger ones, or bodies of
	// unknown length, are spooled to disk. Bounds memory per upload.
	memSpoolMax = 4 << 20
	// spoolBuffer is the read buffer under the multipart parser and the
	// copy buffer to disk: large reads and writes, few system calls (the
	// parser's own buffer is 4 KiB, one system call per 4 KiB).
	spoolBuffer = 256 << 10
)

var (
	memPool = sync.Pool{New: func() any { b := make([]byte, 0, 1<<20); return &b }}
	bufPool = sync.Pool{New: func() any { return bufio.NewReaderSize(nil, spoolBuffer) }}
)

// receive reads the multipart field "file", at most limit bytes. (The
// body is not streamed on into the store while it arrives: the object's
// key is its hash, known only at the end, and its content must pass the
// checks before anything is stored.)
func (m *Module) receive(e *core.RequestEvent, limit int64) (*spooled, error) {
	e.Request.Body = http.MaxBytesReader(e.Response, e.Request.Body, limit+1<<20)
	mt, params, err := mime.ParseMediaType(e.Request.Header.Get("Content-Type"))
	if err != nil || (mt != "multipart/form-data" && mt != "multipart/mixed") || params["boundary"] == "" {
		return nil, api.BadField("file", "required", "请选择要上传的文件（multipart 字段 file）")
	}
	br := bufPool.Get().(*bufio.Reader)
	br.Reset(e.Request.Body)
	defer func() { br.Reset(nil); bufPool.Put(br) }()
	// A *bufio.Reader this large is used by the parser as is.
	mr := multipart.NewReader(br, params["boundary"])
	for {
		part, err := mr.NextPart()
		if err != nil {
			if errors.Is(err, io.EOF) {
				return nil, api.BadField("file", "required", "请选择要上传的文件（multipart 字段 file）")
			}
			return nil, uploadError(err, limit)
		}
		if part.FormName() != "file" {
			part.Close()
			continue
		}
		defer part.Close()
		return m.receiveFile(part, limit, e.Request.ContentLength)
	}
}

// receiveFile reads the part into memory when the whole body (bodyLen,
// -1 if unknown) fits memSpoolMax, else into a temp file, hashing it on
// the way.
func (m *Module) receiveFile(part *multipart.Part, limit, bodyLen int64) (*spooled, error) {
	name, err := SafeName(part.FileName())
	if err != nil {
		return nil, api.BadField("file", "invalid_name", "文件名无效："+err.Error())
	}
	sp := &spooled{name: name}
	h := sha256.New()
	var n int64
	if bodyLen >= 0 && bodyLen <= memSpoolMax {
		n, err = sp.readMem(part, h, bodyLen, limit)
	} else {
		n, err = m.readDisk(sp, part, h, limit)
	}
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

// readMem reads the part (which lies inside a body of bodyLen bytes, so
// is shorter) into a pooled buffer.
func (sp *spooled) readMem(part io.Reader, h hash.Hash, bodyLen, limit int64) (int64, error) {
	sp.pooled = memPool.Get().(*[]byte)
	buf := (*sp.pooled)[:0]
	if int64(cap(buf)) < bodyLen+1 {
		buf = make([]byte, 0, bodyLen+1)
		*sp.pooled = buf
	}
	buf = buf[:min(int64(cap(buf)), limit+1)]
	// Hashed beside the reading (on another core), chunk by chunk as it
	// arrives: the hash is ready about when the last byte is.
	chunks := make(chan []byte, 64)
	hashed := make(chan struct{})
	go func() {
		for c := range chunks {
			h.Write(c)
		}
		close(hashed)
	}()
	var n int
	var err error
	for n < len(buf) && err == nil {
		var k int
		k, err = part.Read(buf[n:])
		if k > 0 {
			chunks <- buf[n : n+k]
		}
		n += k
	}
	close(chunks)
	<-hashed
	if err != nil && !errors.Is(err, io.EOF) {
		return 0, err
	}
	if n == len(buf) && int64(n) <= limit {
		// more than the body's declared length: cannot happen over HTTP
		return 0, io.ErrUnexpectedEOF
	}
	sp.mem = memContent(buf[:n])
	return int64(n), nil
}

// readDisk writes the part into a temp file (see spoolFile).
func (m *Module) readDisk(sp *spooled, part io.Reader, h hash.Hash, limit int64) (int64, error) {
	f, err := m.spoolFile()
	if err != nil {
		return 0, err
	}
	sp.f = f
	return io.CopyBuffer(io.MultiWriter(f, h), io.LimitReader(part, limit+1), make([]byte, spoolBuffer))
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
