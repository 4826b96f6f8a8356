package org

import (
	"net/http"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"govcollab/hooks/api"
	"govcollab/policies"
)

// SessionEnder ends every session of a user (security owns sessions).
type SessionEnder func(app core.App, userID, reason string) error

// Module serves the org routes.
type Module struct {
	app         *api.App
	endSessions SessionEnder
	// Repathed are told, inside the move's transaction, that the records
	// of table whose column lies under path were given new paths in bulk
	// (no record hook sees that): search re-indexes them.
	Repathed []func(tx core.App, table, column, path string) error
}

// New builds the org module. Changes to users, units and grants through any
// path (admin API, imports, other modules) invalidate cached decisions.
func New(app *api.App, endSessions SessionEnder) *Module {
	m := &Module{app: app, endSessions: endSessions}
	for _, c := range []string{"users", "units", "grants", "policy_versions"} {
		app.OnModelAfterCreateSuccess(c).BindFunc(m.invalidate)
		app.OnModelAfterUpdateSuccess(c).BindFunc(m.invalidate)
		app.OnModelAfterDeleteSuccess(c).BindFunc(m.invalidate)
	}
	return m
}

func (m *Module) invalidate(e *core.ModelEvent) error {
	m.app.Authz.Invalidate()
	return e.Next()
}

// MeUnit is the unit part of /me.
type MeUnit struct {
	ID     string `json:"id"`
	Name   string `json:"name"`
	Short  string `json:"short"`
	Level  string `json:"level"`
	Kind   string `json:"kind"`
	System string `json:"system"`
	Path   string `json:"path"`
}

// MeGrant is a running grant in /me.
type MeGrant struct {
	ID     string `json:"id"`
	Role   string `json:"role"`
	Kind   string `json:"kind"`
	Unit   MeUnit `json:"unit"`
	Starts string `json:"starts"`
	Ends   string `json:"ends"`
}

// Me is GET /api/gov/me.
type Me struct {
	ID       string    `json:"id"`
	Username string    `json:"username"`
	Name     string    `json:"name"`
	Rank     string    `json:"rank"`
	Position string    `json:"position"`
	Unit     MeUnit    `json:"unit"`
	Roles    []string  `json:"roles"`
	Grants   []MeGrant `json:"grants"`
	Demo     bool      `json:"demo"`
}

func meUnit(r *core.Record) MeUnit {
	return MeUnit{ID: r.Id, Name: r.GetString("name"), Short: r.GetString("short"), Level: r.GetString("level"),
		Kind: r.GetString("kind"), System: r.GetString("system"), Path: r.GetString("path")}
}

// HandleMe answers GET /api/gov/me.
func (m *Module) HandleMe(e *core.RequestEvent) error {
	s, err := m.app.Subject(e)
	if err != nil {
		return err
	}
	u := e.Auth
	unit, err := m.app.FindRecordById("units", u.GetString("unit"))
	if err != nil {
		return err
	}
	out := Me{ID: u.Id, Username: u.GetString("username"), Name: u.GetString("name"), Rank: u.GetString("rank"),
		Position: u.GetString("position"), Unit: meUnit(unit), Roles: s.Roles, Grants: []MeGrant{}, Demo: m.app.Demo()}
	if out.Roles == nil {
		out.Roles = []string{}
	}
	for _, a := range s.Assignments {
		if a.Grant == "" {
			continue
		}
		g, err := m.app.FindRecordById("grants", a.Grant)
		if err != nil {
			continue
		}
		gu, err := m.app.FindRecordById("units", a.Unit.ID)
		if err != nil {
			continue
		}
		out.Grants = append(out.Grants, MeGrant{ID: g.Id, Role: a.Role, Kind: g.GetString("kind"), Unit: meUnit(gu),
			Starts: g.GetString("starts"), Ends: g.GetString("ends")})
	}
	return e.JSON(http.StatusOK, out)
}

// HandleUnits answers GET /api/gov/units: the directory of active units.
// Administrators see inactive ones too through /api/gov/admin/units.
func (m *Module) HandleUnits(e *core.RequestEvent) error {
	spec := unitListSpec("read")
	spec.Where = dbx.HashExp{"units.active": true}
	return api.List(m.app, e, spec, func(_ *policies.Subject, r *core.Record) UnitView { return unitView(r) })
}

// unitListSpec is the unit list both directories share.
func unitListSpec(action string) api.ListSpec {
	return api.ListSpec{
		Object:      "unit",
		Action:      action,
		Sort:        map[string]string{"name": "name", "path": "path", "sort": "sort", "level": "level", "created": "created"},
		DefaultSort: "path",
		MaxPerPage:  500,
		Filters: []api.FilterParam{
			{Name: "q", Kind: api.FilterContains, Columns: []string{"name", "short"}},
			{Name: "parent", Kind: api.FilterEq, Columns: []string{"parent"}},
			{Name: "id", Kind: api.FilterIn, Columns: []string{"id"}},
			{Name: "path", Kind: api.FilterIn, Columns: []string{"path"}}, // a unit's ancestors, by their paths
			{Name: "level", Kind: api.FilterEq, Columns: []string{"level"}},
			{Name: "kind", Kind: api.FilterEq, Columns: []string{"kind"}},
			{Name: "system", Kind: api.FilterEq, Columns: []string{"system"}},
		},
	}
}
