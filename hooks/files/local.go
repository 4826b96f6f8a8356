package files

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
	"unicode/utf8"
)

// Errors of signed URLs served by LocalStore.ServeSigned, and of keys.
var (
	// ErrURLExpired: the signature is valid but the URL's time is up
	// (answer 403).
	ErrURLExpired = errors.New("files: signed URL expired")
	// ErrURLInvalid: missing or wrong signature or parameters (answer 403
	// or 404).
	ErrURLInvalid = errors.New("files: signed URL invalid")
	// ErrInvalidKey: a key that is empty, absolute, has "." or ".."
	// segments, empty segments, a backslash, a NUL byte or invalid UTF-8.
	ErrInvalidKey = errors.New("files: invalid object key")
)

// Reserved top-level directories of a LocalStore; keys may not start with
// them and Walk never reports what is inside.
const (
	localTmpDir    = ".tmp"
	localRetainDir = ".retain"
)

// maxKeyLen bounds keys (S3's limit).
const maxKeyLen = 1024

// validateKey checks a key common to every store.
func validateKey(key string) error {
	bad := func(why string) error { return fmt.Errorf("%w %q: %s", ErrInvalidKey, key, why) }
	switch {
	case key == "":
		return fmt.Errorf("%w: empty", ErrInvalidKey)
	case len(key) > maxKeyLen:
		return bad("longer than 1024 bytes")
	case !utf8.ValidString(key):
		return bad("not UTF-8")
	case strings.HasPrefix(key, "/"):
		return bad("leading slash")
	case strings.ContainsRune(key, '\\'):
		return bad("backslash")
	case strings.ContainsRune(key, 0):
		return bad("NUL byte")
	}
	for _, seg := range strings.Split(key, "/") {
		switch seg {
		case "":
			return bad("empty path segment")
		case ".", "..":
			return bad(`"." or ".." segment`)
		}
	}
	return nil
}

// LocalOptions configure a LocalStore.
type LocalOptions struct {
	// Locked makes a WORM store: no overwrite, RetainUntil required,
	// retained objects cannot be deleted.
	Locked bool
	// Secret is the HMAC-SHA256 key of signed URLs (required, ≥ 16 bytes).
	Secret []byte
	// URLPrefix is prepended to the escaped key in signed URLs, e.g.
	// "/api/gov/blob/files/".
	URLPrefix string
	// Now is the clock (nil: time.Now).
	Now func() time.Time
}

// LocalStore keeps objects as files under a directory. Writes go to a
// temporary file under <dir>/.tmp, are fsynced and renamed (or, in a locked
// store, hard-linked without overwriting) into place, so a key never shows
// a partial object. A locked store keeps each object's retention date in
// <dir>/.retain/<key>.json and makes both files read-only.
type LocalStore struct {
	dir    string
	locked bool
	secret []byte
	prefix string
	now    func() time.Time
}

var _ Store = (*LocalStore)(nil)

// NewLocalStore opens (creating it if needed) a store under dir.
func NewLocalStore(dir string, opt LocalOptions) (*LocalStore, error) {
	if dir == "" {
		return nil, errors.New("files: local store needs a directory")
	}
	if len(opt.Secret) < 16 {
		return nil, errors.New("files: local store needs a URL signing secret of at least 16 bytes")
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("files: local store dir: %w", err)
	}
	for _, d := range []string{abs, filepath.Join(abs, localTmpDir), filepath.Join(abs, localRetainDir)} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return nil, fmt.Errorf("files: local store: %w", err)
		}
	}
	s := &LocalStore{
		dir:    abs,
		locked: opt.Locked,
		secret: append([]byte(nil), opt.Secret...),
		prefix: opt.URLPrefix,
		now:    opt.Now,
	}
	if s.now == nil {
		s.now = time.Now
	}
	s.cleanTmp()
	return s, nil
}

// cleanTmp removes temporary files left by a crash (older than an hour, so
// that a concurrent process's writes in progress survive).
func (s *LocalStore) cleanTmp() {
	tmp := filepath.Join(s.dir, localTmpDir)
	ents, err := os.ReadDir(tmp)
	if err != nil {
		return
	}
	for _, e := range ents {
		if info, err := e.Info(); err == nil && time.Since(info.ModTime()) > time.Hour {
			_ = os.Remove(filepath.Join(tmp, e.Name()))
		}
	}
}

