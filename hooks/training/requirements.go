package training

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"govcollab/hooks/api"
	"govcollab/hooks/audience"
	"govcollab/migrations"
)

// RequirementsTable holds the annual hours required (学时要求).
const RequirementsTable = "training_requirements"

// Requirement is one rule: people holding Role (any when empty) at Rank
// (any when empty) need Hours in the year, in all (Category empty) or in
// one category.
type Requirement struct {
	Role     string  `json:"role"`
	Rank     string  `json:"rank"`
	Category string  `json:"category"`
	Hours    float64 `json:"hours"`
}

// specificity: a rule naming the rank beats one naming the role, which
// beats one naming neither.
func (r Requirement) specificity() int {
	n := 0
	if r.Rank != "" {
		n += 2
	}
	if r.Role != "" {
		n++
	}
	return n
}

func (r Requirement) applies(roles []string, rank string) bool {
	return (r.Role == "" || slices.Contains(roles, r.Role)) && (r.Rank == "" || r.Rank == rank)
}

// Need is what one person must reach in a year.
type Need struct {
	Hours      float64            `json:"hours"`
	ByCategory map[string]float64 `json:"by_category"`
}

// needFor resolves a person's need from the year's rules: for the total
// and for each category, the most specific rules that apply decide, and
// among equally specific ones the highest (a leader who is also staff owes
// the leader's hours).
func needFor(rules []Requirement, roles []string, rank string) Need {
	n := Need{ByCategory: map[string]float64{}}
	best := map[string]int{}
	for _, r := range rules {
		if !r.applies(roles, rank) {
			continue
		}
		sp, seen := best[r.Category]
		switch {
		case !seen || r.specificity() > sp:
			best[r.Category] = r.specificity()
			n.set(r.Category, r.Hours)
		case r.specificity() == sp:
			n.set(r.Category, max(n.get(r.Category), r.Hours))
		}
	}
	return n
}

func (n *Need) set(cat string, h float64) {
	if cat == "" {
		n.Hours = h
	} else {
		n.ByCategory[cat] = h
	}
}

func (n Need) get(cat string) float64 {
	if cat == "" {
		return n.Hours
	}
	return n.ByCategory[cat]
}

// met: the total and every category reached.
func (n Need) met(hours float64, by map[string]float64) bool {
	if hours+1e-9 < n.Hours {
		return false
	}
	for c, h := range n.ByCategory {
		if by[c]+1e-9 < h {
			return false
		}
	}
	return true
}

// rules are the year's requirement rows.
func rules(app core.App, year int) ([]Requirement, error) {
	var out []Requirement
	err := app.DB().Select("role", "rank", "category", "hours").From(RequirementsTable).
		Where(dbx.HashExp{"year": year}).OrderBy("category", "role", "rank").All(&out)
	return out, err
}

// HandleRequirements is GET /api/gov/training/requirements?year=: the
// year's rules (any signed-in user: everyone may know what is asked of
// them).
func (m *Module) HandleRequirements(e *core.RequestEvent) error {
	if e.Auth == nil {
		return api.Unauthenticated(e)
	}
	year, err := m.yearParam(e)
	if err != nil {
		return err
	}
	rs, err := rules(e.App, year)
	if err != nil {
		return err
	}
	if rs == nil {
		rs = []Requirement{}
	}
	return e.JSON(http.StatusOK, map[string]any{"year": year, "rows": rs})
}

// requirementsInput is the body of PUT /api/gov/training/requirements.
type requirementsInput struct {
	Year int           `json:"year"`
	Rows []Requirement `json:"rows"`
}

