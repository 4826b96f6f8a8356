package training

import (
	"fmt"
	"math"
	"net/http"
	"strconv"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"govcollab/hooks/api"
	"govcollab/hooks/notify"
	"govcollab/hooks/org"
	"govcollab/migrations"
	"govcollab/policies"
)

// Rollup is one unit's (subtree's) standing for a year.
type Rollup struct {
	Unit     string  `json:"unit"`
	Name     string  `json:"name"`
	People   int     `json:"people"`
	Met      int     `json:"met"`
	Behind   int     `json:"behind"`
	Hours    float64 `json:"hours"`
	Required float64 `json:"required"`
	Rate     float64 `json:"rate"` // met / people, 0..1
}

// Compliance is GET /api/gov/training/compliance: a unit's subtree in all,
// the people of the unit itself, and each child unit's subtree (drill down
// by asking again with unit=child), hours by category, weeks left.
type Compliance struct {
	Year       int                `json:"year"`
	WeeksLeft  int                `json:"weeks_left"`
	Total      Rollup             `json:"total"`
	Own        Rollup             `json:"own"`
	Children   []Rollup           `json:"children"`
	ByCategory map[string]float64 `json:"by_category"`
}

// HandleCompliance is GET /api/gov/training/compliance?year=&unit=: for
// leaders and hr, their subtree's standing (default: the caller's unit);
// a unit outside what they oversee is 404.
func (m *Module) HandleCompliance(e *core.RequestEvent) error {
	s, year, unit, err := m.complianceScope(e)
	if err != nil {
		return err
	}
	out, err := m.Rollups(e.App, s, year, unit)
	if err != nil {
		return err
	}
	return e.JSON(http.StatusOK, out)
}

// Rollups computes a Compliance for unit's subtree, through s's policy
// Filter: one pass over the year's training_totals rows (one per person)
// in the rollup index, grouped by unit path as read, however many credits
// lie behind them; the units are then added up their tree in Go.
func (m *Module) Rollups(app core.App, s *policies.Subject, year int, unit *core.Record) (*Compliance, error) {
	path := unit.GetString("path")
	inTree := dbx.NewExp("[[unit_path]] >= {:lo} AND [[unit_path]] < {:hi}", dbx.Params{"lo": path, "hi": policies.PathUpperBound(path)})
	cols := []string{"unit_path", "COUNT(*) AS people", "COALESCE(SUM(met), 0) AS met", "COALESCE(SUM(hours), 0) AS hours",
		"COALESCE(SUM(required), 0) AS required"}
	for _, c := range migrations.CourseCategories {
		cols = append(cols, "COALESCE(SUM([["+migrations.TotalsCategoryColumns[c]+"]]), 0) AS [["+migrations.TotalsCategoryColumns[c]+"]]")
	}
	var groups []dbx.NullStringMap
	err := app.DB().Select(cols...).From(TotalsTable).
		Where(dbx.And(dbx.HashExp{"year": year}, inTree, m.app.Authz.Filter(s, "read", "training_total"))).
		GroupBy("unit_path").All(&groups)
	if err != nil {
		return nil, err
	}
	// each unit of the subtree: the child of unit it lies under
	var units []struct {
		ID   string `db:"id"`
		Path string `db:"path"`
		Name string `db:"name"`
	}
	if err := app.DB().Select("id", "path", "name").From("units").Where(dbx.NewExp("path >= {:lo} AND path < {:hi}",
		dbx.Params{"lo": path, "hi": policies.PathUpperBound(path)})).OrderBy("path").All(&units); err != nil {
		return nil, err
	}
	childLen := len(path) + org.SegmentWidth + 1
	kids := map[string]*Rollup{} // by the child's path
	var order []string
	for _, u := range units {
		if len(u.Path) == childLen {
			kids[u.Path] = &Rollup{Unit: u.ID, Name: u.Name}
			order = append(order, u.Path)
		}
	}
	out := &Compliance{Year: year, WeeksLeft: m.weeksLeft(year), Children: []Rollup{}, ByCategory: map[string]float64{}}
	out.Total = Rollup{Unit: unit.Id, Name: unit.GetString("name")}
	out.Own = out.Total
	num := func(g dbx.NullStringMap, k string) float64 {
		f, _ := strconv.ParseFloat(g[k].String, 64)
		return f
	}
	for _, g := range groups {
		people, met := int(num(g, "people")), int(num(g, "met"))
		add := func(r *Rollup) {
			r.People += people
			r.Met += met
			r.Hours += num(g, "hours")
			r.Required += num(g, "required")
		}
		add(&out.Total)
		if p := g["unit_path"].String; len(p) >= childLen && kids[p[:childLen]] != nil {
			add(kids[p[:childLen]])
		} else {
			add(&out.Own) // people of the unit itself
		}
		for _, c := range migrations.CourseCategories {
			if h := num(g, migrations.TotalsCategoryColumns[c]); h != 0 {
				out.ByCategory[c] += h
			}
		}
	}
	for _, p := range order {
		out.Children = append(out.Children, finish(*kids[p]))
	}
	out.Total, out.Own = finish(out.Total), finish(out.Own)
	for c, h := range out.ByCategory {
		out.ByCategory[c] = math.Round(h*10) / 10
	}
	return out, nil
}

