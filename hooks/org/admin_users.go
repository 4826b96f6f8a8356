package org

import (
	"net/http"
	"slices"
	"strings"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"govcollab/hooks/api"
	"govcollab/policies"
)

// HandleAdminUsers answers GET /api/gov/admin/users: the accounts the caller
// manages (sysadmin) or assigns roles to (secadmin), inactive ones included,
// personal numbers masked per the policy.
func (m *Module) HandleAdminUsers(e *core.RequestEvent) error {
	s, err := m.app.Subject(e)
	if err != nil {
		return err
	}
	act := "manage"
	if !m.app.Authz.Permits(s, act, "user") {
		act = "assign"
	}
	if !m.app.Authz.Permits(s, act, "user") {
		return api.Forbidden()
	}
	spec := api.ListSpec{
		Object:      "user",
		Action:      act,
		Sort:        map[string]string{"username": "username", "name": "name", "unit_path": "unit_path", "created": "created"},
		DefaultSort: "unit_path,username",
		Filters: []api.FilterParam{
			{Name: "q", Kind: api.FilterContains, Columns: []string{"name", "username"}},
			{Name: "unit", Kind: api.FilterEq, Columns: []string{"unit"}},
			{Name: "active", Kind: api.FilterBool, Columns: []string{"active"}},
		},
	}
	if role := strings.TrimSpace(e.Request.URL.Query().Get("role")); role != "" {
		if !slices.Contains(Roles, role) {
			return api.BadField("role", "unknown_role", "未知角色："+role)
		}
		spec.Where = dbx.NewExp("EXISTS (SELECT 1 FROM json_each([[users.roles]]) WHERE json_each.value = {:role})",
			dbx.Params{"role": role})
	}
	return api.List(m.app, e, spec, func(s *policies.Subject, r *core.Record) UserView { return NewUserView(m.app, s, r) })
}

// CreatedUser is the answer to POST /api/gov/admin/users; the generated
// password is shown this once and never stored in the clear.
type CreatedUser struct {
	User            UserView `json:"user"`
	InitialPassword string   `json:"initial_password,omitempty"`
}

// HandleCreateUser answers POST /api/gov/admin/users.
func (m *Module) HandleCreateUser(e *core.RequestEvent) error {
	s, err := m.app.Require(e, "manage", "user")
	if err != nil {
		return err
	}
	var in UserInput
	if err := api.DecodeJSON(e, &in); err != nil {
		return err
	}
	var out CreatedUser
	_, err = m.app.ApplyAs(e, "user.create", func(tx core.App, c *api.Change) error {
		r, password, err := CreateUser(tx, in)
		if err != nil {
			return err
		}
		if err := m.within(s, "manage", r, "unit", "所在单位不存在或已停用"); err != nil {
			return err
		}
		out = CreatedUser{User: NewUserView(m.app, s, r), InitialPassword: password}
		c.Object, c.After = "users/"+r.Id, auditUser(r)
		return nil
	})
	if err != nil {
		return err
	}
	return e.JSON(http.StatusCreated, out)
}

// HandleDeactivateUser answers POST /api/gov/admin/users/{id}/deactivate;
// the account's sessions end in the same transaction.
func (m *Module) HandleDeactivateUser(e *core.RequestEvent) error {
	return m.setUserActive(e, false)
}

// HandleActivateUser answers POST /api/gov/admin/users/{id}/activate.
func (m *Module) HandleActivateUser(e *core.RequestEvent) error {
	return m.setUserActive(e, true)
}

func (m *Module) setUserActive(e *core.RequestEvent, active bool) error {
	s, err := m.app.Require(e, "manage", "user")
	if err != nil {
		return err
	}
	rec, err := m.loadFor(s, "manage", "users", e.Request.PathValue("id"))
	if err != nil {
		return err
	}
	if !active && rec.Id == s.ID {
		return api.BadField("id", "self", "不能停用自己的账号")
	}
	if rec.GetBool("active") == active {
		return e.JSON(http.StatusOK, NewUserView(m.app, s, rec)) // nothing to change or audit
	}
	action := "user.activate"
	if !active {
		action = "user.deactivate"
	}
	return m.changeUser(e, s, rec, action, func(tx core.App) (*core.Record, error) {
		r, err := SetUserActive(tx, rec.Id, active)
		if err != nil || active {
			return r, err
		}
		return r, m.endSessions(tx, r.Id, endDeactivated)
	})
}

// userMoveInput is the body of POST /api/gov/admin/users/{id}/move.
type userMoveInput struct {
	Unit string `json:"unit"`
}

// HandleMoveUser answers POST /api/gov/admin/users/{id}/move (调动): the
// account's scopes change with its unit, so its sessions end.
func (m *Module) HandleMoveUser(e *core.RequestEvent) error {
	s, err := m.app.Require(e, "manage", "user")
	if err != nil {
		return err
	}
	var in userMoveInput
	if err := api.DecodeJSON(e, &in); err != nil {
		return err
	}
	rec, err := m.loadFor(s, "manage", "users", e.Request.PathValue("id"))
	if err != nil {
		return err
	}
	in.Unit = strings.TrimSpace(in.Unit)
	if in.Unit == "" {
		return api.BadField("unit", "required", "请选择目标单位")
	}
	if in.Unit == rec.GetString("unit") {
		return api.BadField("unit", "unchanged", "该账号已在此单位")
	}
	return m.changeUser(e, s, rec, "user.move", func(tx core.App) (*core.Record, error) {
		r, err := MoveUser(tx, rec.Id, in.Unit)
		if err != nil {
			return nil, err
		}
		if err := m.within(s, "manage", r, "unit", "目标单位不存在或已停用"); err != nil {
			return nil, err
		}
		return r, m.endSessions(tx, r.Id, endMoved)
	})
}

// rolesInput is the body of PUT /api/gov/admin/users/{id}/roles.
type rolesInput struct {
	Roles []string `json:"roles"`
}

// HandleSetRoles answers PUT /api/gov/admin/users/{id}/roles (secadmin): the
// account's roles at its own unit are replaced and its sessions end.
func (m *Module) HandleSetRoles(e *core.RequestEvent) error {
	s, err := m.app.Require(e, "assign", "user")
	if err != nil {
		return err
	}
	var in rolesInput
	if err := api.DecodeJSON(e, &in); err != nil {
		return err
	}
	if len(in.Roles) == 0 {
		return api.BadField("roles", "required", "请至少选择一个角色（停用账号请用“停用”）")
	}
	rec, err := m.loadFor(s, "assign", "users", e.Request.PathValue("id"))
	if err != nil {
		return err
	}
	return m.changeUser(e, s, rec, "user.roles", func(tx core.App) (*core.Record, error) {
		r, err := SetRoles(tx, s.ID, rec.Id, in.Roles)
		if err != nil {
			return nil, err
		}
		return r, m.endSessions(tx, r.Id, endRolesChanged)
	})
}

// changeUser runs fn as one audited change of rec and answers the result.
func (m *Module) changeUser(e *core.RequestEvent, s *policies.Subject, rec *core.Record, action string,
	fn func(tx core.App) (*core.Record, error)) error {
	var out *core.Record
	_, err := m.app.ApplyAs(e, action, func(tx core.App, c *api.Change) error {
		r, err := fn(tx)
		if err != nil {
			return err
		}
		out = r
		c.Object, c.Before, c.After = "users/"+r.Id, auditUser(rec), auditUser(r)
		return nil
	})
	if err != nil {
		return err
	}
	return e.JSON(http.StatusOK, NewUserView(m.app, s, out))
}
