package security

import (
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/hook"
)

// AuthEvent is a security event for the audit log: a login attempt, a
// lockout, an unlock, a password or second-factor change, a session ended.
type AuthEvent struct {
	hook.Event
	App      core.App
	UserID   string // empty when the identity matched no account
	Identity string // what was typed, for failed logins
	IP       string
	Action   string // e.g. auth.login, auth.lockout, auth.unlock, auth.password_change
	Result   string // ok | failed | denied
	Detail   string
}

// Emit fires ev on the sessions' OnAuthEvent (the audit log binds to it).
// A listener error is logged, never shown to the user: a login must not
// fail differently depending on the audit.
func (s *Sessions) Emit(app core.App, ev AuthEvent) {
	ev.App = app
	if err := s.OnAuthEvent.Trigger(&ev); err != nil {
		app.Logger().Error("auth event not recorded", "action", ev.Action, "error", err.Error())
	}
}
