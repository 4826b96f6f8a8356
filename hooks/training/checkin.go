package training

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"math/big"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"

	"govcollab/hooks/api"
	"govcollab/policies"
)

// Check-in: the trainer opens a session's check-in, which gives a 6-digit
// code to read out and a token for the QR code; each is accepted until its
// time runs out, and a new one replaces the old. An enrolled person checks
// in once per session. Hours are credited as soon as the course's
// attendance rule is met.

// CheckinCode is the answer of opening a session's check-in.
type CheckinCode struct {
	Session string `json:"session"`
	Code    string `json:"code"`
	Token   string `json:"token"`
	Until   string `json:"until"`
	Link    string `json:"link"` // the app page the QR code opens
}

// HandleOpenCheckin is POST /api/gov/courses/{id}/sessions/{sid}/checkin-code
// {minutes}: for those who manage the course.
func (m *Module) HandleOpenCheckin(e *core.RequestEvent) error {
	s, course, err := m.managed(e)
	if err != nil {
		return err
	}
	var in struct {
		Minutes int `json:"minutes"`
	}
	if e.Request.ContentLength != 0 {
		if err := api.DecodeJSON(e, &in); err != nil {
			return err
		}
	}
	if in.Minutes == 0 {
		in.Minutes = 10
	}
	if in.Minutes < 1 || in.Minutes > 240 {
		return api.BadField("minutes", "invalid", "签到码有效时间须在 1 到 240 分钟之间")
	}
	out := CheckinCode{Session: e.Request.PathValue("sid")}
	_, err = m.app.ApplyAs(e, "course.checkin_open", func(tx core.App, c *api.Change) error {
		sess, err := tx.FindFirstRecordByFilter(SessionsTable, "id = {:s} && course = {:c}", dbx.Params{"s": out.Session, "c": course.Id})
		if err != nil {
			return api.NotFound()
		}
		n, err := rand.Int(rand.Reader, big.NewInt(1_000_000))
		if err != nil {
			return err
		}
		tok := make([]byte, 16)
		if _, err := rand.Read(tok); err != nil {
			return err
		}
		until := m.now().Add(time.Duration(in.Minutes) * time.Minute).UTC()
		ut, _ := types.ParseDateTime(until)
		out.Code, out.Token, out.Until = fmt.Sprintf("%06d", n.Int64()), hex.EncodeToString(tok), ut.String()
		out.Link = fmt.Sprintf("#/checkin?c=%s&s=%s&t=%s", course.Id, sess.Id, out.Token)
		sess.Set("checkin_code", out.Code)
		sess.Set("checkin_token", out.Token)
		sess.Set("checkin_until", ut)
		c.Object, c.After = SessionsTable+"/"+sess.Id, map[string]any{"until": out.Until, "opened_by": s.ID}
		return tx.Save(sess)
	})
	if err != nil {
		return err
	}
	return e.JSON(http.StatusOK, out)
}

// courseOf is the course the route's {id} names, as the caller may see it
// (403 without any course to read, 404 for one they cannot see).
func (m *Module) courseOf(e *core.RequestEvent) (*policies.Subject, *core.Record, error) {
	s, err := m.app.Require(e, "read", "course")
	if err != nil {
		return nil, nil, err
	}
	course, err := m.load(e.App, s, e.Request.PathValue("id"))
	return s, course, err
}

// managed reads the course for one who may manage it: 404 when not
// visible, 403 when only visible.
func (m *Module) managed(e *core.RequestEvent) (*policies.Subject, *core.Record, error) {
	s, course, err := m.courseOf(e)
	if err != nil {
		return nil, nil, err
	}
	if ok, _ := m.app.Authz.Can(s, "manage", course); !ok {
		return nil, nil, api.NewError(http.StatusForbidden, "forbidden", "只有本课程的培训管理人员可以操作")
	}
	return s, course, nil
}

// CheckinInput is the body of a check-in: the code read out, or the
// token of the QR code.
type CheckinInput struct {
	Code  string `json:"code"`
	Token string `json:"token"`
}

