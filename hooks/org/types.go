// Package org owns the organization: the unit tree (块 levels and 条 systems),
// user accounts, roles and grants (兼职/挂职/代理), the current user (/me),
// the org admin API and the demo province.
package org

import (
	"govcollab/hooks/security"
	"govcollab/migrations"
	"govcollab/policies"
)

// Roles known to the policy.
var Roles = migrations.Roles

// Levels of the unit tree, top down.
var Levels = security.UnitLevels

// LevelNames are the UI words for Levels.
var LevelNames = map[string]string{"province": "省级", "city": "市级", "county": "县级", "township": "乡镇级"}

// Kinds of unit: a people's government, its general office, or a department.
var Kinds = []string{"government", "office", "department"}

// Three separated administrators (三员): one account holds at most one.
var SeparatedAdmins = []string{"sysadmin", "secadmin", "auditor"}

// ObjectTypes are the policy objects this package owns.
func ObjectTypes() []policies.ObjectType {
	return []policies.ObjectType{
		{
			Name: "unit", Table: "units", Actions: []string{"read", "manage"},
			Unit: "id", UnitPath: "path", System: "system",
			CondFields: []string{"level", "kind", "system"},
		},
		{
			Name: "user", Table: "users", Actions: []string{"read", "manage", "assign", "unmask", "unlock"},
			Owner: "id", Unit: "unit", UnitPath: "unit_path",
			CondFields: []string{"rank"},
		},
		{
			Name: "grant", Table: "grants", Actions: []string{"read", "manage"},
			Owner: "user", Unit: "unit",
			CondFields: []string{"role", "kind"},
		},
		{
			Name: "policy", Table: "policy_versions", Actions: []string{"read", "manage"},
		},
	}
}

func levelIndex(level string) int {
	for i, l := range Levels {
		if l == level {
			return i
		}
	}
	return -1
}
