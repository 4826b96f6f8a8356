package training

import (
	"net/http"
	"slices"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"govcollab/hooks/api"
	"govcollab/hooks/files"
	"govcollab/policies"
)

// CourseItem is a course in the catalog.
type CourseItem struct {
	ID          string  `json:"id"`
	Title       string  `json:"title"`
	Category    string  `json:"category"`
	Mode        string  `json:"mode"`
	Hours       float64 `json:"hours"`
	Status      string  `json:"status"`
	Trainer     string  `json:"trainer_name"`
	UnitName    string  `json:"unit_name"`
	Capacity    int     `json:"capacity"`
	Enrolled    int     `json:"enrolled"`
	Waitlisted  int     `json:"waitlisted"`
	EnrollFrom  string  `json:"enroll_from"`
	EnrollUntil string  `json:"enroll_until"`
	Year        int     `json:"year"`
	Mine        string  `json:"my_enrollment"` // enrolled | waitlisted | cancelled | ""
}

// Session is a 课次 as shown.
type Session struct {
	ID       string `json:"id"`
	Seq      int    `json:"seq"`
	Title    string `json:"title"`
	StartsAt string `json:"starts_at"`
	EndsAt   string `json:"ends_at"`
	Place    string `json:"place"`
	Attended bool   `json:"attended"` // by the caller
}

// Course is a course's page.
type Course struct {
	CourseItem
	Description string       `json:"description"`
	HTML        string       `json:"description_html"`
	CancelUntil string       `json:"cancel_until"`
	Links       []Link       `json:"links"`
	Files       []files.Info `json:"files"`
	Sessions    []Session    `json:"sessions"`
	Credited    bool         `json:"credited"` // the caller's hours are in the ledger
	Manage      bool         `json:"can_manage"`
	// The completion rule: attendance (every session, or MinSessions) and
	// a passed quiz, each when required.
	RequiresAttendance bool `json:"requires_attendance"`
	RequiresPass       bool `json:"requires_pass"`
	MinSessions        int  `json:"min_sessions"`
}

func (m *Module) item(r *core.Record, nm *api.Names, mine string) CourseItem {
	return CourseItem{ID: r.Id, Title: r.GetString("title"), Category: r.GetString("category"), Mode: r.GetString("mode"),
		Hours: r.GetFloat("hours"), Status: r.GetString("status"), Trainer: nm.Of("users", r.GetString("trainer")),
		UnitName: nm.Of("units", r.GetString("unit")), Capacity: r.GetInt("capacity"), Enrolled: r.GetInt("enrolled"),
		Waitlisted: r.GetInt("waitlisted"), EnrollFrom: r.GetString("enroll_from"), EnrollUntil: r.GetString("enroll_until"),
		Year: r.GetInt("year"), Mine: mine}
}

func (m *Module) answer(e *core.RequestEvent, s *policies.Subject, id string, code int) error {
	r, err := m.load(e.App, s, id)
	if err != nil {
		return err
	}
	out, err := m.page(e.App, s, r)
	if err != nil {
		return err
	}
	return e.JSON(code, out)
}

func (m *Module) page(app core.App, s *policies.Subject, r *core.Record) (*Course, error) {
	nm := api.NewNames(app)
	mine := ""
	if en, err := app.FindFirstRecordByFilter(EnrollTable, "course = {:c} && user = {:u}", dbx.Params{"c": r.Id, "u": s.ID}); err == nil {
		mine = en.GetString("status")
	}
	out := &Course{CourseItem: m.item(r, nm, mine), Description: r.GetString("description"), HTML: r.GetString("description_html"),
		CancelUntil: r.GetString("cancel_until"), Links: []Link{}, Sessions: []Session{},
		RequiresAttendance: r.GetBool("requires_attendance"), RequiresPass: r.GetBool("requires_pass"), MinSessions: r.GetInt("min_sessions")}
	_ = r.UnmarshalJSONField("links", &out.Links)
	var err error
	if out.Files, err = m.files.List(app, "course", r.Id); err != nil {
		return nil, err
	}
	var sessions []*core.Record
	if err := app.RecordQuery(SessionsTable).Where(dbx.HashExp{"course": r.Id}).OrderBy("seq").All(&sessions); err != nil {
		return nil, err
	}
	var attended []string
	_ = app.DB().Select("session").From(AttendanceTable).Where(dbx.HashExp{"course": r.Id, "user": s.ID, "present": true}).Column(&attended)
	for _, ss := range sessions {
		out.Sessions = append(out.Sessions, Session{ID: ss.Id, Seq: ss.GetInt("seq"), Title: ss.GetString("title"),
			StartsAt: ss.GetString("starts_at"), EndsAt: ss.GetString("ends_at"), Place: ss.GetString("place"),
			Attended: slices.Contains(attended, ss.Id)})
	}
	var credited int
	_ = app.DB().Select("COUNT(*)").From(CreditsTable).Where(dbx.HashExp{"course": r.Id, "user": s.ID, "status": "approved"}).Row(&credited)
	out.Credited = credited > 0
	out.Manage, _ = m.app.Authz.Can(s, "manage", r)
	return out, nil
}

// HandleView is GET /api/gov/courses/{id}.
func (m *Module) HandleView(e *core.RequestEvent) error {
	s, err := m.app.Require(e, "read", "course")
	if err != nil {
		return err
	}
	return m.answer(e, s, e.Request.PathValue("id"), http.StatusOK)
}

var catalogSpec = api.ListSpec{
	Object:      "course",
	Sort:        map[string]string{"created": "created", "title": "title", "enroll_until": "enroll_until"},
	DefaultSort: "-created",
	Filters: []api.FilterParam{
		{Name: "category", Kind: api.FilterIn, Columns: []string{"category"}},
		{Name: "status", Kind: api.FilterIn, Columns: []string{"status"}},
		{Name: "q", Kind: api.FilterContains, Columns: []string{"title"}},
	},
}

// HandleList is GET /api/gov/courses: the catalog — published courses
// whose audience includes the caller, and the courses they keep.
func (m *Module) HandleList(e *core.RequestEvent) error {
	s, err := m.app.Subject(e)
	if err != nil {
		return err
	}
	spec := catalogSpec
	if spec.Where, err = m.visible(e.App, s); err != nil {
		return err
	}
	nm := api.NewNames(e.App)
	return api.ListPage(m.app, e, spec, func(s *policies.Subject, recs []*core.Record) ([]CourseItem, error) {
		ids := make([]any, len(recs))
		for i, r := range recs {
			ids[i] = r.Id
		}
		mine := map[string]string{}
		if len(ids) > 0 {
			var rows []struct {
				Course string `db:"course"`
				Status string `db:"status"`
			}
			if err := e.App.DB().Select("course", "status").From(EnrollTable).
				Where(dbx.And(dbx.HashExp{"user": s.ID}, dbx.In("course", ids...))).All(&rows); err != nil {
				return nil, err
			}
			for _, r := range rows {
				mine[r.Course] = r.Status
			}
		}
		out := make([]CourseItem, 0, len(recs))
		for _, r := range recs {
			out = append(out, m.item(r, nm, mine[r.Id]))
		}
		return out, nil
	})
}
