package files_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/pocketbase/pocketbase/core"

	"govcollab/hooks/apptest"
	"govcollab/hooks/files"
)

// TestUploadDownload: the whole path on both stores — upload by content,
// Chinese name round trip, one object per content, 302 to a signed URL
// that serves the bytes (ranges too), and the audit of the download.
func TestUploadDownload(t *testing.T) {
	for _, kind := range storeKinds {
		t.Run(kind, func(t *testing.T) {
			env := newEnv(t, kind, false)
			content := pdfBytes("年度工作总结", 4000)
			name := "东城市税务局 2026 年度工作总结（定稿）.pdf"
			code, out := env.upload(t, "staff.east.tax", name, content)
			if code != 200 {
				t.Fatalf("upload: %d %v", code, out)
			}
			sum := sha256.Sum256(content)
			if out["name"] != name || out["mime"] != "application/pdf" || out["sha256"] != hex.EncodeToString(sum[:]) ||
				out["size"] != float64(len(content)) {
				t.Fatalf("upload answer: %v", out)
			}
			id := out["id"].(string)

			// the same content again: a second row, still one object
			id2 := env.mustUpload(t, "staff.east.tax", "副本.pdf", content)
			if id2 == id {
				t.Fatal("second upload reused the row")
			}
			if keys := env.objects(t); len(keys) != 1 || keys[0] != env.keyOf(t, id) || env.keyOf(t, id2) != keys[0] {
				t.Fatalf("objects after two uploads of one content: %v", keys)
			}

			code, loc, hdr := env.downloadURL(t, "staff.east.tax", id, "")
			if code != 302 || loc == "" {
				t.Fatalf("download: %d %q", code, loc)
			}
			if hdr.Get("Cache-Control") != "private, no-store" {
				t.Errorf("Cache-Control %q", hdr.Get("Cache-Control"))
			}
			code, got, rh := fetch(t, loc, "")
			if code != 200 || string(got) != string(content) {
				t.Fatalf("signed URL: %d, %d bytes", code, len(got))
			}
			cd := rh.Get("Content-Disposition")
			if !strings.HasPrefix(cd, "attachment;") || !strings.Contains(cd, "filename*=UTF-8''"+url.PathEscape("东城市税务局")) {
				t.Errorf("Content-Disposition %q", cd)
			}
			if got := decodeFilenameStar(t, cd); got != name {
				t.Errorf("name round trip: %q", got)
			}
			if rh.Get("Content-Type") != "application/pdf" {
				t.Errorf("Content-Type %q", rh.Get("Content-Type"))
			}
			// PDF viewers read by ranges
			code, part, rh := fetch(t, loc, "bytes=0-7")
			if code != 206 || string(part) != "%PDF-1.4" || !strings.HasPrefix(rh.Get("Content-Range"), "bytes 0-7/") {
				t.Fatalf("range: %d %q %q", code, part, rh.Get("Content-Range"))
			}
			// inline only when asked, and only for types a browser shows safely
			_, loc, _ = env.downloadURL(t, "staff.east.tax", id, "?inline=1")
			if _, _, rh := fetch(t, loc, ""); !strings.HasPrefix(rh.Get("Content-Disposition"), "inline;") {
				t.Errorf("inline: %q", rh.Get("Content-Disposition"))
			}
			if n := env.auditCount(t, "file.download", "ok"); n != 2 {
				t.Errorf("download audit rows: %d", n)
			}
			if n := env.auditCount(t, "file.upload", "ok"); n != 2 {
				t.Errorf("upload audit rows: %d", n)
			}
		})
	}
}

