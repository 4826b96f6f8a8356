// Package workbench is the home page's one request (GET
// /api/gov/workbench): what waits for the user in every module, each part
// through that module's policy, and for leaders their units' overdue
// documents and notice read rates.
package workbench

import (
	"net/http"
	"sync"

	"github.com/pocketbase/pocketbase/core"

	"govcollab/hooks/api"
	"govcollab/hooks/approval"
	"govcollab/hooks/casework"
	"govcollab/hooks/notices"
	"govcollab/hooks/training"
	"govcollab/policies"
)

// listed is how many items each part lists (its counts say how many
// there are in all).
const listed = 5

// Workbench assembles the page from the modules.
type Workbench struct {
	app      *api.App
	docs     *approval.Module
	notices  *notices.Module
	cases    *casework.Module
	training *training.Module
}

// New is the workbench over the modules.
func New(app *api.App, docs *approval.Module, nm *notices.Module, cases *casework.Module, tr *training.Module) *Workbench {
	return &Workbench{app: app, docs: docs, notices: nm, cases: cases, training: tr}
}

// Docs is 待办公文: the counts and the documents waiting, soonest deadline first.
type Docs struct {
	approval.Counts
	Items []approval.Item `json:"items"`
}

// Notices is 通知: unread, to confirm (overdue), and those waiting.
type Notices struct {
	notices.Summary
	Items []notices.Item `json:"items"`
}

// Cases is 关注动态: the newest cases of what the user follows (or of
// everything, followed false).
type Cases struct {
	Followed bool            `json:"followed"`
	Items    []casework.Item `json:"items"`
}

// Oversee is a leader's view of their units.
type Oversee struct {
	Overdue   []approval.UnitOverdue `json:"overdue"`
	ReadRates []notices.ReadRate     `json:"read_rates"`
}

// Answer is the page; a part the user may not see is absent.
type Answer struct {
	Docs     *Docs            `json:"docs,omitempty"`
	Notices  *Notices         `json:"notices,omitempty"`
	Cases    *Cases           `json:"cases,omitempty"`
	Training *training.MyYear `json:"training,omitempty"`
	Oversee  *Oversee         `json:"oversee,omitempty"`
}

// HandleWorkbench is GET /api/gov/workbench.
func (w *Workbench) HandleWorkbench(e *core.RequestEvent) error {
	s, err := w.app.Subject(e)
	if err != nil {
		return err
	}
	out, err := w.Build(e.App, s, e.Auth)
	if err != nil {
		return err
	}
	e.Response.Header().Set("Cache-Control", "private, no-store")
	return e.JSON(http.StatusOK, out)
}

// Build assembles the page for s (user is s's record); the parts are
// read side by side, each on its own connection.
func (w *Workbench) Build(app core.App, s *policies.Subject, user *core.Record) (*Answer, error) {
	out := &Answer{}
	var wg sync.WaitGroup
	var mu sync.Mutex
	var first error
	part := func(f func() error) {
		wg.Go(func() {
			if err := f(); err != nil {
				mu.Lock()
				first = err
				mu.Unlock()
			}
		})
	}
	authz := w.app.Authz
	if authz.Permits(s, "read", "doc") {
		part(func() error {
			c, err := w.docs.Counts(app, s)
			if err != nil {
				return err
			}
			items, err := w.docs.Waiting(app, s, listed)
			out.Docs = &Docs{Counts: *c, Items: items}
			return err
		})
	}
	if authz.Permits(s, "read", "notice") {
		part(func() error {
			sum, err := w.notices.Summary(app, s)
			if err != nil {
				return err
			}
			items, err := w.notices.Waiting(app, s, listed)
			out.Notices = &Notices{Summary: *sum, Items: items}
			return err
		})
	}
	if authz.Permits(s, "read", "case") {
		part(func() error {
			items, followed, err := w.cases.Feed(app, s, listed)
			out.Cases = &Cases{Followed: followed, Items: items}
			return err
		})
	}
	if authz.Permits(s, "read", "training_total") && user != nil {
		part(func() error {
			y, err := w.training.Year(app, user, w.training.ThisYear())
			out.Training = y
			return err
		})
	}
	if s.HasRole("leader") {
		part(func() error {
			overdue, err := w.docs.OverdueByUnit(app, s, listed)
			if err != nil {
				return err
			}
			rates, err := w.notices.ReadRates(app, s, 3)
			if overdue == nil {
				overdue = []approval.UnitOverdue{}
			}
			out.Oversee = &Oversee{Overdue: overdue, ReadRates: rates}
			return err
		})
	}
	wg.Wait()
	if first != nil {
		return nil, first
	}
	return out, nil
}
