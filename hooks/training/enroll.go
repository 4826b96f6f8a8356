package training

import (
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"

	"govcollab/hooks/api"
	"govcollab/hooks/audience"
	"govcollab/hooks/notify"
	"govcollab/policies"
)

// EnrollInput is the body of enroll and cancel: no users for oneself, or
// the people a leader or hr enrols (cancels) for their subtree.
type EnrollInput struct {
	Users  []string `json:"users"`
	Reason string   `json:"reason"`
}

// HandleEnroll is POST /api/gov/courses/{id}/enroll: within the enrolment
// window, a person of the course's audience enrols (a waitlist position
// once the course is full); leaders and hr enrol their people.
func (m *Module) HandleEnroll(e *core.RequestEvent) error {
	s, course, in, err := m.enrolment(e)
	if err != nil {
		return err
	}
	if course.GetString("status") != "published" {
		return api.Conflict("课程未发布或已结束报名")
	}
	now := m.now()
	if f := course.GetDateTime("enroll_from"); !f.IsZero() && now.Before(f.Time()) {
		return api.Conflict("报名尚未开始")
	}
	if u := course.GetDateTime("enroll_until"); !u.IsZero() && now.After(u.Time()) {
		return api.Conflict("报名已截止")
	}
	users := in.Users
	if len(users) == 0 {
		users = []string{s.ID}
		ok, err := m.inAudienceOf(e.App, s, course.Id)
		if err != nil {
			return err
		}
		if !ok {
			return api.NewError(http.StatusForbidden, "not_audience", "本课程不面向您所在的单位或岗位")
		}
	} else if err := m.mayAssign(e.App, s, users); err != nil {
		return err
	}
	_, err = m.app.ApplyAs(e, "course.enroll", func(tx core.App, c *api.Change) error {
		fresh, err := tx.FindRecordById(CoursesTable, course.Id)
		if err != nil {
			return err
		}
		out := map[string]string{}
		for _, u := range users {
			st, err := m.enrollOne(tx, fresh, u, s.ID)
			if err != nil {
				return err
			}
			out[u] = st
		}
		c.Object, c.After = CoursesTable+"/"+course.Id, out
		return tx.Save(fresh)
	})
	if err != nil {
		return err
	}
	return m.answer(e, s, course.Id, http.StatusOK)
}

// enrolment reads the course (404 when not visible) and the body.
func (m *Module) enrolment(e *core.RequestEvent) (*policies.Subject, *core.Record, EnrollInput, error) {
	var in EnrollInput
	s, err := m.app.Require(e, "read", "course")
	if err != nil {
		return nil, nil, in, err
	}
	course, err := m.load(e.App, s, e.Request.PathValue("id"))
	if err != nil {
		return nil, nil, in, err
	}
	if e.Request.ContentLength != 0 {
		if err := api.DecodeJSON(e, &in); err != nil {
			return nil, nil, in, err
		}
	}
	in.Users = audience.Dedupe(in.Users)
	if len(in.Users) > 500 {
		return nil, nil, in, api.BadField("users", "too_many", "一次最多 500 人")
	}
	return s, course, in, nil
}

// inAudienceOf reports whether course id is offered to s.
func (m *Module) inAudienceOf(app core.App, s *policies.Subject, id string) (bool, error) {
	aud, err := inAudience(app, s)
	if err != nil {
		return false, err
	}
	var n int
	err = app.DB().Select("COUNT(*)").From(CoursesTable).Where(dbx.And(dbx.HashExp{"courses.id": id}, aud)).Row(&n)
	return n > 0, err
}

// mayAssign: a leader or hr enrols (or cancels for) active people of the
// subtrees where they hold that role; anyone else is a 400 on users.
func (m *Module) mayAssign(app core.App, s *policies.Subject, users []string) error {
	var roots []string
	for _, a := range s.Assignments {
		if a.Role == "leader" || a.Role == "hr" {
			roots = append(roots, a.Unit.Path)
		}
	}
	if len(roots) == 0 {
		return api.NewError(http.StatusForbidden, "forbidden", "只有领导和人事干部可以为他人报名")
	}
	var rows []struct {
		ID   string `db:"id"`
		Name string `db:"name"`
		Path string `db:"unit_path"`
	}
	if err := app.DB().Select("id", "name", "unit_path").From("users").Where(dbx.And(dbx.In("id", audience.AnySlice(users)...),
		dbx.HashExp{"active": true})).All(&rows); err != nil {
		return err
	}
	if len(rows) != len(users) {
		return api.BadField("users", "unknown_user", "人员不存在或已停用")
	}
	for _, r := range rows {
		if !slices.ContainsFunc(roots, func(root string) bool { return strings.HasPrefix(r.Path, root) }) {
			return api.BadField("users", "out_of_reach", "「"+r.Name+"」不在您管理的单位范围内")
		}
	}
	return nil
}