func decodeFilenameStar(t *testing.T, cd string) string {
	t.Helper()
	i := strings.Index(cd, "filename*=UTF-8''")
	if i < 0 {
		t.Fatalf("no filename*: %q", cd)
	}
	v, err := url.PathUnescape(cd[i+len("filename*=UTF-8''"):])
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// TestDownloadFollowsTheOwner: a pending upload is its uploader's alone; an
// attached file is decided by the policy on the owning record — here a
// grant at 东城市税务局 under a unit-scoped read rule.
func TestDownloadFollowsTheOwner(t *testing.T) {
	for _, kind := range storeKinds {
		t.Run(kind, func(t *testing.T) {
			env := newEnv(t, kind, false)
			id := env.mustUpload(t, "staff.east.tax", "材料.pdf", pdfBytes("材料", 100))
			for user, want := range map[string]int{"staff.east.tax": 302, "staff.west.tax": 404, "leader.east.tax": 404, "admin.audit": 404} {
				if code, _, _ := env.downloadURL(t, user, id, ""); code != want {
					t.Errorf("pending upload, %s: %d, want %d", user, code, want)
				}
			}
			if code, _, _ := env.downloadURL(t, "", id, ""); code != 401 {
				t.Errorf("no login: %d", code)
			}
			if code, _, _ := env.downloadURL(t, "staff.east.tax", "nosuchfile0001", ""); code != 404 {
				t.Errorf("unknown id: %d", code)
			}

			if err := env.g.Authz.Apply(env.g.Authz.Policy() + "\np, staff, grant, read, unit, *, allow\n"); err != nil {
				t.Fatal(err)
			}
			grant := seedGrant(t, env, "东城市税务局")
			err := env.app.RunInTransaction(func(tx core.App) error {
				_, err := env.g.Files.Set(tx, apptest.UserID(t, "staff.east.tax"), "files", []string{id}, "grant", grant)
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			cases := map[string]int{
				"staff.east.tax":     302, // same unit
				"leader.east.tax":    302, // same unit, other role
				"staff.east.hr":      404, // other unit, same level
				"staff.west.tax":     404, // other city, same system
				"staff.east.county1": 404, // other level
				"admin.sys":          404, // 三员: no business content
			}
			for user, want := range cases {
				if code, _, _ := env.downloadURL(t, user, id, ""); code != want {
					t.Errorf("attached file, %s: %d, want %d", user, code, want)
				}
			}
		})
	}
}

// seedGrant stores a grant at unit (the owning record of attached files).
func seedGrant(t *testing.T, env *fileEnv, unit string) string {
	t.Helper()
	col, err := env.app.FindCollectionByNameOrId("grants")
	if err != nil {
		t.Fatal(err)
	}
	r := core.NewRecord(col)
	r.Set("user", apptest.UserID(t, "clerk.east")) // who holds it matters not here
	r.Set("unit", apptest.UnitID(t, env.app, unit))
	r.Set("role", "reviewer")
	r.Set("kind", "concurrent")
	r.Set("starts", time.Now().Add(-time.Hour))
	r.Set("ends", time.Now().AddDate(1, 0, 0))
	r.Set("created_by", apptest.UserID(t, "admin.sec"))
	if err := env.app.Save(r); err != nil {
		t.Fatal(err)
	}
	return r.Id
}

// TestAttachRules: only one's own pending uploads can be attached, and a
// record's set of files can be replaced (released rows go, the object is
// swept once nothing references it).
func TestAttachRules(t *testing.T) {
	env := newEnv(t, "local", false)
	mine := env.mustUpload(t, "staff.east.tax", "a.pdf", pdfBytes("a", 100))
	theirs := env.mustUpload(t, "staff.west.tax", "b.pdf", pdfBytes("b", 100))
	grant := seedGrant(t, env, "东城市税务局")
	actor := apptest.UserID(t, "staff.east.tax")
	set := func(ids ...string) error {
		return env.app.RunInTransaction(func(tx core.App) error {
			_, err := env.g.Files.Set(tx, actor, "files", ids, "grant", grant)
			return err
		})
	}
	if err := set(mine, theirs); err == nil || !strings.Contains(err.Error(), "unknown_file") && !strings.Contains(err.Error(), "不是您上传") {
		t.Fatalf("someone else's upload attached: %v", err)
	}
	if got, _ := env.g.Files.List(env.app, "grant", grant); len(got) != 0 {
		t.Fatalf("a refused Set changed something: %v", got)
	}
	if err := set(mine); err != nil {
		t.Fatal(err)
	}
	if got, _ := env.g.Files.List(env.app, "grant", grant); len(got) != 1 || got[0].ID != mine {
		t.Fatalf("after Set: %v", got)
	}
	if err := env.app.RunInTransaction(func(tx core.App) error {
		_, err := env.g.Files.Set(tx, actor, "files", []string{mine}, "nosuchtype", "x")
		return err
	}); err == nil {
		t.Fatal("unregistered owner type accepted")
	}
	if err := set(); err != nil {
		t.Fatal(err)
	}
	if n := env.countFiles(t); n != 1 { // theirs remains
		t.Fatalf("rows after release: %d", n)
	}
	// the sweep leaves fresh objects (an upload may be mid-way) and removes
	// old unreferenced ones
	if n, err := env.g.Files.Sweep(context.Background()); err != nil || n != 0 {
		t.Fatalf("sweep of fresh objects: %d %v", n, err)
	}
	env.g.Files.SetClock(func() time.Time { return time.Now().Add(2 * time.Hour) })
	if n, err := env.g.Files.Sweep(context.Background()); err != nil || n != 1 {
		t.Fatalf("sweep: %d %v", n, err)
	}
	if keys := env.objects(t); len(keys) != 1 {
		t.Fatalf("objects after sweep: %v", keys)
	}
}

// TestPendingUploadsExpire: the personal_uploads retention class purges
// uploads no record took up, and nothing attached.
func TestPendingUploadsExpire(t *testing.T) {
	env := newEnv(t, "local", false)
	old := env.mustUpload(t, "staff.east.tax", "old.pdf", pdfBytes("old", 100))
	kept := env.mustUpload(t, "staff.east.tax", "kept.pdf", pdfBytes("kept", 100))
	grant := seedGrant(t, env, "东城市税务局")
	if err := env.app.RunInTransaction(func(tx core.App) error {
		_, err := env.g.Files.Set(tx, apptest.UserID(t, "staff.east.tax"), "files", []string{kept}, "grant", grant)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	purges, err := env.g.Retention.RunOnce(time.Now().AddDate(2, 0, 0))
	if err != nil {
		t.Fatal(err)
	}
	var purged int
	for _, p := range purges {
		if p.Class == "personal_uploads" {
			purged = p.Purged
		}
	}
	if purged != 1 {
		t.Fatalf("purged %d pending uploads: %+v", purged, purges)
	}
	if _, err := env.app.FindRecordById("files", old); err == nil {
		t.Error("old pending upload survived")
	}
	if _, err := env.app.FindRecordById("files", kept); err != nil {
		t.Error("attached file purged")
	}
}

// TestSignedURLExpires: a signed URL stops working after its lifetime, so a
// revoked user's old link dies within five minutes at most.
func TestSignedURLExpires(t *testing.T) {
	for _, kind := range storeKinds {
		t.Run(kind, func(t *testing.T) {
			env := newEnv(t, kind, false)
			id := env.mustUpload(t, "staff.east.tax", "a.pdf", pdfBytes("a", 100))
			env.g.Files.SetURLTTL(time.Second)
			_, loc, _ := env.downloadURL(t, "staff.east.tax", id, "")
			if code, _, _ := fetch(t, loc, ""); code != 200 {
				t.Fatalf("fresh URL: %d", code)
			}
			// the user is deactivated: new links are refused at once
			if err := deactivate(env, "staff.east.tax"); err != nil {
				t.Fatal(err)
			}
			if code, _, _ := env.downloadURL(t, "staff.east.tax", id, ""); code != 401 {
				t.Errorf("deactivated user got a new link: %d", code)
			}
			time.Sleep(2500 * time.Millisecond)
			if code, _, _ := fetch(t, loc, ""); code != 403 {
				t.Fatalf("expired URL: %d", code)
			}
		})
	}
}

func deactivate(env *fileEnv, username string) error {
	u, err := env.app.FindFirstRecordByData("users", "username", username)
	if err != nil {
		return err
	}
	u.Set("active", false)
	if err := env.app.Save(u); err != nil {
		return err
	}
	env.g.Authz.Invalidate()
	return nil
}

// TestStoreOutage: with MinIO stopped an upload answers 503 with a Chinese
// message within seconds and leaves no row; a download answers 503 too.
func TestStoreOutage(t *testing.T) {
	env := newEnv(t, "minio", true)
	id := env.mustUpload(t, "staff.east.tax", "before.pdf", pdfBytes("before", 100))
	env.srv.Stop()
	start := time.Now()
	code, out := env.upload(t, "staff.east.tax", "during.pdf", pdfBytes("during", 100))
	if code != 503 || out["code"] != "storage_unavailable" || !strings.Contains(out["message"].(string), "文件存储") {
		t.Fatalf("upload during outage: %d %v", code, out)
	}
	if d := time.Since(start); d > 15*time.Second {
		t.Errorf("outage answer took %v", d)
	}
	if n := env.countFiles(t); n != 1 {
		t.Fatalf("rows after failed upload: %d", n)
	}
	if code, _, _ := env.downloadURL(t, "staff.east.tax", id, ""); code != 302 && code != 503 {
		// presigning is local arithmetic: a 302 is fine, the object store
		// then answers the browser itself
		t.Errorf("download during outage: %d", code)
	}
	env.srv.Restart(t)
	if code, _ := env.upload(t, "staff.east.tax", "after.pdf", pdfBytes("after", 100)); code != 200 {
		t.Fatalf("upload after restart: %d", code)
	}
}

// TestFailedRecordLeavesNoObject: when the row cannot be stored, the object
// just put is removed again (both stores).
func TestFailedRecordLeavesNoObject(t *testing.T) {
	for _, kind := range storeKinds {
		t.Run(kind, func(t *testing.T) {
			env := newEnv(t, kind, false)
			keep := pdfBytes("keep", 100)
			keepID := env.mustUpload(t, "staff.east.tax", "keep.pdf", keep)
			env.app.OnRecordCreate("files").BindFunc(func(e *core.RecordEvent) error {
				if strings.HasPrefix(e.Record.GetString("name"), "fail") {
					return errors.New("simulated crash before commit")
				}
				return e.Next()
			})
			if code, _ := env.upload(t, "staff.east.tax", "fail.pdf", pdfBytes("fail", 100)); code != 500 {
				t.Fatalf("failing record: %d", code)
			}
			// the same content as an existing row: the object stays
			if code, _ := env.upload(t, "staff.east.tax", "fail-dup.pdf", keep); code != 500 {
				t.Fatalf("failing duplicate: %d", code)
			}
			keys := env.objects(t)
			if len(keys) != 1 || keys[0] != env.keyOf(t, keepID) {
				t.Fatalf("objects: %v", keys)
			}
			if n := env.countFiles(t); n != 1 {
				t.Fatalf("rows: %d", n)
			}
		})
	}
}

// TestArchive: archived objects are locked — deleting one (through the
// store or the record) is refused and audited; tampering is detected by
// the integrity check and raises an alert.
func TestArchive(t *testing.T) {
	for _, kind := range storeKinds {
		t.Run(kind, func(t *testing.T) {
			env := newEnv(t, kind, false)
			ctx := context.Background()
			content := []byte(strings.Repeat("东政办发〔2026〕5号 关于做好年度工作的通知\n", 50))
			rec, err := env.g.Files.Store(ctx, "", files.ArchiveInput{RefType: "grant", RefID: "doc00000000001", Class: "10年",
				Name: "东政办发〔2026〕5号.txt", MIME: "text/plain; charset=utf-8", Content: content})
			if err != nil {
				t.Fatal(err)
			}
			until := rec.GetDateTime("retain_until").Time()
			if d := time.Until(until); d < 9*365*24*time.Hour {
				t.Fatalf("retain_until %v", until)
			}
			again, err := env.g.Files.Store(ctx, "", files.ArchiveInput{RefType: "grant", RefID: "doc00000000001", Class: "10年",
				Name: "x", MIME: "text/plain", Content: content})
			if err != nil || again.Id != rec.Id {
				t.Fatalf("archiving again: %v %v", again, err)
			}
			if _, err := env.g.Files.Store(ctx, "", files.ArchiveInput{RefType: "grant", RefID: "d", Class: "5年", Name: "x", MIME: "text/plain", Content: content}); err == nil {
				t.Fatal("unknown class accepted")
			}

			// delete through the store: refused by the lock, audited
			if err := env.g.Files.DeleteArchived(ctx, apptest.UserID(t, "admin.sys"), rec.Id); err == nil {
				t.Fatal("archived object deleted")
			}
			if n := env.auditCount(t, "archive.delete", "denied"); n != 1 {
				t.Fatalf("delete attempt audit rows: %d", n)
			}
			if _, err := env.g.Files.Archive.Stat(ctx, rec.GetString("key")); err != nil {
				t.Fatalf("object gone after refused delete: %v", err)
			}
			// delete or edit the row: refused, audited
			if err := env.app.Delete(rec); err == nil {
				t.Fatal("archive row deleted")
			}
			edited, _ := env.app.FindRecordById(files.ArchiveTable, rec.Id)
			edited.Set("sha256", strings.Repeat("0", 64))
			if err := env.app.Save(edited); err == nil {
				t.Fatal("archive row edited")
			}
			if n := env.auditCount(t, "archive.delete", "denied") + env.auditCount(t, "archive.update", "denied"); n != 3 {
				t.Fatalf("refused row changes audited: %d", n)
			}

			rep, err := env.g.Files.Verify(ctx)
			if err != nil || rep.Checked != 1 || rep.OK != 1 {
				t.Fatalf("clean check: %+v %v", rep, err)
			}
			tamper(t, env, rec.GetString("key"))
			rep, err = env.g.Files.Verify(ctx)
			if err != nil || rep.Checked != 1 || len(rep.Failed) != 1 || rep.Failed[0].Status != "mismatch" {
				t.Fatalf("check after tampering: %+v %v", rep, err)
			}
			if n := env.auditCount(t, "archive.alert", "failed"); n != 1 {
				t.Fatalf("alert rows: %d", n)
			}
			if r, _ := env.app.FindRecordById(files.ArchiveTable, rec.Id); r.GetString("status") != "mismatch" {
				t.Fatalf("row status %q", r.GetString("status"))
			}
		})
	}
}

// TestArchiveVerifyRoute: the auditor runs the check; nobody else may.
func TestArchiveVerifyRoute(t *testing.T) {
	env := newEnv(t, "local", false)
	post := func(user string) int {
		req, _ := http.NewRequest(http.MethodPost, env.base+"/api/gov/archive/verify", nil)
		req.Header.Set("Authorization", apptest.Token(t, user))
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	for user, want := range map[string]int{"admin.audit": 200, "admin.sys": 403, "admin.sec": 403, "leader.prov": 403, "staff.east.tax": 403} {
		if got := post(user); got != want {
			t.Errorf("%s: %d, want %d", user, got, want)
		}
	}
	if n := env.auditCount(t, "archive.verify", "ok"); n != 1 {
		t.Errorf("verify runs audited: %d", n)
	}
}

// tamper changes an archived object behind the application's back: the
// file itself locally, a new object version through the raw S3 API.
func tamper(t *testing.T, env *fileEnv, key string) {
	t.Helper()
	switch st := env.g.Files.Archive.(type) {
	case *files.LocalStore:
		tamperLocal(t, st, key)
	case *files.S3Store:
		tamperS3(t, st, key)
	default:
		t.Fatalf("unknown store %T", st)
	}
}

// TestStoreChecksHash: content that does not match the hash the caller
// computed is refused by the store itself and leaves no object (on MinIO the
// server verifies x-amz-checksum-sha256).
func TestStoreChecksHash(t *testing.T) {
	for _, kind := range storeKinds {
		t.Run(kind, func(t *testing.T) {
			env := newEnv(t, kind, false)
			ctx := context.Background()
			data := []byte("正文内容")
			good := sha256.Sum256(data)
			wrong := sha256.Sum256([]byte("别的内容"))
			_, err := env.g.Files.Files.Put(ctx, "sha256/aa/wrong", strings.NewReader(string(data)), int64(len(data)),
				files.PutOptions{ContentType: "text/plain", SHA256: wrong[:]})
			if !errors.Is(err, files.ErrChecksum) {
				t.Fatalf("wrong hash: %v", err)
			}
			if _, err := env.g.Files.Files.Stat(ctx, "sha256/aa/wrong"); !errors.Is(err, files.ErrNotFound) {
				t.Fatalf("object after refused put: %v", err)
			}
			if _, err := env.g.Files.Files.Put(ctx, "sha256/aa/good", strings.NewReader(string(data)), int64(len(data)),
				files.PutOptions{ContentType: "text/plain", SHA256: good[:]}); err != nil {
				t.Fatalf("right hash: %v", err)
			}
		})
	}
}

// TestDownloadAsJSON: the UI's form of the answer carries the same URL.
func TestDownloadAsJSON(t *testing.T) {
	env := newEnv(t, "local", false)
	id := env.mustUpload(t, "staff.east.tax", "a.pdf", pdfBytes("a", 100))
	req, _ := http.NewRequest(http.MethodGet, env.base+"/api/gov/files/"+id+"?as=json", nil)
	req.Header.Set("Authorization", apptest.Token(t, "staff.east.tax"))
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var out struct {
		URL       string `json:"url"`
		ExpiresIn int    `json:"expires_in"`
	}
	if err := json.NewDecoder(res.Body).Decode(&out); err != nil || res.StatusCode != 200 {
		t.Fatalf("as=json: %d %v", res.StatusCode, err)
	}
	if out.ExpiresIn != 300 || !strings.HasPrefix(out.URL, files.BlobPrefix+"files/") {
		t.Fatalf("answer %+v", out)
	}
	if code, body, _ := fetch(t, env.base+out.URL, ""); code != 200 || !strings.HasPrefix(string(body), "%PDF") {
		t.Fatalf("fetch: %d", code)
	}
	// a tampered signature is 404, a foreign store name too
	if code, _, _ := fetch(t, env.base+strings.Replace(out.URL, "sig=", "sig=AA", 1), ""); code != 404 {
		t.Errorf("tampered URL: %d", code)
	}
	if code, _, _ := fetch(t, env.base+strings.Replace(out.URL, "/files/", "/other/", 1), ""); code != 404 {
		t.Errorf("unknown store: %d", code)
	}
}
