package files

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"

	"govcollab/hooks/files/miniotest"
)

// storeHarness makes fresh stores of one kind for the shared suite.
type storeHarness struct {
	kind string
	// open returns a new, empty store.
	open func(t *testing.T, locked bool) Store
	// advance makes d pass for signed-URL expiry (a fake clock locally,
	// real sleep against MinIO).
	advance func(d time.Duration)
}

func randBytes(t testing.TB, n int) []byte {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return b
}

func mustPut(t *testing.T, st Store, key string, data []byte, opt PutOptions) ObjectInfo {
	t.Helper()
	info, err := st.Put(context.Background(), key, bytes.NewReader(data), int64(len(data)), opt)
	if err != nil {
		t.Fatalf("put %q: %v", key, err)
	}
	return info
}

func readAll(t *testing.T, st Store, key string) []byte {
	t.Helper()
	rc, err := st.Open(context.Background(), key)
	if err != nil {
		t.Fatalf("open %q: %v", key, err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatalf("read %q: %v", key, err)
	}
	return b
}

func walkKeys(t *testing.T, st Store, prefix string) []string {
	t.Helper()
	var keys []string
	if err := st.Walk(context.Background(), prefix, func(oi ObjectInfo) error {
		keys = append(keys, oi.Key)
		return nil
	}); err != nil {
		t.Fatalf("walk %q: %v", prefix, err)
	}
	sort.Strings(keys)
	return keys
}

func httpGet(t *testing.T, u string, hdr map[string]string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", u, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, body
}

// runStoreSuite is the behaviour every Store shares.
func runStoreSuite(t *testing.T, h storeHarness) {
	ctx := context.Background()
	retain := func() PutOptions {
		return PutOptions{ContentType: "application/pdf", RetainUntil: time.Now().Add(time.Hour)}
	}

	t.Run("RoundTrip", func(t *testing.T) {
		st := h.open(t, false)
		if st.Kind() != h.kind || st.Locked() {
			t.Fatalf("kind %q locked %v", st.Kind(), st.Locked())
		}
		data := randBytes(t, 300<<10+7)
		key := "docs/2026/公文-最终版 (1).pdf"
		info := mustPut(t, st, key, data, PutOptions{ContentType: "application/pdf"})
		if info.Key != key || info.Size != int64(len(data)) {
			t.Fatalf("put info %+v", info)
		}
		si, err := st.Stat(ctx, key)
		if err != nil {
			t.Fatal(err)
		}
		if si.Key != key || si.Size != int64(len(data)) || si.ModTime.IsZero() || !si.RetainUntil.IsZero() {
			t.Fatalf("stat %+v", si)
		}
		if got := readAll(t, st, key); !bytes.Equal(got, data) {
			t.Fatalf("read back %d bytes, differ from %d put", len(got), len(data))
		}
		// overwrite in an unlocked store
		data2 := []byte("第二版")
		mustPut(t, st, key, data2, PutOptions{})
		if got := readAll(t, st, key); !bytes.Equal(got, data2) {
			t.Fatalf("after overwrite got %q", got)
		}
		// empty object
		mustPut(t, st, "empty", nil, PutOptions{})
		if got := readAll(t, st, "empty"); len(got) != 0 {
			t.Fatalf("empty object read %d bytes", len(got))
		}
	})

	t.Run("ChineseKeys", func(t *testing.T) {
		st := h.open(t, false)
		keys := []string{"政务/通知/关于印发《办法》的通知.docx", "政务/通知/附件 一.xlsx", "政务/会议纪要.txt", "市局/报告#1?.pdf"}
		for i, k := range keys {
			mustPut(t, st, k, []byte(fmt.Sprintf("内容%d", i)), PutOptions{ContentType: "text/plain; charset=utf-8"})
		}
		for i, k := range keys {
			if got := string(readAll(t, st, k)); got != fmt.Sprintf("内容%d", i) {
				t.Fatalf("%q: got %q", k, got)
			}
		}
		got := walkKeys(t, st, "政务/通知/")
		want := []string{keys[1], keys[0]}
		sort.Strings(want)
		if strings.Join(got, "|") != strings.Join(want, "|") {
			t.Fatalf("walk 政务/通知/ = %q, want %q", got, want)
		}
	})

	t.Run("NotFound", func(t *testing.T) {
		st := h.open(t, false)
		if _, err := st.Stat(ctx, "no/such/key"); !errors.Is(err, ErrNotFound) {
			t.Fatalf("stat missing: %v", err)
		}
		if rc, err := st.Open(ctx, "no/such/key"); !errors.Is(err, ErrNotFound) {
			if rc != nil {
				rc.Close()
			}
			t.Fatalf("open missing: %v", err)
		}
		mustPut(t, st, "dir/file", []byte("x"), PutOptions{})
		if _, err := st.Stat(ctx, "dir"); !errors.Is(err, ErrNotFound) {
			t.Fatalf("stat of a key prefix: %v", err)
		}
		if _, err := st.Stat(ctx, "dir/file/more"); !errors.Is(err, ErrNotFound) {
			t.Fatalf("stat below an object: %v", err)
		}
	})

	t.Run("DeleteIdempotent", func(t *testing.T) {
		st := h.open(t, false)
		if err := st.Delete(ctx, "never/was"); err != nil {
			t.Fatalf("delete missing: %v", err)
		}
		mustPut(t, st, "d/x.bin", []byte("abc"), PutOptions{})
		for i := 0; i < 2; i++ {
			if err := st.Delete(ctx, "d/x.bin"); err != nil {
				t.Fatalf("delete #%d: %v", i+1, err)
			}
		}
		if _, err := st.Stat(ctx, "d/x.bin"); !errors.Is(err, ErrNotFound) {
			t.Fatalf("stat after delete: %v", err)
		}
		if keys := walkKeys(t, st, ""); len(keys) != 0 {
			t.Fatalf("walk after delete: %q", keys)
		}
	})

	t.Run("Walk", func(t *testing.T) {
		st := h.open(t, false)
		for _, k := range []string{"w/a/1", "w/a/2", "w/b/1", "wx/1", "w/ab"} {
			mustPut(t, st, k, []byte(k), PutOptions{})
		}
		for prefix, want := range map[string]string{
			"":      "w/a/1|w/a/2|w/ab|w/b/1|wx/1",
			"w/":    "w/a/1|w/a/2|w/ab|w/b/1",
			"w/a":   "w/a/1|w/a/2|w/ab",
			"w/a/":  "w/a/1|w/a/2",
			"w":     "w/a/1|w/a/2|w/ab|w/b/1|wx/1",
			"none/": "",
			"w/b/1": "w/b/1",
		} {
			if got := strings.Join(walkKeys(t, st, prefix), "|"); got != want {
				t.Errorf("walk %q = %q, want %q", prefix, got, want)
			}
		}
		var sizes int64
		_ = st.Walk(ctx, "w/a/", func(oi ObjectInfo) error { sizes += oi.Size; return nil })
		if sizes != 10 {
			t.Errorf("walk sizes %d, want 10", sizes)
		}
		stop := errors.New("stop")
		n := 0
		err := st.Walk(ctx, "", func(ObjectInfo) error { n++; return stop })
		if !errors.Is(err, stop) || n != 1 {
			t.Errorf("walk stop: err %v after %d calls", err, n)
		}
	})

	t.Run("InvalidKeys", func(t *testing.T) {
		st := h.open(t, false)
		for _, k := range []string{"", "../x", "a/../../x", "/abs", `a\b`, "a\x00b", "a//b", "a/./b", "trailing/"} {
			if _, err := st.Put(ctx, k, strings.NewReader("x"), 1, PutOptions{}); err == nil || !errors.Is(err, ErrInvalidKey) {
				t.Errorf("put %q: %v", k, err)
			}
			if _, err := st.Stat(ctx, k); err == nil || errors.Is(err, ErrNotFound) {
				t.Errorf("stat %q: %v", k, err)
			}
		}
	})

	t.Run("CancelledPut", func(t *testing.T) {
		st := h.open(t, false)
		cctx, cancel := context.WithCancel(ctx)
		r := &cancelAfter{r: bytes.NewReader(randBytes(t, 1<<20)), n: 64 << 10, cancel: cancel}
		if _, err := st.Put(cctx, "cancelled", r, 1<<20, PutOptions{}); err == nil {
			t.Fatal("put with a cancelled context succeeded")
		} else if errors.Is(err, ErrUnavailable) {
			t.Fatalf("a caller's cancellation reported as an outage: %v", err)
		}
		if _, err := st.Stat(ctx, "cancelled"); !errors.Is(err, ErrNotFound) {
			t.Fatalf("half-written object visible: %v", err)
		}
	})

	t.Run("SignedURL", func(t *testing.T) {
		st := h.open(t, false)
		data := randBytes(t, 64<<10)
		key := "signed/报告 2026.pdf"
		mustPut(t, st, key, data, PutOptions{ContentType: "application/pdf"})
		cd := `attachment; filename="report.pdf"; filename*=UTF-8''%E6%8A%A5%E5%91%8A.pdf`
		u, err := st.SignedURL(ctx, key, time.Minute, ResponseHeaders{ContentType: "application/pdf", ContentDisposition: cd})
		if err != nil {
			t.Fatal(err)
		}
		resp, body := httpGet(t, u, nil)
		if resp.StatusCode != http.StatusOK || !bytes.Equal(body, data) {
			t.Fatalf("GET signed: %d, %d bytes (want %d)", resp.StatusCode, len(body), len(data))
		}
		if got := resp.Header.Get("Content-Type"); got != "application/pdf" {
			t.Errorf("Content-Type %q", got)
		}
		if got := resp.Header.Get("Content-Disposition"); got != cd {
			t.Errorf("Content-Disposition %q, want %q", got, cd)
		}
		resp, body = httpGet(t, u, map[string]string{"Range": "bytes=1000-1999"})
		if resp.StatusCode != http.StatusPartialContent {
			t.Fatalf("range: status %d", resp.StatusCode)
		}
		if want := fmt.Sprintf("bytes 1000-1999/%d", len(data)); resp.Header.Get("Content-Range") != want {
			t.Errorf("Content-Range %q, want %q", resp.Header.Get("Content-Range"), want)
		}
		if !bytes.Equal(body, data[1000:2000]) {
			t.Errorf("range body differs (%d bytes)", len(body))
		}
		if got := resp.Header.Get("Content-Disposition"); got != cd {
			t.Errorf("range Content-Disposition %q", got)
		}
		// tampering with a signed parameter is refused
		pu, _ := url.Parse(u)
		q := pu.Query()
		if q.Has("ct") {
			q.Set("ct", "text/html")
		} else {
			q.Set("response-content-type", "text/html")
		}
		pu.RawQuery = q.Encode()
		if resp, _ := httpGet(t, pu.String(), nil); resp.StatusCode != http.StatusForbidden {
			t.Errorf("tampered URL: status %d, want 403", resp.StatusCode)
		}
		// ttl is capped at MaxURLTTL
		long, err := st.SignedURL(ctx, key, time.Hour, ResponseHeaders{})
		if err != nil {
			t.Fatal(err)
		}
		if exp := urlExpiry(t, long); exp > MaxURLTTL+2*time.Second {
			t.Errorf("ttl of an hour gave a URL valid for %s", exp)
		}
	})

	t.Run("SignedURLExpiry", func(t *testing.T) {
		st := h.open(t, false)
		mustPut(t, st, "exp/a.txt", []byte("hello"), PutOptions{})
		u, err := st.SignedURL(ctx, "exp/a.txt", time.Second, ResponseHeaders{ContentType: "text/plain"})
		if err != nil {
			t.Fatal(err)
		}
		h.advance(2500 * time.Millisecond)
		if resp, _ := httpGet(t, u, nil); resp.StatusCode != http.StatusForbidden {
			t.Fatalf("expired URL: status %d, want 403", resp.StatusCode)
		}
	})

	t.Run("Locked", func(t *testing.T) {
		st := h.open(t, true)
		if !st.Locked() {
			t.Fatal("not locked")
		}
		data := []byte("归档文件内容")
		opt := retain()
		if _, err := st.Put(ctx, "arch/a.pdf", bytes.NewReader(data), int64(len(data)), PutOptions{}); err == nil {
			t.Fatal("locked put without RetainUntil succeeded")
		}
		info := mustPut(t, st, "arch/a.pdf", data, opt)
		if d := info.RetainUntil.Sub(opt.RetainUntil); d > time.Second || d < -time.Second {
			t.Errorf("put RetainUntil %s, want %s", info.RetainUntil, opt.RetainUntil)
		}
		if _, err := st.Put(ctx, "arch/a.pdf", strings.NewReader("other"), 5, retain()); !errors.Is(err, ErrExists) {
			t.Fatalf("second put: %v, want ErrExists", err)
		}
		if err := st.Delete(ctx, "arch/a.pdf"); !errors.Is(err, ErrLocked) {
			t.Fatalf("delete retained: %v, want ErrLocked", err)
		}
		si, err := st.Stat(ctx, "arch/a.pdf")
		if err != nil {
			t.Fatal(err)
		}
		if d := si.RetainUntil.Sub(opt.RetainUntil); d > time.Second || d < -time.Second {
			t.Errorf("stat RetainUntil %s, want %s", si.RetainUntil, opt.RetainUntil)
		}
		if si.VersionID != info.VersionID {
			t.Errorf("stat version %q, put version %q", si.VersionID, info.VersionID)
		}
		if got := readAll(t, st, "arch/a.pdf"); !bytes.Equal(got, data) {
			t.Fatalf("read back %q", got)
		}
		if keys := walkKeys(t, st, ""); strings.Join(keys, "|") != "arch/a.pdf" {
			t.Fatalf("walk locked store: %q", keys)
		}
		if err := st.Delete(ctx, "arch/missing"); err != nil {
			t.Fatalf("delete missing in locked store: %v", err)
		}
	})
}

// cancelAfter cancels its context after n bytes were read.
type cancelAfter struct {
	r      io.Reader
	n      int
	read   int
	cancel context.CancelFunc
}

func (c *cancelAfter) Read(p []byte) (int, error) {
	if c.read >= c.n {
		c.cancel()
		time.Sleep(10 * time.Millisecond)
	}
	if len(p) > 8<<10 {
		p = p[:8<<10]
	}
	n, err := c.r.Read(p)
	c.read += n
	return n, err
}

// urlExpiry is how long a signed URL (ours or S3's) is valid for.
func urlExpiry(t *testing.T, u string) time.Duration {
	t.Helper()
	pu, err := url.Parse(u)
	if err != nil {
		t.Fatal(err)
	}
	q := pu.Query()
	if v := q.Get("X-Amz-Expires"); v != "" {
		d, err := time.ParseDuration(v + "s")
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	var exp int64
	if _, err := fmt.Sscan(q.Get("exp"), &exp); err != nil {
		t.Fatalf("no expiry in %s", u)
	}
	return time.Until(time.Unix(exp, 0))
}

var testSecret = []byte("0123456789abcdef-test-secret")

// localHarness serves each store's signed URLs from an httptest server.
func localHarness(t *testing.T) storeHarness {
	var offset atomic.Int64
	now := func() time.Time { return time.Now().Add(time.Duration(offset.Load())) }
	return storeHarness{
		kind: "local",
		open: func(t *testing.T, locked bool) Store {
			var st *LocalStore
			mux := http.NewServeMux()
			mux.HandleFunc("/blob/", func(w http.ResponseWriter, r *http.Request) {
				key := strings.TrimPrefix(r.URL.Path, "/blob/")
				switch err := st.ServeSigned(w, r, key); {
				case err == nil:
				case errors.Is(err, ErrNotFound):
					http.Error(w, "not found", http.StatusNotFound)
				default:
					http.Error(w, "forbidden", http.StatusForbidden)
				}
			})
			srv := httptest.NewServer(mux)
			t.Cleanup(srv.Close)
			var err error
			st, err = NewLocalStore(t.TempDir(), LocalOptions{Locked: locked, Secret: testSecret, URLPrefix: srv.URL + "/blob/", Now: now})
			if err != nil {
				t.Fatal(err)
			}
			return st
		},
		advance: func(d time.Duration) { offset.Add(int64(d)) },
	}
}

func TestStoreSuiteLocal(t *testing.T) {
	runStoreSuite(t, localHarness(t))
}

var bucketSeq atomic.Int64

func testBucket() string {
	b := make([]byte, 3)
	_, _ = rand.Read(b)
	return fmt.Sprintf("t%d-%s", bucketSeq.Add(1), hex.EncodeToString(b))
}

func minioConfig(srv *miniotest.Server) S3Config {
	b := testBucket()
	return S3Config{
		Endpoint:      srv.Endpoint,
		AccessKey:     srv.AccessKey,
		SecretKey:     srv.SecretKey,
		Bucket:        b,
		ArchiveBucket: b + "-archive",
		Region:        "us-east-1",
	}
}

func newMinioStore(t *testing.T, srv *miniotest.Server, locked bool) *S3Store {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	st, err := NewS3Store(ctx, minioConfig(srv), locked)
	if err != nil {
		t.Fatalf("NewS3Store: %v\nminio output:\n%s", err, srv.Output())
	}
	return st
}

func TestStoreSuiteS3(t *testing.T) {
	srv := miniotest.Start(t)
	runStoreSuite(t, storeHarness{
		kind:    "s3",
		open:    func(t *testing.T, locked bool) Store { return newMinioStore(t, srv, locked) },
		advance: time.Sleep,
	})
}

// TestS3LockedTamper: in a locked bucket a raw overwrite makes a new version
// (so the version recorded at Put no longer matches Stat) and the original
// version cannot be removed.
func TestS3LockedTamper(t *testing.T) {
	srv := miniotest.Start(t)
	ctx := context.Background()
	st := newMinioStore(t, srv, true)
	info := mustPut(t, st, "case/证据.pdf", []byte("original"), PutOptions{RetainUntil: time.Now().Add(time.Hour)})
	if info.VersionID == "" {
		t.Fatal("locked put returned no VersionID")
	}
	raw := st.Client()
	// the If-None-Match guard Put sends is honoured by MinIO
	guarded := minio.PutObjectOptions{Mode: minio.Compliance, RetainUntilDate: time.Now().Add(time.Hour)}
	guarded.SetMatchETagExcept("*")
	_, err := raw.PutObject(ctx, st.Bucket(), "case/证据.pdf", strings.NewReader("forged"), 6, guarded)
	if code := minio.ToErrorResponse(err).Code; code != "PreconditionFailed" {
		t.Errorf("put with If-None-Match: * over an existing key: %v (code %q), want PreconditionFailed", err, code)
	}
	if _, err := raw.PutObject(ctx, st.Bucket(), "case/证据.pdf", strings.NewReader("forged"), 6, minio.PutObjectOptions{}); err != nil {
		t.Fatalf("raw overwrite: %v", err)
	}
	si, err := st.Stat(ctx, "case/证据.pdf")
	if err != nil {
		t.Fatal(err)
	}
	if !si.RetainUntil.IsZero() {
		t.Logf("forged version retention: %s", si.RetainUntil)
	}
	if si.VersionID == "" || si.VersionID == info.VersionID {
		t.Fatalf("after raw overwrite Stat version %q, Put version %q: want a different one", si.VersionID, info.VersionID)
	}
	err = raw.RemoveObject(ctx, st.Bucket(), "case/证据.pdf", minio.RemoveObjectOptions{VersionID: info.VersionID})
	if err == nil {
		t.Fatal("raw RemoveObject of the retained original version succeeded")
	}
	err = raw.RemoveObject(ctx, st.Bucket(), "case/证据.pdf", minio.RemoveObjectOptions{VersionID: info.VersionID, GovernanceBypass: true})
	if err == nil {
		t.Fatal("COMPLIANCE version removed with governance bypass")
	}
	obj, err := raw.GetObject(ctx, st.Bucket(), "case/证据.pdf", minio.GetObjectOptions{VersionID: info.VersionID})
	if err != nil {
		t.Fatal(err)
	}
	defer obj.Close()
	if b, err := io.ReadAll(obj); err != nil || string(b) != "original" {
		t.Fatalf("original version: %q, %v", b, err)
	}
}

// TestS3LockedNeedsLockBucket: a locked store refuses a bucket created
// without object locking.
func TestS3LockedNeedsLockBucket(t *testing.T) {
	srv := miniotest.Start(t)
	plain := newMinioStore(t, srv, false)
	cfg := minioConfig(srv)
	cfg.ArchiveBucket = plain.Bucket()
	_, err := NewS3Store(context.Background(), cfg, true)
	if err == nil || !strings.Contains(err.Error(), "object locking") {
		t.Fatalf("locked store on a plain bucket: %v", err)
	}
	// and a locked store's bucket really has locking
	st := newMinioStore(t, srv, true)
	enabled, _, _, _, err := st.Client().GetObjectLockConfig(context.Background(), st.Bucket())
	if err != nil || enabled != "Enabled" {
		t.Fatalf("object lock of %s: %q %v", st.Bucket(), enabled, err)
	}
}

// TestS3Unavailable: with MinIO stopped every call fails fast with
// ErrUnavailable; after a restart the data is back.
func TestS3Unavailable(t *testing.T) {
	srv := miniotest.Start(t)
	ctx := context.Background()
	st := newMinioStore(t, srv, false)
	mustPut(t, st, "up/a.txt", []byte("a"), PutOptions{})
	srv.Stop()

	check := func(op string, err error, start time.Time) {
		t.Helper()
		if el := time.Since(start); el > 10*time.Second {
			t.Errorf("%s took %s with MinIO down", op, el)
		}
		if !errors.Is(err, ErrUnavailable) {
			t.Errorf("%s with MinIO down: %v, want ErrUnavailable", op, err)
		}
	}
	start := time.Now()
	_, err := st.Put(ctx, "up/b.txt", strings.NewReader("b"), 1, PutOptions{})
	check("put", err, start)
	start = time.Now()
	_, err = st.Stat(ctx, "up/a.txt")
	check("stat", err, start)
	start = time.Now()
	rc, err := st.Open(ctx, "up/a.txt")
	if rc != nil {
		rc.Close()
	}
	check("open", err, start)
	start = time.Now()
	check("delete", st.Delete(ctx, "up/a.txt"), start)
	start = time.Now()
	check("walk", st.Walk(ctx, "", func(ObjectInfo) error { return nil }), start)
	start = time.Now()
	down := minioConfig(srv)
	down.StartupWait = 2 * time.Second
	_, err = NewS3Store(ctx, down, false)
	check("new store", err, start)
	t.Logf("MinIO down error: %v", err)

	srv.Restart(t)
	if got := string(readAll(t, st, "up/a.txt")); got != "a" {
		t.Fatalf("after restart: %q", got)
	}
}

// TestS3UnreachableEndpoint needs no MinIO: a closed port is ErrUnavailable
// quickly.
func TestS3UnreachableEndpoint(t *testing.T) {
	l := httptest.NewServer(http.NotFoundHandler())
	addr := strings.TrimPrefix(l.URL, "http://")
	l.Close()
	start := time.Now()
	_, err := NewS3Store(context.Background(), S3Config{Endpoint: addr, AccessKey: "k", SecretKey: "secretsecret", Bucket: "bucket1",
		StartupWait: 2 * time.Second}, false)
	if !errors.Is(err, ErrUnavailable) {
		t.Fatalf("closed port: %v", err)
	}
	if el := time.Since(start); el > 10*time.Second {
		t.Fatalf("took %s", el)
	}
	if !strings.Contains(err.Error(), "refused") {
		t.Errorf("cause lost: %v", err)
	}
}

// TestS3WaitsForStartingServer: a store that answers "server not
// initialized" for a while (MinIO starting beside the app) is waited for,
// not given up on; one that never comes is given up after StartupWait.
func TestS3WaitsForStartingServer(t *testing.T) {
	var calls, notReady atomic.Int32
	notReady.Store(3)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) <= notReady.Load() {
			w.Header().Set("Content-Type", "application/xml")
			w.WriteHeader(http.StatusServiceUnavailable)
			_, _ = w.Write([]byte(`<?xml version="1.0" encoding="UTF-8"?><Error><Code>XMinioServerNotInitialized</Code>` +
				`<Message>Server not initialized yet, please try again.</Message></Error>`))
			return
		}
		w.WriteHeader(http.StatusOK) // HEAD bucket: it exists
	}))
	defer srv.Close()
	cfg := S3Config{Endpoint: strings.TrimPrefix(srv.URL, "http://"), AccessKey: "k", SecretKey: "secretsecret",
		Bucket: "bucket1", StartupWait: 20 * time.Second}
	if _, err := NewS3Store(context.Background(), cfg, false); err != nil {
		t.Fatalf("a starting server was not waited for: %v", err)
	}
	if n := calls.Load(); n <= 3 {
		t.Fatalf("%d calls: the store never asked again", n)
	}
	calls.Store(0)
	notReady.Store(1 << 30)
	cfg.StartupWait = time.Second
	start := time.Now()
	_, err := NewS3Store(context.Background(), cfg, false)
	if !errors.Is(err, ErrUnavailable) || time.Since(start) > 10*time.Second {
		t.Fatalf("a server that never comes: %v after %s", err, time.Since(start))
	}
}

