package files

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"testing"
	"time"

	"govcollab/hooks/files/miniotest"
)

// TestErasureDriveLoss: on a 4-drive erasure-coded MinIO (the layout of a
// distributed deployment: each object cut into data and parity shards over
// the drives), losing one drive loses no file — ordinary or archived —
// reads and new writes go on, and a replaced blank drive comes back.
func TestErasureDriveLoss(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a 4-drive MinIO")
	}
	srv := miniotest.StartDrives(t, 4)
	ctx := context.Background()
	plain, locked := newMinioStore(t, srv, false), newMinioStore(t, srv, true)
	rng := rand.New(rand.NewPCG(7, 9))
	type object struct {
		st  Store
		sum [32]byte
	}
	want := map[string]object{}
	put := func(st Store, key string, size int) {
		data := make([]byte, size)
		for i := range data {
			data[i] = byte(rng.UintN(256))
		}
		sum := sha256.Sum256(data)
		opt := PutOptions{ContentType: "application/octet-stream", SHA256: sum[:]}
		if st.Locked() {
			opt.RetainUntil = time.Now().Add(time.Hour)
		}
		if _, err := st.Put(ctx, key, bytes.NewReader(data), int64(size), opt); err != nil {
			t.Fatalf("put %s: %v\n%s", key, err, srv.Output())
		}
		want[key] = object{st, sum}
	}
	for i := range 24 {
		st := plain
		if i%4 == 3 {
			st = locked
		}
		put(st, fmt.Sprintf("sha256/e%02d", i), 1+rng.IntN(3<<20))
	}
	check := func(stage string) {
		t.Helper()
		for key, o := range want {
			rc, err := o.st.Open(ctx, key)
			if err != nil {
				t.Fatalf("%s: open %s: %v\n%s", stage, key, err, srv.Output())
			}
			h := sha256.New()
			_, err = io.Copy(h, rc)
			rc.Close()
			if err != nil || !bytes.Equal(h.Sum(nil), o.sum[:]) {
				t.Fatalf("%s: %s lost or changed (%v)", stage, key, err)
			}
		}
	}
	check("all drives")

	// one drive pulled out while running
	if err := os.RemoveAll(srv.Drives[1]); err != nil {
		t.Fatal(err)
	}
	check("one drive gone")
	put(plain, "sha256/after-loss", 512<<10)
	put(locked, "sha256/after-loss-archive", 64<<10)
	check("written with one drive gone")

	// a blank replacement drive, and a restart
	if err := os.MkdirAll(srv.Drives[1], 0o700); err != nil {
		t.Fatal(err)
	}
	srv.Restart(t)
	check("after replacing the drive")
}
