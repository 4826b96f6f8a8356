package training

import (
	"net/http"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"govcollab/hooks/api"
)

// RosterRow is one person of a course's roster (花名册).
type RosterRow struct {
	User        string          `json:"user"`
	Name        string          `json:"name"`
	UnitName    string          `json:"unit_name"`
	Status      string          `json:"status"` // enrolled | waitlisted | cancelled
	WaitlistPos int             `json:"waitlist_pos,omitempty"`
	Attended    map[string]bool `json:"attended"` // session id → present
	BestScore   *float64        `json:"best_score"`
	Passed      bool            `json:"passed"`
	Credited    bool            `json:"credited"`
}

// HandleRoster is GET /api/gov/courses/{id}/roster: for those who keep
// the course ("oversee": its trainer; hr and leaders above it), everyone enrolled,
// waitlisted or cancelled, with attendance per session, their best quiz
// score and whether the hours were credited. Others: 404 (a course they
// cannot see) or 403.
func (m *Module) HandleRoster(e *core.RequestEvent) error {
	s, course, err := m.courseOf(e)
	if err != nil {
		return err
	}
	if ok, _ := m.app.Authz.Can(s, "oversee", course); !ok {
		return api.NewError(http.StatusForbidden, "forbidden", "只有本课程的培训管理人员可以查看花名册")
	}
	var enrolled []*core.Record
	if err := e.App.RecordQuery(EnrollTable).Where(dbx.HashExp{"course": course.Id}).
		OrderBy("status", "waitlist_pos", "enrolled_at").All(&enrolled); err != nil {
		return err
	}
	var att []struct {
		Session string `db:"session"`
		User    string `db:"user"`
		Present bool   `db:"present"`
	}
	if err := e.App.DB().Select("session", "user", "present").From(AttendanceTable).
		Where(dbx.HashExp{"course": course.Id}).All(&att); err != nil {
		return err
	}
	var scores []struct {
		User   string  `db:"user"`
		Best   float64 `db:"best"`
		Passed bool    `db:"passed"`
	}
	if err := e.App.DB().Select("user", "MAX(score) AS best", "MAX(passed) AS passed").From("quiz_attempts").
		Where(dbx.NewExp("course = {:c} AND status = 'graded'", dbx.Params{"c": course.Id})).GroupBy("user").All(&scores); err != nil {
		return err
	}
	var credited []string
	if err := e.App.DB().Select("user").From(CreditsTable).
		Where(dbx.HashExp{"course": course.Id, "status": "approved"}).Column(&credited); err != nil {
		return err
	}
	nm := api.NewNames(e.App)
	out := []RosterRow{}
	index := map[string]int{}
	for _, r := range enrolled {
		u := r.GetString("user")
		index[u] = len(out)
		out = append(out, RosterRow{User: u, Name: nm.Of("users", u), UnitName: nm.Of("units", r.GetString("unit")),
			Status: r.GetString("status"), WaitlistPos: r.GetInt("waitlist_pos"), Attended: map[string]bool{}})
	}
	for _, a := range att {
		if i, ok := index[a.User]; ok {
			out[i].Attended[a.Session] = a.Present
		}
	}
	for _, s := range scores {
		if i, ok := index[s.User]; ok {
			best := s.Best
			out[i].BestScore, out[i].Passed = &best, s.Passed
		}
	}
	for _, u := range credited {
		if i, ok := index[u]; ok {
			out[i].Credited = true
		}
	}
	return e.JSON(http.StatusOK, map[string]any{"items": out})
}
