package training

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"

	"govcollab/hooks/api"
	"govcollab/hooks/audience"
	"govcollab/hooks/markdown"
	"govcollab/hooks/notify"
)

// HandleUpdate is PATCH /api/gov/courses/{id}: those who manage a draft or
// published course change the fields given (the rest stay). The audience
// is checked again against the editor's reach; capacity may not drop
// below those enrolled, and a raise moves the waitlist up; sessions are
// replaced only while nobody has attended. Hours already credited stay as
// credited.
func (m *Module) HandleUpdate(e *core.RequestEvent) error {
	s, course, err := m.managed(e)
	if err != nil {
		return err
	}
	if st := course.GetString("status"); st != "draft" && st != "published" {
		return api.Conflict("课程已结束或已取消，不能修改")
	}
	p, err := m.patch(e, course)
	if err != nil {
		return err
	}
	if _, ok := p.raw["audience"]; ok {
		if p.aud, err = audience.Check(e.App, m.app.Authz.Filter(s, "publish", "course_target"), p.in.Audience); err != nil {
			return err
		}
	}
	in := p.in
	_, err = m.app.ApplyAs(e, "course.update", func(tx core.App, c *api.Change) error {
		fresh, err := tx.FindRecordById(CoursesTable, course.Id)
		if err != nil {
			return err
		}
		if in.Capacity > 0 && in.Capacity < fresh.GetInt("enrolled") {
			return api.BadField("capacity", "below_enrolled", fmt.Sprintf("人数上限不能少于已报名人数 %d", fresh.GetInt("enrolled")))
		}
		c.Object, c.Before = CoursesTable+"/"+course.Id, map[string]any{"title": fresh.GetString("title"), "hours": fresh.GetFloat("hours"),
			"capacity": fresh.GetInt("capacity")}
		fresh.Load(map[string]any{"title": in.Title, "description": in.Description, "description_html": p.html, "category": in.Category,
			"mode": in.Mode, "hours": in.Hours, "audience": p.aud, "links": in.Links, "capacity": in.Capacity,
			"enroll_from": p.window["enroll_from"], "enroll_until": p.window["enroll_until"], "cancel_until": p.window["cancel_until"],
			"requires_attendance": in.RequiresAttendance == nil || *in.RequiresAttendance, "requires_pass": in.RequiresPass,
			"min_sessions": in.MinSessions})
		if _, ok := p.raw["sessions"]; ok {
			if err := replaceSessions(tx, course.Id, p.sessions); err != nil {
				return err
			}
		}
		if _, ok := p.raw["files"]; ok {
			if _, err := m.files.Set(tx, s.ID, "files", in.Files, "course", course.Id); err != nil {
				return err
			}
		}
		if err := promote(tx, fresh); err != nil {
			return err
		}
		c.After = map[string]any{"fields": slices.Sorted(maps.Keys(p.raw)), "title": in.Title, "hours": in.Hours, "capacity": in.Capacity}
		return tx.Save(fresh)
	})
	if err != nil {
		return err
	}
	return m.answer(e, s, course.Id, http.StatusOK)
}

// coursePatch is a validated edit: the course as it will be, and which
// fields the body gave.
type coursePatch struct {
	raw      map[string]json.RawMessage
	in       *CourseInput
	window   map[string]types.DateTime
	sessions []map[string]any
	aud      *audience.Audience
	html     string
}

// patch overlays the body on the course as it is and validates the result.
func (m *Module) patch(e *core.RequestEvent, course *core.Record) (*coursePatch, error) {
	p := &coursePatch{}
	if err := api.DecodeJSON(e, &p.raw); err != nil {
		return nil, err
	}
	in, err := m.current(e.App, course)
	if err != nil {
		return nil, err
	}
	// lists given replace the old ones whole (json would decode into the
	// old elements and keep fields the new ones leave out)
	for k, reset := range map[string]func(){"audience": func() { in.Audience = audience.Audience{} },
		"sessions": func() { in.Sessions = nil }, "links": func() { in.Links = nil }, "files": func() { in.Files = nil }} {
		if _, ok := p.raw[k]; ok {
			reset()
		}
	}
	b, _ := json.Marshal(p.raw)
	if err := json.Unmarshal(b, in); err != nil {
		return nil, api.BadField("body", "invalid", "请求内容格式不正确")
	}
	if err := in.validate(); err != nil {
		return nil, err
	}
	if p.window, p.sessions, err = in.times(); err != nil {
		return nil, err
	}
	if p.html, err = markdown.Render(in.Description); err != nil {
		return nil, api.BadField("description", "invalid", "课程介绍无法显示，请检查格式")
	}
	p.in, p.aud = in, &in.Audience
	return p, nil
}