// TestLocalPutAtomic: a failing body leaves nothing under the key nor in the
// temporary directory.
func TestLocalPutAtomic(t *testing.T) {
	st, err := NewLocalStore(t.TempDir(), LocalOptions{Secret: testSecret})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	boom := errors.New("boom")
	r := io.MultiReader(bytes.NewReader(make([]byte, 1000)), errReader{boom})
	if _, err := st.Put(ctx, "a/b", r, 5000, PutOptions{}); !errors.Is(err, boom) {
		t.Fatalf("put with failing body: %v", err)
	}
	if _, err := st.Put(ctx, "a/c", strings.NewReader("short"), 10, PutOptions{}); err == nil {
		t.Fatal("short body accepted")
	}
	for _, k := range []string{"a/b", "a/c"} {
		if _, err := st.Stat(ctx, k); !errors.Is(err, ErrNotFound) {
			t.Fatalf("%s visible after failed put: %v", k, err)
		}
	}
	if keys := walkKeys(t, st, ""); len(keys) != 0 {
		t.Fatalf("walk: %q", keys)
	}
	if ents, _ := os.ReadDir(st.Dir() + "/" + localTmpDir); len(ents) != 0 {
		t.Fatalf("temporary files left: %v", ents)
	}
	if _, err := st.Put(ctx, ".tmp/x", strings.NewReader("x"), 1, PutOptions{}); !errors.Is(err, ErrInvalidKey) {
		t.Fatalf("reserved key: %v", err)
	}
}

