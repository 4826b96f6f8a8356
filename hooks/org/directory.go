package org

import (
	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"govcollab/hooks/api"
	"govcollab/policies"
)

// Person is an entry of the staff directory (通讯录): who, where, what
// position, and how to reach them — the phone masked unless the policy
// lets the viewer see it.
type Person struct {
	ID       string `json:"id"`
	Username string `json:"username"`
	Name     string `json:"name"`
	Unit     string `json:"unit"`
	UnitName string `json:"unit_name"`
	Position string `json:"position"`
	Rank     string `json:"rank"`
	Email    string `json:"email"`
	Phone    string `json:"phone"`
}

var directorySpec = api.ListSpec{
	Object:      "user",
	Sort:        map[string]string{"name": "name", "unit_path": "unit_path", "username": "username"},
	DefaultSort: "unit_path,name",
	MaxPerPage:  100,
	Filters: []api.FilterParam{
		{Name: "q", Kind: api.FilterContains, Columns: []string{"name", "username", "position"}},
		{Name: "unit", Kind: api.FilterEq, Columns: []string{"unit"}},
	},
	// active people only; the three administrators are not colleagues one
	// sends work to
	Where: dbx.And(dbx.HashExp{"active": true}, NotAdmin()),
}

// NotAdmin is the condition over users that leaves out the three separated
// administrators (三员), who hold no business content: not in audiences,
// workflows or the directory. roles is a JSON array of plain role names, so
// a quoted name matches exactly one element (and LIKE reads it far faster
// than json_each over a hundred thousand people).
func NotAdmin() dbx.Expression {
	return dbx.NewExp(`users.roles NOT LIKE '%"sysadmin"%' AND users.roles NOT LIKE '%"secadmin"%' AND users.roles NOT LIKE '%"auditor"%'`)
}

// HandleDirectory is GET /api/gov/users?q=&unit=: the staff directory, for
// finding colleagues and picking people (notice audiences, 转办, 加签).
func (m *Module) HandleDirectory(e *core.RequestEvent) error {
	nm := api.NewNames(e.App)
	return api.List(m.app, e, directorySpec, func(s *policies.Subject, r *core.Record) Person {
		v := NewUserView(m.app, s, r)
		return Person{ID: v.ID, Username: v.Username, Name: v.Name, Unit: v.Unit, UnitName: nm.Of("units", v.Unit),
			Position: v.Position, Rank: v.Rank, Email: v.Email, Phone: v.Phone}
	})
}
