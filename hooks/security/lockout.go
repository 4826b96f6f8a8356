package security

import (
	"errors"
	"math"
	"net/http"
	"strings"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/router"
	pbsecurity "github.com/pocketbase/pocketbase/tools/security"
	"github.com/pocketbase/pocketbase/tools/types"

	"govcollab/hooks/api"
)

// Auth guards password logins (lockout, per-address limit), keeps the
// password policy and serves the account security routes.
type Auth struct {
	app      *api.App
	sessions *Sessions
	limiter  *loginLimiter
	now      func() time.Time
}

// NewAuth binds the login guards onto app and registers the password step.
func NewAuth(app *api.App, sessions *Sessions) *Auth {
	a := &Auth{app: app, sessions: sessions, limiter: newLoginLimiter(), now: time.Now}
	app.OnRecordAuthWithPasswordRequest().BindFunc(a.onPasswordLogin)
	sessions.AddStep(a.passwordStep)
	app.Cron().MustAdd("govLoginAttemptsPurge", "23 * * * *", func() {
		if _, err := PurgeLoginAttempts(app, time.Now()); err != nil {
			app.Logger().Error("login counters not purged", "error", err.Error())
		}
	})
	return a
}

// PurgeLoginAttempts drops counters that neither lock nor count any more
// (no failure for a day, no running lock), so that guessed identities do not
// pile up.
func PurgeLoginAttempts(app core.App, now time.Time) (int64, error) {
	res, err := app.DB().NewQuery(`DELETE FROM login_attempts
		WHERE (locked_until = '' OR locked_until < {:now}) AND (last_failed = '' OR last_failed < {:before})`).
		Bind(dbx.Params{"now": dateString(now), "before": dateString(now.Add(-24 * time.Hour))}).Execute()
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// lockedError is the same answer for every locked identity, known or not.
func lockedError(until time.Time, now time.Time) *api.Error {
	secs := int(math.Ceil(until.Sub(now).Seconds()))
	if secs < 1 {
		secs = 1
	}
	err := api.NewError(http.StatusTooManyRequests, "locked", "登录失败次数过多，账号已暂时锁定，请稍后再试或联系安全管理员解锁")
	err.RetryAfter = secs
	return err
}

// loginKey is the counter's key: the account's username when the identity
// matched one (so username and email share one counter), else what was typed.
func loginKey(e *core.RecordAuthWithPasswordRequestEvent) string {
	if e.Record != nil {
		return strings.ToLower(e.Record.GetString("username"))
	}
	return strings.ToLower(strings.TrimSpace(e.Identity))
}

// onPasswordLogin checks the per-address limit and the lock before the
// password is verified, then counts the outcome. Counters are written with
// e.App directly (no transaction), so a refused login still records.
func (a *Auth) onPasswordLogin(e *core.RecordAuthWithPasswordRequestEvent) error {
	ip := e.RealIP()
	if !a.trusted(e.App, ip) {
		if ok, first := a.limiter.allow(ip, a.sessions.Settings.Get(e.App).LoginsPerSecondPerIP, a.now()); !ok {
			if first { // one audit row per address and second, not one per request
				a.sessions.Emit(e.App, AuthEvent{Identity: e.Identity, IP: ip, Action: "auth.login", Result: "denied", Detail: "rate_limited"})
			}
			err := api.NewError(http.StatusTooManyRequests, "too_many_requests", "登录请求过于频繁，请稍后再试")
			err.RetryAfter = 1
			return err
		}
	}
	if e.Collection.Name != "users" {
		return e.Next()
	}
	key := loginKey(e)
	userID := ""
	if e.Record != nil {
		userID = e.Record.Id
	}
	now := a.now()
	if until := a.lockedUntil(e.App, key); until.After(now) {
		a.sessions.Emit(e.App, AuthEvent{UserID: userID, Identity: e.Identity, IP: ip, Action: "auth.login", Result: "denied", Detail: "locked"})
		return lockedError(until, now)
	}
	err := e.Next()
	var apiErr *router.ApiError
	switch {
	case err == nil:
		a.resetFailures(e.App, key)
		a.sessions.Emit(e.App, AuthEvent{UserID: userID, Identity: e.Identity, IP: ip, Action: "auth.login", Result: "ok"})
	case errors.As(err, &apiErr) && apiErr.Status == http.StatusBadRequest:
		// wrong password or unknown identity (PocketBase already ran a dummy
		// bcrypt compare for the latter, so both take about as long)
		a.sessions.Emit(e.App, AuthEvent{UserID: userID, Identity: e.Identity, IP: ip, Action: "auth.login", Result: "failed"})
		a.countFailure(e.App, key, userID, ip, e.Identity)
	default: // right password, but the account may not log in (inactive, demo)
		a.sessions.Emit(e.App, AuthEvent{UserID: userID, Identity: e.Identity, IP: ip, Action: "auth.login", Result: "denied", Detail: err.Error()})
	}
	return err
}

func (a *Auth) lockedUntil(app core.App, key string) time.Time {
	var until string
	err := app.DB().NewQuery("SELECT locked_until FROM login_attempts WHERE identity = {:k}").
		Bind(dbx.Params{"k": key}).Row(&until)
	if err != nil || until == "" {
		return time.Time{}
	}
	dt, err := types.ParseDateTime(until)
	if err != nil {
		return time.Time{}
	}
	return dt.Time()
}

// countFailure adds one failure in a single statement (parallel attempts
// cannot lose a count); failures older than the lock time, or from before
// an expired lock, start the count again. The Nth failure sets the lock.
func (a *Auth) countFailure(app core.App, key, userID, ip, identity string) {
	s := a.sessions.Settings.Get(app)
	now := a.now()
	window := time.Duration(s.LockoutMinutes) * time.Minute
	p := dbx.Params{
		"id": pbsecurity.RandomStringWithAlphabet(15, "abcdefghijklmnopqrstuvwxyz0123456789"),
		"k":  key, "user": userID, "ip": ip,
		"now":   types.NowDateTime().String(),
		"since": dateString(now.Add(-window)), "nowTs": dateString(now),
	}
	var failures int
	err := app.DB().NewQuery(`INSERT INTO login_attempts (id, identity, user, failures, last_failed, locked_until, last_ip, created, updated)
		VALUES ({:id}, {:k}, {:user}, 1, {:nowTs}, '', {:ip}, {:now}, {:now})
		ON CONFLICT(identity) DO UPDATE SET
			failures = CASE WHEN last_failed < {:since} OR (locked_until != '' AND locked_until <= {:nowTs}) THEN 1 ELSE failures + 1 END,
			locked_until = CASE WHEN locked_until != '' AND locked_until <= {:nowTs} THEN '' ELSE locked_until END,
			last_failed = {:nowTs}, last_ip = {:ip}, user = {:user}, updated = {:now}
		RETURNING failures`).Bind(p).Row(&failures)
	if err != nil {
		app.Logger().Error("login failure not counted", "identity", key, "error", err.Error())
		return
	}
	if failures < s.LockoutAttempts {
		return
	}
	until := now.Add(window)
	if _, err := app.DB().NewQuery("UPDATE login_attempts SET locked_until = {:until} WHERE identity = {:k}").
		Bind(dbx.Params{"until": dateString(until), "k": key}).Execute(); err != nil {
		app.Logger().Error("login lock not set", "identity", key, "error", err.Error())
		return
	}
	a.sessions.Emit(app, AuthEvent{UserID: userID, Identity: identity, IP: ip, Action: "auth.lockout", Result: "denied",
		Detail: "locked until " + dateString(until)})
}

func (a *Auth) resetFailures(app core.App, key string) {
	_, err := app.DB().NewQuery("UPDATE login_attempts SET failures = 0, locked_until = '', updated = {:now} WHERE identity = {:k}").
		Bind(dbx.Params{"k": key, "now": types.NowDateTime().String()}).Execute()
	if err != nil {
		app.Logger().Error("login failures not reset", "identity", key, "error", err.Error())
	}
}

// Unlock clears the counter of an identity; it reports whether one was locked.
func (a *Auth) Unlock(app core.App, key string) (bool, error) {
	res, err := app.DB().NewQuery(`UPDATE login_attempts SET failures = 0, locked_until = '', updated = {:now}
		WHERE identity = {:k} AND (locked_until != '' OR failures > 0)`).
		Bind(dbx.Params{"k": strings.ToLower(key), "now": types.NowDateTime().String()}).Execute()
	if err != nil {
		return false, err
	}
	n, _ := res.RowsAffected()
	return n > 0, nil
}

// dateString formats t the way PocketBase stores dates, so that SQL string
// comparisons order them.
func dateString(t time.Time) string {
	dt, _ := types.ParseDateTime(t)
	return dt.String()
}
