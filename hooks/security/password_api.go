package security

import (
	"net/http"
	"strings"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"govcollab/hooks/api"
)

// HandlePasswordPolicy answers GET /api/gov/auth/password-policy.
func (a *Auth) HandlePasswordPolicy(e *core.RequestEvent) error {
	if e.Auth == nil {
		return api.Unauthenticated(e)
	}
	return e.JSON(http.StatusOK, a.sessions.Settings.Get(e.App).PasswordPolicy())
}

// passwordChangeInput is the body of POST /api/gov/auth/password.
type passwordChangeInput struct {
	Old string `json:"old"`
	New string `json:"new"`
}

// PasswordChanged is the answer: what the session still owes, if anything.
type PasswordChanged struct {
	Require []string `json:"require"`
}

// HandlePasswordChange answers POST /api/gov/auth/password {old, new}: it
// sets the new password, completes this session's password_change step and
// ends the user's other sessions. The calling token keeps working.
func (a *Auth) HandlePasswordChange(e *core.RequestEvent) error {
	if e.Auth == nil || e.Auth.Collection().Name != "users" {
		return api.Unauthenticated(e)
	}
	var in passwordChangeInput
	if err := api.DecodeJSON(e, &in); err != nil {
		return err
	}
	user, err := e.App.FindRecordById("users", e.Auth.Id)
	if err != nil {
		return api.Unauthenticated(e)
	}
	if in.Old == "" {
		return api.BadField("old", "required", "请输入当前密码")
	}
	if len(in.Old) > 255 || !user.ValidatePassword(in.Old) {
		a.sessions.Emit(e.App, AuthEvent{UserID: user.Id, IP: e.RealIP(), Action: "auth.password_change", Result: "failed", Detail: "wrong old password"})
		return api.BadField("old", "wrong", "当前密码不正确")
	}
	if verr := CheckPassword(a.sessions.Settings.Get(e.App), "new", in.New); verr != nil {
		return verr
	}
	if in.New == in.Old {
		return api.BadField("new", "unchanged", "新密码不能与当前密码相同")
	}
	sid := SessionID(e)
	err = e.App.RunInTransaction(func(tx core.App) error {
		tokenKey := user.TokenKey()
		user.SetPassword(in.New)
		user.Set("must_change_password", false)
		user.Set("password_changed", a.now())
		if err := tx.Save(user); err != nil {
			return err
		}
		// Sessions decide which tokens live: keep the key so this session's
		// token goes on working, and end the others.
		if _, err := tx.DB().NewQuery("UPDATE users SET tokenKey = {:k} WHERE id = {:id}").
			Bind(dbx.Params{"k": tokenKey, "id": user.Id}).Execute(); err != nil {
			return err
		}
		if err := a.sessions.EndAllExcept(tx, user.Id, sid, "password_change"); err != nil {
			return err
		}
		if sid == "" {
			return nil
		}
		return a.sessions.CompleteStep(tx, sid, "password_change")
	})
	if err != nil {
		return err
	}
	a.sessions.Emit(e.App, AuthEvent{UserID: user.Id, IP: e.RealIP(), Action: "auth.password_change", Result: "ok"})
	out := PasswordChanged{Require: []string{}}
	if sess, err := e.App.FindRecordById("sessions", sid); err == nil {
		if p := pendingOf(sess); len(p) > 0 {
			out.Require = p
		}
	}
	return e.JSON(http.StatusOK, out)
}

// PasswordReset is the answer to POST /api/gov/admin/users/{id}/reset-password:
// the one-time password is shown this once.
type PasswordReset struct {
	ID              string `json:"id"`
	Username        string `json:"username"`
	InitialPassword string `json:"initial_password"`
}

// HandleResetPassword answers POST /api/gov/admin/users/{id}/reset-password
// (sysadmin, policy user manage): a random one-time password, a forced change
// at the next login, every session of the account ended, its lock cleared.
func (a *Auth) HandleResetPassword(e *core.RequestEvent) error {
	s, err := a.app.Require(e, "manage", "user")
	if err != nil {
		return err
	}
	user, err := e.App.FindRecordById("users", e.Request.PathValue("id"))
	if err != nil {
		return api.NotFound()
	}
	if ok, _ := a.app.Authz.Can(s, "manage", user); !ok {
		return api.NotFound()
	}
	if user.Id == s.ID {
		return api.BadField("id", "self", "不能重置自己的密码，请使用修改密码")
	}
	password := NewOneTimePassword()
	_, err = a.app.ApplyAs(e, "user.reset_password", func(tx core.App, c *api.Change) error {
		user.SetPassword(password)
		user.Set("must_change_password", true)
		user.Set("password_changed", a.now())
		if err := tx.Save(user); err != nil {
			return err
		}
		if err := a.sessions.EndAll(tx, user.Id, "password_reset"); err != nil {
			return err
		}
		if _, err := a.Unlock(tx, user.GetString("username")); err != nil {
			return err
		}
		c.Object = "users/" + user.Id
		c.After = map[string]any{"must_change_password": true}
		return nil
	})
	if err != nil {
		return err
	}
	return e.JSON(http.StatusOK, PasswordReset{ID: user.Id, Username: user.GetString("username"), InitialPassword: password})
}

// unlockInput is the body of POST /api/gov/admin/unlock.
type unlockInput struct {
	Username string `json:"username"`
}

// Unlocked is the answer to an unlock: whether a lock or a count was cleared.
type Unlocked struct {
	Username string `json:"username"`
	Cleared  bool   `json:"cleared"`
}

// HandleUnlock answers POST /api/gov/admin/unlock {username} (secadmin,
// policy user unlock). Any identity may be cleared, known or not, so the
// answer does not tell which accounts exist either.
func (a *Auth) HandleUnlock(e *core.RequestEvent) error {
	s, err := a.app.Require(e, "unlock", "user")
	if err != nil {
		return err
	}
	var in unlockInput
	if err := api.DecodeJSON(e, &in); err != nil {
		return err
	}
	name := strings.ToLower(strings.TrimSpace(in.Username))
	if name == "" || len(name) > 255 {
		return api.BadField("username", "required", "请输入要解锁的用户名")
	}
	userID := ""
	var id string
	_ = e.App.DB().NewQuery("SELECT id FROM users WHERE username = {:u} COLLATE NOCASE OR (email != '' AND email = {:u} COLLATE NOCASE) LIMIT 1").
		Bind(dbx.Params{"u": name}).Row(&id)
	if u, err := e.App.FindRecordById("users", id); id != "" && err == nil {
		if ok, _ := a.app.Authz.Can(s, "unlock", u); !ok {
			return api.NotFound()
		}
		userID, name = u.Id, strings.ToLower(u.GetString("username"))
	}
	cleared, err := a.Unlock(e.App, name)
	if err != nil {
		return err
	}
	a.sessions.Emit(e.App, AuthEvent{UserID: s.ID, Identity: name, IP: e.RealIP(), Action: "auth.unlock", Result: "ok",
		Detail: "unlocked " + name + " (" + userID + ")"})
	return e.JSON(http.StatusOK, Unlocked{Username: name, Cleared: cleared})
}
