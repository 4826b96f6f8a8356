// Package security owns accounts' protection: server-side sessions behind
// every token, the login gate (demo accounts, required steps), and masking
// of personal numbers. Later work adds lockout, TOTP and the audit chain here.
package security

import (
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/hook"
	"github.com/pocketbase/pocketbase/tools/security"
	"github.com/pocketbase/pocketbase/tools/subscriptions"

	"govcollab/hooks/api"
)

// sessionClaim carries the session id inside the PocketBase token.
const sessionClaim = "sid"

// ctxSession holds the live session id on the request event.
const ctxSession = "govSession"

// lastSeenStep throttles last_seen writes to one per minute per session.
const lastSeenStep = time.Minute

// Sessions ties every issued token to a session row and checks that row on
// every request.
type Sessions struct {
	app      *api.App
	Settings *SettingsStore
	steps    []StepCheck
	now      func() time.Time

	// OnAuthEvent fires for every security event of this app.
	OnAuthEvent *hook.Hook[*AuthEvent]
}

// StepCheck says whether a user still owes a step (e.g. "password_change")
// before their session may do anything else.
type StepCheck func(app core.App, user *core.Record) (step string, owed bool)

// NewSessions binds the session hooks to app.
func NewSessions(app *api.App, settings *SettingsStore) *Sessions {
	s := &Sessions{app: app, Settings: settings, now: time.Now, OnAuthEvent: &hook.Hook[*AuthEvent]{}}
	app.OnRecordAuthRequest().BindFunc(s.onAuth)
	app.OnRealtimeSubscribeRequest().BindFunc(s.onSubscribe)
	return s
}

// clientSession is the realtime client store key holding its session id.
const clientSession = "govSession"

// onSubscribe ties a realtime client to the session that subscribed it, so
// ending the session closes the stream too.
func (s *Sessions) onSubscribe(e *core.RealtimeSubscribeRequestEvent) error {
	if e.Auth != nil {
		e.Client.Set(clientSession, SessionID(e.RequestEvent))
	}
	return e.Next()
}

// discardStreams closes the realtime streams whose client matches.
func discardStreams(app core.App, match func(c subscriptions.Client) bool) {
	broker := app.SubscriptionsBroker()
	for id, c := range broker.Clients() {
		if match(c) {
			c.Discard()
			broker.Unregister(id)
		}
	}
}

// AddStep registers a step that new sessions of users who owe it must
// complete first. Demo accounts under serve --demo owe none.
func (s *Sessions) AddStep(check StepCheck) { s.steps = append(s.steps, check) }

// Middleware drops the auth of a request whose session ended, idled out or
// expired (the route then answers 401 session_ended if it needs a user).
// It runs right after PocketBase loads the token.
func (s *Sessions) Middleware() *hook.Handler[*core.RequestEvent] {
	return &hook.Handler[*core.RequestEvent]{
		Id:       "govSessions",
		Priority: -1018, // after loadAuthToken (-1020)
		Func: func(e *core.RequestEvent) error {
			if e.Auth == nil {
				return e.Next()
			}
			if err := s.check(e); err != nil {
				e.Auth = nil
				api.MarkSessionEnded(e)
			}
			return e.Next()
		},
	}
}

// SessionID returns the id of the request's live session, if any.
func SessionID(e *core.RequestEvent) string {
	v, _ := e.Get(ctxSession).(string)
	return v
}

var errSessionOver = errors.New("security: session over")

func (s *Sessions) check(e *core.RequestEvent) error {
	claims, err := security.ParseUnverifiedJWT(bearer(e)) // already verified by loadAuthToken
	if err != nil {
		return errSessionOver
	}
	sid, _ := claims[sessionClaim].(string)
	if sid == "" {
		return errSessionOver
	}
	rec, err := e.App.FindRecordById("sessions", sid)
	if err != nil || rec.GetString("user") != e.Auth.Id || !rec.GetDateTime("ended").IsZero() {
		return errSessionOver
	}
	now := s.now()
	limits := s.Settings.Get(e.App)
	if now.After(rec.GetDateTime("expires").Time()) {
		_ = s.end(e.App, rec, "absolute_timeout")
		return errSessionOver
	}
	last := rec.GetDateTime("last_seen").Time()
	if now.Sub(last) > limits.Idle() {
		_ = s.end(e.App, rec, "idle_timeout")
		return errSessionOver
	}
	if now.Sub(last) > lastSeenStep {
		rec.Set("last_seen", now)
		if err := e.App.SaveNoValidate(rec); err != nil {
			e.App.Logger().Warn("session last_seen not saved", "session", sid, "error", err.Error())
		}
	}
	e.Set(ctxSession, sid)
	e.Set(ctxPending, pendingOf(rec))
	return nil
}