// HandleSetRequirements is PUT /api/gov/training/requirements {year,
// rows}: the year's rules replaced (hr at the province), and every
// person's standing for the year recomputed in the same transaction.
func (m *Module) HandleSetRequirements(e *core.RequestEvent) error {
	if _, err := m.app.Require(e, "manage", "training_requirement"); err != nil {
		return err
	}
	var in requirementsInput
	if err := api.DecodeJSON(e, &in); err != nil {
		return err
	}
	if in.Year < 2000 || in.Year > 2100 {
		return api.BadField("year", "invalid", "年度须在 2000–2100 之间")
	}
	if len(in.Rows) > 200 {
		return api.BadField("rows", "too_many", "学时要求最多 200 条")
	}
	seen := map[string]bool{}
	for i, r := range in.Rows {
		field := fmt.Sprintf("rows[%d]", i)
		r.Rank = strings.TrimSpace(r.Rank)
		in.Rows[i].Rank = r.Rank
		switch {
		case r.Role != "" && !slices.Contains(migrations.Roles, r.Role):
			return api.BadField(field+".role", "invalid", "角色不存在")
		case len([]rune(r.Rank)) > 50:
			return api.BadField(field+".rank", "too_long", "职级不能超过 50 个字")
		case r.Category != "" && !slices.Contains(migrations.CourseCategories, r.Category):
			return api.BadField(field+".category", "invalid", "培训类别不存在")
		case r.Hours < 0 || r.Hours > 1000:
			return api.BadField(field+".hours", "invalid", "学时须在 0–1000 之间")
		}
		key := r.Role + "\x00" + r.Rank + "\x00" + r.Category
		if seen[key] {
			return api.BadField(field, "duplicate", "同一角色、职级和类别只能有一条要求")
		}
		seen[key] = true
	}
	s, _ := m.app.Subject(e)
	_, err := m.app.ApplyAs(e, "training.requirements", func(tx core.App, c *api.Change) error {
		before, err := replaceRules(tx, in.Year, in.Rows, s.ID)
		if err != nil {
			return err
		}
		c.Object, c.Before, c.After = RequirementsTable+"/"+strconv.Itoa(in.Year), before, in.Rows
		return m.Standings(tx, in.Year)
	})
	if err != nil {
		return err
	}
	return e.JSON(http.StatusOK, map[string]any{"year": in.Year, "rows": in.Rows})
}

// replaceRules makes rows the year's rules (inside tx) and returns the
// rules they replace. Standings are the caller's to recompute.
func replaceRules(tx core.App, year int, rows []Requirement, by string) ([]Requirement, error) {
	before, err := rules(tx, year)
	if err != nil {
		return nil, err
	}
	if _, err := tx.DB().Delete(RequirementsTable, dbx.HashExp{"year": year}).Execute(); err != nil {
		return nil, err
	}
	col, err := tx.FindCachedCollectionByNameOrId(RequirementsTable)
	if err != nil {
		return nil, err
	}
	for _, r := range rows {
		rec := core.NewRecord(col)
		rec.Load(map[string]any{"year": year, "role": r.Role, "rank": r.Rank, "category": r.Category,
			"hours": r.Hours, "updated_by": by})
		if err := tx.Save(rec); err != nil {
			return nil, err
		}
	}
	return before, nil
}

func (m *Module) yearParam(e *core.RequestEvent) (int, error) {
	year := m.now().In(api.Shanghai).Year()
	if y := e.Request.URL.Query().Get("year"); y != "" {
		v, err := strconv.Atoi(y)
		if err != nil || v < 2000 || v > 2100 {
			return 0, api.BadField("year", "invalid", "年度格式不正确")
		}
		year = v
	}
	return year, nil
}

// person is what a standing needs of a user.
type person struct {
	ID       string `db:"id"`
	Unit     string `db:"unit"`
	UnitPath string `db:"unit_path"`
	Rank     string `db:"rank"`
	Roles    string `db:"roles"`
}

func (p person) roles() []string {
	var out []string
	for _, r := range strings.Split(strings.Trim(p.Roles, `[]`), ",") {
		if r = strings.Trim(strings.TrimSpace(r), `"`); r != "" {
			out = append(out, r)
		}
	}
	return out
}

