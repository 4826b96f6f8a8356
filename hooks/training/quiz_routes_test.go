package training_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"
	"github.com/pocketbase/pocketbase/tools/types"

	"govcollab/hooks/apptest"
)

// Fixed ids of the course the route table works on.
const (
	rtCourse  = "trcourse0000001"
	rtAttempt = "trattempt000001"
	rtSession = "trsession000001"
)

// seedRouteCourse adds a published course of 东城市 (leader.east its
// trainer) for the city's subtree, with two sessions, a quiz, staff.east.tax
// enrolled and their first attempt submitted awaiting grading.
func seedRouteCourse(tb testing.TB, app core.App) {
	tb.Helper()
	unit, err := app.FindFirstRecordByData("units", "name", "东城市人民政府")
	if err != nil {
		tb.Fatal(err)
	}
	staff := apptest.UserID(tb, "staff.east.tax")
	tax, _ := app.FindFirstRecordByData("units", "name", "东城市税务局")
	start := time.Now().Add(24 * time.Hour).UTC()
	dt := func(t time.Time) types.DateTime { d, _ := types.ParseDateTime(t); return d }
	var qs []map[string]any
	_ = json.Unmarshal([]byte(toJSON(quizBody()["questions"])), &qs)
	for i := range qs {
		qs[i]["id"] = fmt.Sprintf("q%d", i+1)
	}
	qs[2]["options"] = []string{"正确", "错误"}
	rows := []struct {
		table string
		data  map[string]any
	}{
		{"courses", map[string]any{"id": rtCourse, "title": "路由测试课程", "category": "法律法规", "mode": "面授", "hours": 4,
			"trainer": apptest.UserID(tb, "leader.east"), "unit": unit.Id, "unit_path": unit.GetString("path"), "status": "published",
			"audience": map[string]any{"units": []map[string]any{{"id": unit.Id, "subtree": true}}}, "requires_attendance": true,
			"requires_pass": true, "year": start.Year(), "enrolled": 1}},
		{"course_sessions", map[string]any{"id": rtSession, "course": rtCourse, "seq": 1, "starts_at": dt(start), "ends_at": dt(start.Add(2 * time.Hour))}},
		{"quizzes", map[string]any{"course": rtCourse, "questions": qs, "pass_mark": 6, "total_points": 10, "attempts_limit": 3}},
		{"enrollments", map[string]any{"course": rtCourse, "user": staff, "unit": tax.Id, "unit_path": tax.GetString("path"), "status": "enrolled"}},
	}
	var quiz string
	for _, r := range rows {
		col, err := app.FindCollectionByNameOrId(r.table)
		if err != nil {
			tb.Fatal(err)
		}
		rec := core.NewRecord(col)
		rec.Load(r.data)
		if err := app.Save(rec); err != nil {
			tb.Fatal(r.table, err)
		}
		if r.table == "quizzes" {
			quiz = rec.Id
		}
	}
	col, _ := app.FindCollectionByNameOrId("quiz_attempts")
	a := core.NewRecord(col)
	a.Load(map[string]any{"id": rtAttempt, "quiz": quiz, "course": rtCourse, "user": staff, "unit_path": tax.GetString("path"), "n": 1,
		"status": "submitted", "auto_score": 3, "score": 3, "answers": map[string]any{"q4": map[string]any{"text": "数据共享"}}})
	if err := app.Save(a); err != nil {
		tb.Fatal(err)
	}
}

type trRoute struct {
	name, method, url, user string
	body                    any
	status                  int
	want, notWant           []string
}

func (r trRoute) scenario(t *testing.T) tests.ApiScenario {
	want := r.want
	if len(want) == 0 && r.status >= 400 {
		want = []string{fmt.Sprintf(`"status":%d`, r.status)}
	}
	s := tests.ApiScenario{Name: r.name, Method: r.method, URL: r.url, ExpectedStatus: r.status, ExpectedContent: want,
		NotExpectedContent: r.notWant, TestAppFactory: apptest.Factory, Headers: map[string]string{},
		BeforeTestFunc: func(tb testing.TB, app *tests.TestApp, _ *core.ServeEvent) { seedRouteCourse(tb, app) }}
	if r.user != "" {
		s.Headers["Authorization"] = apptest.Token(t, r.user)
	}
	if r.body != nil {
		s.Body = strings.NewReader(toJSON(r.body))
		s.Headers["Content-Type"] = "application/json"
	}
	return s
}

func fieldErr(field string) []string { return []string{`"status":400`, `"` + field + `":{"code":`} }