// ctxPending holds the steps the request's session still owes.
const ctxPending = "govPending"

// Pending returns the steps the request's session still owes.
func Pending(e *core.RequestEvent) []string {
	v, _ := e.Get(ctxPending).([]string)
	return v
}

func pendingOf(rec *core.Record) []string {
	var out []string
	_ = rec.UnmarshalJSONField("pending", &out)
	return out
}

// stepRoutes are what a session that owes a step may still call.
var stepRoutes = []string{"/api/gov/auth/", "/api/gov/me", "/api/gov/logout", "/api/gov/info",
	"/api/collections/users/auth-refresh"}

// StepGate answers 403 step_required to a restricted session calling
// anything but the routes that complete its steps.
func StepGate() *hook.Handler[*core.RequestEvent] {
	return &hook.Handler[*core.RequestEvent]{
		Id:       "govStepGate",
		Priority: -1016,
		Func: func(e *core.RequestEvent) error {
			owed := Pending(e)
			p := e.Request.URL.Path
			if len(owed) == 0 || !strings.HasPrefix(p, "/api/") {
				return e.Next()
			}
			for _, allowed := range stepRoutes {
				if strings.HasPrefix(p, allowed) {
					return e.Next()
				}
			}
			err := api.NewError(http.StatusForbidden, "step_required", "请先完成："+stepNames(owed))
			for _, st := range owed {
				err.Data[st] = api.FieldError{Code: "required", Message: stepName(st)}
			}
			return err
		},
	}
}

var stepLabels = map[string]string{"password_change": "修改初始密码", "totp": "输入动态口令", "totp_enrol": "绑定动态口令"}

func stepName(st string) string {
	if l, ok := stepLabels[st]; ok {
		return l
	}
	return st
}

func stepNames(steps []string) string {
	names := make([]string, len(steps))
	for i, st := range steps {
		names[i] = stepName(st)
	}
	return strings.Join(names, "、")
}

// CompleteStep marks step done for the session sid; when nothing is owed
// any more the session's token works everywhere.
func (s *Sessions) CompleteStep(app core.App, sid, step string) error {
	rec, err := app.FindRecordById("sessions", sid)
	if err != nil {
		return err
	}
	var left []string
	for _, st := range pendingOf(rec) {
		if st != step {
			left = append(left, st)
		}
	}
	if left == nil {
		left = []string{}
	}
	rec.Set("pending", left)
	return app.SaveNoValidate(rec)
}

// owedSteps lists what a new session of rec must do first.
func (s *Sessions) owedSteps(app core.App, rec *core.Record) []string {
	out := []string{}
	if rec.Collection().Name != "users" || (rec.GetBool("demo") && s.app.Demo()) {
		return out
	}
	for _, check := range s.steps {
		if st, owed := check(app, rec); owed {
			out = append(out, st)
		}
	}
	return out
}

func bearer(e *core.RequestEvent) string {
	t := e.Request.Header.Get("Authorization")
	if len(t) > 7 && (t[:7] == "Bearer " || t[:7] == "bearer ") {
		return t[7:]
	}
	return t
}

// onAuth runs for every token PocketBase issues (password login, refresh,
// impersonation): it refuses demo accounts outside demo mode, then opens a
// session (or keeps the caller's on refresh) and re-issues the token with it.
func (s *Sessions) onAuth(e *core.RecordAuthRequestEvent) error {
	if e.Record.Collection().Name == "users" && e.Record.GetBool("demo") && !s.app.Demo() {
		return api.NewError(http.StatusForbidden, "demo_disabled", "演示账号只能在演示模式（serve --demo）下登录")
	}
	sid := ""
	if e.AuthMethod == "" && e.Auth != nil && e.Auth.Id == e.Record.Id { // refresh keeps the session
		sid = SessionID(e.RequestEvent)
	}
	token, sid, err := s.Issue(e.App, e.Record, e.Request, sid)
	if err != nil {
		return err
	}
	e.Token = token
	require := []string{}
	if sess, err := e.App.FindRecordById("sessions", sid); err == nil {
		if p := pendingOf(sess); len(p) > 0 {
			require = p
		}
	}
	meta := map[string]any{"require": require, "session": sid}
	if m, ok := e.Meta.(map[string]any); ok {
		for k, v := range m {
			meta[k] = v
		}
	}
	e.Meta = meta
	return e.Next()
}

