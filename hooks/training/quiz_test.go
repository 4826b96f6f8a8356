package training_test

import (
	"strings"
	"testing"
	"time"

	"github.com/pocketbase/dbx"

	"govcollab/hooks/apptest"
)

func quizBody() map[string]any {
	return map[string]any{"pass_mark": 6, "attempts_limit": 2, "time_limit_min": 30, "questions": []map[string]any{
		{"kind": "single", "text": "电子公文的法定效力依据？", "options": []string{"电子签名法", "合同法", "物权法"}, "answer": []int{0}, "points": 2},
		{"kind": "multiple", "text": "以下属于政务数据安全措施的有？", "options": []string{"分级分类", "加密传输", "明文共享"}, "answer": []int{0, 1}, "points": 3},
		{"kind": "truefalse", "text": "涉密信息可以在互联网处理。", "answer": []int{1}, "points": 1},
		{"kind": "short", "text": "简述数字政府建设的主要任务。", "reference": "数据共享、一网通办", "points": 4}}}
}

// TestQuizRules: saving a quiz — its managers only, 400 naming the field;
// a learner sees no answers, the trainer does; 三员 and another city
// nothing.
func TestQuizRules(t *testing.T) {
	e := newEnv(t)
	id := course(e, map[string]any{"requires_pass": true})
	path := "/api/gov/courses/" + id + "/quiz"
	e.Must(403, "staff.east.tax", "POST", path, quizBody())
	e.Must(404, "leader.west", "POST", path, quizBody())
	e.Must(403, "admin.sys", "GET", path, nil)
	bad := []struct {
		field, key string
		val        any
	}{
		{"questions[1].options", "options", []string{"仅一个"}},
		{"questions[1].answer", "answer", []int{5}},
		{"questions[1].kind", "kind", "essay"},
		{"questions[1].points", "points", 0},
	}
	for _, b := range bad {
		body := quizBody()
		body["questions"].([]map[string]any)[1][b.key] = b.val
		if out := e.Must(400, "leader.east", "POST", path, body); !strings.Contains(toJSON(out["data"]), b.field) {
			t.Fatalf("%s: %v", b.field, out)
		}
	}
	body := quizBody()
	body["pass_mark"] = 11
	if out := e.Must(400, "leader.east", "POST", path, body); !strings.Contains(toJSON(out["data"]), "pass_mark") {
		t.Fatalf("pass_mark: %v", out)
	}
	if count(t, e, "SELECT COUNT(*) FROM quizzes", nil) != 0 {
		t.Fatal("a refused quiz was stored")
	}
	if q := e.Must(200, "staff.east.tax", "GET", path, nil); q["exists"] != false {
		t.Fatalf("no quiz yet: %v", q)
	}
	saved := e.Must(200, "leader.east", "POST", path, quizBody())
	if saved["total_points"] != float64(10) || saved["requires_pass"] != true || !strings.Contains(toJSON(saved), `"reference"`) {
		t.Fatalf("saved quiz: %v", saved)
	}
	learner := e.Must(200, "staff.east.tax", "GET", path, nil)
	if learner["exists"] != true || strings.Contains(toJSON(learner["questions"]), `"answer"`) || strings.Contains(toJSON(learner), "一网通办") ||
		len(learner["questions"].([]any)) != 4 || learner["can_manage"] != false {
		t.Fatalf("a learner's view shows answers: %v", learner)
	}
	e.Must(404, "staff.west.tax", "GET", path, nil)
	// not enrolled: no attempt
	e.Must(409, "staff.east.tax", "POST", path+"/attempts", nil)
}