type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }

// TestLocalLocked: WORM details of the local store.
func TestLocalLocked(t *testing.T) {
	var offset atomic.Int64
	now := func() time.Time { return time.Now().Add(time.Duration(offset.Load())) }
	st, err := NewLocalStore(t.TempDir(), LocalOptions{Locked: true, Secret: testSecret, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	until := time.Now().Add(time.Hour)
	// concurrent puts of one key: exactly one wins
	var wins, exists atomic.Int32
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			body := fmt.Sprintf("writer %d", i)
			_, err := st.Put(ctx, "race/k", strings.NewReader(body), int64(len(body)), PutOptions{RetainUntil: until})
			switch {
			case err == nil:
				wins.Add(1)
			case errors.Is(err, ErrExists):
				exists.Add(1)
			default:
				t.Errorf("put: %v", err)
			}
		}(i)
	}
	wg.Wait()
	if wins.Load() != 1 || exists.Load() != 7 {
		t.Fatalf("concurrent locked puts: %d won, %d ErrExists", wins.Load(), exists.Load())
	}
	fi, err := os.Stat(st.Dir() + "/race/k")
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o444 {
		t.Errorf("locked object mode %v, want 0444", fi.Mode().Perm())
	}
	if err := st.Delete(ctx, "race/k"); !errors.Is(err, ErrLocked) {
		t.Fatalf("delete: %v", err)
	}
	if keys := walkKeys(t, st, ""); strings.Join(keys, "|") != "race/k" {
		t.Fatalf("walk shows %q", keys)
	}
	// once retention has passed the object may go
	offset.Store(int64(2 * time.Hour))
	if err := st.Delete(ctx, "race/k"); err != nil {
		t.Fatalf("delete after retention: %v", err)
	}
	if _, err := st.Stat(ctx, "race/k"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("stat after delete: %v", err)
	}
	if _, err := st.Put(ctx, "past", strings.NewReader("x"), 1, PutOptions{RetainUntil: time.Now()}); err == nil {
		t.Fatal("retention in the past accepted")
	}
}

