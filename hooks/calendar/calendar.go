// Package calendar is the working-day calendar (工作日历): weekdays work,
// weekends rest, except the dates kept in calendar_days — public holidays
// (holiday) and make-up working days (workday, 调休). The provincial general
// office keeps it; every deadline stated in working days (documents,
// notices) uses it.
package calendar

import (
	"net/http"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"govcollab/hooks/api"
	"govcollab/policies"
)

const dayLayout = "2006-01-02"

// CalendarTable is the collection of exceptional days.
const CalendarTable = "calendar_days"

// Calendar answers whether days are working days.
type Calendar struct{ days map[string]string }

// LoadCalendar reads the exceptions between from and to (inclusive dates).
func LoadCalendar(app core.App, from, to time.Time) (*Calendar, error) {
	var rows []struct {
		Date string `db:"date"`
		Kind string `db:"kind"`
	}
	err := app.DB().Select("date", "kind").From(CalendarTable).Where(dbx.Between("date",
		from.In(api.Shanghai).Format(dayLayout), to.In(api.Shanghai).Format(dayLayout))).All(&rows)
	if err != nil {
		return nil, err
	}
	c := &Calendar{days: map[string]string{}}
	for _, r := range rows {
		c.days[r.Date] = r.Kind
	}
	return c, nil
}

// Working reports whether day (its Asia/Shanghai date) is a working day.
func (c *Calendar) Working(day time.Time) bool {
	d := day.In(api.Shanghai)
	switch c.days[d.Format(dayLayout)] {
	case "holiday":
		return false
	case "workday":
		return true
	}
	return d.Weekday() != time.Saturday && d.Weekday() != time.Sunday
}

// AddWorkingDays is the end (23:59:59, Asia/Shanghai) of the n-th working
// day after from; n = 0 is the end of from's own day.
func AddWorkingDays(app core.App, from time.Time, n int) (time.Time, error) {
	start := from.In(api.Shanghai)
	// a long holiday plus weekends never needs more than this many days
	c, err := LoadCalendar(app, start, start.AddDate(0, 0, n*2+30))
	if err != nil {
		return time.Time{}, err
	}
	d := time.Date(start.Year(), start.Month(), start.Day(), 0, 0, 0, 0, api.Shanghai)
	for left := n; left > 0; {
		d = d.AddDate(0, 0, 1)
		if c.Working(d) {
			left--
		}
	}
	return d.Add(24*time.Hour - time.Second), nil
}

// ObjectTypes: the calendar is decided on the root unit (the province),
// whose subtree the provincial office's clerks serve.
func ObjectTypes() []policies.ObjectType {
	return []policies.ObjectType{{
		Name: "calendar", Table: "units",
		Actions: []string{"manage"},
		Unit:    "id", UnitPath: "path", System: "system",
	}}
}

// Module serves the calendar's routes.
type Module struct {
	app *api.App
	now func() time.Time
}

// New wires the routes' handlers.
func New(app *api.App) *Module { return &Module{app: app, now: time.Now} }

// CalendarDay is one exceptional day.
type CalendarDay struct {
	Date string `json:"date"`
	Kind string `json:"kind"`
	Name string `json:"name"`
}

// HandleCalendar is GET /api/gov/calendar?year=: the year's holidays and
// make-up working days (every signed-in user reads it).
func (m *Module) HandleCalendar(e *core.RequestEvent) error {
	if _, err := m.app.Subject(e); err != nil {
		return err
	}
	year := e.Request.URL.Query().Get("year")
	if year == "" {
		year = m.now().In(api.Shanghai).Format("2006")
	}
	if len(year) != 4 || strings.Trim(year, "0123456789") != "" {
		return api.BadField("year", "invalid", "年份格式应为 2026")
	}
	var rows []CalendarDay
	err := e.App.DB().Select("date", "kind", "name").From(CalendarTable).
		Where(dbx.Like("date", year+"-").Match(false, true)).OrderBy("date").All(&rows)
	if err != nil {
		return err
	}
	if rows == nil {
		rows = []CalendarDay{}
	}
	return e.JSON(http.StatusOK, map[string]any{"year": year, "items": rows})
}

// mayKeepCalendar: the calendar is the province's; the policy's `calendar`
// right is checked on the root unit (the provincial office's clerks serve it).
func (m *Module) mayKeepCalendar(e *core.RequestEvent) (*policies.Subject, error) {
	s, err := m.app.Require(e, "manage", "calendar")
	if err != nil {
		return nil, err
	}
	var roots []*core.Record
	if err := e.App.RecordQuery("units").Where(dbx.HashExp{"parent": ""}).OrderBy("path").Limit(1).All(&roots); err != nil || len(roots) == 0 {
		return nil, api.Forbidden()
	}
	if ok, _ := m.app.Authz.CanObject(s, "manage", "calendar", roots[0]); !ok {
		return nil, api.NewError(http.StatusForbidden, "forbidden", "工作日历由省政府办公厅维护")
	}
	return s, nil
}

// HandleSetDay is PUT /api/gov/calendar/{date} {kind: holiday|workday, name}.
func (m *Module) HandleSetDay(e *core.RequestEvent) error {
	if _, err := m.mayKeepCalendar(e); err != nil {
		return err
	}
	date := e.Request.PathValue("date")
	if _, err := time.Parse(dayLayout, date); err != nil {
		return api.BadField("date", "invalid", "日期格式应为 2026-10-01")
	}
	var in CalendarDay
	if err := api.DecodeJSON(e, &in); err != nil {
		return err
	}
	if !slices.Contains([]string{"holiday", "workday"}, in.Kind) {
		return api.BadField("kind", "invalid", "类型须为 holiday（放假）或 workday（调休上班）")
	}
	in.Name = strings.TrimSpace(in.Name)
	if utf8.RuneCountInString(in.Name) > 50 {
		return api.BadField("name", "too_long", "名称不能超过 50 字")
	}
	in.Date = date
	_, err := m.app.ApplyAs(e, "calendar.set", func(tx core.App, c *api.Change) error {
		c.Object = CalendarTable + "/" + date
		rec, err := tx.FindFirstRecordByData(CalendarTable, "date", date)
		if err != nil {
			col, err := tx.FindCachedCollectionByNameOrId(CalendarTable)
			if err != nil {
				return err
			}
			rec = core.NewRecord(col)
		} else {
			c.Before = map[string]string{"kind": rec.GetString("kind"), "name": rec.GetString("name")}
		}
		rec.Load(map[string]any{"date": date, "kind": in.Kind, "name": in.Name})
		c.After = in
		return tx.Save(rec)
	})
	if err != nil {
		return err
	}
	return e.JSON(http.StatusOK, in)
}

// HandleDeleteDay is DELETE /api/gov/calendar/{date}: the day is ordinary again.
func (m *Module) HandleDeleteDay(e *core.RequestEvent) error {
	if _, err := m.mayKeepCalendar(e); err != nil {
		return err
	}
	date := e.Request.PathValue("date")
	_, err := m.app.ApplyAs(e, "calendar.delete", func(tx core.App, c *api.Change) error {
		rec, err := tx.FindFirstRecordByData(CalendarTable, "date", date)
		if err != nil {
			return api.NotFound()
		}
		c.Object = CalendarTable + "/" + date
		c.Before = map[string]string{"kind": rec.GetString("kind"), "name": rec.GetString("name")}
		return tx.Delete(rec)
	})
	if err != nil {
		return err
	}
	return e.NoContent(http.StatusNoContent)
}
