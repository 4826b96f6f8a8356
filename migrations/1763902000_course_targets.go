package migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"
)

func init() {
	m.Register(upCourseTargets, downCourseTargets)
}

// upCourseTargets adds course_targets: each course's audience flattened
// into rows (hooks/training/targets.go keeps them in the course's own
// transaction), so the catalog finds "courses offered to me" by index —
// the person's unit and the units above it, their id — instead of reading
// every course's audience JSON. grp "in" rows are the picks (unit,
// subtree, user) and the narrowing (level, system, role); grp "out" the
// exclusions (unit, subtree, user). Units are kept by id, not path, so a
// unit moved since keeps its place, as audience.Where has it. Existing
// courses are flattened here from their stored audience.
func upCourseTargets(app core.App) error {
	c := core.NewBaseCollection("course_targets")
	c.Fields.Add(
		&core.TextField{Name: "course", Required: true, Max: 15},
		&core.SelectField{Name: "grp", Required: true, MaxSelect: 1, Values: []string{"in", "out"}},
		&core.SelectField{Name: "kind", Required: true, MaxSelect: 1, Values: []string{"unit", "subtree", "user", "level", "system", "role"}},
		&core.TextField{Name: "value", Required: true, Max: 100},
	)
	c.AddIndex("idx_course_targets_find", false, "kind, value, grp, course", "")
	c.AddIndex("idx_course_targets_course", false, "course, kind, grp", "")
	if err := app.Save(c); err != nil {
		return err
	}
	for _, q := range []string{
		`INSERT INTO course_targets (course, grp, kind, value)
			SELECT c.id, 'in', CASE WHEN json_extract(j.value, '$.subtree') THEN 'subtree' ELSE 'unit' END, json_extract(j.value, '$.id')
			FROM courses c, json_each(c.audience, '$.units') j WHERE j.type = 'object'`,
		`INSERT INTO course_targets (course, grp, kind, value)
			SELECT c.id, 'out', CASE WHEN json_extract(j.value, '$.subtree') THEN 'subtree' ELSE 'unit' END, json_extract(j.value, '$.id')
			FROM courses c, json_each(c.audience, '$.exclude_units') j WHERE j.type = 'object'`,
		`INSERT INTO course_targets (course, grp, kind, value)
			SELECT DISTINCT c.id, 'in', k.kind, j.value FROM courses c,
			(SELECT 'user' AS kind, '$.users' AS p UNION ALL SELECT 'level', '$.levels' UNION ALL SELECT 'system', '$.systems'
			 UNION ALL SELECT 'role', '$.roles') k, json_each(c.audience, k.p) j WHERE j.type = 'text'`,
		`INSERT INTO course_targets (course, grp, kind, value)
			SELECT DISTINCT c.id, 'out', 'user', j.value FROM courses c, json_each(c.audience, '$.exclude_users') j WHERE j.type = 'text'`,
	} {
		if _, err := app.DB().NewQuery(q).Execute(); err != nil {
			return err
		}
	}
	return nil
}

func downCourseTargets(app core.App) error {
	return dropCollections(app, "course_targets")
}
