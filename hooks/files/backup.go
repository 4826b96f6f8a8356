package files

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"
)

// A backup is a directory: data.db and auxiliary.db (consistent SQLite
// snapshots), objects/files/<key> and objects/archive/<key> (every object a
// row of the snapshot references), the data key when it lives inside the
// data directory (demo only), and manifest.json, written last, listing each
// part with its SHA-256. PocketBase's own backup zips pb_data only and so
// misses objects kept in MinIO; this one covers both stores.

// ManifestName is written last: a directory without it is no backup.
const ManifestName = "manifest.json"

// Manifest lists what a backup holds.
type Manifest struct {
	Format  int            `json:"format"`
	Created string         `json:"created"`
	DB      []BackupPart   `json:"db"`
	Objects []BackupObject `json:"objects"`
	DataKey bool           `json:"data_key"`
}

// BackupPart is one database file.
type BackupPart struct {
	Name   string `json:"name"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
}

// BackupObject is one stored object.
type BackupObject struct {
	Store       string `json:"store"` // files | archive
	Key         string `json:"key"`
	Size        int64  `json:"size"`
	SHA256      string `json:"sha256"`
	MIME        string `json:"mime"`
	RetainUntil string `json:"retain_until,omitempty"`
}

var dbFiles = []string{"data.db", "auxiliary.db"}

// Backup writes a backup of app's database and of the objects its rows
// reference into dir (created; it must not exist or be empty).
func Backup(ctx context.Context, app core.App, filesStore, archiveStore Store, dir string) (*Manifest, error) {
	if err := emptyDir(dir); err != nil {
		return nil, err
	}
	man := &Manifest{Format: 1, Created: time.Now().UTC().Format(time.RFC3339)}
	for i, db := range []dbx.Builder{app.DB(), app.AuxDB()} {
		target := filepath.Join(dir, dbFiles[i])
		if _, err := db.NewQuery("VACUUM INTO {:p}").Bind(dbx.Params{"p": target}).Execute(); err != nil {
			return nil, fmt.Errorf("backup: snapshot %s: %w", dbFiles[i], err)
		}
		part, err := hashFile(target)
		if err != nil {
			return nil, err
		}
		part.Name = dbFiles[i]
		man.DB = append(man.DB, part)
	}
	// the objects are those the snapshot references: rows written after it
	// belong to the next backup
	// opened read-only and immutable: the snapshot's bytes stay as hashed
	snap, err := dbx.Open("sqlite", "file:"+filepath.ToSlash(filepath.Join(dir, dbFiles[0]))+"?mode=ro&immutable=1")
	if err != nil {
		return nil, err
	}
	objs, err := snapshotObjects(snap)
	snap.Close()
	if err != nil {
		return nil, err
	}
	for _, o := range objs {
		st := filesStore
		if o.Store == "archive" {
			st = archiveStore
		}
		if err := copyOut(ctx, st, o, filepath.Join(dir, "objects", o.Store, filepath.FromSlash(o.Key))); err != nil {
			return nil, err
		}
		man.Objects = append(man.Objects, o)
	}
	if key := filepath.Join(app.DataDir(), "data.key"); fileExists(key) {
		if err := copyFile(key, filepath.Join(dir, "data.key"), 0o600); err != nil {
			return nil, err
		}
		man.DataKey = true
	}
	raw, err := json.MarshalIndent(man, "", "  ")
	if err != nil {
		return nil, err
	}
	return man, writeSynced(filepath.Join(dir, ManifestName), raw, 0o600)
}

func snapshotObjects(db *dbx.DB) ([]BackupObject, error) {
	var out []BackupObject
	var rows []struct {
		Key    string `db:"key"`
		SHA256 string `db:"sha256"`
		Size   int64  `db:"size"`
		MIME   string `db:"mime"`
		Until  string `db:"retain_until"`
	}
	if err := db.NewQuery("SELECT key, MIN(sha256) AS sha256, MIN(size) AS size, MIN(mime) AS mime, '' AS retain_until FROM files GROUP BY key ORDER BY key").All(&rows); err != nil {
		return nil, fmt.Errorf("backup: list files: %w", err)
	}
	for _, r := range rows {
		out = append(out, BackupObject{Store: "files", Key: r.Key, Size: r.Size, SHA256: r.SHA256, MIME: r.MIME})
	}
	rows = rows[:0]
	if err := db.NewQuery("SELECT key, sha256, size, mime, retain_until FROM archive_objects ORDER BY key").All(&rows); err != nil {
		return nil, fmt.Errorf("backup: list archive: %w", err)
	}
	for _, r := range rows {
		out = append(out, BackupObject{Store: "archive", Key: r.Key, Size: r.Size, SHA256: r.SHA256, MIME: r.MIME, RetainUntil: r.Until})
	}
	return out, nil
}

// copyOut writes one object to path and checks it against its recorded hash.
func copyOut(ctx context.Context, st Store, o BackupObject, path string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	octx, cancel := context.WithTimeout(ctx, putTimeout)
	defer cancel()
	rc, err := st.Open(octx, o.Key)
	if err != nil {
		return fmt.Errorf("backup: %s/%s: %w", o.Store, o.Key, err)
	}
	defer rc.Close()
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	h := sha256.New()
	_, err = io.Copy(io.MultiWriter(f, h), rc)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("backup: %s/%s: %w", o.Store, o.Key, err)
	}
	if got := hex.EncodeToString(h.Sum(nil)); got != o.SHA256 {
		return fmt.Errorf("backup: %s/%s: stored content hashes to %s, its row says %s", o.Store, o.Key, got, o.SHA256)
	}
	return nil
}

// RestoreReport says what a restore put back.
type RestoreReport struct {
	DB      int `json:"db"`
	Objects int `json:"objects"`
}

// StoreOpener opens the stores a restored instance will use, once its data
// directory exists (OpenStores with a key, or stores of a test).
type StoreOpener func(dataDir string) (files, archive Store, err error)

// Restore rebuilds the data directory dataDir (which must not exist or be
// empty) from the backup in dir, putting the objects into the stores open
// gives (the stores the restored instance will use). Every part is checked
// against the manifest; a mismatch stops the restore. Archived objects are
// locked again until their recorded dates, and their rows take the
// versions the target store gave them.
func Restore(ctx context.Context, dir, dataDir string, open StoreOpener) (*RestoreReport, error) {
	raw, err := os.ReadFile(filepath.Join(dir, ManifestName))
	if err != nil {
		return nil, fmt.Errorf("restore: %s has no %s (not a complete backup): %w", dir, ManifestName, err)
	}
	var man Manifest
	if err := json.Unmarshal(raw, &man); err != nil || man.Format != 1 {
		return nil, fmt.Errorf("restore: %s: unreadable manifest", dir)
	}
	if err := emptyDir(dataDir); err != nil {
		return nil, err
	}
	filesStore, archiveStore, err := open(dataDir)
	if err != nil {
		return nil, err
	}
	rep := &RestoreReport{}
	for _, p := range man.DB {
		if !isDBFile(p.Name) {
			return nil, fmt.Errorf("restore: unexpected database file %q", p.Name)
		}
		src, dst := filepath.Join(dir, p.Name), filepath.Join(dataDir, p.Name)
		if err := copyFile(src, dst, 0o600); err != nil {
			return nil, err
		}
		got, err := hashFile(dst)
		if err != nil {
			return nil, err
		}
		if got.SHA256 != p.SHA256 {
			return nil, fmt.Errorf("restore: %s hashes to %s, the manifest says %s", p.Name, got.SHA256, p.SHA256)
		}
		rep.DB++
	}
	if man.DataKey {
		if err := copyFile(filepath.Join(dir, "data.key"), filepath.Join(dataDir, "data.key"), 0o600); err != nil {
			return nil, err
		}
	}
	versions := map[string]string{}
	for _, o := range man.Objects {
		info, err := restoreObject(ctx, dir, o, filesStore, archiveStore)
		if err != nil {
			return nil, err
		}
		if o.Store == "archive" {
			versions[o.Key] = info.VersionID
		}
		rep.Objects++
	}
	if err := setArchiveVersions(filepath.Join(dataDir, dbFiles[0]), versions); err != nil {
		return nil, err
	}
	return rep, nil
}

func restoreObject(ctx context.Context, dir string, o BackupObject, filesStore, archiveStore Store) (ObjectInfo, error) {
	if (o.Store != "files" && o.Store != "archive") || !validKey(o.Key) {
		return ObjectInfo{}, fmt.Errorf("restore: bad object entry %s/%q", o.Store, o.Key)
	}
	path := filepath.Join(dir, "objects", o.Store, filepath.FromSlash(o.Key))
	part, err := hashFile(path)
	if err != nil {
		return ObjectInfo{}, err
	}
	if part.SHA256 != o.SHA256 || part.Size != o.Size {
		return ObjectInfo{}, fmt.Errorf("restore: object %s/%s does not match the manifest", o.Store, o.Key)
	}
	f, err := os.Open(path)
	if err != nil {
		return ObjectInfo{}, err
	}
	defer f.Close()
	st, opt := filesStore, PutOptions{ContentType: o.MIME}
	if o.Store == "archive" {
		st = archiveStore
		until, err := types.ParseDateTime(o.RetainUntil)
		if err != nil || until.IsZero() {
			return ObjectInfo{}, fmt.Errorf("restore: %s: bad retention date %q", o.Key, o.RetainUntil)
		}
		opt.RetainUntil = until.Time()
	}
	pctx, cancel := context.WithTimeout(ctx, putTimeout)
	defer cancel()
	info, err := st.Put(pctx, o.Key, f, o.Size, opt)
	if errors.Is(err, ErrExists) {
		// a locked target that already holds it (a restore run twice)
		if got, herr := hashObject(pctx, st, o.Key); herr == nil && got == o.SHA256 {
			return st.Stat(pctx, o.Key)
		}
	}
	if err != nil {
		return ObjectInfo{}, fmt.Errorf("restore: put %s/%s: %w", o.Store, o.Key, err)
	}
	return info, nil
}

// setArchiveVersions records the target store's object versions on the
// restored archive rows (straight SQL: the rows are otherwise immutable).
func setArchiveVersions(dbPath string, versions map[string]string) error {
	if len(versions) == 0 {
		return nil
	}
	db, err := core.DefaultDBConnect(dbPath)
	if err != nil {
		return err
	}
	defer db.Close()
	for key, v := range versions {
		if _, err := db.NewQuery("UPDATE archive_objects SET version_id = {:v} WHERE key = {:k}").
			Bind(dbx.Params{"v": v, "k": key}).Execute(); err != nil {
			return err
		}
	}
	return nil
}

func isDBFile(name string) bool {
	for _, n := range dbFiles {
		if n == name {
			return true
		}
	}
	return false
}

// validKey refuses keys that could leave the backup directory.
func validKey(key string) bool {
	if key == "" || strings.HasPrefix(key, "/") || strings.Contains(key, "\\") || strings.ContainsRune(key, 0) {
		return false
	}
	for _, seg := range strings.Split(key, "/") {
		if seg == "" || seg == "." || seg == ".." {
			return false
		}
	}
	return true
}

// emptyDir creates dir, or accepts it if it exists and is empty.
func emptyDir(dir string) error {
	entries, err := os.ReadDir(dir)
	if err == nil && len(entries) > 0 {
		return fmt.Errorf("%s is not empty", dir)
	}
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	return os.MkdirAll(dir, 0o700)
}

func hashFile(path string) (BackupPart, error) {
	f, err := os.Open(path)
	if err != nil {
		return BackupPart{}, err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return BackupPart{}, err
	}
	return BackupPart{Size: n, SHA256: hex.EncodeToString(h.Sum(nil))}, nil
}

func copyFile(src, dst string, mode os.FileMode) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	if err := os.MkdirAll(filepath.Dir(dst), 0o700); err != nil {
		return err
	}
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, mode)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	if err := out.Sync(); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

func writeSynced(path string, data []byte, mode os.FileMode) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, mode)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}
