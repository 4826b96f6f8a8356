package org

import (
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/hook"

	"govcollab/hooks/api"
)

// Change is one administrative change of the organization, described for
// the audit log.
type Change struct {
	Actor  string // user id, empty for system jobs and seeding
	Action string // e.g. unit.create, unit.move, user.deactivate, grant.create
	Object string // "units/<id>", "users/<id>", ...
	Before any
	After  any
}

// OnChange fires inside the change's transaction, after fn succeeded: a
// listener that fails (the audit log cannot be written) rolls the change back.
var OnChange = &hook.Hook[*ChangeEvent]{}

// ChangeEvent carries a committed change and the app it ran on.
type ChangeEvent struct {
	hook.Event
	App    core.App
	Change Change
}

// Apply runs fn and the OnChange listeners in one transaction; once it
// commits, every cached policy decision is invalidated. fn fills in the
// change's Object/Before/After as it goes.
func Apply(app *api.App, actor, action string, fn func(tx core.App, c *Change) error) (*Change, error) {
	c := &Change{Actor: actor, Action: action}
	err := app.RunInTransaction(func(tx core.App) error {
		if err := fn(tx, c); err != nil {
			return err
		}
		return OnChange.Trigger(&ChangeEvent{App: tx, Change: *c})
	})
	// invalidate even on failure: a rolled-back raw update may have been seen
	app.Authz.Invalidate()
	if err != nil {
		return nil, err
	}
	return c, nil
}
