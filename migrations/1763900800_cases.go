package migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"
)

func init() {
	m.Register(upCases, downCases)
}

// CaseStatuses is the workflow of a case's latest version (API.md).
var CaseStatuses = []string{"draft", "submitted", "published", "returned", "withdrawn", "archived"}

// CaseScopes are who a case is written for (its declared reach).
var CaseScopes = []string{"unit", "subtree", "system", "all"}

// upCases adds the casework tables (hooks/casework):
//   - cases: one row per case. Its content columns are what readers see —
//     the last published version (or, before the first publication, the
//     working copy, which only the author and reviewers can read); `live`
//     says whether readers see it at all, `status` where the latest
//     version stands in review.
//   - case_versions: every version, the working copy being the newest;
//     reviews are recorded on the version they decided.
//   - case_entities: the enterprises and people a case concerns, by keyed
//     hash of the number (encrypted number beside it), for "other cases
//     about this entity".
//
// No API rules: only our routes touch them.
func upCases(app core.App) error {
	c := core.NewBaseCollection("cases")
	c.Fields.Add(
		&core.TextField{Name: "title", Required: true, Max: 200},
		&core.TextField{Name: "summary", Max: 1000},
		&core.TextField{Name: "body", Max: 200000},
		&core.TextField{Name: "body_html", Max: 1000000},
		&core.JSONField{Name: "tags", MaxSize: 4000},
		&core.TextField{Name: "business", Max: 40},
		&core.SelectField{Name: "scope", Required: true, MaxSelect: 1, Values: CaseScopes},
		&core.SelectField{Name: "status", Required: true, MaxSelect: 1, Values: CaseStatuses},
		&core.SelectField{Name: "live", MaxSelect: 1, Values: []string{"published", "archived"}},
		&core.TextField{Name: "author", Required: true, Max: 15},
		&core.TextField{Name: "unit", Required: true, Max: 15},
		&core.TextField{Name: "unit_path", Required: true, Max: 200},
		&core.TextField{Name: "system", Max: 40},
		&core.NumberField{Name: "version", OnlyInt: true},
		&core.NumberField{Name: "published_version", OnlyInt: true},
		&core.DateField{Name: "published_at"},
		&core.NumberField{Name: "views", OnlyInt: true},
		&core.NumberField{Name: "votes", OnlyInt: true},
		&core.NumberField{Name: "comments", OnlyInt: true},
		&core.AutodateField{Name: "created", OnCreate: true},
		&core.AutodateField{Name: "updated", OnCreate: true, OnUpdate: true},
	)
	c.AddIndex("idx_cases_unit_path", false, "unit_path", "")
	c.AddIndex("idx_cases_live", false, "live, published_at", "")
	c.AddIndex("idx_cases_author", false, "author, updated", "")
	c.AddIndex("idx_cases_status", false, "status, updated", "")
	c.AddIndex("idx_cases_system", false, "system", "")
	if err := app.Save(c); err != nil {
		return err
	}

	v := core.NewBaseCollection("case_versions")
	v.Fields.Add(
		&core.TextField{Name: "case_id", Required: true, Max: 15},
		&core.NumberField{Name: "version", OnlyInt: true, Required: true},
		&core.TextField{Name: "title", Required: true, Max: 200},
		&core.TextField{Name: "summary", Max: 1000},
		&core.TextField{Name: "body", Max: 200000},
		&core.TextField{Name: "body_html", Max: 1000000},
		&core.JSONField{Name: "tags", MaxSize: 4000},
		&core.TextField{Name: "business", Max: 40},
		&core.SelectField{Name: "scope", Required: true, MaxSelect: 1, Values: CaseScopes},
		&core.SelectField{Name: "status", Required: true, MaxSelect: 1, Values: CaseStatuses},
		&core.JSONField{Name: "files", MaxSize: 4000},
		&core.JSONField{Name: "entities", MaxSize: 20000},
		&core.TextField{Name: "editor", Max: 15},
		&core.TextField{Name: "reviewer", Max: 15},
		&core.TextField{Name: "review_comment", Max: 2000},
		&core.DateField{Name: "submitted_at"},
		&core.DateField{Name: "reviewed_at"},
		&core.AutodateField{Name: "created", OnCreate: true},
		&core.AutodateField{Name: "updated", OnCreate: true, OnUpdate: true},
	)
	v.AddIndex("idx_case_versions_case", true, "case_id, version", "")
	if err := app.Save(v); err != nil {
		return err
	}

	e := core.NewBaseCollection("case_entities")
	e.Fields.Add(
		&core.TextField{Name: "case_id", Required: true, Max: 15},
		&core.SelectField{Name: "kind", Required: true, MaxSelect: 1, Values: []string{"enterprise", "person"}},
		&core.TextField{Name: "number_hash", Required: true, Max: 64},
		&core.TextField{Name: "number", Required: true, Max: 500}, // encrypted
		&core.TextField{Name: "name", Max: 100},
	)
	e.AddIndex("idx_case_entities_hash", false, "number_hash", "")
	e.AddIndex("idx_case_entities_case", false, "case_id", "")
	return app.Save(e)
}

func downCases(app core.App) error {
	return dropCollections(app, "case_entities", "case_versions", "cases")
}