// TestCourseRoutes: the quiz, edit, status and QR routes for the
// trainer, a learner, someone of the course's unit not enrolled, another
// city, 三员 and nobody; bad input names the field.
func TestCourseRoutes(t *testing.T) {
	c := "/api/gov/courses/" + rtCourse
	q, at := c+"/quiz", c+"/quiz/attempts/"+rtAttempt
	mark := func(p float64) map[string]any {
		return map[string]any{"marks": map[string]any{"q4": map[string]any{"points": p}}}
	}
	badQuiz := quizBody()
	badQuiz["questions"].([]map[string]any)[0]["options"] = []string{"一个"}
	rows := []trRoute{
		{name: "quiz: learner, no answers", method: "GET", url: q, user: "staff.east.tax", status: 200,
			want: []string{`"exists":true`, "电子公文的法定效力依据", `"n":1`}, notWant: []string{"一网通办", `"answer"`}},
		{name: "quiz: trainer, answers and attempts", method: "GET", url: q, user: "leader.east", status: 200,
			want: []string{"一网通办", `"answer":[0,1]`, "数据共享", `"can_manage":true`}},
		{name: "quiz: audience not enrolled sees no one's attempts", method: "GET", url: q, user: "staff.east.hr", status: 200,
			want: []string{`"attempts":[]`}, notWant: []string{"数据共享"}},
		{name: "quiz: another city", method: "GET", url: q, user: "staff.west.tax", status: 404},
		{name: "quiz: 三员", method: "GET", url: q, user: "admin.audit", status: 403},
		{name: "quiz: nobody", method: "GET", url: q, status: 401},
		{name: "roster: trainer", method: "GET", url: c + "/roster", user: "leader.east", status: 200,
			want: []string{`"name":"褚税务"`, `"status":"enrolled"`, `"unit_name":"东城市税务局"`}},
		{name: "roster: province leader above", method: "GET", url: c + "/roster", user: "leader.prov", status: 200, want: []string{"褚税务"}},
		{name: "roster: the learner", method: "GET", url: c + "/roster", user: "staff.east.tax", status: 403},
		{name: "roster: another city", method: "GET", url: c + "/roster", user: "leader.west", status: 404},
		{name: "roster: 三员", method: "GET", url: c + "/roster", user: "admin.sys", status: 403},
		{name: "roster: nobody", method: "GET", url: c + "/roster", status: 401},
		{name: "save quiz: trainer", method: "POST", url: q, user: "leader.east", body: quizBody(), status: 200, want: []string{`"total_points":10`}},
		{name: "save quiz: learner", method: "POST", url: q, user: "staff.east.tax", body: quizBody(), status: 403},
		{name: "save quiz: another city's leader", method: "POST", url: q, user: "leader.west", body: quizBody(), status: 404},
		{name: "save quiz: bad options", method: "POST", url: q, user: "leader.east", body: badQuiz, status: 400, want: fieldErr("questions[0].options")},
		{name: "start: learner's second attempt", method: "POST", url: q + "/attempts", user: "staff.east.tax", status: 201,
			want: []string{`"n":2`, `"status":"in_progress"`}, notWant: []string{`"answer"`, "一网通办"}},
		{name: "start: not enrolled", method: "POST", url: q + "/attempts", user: "staff.east.hr", status: 409},
		{name: "start: another city", method: "POST", url: q + "/attempts", user: "staff.west.tax", status: 404},
		{name: "submit: already submitted", method: "POST", url: at + "/submit", user: "staff.east.tax", body: map[string]any{}, status: 409},
		{name: "submit: someone else's attempt", method: "POST", url: at + "/submit", user: "staff.east.hr", body: map[string]any{}, status: 404},
		{name: "grade: trainer passes it", method: "POST", url: at + "/grade", user: "leader.east", body: mark(4), status: 200,
			want: []string{`"score":7`, `"passed":true`, `"status":"graded"`}},
		{name: "grade: over the points", method: "POST", url: at + "/grade", user: "leader.east", body: mark(9), status: 400, want: fieldErr("marks.q4.points")},
		{name: "grade: learner", method: "POST", url: at + "/grade", user: "staff.east.tax", body: mark(4), status: 403},
		{name: "grade: another city", method: "POST", url: at + "/grade", user: "leader.west", body: mark(4), status: 404},
		{name: "grade: 三员", method: "POST", url: at + "/grade", user: "admin.sys", body: mark(4), status: 403},
		{name: "edit: trainer", method: "PATCH", url: c, user: "leader.east", body: map[string]any{"title": "路由测试课程（修订）"}, status: 200,
			want: []string{"路由测试课程（修订）", `"category":"法律法规"`}},
		{name: "edit: bad hours", method: "PATCH", url: c, user: "leader.east", body: map[string]any{"hours": -1}, status: 400, want: fieldErr("hours")},
		{name: "edit: learner", method: "PATCH", url: c, user: "staff.east.tax", body: map[string]any{"title": "x"}, status: 403},
		{name: "edit: another city", method: "PATCH", url: c, user: "leader.west", body: map[string]any{"title": "x"}, status: 404},
		{name: "status: close", method: "POST", url: c + "/status", user: "leader.east", body: map[string]any{"status": "closed"}, status: 200,
			want: []string{`"status":"closed"`}},
		{name: "status: back to draft", method: "POST", url: c + "/status", user: "leader.east", body: map[string]any{"status": "draft"}, status: 400,
			want: fieldErr("status")},
		{name: "status: learner", method: "POST", url: c + "/status", user: "staff.east.tax", body: map[string]any{"status": "closed"}, status: 403},
		{name: "qr: no check-in open", method: "GET", url: c + "/sessions/nosession000001/checkin-qr", user: "leader.east", status: 404},
		{name: "qr: learner", method: "GET", url: c + "/sessions/nosession000001/checkin-qr", user: "staff.east.tax", status: 403},
	}
	for _, r := range rows {
		sc := r.scenario(t)
		sc.Test(t)
	}
}
