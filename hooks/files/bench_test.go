package files_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/minio/minio-go/v7"

	"govcollab/hooks/apptest"
	"govcollab/hooks/apptest/benchpair"
	"govcollab/hooks/files"
)

const benchSize = 1 << 20

// uniquePDF returns a 1 MB PDF whose content differs on every call (so no
// upload is saved by content deduplication).
func uniquePDF(base []byte, n *atomic.Uint64) []byte {
	c := bytes.Clone(base)
	binary.BigEndian.PutUint64(c[20:], n.Add(1)) // inside the header comment line
	return c
}

// BenchmarkUpload: POST /api/gov/files of 1 MB (spool, hash, type and mark
// checks, store, row and audit) against a raw minio-go PutObject (MinIO)
// or a plain file write with fsync (local) of the same bytes.
func BenchmarkUpload(b *testing.B) {
	base := pdfBytes("bench", benchSize)
	for _, kind := range storeKinds {
		b.Run(kind, func(b *testing.B) {
			env := benchEnv(b, kind)
			var n atomic.Uint64
			tok := apptest.Token(b, "staff.east.tax")
			ours := func() {
				body, ct := multipartBody(b, "bench.pdf", uniquePDF(base, &n))
				req, _ := http.NewRequest(http.MethodPost, env.base+"/api/gov/files", body)
				req.Header.Set("Content-Type", ct)
				req.Header.Set("Authorization", tok)
				res, err := http.DefaultClient.Do(req)
				if err != nil || res.StatusCode != 200 {
					b.Fatalf("upload: %v %v", err, res)
				}
				io.Copy(io.Discard, res.Body)
				res.Body.Close()
			}
			raw := rawPut(b, env, base, &n)
			b.Run("serial", func(b *testing.B) { benchpair.Run(b, "raw", 4, ours, raw) })
			// throughput: four uploads at once, as an office uploads
			b.Run("x4", func(b *testing.B) { benchpair.Run(b, "raw", 2, concurrently(4, ours), concurrently(4, raw)) })
		})
	}
}

// benchEnv is newEnv with room in the rate limits: one benchmark client
// makes thousands of requests within the limits' window, more than the
// per-address budget for an office behind one NAT (429 after 3000 in 10 s).
// The limiter still runs on every request, as it does in production.
func benchEnv(b *testing.B, kind string) *fileEnv {
	env := newEnv(b, kind, false)
	rl := &env.app.Settings().RateLimits // no request has been made yet
	for i := range rl.Rules {
		rl.Rules[i].MaxRequests = 1 << 30
	}
	return env
}

// concurrently runs f n times at once; one call is one batch.
func concurrently(n int, f func()) func() {
	return func() {
		var wg sync.WaitGroup
		for range n {
			wg.Go(f)
		}
		wg.Wait()
	}
}

func rawPut(b *testing.B, env *fileEnv, base []byte, n *atomic.Uint64) func() {
	switch st := env.g.Files.Files.(type) {
	case *files.S3Store:
		return func() {
			c := uniquePDF(base, n)
			_, err := st.Client().PutObject(context.Background(), st.Bucket(), "raw/"+randomHex(8), bytes.NewReader(c), int64(len(c)),
				minio.PutObjectOptions{ContentType: "application/pdf"})
			if err != nil {
				b.Fatal(err)
			}
		}
	default:
		dir := b.TempDir()
		return func() {
			f, err := os.Create(filepath.Join(dir, randomHex(8)))
			if err != nil {
				b.Fatal(err)
			}
			f.Write(uniquePDF(base, n))
			f.Sync()
			f.Close()
		}
	}
}

// BenchmarkDownload: GET /api/gov/files/{id} (policy, audit, signed URL)
// followed to the bytes, against a raw minio-go GetObject (MinIO) or a
// plain file read (local) of the same 1 MB.
func BenchmarkDownload(b *testing.B) {
	content := pdfBytes("bench", benchSize)
	for _, kind := range storeKinds {
		b.Run(kind, func(b *testing.B) {
			env := benchEnv(b, kind)
			id := env.mustUpload(b, "staff.east.tax", "bench.pdf", content)
			rec, err := env.app.FindRecordById("files", id)
			if err != nil {
				b.Fatal(err)
			}
			key := rec.GetString("key")
			tok := apptest.Token(b, "staff.east.tax")
			ours := func() {
				req, _ := http.NewRequest(http.MethodGet, env.base+"/api/gov/files/"+id, nil)
				req.Header.Set("Authorization", tok)
				res, err := http.DefaultClient.Do(req) // follows the 302
				if err != nil || res.StatusCode != 200 {
					b.Fatalf("download: %v %v", err, res)
				}
				if n, _ := io.Copy(io.Discard, res.Body); n != int64(len(content)) {
					b.Fatalf("downloaded %d bytes", n)
				}
				res.Body.Close()
			}
			raw := rawGet(b, env, key, len(content))
			b.Run("serial", func(b *testing.B) { benchpair.Run(b, "raw", 4, ours, raw) })
			b.Run("x4", func(b *testing.B) { benchpair.Run(b, "raw", 2, concurrently(4, ours), concurrently(4, raw)) })
		})
	}
}

func rawGet(b *testing.B, env *fileEnv, key string, size int) func() {
	check := func(n int64, err error) {
		if err != nil || n != int64(size) {
			b.Fatalf("raw read: %d %v", n, err)
		}
	}
	switch st := env.g.Files.Files.(type) {
	case *files.S3Store:
		return func() {
			o, err := st.Client().GetObject(context.Background(), st.Bucket(), key, minio.GetObjectOptions{})
			if err != nil {
				b.Fatal(err)
			}
			n, err := io.Copy(io.Discard, o)
			o.Close()
			check(n, err)
		}
	case *files.LocalStore:
		p := filepath.Join(st.Dir(), filepath.FromSlash(key))
		return func() {
			f, err := os.Open(p)
			if err != nil {
				b.Fatal(err)
			}
			n, err := io.Copy(io.Discard, f)
			f.Close()
			check(n, err)
		}
	}
	b.Fatalf("unknown store")
	return nil
}
