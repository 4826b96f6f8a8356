package training

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"

	"govcollab/hooks/api"
	"govcollab/hooks/notify"
	"govcollab/policies"
)

// lateGrace is how long past its time limit an attempt is still accepted
// (the network, a slow phone). Later, the attempt is recorded as submitted
// late with a score of 0: the learner sees why, and it counts toward the
// attempts limit — refusing it instead would leave it open for ever.
const lateGrace = 2 * time.Minute

// Answer is a learner's answer to one question.
type Answer struct {
	Choices []int  `json:"choices,omitempty"`
	Text    string `json:"text,omitempty"`
}

// Mark is the trainer's grade of one short answer.
type Mark struct {
	Points  float64 `json:"points"`
	Comment string  `json:"comment,omitempty"`
}

// grading is stored in quiz_attempts.grading.
type grading struct {
	Late  bool            `json:"late,omitempty"`
	Items map[string]Mark `json:"items,omitempty"`
}

// AttemptView is an attempt as shown.
type AttemptView struct {
	ID          string            `json:"id"`
	User        string            `json:"user"`
	UserName    string            `json:"user_name"`
	N           int               `json:"n"`
	Status      string            `json:"status"` // in_progress | submitted (awaiting grading) | graded
	Late        bool              `json:"late"`
	AutoScore   float64           `json:"auto_score"`
	Score       float64           `json:"score"`
	Passed      bool              `json:"passed"`
	StartedAt   string            `json:"started_at"`
	DueAt       string            `json:"due_at"`
	SubmittedAt string            `json:"submitted_at"`
	Answers     map[string]Answer `json:"answers"`
	Marks       map[string]Mark   `json:"marks"`
}

func attemptView(r *core.Record, nm *api.Names) AttemptView {
	v := AttemptView{ID: r.Id, User: r.GetString("user"), UserName: nm.Of("users", r.GetString("user")), N: r.GetInt("n"),
		Status: r.GetString("status"), AutoScore: r.GetFloat("auto_score"), Score: r.GetFloat("score"), Passed: r.GetBool("passed"),
		StartedAt: r.GetString("started_at"), DueAt: r.GetString("due_at"), SubmittedAt: r.GetString("submitted_at"),
		Answers: map[string]Answer{}, Marks: map[string]Mark{}}
	var g grading
	_ = r.UnmarshalJSONField("answers", &v.Answers)
	_ = r.UnmarshalJSONField("grading", &g)
	v.Late = g.Late
	if g.Items != nil {
		v.Marks = g.Items
	}
	return v
}

// quizOf is the course's quiz and its questions (404 when none).
func quizOf(app core.App, course string) (*core.Record, []Question, error) {
	q, err := app.FindFirstRecordByData(QuizzesTable, "course", course)
	if err != nil {
		return nil, nil, api.NewError(http.StatusNotFound, "no_quiz", "本课程没有测验")
	}
	var qs []Question
	return q, qs, q.UnmarshalJSONField("questions", &qs)
}

