package security

import (
	"net/http"
	"strconv"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/subscriptions"
	"github.com/pocketbase/pocketbase/tools/types"

	"govcollab/hooks/api"
)

// SessionView is one of my sessions in GET /api/gov/sessions.
type SessionView struct {
	ID        string `json:"id"`
	Created   string `json:"created"`
	LastSeen  string `json:"last_seen"`
	Expires   string `json:"expires"`
	IP        string `json:"ip"`
	UserAgent string `json:"user_agent"`
	Current   bool   `json:"current"`
	Ended     string `json:"ended"`
	EndReason string `json:"end_reason"`
}

// EndAllExcept closes every open session of a user but keep (a password
// change keeps the session that made it).
func (s *Sessions) EndAllExcept(app core.App, userID, keep, reason string) error {
	_, err := app.DB().NewQuery(`UPDATE sessions SET ended = {:now}, end_reason = {:reason}
		WHERE user = {:user} AND ended = '' AND id != {:keep}`).Bind(dbx.Params{
		"now": types.NowDateTime().String(), "reason": reason, "user": userID, "keep": keep,
	}).Execute()
	if err != nil {
		return err
	}
	discardStreams(app, func(c subscriptions.Client) bool {
		auth, _ := c.Get(apis.RealtimeClientAuthKey).(*core.Record)
		return auth != nil && auth.Id == userID && (keep == "" || c.Get(clientSession) != keep)
	})
	detail := "all: " + reason
	if keep != "" {
		detail = "all but the current one: " + reason
	}
	s.Emit(app, AuthEvent{UserID: userID, Action: "auth.session_end", Result: "ok", Detail: detail})
	return nil
}

// HandleList answers GET /api/gov/sessions: the caller's sessions, newest
// first, in the list envelope (?page, ?perPage).
func (s *Sessions) HandleList(e *core.RequestEvent) error {
	if e.Auth == nil || e.Auth.IsSuperuser() {
		return api.Unauthenticated(e)
	}
	q := e.Request.URL.Query()
	page, _ := strconv.Atoi(q.Get("page"))
	perPage, _ := strconv.Atoi(q.Get("perPage"))
	if page < 1 {
		page = 1
	}
	if perPage < 1 {
		perPage = 20
	}
	perPage = min(perPage, 100)
	mine := dbx.HashExp{"user": e.Auth.Id}
	var total int
	if err := e.App.DB().Select("COUNT(*)").From("sessions").Where(mine).Row(&total); err != nil {
		return err
	}
	var rows []struct {
		ID        string `db:"id"`
		Created   string `db:"created"`
		LastSeen  string `db:"last_seen"`
		Expires   string `db:"expires"`
		IP        string `db:"ip"`
		UserAgent string `db:"user_agent"`
		Ended     string `db:"ended"`
		EndReason string `db:"end_reason"`
	}
	err := e.App.DB().Select("id", "created", "last_seen", "expires", "ip", "user_agent", "ended", "end_reason").
		From("sessions").Where(mine).OrderBy("created DESC", "id DESC").
		Offset(int64((page - 1) * perPage)).Limit(int64(perPage)).All(&rows)
	if err != nil {
		return err
	}
	current := SessionID(e)
	out := api.Page[SessionView]{Page: page, PerPage: perPage, TotalItems: total,
		TotalPages: (total + perPage - 1) / perPage, Items: make([]SessionView, 0, len(rows))}
	for _, r := range rows {
		out.Items = append(out.Items, SessionView{ID: r.ID, Created: r.Created, LastSeen: r.LastSeen, Expires: r.Expires,
			IP: r.IP, UserAgent: r.UserAgent, Current: r.ID == current, Ended: r.Ended, EndReason: r.EndReason})
	}
	return e.JSON(http.StatusOK, out)
}

// HandleEnd answers DELETE /api/gov/sessions/{id}: ends one of my sessions
// (another user's id is a 404, like a missing one).
func (s *Sessions) HandleEnd(e *core.RequestEvent) error {
	if e.Auth == nil || e.Auth.IsSuperuser() {
		return api.Unauthenticated(e)
	}
	rec, err := e.App.FindFirstRecordByFilter("sessions", "id = {:id} && user = {:user}",
		dbx.Params{"id": e.Request.PathValue("id"), "user": e.Auth.Id})
	if err != nil {
		return api.NotFound()
	}
	if rec.GetDateTime("ended").IsZero() {
		if err := s.end(e.App, rec, "revoked"); err != nil {
			return err
		}
		s.Emit(e.App, AuthEvent{UserID: e.Auth.Id, IP: e.RealIP(), Action: "auth.session_end", Result: "ok", Detail: rec.Id})
	}
	return e.NoContent(http.StatusNoContent)
}