func finish(r Rollup) Rollup {
	r.Behind = r.People - r.Met
	if r.People > 0 {
		r.Rate = math.Round(float64(r.Met)/float64(r.People)*1000) / 1000
	}
	r.Hours = math.Round(r.Hours*10) / 10
	return r
}

// weeksLeft in year from now (0 once it is over; 52 before it starts).
func (m *Module) weeksLeft(year int) int {
	now := m.now().In(api.Shanghai)
	end := time.Date(year+1, 1, 1, 0, 0, 0, 0, api.Shanghai)
	if !now.Before(end) {
		return 0
	}
	if now.Year() < year {
		return 52
	}
	return int(math.Ceil(end.Sub(now).Hours() / (24 * 7)))
}

// Standing is one person's year as the compliance list shows it.
type Standing struct {
	User       string             `json:"user"`
	Name       string             `json:"name"`
	UnitName   string             `json:"unit_name"`
	Hours      float64            `json:"hours"`
	Required   float64            `json:"required"`
	Met        bool               `json:"met"`
	Short      float64            `json:"short"` // hours still missing of the total
	ByCategory map[string]float64 `json:"by_category"`
}

var standingsSpec = api.ListSpec{
	Object:      "training_total",
	Sort:        map[string]string{"hours": "hours", "unit_path": "unit_path"},
	DefaultSort: "hours",
	Filters:     []api.FilterParam{{Name: "met", Kind: api.FilterBool, Columns: []string{"met"}}},
}

// HandleStandings is GET /api/gov/training/compliance/people?year=&unit=
// &met=false: the people of a subtree the caller oversees with their
// hours against their requirement (default order: fewest hours first, so
// who is behind comes first).
func (m *Module) HandleStandings(e *core.RequestEvent) error {
	_, year, unit, err := m.complianceScope(e) // api.List applies the policy itself
	if err != nil {
		return err
	}
	path := unit.GetString("path")
	spec := standingsSpec
	spec.Where = dbx.And(dbx.HashExp{"year": year},
		dbx.NewExp("unit_path >= {:slo} AND unit_path < {:shi}", dbx.Params{"slo": path, "shi": policies.PathUpperBound(path)}))
	nm := api.NewNames(e.App)
	return api.List(m.app, e, spec, func(_ *policies.Subject, r *core.Record) Standing {
		by := map[string]float64{}
		_ = r.UnmarshalJSONField("by_category", &by)
		return Standing{User: r.GetString("user"), Name: nm.Of("users", r.GetString("user")), UnitName: nm.Of("units", r.GetString("unit")),
			Hours: r.GetFloat("hours"), Required: r.GetFloat("required"), Met: r.GetBool("met"),
			Short: math.Max(0, r.GetFloat("required")-r.GetFloat("hours")), ByCategory: by}
	})
}

// HandleRemind is POST /api/gov/training/compliance/remind?year=&unit=:
// every person of the subtree (the caller oversees) who is behind is told,
// by a notification, how many hours they still need and how many weeks are
// left; audited with the number reminded. → {reminded}.
func (m *Module) HandleRemind(e *core.RequestEvent) error {
	s, year, unit, err := m.complianceScope(e)
	if err != nil {
		return err
	}
	weeks := m.weeksLeft(year)
	if weeks == 0 {
		return api.Conflict(fmt.Sprintf("%d 年度已结束，不再提醒", year))
	}
	path := unit.GetString("path")
	var behind []*core.Record
	if err := e.App.RecordQuery(TotalsTable).Where(dbx.And(m.app.Authz.Filter(s, "read", "training_total"),
		dbx.HashExp{"year": year, "met": false},
		dbx.NewExp("unit_path >= {:lo} AND unit_path < {:hi}", dbx.Params{"lo": path, "hi": policies.PathUpperBound(path)}))).
		All(&behind); err != nil {
		return err
	}
	_, err = m.app.ApplyAs(e, "training.remind", func(tx core.App, c *api.Change) error {
		for _, t := range behind {
			body := fmt.Sprintf("您 %d 年度已累计 %.1f 学时，要求 %.1f 学时", year, t.GetFloat("hours"), t.GetFloat("required"))
			if short := t.GetFloat("required") - t.GetFloat("hours"); short > 0 {
				body += fmt.Sprintf("，尚差 %.1f 学时", short)
			} else {
				body += "，总学时已够，但有类别学时未达要求"
			}
			body += fmt.Sprintf("；距年底还有 %d 周，请及时报名参加培训。", weeks)
			if err := notify.Send(tx, []string{t.GetString("user")}, notify.Note{Kind: "training.behind",
				Title: "学时提醒：" + strconv.Itoa(year) + " 年度学时未达标", Body: body, Link: "#/training/me"}); err != nil {
				return err
			}
		}
		c.Object, c.After = "units/"+unit.Id, map[string]any{"year": year, "reminded": len(behind)}
		return nil
	})
	if err != nil {
		return err
	}
	return e.JSON(http.StatusOK, map[string]any{"reminded": len(behind), "weeks_left": weeks})
}