// TestLocalServeSigned: the error values and headers of ServeSigned.
func TestLocalServeSigned(t *testing.T) {
	var offset atomic.Int64
	now := func() time.Time { return time.Now().Add(time.Duration(offset.Load())) }
	st, err := NewLocalStore(t.TempDir(), LocalOptions{Secret: testSecret, URLPrefix: "/api/gov/blob/files/", Now: now})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	mustPut(t, st, "目录/a b.html", []byte("<script>alert(1)</script>"), PutOptions{})
	u, err := st.SignedURL(ctx, "目录/a b.html", time.Minute, ResponseHeaders{ContentType: "text/html"})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(u, "/api/gov/blob/files/%E7%9B%AE%E5%BD%95/a%20b.html?") {
		t.Fatalf("url %s", u)
	}
	serve := func(u, key string) (*httptest.ResponseRecorder, error) {
		req := httptest.NewRequest(http.MethodGet, u, nil)
		rec := httptest.NewRecorder()
		return rec, st.ServeSigned(rec, req, key)
	}
	rec, err := serve(u, "目录/a b.html")
	if err != nil || rec.Code != 200 {
		t.Fatalf("serve: %v %d", err, rec.Code)
	}
	for k, v := range map[string]string{
		"Content-Type": "text/html", "Cache-Control": "private, no-store",
		"X-Content-Type-Options": "nosniff", "Content-Security-Policy": "sandbox", "Content-Disposition": "attachment",
	} {
		if got := rec.Header().Get(k); got != v {
			t.Errorf("%s: %q, want %q", k, got, v)
		}
	}
	if _, err := serve(u, "目录/other.html"); !errors.Is(err, ErrURLInvalid) {
		t.Errorf("other key: %v", err)
	}
	if _, err := serve(strings.Replace(u, "sig=", "sig=A", 1), "目录/a b.html"); !errors.Is(err, ErrURLInvalid) {
		t.Errorf("bad sig: %v", err)
	}
	if _, err := serve("/x", "目录/a b.html"); !errors.Is(err, ErrURLInvalid) {
		t.Errorf("no query: %v", err)
	}
	other, _ := NewLocalStore(t.TempDir(), LocalOptions{Secret: []byte("another-secret-0123456789")})
	req := httptest.NewRequest(http.MethodGet, u, nil)
	if err := other.ServeSigned(httptest.NewRecorder(), req, "目录/a b.html"); !errors.Is(err, ErrURLInvalid) {
		t.Errorf("other secret: %v", err)
	}
	offset.Store(int64(2 * time.Minute))
	if _, err := serve(u, "目录/a b.html"); !errors.Is(err, ErrURLExpired) {
		t.Errorf("expired: %v", err)
	}
	offset.Store(0)
	if err := st.Delete(ctx, "目录/a b.html"); err != nil {
		t.Fatal(err)
	}
	if _, err := serve(u, "目录/a b.html"); !errors.Is(err, ErrNotFound) {
		t.Errorf("deleted: %v", err)
	}
	if _, err := NewLocalStore(t.TempDir(), LocalOptions{}); err == nil {
		t.Error("store without secret accepted")
	}
}

