package training

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"

	"govcollab/hooks/api"
	"govcollab/hooks/audience"
	"govcollab/hooks/markdown"
	"govcollab/migrations"
	"govcollab/policies"
)

// SessionInput is one 课次 of a course.
type SessionInput struct {
	Title    string `json:"title"`
	StartsAt string `json:"starts_at"`
	EndsAt   string `json:"ends_at"`
	Place    string `json:"place"`
}

// Link is a material on the web (http/https only).
type Link struct {
	Title string `json:"title"`
	URL   string `json:"url"`
}

// CourseInput is the body of POST /api/gov/courses.
type CourseInput struct {
	Title              string            `json:"title"`
	Description        string            `json:"description"`
	Category           string            `json:"category"`
	Mode               string            `json:"mode"`
	Hours              float64           `json:"hours"`
	Capacity           int               `json:"capacity"`
	EnrollFrom         string            `json:"enroll_from"`
	EnrollUntil        string            `json:"enroll_until"`
	CancelUntil        string            `json:"cancel_until"`
	RequiresAttendance *bool             `json:"requires_attendance"`
	MinSessions        int               `json:"min_sessions"`
	RequiresPass       bool              `json:"requires_pass"` // the quiz must be passed too
	Links              []Link            `json:"links"`
	Files              []string          `json:"files"` // pending uploads (POST /api/gov/files)
	Sessions           []SessionInput    `json:"sessions"`
	Audience           audience.Audience `json:"audience"`
	Publish            bool              `json:"publish"`
}

// validate checks in and returns it ready to store (400 names the field).
func (in *CourseInput) validate() error {
	in.Title = strings.TrimSpace(in.Title)
	switch {
	case in.Title == "" || utf8.RuneCountInString(in.Title) > 200:
		return api.BadField("title", "required", "请填写课程名称（不超过 200 字）")
	case !slices.Contains(migrations.CourseCategories, in.Category):
		return api.BadField("category", "invalid", "类别须为："+strings.Join(migrations.CourseCategories, "、"))
	case !slices.Contains(migrations.CourseModes, in.Mode):
		return api.BadField("mode", "invalid", "方式须为："+strings.Join(migrations.CourseModes, "、"))
	case in.Hours <= 0 || in.Hours > 200:
		return api.BadField("hours", "invalid", "学时须大于 0、不超过 200")
	case in.Capacity < 0 || in.Capacity > 100000:
		return api.BadField("capacity", "invalid", "人数上限须在 0（不限）到 100000 之间")
	case len(in.Sessions) == 0 || len(in.Sessions) > 100:
		return api.BadField("sessions", "required", "请安排 1 到 100 个课次")
	case in.MinSessions < 0 || in.MinSessions > len(in.Sessions):
		return api.BadField("min_sessions", "invalid", "最少出勤课次不能超过课次数")
	case len(in.Links) > 20:
		return api.BadField("links", "too_many", "链接最多 20 个")
	}
	for i, l := range in.Links {
		u, err := url.Parse(strings.TrimSpace(l.URL))
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return api.BadField(fmt.Sprintf("links[%d].url", i), "invalid", "链接须为 http 或 https 地址")
		}
	}
	return nil
}

// courseTimes parses the enrolment window and the sessions.
func (in *CourseInput) times() (map[string]types.DateTime, []map[string]any, error) {
	w := map[string]types.DateTime{}
	for _, f := range []struct {
		name, raw string
		end       bool
	}{{"enroll_from", in.EnrollFrom, false}, {"enroll_until", in.EnrollUntil, true}, {"cancel_until", in.CancelUntil, true}} {
		t, err := api.ParseMoment(f.name, f.raw, f.end)
		if err != nil {
			return nil, nil, err
		}
		w[f.name] = t
	}
	if !w["enroll_from"].IsZero() && !w["enroll_until"].IsZero() && !w["enroll_until"].Time().After(w["enroll_from"].Time()) {
		return nil, nil, api.BadField("enroll_until", "invalid", "报名截止须晚于报名开始")
	}
	var sessions []map[string]any
	for i, si := range in.Sessions {
		f := fmt.Sprintf("sessions[%d]", i)
		start, err := api.ParseMoment(f+".starts_at", si.StartsAt, false)
		if err != nil {
			return nil, nil, err
		}
		end, err := api.ParseMoment(f+".ends_at", si.EndsAt, false)
		if err != nil {
			return nil, nil, err
		}
		if start.IsZero() || end.IsZero() || !end.Time().After(start.Time()) {
			return nil, nil, api.BadField(f+".ends_at", "invalid", "课次的结束时间须晚于开始时间")
		}
		sessions = append(sessions, map[string]any{"seq": i + 1, "title": strings.TrimSpace(si.Title), "starts_at": start,
			"ends_at": end, "place": strings.TrimSpace(si.Place)})
	}
	return w, sessions, nil
}

