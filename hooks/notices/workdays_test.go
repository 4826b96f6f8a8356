package notices_test

import (
	"strings"
	"testing"
	"time"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"

	"govcollab/hooks/api"
	"govcollab/hooks/apptest"
)

// TestDeadlineInWorkingDays: deadline_workdays lands on the n-th working
// day of the calendar (a holiday tomorrow is skipped); giving both a
// deadline and working days is a 400.
func TestDeadlineInWorkingDays(t *testing.T) {
	e := apptest.NewEnv(t)
	now := time.Now().In(api.Shanghai)
	next := now
	isWeekend := func(d time.Time) bool { return d.Weekday() == time.Saturday || d.Weekday() == time.Sunday }
	for next = now.AddDate(0, 0, 1); isWeekend(next); next = next.AddDate(0, 0, 1) {
	}
	col, _ := e.App.FindCollectionByNameOrId("calendar_days")
	r := core.NewRecord(col)
	r.Load(map[string]any{"date": next.Format("2006-01-02"), "kind": "holiday", "name": "测试假日"})
	if err := e.App.Save(r); err != nil {
		t.Fatal(err)
	}
	want := next.AddDate(0, 0, 1)
	for isWeekend(want) {
		want = want.AddDate(0, 0, 1)
	}
	aud := map[string]any{"units": []map[string]any{{"id": unit(e, "东城市税务局"), "subtree": false}}}
	out := e.Must(201, "leader.east", "POST", "/api/gov/notices", map[string]any{"title": "工作日截止", "must_confirm": true,
		"deadline_workdays": 1, "audience": aud})
	d, err := types.ParseDateTime(out["deadline"])
	if err != nil || d.Time().In(api.Shanghai).Format("2006-01-02 15:04") != want.Format("2006-01-02")+" 23:59" {
		t.Fatalf("deadline %v, want the end of %s", out["deadline"], want.Format("2006-01-02"))
	}
	code, body, _ := e.Call("leader.east", "POST", "/api/gov/notices", map[string]any{"title": "两者都填", "must_confirm": true,
		"deadline": now.AddDate(0, 0, 3).Format(time.RFC3339), "deadline_workdays": 2, "audience": aud})
	if code != 400 || !strings.Contains(toJSON(body), "deadline_workdays") {
		t.Fatalf("both given: %d %v", code, body)
	}
}
