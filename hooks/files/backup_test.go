package files_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/minio/minio-go/v7"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"

	"govcollab/hooks"
	"govcollab/hooks/apptest"
	"govcollab/hooks/files"
)

func tamperLocal(t *testing.T, st *files.LocalStore, key string) {
	t.Helper()
	p := filepath.Join(st.Dir(), filepath.FromSlash(key))
	if err := os.Chmod(p, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte("篡改后的内容"), 0o644); err != nil {
		t.Fatal(err)
	}
}

func tamperS3(t *testing.T, st *files.S3Store, key string) {
	t.Helper()
	body := []byte("篡改后的内容")
	_, err := st.Client().PutObject(context.Background(), st.Bucket(), key, bytes.NewReader(body), int64(len(body)), minio.PutObjectOptions{})
	if err != nil {
		t.Fatalf("raw overwrite: %v", err)
	}
}

// TestBackupRestore: a backup of database and objects restores into a
// fresh data directory whose app serves the same rows and the same bytes
// (hashes compared), archive locks included.
func TestBackupRestore(t *testing.T) {
	for _, kind := range storeKinds {
		t.Run(kind, func(t *testing.T) {
			env := newEnv(t, kind, false)
			ctx := context.Background()
			contents := map[string][]byte{
				"一号材料.pdf": pdfBytes("一号", 2000),
				"二号材料.pdf": pdfBytes("二号", 70000),
			}
			ids := map[string]string{}
			for name, c := range contents {
				ids[name] = env.mustUpload(t, "staff.east.tax", name, c)
			}
			arch, err := env.g.Files.Store(ctx, "", files.ArchiveInput{RefType: "grant", RefID: "doc1", Class: "30年",
				Name: "签发稿.txt", MIME: "text/plain", Content: []byte("签发稿正文")})
			if err != nil {
				t.Fatal(err)
			}

			dir := filepath.Join(t.TempDir(), "backup")
			man, err := files.Backup(ctx, env.app, env.g.Files.Files, env.g.Files.Archive, dir)
			if err != nil {
				t.Fatal(err)
			}
			if len(man.DB) != 2 || len(man.Objects) != 3 {
				t.Fatalf("manifest: %d db, %d objects", len(man.DB), len(man.Objects))
			}
			if _, err := files.Backup(ctx, env.app, env.g.Files.Files, env.g.Files.Archive, dir); err == nil {
				t.Fatal("backup over a non-empty directory")
			}

			// restore into a fresh directory and fresh stores of the same kind
			data := filepath.Join(t.TempDir(), "restored")
			var fs, as files.Store
			if kind == "minio" {
				fs, as = s3Stores(t, env.srv)
			} else {
				if fs, as, err = files.OpenStores(data+"-stores", make([]byte, 32)); err != nil {
					t.Fatal(err)
				}
			}
			open := func(string) (files.Store, files.Store, error) { return fs, as, nil }
			rep, err := files.Restore(ctx, dir, data, open)
			if err != nil {
				t.Fatal(err)
			}
			if rep.DB != 2 || rep.Objects != 3 {
				t.Fatalf("restore report %+v", rep)
			}
			if _, err := files.Restore(ctx, dir, data, open); err == nil {
				t.Fatal("restore over a non-empty directory")
			}

			app2, err := tests.NewTestAppWithConfig(core.BaseAppConfig{DataDir: data})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(app2.Cleanup)
			demo := true
			g2, err := hooks.Register(app2, hooks.Options{Demo: &demo})
			if err != nil {
				t.Fatal(err)
			}
			g2.Files.UseStores(fs, as)
			for name, id := range ids {
				r, err := app2.FindRecordById("files", id)
				if err != nil || r.GetString("name") != name {
					t.Fatalf("restored row %s: %v", name, err)
				}
				rc, err := fs.Open(ctx, r.GetString("key"))
				if err != nil {
					t.Fatal(err)
				}
				var got bytes.Buffer
				got.ReadFrom(rc)
				rc.Close()
				if !bytes.Equal(got.Bytes(), contents[name]) {
					t.Fatalf("restored bytes of %s differ", name)
				}
			}
			rep2, err := g2.Files.Verify(ctx)
			if err != nil || rep2.Checked != 1 || rep2.OK != 1 {
				t.Fatalf("restored archive check: %+v %v", rep2, err)
			}
			info, err := as.Stat(ctx, arch.GetString("key"))
			if err != nil || info.RetainUntil.IsZero() {
				t.Fatalf("restored archive object not locked: %+v %v", info, err)
			}
			if err := as.Delete(ctx, arch.GetString("key")); err == nil {
				t.Fatal("restored archive object deletable")
			}
			// the restored database holds the demo accounts: log in still works
			if _, err := app2.FindFirstRecordByData("users", "username", "staff.east.tax"); err != nil {
				t.Fatal(err)
			}

			// a damaged backup is refused, naming the part
			victim := filepath.Join(dir, "objects", "files", filepath.FromSlash(man.Objects[0].Key))
			if man.Objects[0].Store == "files" {
				os.WriteFile(victim, []byte("damaged"), 0o600)
				if _, err := files.Restore(ctx, dir, filepath.Join(t.TempDir(), "again"), open); err == nil || !strings.Contains(err.Error(), "manifest") {
					t.Fatalf("damaged backup: %v", err)
				}
			}
			_ = apptest.UserID
		})
	}
}

// TestBackupCommands: the documented command lines, end to end on the
// local store.
func TestBackupCommands(t *testing.T) {
	env := newEnv(t, "local", false)
	content := pdfBytes("命令行备份", 500)
	id := env.mustUpload(t, "staff.east.tax", "命令行.pdf", content)
	dir := filepath.Join(t.TempDir(), "bk")
	into := filepath.Join(t.TempDir(), "pb_data.new")
	run := func(args ...string) string {
		t.Helper()
		for _, c := range env.g.Files.Commands() {
			if c.Name() != args[0] {
				continue
			}
			var out bytes.Buffer
			c.SetOut(&out)
			c.SetArgs(args[1:])
			if err := c.Execute(); err != nil {
				t.Fatalf("%v: %v", args, err)
			}
			return out.String()
		}
		t.Fatalf("no command %s", args[0])
		return ""
	}
	if out := run("backup", "--out", dir); !strings.Contains(out, "备份完成") || !strings.Contains(out, "文件对象 1 个") {
		t.Fatalf("backup said %q", out)
	}
	if out := run("restore", "--from", dir, "--into", into); !strings.Contains(out, "恢复完成") {
		t.Fatalf("restore said %q", out)
	}
	app2, err := tests.NewTestAppWithConfig(core.BaseAppConfig{DataDir: into})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(app2.Cleanup)
	r, err := app2.FindRecordById("files", id)
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(filepath.Join(into, "gov_files", "files", filepath.FromSlash(r.GetString("key"))))
	if err != nil || !bytes.Equal(got, content) {
		t.Fatalf("restored object: %v", err)
	}
}
