package training

import (
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"

	"govcollab/hooks/api"
	"govcollab/migrations"
	"govcollab/policies"
)

// CreditInput is one credit of the ledger (学时台账).
type CreditInput struct {
	User, Source, Category, Title, Course, Issuer, Certificate, Note string
	Hours                                                            float64
	Year                                                             int
	EarnedAt                                                         time.Time
	Status                                                           string // approved (course, manual) or pending (external)
}

// Credit writes a credit and, when approved, adds it to the person's year
// in training_totals — inside tx. A course credits a person at most once:
// a second call for the same course and person returns the existing row.
func (m *Module) Credit(tx core.App, in CreditInput) (*core.Record, error) {
	if in.Course != "" {
		if prev, err := tx.FindFirstRecordByFilter(CreditsTable, "course = {:c} && user = {:u}",
			dbx.Params{"c": in.Course, "u": in.User}); err == nil {
			if prev.GetString("status") == "revoked" { // attended again after a correction
				prev.Set("status", "approved")
				if err := tx.Save(prev); err != nil {
					return nil, err
				}
				return prev, m.addTotal(tx, prev, 1)
			}
			return prev, nil
		}
	}
	user, err := tx.FindRecordById("users", in.User)
	if err != nil {
		return nil, err
	}
	col, err := tx.FindCachedCollectionByNameOrId(CreditsTable)
	if err != nil {
		return nil, err
	}
	earned, _ := types.ParseDateTime(in.EarnedAt.UTC())
	if in.Status == "" {
		in.Status = "approved"
	}
	r := core.NewRecord(col)
	r.Load(map[string]any{"user": user.Id, "unit": user.GetString("unit"), "unit_path": user.GetString("unit_path"),
		"year": in.Year, "hours": in.Hours, "category": in.Category, "source": in.Source, "status": in.Status,
		"course": in.Course, "title": in.Title, "issuer": in.Issuer, "certificate": in.Certificate, "note": in.Note,
		"earned_at": earned})
	if err := tx.Save(r); err != nil {
		return nil, err
	}
	if in.Status == "approved" {
		return r, m.addTotal(tx, r, 1)
	}
	return r, nil
}

// Revoke withdraws an approved credit (attendance corrected away),
// taking its hours off the person's year.
func (m *Module) Revoke(tx core.App, creditID, reason string) error {
	r, err := tx.FindRecordById(CreditsTable, creditID)
	if err != nil || r.GetString("status") != "approved" {
		return err
	}
	r.Set("status", "revoked")
	r.Set("note", reason)
	if err := tx.Save(r); err != nil {
		return err
	}
	return m.addTotal(tx, r, -1)
}

// addTotal adds (sign 1) or takes off (-1) credit r in its person's
// training_totals row of its year, creating the row on first use.
func (m *Module) addTotal(tx core.App, r *core.Record, sign float64) error {
	user, year := r.GetString("user"), r.GetInt("year")
	t, err := tx.FindFirstRecordByFilter(TotalsTable, "user = {:u} && year = {:y}", dbx.Params{"u": user, "y": year})
	if err != nil {
		col, cerr := tx.FindCachedCollectionByNameOrId(TotalsTable)
		if cerr != nil {
			return cerr
		}
		t = core.NewRecord(col)
		t.Load(map[string]any{"user": user, "year": year, "unit": r.GetString("unit"), "unit_path": r.GetString("unit_path"),
			"hours": 0, "by_category": map[string]float64{}})
	}
	by := map[string]float64{}
	_ = t.UnmarshalJSONField("by_category", &by)
	h := sign * r.GetFloat("hours")
	by[r.GetString("category")] += h
	t.Set("by_category", by)
	if col := migrations.TotalsCategoryColumns[r.GetString("category")]; col != "" {
		t.Set(col, by[r.GetString("category")])
	}
	t.Set("hours", t.GetFloat("hours")+h)
	// the person's standing under the year's rules
	rs, err := rules(tx, year)
	if err != nil {
		return err
	}
	u, err := tx.FindRecordById("users", user)
	if err != nil {
		return err
	}
	need := needFor(rs, u.GetStringSlice("roles"), u.GetString("rank"))
	t.Set("required", need.Hours)
	t.Set("met", need.met(t.GetFloat("hours"), by))
	return tx.Save(t)
}

