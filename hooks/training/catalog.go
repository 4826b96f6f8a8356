package training

import (
	"fmt"
	"strings"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"govcollab/hooks/audience"
	"govcollab/policies"
)

// inAudience is the SQL condition, over courses, "the stored audience of
// the course includes person s": the unit picks (by the units' current
// paths), narrowed by levels, systems and roles, or a named person; minus
// excluded units and people — the same rule as audience.Where, read from
// the course's normalized audience JSON so the catalog filters in SQL.
func inAudience(app core.App, s *policies.Subject) (dbx.Expression, error) {
	var me struct {
		Level  string `db:"level"`
		System string `db:"system"`
		Roles  string `db:"roles"`
	}
	err := app.DB().NewQuery(`SELECT units.level, units.system, users.roles FROM users JOIN units ON units.id = users.unit
		WHERE users.id = {:id}`).Bind(dbx.Params{"id": s.ID}).One(&me)
	if err != nil {
		return nil, err
	}
	for _, r := range []string{"sysadmin", "secadmin", "auditor"} {
		if strings.Contains(me.Roles, `"`+r+`"`) {
			return dbx.NewExp("0=1"), nil // 三员 are in no audience
		}
	}
	k := audience.Param()
	p := dbx.Params{k + "u": s.Unit.ID, k + "p": s.Unit.Path, k + "l": me.Level, k + "s": me.System, k + "r": me.Roles, k + "me": s.ID}
	// a unit pick: the unit itself, or its subtree by its current path
	pick := func(list string) string {
		return fmt.Sprintf(`EXISTS (SELECT 1 FROM json_each(courses.audience, '$.%s') sel JOIN units pu ON pu.id = json_extract(sel.value, '$.id')
			WHERE pu.id = {:%su} OR (json_extract(sel.value, '$.subtree') AND substr({:%sp}, 1, length(pu.path)) = pu.path))`, list, k, k)
	}
	narrow := func(list, param string) string {
		return fmt.Sprintf(`(json_array_length(courses.audience, '$.%s') IS NULL OR json_array_length(courses.audience, '$.%s') = 0
			OR EXISTS (SELECT 1 FROM json_each(courses.audience, '$.%s') WHERE value = {:%s%s}))`, list, list, list, k, param)
	}
	roles := fmt.Sprintf(`(json_array_length(courses.audience, '$.roles') IS NULL OR json_array_length(courses.audience, '$.roles') = 0
		OR EXISTS (SELECT 1 FROM json_each(courses.audience, '$.roles') ar, json_each({:%sr}) mr WHERE ar.value = mr.value))`, k)
	named := func(list string) string {
		return fmt.Sprintf(`EXISTS (SELECT 1 FROM json_each(courses.audience, '$.%s') WHERE value = {:%sme})`, list, k)
	}
	sql := fmt.Sprintf(`(((%s AND %s AND %s AND %s) OR %s) AND NOT %s AND NOT %s)`,
		pick("units"), narrow("levels", "l"), narrow("systems", "s"), roles, named("users"), pick("exclude_units"), named("exclude_users"))
	return dbx.NewExp(sql, p), nil
}
