package notices_test

import (
	"maps"
	"net/http"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pocketbase/dbx"

	"govcollab/hooks/apptest"
)

// fakeClock is the module's clock, moved by the test (read by the server's
// goroutines, hence atomic).
type fakeClock struct{ ns atomic.Int64 }

func newClock(e *apptest.Env) *fakeClock {
	c := &fakeClock{}
	c.ns.Store(time.Now().UnixNano())
	e.G.Notices.SetClock(c.now)
	return c
}

func (c *fakeClock) now() time.Time          { return time.Unix(0, c.ns.Load()) }
func (c *fakeClock) advance(d time.Duration) { c.ns.Add(int64(d)) }

// nearestLeader is who Escalate should tell about a unit: its active
// leaders, or those of the nearest unit above that has any.
func nearestLeader(t *testing.T, e *apptest.Env, unitPath string) []string {
	for p := unitPath; p != "/" && p != ""; {
		ids := column(t, e.App, `SELECT users.id FROM users JOIN units ON units.id = users.unit
			WHERE units.path = {:p} AND users.active AND EXISTS (SELECT 1 FROM json_each(users.roles) WHERE value = 'leader')`,
			dbx.Params{"p": p})
		if len(ids) > 0 {
			return ids
		}
		p = p[:strings.LastIndex(strings.TrimSuffix(p, "/"), "/")+1]
	}
	return nil
}

// TestRemindEscalate: before the deadline those who have not confirmed are
// reminded once; after it the leaders of units with missing confirmations
// are told once, and the publisher gets the count.
func TestRemindEscalate(t *testing.T) {
	e := apptest.NewEnv(t)
	clock := newClock(e)
	// the demo's own due notices go first, so the counts below are ours
	if err := e.G.Notices.RunJobs(); err != nil {
		t.Fatal(err)
	}
	east := unit(e, "东城市人民政府")
	n := e.Must(http.StatusCreated, "leader.east", "POST", "/api/gov/notices", map[string]any{
		"title": "关于报送统计数据的通知", "must_confirm": true, "deadline": clock.now().Add(2 * time.Hour).Format(time.RFC3339),
		"audience": map[string]any{"units": []map[string]any{{"id": east, "subtree": true}}}})
	later := e.Must(http.StatusCreated, "leader.east", "POST", "/api/gov/notices", map[string]any{
		"title": "三天后截止的通知", "must_confirm": true, "deadline": clock.now().Add(72 * time.Hour).Format(time.RFC3339),
		"audience": map[string]any{"units": []map[string]any{{"id": east, "subtree": true}}}})
	id, laterID := str(n["id"]), str(later["id"])
	link, laterLink := "#/notices/"+id, "#/notices/"+laterID
	e.Must(200, "staff.east.tax", "POST", "/api/gov/notices/"+id+"/confirm", map[string]any{})
	unconfirmed := column(t, e.App, "SELECT user FROM notice_receipts WHERE notice = {:n} AND confirmed_at = ''", dbx.Params{"n": id})
	if len(unconfirmed) < 3 {
		t.Fatalf("unconfirmed %v: the demo changed", unconfirmed)
	}

	// nothing is due for escalation before the deadline
	if k, err := e.G.Notices.Escalate(); err != nil || k != 0 {
		t.Fatalf("Escalate before the deadline: %d, %v", k, err)
	}
	for run := 1; run <= 2; run++ {
		if _, err := e.G.Notices.Remind(); err != nil {
			t.Fatal(err)
		}
		got := notes(t, e.App, "notice.remind", link)
		if !slices.Equal(slices.Sorted(maps.Keys(got)), unconfirmed) {
			t.Fatalf("run %d: reminded %v, want %v", run, names(t, e.App, slices.Sorted(maps.Keys(got))), names(t, e.App, unconfirmed))
		}
		for u, k := range got {
			if k != 1 {
				t.Fatalf("run %d: %s reminded %d times", run, u, k)
			}
		}
	}
	if len(notes(t, e.App, "notice.remind", laterLink)) != 0 {
		t.Fatal("a notice 72 h from its deadline was reminded with remind_hours 24")
	}

	// after the deadline: escalation, once
	clock.advance(3 * time.Hour)
	if k, err := e.G.Notices.Escalate(); err != nil || k != 1 {
		t.Fatalf("Escalate: %d, %v", k, err)
	}
	var missing []struct {
		Path string `db:"unit_path"`
	}
	if err := e.App.DB().NewQuery("SELECT DISTINCT unit_path FROM notice_receipts WHERE notice = {:n} AND confirmed_at = ''").
		Bind(dbx.Params{"n": id}).All(&missing); err != nil {
		t.Fatal(err)
	}
	want := map[string]int{}
	for _, m := range missing {
		for _, l := range nearestLeader(t, e, m.Path) {
			want[l]++
		}
	}
	if len(want) == 0 {
		t.Fatal("no leader to escalate to: the demo changed")
	}
	if got := notes(t, e.App, "notice.escalate", link); !maps.Equal(got, want) {
		t.Fatalf("escalated to %v, want %v", got, want)
	}
	if got := notes(t, e.App, "notice.overdue", link); len(got) != 1 || got[apptest.UserID(t, "leader.east")] != 1 {
		t.Fatalf("publisher's overdue note: %v", got)
	}
	if k, err := e.G.Notices.Escalate(); err != nil || k != 0 {
		t.Fatalf("second Escalate: %d, %v", k, err)
	}
	if got := notes(t, e.App, "notice.escalate", link); !maps.Equal(got, want) {
		t.Fatalf("second run sent more: %v", got)
	}
	// a late confirmation is taken, marked late
	c := e.Must(200, "staff.east.hr", "POST", "/api/gov/notices/"+id+"/confirm", map[string]any{})
	if r, _ := c["receipt"].(map[string]any); r == nil || r["late"] != true {
		t.Fatalf("late confirmation: %v", c["receipt"])
	}
	// the later notice is reminded once its window opens
	clock.advance(48 * time.Hour)
	if _, err := e.G.Notices.Remind(); err != nil {
		t.Fatal(err)
	}
	if got := notes(t, e.App, "notice.remind", laterLink); len(got) != len(receiptUsers(t, e.App, laterID)) {
		t.Fatalf("later notice reminded %d people, want all %d", len(got), len(receiptUsers(t, e.App, laterID)))
	}
}

