// Package migrations holds the schema, one file per change; a landed file is
// never edited (a later change gets a new file).
package migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"
)

// Roles are the values of users.roles and grants.role; the policy names them.
var Roles = []string{"staff", "leader", "reviewer", "clerk", "trainer", "hr", "sysadmin", "secadmin", "auditor"}

func init() {
	m.Register(upOrg, downOrg)
}

func upOrg(app core.App) error {
	units := core.NewBaseCollection("units")
	units.Fields.Add(
		&core.TextField{Name: "name", Required: true, Max: 100},
		&core.TextField{Name: "short", Max: 20},
		&core.SelectField{Name: "level", Required: true, MaxSelect: 1, Values: []string{"province", "city", "county", "township"}},
		&core.SelectField{Name: "kind", Required: true, MaxSelect: 1, Values: []string{"government", "office", "department"}},
		&core.TextField{Name: "system", Max: 32},
		&core.TextField{Name: "parent", Max: 15},
		&core.TextField{Name: "path", Required: true, Max: 400},
		&core.NumberField{Name: "sort", OnlyInt: true},
		&core.BoolField{Name: "active"},
		&core.AutodateField{Name: "created", OnCreate: true},
		&core.AutodateField{Name: "updated", OnCreate: true, OnUpdate: true},
	)
	units.AddIndex("idx_units_path", true, "path", "")
	units.AddIndex("idx_units_parent", false, "parent, sort", "")
	units.AddIndex("idx_units_name", false, "name", "")
	if err := app.Save(units); err != nil {
		return err
	}

	users, err := app.FindCollectionByNameOrId("users")
	if err != nil {
		return err
	}
	// Guarded: only superusers pass the generic API; our routes serve users.
	users.ListRule, users.ViewRule, users.CreateRule, users.UpdateRule, users.DeleteRule = nil, nil, nil, nil, nil
	active := "active = true"
	users.AuthRule = &active
	users.ManageRule = nil
	users.PasswordAuth.Enabled = true
	users.PasswordAuth.IdentityFields = []string{"username", "email"}
	users.OTP.Enabled = false
	users.MFA.Enabled = false
	users.OAuth2.Enabled = false
	users.AuthAlert.Enabled = false
	users.AuthToken.Duration = 12 * 3600 // the session's absolute limit; idle limits are server-side
	if f, ok := users.Fields.GetByName("email").(*core.EmailField); ok {
		f.Required = false
	}
	users.Fields.RemoveByName("avatar")
	users.Fields.Add(
		&core.TextField{Name: "username", Required: true, Min: 2, Max: 50, Pattern: `^[A-Za-z0-9][A-Za-z0-9._-]*$`},
		&core.TextField{Name: "unit", Required: true, Max: 15},
		&core.TextField{Name: "unit_path", Max: 400},
		&core.TextField{Name: "rank", Max: 50},
		&core.TextField{Name: "position", Max: 100},
		&core.SelectField{Name: "roles", MaxSelect: len(Roles), Values: Roles},
		&core.BoolField{Name: "active"},
		&core.TextField{Name: "phone", Hidden: true, Max: 100},
		&core.TextField{Name: "id_number", Hidden: true, Max: 100},
		&core.BoolField{Name: "demo", Hidden: true},
		&core.BoolField{Name: "must_change_password", Hidden: true},
	)
	users.AddIndex("idx_users_username", true, "username COLLATE NOCASE", "")
	users.AddIndex("idx_users_unit_path", false, "unit_path", "")
	users.AddIndex("idx_users_unit", false, "unit", "")
	users.AddIndex("idx_users_name", false, "name", "")
	if err := app.Save(users); err != nil {
		return err
	}

	grants := core.NewBaseCollection("grants")
	grants.Fields.Add(
		&core.TextField{Name: "user", Required: true, Max: 15},
		&core.TextField{Name: "unit", Required: true, Max: 15},
		&core.SelectField{Name: "role", Required: true, MaxSelect: 1, Values: Roles},
		&core.SelectField{Name: "kind", Required: true, MaxSelect: 1, Values: []string{"concurrent", "secondment", "acting"}},
		&core.DateField{Name: "starts"},
		&core.DateField{Name: "ends"},
		&core.TextField{Name: "note", Max: 500},
		&core.TextField{Name: "created_by", Max: 15},
		&core.BoolField{Name: "revoked"},
		&core.AutodateField{Name: "created", OnCreate: true},
		&core.AutodateField{Name: "updated", OnCreate: true, OnUpdate: true},
	)
	grants.AddIndex("idx_grants_user", false, "user, ends", "")
	grants.AddIndex("idx_grants_unit", false, "unit", "")
	if err := app.Save(grants); err != nil {
		return err
	}

	sessions := core.NewBaseCollection("sessions")
	sessions.Fields.Add(
		&core.TextField{Name: "user", Required: true, Max: 15},
		&core.TextField{Name: "collection", Required: true, Max: 50},
		&core.DateField{Name: "last_seen"},
		&core.DateField{Name: "expires"},
		&core.DateField{Name: "ended"},
		&core.TextField{Name: "end_reason", Max: 50},
		&core.TextField{Name: "ip", Max: 64},
		&core.TextField{Name: "user_agent", Max: 300},
		&core.AutodateField{Name: "created", OnCreate: true},
	)
	sessions.AddIndex("idx_sessions_user", false, "user, ended", "")
	if err := app.Save(sessions); err != nil {
		return err
	}

	policy := core.NewBaseCollection("policy_versions")
	policy.Fields.Add(
		&core.TextField{Name: "csv", Required: true, Max: 200000},
		&core.TextField{Name: "author", Max: 15},
		&core.TextField{Name: "note", Max: 500},
		&core.AutodateField{Name: "created", OnCreate: true},
	)
	policy.AddIndex("idx_policy_versions_created", false, "created", "")
	return app.Save(policy)
}

func downOrg(app core.App) error {
	for _, name := range []string{"policy_versions", "sessions", "grants", "units"} {
		c, err := app.FindCollectionByNameOrId(name)
		if err != nil {
			return err
		}
		if err := app.Delete(c); err != nil {
			return err
		}
	}
	return nil
}
