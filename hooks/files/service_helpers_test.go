package files_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/pocketbase/pocketbase/tests"

	"govcollab/hooks"
	"govcollab/hooks/apptest"
	"govcollab/hooks/files"
	"govcollab/hooks/files/miniotest"
)

// storeKinds are the two stores every service test runs against.
var storeKinds = []string{"local", "minio"}

// fileEnv is a demo app served on loopback with one kind of store.
type fileEnv struct {
	app  *tests.TestApp
	g    *hooks.Gov
	base string
	kind string
	srv  *miniotest.Server // the MinIO server (minio kind)
}

// newEnv builds the app; for "minio" it swaps in fresh buckets on the
// shared server, or on a private one when private is set (tests that stop it).
func newEnv(t testing.TB, kind string, private bool) *fileEnv {
	t.Helper()
	app, g := apptest.New(t)
	t.Cleanup(app.Cleanup)
	// the demo's archived documents live in the template's local store; these
	// tests count archive rows and objects of their own, on either store
	if _, err := app.DB().NewQuery("DELETE FROM " + files.ArchiveTable).Execute(); err != nil {
		t.Fatal(err)
	}
	// and so do they of files: the demo's (mail-in attachments, raw
	// messages) go, rows and objects
	if _, err := app.DB().NewQuery("DELETE FROM " + files.FilesTable).Execute(); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	var keys []string
	_ = g.Files.Files.Walk(ctx, "", func(o files.ObjectInfo) error { keys = append(keys, o.Key); return nil })
	for _, k := range keys {
		if err := g.Files.Files.Delete(ctx, k); err != nil {
			t.Fatal(err)
		}
	}
	env := &fileEnv{app: app, g: g, kind: kind}
	if kind == "minio" {
		if private {
			env.srv = miniotest.Start(t)
		} else {
			env.srv = miniotest.Shared(t)
		}
		fs, as := s3Stores(t, env.srv)
		g.Files.UseStores(fs, as)
	}
	env.base = apptest.Serve(t, app)
	return env
}

func s3Config(srv *miniotest.Server, bucket string) files.S3Config {
	return files.S3Config{Endpoint: srv.Endpoint, AccessKey: srv.AccessKey, SecretKey: srv.SecretKey,
		Bucket: bucket, ArchiveBucket: bucket + "-archive", Region: "us-east-1", Timeout: 5 * time.Second}
}

func s3Stores(t testing.TB, srv *miniotest.Server) (*files.S3Store, *files.S3Store) {
	t.Helper()
	cfg := s3Config(srv, "t"+randomHex(8))
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	fs, err := files.NewS3Store(ctx, cfg, false)
	if err != nil {
		t.Fatalf("files bucket: %v", err)
	}
	acfg := cfg
	acfg.Bucket = cfg.ArchiveBucket
	as, err := files.NewS3Store(ctx, acfg, true)
	if err != nil {
		t.Fatalf("archive bucket: %v", err)
	}
	return fs, as
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// pdfBytes is a small valid PDF whose Info dictionary has title; pad adds
// bytes (in a comment) to reach a size, and makes the content unique.
func pdfBytes(title string, pad int) []byte {
	var b bytes.Buffer
	b.WriteString("%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
	b.WriteString("1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n")
	b.WriteString("2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\n")
	fmt.Fprintf(&b, "3 0 obj << /Title (%s) /Producer (govcollab-test) >> endobj\n", title)
	for pad > 0 {
		line := "% " + randomHex(32) + "\n"
		b.WriteString(line)
		pad -= len(line)
	}
	b.WriteString("trailer << /Root 1 0 R /Info 3 0 R >>\n%%EOF\n")
	return b.Bytes()
}

// multipartBody builds an upload request body with field "file" (and an
// unrelated field before it, which the server skips, as a form may send).
func multipartBody(t testing.TB, name string, content []byte) (io.Reader, string) {
	t.Helper()
	var buf bytes.Buffer
	buf.Grow(len(content) + 1024) // one copy of the content, as a client streaming it would make
	w := multipart.NewWriter(&buf)
	w.WriteField("note", "附件")
	part, err := w.CreateFormFile("file", name)
	if err != nil {
		t.Fatal(err)
	}
	part.Write(content)
	w.Close()
	return &buf, w.FormDataContentType()
}

// upload posts a file as user and returns the status and decoded answer.
func (env *fileEnv) upload(t testing.TB, user, name string, content []byte) (int, map[string]any) {
	t.Helper()
	body, ct := multipartBody(t, name, content)
	req, _ := http.NewRequest(http.MethodPost, env.base+"/api/gov/files", body)
	req.Header.Set("Content-Type", ct)
	req.Header.Set("Authorization", apptest.Token(t, user))
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	out := map[string]any{}
	raw, _ := io.ReadAll(res.Body)
	_ = json.Unmarshal(raw, &out)
	return res.StatusCode, out
}

// mustUpload uploads and returns the file id.
func (env *fileEnv) mustUpload(t testing.TB, user, name string, content []byte) string {
	t.Helper()
	code, out := env.upload(t, user, name, content)
	if code != 200 {
		t.Fatalf("upload %s as %s: %d %v", name, user, code, out)
	}
	return out["id"].(string)
}

var noRedirect = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// downloadURL asks for a file as user: the status and, on 302, the signed URL.
func (env *fileEnv) downloadURL(t testing.TB, user, id, query string) (int, string, http.Header) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, env.base+"/api/gov/files/"+id+query, nil)
	if user != "" {
		req.Header.Set("Authorization", apptest.Token(t, user))
	}
	res, err := noRedirect.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	loc := res.Header.Get("Location")
	if strings.HasPrefix(loc, "/") {
		loc = env.base + loc
	}
	return res.StatusCode, loc, res.Header
}

// fetch GETs a signed URL (no login), optionally with a Range header.
func fetch(t testing.TB, url, rng string) (int, []byte, http.Header) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	if rng != "" {
		req.Header.Set("Range", rng)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	return res.StatusCode, raw, res.Header
}

// auditActions counts audit rows of action with result.
func (env *fileEnv) auditCount(t testing.TB, action, result string) int {
	t.Helper()
	var n int
	err := env.app.DB().NewQuery("SELECT COUNT(*) FROM audit_log WHERE action = {:a} AND result = {:r}").
		Bind(map[string]any{"a": action, "r": result}).Row(&n)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func (env *fileEnv) countFiles(t testing.TB) int {
	t.Helper()
	var n int
	if err := env.app.DB().NewQuery("SELECT COUNT(*) FROM files").Row(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// objects lists the keys in the files store.
func (env *fileEnv) objects(t testing.TB) []string {
	t.Helper()
	var keys []string
	err := env.g.Files.Files.Walk(context.Background(), "", func(o files.ObjectInfo) error {
		keys = append(keys, o.Key)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return keys
}

// TestMain stops the shared MinIO server the service tests use.
func TestMain(m *testing.M) {
	code := m.Run()
	miniotest.StopShared()
	os.Exit(code)
}

// keyOf is the object key of a file row.
func (env *fileEnv) keyOf(t testing.TB, id string) string {
	t.Helper()
	r, err := env.app.FindRecordById("files", id)
	if err != nil {
		t.Fatal(err)
	}
	return r.GetString("key")
}
