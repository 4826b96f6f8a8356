package training

import (
	"fmt"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"govcollab/hooks/api"
	"govcollab/hooks/audit"
	"govcollab/hooks/export"
	"govcollab/migrations"
	"govcollab/policies"
)

// complianceScope reads what every compliance route asks: the caller
// (403 without any standing to read), ?year= (default this year) and
// ?unit= (default the caller's), 404 unless the caller oversees the
// unit's standings.
func (m *Module) complianceScope(e *core.RequestEvent) (*policies.Subject, int, *core.Record, error) {
	s, err := m.app.Require(e, "read", "training_total")
	if err != nil {
		return nil, 0, nil, err
	}
	year, err := m.yearParam(e)
	if err != nil {
		return nil, 0, nil, err
	}
	unit, err := m.complianceUnit(e, s)
	return s, year, unit, err
}

// complianceUnit is the unit a compliance request names (default: the
// caller's), 404 unless the caller oversees its standings.
func (m *Module) complianceUnit(e *core.RequestEvent, s *policies.Subject) (*core.Record, error) {
	unitID := e.Request.URL.Query().Get("unit")
	if unitID == "" {
		unitID = s.Unit.ID
	}
	unit, err := e.App.FindRecordById("units", unitID)
	if err != nil {
		return nil, api.NotFound()
	}
	// what the caller may read of a standing at the unit, of no one in particular
	col, err := e.App.FindCachedCollectionByNameOrId(TotalsTable)
	if err != nil {
		return nil, err
	}
	at := core.NewRecord(col)
	at.Load(map[string]any{"unit": unit.Id, "unit_path": unit.GetString("path")})
	if ok, _ := m.app.Authz.Can(s, "read", at); !ok {
		return nil, api.NotFound()
	}
	return unit, nil
}

// HandleComplianceExport is GET /api/gov/training/compliance/export?year=
// &unit=&format=xlsx|csv: the rollup by unit and every person of the
// subtree with their hours, requirement and categories, Chinese headers;
// audited.
func (m *Module) HandleComplianceExport(e *core.RequestEvent) error {
	s, year, unit, err := m.complianceScope(e)
	if err != nil {
		return err
	}
	format, err := export.Format(e)
	if err != nil {
		return err
	}
	c, err := m.Rollups(e.App, s, year, unit)
	if err != nil {
		return err
	}
	units := export.Sheet{Name: "单位汇总", Header: []string{"单位", "人数", "达标人数", "未达标人数", "达标率", "总学时", "人均学时"}}
	row := func(r Rollup) []any {
		avg := 0.0
		if r.People > 0 {
			avg = float64(int(r.Hours/float64(r.People)*10+0.5)) / 10
		}
		return []any{r.Name, r.People, r.Met, r.Behind, fmt.Sprintf("%.1f%%", r.Rate*100), r.Hours, avg}
	}
	units.Rows = append(units.Rows, row(c.Total))
	if c.Own.People > 0 {
		own := c.Own
		own.Name += "（本级）"
		units.Rows = append(units.Rows, row(own))
	}
	for _, k := range c.Children {
		units.Rows = append(units.Rows, row(k))
	}
	people := export.Sheet{Name: "人员学时", Header: append([]string{"姓名", "用户名", "单位", "职级", "学时", "要求学时", "是否达标"},
		migrations.CourseCategories...)}
	var rows []dbx.NullStringMap
	cols := []string{"u.name AS name", "u.username AS username", "n.name AS unit_name", "u.rank AS user_rank", "training_totals.hours AS hours",
		"training_totals.required AS required", "training_totals.met AS met"}
	for _, cat := range migrations.CourseCategories {
		cols = append(cols, "training_totals."+migrations.TotalsCategoryColumns[cat]+" AS "+migrations.TotalsCategoryColumns[cat])
	}
	path := unit.GetString("path")
	// the table by its name: the policy's Filter names its columns so
	err = e.App.DB().Select(cols...).From(TotalsTable).
		InnerJoin("users u", dbx.NewExp("u.id = training_totals.user")).LeftJoin("units n", dbx.NewExp("n.id = training_totals.unit")).
		Where(dbx.And(dbx.NewExp("training_totals.year = {:y} AND training_totals.unit_path >= {:lo} AND training_totals.unit_path < {:hi}",
			dbx.Params{"y": year, "lo": path, "hi": policies.PathUpperBound(path)}),
			m.app.Authz.Filter(s, "read", "training_total"))).
		OrderBy("training_totals.unit_path", "u.username").All(&rows)
	if err != nil {
		return err
	}
	for _, r := range rows {
		met := "否"
		if r["met"].String == "1" || r["met"].String == "true" {
			met = "是"
		}
		line := []any{r["name"].String, r["username"].String, r["unit_name"].String, r["user_rank"].String,
			num(r["hours"].String), num(r["required"].String), met}
		for _, cat := range migrations.CourseCategories {
			line = append(line, num(r[migrations.TotalsCategoryColumns[cat]].String))
		}
		people.Rows = append(people.Rows, line)
	}
	if _, err := m.audit.LogRequest(e, audit.Entry{Action: "training.export", Object: "units/" + unit.Id,
		Result: audit.ResultOK, Detail: fmt.Sprintf("%d %s", year, format)}); err != nil {
		return err
	}
	return export.Write(e, fmt.Sprintf("学时达标情况-%s-%d", unit.GetString("name"), year), format, units, people)
}

func num(s string) float64 {
	var f float64
	fmt.Sscan(s, &f)
	return f
}