// HandleCheckin is POST /api/gov/courses/{id}/checkin {code | token}.
func (m *Module) HandleCheckin(e *core.RequestEvent) error {
	var in CheckinInput
	s, course, err := m.courseOf(e)
	if err != nil {
		return err
	}
	if err := api.DecodeJSON(e, &in); err != nil {
		return err
	}
	in.Code, in.Token = strings.TrimSpace(in.Code), strings.TrimSpace(in.Token)
	if in.Code == "" && in.Token == "" {
		return api.BadField("code", "required", "请输入签到码或扫描签到二维码")
	}
	method := "code"
	if in.Token != "" {
		method = "qr"
	}
	guard := s.ID + "/" + course.Id
	if m.guesses.tooMany(guard, m.now()) {
		return &api.Error{Status: http.StatusTooManyRequests, Code: "too_many_attempts", Message: "签到码错误次数过多，请 10 分钟后再试或向授课人确认",
			RetryAfter: int(guessWindow.Seconds())}
	}
	_, err = m.app.ApplyAs(e, "course.checkin", func(tx core.App, c *api.Change) error {
		en, err := tx.FindFirstRecordByFilter(EnrollTable, "course = {:c} && user = {:u} && status = 'enrolled'",
			dbx.Params{"c": course.Id, "u": s.ID})
		if err != nil || en == nil {
			return api.Conflict("您未报名本课程（或仍在候补），不能签到")
		}
		sess, err := m.liveSession(tx, course.Id, in)
		if err != nil {
			var ae *api.Error
			if errors.As(err, &ae) && ae.Status == http.StatusBadRequest {
				m.guesses.miss(guard, m.now())
			}
			return err
		}
		if prev, err := tx.FindFirstRecordByFilter(AttendanceTable, "session = {:s} && user = {:u}",
			dbx.Params{"s": sess.Id, "u": s.ID}); err == nil && prev.GetBool("present") {
			return api.Conflict("您已签到过本课次")
		}
		c.Object, c.After = SessionsTable+"/"+sess.Id, map[string]any{"method": method}
		if err := m.mark(tx, course, sess.Id, s.ID, en.GetString("unit_path"), true, method, "", ""); err != nil {
			return err
		}
		return m.settle(tx, course, s.ID)
	})
	if err != nil {
		return err
	}
	return m.answer(e, s, course.Id, http.StatusOK)
}

// liveSession is the course's session whose open code or token matches.
func (m *Module) liveSession(tx core.App, course string, in CheckinInput) (*core.Record, error) {
	var sessions []*core.Record
	if err := tx.RecordQuery(SessionsTable).Where(dbx.HashExp{"course": course}).All(&sessions); err != nil {
		return nil, err
	}
	now := m.now()
	expired := false
	for _, ss := range sessions {
		match := (in.Token != "" && ss.GetString("checkin_token") != "" && subtle.ConstantTimeCompare([]byte(in.Token), []byte(ss.GetString("checkin_token"))) == 1) ||
			(in.Token == "" && ss.GetString("checkin_code") != "" && subtle.ConstantTimeCompare([]byte(in.Code), []byte(ss.GetString("checkin_code"))) == 1)
		if !match {
			continue
		}
		if now.After(ss.GetDateTime("checkin_until").Time()) {
			expired = true
			continue
		}
		return ss, nil
	}
	if expired {
		return nil, api.Conflict("签到码已过期，请向授课人获取新的签到码")
	}
	field := "code"
	if in.Token != "" {
		field = "token"
	}
	return nil, api.BadField(field, "invalid", "签到码不正确")
}

// mark records presence (or its absence) of user at session.
func (m *Module) mark(tx core.App, course *core.Record, session, user, path string, present bool, method, by, reason string) error {
	r, err := tx.FindFirstRecordByFilter(AttendanceTable, "session = {:s} && user = {:u}", dbx.Params{"s": session, "u": user})
	if err != nil {
		col, cerr := tx.FindCachedCollectionByNameOrId(AttendanceTable)
		if cerr != nil {
			return cerr
		}
		r = core.NewRecord(col)
	}
	r.Load(map[string]any{"session": session, "course": course.Id, "user": user, "unit_path": path, "present": present,
		"method": method, "checked_at": types.NowDateTime(), "corrected_by": by, "reason": reason})
	return tx.Save(r)
}

