package api

import (
	"encoding/json"
	"github.com/pocketbase/dbx"
	"net/http"
	"sync/atomic"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/hook"

	"govcollab/policies"
)

// App is what every module's routes and hooks receive: the PocketBase app
// plus the authorizer. Built the same way over a tests.TestApp.
type App struct {
	core.App
	Authz *policies.Authorizer

	// OnChange fires inside the transaction of every Apply; the audit log
	// binds to it.
	OnChange *hook.Hook[*ChangeEvent]

	demo atomic.Bool
}

// NewApp wraps app with the authorizer.
func NewApp(app core.App, authz *policies.Authorizer) *App {
	return &App{App: app, Authz: authz, OnChange: &hook.Hook[*ChangeEvent]{}}
}

// SetDemo marks the process as serving the demo (serve --demo).
func (a *App) SetDemo(on bool) { a.demo.Store(on) }

// Demo reports whether the process serves the demo.
func (a *App) Demo() bool { return a.demo.Load() }

// Subject returns the policy subject of the signed-in user: 401 without a
// user, 403 for a superuser token (superusers are for emergencies only and
// hold no business role).
func (a *App) Subject(e *core.RequestEvent) (*policies.Subject, error) {
	if e.Auth == nil {
		return nil, Unauthenticated(e)
	}
	if e.Auth.IsSuperuser() {
		return nil, Forbidden()
	}
	s, err := a.Authz.Subject(e.Auth.Id)
	if err != nil {
		return nil, Unauthorized()
	}
	return s, nil
}

// Require returns the subject if their roles permit act on obj at all, else 403.
func (a *App) Require(e *core.RequestEvent, act, obj string) (*policies.Subject, error) {
	s, err := a.Subject(e)
	if err != nil {
		return nil, err
	}
	if !a.Authz.Permits(s, act, obj) {
		return nil, Forbidden()
	}
	return s, nil
}

// DecodeJSON reads a JSON body into dst; a malformed body is a 400.
func DecodeJSON(e *core.RequestEvent, dst any) error {
	dec := json.NewDecoder(http.MaxBytesReader(e.Response, e.Request.Body, 1<<20))
	if err := dec.Decode(dst); err != nil {
		return NewError(http.StatusBadRequest, "invalid_json", "请求内容不是有效的 JSON")
	}
	return nil
}

const ctxSessionEnded = "govSessionEnded"

// MarkSessionEnded records that the request's token belonged to a session
// that is over, so that a 401 says session_ended.
func MarkSessionEnded(e *core.RequestEvent) { e.Set(ctxSessionEnded, true) }

// SessionEnded reports whether MarkSessionEnded was called for e.
func SessionEnded(e *core.RequestEvent) bool {
	v, _ := e.Get(ctxSessionEnded).(bool)
	return v
}

// Unauthenticated is the 401 for e: session_ended when its session is over.
func Unauthenticated(e *core.RequestEvent) *Error {
	if SessionEnded(e) {
		return NewError(http.StatusUnauthorized, "session_ended", "会话已结束，请重新登录")
	}
	return Unauthorized()
}

// SQL renders e for a hand-written statement, adding its parameters to
// params (for statements that embed a policy Filter or another condition).
// Quoting is the same inside a transaction, so the app's own handle renders.
func (a *App) SQL(e dbx.Expression, params dbx.Params) string {
	return e.Build(a.ConcurrentDB().(*dbx.DB), params)
}