// current is the course as a CourseInput, for a patch to overlay.
func (m *Module) current(app core.App, r *core.Record) (*CourseInput, error) {
	moment := func(f string) string {
		if d := r.GetDateTime(f); !d.IsZero() {
			return d.Time().Format(time.RFC3339Nano)
		}
		return ""
	}
	req := r.GetBool("requires_attendance")
	in := &CourseInput{Title: r.GetString("title"), Description: r.GetString("description"), Category: r.GetString("category"),
		Mode: r.GetString("mode"), Hours: r.GetFloat("hours"), Capacity: r.GetInt("capacity"), EnrollFrom: moment("enroll_from"),
		EnrollUntil: moment("enroll_until"), CancelUntil: moment("cancel_until"), RequiresAttendance: &req,
		RequiresPass: r.GetBool("requires_pass"), MinSessions: r.GetInt("min_sessions"), Links: []Link{}}
	_ = r.UnmarshalJSONField("links", &in.Links)
	_ = r.UnmarshalJSONField("audience", &in.Audience)
	fs, err := m.files.List(app, "course", r.Id)
	if err != nil {
		return nil, err
	}
	for _, f := range fs {
		in.Files = append(in.Files, f.ID)
	}
	var sessions []*core.Record
	if err := app.RecordQuery(SessionsTable).Where(dbx.HashExp{"course": r.Id}).OrderBy("seq").All(&sessions); err != nil {
		return nil, err
	}
	for _, ss := range sessions {
		in.Sessions = append(in.Sessions, SessionInput{Title: ss.GetString("title"), StartsAt: ss.GetDateTime("starts_at").Time().Format(time.RFC3339),
			EndsAt: ss.GetDateTime("ends_at").Time().Format(time.RFC3339), Place: ss.GetString("place")})
	}
	return in, nil
}

// replaceSessions swaps a course's sessions, refused (409) once anyone
// has attended one (their attendance refers to them).
func replaceSessions(tx core.App, course string, sessions []map[string]any) error {
	var n int
	if err := tx.DB().Select("COUNT(*)").From(AttendanceTable).Where(dbx.HashExp{"course": course}).Row(&n); err != nil {
		return err
	}
	if n > 0 {
		return api.Conflict("已有签到记录，不能再调整课次")
	}
	if _, err := tx.DB().Delete(SessionsTable, dbx.HashExp{"course": course}).Execute(); err != nil {
		return err
	}
	return addSessions(tx, course, sessions)
}

// addSessions stores a course's sessions.
func addSessions(tx core.App, course string, sessions []map[string]any) error {
	col, err := tx.FindCachedCollectionByNameOrId(SessionsTable)
	if err != nil {
		return err
	}
	for _, sess := range sessions {
		sr := core.NewRecord(col)
		sess["course"] = course
		sr.Load(sess)
		if err := tx.Save(sr); err != nil {
			return err
		}
	}
	return nil
}

// promote moves the waitlist up, in order, into places a raised (or
// lifted) capacity opened; each is told.
func promote(tx core.App, course *core.Record) error {
	free := course.GetInt("capacity") - course.GetInt("enrolled")
	if course.GetInt("capacity") == 0 {
		free = course.GetInt("waitlisted")
	}
	if free <= 0 {
		return nil
	}
	var next []*core.Record
	if err := tx.RecordQuery(EnrollTable).Where(dbx.HashExp{"course": course.Id, "status": "waitlisted"}).
		OrderBy("waitlist_pos").Limit(int64(free)).All(&next); err != nil {
		return err
	}
	var users []string
	for _, n := range next {
		n.Set("status", "enrolled")
		n.Set("waitlist_pos", 0)
		n.Set("enrolled_at", types.NowDateTime())
		if err := tx.Save(n); err != nil {
			return err
		}
		users = append(users, n.GetString("user"))
	}
	course.Set("enrolled", course.GetInt("enrolled")+len(next))
	course.Set("waitlisted", course.GetInt("waitlisted")-len(next))
	return notify.Send(tx, users, notify.Note{Kind: "course.promoted", Title: "候补转正：" + course.GetString("title"),
		Body: "课程扩容，您已转为正式学员。", Link: link(course.Id)})
}