// Dir is the store's absolute directory.
func (s *LocalStore) Dir() string { return s.dir }

// Kind is "local".
func (s *LocalStore) Kind() string { return "local" }

// Locked reports whether this is a WORM store.
func (s *LocalStore) Locked() bool { return s.locked }

func (s *LocalStore) path(key string) (string, error) {
	if err := validateKey(key); err != nil {
		return "", err
	}
	first, _, _ := strings.Cut(key, "/")
	if first == localTmpDir || first == localRetainDir {
		return "", fmt.Errorf("%w %q: reserved name", ErrInvalidKey, key)
	}
	return filepath.Join(s.dir, filepath.FromSlash(key)), nil
}

func (s *LocalStore) retainPath(key string) string {
	return filepath.Join(s.dir, localRetainDir, filepath.FromSlash(key)+".json")
}

type retainRecord struct {
	Key         string    `json:"key"`
	RetainUntil time.Time `json:"retainUntil"`
}

func (s *LocalStore) readRetain(key string) (time.Time, error) {
	b, err := os.ReadFile(s.retainPath(key))
	if err != nil {
		return time.Time{}, err
	}
	var rec retainRecord
	if err := json.Unmarshal(b, &rec); err != nil {
		return time.Time{}, fmt.Errorf("files: retention record of %q: %w", key, err)
	}
	return rec.RetainUntil, nil
}

// ctxReader fails reads once ctx is done.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

// writeTemp writes data into a new fsynced temporary file of mode perm and
// returns its name.
func (s *LocalStore) writeTemp(ctx context.Context, r io.Reader, size int64, perm os.FileMode) (name string, n int64, err error) {
	f, err := os.CreateTemp(filepath.Join(s.dir, localTmpDir), "put-*")
	if err != nil {
		return "", 0, err
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(tmp)
		}
	}()
	src := io.Reader(ctxReader{ctx, r})
	if size >= 0 {
		src = io.LimitReader(src, size)
	}
	n, err = io.Copy(f, src)
	if err != nil {
		return "", 0, err
	}
	if size >= 0 && n != size {
		return "", 0, fmt.Errorf("files: short body: got %d of %d bytes", n, size)
	}
	if err = f.Chmod(perm); err != nil {
		return "", 0, err
	}
	if err = f.Sync(); err != nil {
		return "", 0, err
	}
	if err = f.Close(); err != nil {
		return "", 0, err
	}
	if err = ctx.Err(); err != nil {
		return "", 0, err
	}
	return tmp, n, nil
}

func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		d.Close()
	}
}

