package training

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"govcollab/hooks/audience"
	"govcollab/policies"
)

// TargetsTable holds each course's audience flattened into rows
// (migrations/1763902000_course_targets.go).
const TargetsTable = "course_targets"

// bindTargets keeps course_targets in step with every save of a course,
// in the save's own transaction — whoever saves it (the API, the seed).
func (m *Module) bindTargets(app core.App) {
	keep := func(e *core.RecordEvent) error {
		if err := e.Next(); err != nil {
			return err
		}
		var a audience.Audience
		if err := e.Record.UnmarshalJSONField("audience", &a); err != nil {
			return err
		}
		return writeTargets(e.App, e.Record.Id, &a)
	}
	app.OnRecordCreateExecute(CoursesTable).BindFunc(keep)
	app.OnRecordUpdateExecute(CoursesTable).BindFunc(keep)
	app.OnRecordDeleteExecute(CoursesTable).BindFunc(func(e *core.RecordEvent) error {
		if err := e.Next(); err != nil {
			return err
		}
		_, err := e.App.DB().Delete(TargetsTable, dbx.HashExp{"course": e.Record.Id}).Execute()
		return err
	})
}

// writeTargets replaces course's rows with those of a.
func writeTargets(tx core.App, course string, a *audience.Audience) error {
	if _, err := tx.DB().Delete(TargetsTable, dbx.HashExp{"course": course}).Execute(); err != nil {
		return err
	}
	add := func(grp, kind, value string) error {
		_, err := tx.DB().Insert(TargetsTable, dbx.Params{"course": course, "grp": grp, "kind": kind, "value": value}).Execute()
		return err
	}
	sels := func(grp string, list []audience.UnitSel) error {
		for _, s := range list {
			kind := "unit"
			if s.Subtree {
				kind = "subtree"
			}
			if err := add(grp, kind, s.ID); err != nil {
				return err
			}
		}
		return nil
	}
	if err := sels("in", a.Units); err != nil {
		return err
	}
	if err := sels("out", a.ExcludeUnits); err != nil {
		return err
	}
	for _, l := range []struct {
		grp, kind string
		values    []string
	}{{"in", "user", a.Users}, {"in", "level", a.Levels}, {"in", "system", a.Systems}, {"in", "role", a.Roles}, {"out", "user", a.ExcludeUsers}} {
		for _, v := range audience.Dedupe(l.values) {
			if err := add(l.grp, l.kind, v); err != nil {
				return err
			}
		}
	}
	return nil
}

// inAudience is the SQL condition, over courses, "the course's audience
// includes person s" — the same rule as audience.Where, read from
// course_targets: a pick of their unit (or a subtree above it), narrowed
// by levels, systems and roles where the course names some, or the person
// by name; minus excluded units and people. Candidates are found by index
// from the person's unit, the units above it and their id.
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
	var roles []string
	_ = json.Unmarshal([]byte(me.Roles), &roles)
	for _, r := range roles {
		if r == "sysadmin" || r == "secadmin" || r == "auditor" {
			return dbx.NewExp("0=1"), nil // 三员 are in no audience
		}
	}
	// the person's unit and every unit above it, by their current paths
	var above []string
	if err := app.DB().NewQuery("SELECT id FROM units WHERE substr({:p}, 1, length(path)) = path").
		Bind(dbx.Params{"p": s.Unit.Path}).Column(&above); err != nil {
		return nil, err
	}
	k := audience.Param()
	p := dbx.Params{k + "u": s.Unit.ID, k + "l": me.Level, k + "s": me.System, k + "me": s.ID}
	list := func(name string, values []string) string {
		var keys []string
		for i, v := range values {
			key := fmt.Sprintf("%s%s%d", k, name, i)
			p[key] = v
			keys = append(keys, "{:"+key+"}")
		}
		if len(keys) == 0 {
			return "NULL"
		}
		return strings.Join(keys, ", ")
	}
	units := fmt.Sprintf(`(t.kind = 'unit' AND t.value = {:%su} OR t.kind = 'subtree' AND t.value IN (%s))`, k, list("a", above))
	narrow := func(kind, in string) string {
		return fmt.Sprintf(`(NOT EXISTS (SELECT 1 FROM course_targets n WHERE n.course = t.course AND n.kind = '%s')
			OR EXISTS (SELECT 1 FROM course_targets n WHERE n.course = t.course AND n.kind = '%s' AND n.value IN (%s)))`, kind, kind, in)
	}
	sql := fmt.Sprintf(`courses.id IN (
		SELECT t.course FROM course_targets t WHERE t.grp = 'in' AND %s AND %s AND %s AND %s
		UNION SELECT t.course FROM course_targets t WHERE t.grp = 'in' AND t.kind = 'user' AND t.value = {:%sme})
		AND courses.id NOT IN (SELECT t.course FROM course_targets t WHERE t.grp = 'out' AND (%s OR t.kind = 'user' AND t.value = {:%sme}))`,
		units, narrow("level", "{:"+k+"l}"), narrow("system", "{:"+k+"s}"), narrow("role", list("r", roles)), k, units, k)
	return dbx.NewExp(sql, p), nil
}