// HandleCreate is POST /api/gov/courses: a trainer (or hr, a leader)
// offers a course to an audience within their reach; draft unless publish.
func (m *Module) HandleCreate(e *core.RequestEvent) error {
	s, err := m.app.Require(e, "create", "course")
	if err != nil {
		return err
	}
	var in CourseInput
	if err := api.DecodeJSON(e, &in); err != nil {
		return err
	}
	if err := in.validate(); err != nil {
		return err
	}
	window, sessions, err := in.times()
	if err != nil {
		return err
	}
	aud, err := audience.Check(e.App, m.app.Authz.Filter(s, "publish", "course_target"), in.Audience)
	if err != nil {
		return err
	}
	html, err := markdown.Render(in.Description)
	if err != nil {
		return api.BadField("description", "invalid", "课程介绍无法显示，请检查格式")
	}
	unit, err := e.App.FindRecordById("units", s.Unit.ID)
	if err != nil {
		return err
	}
	var id string
	_, err = m.app.ApplyAs(e, "course.create", func(tx core.App, c *api.Change) error {
		col, err := tx.FindCachedCollectionByNameOrId(CoursesTable)
		if err != nil {
			return err
		}
		r := core.NewRecord(col)
		status := "draft"
		if in.Publish {
			status = "published"
		}
		requires := in.RequiresAttendance == nil || *in.RequiresAttendance
		r.Load(map[string]any{"title": in.Title, "description": in.Description, "description_html": html, "category": in.Category,
			"mode": in.Mode, "hours": in.Hours, "trainer": s.ID, "unit": unit.Id, "unit_path": unit.GetString("path"),
			"system": unit.GetString("system"), "audience": aud, "links": in.Links, "capacity": in.Capacity,
			"enroll_from": window["enroll_from"], "enroll_until": window["enroll_until"], "cancel_until": window["cancel_until"],
			"requires_attendance": requires, "requires_pass": in.RequiresPass, "min_sessions": in.MinSessions, "year": m.now().In(api.Shanghai).Year(),
			"status": status, "created_by": s.ID})
		if err := tx.Save(r); err != nil {
			return err
		}
		if err := addSessions(tx, r.Id, sessions); err != nil {
			return err
		}
		if _, err := m.files.Set(tx, s.ID, "files", in.Files, "course", r.Id); err != nil {
			return err
		}
		id, c.Object = r.Id, CoursesTable+"/"+r.Id
		c.After = map[string]any{"title": in.Title, "status": status, "hours": in.Hours, "sessions": len(sessions)}
		return nil
	})
	if err != nil {
		return err
	}
	return m.answer(e, s, id, http.StatusCreated)
}

// visible is "s may see the course": those who keep it (oversee), for
// published courses everyone in their audience, and once closed or
// cancelled still its learners (check-in and quizzes go on after close).
func (m *Module) visible(app core.App, s *policies.Subject) (dbx.Expression, error) {
	aud, err := inAudience(app, s)
	if err != nil {
		return nil, err
	}
	k := audience.Param()
	learner := dbx.NewExp(`courses.status IN ('closed', 'cancelled') AND EXISTS (SELECT 1 FROM enrollments ve
		WHERE ve.course = courses.id AND ve.user = {:`+k+`} AND ve.status != 'cancelled')`, dbx.Params{k: s.ID})
	return dbx.Or(m.app.Authz.Filter(s, "oversee", "course"), dbx.And(dbx.HashExp{"courses.status": "published"}, aud), learner), nil
}

// load finds course id if s may see it (404 otherwise).
func (m *Module) load(app core.App, s *policies.Subject, id string) (*core.Record, error) {
	where, err := m.visible(app, s)
	if err != nil {
		return nil, err
	}
	var recs []*core.Record
	if err := app.RecordQuery(CoursesTable).Where(dbx.And(dbx.HashExp{"courses.id": id}, m.app.Authz.Filter(s, "read", "course"), where)).
		Limit(1).All(&recs); err != nil {
		return nil, err
	}
	if len(recs) == 0 {
		return nil, api.NotFound()
	}
	return recs[0], nil
}