// Put stores the object. size < 0 means "read r to the end".
func (s *LocalStore) Put(ctx context.Context, key string, r io.Reader, size int64, opt PutOptions) (ObjectInfo, error) {
	p, err := s.path(key)
	if err != nil {
		return ObjectInfo{}, err
	}
	if s.locked {
		if opt.RetainUntil.IsZero() {
			return ObjectInfo{}, fmt.Errorf("files: put %q: a locked store needs RetainUntil", key)
		}
		if !opt.RetainUntil.After(s.now()) {
			return ObjectInfo{}, fmt.Errorf("files: put %q: RetainUntil %s is not in the future", key, opt.RetainUntil.Format(time.RFC3339))
		}
		if _, err := os.Lstat(p); err == nil {
			return ObjectInfo{}, fmt.Errorf("%w: %q", ErrExists, key)
		}
	} else if !opt.RetainUntil.IsZero() {
		return ObjectInfo{}, fmt.Errorf("files: put %q: RetainUntil needs a locked store", key)
	}
	if err := ctx.Err(); err != nil {
		return ObjectInfo{}, err
	}

	perm := os.FileMode(0o644)
	if s.locked {
		perm = 0o444
	}
	var h hash.Hash
	if len(opt.SHA256) == sha256.Size {
		h = sha256.New()
		r = io.TeeReader(r, h)
	}
	tmp, n, err := s.writeTemp(ctx, r, size, perm)
	if err != nil {
		return ObjectInfo{}, fmt.Errorf("files: put %q: %w", key, err)
	}
	defer os.Remove(tmp) // no-op after a rename; drops the extra link after os.Link
	if h != nil && !bytes.Equal(h.Sum(nil), opt.SHA256) {
		return ObjectInfo{}, fmt.Errorf("%w: put %q", ErrChecksum, key)
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return ObjectInfo{}, fmt.Errorf("files: put %q: %w", key, err)
	}

	if !s.locked {
		if err := os.Rename(tmp, p); err != nil {
			return ObjectInfo{}, fmt.Errorf("files: put %q: %w", key, err)
		}
		syncDir(filepath.Dir(p))
		return s.Stat(context.WithoutCancel(ctx), key)
	}

	// Locked: the retention record is written first into .tmp, then the
	// object is linked into place (link never overwrites: the loser of a
	// race gets EEXIST), then the record is renamed next to it.
	until := opt.RetainUntil.UTC()
	rec, _ := json.Marshal(retainRecord{Key: key, RetainUntil: until})
	rtmp, _, err := s.writeTemp(ctx, strings.NewReader(string(rec)), int64(len(rec)), 0o444)
	if err != nil {
		return ObjectInfo{}, fmt.Errorf("files: put %q: %w", key, err)
	}
	defer os.Remove(rtmp)
	rp := s.retainPath(key)
	if err := os.MkdirAll(filepath.Dir(rp), 0o755); err != nil {
		return ObjectInfo{}, fmt.Errorf("files: put %q: %w", key, err)
	}
	if err := os.Link(tmp, p); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return ObjectInfo{}, fmt.Errorf("%w: %q", ErrExists, key)
		}
		return ObjectInfo{}, fmt.Errorf("files: put %q: %w", key, err)
	}
	syncDir(filepath.Dir(p))
	if err := os.Rename(rtmp, rp); err != nil {
		return ObjectInfo{}, fmt.Errorf("files: put %q: retention record: %w", key, err)
	}
	syncDir(filepath.Dir(rp))
	return ObjectInfo{Key: key, Size: n, ModTime: s.modTime(p), RetainUntil: until}, nil
}

func (s *LocalStore) modTime(p string) time.Time {
	if fi, err := os.Stat(p); err == nil {
		return fi.ModTime()
	}
	return s.now()
}

func notFound(key string) error { return fmt.Errorf("%w: %q", ErrNotFound, key) }

// Stat describes the object under key.
func (s *LocalStore) Stat(ctx context.Context, key string) (ObjectInfo, error) {
	p, err := s.path(key)
	if err != nil {
		return ObjectInfo{}, err
	}
	if err := ctx.Err(); err != nil {
		return ObjectInfo{}, err
	}
	fi, err := os.Stat(p)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR) {
			return ObjectInfo{}, notFound(key)
		}
		return ObjectInfo{}, fmt.Errorf("files: stat %q: %w", key, err)
	}
	if !fi.Mode().IsRegular() {
		return ObjectInfo{}, notFound(key)
	}
	info := ObjectInfo{Key: key, Size: fi.Size(), ModTime: fi.ModTime()}
	if s.locked {
		if until, err := s.readRetain(key); err == nil {
			info.RetainUntil = until
		} else if !errors.Is(err, fs.ErrNotExist) {
			return ObjectInfo{}, err
		}
	}
	return info, nil
}

// Open reads the object under key. The result is an *os.File (it
// implements io.ReadSeeker).
func (s *LocalStore) Open(ctx context.Context, key string) (io.ReadCloser, error) {
	f, _, err := s.open(ctx, key)
	if err != nil {
		return nil, err
	}
	return f, nil
}

func (s *LocalStore) open(ctx context.Context, key string) (*os.File, fs.FileInfo, error) {
	p, err := s.path(key)
	if err != nil {
		return nil, nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, nil, err
	}
	f, err := os.Open(p)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR) {
			return nil, nil, notFound(key)
		}
		return nil, nil, fmt.Errorf("files: open %q: %w", key, err)
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, nil, fmt.Errorf("files: open %q: %w", key, err)
	}
	if !fi.Mode().IsRegular() {
		f.Close()
		return nil, nil, notFound(key)
	}
	return f, fi, nil
}

