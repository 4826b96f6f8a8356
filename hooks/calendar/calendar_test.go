package calendar_test

import (
	"testing"
	"time"

	"github.com/pocketbase/pocketbase/core"

	"govcollab/hooks/api"
	"govcollab/hooks/apptest"
	"govcollab/hooks/calendar"
)

func day(t *testing.T, app core.App, date, kind string) {
	t.Helper()
	col, err := app.FindCollectionByNameOrId(calendar.CalendarTable)
	if err != nil {
		t.Fatal(err)
	}
	r := core.NewRecord(col)
	r.Load(map[string]any{"date": date, "kind": kind, "name": "测试"})
	if err := app.Save(r); err != nil {
		t.Fatal(err)
	}
}

// TestAddWorkingDays: weekends rest, listed holidays rest, make-up
// working days (调休) work; deadlines end at 23:59:59 in Asia/Shanghai.
func TestAddWorkingDays(t *testing.T) {
	app, _ := apptest.NewPlain(t)
	defer app.Cleanup()
	// Thursday 2026-10-01 … a week of holiday, Saturday 10-10 a make-up day
	for _, d := range []string{"2026-10-01", "2026-10-02", "2026-10-05", "2026-10-06", "2026-10-07", "2026-10-08"} {
		day(t, app, d, "holiday")
	}
	day(t, app, "2026-10-10", "workday")
	from := time.Date(2026, 9, 30, 10, 0, 0, 0, api.Shanghai) // Wednesday
	for _, c := range []struct {
		n    int
		want string
	}{{0, "2026-09-30"}, {1, "2026-10-09"}, {2, "2026-10-10"}, {3, "2026-10-12"}} {
		got, err := calendar.AddWorkingDays(app, from, c.n)
		if err != nil {
			t.Fatal(err)
		}
		if s := got.In(api.Shanghai).Format("2006-01-02 15:04:05"); s != c.want+" 23:59:59" {
			t.Errorf("%d working days after %v: %s, want %s 23:59:59", c.n, from, s, c.want)
		}
	}
	// an ordinary week: Friday + 1 is Monday
	fri := time.Date(2026, 11, 20, 9, 0, 0, 0, api.Shanghai)
	if got, _ := calendar.AddWorkingDays(app, fri, 1); got.In(api.Shanghai).Format("2006-01-02") != "2026-11-23" {
		t.Errorf("Friday + 1 working day: %v", got)
	}
}