// HandleStartAttempt is POST /api/gov/courses/{id}/quiz/attempts: an
// enrolled person starts an attempt (201), or gets back the one still
// open (200); beyond the attempts limit 409.
func (m *Module) HandleStartAttempt(e *core.RequestEvent) error {
	s, course, err := m.courseOf(e)
	if err != nil {
		return err
	}
	code, id := http.StatusOK, ""
	_, err = m.app.ApplyAs(e, "course.quiz_start", func(tx core.App, c *api.Change) error {
		if course.GetString("status") == "cancelled" {
			return api.Conflict("课程已取消")
		}
		q, qs, err := quizOf(tx, course.Id)
		if err != nil {
			return err
		}
		en, err := tx.FindFirstRecordByFilter(EnrollTable, "course = {:c} && user = {:u} && status = 'enrolled'",
			dbx.Params{"c": course.Id, "u": s.ID})
		if err != nil {
			return api.Conflict("您未报名本课程（或仍在候补），不能参加测验")
		}
		var prev []*core.Record
		if err := tx.RecordQuery(AttemptsTable).Where(dbx.HashExp{"quiz": q.Id, "user": s.ID}).OrderBy("n").All(&prev); err != nil {
			return err
		}
		now := m.now()
		if n := len(prev); n > 0 && prev[n-1].GetString("status") == "in_progress" && !m.overdue(prev[n-1], now) {
			id = prev[n-1].Id
			return nil
		}
		if lim := q.GetInt("attempts_limit"); lim > 0 && len(prev) >= lim {
			return api.Conflict(fmt.Sprintf("测验次数已用完（最多 %d 次）", lim))
		}
		col, err := tx.FindCachedCollectionByNameOrId(AttemptsTable)
		if err != nil {
			return err
		}
		r := core.NewRecord(col)
		started, _ := types.ParseDateTime(now.UTC())
		r.Load(map[string]any{"quiz": q.Id, "course": course.Id, "user": s.ID, "unit_path": en.GetString("unit_path"),
			"n": len(prev) + 1, "status": "in_progress", "answers": map[string]Answer{}, "started_at": started})
		if lim := q.GetInt("time_limit_min"); lim > 0 {
			due, _ := types.ParseDateTime(now.Add(time.Duration(lim) * time.Minute).UTC())
			r.Set("due_at", due)
		}
		if err := tx.Save(r); err != nil {
			return err
		}
		code, id = http.StatusCreated, r.Id
		c.Object, c.After = AttemptsTable+"/"+r.Id, map[string]any{"n": len(prev) + 1, "questions": len(qs)}
		return nil
	})
	if err != nil {
		return err
	}
	return m.answerAttempt(e, s, course, id, code)
}

// overdue: past the time limit and its grace.
func (m *Module) overdue(r *core.Record, now time.Time) bool {
	due := r.GetDateTime("due_at")
	return !due.IsZero() && now.After(due.Time().Add(lateGrace))
}

// AttemptPage is an attempt with the questions to answer (no answers).
type AttemptPage struct {
	AttemptView
	Questions []Question `json:"questions"`
}

func (m *Module) answerAttempt(e *core.RequestEvent, s *policies.Subject, course *core.Record, id string, code int) error {
	r, err := e.App.FindRecordById(AttemptsTable, id)
	if err != nil {
		return err
	}
	_, qs, err := quizOf(e.App, course.Id)
	if err != nil {
		return err
	}
	return e.JSON(code, AttemptPage{AttemptView: attemptView(r, api.NewNames(e.App)), Questions: hideAnswers(qs)})
}

// attempt finds attempt aid of the course's quiz (404 otherwise).
func attempt(tx core.App, course, aid string) (*core.Record, error) {
	r, err := tx.FindFirstRecordByFilter(AttemptsTable, "id = {:a} && course = {:c}", dbx.Params{"a": aid, "c": course})
	if err != nil {
		return nil, api.NotFound()
	}
	return r, nil
}

// score grades the choices; short reports whether any short answer waits.
func score(qs []Question, answers map[string]Answer) (auto float64, short bool) {
	for _, q := range qs {
		if q.Kind == "short" {
			short = true
			continue
		}
		a := slices.Clone(answers[q.ID].Choices)
		slices.Sort(a)
		if slices.Equal(slices.Compact(a), q.Answer) {
			auto += q.Points
		}
	}
	return auto, short
}

// HandleSubmit is POST …/quiz/attempts/{aid}/submit {answers: {qid:
// {choices | text}}}: one's own open attempt; choices are graded at once.
func (m *Module) HandleSubmit(e *core.RequestEvent) error {
	s, course, err := m.courseOf(e)
	if err != nil {
		return err
	}
	var in struct {
		Answers map[string]Answer `json:"answers"`
	}
	if err := api.DecodeJSON(e, &in); err != nil {
		return err
	}
	aid := e.Request.PathValue("aid")
	_, err = m.app.ApplyAs(e, "course.quiz_submit", func(tx core.App, c *api.Change) error {
		r, err := attempt(tx, course.Id, aid)
		if err != nil || r.GetString("user") != s.ID {
			return api.NotFound()
		}
		if r.GetString("status") != "in_progress" {
			return api.Conflict("本次测验已经交卷")
		}
		q, qs, err := quizOf(tx, course.Id)
		if err != nil {
			return err
		}
		if err := checkAnswers(qs, in.Answers); err != nil {
			return err
		}
		now := m.now()
		submitted, _ := types.ParseDateTime(now.UTC())
		r.Set("submitted_at", submitted)
		r.Set("answers", in.Answers)
		auto, short := score(qs, in.Answers)
		status := "graded"
		if m.overdue(r, now) {
			auto, short = 0, false
			r.Set("grading", grading{Late: true})
		} else if short {
			status = "submitted"
		}
		r.Load(map[string]any{"status": status, "auto_score": auto, "score": auto, "passed": !short && auto >= q.GetFloat("pass_mark")})
		if err := tx.Save(r); err != nil {
			return err
		}
		c.Object, c.After = AttemptsTable+"/"+r.Id, map[string]any{"status": status, "auto_score": auto, "passed": r.GetBool("passed")}
		return m.settle(tx, course, s.ID)
	})
	if err != nil {
		return err
	}
	return m.answerAttempt(e, s, course, aid, http.StatusOK)
}