// settle credits the course's hours once its attendance rule is met and,
// where the course requires it, its quiz passed; it takes them back when a
// correction (of attendance or of a grade) undoes that.
func (m *Module) settle(tx core.App, course *core.Record, user string) error {
	var attended, total int
	if err := tx.DB().Select("COUNT(*)").From(AttendanceTable).Where(dbx.HashExp{"course": course.Id, "user": user, "present": true}).
		Row(&attended); err != nil {
		return err
	}
	if err := tx.DB().Select("COUNT(*)").From(SessionsTable).Where(dbx.HashExp{"course": course.Id}).Row(&total); err != nil {
		return err
	}
	need := total
	if n := course.GetInt("min_sessions"); n > 0 {
		need = n
	}
	met := !course.GetBool("requires_attendance") || attended >= need
	if met && course.GetBool("requires_pass") {
		var passed int
		if err := tx.DB().Select("COUNT(*)").From(AttemptsTable).Where(dbx.HashExp{"course": course.Id, "user": user, "passed": true}).
			Row(&passed); err != nil {
			return err
		}
		met = passed > 0
	}
	prev, _ := tx.FindFirstRecordByFilter(CreditsTable, "course = {:c} && user = {:u}", dbx.Params{"c": course.Id, "u": user})
	switch {
	case met && (prev == nil || prev.GetString("status") != "approved"):
		_, err := m.Credit(tx, CreditInput{User: user, Source: "course", Category: course.GetString("category"),
			Title: course.GetString("title"), Course: course.Id, Hours: course.GetFloat("hours"),
			Year: m.now().In(api.Shanghai).Year(), EarnedAt: m.now(), Status: "approved"})
		return err
	case !met && prev != nil && prev.GetString("status") == "approved":
		return m.Revoke(tx, prev.Id, "更正后未达到结业要求（出勤或测验）")
	}
	return nil
}

// HandleAttendance is POST /api/gov/courses/{id}/attendance {session,
// user, present, reason}: the trainer corrects a record, with a reason on
// the audit trail (before and after).
func (m *Module) HandleAttendance(e *core.RequestEvent) error {
	s, course, err := m.managed(e)
	if err != nil {
		return err
	}
	var in struct {
		Session string `json:"session"`
		User    string `json:"user"`
		Present bool   `json:"present"`
		Reason  string `json:"reason"`
	}
	if err := api.DecodeJSON(e, &in); err != nil {
		return err
	}
	in.Reason = strings.TrimSpace(in.Reason)
	if in.Reason == "" || len([]rune(in.Reason)) > 500 {
		return api.BadField("reason", "required", "请说明更正原因（不超过 500 字）")
	}
	_, err = m.app.ApplyAs(e, "course.attendance", func(tx core.App, c *api.Change) error {
		if _, err := tx.FindFirstRecordByFilter(SessionsTable, "id = {:s} && course = {:c}", dbx.Params{"s": in.Session, "c": course.Id}); err != nil {
			return api.BadField("session", "unknown", "课次不存在")
		}
		en, err := tx.FindFirstRecordByFilter(EnrollTable, "course = {:c} && user = {:u} && status = 'enrolled'", dbx.Params{"c": course.Id, "u": in.User})
		if err != nil {
			return api.BadField("user", "not_enrolled", "该人员未报名本课程")
		}
		before := false
		if prev, err := tx.FindFirstRecordByFilter(AttendanceTable, "session = {:s} && user = {:u}", dbx.Params{"s": in.Session, "u": in.User}); err == nil {
			before = prev.GetBool("present")
		}
		c.Object = AttendanceTable + "/" + in.Session + "/" + in.User
		c.Before, c.After = map[string]any{"present": before}, map[string]any{"present": in.Present, "reason": in.Reason}
		if err := m.mark(tx, course, in.Session, in.User, en.GetString("unit_path"), in.Present, "manual", s.ID, in.Reason); err != nil {
			return err
		}
		return m.settle(tx, course, in.User)
	})
	if err != nil {
		return err
	}
	return m.answer(e, s, course.Id, http.StatusOK)
}

// A 6-digit code could be guessed within its minutes by trying: after
// guessLimit wrong codes in guessWindow a person is refused for the rest
// of the window (per course; one node keeps the count).
const (
	guessLimit  = 5
	guessWindow = 10 * time.Minute
)

type guesses struct {
	mu   sync.Mutex
	seen map[string][]time.Time
}

func (g *guesses) recent(key string, now time.Time) []time.Time {
	var keep []time.Time
	for _, t := range g.seen[key] {
		if now.Sub(t) < guessWindow {
			keep = append(keep, t)
		}
	}
	return keep
}

func (g *guesses) tooMany(key string, now time.Time) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	return len(g.recent(key, now)) >= guessLimit
}

func (g *guesses) miss(key string, now time.Time) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.seen == nil {
		g.seen = map[string][]time.Time{}
	}
	for k := range g.seen { // forget what has run out, so the map stays small
		if len(g.recent(k, now)) == 0 {
			delete(g.seen, k)
		}
	}
	g.seen[key] = append(g.recent(key, now), now)
}