// Standings gives every active person a row for year in training_totals
// (those without credits too: they are behind) with their unit, their
// need under the year's rules and whether they meet it; users narrows it
// to those people. Inside tx.
func (m *Module) Standings(tx core.App, year int, users ...string) error {
	rs, err := rules(tx, year)
	if err != nil {
		return err
	}
	q := tx.DB().Select("id", "unit", "unit_path", "rank", "roles").From("users").Where(dbx.HashExp{"active": true})
	if len(users) > 0 {
		q = q.AndWhere(dbx.In("id", audience.AnySlice(users)...))
	}
	var people []person
	if err := q.All(&people); err != nil {
		return err
	}
	type total struct {
		ID    string  `db:"id"`
		User  string  `db:"user"`
		Hours float64 `db:"hours"`
		By    string  `db:"by_category"`
	}
	totals := map[string]total{}
	var rows []total
	tq := tx.DB().Select("id", "user", "hours", "by_category").From(TotalsTable).Where(dbx.HashExp{"year": year})
	if len(users) > 0 {
		tq = tq.AndWhere(dbx.In("user", audience.AnySlice(users)...))
	}
	if err := tq.All(&rows); err != nil {
		return err
	}
	for _, r := range rows {
		totals[r.User] = r
	}
	// people without a row yet start from their approved credits (none, or
	// some earned before a deactivation took their row away)
	earned := map[string]map[string]float64{}
	if len(rows) < len(people) {
		cq := tx.DB().Select("user", "category", "SUM(hours) AS hours").From(CreditsTable).
			Where(dbx.HashExp{"year": year, "status": "approved"}).GroupBy("user", "category")
		if len(users) > 0 {
			cq = cq.AndWhere(dbx.In("user", audience.AnySlice(users)...))
		}
		var sums []struct {
			User     string  `db:"user"`
			Category string  `db:"category"`
			Hours    float64 `db:"hours"`
		}
		if err := cq.All(&sums); err != nil {
			return err
		}
		for _, c := range sums {
			if _, has := totals[c.User]; !has {
				if earned[c.User] == nil {
					earned[c.User] = map[string]float64{}
				}
				earned[c.User][c.Category] += c.Hours
			}
		}
	}
	catCols, catVals := "", ""
	for _, c := range migrations.CourseCategories {
		col := migrations.TotalsCategoryColumns[c]
		catCols += ", [[" + col + "]]"
		catVals += ", {:" + col + "}"
	}
	ins := tx.DB().NewQuery(`INSERT INTO training_totals (id, user, year, unit, unit_path, hours, by_category, required, met` + catCols + `)
		VALUES ({:id}, {:user}, {:year}, {:unit}, {:path}, {:hours}, {:by}, {:required}, {:met}` + catVals + `)`).Prepare()
	defer ins.Close()
	upd := tx.DB().NewQuery(`UPDATE training_totals SET unit = {:unit}, unit_path = {:path}, required = {:required}, met = {:met}
		WHERE id = {:id}`).Prepare()
	defer upd.Close()
	for _, p := range people {
		need := needFor(rs, p.roles(), p.Rank)
		t, ok := totals[p.ID]
		by := map[string]float64{}
		if ok {
			_ = json.Unmarshal([]byte(t.By), &by)
		} else if e := earned[p.ID]; e != nil {
			by = e
			for _, h := range e {
				t.Hours += h
			}
		}
		params := dbx.Params{"unit": p.Unit, "path": p.UnitPath, "required": need.Hours, "met": need.met(t.Hours, by)}
		if ok {
			params["id"] = t.ID
			_, err = upd.Bind(params).Execute()
		} else {
			raw, _ := json.Marshal(by)
			params["id"], params["user"], params["year"], params["hours"], params["by"] = core.GenerateDefaultRandomId(), p.ID, year, t.Hours, string(raw)
			for c, col := range migrations.TotalsCategoryColumns {
				params[col] = by[c]
			}
			_, err = ins.Bind(params).Execute()
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// standingFields are the users fields a standing depends on.
var standingFields = []string{"unit", "unit_path", "rank", "roles", "active"}

// bindStandings keeps this year's standings following people: a new or
// changed person (unit, rank, roles) is given their standing again, in the
// same transaction; a deactivated one leaves the rollups (their credits
// stay in the ledger and count again if they return).
func (m *Module) bindStandings(app core.App) {
	follow := func(e *core.RecordEvent) error {
		if err := e.Next(); err != nil {
			return err
		}
		r := e.Record
		if !r.IsNew() && !changedAny(r, standingFields) {
			return nil
		}
		year := m.now().In(api.Shanghai).Year()
		if !r.GetBool("active") {
			_, err := e.App.DB().Delete(TotalsTable, dbx.HashExp{"user": r.Id, "year": year}).Execute()
			return err
		}
		return m.Standings(e.App, year, r.Id)
	}
	app.OnRecordCreateExecute("users").BindFunc(follow)
	app.OnRecordUpdateExecute("users").BindFunc(follow)
}

func changedAny(r *core.Record, fields []string) bool {
	o := r.Original()
	for _, f := range fields {
		if fmt.Sprint(r.Get(f)) != fmt.Sprint(o.Get(f)) {
			return true
		}
	}
	return false
}