// TestScheduledPublish: a notice for later has no receipts until
// PublishDue runs at or after its time, and is published once.
func TestScheduledPublish(t *testing.T) {
	e := apptest.NewEnv(t)
	clock := newClock(e)
	tax := unit(e, "东城市税务局")
	n := e.Must(http.StatusCreated, "leader.east", "POST", "/api/gov/notices", map[string]any{
		"title": "定时发布的通知", "publish_at": clock.now().Add(2 * time.Hour).Format(time.RFC3339),
		"audience": map[string]any{"units": []string{tax}}})
	id := str(n["id"])
	if n["status"] != "scheduled" {
		t.Fatalf("status %v, want scheduled", n["status"])
	}
	if got := receiptUsers(t, e.App, id); len(got) != 0 {
		t.Fatalf("scheduled notice has receipts %v", got)
	}
	if strings.Contains(toJSON(e.Must(200, "staff.east.tax", "GET", "/api/gov/notices", nil)), id) {
		t.Fatal("a scheduled notice is in the inbox")
	}
	e.Must(404, "staff.east.tax", "GET", "/api/gov/notices/"+id, nil)
	clock.advance(time.Hour)
	if k, err := e.G.Notices.PublishDue(); err != nil || k != 0 {
		t.Fatalf("PublishDue before its time: %d, %v", k, err)
	}
	if got := receiptUsers(t, e.App, id); len(got) != 0 {
		t.Fatalf("published early: %v", got)
	}
	clock.advance(time.Hour)
	if k, err := e.G.Notices.PublishDue(); err != nil || k != 1 {
		t.Fatalf("PublishDue at its time: %d, %v", k, err)
	}
	want := column(t, e.App, `SELECT id FROM users WHERE unit = {:u} AND active
		AND NOT EXISTS (SELECT 1 FROM json_each(users.roles) WHERE value IN ('sysadmin', 'secadmin', 'auditor'))`, dbx.Params{"u": tax})
	if got := receiptUsers(t, e.App, id); !slices.Equal(got, want) || len(want) == 0 {
		t.Fatalf("receipts %v, want %v", got, want)
	}
	if got := notes(t, e.App, "notice.published", "#/notices/"+id); len(got) != len(want) {
		t.Fatalf("published notes %v, want one each for %v", got, want)
	}
	if k, err := e.G.Notices.PublishDue(); err != nil || k != 0 {
		t.Fatalf("second PublishDue: %d, %v", k, err)
	}
	if got := receiptUsers(t, e.App, id); len(got) != len(want) {
		t.Fatalf("published twice: %v", got)
	}
	v := e.Must(200, "staff.east.tax", "GET", "/api/gov/notices/"+id, nil)
	if v["status"] != "published" {
		t.Fatalf("status %v", v["status"])
	}
}

// TestScheduledEmpty: a scheduled notice whose audience has emptied by its
// time is published, and its publisher told nobody received it; one that
// names a person since deactivated is withdrawn with that reason.
func TestScheduledEmpty(t *testing.T) {
	e := apptest.NewEnv(t)
	clock := newClock(e)
	taxUnit, tax := unit(e, "东城市税务局"), apptest.UserID(t, "staff.east.tax")
	others := column(t, e.App, "SELECT id FROM users WHERE unit = {:u} AND id != {:me}", dbx.Params{"u": taxUnit, "me": tax})
	at := clock.now().Add(time.Hour).Format(time.RFC3339)
	emptied := str(e.Must(http.StatusCreated, "leader.east", "POST", "/api/gov/notices", map[string]any{
		"title": "对象将清空的定时通知", "publish_at": at,
		"audience": map[string]any{"units": []string{taxUnit}, "exclude_users": others}})["id"])
	named := str(e.Must(http.StatusCreated, "leader.east", "POST", "/api/gov/notices", map[string]any{
		"title": "点名发送的定时通知", "publish_at": at, "audience": map[string]any{"users": []string{tax}}})["id"])
	e.Must(200, "admin.sys", "POST", "/api/gov/admin/users/"+tax+"/deactivate", map[string]any{})
	clock.advance(2 * time.Hour)
	if k, err := e.G.Notices.PublishDue(); err != nil || k != 1 {
		t.Fatalf("PublishDue: %d, %v", k, err)
	}
	if got := receiptUsers(t, e.App, emptied); len(got) != 0 {
		t.Fatalf("receipts %v, want none", got)
	}
	if got := notes(t, e.App, "notice.empty", "#/notices/"+emptied); got[apptest.UserID(t, "leader.east")] != 1 || len(got) != 1 {
		t.Fatalf("the publisher was not told the notice reached nobody: %v", got)
	}
	r, err := e.App.FindRecordById("notices", named)
	if err != nil {
		t.Fatal(err)
	}
	if r.GetString("status") != "withdrawn" || !strings.Contains(r.GetString("withdraw_reason"), "人员不存在或已停用") {
		t.Fatalf("named notice: %s %q", r.GetString("status"), r.GetString("withdraw_reason"))
	}
}