// LedgerRow is one credit as the ledger lists it.
type LedgerRow struct {
	ID       string  `json:"id"`
	User     string  `json:"user"`
	UserName string  `json:"user_name"`
	UnitName string  `json:"unit_name"`
	Year     int     `json:"year"`
	Hours    float64 `json:"hours"`
	Category string  `json:"category"`
	Source   string  `json:"source"`
	Status   string  `json:"status"`
	Title    string  `json:"title"`
	Course   string  `json:"course"`
	EarnedAt string  `json:"earned_at"`
}

var ledgerSpec = api.ListSpec{
	Object:      "training_credit",
	Sort:        map[string]string{"earned_at": "earned_at", "hours": "hours"},
	DefaultSort: "-earned_at",
	Filters: []api.FilterParam{
		{Name: "user", Kind: api.FilterEq, Columns: []string{"user"}},
		{Name: "status", Kind: api.FilterIn, Columns: []string{"status"}},
		{Name: "category", Kind: api.FilterIn, Columns: []string{"category"}},
		{Name: "source", Kind: api.FilterIn, Columns: []string{"source"}},
	},
}

// HandleLedger is GET /api/gov/training/ledger?year=&user=: the credits
// the caller may see — their own; leaders and hr their subtree's.
func (m *Module) HandleLedger(e *core.RequestEvent) error {
	spec := ledgerSpec
	if y := e.Request.URL.Query().Get("year"); y != "" {
		year, err := strconv.Atoi(y)
		if err != nil || year < 2000 || year > 2100 {
			return api.BadField("year", "invalid", "年度格式不正确")
		}
		spec.Where = dbx.HashExp{"year": year}
	}
	nm := api.NewNames(e.App)
	return api.List(m.app, e, spec, func(_ *policies.Subject, r *core.Record) LedgerRow { return ledgerRow(nm, r) })
}

// MyYear is a person's standing in a year: hours in all and per category
// against what the year's rules ask of them.
type MyYear struct {
	Year       int                `json:"year"`
	Hours      float64            `json:"hours"`
	ByCategory map[string]float64 `json:"by_category"`
	Need       Need               `json:"need"` // what the year's rules ask of the person
	Met        bool               `json:"met"`
	WeeksLeft  int                `json:"weeks_left"`
}

// Year is user's standing in year (the workbench, 我的培训).
func (m *Module) Year(app core.App, user *core.Record, year int) (*MyYear, error) {
	out := &MyYear{Year: year, ByCategory: map[string]float64{}, WeeksLeft: m.weeksLeft(year)}
	if t, err := app.FindFirstRecordByFilter(TotalsTable, "user = {:u} && year = {:y}", dbx.Params{"u": user.Id, "y": year}); err == nil {
		out.Hours = t.GetFloat("hours")
		raw, _ := json.Marshal(t.Get("by_category"))
		_ = json.Unmarshal(raw, &out.ByCategory)
	}
	rs, err := rules(app, year)
	if err != nil {
		return nil, err
	}
	out.Need = needFor(rs, user.GetStringSlice("roles"), user.GetString("rank"))
	out.Met = out.Need.met(out.Hours, out.ByCategory)
	return out, nil
}

// HandleMyYear is GET /api/gov/training/me?year=: the caller's hours this
// year, in all and per category, against what the year's rules ask of them.
func (m *Module) HandleMyYear(e *core.RequestEvent) error {
	if e.Auth == nil {
		return api.Unauthenticated(e)
	}
	year := m.now().In(api.Shanghai).Year()
	if y := e.Request.URL.Query().Get("year"); y != "" {
		v, err := strconv.Atoi(y)
		if err != nil || v < 2000 || v > 2100 {
			return api.BadField("year", "invalid", "年度格式不正确")
		}
		year = v
	}
	out, err := m.Year(e.App, e.Auth, year)
	if err != nil {
		return err
	}
	return e.JSON(http.StatusOK, out)
}

// ThisYear is the current year of the training calendar (Beijing time).
func (m *Module) ThisYear() int { return m.now().In(api.Shanghai).Year() }
