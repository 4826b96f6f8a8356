package migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"
)

func init() {
	m.Register(upFiles, downFiles)
}

// upFiles adds the file service's two tables (hooks/files):
//   - files: one row per upload; the object lives in the store under a
//     content key (sha256), so identical content is stored once. A row is
//     private to its uploader until a record (ref_type/ref_id) owns it.
//   - archive_objects: signed documents kept in the WORM archive, with
//     their retention date and the result of the last integrity check.
//
// No API rules: only our routes touch them.
func upFiles(app core.App) error {
	f := core.NewBaseCollection("files")
	f.Fields.Add(
		&core.TextField{Name: "name", Required: true, Max: 255},
		&core.TextField{Name: "ext", Required: true, Max: 10},
		&core.TextField{Name: "mime", Required: true, Max: 100},
		&core.NumberField{Name: "size", OnlyInt: true},
		&core.TextField{Name: "sha256", Required: true, Min: 64, Max: 64},
		&core.TextField{Name: "key", Required: true, Max: 200},
		&core.TextField{Name: "uploader", Required: true, Max: 15},
		&core.TextField{Name: "unit", Max: 15},
		&core.TextField{Name: "ref_type", Max: 40},
		&core.TextField{Name: "ref_id", Max: 40},
		&core.DateField{Name: "attached"},
		&core.AutodateField{Name: "created", OnCreate: true},
		&core.AutodateField{Name: "updated", OnCreate: true, OnUpdate: true},
	)
	f.AddIndex("idx_files_key", false, "key", "")
	f.AddIndex("idx_files_ref", false, "ref_type, ref_id", "")
	f.AddIndex("idx_files_pending", false, "uploader, ref_type, created", "")
	if err := app.Save(f); err != nil {
		return err
	}

	a := core.NewBaseCollection("archive_objects")
	a.Fields.Add(
		&core.TextField{Name: "key", Required: true, Max: 300},
		&core.TextField{Name: "name", Required: true, Max: 255},
		&core.TextField{Name: "mime", Required: true, Max: 100},
		&core.NumberField{Name: "size", OnlyInt: true},
		&core.TextField{Name: "sha256", Required: true, Min: 64, Max: 64},
		&core.TextField{Name: "class", Required: true, Max: 20},
		&core.DateField{Name: "retain_until", Required: true},
		&core.TextField{Name: "version_id", Max: 100},
		&core.TextField{Name: "ref_type", Required: true, Max: 40},
		&core.TextField{Name: "ref_id", Required: true, Max: 40},
		&core.TextField{Name: "archived_by", Max: 15},
		&core.SelectField{Name: "status", MaxSelect: 1, Values: []string{"ok", "mismatch", "missing", "unavailable"}},
		&core.DateField{Name: "verified_at"},
		&core.TextField{Name: "detail", Max: 500},
		&core.AutodateField{Name: "created", OnCreate: true},
	)
	a.AddIndex("idx_archive_key", true, "key", "")
	a.AddIndex("idx_archive_ref", false, "ref_type, ref_id", "")
	return app.Save(a)
}

func downFiles(app core.App) error {
	return dropCollections(app, "archive_objects", "files")
}