// TestQuizToLedger: attendance alone does not credit a course that
// requires a pass; choices are graded at once, short answers by the
// trainer (the learner told); the pass credits the hours; attempts beyond
// the limit are refused; a late submission scores 0; grading again to a
// fail takes the hours back.
func TestQuizToLedger(t *testing.T) {
	e := newEnv(t)
	id := course(e, map[string]any{"requires_pass": true})
	path := "/api/gov/courses/" + id + "/quiz"
	e.Must(200, "leader.east", "POST", path, quizBody())
	staff := apptest.UserID(t, "staff.east.tax")
	e.Must(200, "staff.east.tax", "POST", "/api/gov/courses/"+id+"/enroll", nil)
	for _, s := range sessionIDs(t, e, id) {
		e.Must(200, "leader.east", "POST", "/api/gov/courses/"+id+"/attendance", map[string]any{"session": s, "user": staff, "present": true, "reason": "纸质签到补录"})
	}
	hours := func() any { return e.Must(200, "staff.east.tax", "GET", "/api/gov/training/me", nil)["hours"] }
	if h := hours(); h != float64(0) {
		t.Fatalf("credited before the quiz: %v", h)
	}
	a := e.Must(201, "staff.east.tax", "POST", path+"/attempts", nil)
	aid := a["id"].(string)
	if a["n"] != float64(1) || strings.Contains(toJSON(a["questions"]), `"answer"`) || a["due_at"] == "" {
		t.Fatalf("attempt: %v", a)
	}
	if again := e.Must(200, "staff.east.tax", "POST", path+"/attempts", nil); again["id"] != aid {
		t.Fatalf("the open attempt is not given back: %v", again)
	}
	e.Must(404, "staff.east.hr", "POST", path+"/attempts/"+aid+"/submit", map[string]any{})
	if out := e.Must(400, "staff.east.tax", "POST", path+"/attempts/"+aid+"/submit", map[string]any{"answers": map[string]any{"q9": map[string]any{"choices": []int{0}}}}); !strings.Contains(toJSON(out["data"]), "answers.q9") {
		t.Fatalf("unknown question: %v", out)
	}
	answers := map[string]any{"q1": map[string]any{"choices": []int{0}}, "q2": map[string]any{"choices": []int{0}},
		"q3": map[string]any{"choices": []int{1}}, "q4": map[string]any{"text": "推进数据共享，一网通办。"}}
	sub := e.Must(200, "staff.east.tax", "POST", path+"/attempts/"+aid+"/submit", map[string]any{"answers": answers})
	if sub["status"] != "submitted" || sub["auto_score"] != float64(3) || sub["passed"] != false {
		t.Fatalf("submitted: %v", sub)
	}
	e.Must(409, "staff.east.tax", "POST", path+"/attempts/"+aid+"/submit", map[string]any{"answers": answers})
	e.Must(403, "staff.east.tax", "POST", path+"/attempts/"+aid+"/grade", map[string]any{"marks": map[string]any{"q4": map[string]any{"points": 4}}})
	if out := e.Must(400, "leader.east", "POST", path+"/attempts/"+aid+"/grade", map[string]any{"marks": map[string]any{"q4": map[string]any{"points": 5}}}); !strings.Contains(toJSON(out["data"]), "marks.q4.points") {
		t.Fatalf("over-marked: %v", out)
	}
	g := e.Must(200, "leader.east", "POST", path+"/attempts/"+aid+"/grade", map[string]any{"marks": map[string]any{"q4": map[string]any{"points": 4, "comment": "要点齐全"}}})
	if g["status"] != "graded" || g["score"] != float64(7) || g["passed"] != true {
		t.Fatalf("graded: %v", g)
	}
	if count(t, e, "SELECT COUNT(*) FROM notifications WHERE user = {:u} AND kind = 'course.graded'", dbx.Params{"u": staff}) != 1 {
		t.Fatal("the learner was not told of the grade")
	}
	if h := hours(); h != float64(8) {
		t.Fatalf("hours after the pass: %v", h)
	}
	// the trainer sees every attempt with the answers; the second attempt
	// is the last
	tv := e.Must(200, "leader.east", "GET", path, nil)
	if len(tv["attempts"].([]any)) != 1 || !strings.Contains(toJSON(tv), "要点齐全") {
		t.Fatalf("the trainer's view: %v", tv)
	}
	a2 := e.Must(201, "staff.east.tax", "POST", path+"/attempts", nil)
	e.Must(200, "staff.east.tax", "POST", path+"/attempts/"+a2["id"].(string)+"/submit", map[string]any{"answers": map[string]any{}})
	e.Must(409, "staff.east.tax", "POST", path+"/attempts", nil)

	// graded again to a fail: both attempts failed, the hours go back
	e.Must(200, "leader.east", "POST", path+"/attempts/"+aid+"/grade", map[string]any{"marks": map[string]any{"q4": map[string]any{"points": 0}}})
	if h := hours(); h != float64(0) {
		t.Fatalf("hours after failing on regrade: %v", h)
	}
}

// TestQuizLate: submitted past the time limit and its grace, an attempt
// scores 0 and says so.
func TestQuizLate(t *testing.T) {
	e := newEnv(t)
	id := course(e, map[string]any{"requires_pass": true})
	path := "/api/gov/courses/" + id + "/quiz"
	e.Must(200, "leader.east", "POST", path, quizBody())
	e.Must(200, "staff.east.tax", "POST", "/api/gov/courses/"+id+"/enroll", nil)
	clock := time.Now()
	e.G.Training.SetClock(func() time.Time { return clock })
	a := e.Must(201, "staff.east.tax", "POST", path+"/attempts", nil)
	clock = clock.Add(33 * time.Minute)
	out := e.Must(200, "staff.east.tax", "POST", path+"/attempts/"+a["id"].(string)+"/submit", map[string]any{"answers": map[string]any{"q1": map[string]any{"choices": []int{0}}}})
	if out["late"] != true || out["score"] != float64(0) || out["status"] != "graded" || out["passed"] != false {
		t.Fatalf("late submission: %v", out)
	}
	e.Must(409, "leader.east", "POST", path+"/attempts/"+a["id"].(string)+"/grade", map[string]any{"marks": map[string]any{"q4": map[string]any{"points": 4}}})
}
