package api

import (
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/hook"
)

// Change is one change of guarded data or of the organization, described
// for the audit log.
type Change struct {
	Actor  string // user id, empty for system jobs and seeding
	Action string // e.g. unit.move, user.deactivate, case.publish
	Object string // "units/<id>", "users/<id>", ...
	IP     string // the client address, for changes made through a request
	Before any
	After  any
}

// ChangeEvent carries a change inside its transaction.
type ChangeEvent struct {
	hook.Event
	App    core.App // the transaction
	Change Change
}

// Apply runs fn and the OnChange listeners in one transaction, so a change
// and its audit record commit together or not at all; once it commits,
// every cached policy decision is invalidated. fn fills in the change's
// Object/Before/After as it goes.
func (a *App) Apply(actor, action string, fn func(tx core.App, c *Change) error) (*Change, error) {
	return a.apply(&Change{Actor: actor, Action: action}, fn)
}

// ApplyAs is Apply for a change a signed-in user makes through request e:
// the actor and the client address come from the request.
func (a *App) ApplyAs(e *core.RequestEvent, action string, fn func(tx core.App, c *Change) error) (*Change, error) {
	c := &Change{Action: action, IP: e.RealIP()}
	if e.Auth != nil {
		c.Actor = e.Auth.Id
	}
	return a.apply(c, fn)
}

func (a *App) apply(c *Change, fn func(tx core.App, c *Change) error) (*Change, error) {
	err := a.RunInTransaction(func(tx core.App) error {
		if err := fn(tx, c); err != nil {
			return err
		}
		return a.OnChange.Trigger(&ChangeEvent{App: tx, Change: *c})
	})
	// invalidate even on failure: a rolled-back raw update may have been seen
	a.Authz.Invalidate()
	if err != nil {
		return nil, err
	}
	return c, nil
}