// Delete removes key; a missing key is fine. In a locked store an object
// whose retention has not passed — or whose retention record is missing —
// is ErrLocked.
func (s *LocalStore) Delete(ctx context.Context, key string) error {
	p, err := s.path(key)
	if err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	fi, err := os.Lstat(p)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR) {
			return nil
		}
		return fmt.Errorf("files: delete %q: %w", key, err)
	}
	if fi.IsDir() {
		return nil
	}
	if s.locked {
		until, err := s.readRetain(key)
		if err != nil {
			return fmt.Errorf("%w: %q: retention unknown (%v)", ErrLocked, key, err)
		}
		if s.now().Before(until) {
			return fmt.Errorf("%w: %q until %s", ErrLocked, key, until.Format(time.RFC3339))
		}
	}
	if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("files: delete %q: %w", key, err)
	}
	if s.locked {
		_ = os.Remove(s.retainPath(key))
	}
	syncDir(filepath.Dir(p))
	return nil
}

// Walk calls fn for every object whose key starts with prefix, in lexical
// order of path segments.
func (s *LocalStore) Walk(ctx context.Context, prefix string, fn func(ObjectInfo) error) error {
	root := s.dir
	if i := strings.LastIndex(prefix, "/"); i >= 0 {
		root = filepath.Join(s.dir, filepath.FromSlash(prefix[:i]))
		if !strings.HasPrefix(root+string(filepath.Separator), s.dir+string(filepath.Separator)) {
			return fmt.Errorf("%w: prefix %q", ErrInvalidKey, prefix)
		}
	}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if p == root && errors.Is(err, fs.ErrNotExist) {
				return fs.SkipAll
			}
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		rel, err := filepath.Rel(s.dir, p)
		if err != nil {
			return err
		}
		key := filepath.ToSlash(rel)
		if d.IsDir() {
			if p == s.dir {
				return nil
			}
			if key == localTmpDir || key == localRetainDir {
				return fs.SkipDir
			}
			// prune directories that cannot contain a match
			if !strings.HasPrefix(key+"/", prefix) && !strings.HasPrefix(prefix, key+"/") {
				return fs.SkipDir
			}
			return nil
		}
		if !d.Type().IsRegular() || !strings.HasPrefix(key, prefix) {
			return nil
		}
		fi, err := d.Info()
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil // deleted meanwhile
			}
			return err
		}
		info := ObjectInfo{Key: key, Size: fi.Size(), ModTime: fi.ModTime()}
		if s.locked {
			if until, err := s.readRetain(key); err == nil {
				info.RetainUntil = until
			}
		}
		return fn(info)
	})
	return err
}

// clampTTL bounds a signed URL's lifetime to [1s, MaxURLTTL].
func clampTTL(ttl time.Duration) time.Duration {
	if ttl < time.Second {
		return time.Second
	}
	if ttl > MaxURLTTL {
		return MaxURLTTL
	}
	return ttl
}

// escapeKey path-escapes each segment of key.
func escapeKey(key string) string {
	segs := strings.Split(key, "/")
	for i, s := range segs {
		segs[i] = url.PathEscape(s)
	}
	return strings.Join(segs, "/")
}

// sign is the HMAC-SHA256 of the key, expiry and response headers, each
// length-prefixed so that no two tuples share an encoding.
func (s *LocalStore) sign(key string, exp int64, ct, cd string) []byte {
	m := hmac.New(sha256.New, s.secret)
	var b [8]byte
	field := func(v string) {
		binary.BigEndian.PutUint64(b[:], uint64(len(v)))
		m.Write(b[:])
		m.Write([]byte(v))
	}
	field("govcollab-local-url-v1")
	field(key)
	field(strconv.FormatInt(exp, 10))
	field(ct)
	field(cd)
	return m.Sum(nil)
}