func TestS3ConfigFromEnv(t *testing.T) {
	env := func(kv ...string) func(string) string {
		m := map[string]string{}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return func(k string) string { return m[k] }
	}
	if _, ok, err := s3ConfigFrom(env()); ok || err != nil {
		t.Fatalf("unset: ok %v err %v", ok, err)
	}
	cfg, ok, err := s3ConfigFrom(env("GOV_S3_ENDPOINT", "minio:9000", "GOV_S3_ACCESS_KEY", "ak", "GOV_S3_SECRET_KEY", "sk"))
	if !ok || err != nil {
		t.Fatal(ok, err)
	}
	if cfg.Bucket != "govcollab" || cfg.ArchiveBucket != "govcollab-archive" || cfg.Region != "us-east-1" || cfg.UseTLS || cfg.Timeout != 0 {
		t.Fatalf("defaults: %+v", cfg)
	}
	cfg, _, err = s3ConfigFrom(env("GOV_S3_ENDPOINT", "https://s3.gov.example", "GOV_S3_ACCESS_KEY", "ak", "GOV_S3_SECRET_KEY", "sk",
		"GOV_S3_BUCKET", "docs", "GOV_S3_TIMEOUT", "5s", "GOV_S3_PUBLIC_ENDPOINT", "https://files.gov.example"))
	if err != nil || !cfg.UseTLS || cfg.ArchiveBucket != "docs-archive" || cfg.Timeout != 5*time.Second || cfg.PublicEndpoint != "https://files.gov.example" {
		t.Fatalf("https: %+v %v", cfg, err)
	}
	cfg, _, err = s3ConfigFrom(env("GOV_S3_ENDPOINT", "minio:9000", "GOV_S3_ACCESS_KEY", "ak", "GOV_S3_SECRET_KEY", "sk", "GOV_S3_TLS", "true"))
	if err != nil || !cfg.UseTLS {
		t.Fatalf("GOV_S3_TLS: %+v %v", cfg, err)
	}
	for name, e := range map[string]func(string) string{
		"GOV_S3_ACCESS_KEY":     env("GOV_S3_ENDPOINT", "m:9000", "GOV_S3_SECRET_KEY", "sk"),
		"GOV_S3_SECRET_KEY":     env("GOV_S3_ENDPOINT", "m:9000", "GOV_S3_ACCESS_KEY", "ak"),
		"GOV_S3_TIMEOUT":        env("GOV_S3_ENDPOINT", "m:9000", "GOV_S3_ACCESS_KEY", "ak", "GOV_S3_SECRET_KEY", "sk", "GOV_S3_TIMEOUT", "soon"),
		"GOV_S3_TLS":            env("GOV_S3_ENDPOINT", "http://m:9000", "GOV_S3_ACCESS_KEY", "ak", "GOV_S3_SECRET_KEY", "sk", "GOV_S3_TLS", "true"),
		"GOV_S3_CA_FILE":        env("GOV_S3_ENDPOINT", "m:9000", "GOV_S3_ACCESS_KEY", "ak", "GOV_S3_SECRET_KEY", "sk", "GOV_S3_CA_FILE", "/nonexistent/ca.pem"),
		"GOV_S3_ENDPOINT":       env("GOV_S3_ENDPOINT", "ftp://m", "GOV_S3_ACCESS_KEY", "ak", "GOV_S3_SECRET_KEY", "sk"),
		"GOV_S3_ARCHIVE_BUCKET": env("GOV_S3_ENDPOINT", "m:9000", "GOV_S3_ACCESS_KEY", "ak", "GOV_S3_SECRET_KEY", "sk", "GOV_S3_BUCKET", "x", "GOV_S3_ARCHIVE_BUCKET", "x"),
	} {
		if _, ok, err := s3ConfigFrom(e); !ok || err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("%s: ok %v err %v", name, ok, err)
		}
	}
}

// TestS3PublicEndpoint: signed URLs use the public endpoint, with no
// network call.
func TestS3PublicEndpoint(t *testing.T) {
	srv := miniotest.Start(t)
	cfg := minioConfig(srv)
	cfg.PublicEndpoint = "https://files.gov.example"
	st, err := NewS3Store(context.Background(), cfg, false)
	if err != nil {
		t.Fatal(err)
	}
	u, err := st.SignedURL(context.Background(), "a/报告.pdf", time.Minute, ResponseHeaders{ContentType: "application/pdf"})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(u, "https://files.gov.example/"+cfg.Bucket+"/a/") {
		t.Fatalf("url %s", u)
	}
}