// checkAnswers: every answer names a question of the quiz, with options
// that exist; 400 names answers.<qid>.
func checkAnswers(qs []Question, answers map[string]Answer) error {
	for id, a := range answers {
		i := slices.IndexFunc(qs, func(q Question) bool { return q.ID == id })
		if i < 0 {
			return api.BadField("answers."+id, "unknown", "没有这道题")
		}
		for _, c := range a.Choices {
			if c < 0 || c >= len(qs[i].Options) {
				return api.BadField("answers."+id+".choices", "invalid", "选项不存在")
			}
		}
		if len([]rune(a.Text)) > 5000 {
			return api.BadField("answers."+id+".text", "too_long", "回答不超过 5000 字")
		}
	}
	return nil
}

// HandleGrade is POST …/quiz/attempts/{aid}/grade {marks: {qid: {points,
// comment}}}: those who manage the course grade the short answers of a
// submitted attempt (or grade again); the learner is told.
func (m *Module) HandleGrade(e *core.RequestEvent) error {
	s, course, err := m.managed(e)
	if err != nil {
		return err
	}
	var in struct {
		Marks map[string]Mark `json:"marks"`
	}
	if err := api.DecodeJSON(e, &in); err != nil {
		return err
	}
	aid := e.Request.PathValue("aid")
	_, err = m.app.ApplyAs(e, "course.quiz_grade", func(tx core.App, c *api.Change) error {
		r, err := attempt(tx, course.Id, aid)
		if err != nil {
			return err
		}
		var g grading
		_ = r.UnmarshalJSONField("grading", &g)
		if st := r.GetString("status"); st == "in_progress" || g.Late {
			return api.Conflict("本次测验尚未交卷或超时交卷，无需评分")
		}
		q, qs, err := quizOf(tx, course.Id)
		if err != nil {
			return err
		}
		total, marks := r.GetFloat("auto_score"), map[string]Mark{}
		for _, qq := range qs {
			mk, ok := in.Marks[qq.ID]
			if qq.Kind != "short" {
				continue
			}
			if !ok || mk.Points < 0 || mk.Points > qq.Points {
				return api.BadField("marks."+qq.ID+".points", "invalid", fmt.Sprintf("请为简答题给分（0 到 %g 分）", qq.Points))
			}
			mk.Comment = strings.TrimSpace(mk.Comment)
			marks[qq.ID] = mk
			total += mk.Points
		}
		c.Before = map[string]any{"score": r.GetFloat("score"), "passed": r.GetBool("passed")}
		passed := total >= q.GetFloat("pass_mark")
		r.Load(map[string]any{"status": "graded", "score": total, "passed": passed, "graded_by": s.ID, "grading": grading{Items: marks}})
		if err := tx.Save(r); err != nil {
			return err
		}
		c.Object, c.After = AttemptsTable+"/"+r.Id, map[string]any{"score": total, "passed": passed}
		user := r.GetString("user")
		verdict := "未通过"
		if passed {
			verdict = "通过"
		}
		if err := notify.Send(tx, []string{user}, notify.Note{Kind: "course.graded", Title: "测验已评分：" + course.GetString("title"),
			Body: fmt.Sprintf("得分 %g，%s。", total, verdict), Link: link(course.Id)}); err != nil {
			return err
		}
		return m.settle(tx, course, user)
	})
	if err != nil {
		return err
	}
	return m.answerAttempt(e, s, course, aid, http.StatusOK)
}
