package org

// The org admin API (/api/gov/admin/...) for the three separated
// administrators. Every handler first asks the policy whether the caller's
// roles may do this kind of thing at all (403), then decodes and validates
// the body, then checks the one object with Can (404 when denied), and makes
// the change through Apply so that it is audited in the same transaction.

import (
	"github.com/pocketbase/pocketbase/core"

	"govcollab/hooks/api"
	"govcollab/policies"
)

// Reasons recorded on sessions ended by an admin change.
const (
	endDeactivated  = "account_deactivated"
	endRolesChanged = "roles_changed"
	endMoved        = "unit_changed"
	endGrantCreated = "grant_created"
	endGrantRevoked = "grant_revoked"
)

// loadFor returns the record table/id if s may do act on it; a missing or
// denied record is the same 404.
func (m *Module) loadFor(s *policies.Subject, act, table, id string) (*core.Record, error) {
	rec, err := m.app.FindRecordById(table, id)
	if err != nil {
		return nil, api.NotFound()
	}
	if ok, _ := m.app.Authz.Can(s, act, rec); !ok {
		return nil, api.NotFound()
	}
	return rec, nil
}

// refLoadFor reads a record the body refers to (a parent unit, a target
// unit): missing or denied is a 400 on field with the same message, so the
// answer does not tell the two apart.
func (m *Module) refLoadFor(s *policies.Subject, act, table, id, field, msg string) (*core.Record, error) {
	rec, err := m.app.FindRecordById(table, id)
	if err != nil {
		return nil, api.BadField(field, "not_found", msg)
	}
	if ok, _ := m.app.Authz.Can(s, act, rec); !ok {
		return nil, api.BadField(field, "not_found", msg)
	}
	return rec, nil
}

// within checks the result of a change: a record that the change put outside
// what s may do act on is refused on field, which (returned inside Apply)
// rolls the change back.
func (m *Module) within(s *policies.Subject, act string, rec *core.Record, field, msg string) error {
	if ok, _ := m.app.Authz.Can(s, act, rec); !ok {
		return api.BadField(field, "not_found", msg)
	}
	return nil
}

// userAudit is a user as the audit log records it: no personal numbers.
type userAudit struct {
	ID       string   `json:"id"`
	Username string   `json:"username"`
	Name     string   `json:"name"`
	Unit     string   `json:"unit"`
	UnitPath string   `json:"unit_path"`
	Roles    []string `json:"roles"`
	Active   bool     `json:"active"`
}

func auditUser(r *core.Record) userAudit {
	return userAudit{ID: r.Id, Username: r.GetString("username"), Name: r.GetString("name"),
		Unit: r.GetString("unit"), UnitPath: r.GetString("unit_path"),
		Roles: r.GetStringSlice("roles"), Active: r.GetBool("active")}
}
