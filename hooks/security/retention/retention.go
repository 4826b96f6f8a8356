// Package retention owns data lifetimes: a registry of data classes, each
// with a purge function, and a daily job that deletes what is older than
// the class's retention period (security settings, retention_days) and
// records every purge as an audited change (actor "", action
// "retention.purge").
//
// A module registers its classes when it is wired, e.g. in hooks.Register:
//
//	g.Retention.Register("raw_mail", func(tx core.App, before time.Time) (int, error) {
//		res, err := tx.DB().NewQuery("DELETE FROM mail_raw WHERE received < {:b}").
//			Bind(dbx.Params{"b": retention.DBTime(before)}).Execute()
//		...
//		return int(n), err
//	})
//
// The purge function runs inside the transaction of the audited change
// (use tx, never the outer app), deletes what expired strictly before
// `before` and returns how many items it deleted. A class without a
// positive retention_days setting is kept forever (not purged). Classes
// named in the settings but not registered are skipped.
package retention

import (
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"

	"govcollab/hooks/api"
)

// Action is the audited action of a purge.
const Action = "retention.purge"

// CronID is the daily job's id in app.Cron(); CronSpec its schedule (03:17
// server time, away from the hour when other jobs run).
const (
	CronID   = "gov_retention"
	CronSpec = "17 3 * * *"
)

// PurgeFunc deletes the items of a class that expired before before and
// says how many it deleted.
type PurgeFunc func(tx core.App, before time.Time) (int, error)

// Purge is what one class's purge did: the After of its audited change.
type Purge struct {
	Class  string `json:"class"`
	Days   int    `json:"days"`
	Before string `json:"before"`
	Purged int    `json:"purged"`
}

// Job is the registry and the daily job.
type Job struct {
	app  *api.App
	days func() map[string]int

	mu      sync.Mutex
	classes map[string]PurgeFunc
}

// New builds the job; days returns the retention periods in force (e.g.
// from the security settings) each time the job runs.
func New(app *api.App, days func() map[string]int) *Job {
	return &Job{app: app, days: days, classes: map[string]PurgeFunc{}}
}

// Register adds a data class. A name registered twice is a wiring mistake
// and panics.
func (j *Job) Register(name string, purge PurgeFunc) {
	j.mu.Lock()
	defer j.mu.Unlock()
	if _, dup := j.classes[name]; dup {
		panic(fmt.Sprintf("retention: class %q registered twice", name))
	}
	j.classes[name] = purge
}

// Classes lists the registered class names, sorted.
func (j *Job) Classes() []string {
	j.mu.Lock()
	defer j.mu.Unlock()
	names := make([]string, 0, len(j.classes))
	for n := range j.classes {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Schedule adds the daily job to the app's cron (it runs while serving).
func (j *Job) Schedule() {
	j.app.Cron().MustAdd(CronID, CronSpec, func() {
		if _, err := j.RunOnce(time.Now()); err != nil {
			j.app.Logger().Error("retention purge failed", "error", err.Error())
		}
	})
}

// RunOnce purges every registered class with a positive retention period,
// as of now, one audited transaction per class. It goes on after a failed
// class and returns the purges done and the first error.
func (j *Job) RunOnce(now time.Time) ([]Purge, error) {
	days := j.days()
	var out []Purge
	var first error
	for _, name := range j.Classes() {
		d := days[name]
		if d <= 0 {
			continue
		}
		j.mu.Lock()
		purge := j.classes[name]
		j.mu.Unlock()
		before := now.Add(-time.Duration(d) * 24 * time.Hour)
		p := Purge{Class: name, Days: d, Before: DBTime(before)}
		_, err := j.app.Apply("", Action, func(tx core.App, c *api.Change) error {
			n, err := purge(tx, before)
			if err != nil {
				return err
			}
			p.Purged = n
			c.Object, c.After = "retention/"+name, p
			return nil
		})
		if err != nil {
			if first == nil {
				first = fmt.Errorf("retention: %s: %w", name, err)
			}
			continue
		}
		j.app.Logger().Info("retention purge", "class", name, "days", d, "purged", p.Purged)
		out = append(out, p)
	}
	return out, first
}

// DBTime formats t as PocketBase stores dates, so that SQL can compare it
// with a date column as text.
func DBTime(t time.Time) string {
	dt, _ := types.ParseDateTime(t.UTC())
	return dt.String()
}

// PurgeSessions is the "sessions" class: sessions ended, or expired, before
// before. Live sessions (not ended, not expired) are never touched.
func PurgeSessions(tx core.App, before time.Time) (int, error) {
	res, err := tx.DB().NewQuery(`DELETE FROM sessions
		WHERE (ended != '' AND ended < {:b}) OR (expires != '' AND expires < {:b})`).
		Bind(map[string]any{"b": DBTime(before)}).Execute()
	if err != nil {
		return 0, err
	}
	n, err := res.RowsAffected()
	return int(n), err
}
