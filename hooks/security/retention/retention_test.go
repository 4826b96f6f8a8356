package retention_test

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"

	"govcollab/hooks/api"
	"govcollab/hooks/apptest"
	"govcollab/hooks/security/retention"
)

func addSession(t *testing.T, app core.App, user string, ended, expires time.Time) string {
	t.Helper()
	col, err := app.FindCollectionByNameOrId("sessions")
	if err != nil {
		t.Fatal(err)
	}
	r := core.NewRecord(col)
	r.Set("user", user)
	r.Set("collection", "users")
	if !ended.IsZero() {
		r.Set("ended", ended)
		r.Set("end_reason", "logout")
	}
	if !expires.IsZero() {
		r.Set("expires", expires)
	}
	r.Set("last_seen", types.NowDateTime())
	if err := app.Save(r); err != nil {
		t.Fatal(err)
	}
	return r.Id
}

// TestPurgeSessions: the daily job deletes sessions ended or expired more
// than retention_days.sessions (90 by default) ago, keeps every other one,
// and records the purge through Apply with its count.
func TestPurgeSessions(t *testing.T) {
	app, g := apptest.New(t)
	defer app.Cleanup()
	now := time.Now()
	day := 24 * time.Hour
	user := apptest.UserID(t, "staff.east.tax")
	var before int
	if err := app.DB().NewQuery("SELECT COUNT(*) FROM sessions").Row(&before); err != nil || before == 0 {
		t.Fatalf("no demo sessions (%v)", err)
	}
	gone := []string{
		addSession(t, app, user, now.Add(-100*day), now.Add(-100*day+12*time.Hour)), // ended long ago
		addSession(t, app, user, time.Time{}, now.Add(-91*day)),                     // expired long ago, never ended
	}
	kept := []string{
		addSession(t, app, user, now.Add(-89*day), now.Add(-89*day+time.Hour)), // ended recently
		addSession(t, app, user, time.Time{}, now.Add(time.Hour)),              // live
		addSession(t, app, user, time.Time{}, time.Time{}),                     // no dates at all
	}

	var changes []api.Change
	g.App.OnChange.BindFunc(func(e *api.ChangeEvent) error {
		changes = append(changes, e.Change)
		return e.Next()
	})
	if !slices.Contains(g.Retention.Classes(), "sessions") {
		t.Fatalf("classes = %v", g.Retention.Classes())
	}
	purges, err := g.Retention.RunOnce(now)
	if err != nil {
		t.Fatal(err)
	}
	sessionsPurge := func(ps []retention.Purge) *retention.Purge {
		for i := range ps {
			if ps[i].Class == "sessions" {
				return &ps[i]
			}
		}
		return nil
	}
	if p := sessionsPurge(purges); p == nil || p.Purged != 2 || p.Days != 90 {
		t.Fatalf("purges = %+v", purges)
	}
	for _, id := range gone {
		if _, err := app.FindRecordById("sessions", id); err == nil {
			t.Errorf("session %s not purged", id)
		}
	}
	for _, id := range kept {
		if _, err := app.FindRecordById("sessions", id); err != nil {
			t.Errorf("session %s purged: %v", id, err)
		}
	}
	var after int
	_ = app.DB().NewQuery("SELECT COUNT(*) FROM sessions").Row(&after)
	if after != before+len(kept) {
		t.Errorf("sessions: %d before, %d after, want %d", before, after, before+len(kept))
	}
	var c api.Change
	for _, ch := range changes {
		if ch.Object == "retention/sessions" {
			c = ch
		}
	}
	p, ok := c.After.(retention.Purge)
	if c.Actor != "" || c.Action != retention.Action || c.Object != "retention/sessions" || !ok || p.Purged != 2 {
		t.Errorf("recorded change = %+v", c)
	}

	// a second run finds nothing more, and still says so
	purges, err = g.Retention.RunOnce(now)
	if p := sessionsPurge(purges); err != nil || p == nil || p.Purged != 0 {
		t.Errorf("second run = %+v, %v", purges, err)
	}
}

// TestRunOnce: classes without a positive period are not run; a failing
// class rolls back alone and the others still run.
func TestRunOnce(t *testing.T) {
	app, g := apptest.New(t)
	defer app.Cleanup()
	now := time.Date(2026, 6, 1, 3, 17, 0, 0, time.UTC)
	j := retention.New(g.App, func() map[string]int { return map[string]int{"a": 10, "b": 1, "off": 0} })
	var gotBefore time.Time
	j.Register("a", func(tx core.App, before time.Time) (int, error) {
		gotBefore = before
		return 3, nil
	})
	j.Register("b", func(tx core.App, before time.Time) (int, error) {
		_, _ = tx.DB().NewQuery("DELETE FROM sessions").Execute()
		return 0, errors.New("boom")
	})
	j.Register("off", func(tx core.App, before time.Time) (int, error) {
		t.Error("a class with 0 days was purged")
		return 0, nil
	})
	j.Register("unset", func(tx core.App, before time.Time) (int, error) {
		t.Error("a class without a setting was purged")
		return 0, nil
	})
	purges, err := j.RunOnce(now)
	if err == nil {
		t.Error("the failing class's error was lost")
	}
	if len(purges) != 1 || purges[0].Class != "a" || purges[0].Purged != 3 || !gotBefore.Equal(now.Add(-240*time.Hour)) {
		t.Errorf("purges = %+v, before = %v", purges, gotBefore)
	}
	var n int
	_ = app.DB().NewQuery("SELECT COUNT(*) FROM sessions").Row(&n)
	if n == 0 {
		t.Error("the failing class's deletes were not rolled back")
	}
	defer func() {
		if recover() == nil {
			t.Error("a class registered twice did not panic")
		}
	}()
	j.Register("a", nil)
}
