package org

import (
	"net/http"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"

	"govcollab/hooks/api"
	"govcollab/policies"
)

// AdminGrantView is a grant in the admin list: the grant plus the names the
// UI shows and whether it is running now.
type AdminGrantView struct {
	GrantView
	UserName string `json:"user_name"`
	UnitName string `json:"unit_name"`
	Active   bool   `json:"active"`
}

// grantRunning is the SQL for "not revoked, started, not ended" at now.
func grantRunning(now string) dbx.Expression {
	return dbx.NewExp("([[grants.revoked]] = FALSE AND ([[grants.starts]] = '' OR [[grants.starts]] <= {:gnow}) "+
		"AND ([[grants.ends]] = '' OR [[grants.ends]] > {:gnow}))", dbx.Params{"gnow": now})
}

// HandleAdminGrants answers GET /api/gov/admin/grants (filters user, unit,
// active).
func (m *Module) HandleAdminGrants(e *core.RequestEvent) error {
	if _, err := m.app.Require(e, "read", "grant"); err != nil {
		return err // before reading the filters: 401/403 come first
	}
	now := types.NowDateTime()
	spec := api.ListSpec{
		Object:      "grant",
		Sort:        map[string]string{"created": "created", "ends": "ends", "starts": "starts", "role": "role"},
		DefaultSort: "-created",
		Filters: []api.FilterParam{
			{Name: "user", Kind: api.FilterEq, Columns: []string{"user"}},
			{Name: "unit", Kind: api.FilterEq, Columns: []string{"unit"}},
		},
	}
	switch e.Request.URL.Query().Get("active") {
	case "":
	case "true", "1":
		spec.Where = grantRunning(now.String())
	case "false", "0":
		spec.Where = dbx.Not(grantRunning(now.String()))
	default:
		return api.BadField("active", "invalid_bool", "应为 true 或 false")
	}
	names := map[string]string{} // per request: a page names few people and units
	name := func(table, id string) string {
		if n, ok := names[table+id]; ok {
			return n
		}
		n := ""
		if r, err := m.app.FindRecordById(table, id); err == nil {
			n = r.GetString("name")
		}
		names[table+id] = n
		return n
	}
	return api.List(m.app, e, spec, func(_ *policies.Subject, r *core.Record) AdminGrantView {
		return AdminGrantView{GrantView: grantView(r), UserName: name("users", r.GetString("user")),
			UnitName: name("units", r.GetString("unit")), Active: running(r, now.Time())}
	})
}

func running(r *core.Record, now time.Time) bool {
	starts, ends := r.GetDateTime("starts"), r.GetDateTime("ends")
	return !r.GetBool("revoked") && (starts.IsZero() || !starts.Time().After(now)) &&
		(ends.IsZero() || ends.Time().After(now))
}

// HandleCreateGrant answers POST /api/gov/admin/grants (secadmin): the
// holder's sessions end so their next sign-in carries the new reach.
func (m *Module) HandleCreateGrant(e *core.RequestEvent) error {
	s, err := m.app.Require(e, "manage", "grant")
	if err != nil {
		return err
	}
	var in GrantInput
	if err := api.DecodeJSON(e, &in); err != nil {
		return err
	}
	var out GrantView
	_, err = m.app.ApplyAs(e, "grant.create", func(tx core.App, c *api.Change) error {
		r, err := CreateGrant(tx, s.ID, in, time.Now())
		if err != nil {
			return err
		}
		if err := m.within(s, "manage", r, "unit", "授权单位不存在或已停用"); err != nil {
			return err
		}
		out = grantView(r)
		c.Object, c.After = "grants/"+r.Id, out
		return m.endSessions(tx, r.GetString("user"), endGrantCreated)
	})
	if err != nil {
		return err
	}
	return e.JSON(http.StatusCreated, out)
}

// HandleRevokeGrant answers DELETE /api/gov/admin/grants/{id}: the grant
// ends now (the row stays for the record) and the holder's sessions end.
func (m *Module) HandleRevokeGrant(e *core.RequestEvent) error {
	s, err := m.app.Require(e, "manage", "grant")
	if err != nil {
		return err
	}
	rec, err := m.loadFor(s, "manage", "grants", e.Request.PathValue("id"))
	if err != nil {
		return err
	}
	if rec.GetBool("revoked") {
		return api.Conflict("该授权已被撤销")
	}
	var out GrantView
	_, err = m.app.ApplyAs(e, "grant.revoke", func(tx core.App, c *api.Change) error {
		r, err := RevokeGrant(tx, rec.Id)
		if err != nil {
			return err
		}
		out = grantView(r)
		c.Object, c.Before, c.After = "grants/"+r.Id, grantView(rec), out
		return m.endSessions(tx, r.GetString("user"), endGrantRevoked)
	})
	if err != nil {
		return err
	}
	return e.JSON(http.StatusOK, out)
}