// enrollOne enrols user in course (inside tx): enrolled while there is
// room, else next on the waitlist; the course's counts follow.
func (m *Module) enrollOne(tx core.App, course *core.Record, user, by string) (string, error) {
	prev, err := tx.FindFirstRecordByFilter(EnrollTable, "course = {:c} && user = {:u}", dbx.Params{"c": course.Id, "u": user})
	if err == nil && prev.GetString("status") != "cancelled" {
		return prev.GetString("status"), nil // enrolling twice changes nothing
	}
	u, err := tx.FindRecordById("users", user)
	if err != nil {
		return "", err
	}
	status, pos := "enrolled", 0
	if c := course.GetInt("capacity"); c > 0 && course.GetInt("enrolled") >= c {
		status = "waitlisted"
		if err := tx.DB().NewQuery("SELECT COALESCE(MAX(waitlist_pos), 0) + 1 FROM enrollments WHERE course = {:c}").
			Bind(dbx.Params{"c": course.Id}).Row(&pos); err != nil {
			return "", err
		}
	}
	r := prev
	if r == nil {
		col, err := tx.FindCachedCollectionByNameOrId(EnrollTable)
		if err != nil {
			return "", err
		}
		r = core.NewRecord(col)
	}
	assigned := ""
	if by != user {
		assigned = by
	}
	r.Load(map[string]any{"course": course.Id, "user": user, "unit": u.GetString("unit"), "unit_path": u.GetString("unit_path"),
		"status": status, "waitlist_pos": pos, "assigned_by": assigned, "enrolled_at": types.NowDateTime(), "cancelled_at": ""})
	if err := tx.Save(r); err != nil {
		return "", err
	}
	course.Set(status, course.GetInt(status)+1)
	kind, title := "course."+status, "已报名："+course.GetString("title")
	if status == "waitlisted" {
		title = fmt.Sprintf("已进入候补（第 %d 位）：%s", pos, course.GetString("title"))
	}
	if assigned != "" { // enrolled by their leader or hr: say so
		kind, title = "course.assigned", "已为您报名："+course.GetString("title")
		if status == "waitlisted" {
			title = fmt.Sprintf("已为您报名（候补第 %d 位）：%s", pos, course.GetString("title"))
		}
	}
	return status, notify.Send(tx, []string{user}, notify.Note{Kind: kind, Title: title, Link: link(course.Id)})
}

func link(id string) string { return "#/training/" + id }

// HandleCancel is POST /api/gov/courses/{id}/cancel: one's own enrolment
// until the cancellation deadline; leaders and hr for their people at any
// time. The first on the waitlist takes the freed place.
func (m *Module) HandleCancel(e *core.RequestEvent) error {
	s, course, in, err := m.enrolment(e)
	if err != nil {
		return err
	}
	users := in.Users
	if len(users) == 0 {
		users = []string{s.ID}
		if d := course.GetDateTime("cancel_until"); !d.IsZero() && m.now().After(d.Time()) {
			return api.Conflict("已过取消报名的期限，请联系本单位人事干部")
		}
	} else if err := m.mayAssign(e.App, s, users); err != nil {
		return err
	}
	_, err = m.app.ApplyAs(e, "course.cancel", func(tx core.App, c *api.Change) error {
		fresh, err := tx.FindRecordById(CoursesTable, course.Id)
		if err != nil {
			return err
		}
		for _, u := range users {
			if err := m.cancelOne(tx, fresh, u, in.Reason); err != nil {
				return err
			}
		}
		c.Object, c.After = CoursesTable+"/"+course.Id, map[string]any{"cancelled": users}
		return tx.Save(fresh)
	})
	if err != nil {
		return err
	}
	return m.answer(e, s, course.Id, http.StatusOK)
}

func (m *Module) cancelOne(tx core.App, course *core.Record, user, reason string) error {
	r, err := tx.FindFirstRecordByFilter(EnrollTable, "course = {:c} && user = {:u}", dbx.Params{"c": course.Id, "u": user})
	if err != nil || r.GetString("status") == "cancelled" {
		return api.Conflict("未报名本课程")
	}
	was := r.GetString("status")
	r.Set("status", "cancelled")
	r.Set("cancelled_at", types.NowDateTime())
	r.Set("reason", strings.TrimSpace(reason))
	if err := tx.Save(r); err != nil {
		return err
	}
	course.Set(was, course.GetInt(was)-1)
	if was != "enrolled" {
		return nil
	}
	var next []*core.Record
	if err := tx.RecordQuery(EnrollTable).Where(dbx.HashExp{"course": course.Id, "status": "waitlisted"}).
		OrderBy("waitlist_pos").Limit(1).All(&next); err != nil || len(next) == 0 {
		return err
	}
	n := next[0]
	n.Set("status", "enrolled")
	n.Set("waitlist_pos", 0)
	if err := tx.Save(n); err != nil {
		return err
	}
	course.Set("enrolled", course.GetInt("enrolled")+1)
	course.Set("waitlisted", course.GetInt("waitlisted")-1)
	return notify.Send(tx, []string{n.GetString("user")}, notify.Note{Kind: "course.promoted",
		Title: "候补转正：" + course.GetString("title"), Body: "有学员取消报名，您已转为正式学员。", Link: link(course.Id)})
}
