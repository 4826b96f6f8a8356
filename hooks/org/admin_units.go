package org

import (
	"net/http"

	"github.com/pocketbase/pocketbase/core"

	"govcollab/hooks/api"
	"govcollab/policies"
)

const msgNoParent = "上级单位不存在或已停用"

// HandleAdminUnits answers GET /api/gov/admin/units: every unit the caller
// manages, inactive ones included.
func (m *Module) HandleAdminUnits(e *core.RequestEvent) error {
	spec := unitListSpec("manage")
	spec.Filters = append(spec.Filters, api.FilterParam{Name: "active", Kind: api.FilterBool, Columns: []string{"active"}})
	return api.List(m.app, e, spec, func(_ *policies.Subject, r *core.Record) UnitView { return unitView(r) })
}

// HandleCreateUnit answers POST /api/gov/admin/units.
func (m *Module) HandleCreateUnit(e *core.RequestEvent) error {
	s, err := m.app.Require(e, "manage", "unit")
	if err != nil {
		return err
	}
	var in UnitInput
	if err := api.DecodeJSON(e, &in); err != nil {
		return err
	}
	if p := str(in.Parent); p != "" {
		if _, err := m.refLoadFor(s, "manage", "units", p, "parent", msgNoParent); err != nil {
			return err
		}
	}
	var out UnitView
	_, err = m.app.ApplyAs(e, "unit.create", func(tx core.App, c *api.Change) error {
		r, err := CreateUnit(tx, in)
		if err != nil {
			return err
		}
		if ok, _ := m.app.Authz.Can(s, "manage", r); !ok {
			if str(in.Parent) == "" {
				return api.Forbidden() // a new root outside the caller's reach
			}
			return api.BadField("system", "out_of_scope", "该单位将超出您的管理范围")
		}
		out = unitView(r)
		c.Object, c.After = "units/"+r.Id, out
		return nil
	})
	if err != nil {
		return err
	}
	return e.JSON(http.StatusCreated, out)
}

// HandleUpdateUnit answers PATCH /api/gov/admin/units/{id}: name, short,
// system and sort.
func (m *Module) HandleUpdateUnit(e *core.RequestEvent) error {
	s, err := m.app.Require(e, "manage", "unit")
	if err != nil {
		return err
	}
	var in UnitInput
	if err := api.DecodeJSON(e, &in); err != nil {
		return err
	}
	rec, err := m.loadFor(s, "manage", "units", e.Request.PathValue("id"))
	if err != nil {
		return err
	}
	var out UnitView
	_, err = m.app.ApplyAs(e, "unit.update", func(tx core.App, c *api.Change) error {
		r, err := UpdateUnit(tx, rec.Id, in)
		if err != nil {
			return err
		}
		// a new system code may take the unit out of a system-scoped reach
		if err := m.within(s, "manage", r, "system", "修改后该单位将超出您的管理范围"); err != nil {
			return err
		}
		out = unitView(r)
		c.Object, c.Before, c.After = "units/"+r.Id, unitView(rec), out
		return nil
	})
	if err != nil {
		return err
	}
	return e.JSON(http.StatusOK, out)
}

// unitMoveInput is the body of POST /api/gov/admin/units/{id}/move.
type unitMoveInput struct {
	Parent string `json:"parent"`
}

// HandleMoveUnit answers POST /api/gov/admin/units/{id}/move: the unit and
// its subtree go under the new parent; every unit path and every guarded
// record's unit_path below it is rewritten in the same transaction.
func (m *Module) HandleMoveUnit(e *core.RequestEvent) error {
	s, err := m.app.Require(e, "manage", "unit")
	if err != nil {
		return err
	}
	var in unitMoveInput
	if err := api.DecodeJSON(e, &in); err != nil {
		return err
	}
	rec, err := m.loadFor(s, "manage", "units", e.Request.PathValue("id"))
	if err != nil {
		return err
	}
	if in.Parent != "" {
		if _, err := m.refLoadFor(s, "manage", "units", in.Parent, "parent", "新的上级单位不存在或已停用"); err != nil {
			return err
		}
	}
	var out UnitView
	_, err = m.app.ApplyAs(e, "unit.move", func(tx core.App, c *api.Change) error {
		before, after, err := MoveUnit(tx, m.app.Authz.Types(), rec.Id, in.Parent, m.Repathed...)
		if err != nil {
			return err
		}
		out = after
		c.Object, c.Before, c.After = "units/"+rec.Id, before, after
		return nil
	})
	if err != nil {
		return err
	}
	return e.JSON(http.StatusOK, out)
}

// HandleDeactivateUnit answers POST /api/gov/admin/units/{id}/deactivate.
func (m *Module) HandleDeactivateUnit(e *core.RequestEvent) error {
	return m.setUnitActive(e, false)
}

// HandleActivateUnit answers POST /api/gov/admin/units/{id}/activate.
func (m *Module) HandleActivateUnit(e *core.RequestEvent) error {
	return m.setUnitActive(e, true)
}

func (m *Module) setUnitActive(e *core.RequestEvent, active bool) error {
	s, err := m.app.Require(e, "manage", "unit")
	if err != nil {
		return err
	}
	rec, err := m.loadFor(s, "manage", "units", e.Request.PathValue("id"))
	if err != nil {
		return err
	}
	if rec.GetBool("active") == active {
		return e.JSON(http.StatusOK, unitView(rec)) // nothing to change or audit
	}
	action := "unit.deactivate"
	if active {
		action = "unit.activate"
	}
	var out UnitView
	_, err = m.app.ApplyAs(e, action, func(tx core.App, c *api.Change) error {
		r, err := SetUnitActive(tx, rec.Id, active)
		if err != nil {
			return err
		}
		out = unitView(r)
		c.Object, c.Before, c.After = "units/"+r.Id, unitView(rec), out
		return nil
	})
	if err != nil {
		return err
	}
	return e.JSON(http.StatusOK, out)
}
