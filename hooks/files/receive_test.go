package files_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"govcollab/hooks/apptest"
	"govcollab/hooks/files"
)

// TestUploadBodies: a small body of known length is received in memory, a
// large one or one of unknown length (chunked) through a temp file; every
// way stores the same bytes under their hash, audits the download with the
// user's name and unit, and leaves no temp file behind.
func TestUploadBodies(t *testing.T) {
	for _, kind := range storeKinds {
		t.Run(kind, func(t *testing.T) {
			env := newEnv(t, kind, false)
			for _, c := range []struct {
				name    string
				content []byte
				chunked bool
			}{
				{"memory.pdf", pdfBytes("内存", 200<<10), false},
				{"chunked.pdf", pdfBytes("分块", 200<<10), true},
				{"large.pdf", pdfBytes("大文件", 5<<20), false},
			} {
				id := env.uploadBody(t, c.name, c.content, c.chunked)
				sum := sha256.Sum256(c.content)
				if key := env.keyOf(t, id); key != "sha256/"+hex.EncodeToString(sum[:1])+"/"+hex.EncodeToString(sum[:]) {
					t.Fatalf("%s: key %s", c.name, key)
				}
				code, loc, _ := env.downloadURL(t, "staff.east.tax", id, "")
				if code != 302 {
					t.Fatalf("%s: download %d", c.name, code)
				}
				if code, got, _ := fetch(t, loc, ""); code != 200 || !bytes.Equal(got, c.content) {
					t.Fatalf("%s: fetched %d, %d of %d bytes", c.name, code, len(got), len(c.content))
				}
			}
			var name, unit string
			err := env.app.DB().NewQuery("SELECT actor_name, unit FROM audit_log WHERE action = 'file.download' ORDER BY seq DESC LIMIT 1").Row(&name, &unit)
			if err != nil || name != "staff.east.tax" || unit != apptest.UnitID(t, env.app, "东城市税务局") {
				t.Fatalf("download audit actor: %q %q %v", name, unit, err)
			}
			tmp := filepath.Join(env.app.DataDir(), ".gov_tmp") // spool dir beside a MinIO store
			if ls, ok := env.g.Files.Files.(*files.LocalStore); ok {
				tmp = filepath.Join(ls.Dir(), ".tmp")
			}
			if left, _ := os.ReadDir(tmp); len(left) != 0 {
				t.Errorf("temp files left in %s: %v", tmp, left)
			}
		})
	}
}

// uploadBody uploads as staff.east.tax, with a Content-Length or chunked.
func (env *fileEnv) uploadBody(t *testing.T, name string, content []byte, chunked bool) string {
	t.Helper()
	body, ct := multipartBody(t, name, content)
	if chunked {
		body = struct{ io.Reader }{body} // hides the length: sent chunked
	}
	req, _ := http.NewRequest(http.MethodPost, env.base+"/api/gov/files", body)
	req.Header.Set("Content-Type", ct)
	req.Header.Set("Authorization", apptest.Token(t, "staff.east.tax"))
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	if res.StatusCode != 200 {
		t.Fatalf("%s: %d %s", name, res.StatusCode, raw)
	}
	var out struct{ ID string }
	if err := json.Unmarshal(raw, &out); err != nil || out.ID == "" {
		t.Fatalf("%s: %s %v", name, raw, err)
	}
	return out.ID
}
