// Package files owns attachments for every module: one object store (a
// local directory by default, MinIO when GOV_S3_ENDPOINT is set), uploads
// checked by content, type, size and 密级 mark, content-addressed storage
// (identical content kept once), short signed download URLs issued only
// after the policy allows the owning record, the WORM archive for signed
// documents with its integrity job, and backup/restore of database and
// objects together.
package files

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"time"

	"github.com/pocketbase/pocketbase/core"

	"govcollab/hooks/api"
	"govcollab/hooks/audit"
	"govcollab/hooks/security"
	"govcollab/policies"
)

// Collections this package owns.
const (
	FilesTable   = "files"
	ArchiveTable = "archive_objects"
)

// Timeouts of store calls made while a request waits.
const (
	statTimeout = 10 * time.Second
	putTimeout  = 2 * time.Minute
	urlTTL      = MaxURLTTL
)

// ObjectTypes are the policy objects this package owns: uploading at all,
// and checking the archive (auditor).
func ObjectTypes() []policies.ObjectType {
	return []policies.ObjectType{
		{Name: "file", Table: FilesTable, Actions: []string{"upload"}, Owner: "uploader", Unit: "unit"},
		{Name: "archive", Table: ArchiveTable, Actions: []string{"verify"}},
	}
}

// OwnerCheck decides whether subject s may download file f, owned by the
// record f.ref_id of the owner's type. The default reads that record from
// the type's table and asks the policy for "read".
type OwnerCheck func(app core.App, s *policies.Subject, f *core.Record) (bool, error)

// Module is the wired file service.
type Module struct {
	app      *api.App
	audit    *audit.Audit
	settings *security.SettingsStore

	Files   Store
	Archive Store

	owners   sync.Map // ref type → OwnerCheck
	texts    sync.Map // ref type → Reindexer: its files are read for search
	keyLocks [64]sync.Mutex
	now      func() time.Time
	urlTTL   time.Duration
}

// New opens the stores (MinIO when configured, else directories under the
// data directory) and binds the module's hooks. signKey signs local URLs.
func New(app *api.App, au *audit.Audit, settings *security.SettingsStore, signKey []byte) (*Module, error) {
	m := &Module{app: app, audit: au, settings: settings, now: time.Now, urlTTL: urlTTL}
	var err error
	if m.Files, m.Archive, err = OpenStores(app.DataDir(), signKey); err != nil {
		return nil, err
	}
	m.bindHooks()
	return m, nil
}

// OpenStores opens the configured stores: MinIO buckets when
// GOV_S3_ENDPOINT is set (created at set-up, the archive with object
// locking), else directories under dataDir/gov_files.
func OpenStores(dataDir string, signKey []byte) (files, archive Store, err error) {
	cfg, ok, err := S3ConfigFromEnv()
	if err != nil {
		return nil, nil, err
	}
	if ok {
		// time to wait out a store that is starting beside us, then open both
		wait := cfg.StartupWait
		if wait <= 0 {
			wait = DefaultS3StartupWait
		}
		ctx, cancel := context.WithTimeout(context.Background(), wait+30*time.Second)
		defer cancel()
		if files, err = NewS3Store(ctx, cfg, false); err != nil {
			return nil, nil, fmt.Errorf("files: MinIO %s bucket %s: %w", cfg.Endpoint, cfg.Bucket, err)
		}
		arch := cfg
		arch.Bucket = cfg.ArchiveBucket
		if archive, err = NewS3Store(ctx, arch, true); err != nil {
			return nil, nil, fmt.Errorf("files: MinIO %s archive bucket %s: %w", cfg.Endpoint, arch.Bucket, err)
		}
		return files, archive, nil
	}
	root := filepath.Join(dataDir, "gov_files")
	if files, err = NewLocalStore(filepath.Join(root, "files"), LocalOptions{Secret: signKey, URLPrefix: BlobPrefix + "files/"}); err != nil {
		return nil, nil, err
	}
	if archive, err = NewLocalStore(filepath.Join(root, "archive"), LocalOptions{Locked: true, Secret: signKey, URLPrefix: BlobPrefix + "archive/"}); err != nil {
		return nil, nil, err
	}
	return files, archive, nil
}

// UseStores replaces the stores (tests run one suite against both kinds).
func (m *Module) UseStores(files, archive Store) { m.Files, m.Archive = files, archive }

// SetClock and SetURLTTL let tests move time and shorten URL lifetimes.
func (m *Module) SetClock(now func() time.Time) { m.now = now }
func (m *Module) SetURLTTL(d time.Duration)     { m.urlTTL = min(d, MaxURLTTL) }

// RegisterOwner overrides how downloads of files owned by refType records
// are decided (e.g. notices decide by audience with "read").
func (m *Module) RegisterOwner(refType string, check OwnerCheck) { m.owners.Store(refType, check) }

// mayDownload decides a file row for subject s: a pending upload is its
// uploader's alone; an attached one follows the owning record.
func (m *Module) mayDownload(s *policies.Subject, f *core.Record) (bool, error) {
	refType, refID := f.GetString("ref_type"), f.GetString("ref_id")
	if refType == "" {
		return f.GetString("uploader") == s.ID, nil
	}
	if v, ok := m.owners.Load(refType); ok {
		return v.(OwnerCheck)(m.app, s, f)
	}
	t, ok := m.app.Authz.Type(refType)
	if !ok || t.Table == "" {
		return false, fmt.Errorf("files: owner type %q is not registered", refType)
	}
	rec, err := m.app.FindRecordById(t.Table, refID)
	if err != nil {
		return false, nil
	}
	allowed, _ := m.app.Authz.Can(s, "read", rec)
	return allowed, nil
}

// keyLock serializes the store-then-record steps of one content key, so a
// failed upload's cleanup never removes an object a concurrent upload of
// the same content has just referenced.
func (m *Module) keyLock(key string) *sync.Mutex {
	var h uint32
	for i := 0; i < len(key); i++ {
		h = h*31 + uint32(key[i])
	}
	return &m.keyLocks[h%uint32(len(m.keyLocks))]
}

// unavailable is the answer while the object store cannot be reached.
func unavailable() *api.Error {
	e := api.NewError(503, "storage_unavailable", "文件存储暂时不可用，请稍后重试")
	e.RetryAfter = 30
	return e
}

// storeError maps a store failure to an answer.
func storeError(err error) error {
	switch {
	case errors.Is(err, ErrUnavailable), errors.Is(err, context.DeadlineExceeded):
		return unavailable()
	case errors.Is(err, ErrNotFound):
		return api.NotFound()
	}
	return err
}

// referenced reports whether any file row still points at key.
func referenced(app core.App, key string) (bool, error) {
	var n int
	err := app.DB().NewQuery("SELECT COUNT(*) FROM files WHERE key = {:k}").Bind(map[string]any{"k": key}).Row(&n)
	return n > 0, err
}
