package casework

import (
	"database/sql"
	"encoding/json"
	"slices"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"

	"govcollab/hooks/api"
	"govcollab/hooks/audit"
	"govcollab/hooks/files"
	"govcollab/hooks/security"
	"govcollab/hooks/security/pii"
	"govcollab/policies"
)

// Collections this package owns.
const (
	CasesTable    = "cases"
	VersionsTable = "case_versions"
	EntitiesTable = "case_entities"
)

// ObjectTypes are the policy objects this package owns.
func ObjectTypes() []policies.ObjectType {
	return []policies.ObjectType{{
		Name: "case", Table: CasesTable,
		Actions: []string{"read", "create", "update", "delete", "review", "archive", "comment", "unmask"},
		Owner:   "author", Unit: "unit", UnitPath: "unit_path", System: "system", Reach: "scope",
		CondFields: []string{"status", "live", "scope", "business"},
	}}
}

// Module is the wired casework module.
type Module struct {
	app      *api.App
	files    *files.Module
	vault    *pii.Vault
	settings *security.SettingsStore
	audit    *audit.Audit
}

// New wires the module: attachments of cases follow the published version
// for readers (a draft's new attachment is not theirs to download).
func New(app *api.App, fm *files.Module, vault *pii.Vault, settings *security.SettingsStore, au *audit.Audit) *Module {
	m := &Module{app: app, files: fm, vault: vault, settings: settings, audit: au}
	fm.RegisterOwner("case", m.mayDownload)
	fm.RegisterText("case", m.reindexFiles)
	m.follower().Bind(app)
	return m
}

// Repathed re-indexes the cases a unit move gave new paths (org.Module.Repathed).
func (m *Module) Repathed(tx core.App, table, column, path string) error {
	return m.follower().Repathed(tx, table, column, path)
}

func (m *Module) mayDownload(app core.App, s *policies.Subject, f *core.Record) (bool, error) {
	rec, err := app.FindRecordById(CasesTable, f.GetString("ref_id"))
	if err != nil {
		return false, nil
	}
	if ok, _ := m.app.Authz.Can(s, "read", rec); !ok {
		return false, nil
	}
	if m.editor(s, rec) {
		return true, nil
	}
	// readers: only the files of the published version
	v, err := versionNo(app, rec.Id, rec.GetInt("published_version"))
	if err != nil {
		return false, nil
	}
	return slices.Contains(contentOf(v).Files, f.Id), nil
}

// editor reports whether s works on the case's working copy: its author, or
// a reviewer it is submitted to at a level its scope allows.
func (m *Module) editor(s *policies.Subject, rec *core.Record) bool {
	if ok, _ := m.app.Authz.Can(s, "update", rec); ok {
		return true
	}
	ok, _ := m.app.Authz.Can(s, "review", rec)
	return ok && m.levelAllows(s, rec) == nil
}

// latest is the case's newest version (the working copy).
func latest(app core.App, caseID string) (*core.Record, error) {
	recs, err := app.FindRecordsByFilter(VersionsTable, "case_id = {:c}", "-version", 1, 0, dbx.Params{"c": caseID})
	if err != nil {
		return nil, err
	}
	if len(recs) == 0 {
		return nil, sql.ErrNoRows
	}
	return recs[0], nil
}

// versionNo finds version n of a case.
func versionNo(app core.App, caseID string, n int) (*core.Record, error) {
	return app.FindFirstRecordByFilter(VersionsTable, "case_id = {:c} && version = {:n}", dbx.Params{"c": caseID, "n": n})
}

// contentOf reads a version's content.
func contentOf(v *core.Record) content {
	c := content{Title: v.GetString("title"), Summary: v.GetString("summary"), Body: v.GetString("body"),
		Scope: v.GetString("scope"), Business: v.GetString("business")}
	_ = json.Unmarshal([]byte(v.GetString("tags")), &c.Tags)
	_ = json.Unmarshal([]byte(v.GetString("files")), &c.Files)
	_ = json.Unmarshal([]byte(v.GetString("entities")), &c.Entities)
	return c
}

// setContent writes c (rendered) onto a version or case row. Entities are
// kept only on versions, encrypted: the case row holds the published ones
// in case_entities.
func (m *Module) setContent(r *core.Record, c content, html string) error {
	r.Set("title", c.Title)
	r.Set("summary", c.Summary)
	r.Set("body", c.Body)
	r.Set("body_html", html)
	r.Set("scope", c.Scope)
	r.Set("business", c.Business)
	r.Set("tags", nonNil(c.Tags))
	if r.Collection().Name == VersionsTable {
		r.Set("files", nonNil(c.Files))
		sealed := make([]EntityInput, 0, len(c.Entities))
		for _, e := range c.Entities {
			n, err := m.vault.Encrypt(e.Number)
			if err != nil {
				return err
			}
			sealed = append(sealed, EntityInput{Kind: e.Kind, Number: n, Name: e.Name})
		}
		r.Set("entities", sealed)
	}
	return nil
}

// openEntities decrypts a version's entities.
func (m *Module) openEntities(v *core.Record) ([]EntityInput, error) {
	var ents []EntityInput
	_ = json.Unmarshal([]byte(v.GetString("entities")), &ents)
	for i := range ents {
		n, err := m.vault.Decrypt(ents[i].Number)
		if err != nil {
			return nil, err
		}
		ents[i].Number = n
	}
	return ents, nil
}

// publishEntities makes the published version's entities the case's
// searchable links.
func (m *Module) publishEntities(tx core.App, caseID string, ents []EntityInput) error {
	if _, err := tx.DB().NewQuery("DELETE FROM case_entities WHERE case_id = {:c}").Bind(dbx.Params{"c": caseID}).Execute(); err != nil {
		return err
	}
	col, err := tx.FindCachedCollectionByNameOrId(EntitiesTable)
	if err != nil {
		return err
	}
	for _, e := range ents {
		sealed, err := m.vault.Encrypt(e.Number)
		if err != nil {
			return err
		}
		r := core.NewRecord(col)
		r.Load(map[string]any{"case_id": caseID, "kind": e.Kind, "number": sealed,
			"number_hash": m.vault.Hash(e.Kind, e.Number), "name": e.Name})
		if err := tx.Save(r); err != nil {
			return err
		}
	}
	return nil
}

// attach sets the case's files to those its published version and its
// working copy use.
func (m *Module) attach(tx core.App, actor, caseID string, c content, published []string) error {
	ids := slices.Clone(c.Files)
	for _, id := range published {
		if !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	_, err := m.files.Set(tx, actor, "files", ids, "case", caseID)
	return err
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func now() types.DateTime { return types.NowDateTime() }

// publishTags makes the published tags of a case its case_tags rows (no
// rows when it is not published).
func publishTags(tx core.App, caseID string, tags []string) error {
	if _, err := tx.DB().Delete("case_tags", dbx.HashExp{"case_id": caseID}).Execute(); err != nil {
		return err
	}
	for _, t := range tags {
		if _, err := tx.DB().Insert("case_tags", dbx.Params{"id": core.GenerateDefaultRandomId(), "case_id": caseID, "tag": t}).Execute(); err != nil {
			return err
		}
	}
	return nil
}