// SignedURL is URLPrefix + escaped key + "?exp=…&ct=…&cd=…&sig=…", valid for
// ttl (clamped to [1s, MaxURLTTL]); ServeSigned answers it.
func (s *LocalStore) SignedURL(ctx context.Context, key string, ttl time.Duration, resp ResponseHeaders) (string, error) {
	if _, err := s.path(key); err != nil {
		return "", err
	}
	if err := ctx.Err(); err != nil {
		return "", err
	}
	exp := s.now().Add(clampTTL(ttl)).Unix()
	q := url.Values{}
	q.Set("exp", strconv.FormatInt(exp, 10))
	if resp.ContentType != "" {
		q.Set("ct", resp.ContentType)
	}
	if resp.ContentDisposition != "" {
		q.Set("cd", resp.ContentDisposition)
	}
	q.Set("sig", base64.RawURLEncoding.EncodeToString(s.sign(key, exp, resp.ContentType, resp.ContentDisposition)))
	return s.prefix + escapeKey(key) + "?" + q.Encode(), nil
}

// ServeSigned checks r's signed query for key and serves the object with
// range support. It writes nothing and returns ErrURLInvalid (bad or
// missing signature), ErrURLExpired, ErrNotFound or an invalid-key error
// when it cannot serve; the caller answers 403/404 then. Content-Type and
// Content-Disposition come from the signed query (defaults
// application/octet-stream and attachment).
func (s *LocalStore) ServeSigned(w http.ResponseWriter, r *http.Request, key string) error {
	q := r.URL.Query()
	exp, err := strconv.ParseInt(q.Get("exp"), 10, 64)
	if err != nil {
		return fmt.Errorf("%w: bad expiry", ErrURLInvalid)
	}
	sig, err := base64.RawURLEncoding.DecodeString(q.Get("sig"))
	if err != nil || len(sig) != sha256.Size {
		return fmt.Errorf("%w: bad signature", ErrURLInvalid)
	}
	ct, cd := q.Get("ct"), q.Get("cd")
	if !hmac.Equal(sig, s.sign(key, exp, ct, cd)) {
		return fmt.Errorf("%w: bad signature", ErrURLInvalid)
	}
	if s.now().Unix() > exp {
		return fmt.Errorf("%w at %s", ErrURLExpired, time.Unix(exp, 0).UTC().Format(time.RFC3339))
	}
	f, fi, err := s.open(r.Context(), key)
	if err != nil {
		return err
	}
	defer f.Close()
	if ct == "" {
		ct = "application/octet-stream"
	}
	if cd == "" {
		cd = "attachment"
	}
	h := w.Header()
	h.Set("Content-Type", ct)
	h.Set("Content-Disposition", cd)
	h.Set("Cache-Control", "private, no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "sandbox")
	http.ServeContent(w, r, path.Base(key), fi.ModTime(), f)
	return nil
}

// SpoolFile is a new temporary file inside the store's directory tree: an
// upload written there can become an object by PutFile without a copy.
func (s *LocalStore) SpoolFile() (*os.File, error) {
	return os.CreateTemp(filepath.Join(s.dir, localTmpDir), "spool-*")
}

// PutFile makes f, a file from SpoolFile holding the whole object, the
// object under key: synced, then renamed into place (no second write).
// Locked stores copy through Put, keeping their write-once rules.
func (s *LocalStore) PutFile(ctx context.Context, key string, f *os.File, size int64, opt PutOptions) (ObjectInfo, error) {
	if s.locked || filepath.Dir(f.Name()) != filepath.Join(s.dir, localTmpDir) {
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			return ObjectInfo{}, err
		}
		return s.Put(ctx, key, f, size, opt)
	}
	p, err := s.path(key)
	if err != nil {
		return ObjectInfo{}, err
	}
	if err := ctx.Err(); err != nil {
		return ObjectInfo{}, err
	}
	if err := f.Chmod(0o644); err != nil {
		return ObjectInfo{}, err
	}
	if err := f.Sync(); err != nil {
		return ObjectInfo{}, err
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return ObjectInfo{}, fmt.Errorf("files: put %q: %w", key, err)
	}
	if err := os.Rename(f.Name(), p); err != nil {
		return ObjectInfo{}, fmt.Errorf("files: put %q: %w", key, err)
	}
	syncDir(filepath.Dir(p))
	return s.Stat(context.WithoutCancel(ctx), key)
}