// Issue opens a session for rec (or extends sid) and returns a token bound
// to it. Tests obtain tokens through this same path.
func (s *Sessions) Issue(app core.App, rec *core.Record, r *http.Request, sid string) (string, string, error) {
	now := s.now()
	var sess *core.Record
	if sid != "" {
		sess, _ = app.FindRecordById("sessions", sid)
	}
	if sess == nil {
		col, err := app.FindCachedCollectionByNameOrId("sessions")
		if err != nil {
			return "", "", err
		}
		sess = core.NewRecord(col)
		sess.Set("user", rec.Id)
		sess.Set("collection", rec.Collection().Name)
		sess.Set("expires", now.Add(s.Settings.Get(app).Absolute()))
		sess.Set("pending", s.owedSteps(app, rec))
		if r != nil {
			sess.Set("ip", clientIP(r))
			ua := r.UserAgent()
			if len(ua) > 300 {
				ua = ua[:300]
			}
			sess.Set("user_agent", ua)
		}
	}
	sess.Set("last_seen", now)
	if err := app.Save(sess); err != nil {
		return "", "", err
	}
	remaining := sess.GetDateTime("expires").Time().Sub(now)
	if remaining <= 0 {
		return "", "", errSessionOver
	}
	token, err := security.NewJWT(jwt.MapClaims{
		core.TokenClaimType:         core.TokenTypeAuth,
		core.TokenClaimId:           rec.Id,
		core.TokenClaimCollectionId: rec.Collection().Id,
		core.TokenClaimRefreshable:  true,
		sessionClaim:                sess.Id,
	}, rec.TokenKey()+rec.Collection().AuthToken.Secret, remaining)
	if err != nil {
		return "", "", err
	}
	return token, sess.Id, nil
}

func clientIP(r *http.Request) string {
	host := r.RemoteAddr
	for i := len(host) - 1; i >= 0; i-- {
		if host[i] == ':' {
			return host[:i]
		}
	}
	return host
}

func (s *Sessions) end(app core.App, sess *core.Record, reason string) error {
	sess.Set("ended", s.now())
	sess.Set("end_reason", reason)
	if err := app.SaveNoValidate(sess); err != nil {
		return err
	}
	discardStreams(app, func(c subscriptions.Client) bool { return c.Get(clientSession) == sess.Id })
	if reason != "logout" { // logout is recorded by Logout with the client's address
		s.Emit(app, AuthEvent{UserID: sess.GetString("user"), Action: "auth.session_end", Result: "ok", Detail: reason})
	}
	return nil
}

// End closes one session.
func (s *Sessions) End(app core.App, sid, reason string) error {
	sess, err := app.FindRecordById("sessions", sid)
	if err != nil {
		return err
	}
	if !sess.GetDateTime("ended").IsZero() {
		return nil
	}
	return s.end(app, sess, reason)
}

// EndAll closes every open session of a user (deactivation, role change,
// password change): their tokens stop working on the next request.
func (s *Sessions) EndAll(app core.App, userID, reason string) error {
	return s.EndAllExcept(app, userID, "", reason)
}

// Logout ends the caller's session (POST /api/gov/logout).
func (s *Sessions) Logout(e *core.RequestEvent) error {
	sid := SessionID(e)
	if e.Auth == nil || sid == "" {
		return api.Unauthenticated(e)
	}
	if err := s.End(e.App, sid, "logout"); err != nil {
		return err
	}
	s.Emit(e.App, AuthEvent{UserID: e.Auth.Id, IP: e.RealIP(), Action: "auth.logout", Result: "ok"})
	return e.NoContent(http.StatusNoContent)
}
