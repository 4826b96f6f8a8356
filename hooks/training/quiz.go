package training

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"govcollab/hooks/api"
	"govcollab/policies"
)

// A course has at most one quiz (测验). Choices are graded automatically,
// all-or-nothing per question; short answers wait for the trainer. The
// questions are stored with their answers, which learners never see.

// QuizzesTable and AttemptsTable hold quizzes and their attempts.
const (
	QuizzesTable  = "quizzes"
	AttemptsTable = "quiz_attempts"
)

// Question kinds.
var questionKinds = []string{"single", "multiple", "truefalse", "short"}

// Question is one question of a quiz. Answer holds the indices of the
// right options (truefalse: options are 正确/错误); Reference is a model
// answer for a short one, shown to the grader only.
type Question struct {
	ID        string   `json:"id"`
	Kind      string   `json:"kind"`
	Text      string   `json:"text"`
	Options   []string `json:"options"`
	Answer    []int    `json:"answer,omitempty"`
	Reference string   `json:"reference,omitempty"`
	Points    float64  `json:"points"`
}

// QuizInput is the body of POST /api/gov/courses/{id}/quiz.
type QuizInput struct {
	Questions     []Question `json:"questions"`
	PassMark      float64    `json:"pass_mark"`
	AttemptsLimit int        `json:"attempts_limit"` // 0: unlimited
	TimeLimitMin  int        `json:"time_limit_min"` // 0: none
	RequiresPass  *bool      `json:"requires_pass"`  // default true
}

// validate normalizes the quiz and returns its total points; 400 names
// the field, e.g. questions[2].options.
func (in *QuizInput) validate() (float64, error) {
	if len(in.Questions) == 0 || len(in.Questions) > 200 {
		return 0, api.BadField("questions", "required", "测验须有 1 到 200 道题")
	}
	total := 0.0
	for i := range in.Questions {
		q := &in.Questions[i]
		f := fmt.Sprintf("questions[%d]", i)
		q.ID, q.Text = fmt.Sprintf("q%d", i+1), strings.TrimSpace(q.Text)
		if !slices.Contains(questionKinds, q.Kind) {
			return 0, api.BadField(f+".kind", "invalid", "题型须为 single、multiple、truefalse 或 short")
		}
		if q.Text == "" || utf8.RuneCountInString(q.Text) > 2000 {
			return 0, api.BadField(f+".text", "required", "请填写题目（不超过 2000 字）")
		}
		if q.Points <= 0 || q.Points > 100 {
			return 0, api.BadField(f+".points", "invalid", "分值须大于 0、不超过 100")
		}
		total += q.Points
		if err := q.validateAnswer(f); err != nil {
			return 0, err
		}
	}
	switch {
	case in.PassMark <= 0 || in.PassMark > total:
		return 0, api.BadField("pass_mark", "invalid", fmt.Sprintf("及格分须大于 0、不超过总分 %g", total))
	case in.AttemptsLimit < 0 || in.AttemptsLimit > 100:
		return 0, api.BadField("attempts_limit", "invalid", "测验次数上限须在 0（不限）到 100 之间")
	case in.TimeLimitMin < 0 || in.TimeLimitMin > 600:
		return 0, api.BadField("time_limit_min", "invalid", "答题时限须在 0（不限）到 600 分钟之间")
	}
	return total, nil
}

func (q *Question) validateAnswer(f string) error {
	switch q.Kind {
	case "short":
		q.Options, q.Answer = []string{}, nil
		return nil
	case "truefalse":
		q.Options = []string{"正确", "错误"}
	default:
		if len(q.Options) < 2 || len(q.Options) > 10 {
			return api.BadField(f+".options", "invalid", "选择题须有 2 到 10 个选项")
		}
		for j, o := range q.Options {
			if q.Options[j] = strings.TrimSpace(o); q.Options[j] == "" {
				return api.BadField(fmt.Sprintf("%s.options[%d]", f, j), "required", "选项不能为空")
			}
		}
	}
	q.Reference = ""
	slices.Sort(q.Answer)
	q.Answer = slices.Compact(q.Answer)
	if len(q.Answer) == 0 || (q.Kind != "multiple" && len(q.Answer) != 1) {
		return api.BadField(f+".answer", "invalid", "请标出正确答案（单选、判断题只有一个）")
	}
	if q.Answer[0] < 0 || q.Answer[len(q.Answer)-1] >= len(q.Options) {
		return api.BadField(f+".answer", "invalid", "正确答案须是已有的选项")
	}
	return nil
}

// HandleSaveQuiz is POST /api/gov/courses/{id}/quiz: those who manage the
// course save its quiz (a new version replaces the old; attempts already
// made keep their scores).
func (m *Module) HandleSaveQuiz(e *core.RequestEvent) error {
	s, course, err := m.managed(e)
	if err != nil {
		return err
	}
	var in QuizInput
	if err := api.DecodeJSON(e, &in); err != nil {
		return err
	}
	total, err := in.validate()
	if err != nil {
		return err
	}
	requires := in.RequiresPass == nil || *in.RequiresPass
	_, err = m.app.ApplyAs(e, "course.quiz", func(tx core.App, c *api.Change) error {
		q, err := tx.FindFirstRecordByData(QuizzesTable, "course", course.Id)
		if err != nil {
			col, cerr := tx.FindCachedCollectionByNameOrId(QuizzesTable)
			if cerr != nil {
				return cerr
			}
			q = core.NewRecord(col)
		}
		q.Load(map[string]any{"course": course.Id, "questions": in.Questions, "pass_mark": in.PassMark, "total_points": total,
			"attempts_limit": in.AttemptsLimit, "time_limit_min": in.TimeLimitMin})
		if err := tx.Save(q); err != nil {
			return err
		}
		fresh, err := tx.FindRecordById(CoursesTable, course.Id)
		if err != nil {
			return err
		}
		c.Before = map[string]any{"requires_pass": fresh.GetBool("requires_pass")}
		fresh.Set("requires_pass", requires)
		c.Object = CoursesTable + "/" + course.Id
		c.After = map[string]any{"questions": len(in.Questions), "total": total, "pass_mark": in.PassMark, "requires_pass": requires}
		return tx.Save(fresh)
	})
	if err != nil {
		return err
	}
	if course, err = e.App.FindRecordById(CoursesTable, course.Id); err != nil {
		return err
	}
	return m.answerQuiz(e, s, course)
}

// QuizView is GET …/quiz: the questions (answers only for those who
// manage the course), the caller's attempts, or for managers everyone's.
type QuizView struct {
	Exists        bool          `json:"exists"`
	Questions     []Question    `json:"questions"`
	PassMark      float64       `json:"pass_mark"`
	TotalPoints   float64       `json:"total_points"`
	AttemptsLimit int           `json:"attempts_limit"`
	TimeLimitMin  int           `json:"time_limit_min"`
	RequiresPass  bool          `json:"requires_pass"`
	Attempts      []AttemptView `json:"attempts"`
	Manage        bool          `json:"can_manage"`
}

// HandleQuiz is GET /api/gov/courses/{id}/quiz.
func (m *Module) HandleQuiz(e *core.RequestEvent) error {
	s, course, err := m.courseOf(e)
	if err != nil {
		return err
	}
	return m.answerQuiz(e, s, course)
}

func (m *Module) answerQuiz(e *core.RequestEvent, s *policies.Subject, course *core.Record) error {
	manage, _ := m.app.Authz.Can(s, "manage", course)
	out := QuizView{Questions: []Question{}, Attempts: []AttemptView{}, RequiresPass: course.GetBool("requires_pass"), Manage: manage}
	q, err := e.App.FindFirstRecordByData(QuizzesTable, "course", course.Id)
	if err != nil {
		return e.JSON(http.StatusOK, out)
	}
	out.Exists, out.PassMark, out.TotalPoints = true, q.GetFloat("pass_mark"), q.GetFloat("total_points")
	out.AttemptsLimit, out.TimeLimitMin = q.GetInt("attempts_limit"), q.GetInt("time_limit_min")
	if err := q.UnmarshalJSONField("questions", &out.Questions); err != nil {
		return err
	}
	if !manage {
		out.Questions = hideAnswers(out.Questions)
	}
	where := dbx.HashExp{"quiz": q.Id, "user": s.ID}
	if manage {
		where = dbx.HashExp{"quiz": q.Id}
	}
	var recs []*core.Record
	if err := e.App.RecordQuery(AttemptsTable).Where(where).OrderBy("user", "n").Limit(5000).All(&recs); err != nil {
		return err
	}
	nm := api.NewNames(e.App)
	for _, r := range recs {
		out.Attempts = append(out.Attempts, attemptView(r, nm))
	}
	return e.JSON(http.StatusOK, out)
}

func hideAnswers(qs []Question) []Question {
	out := make([]Question, len(qs))
	for i, q := range qs {
		q.Answer, q.Reference = nil, ""
		out[i] = q
	}
	return out
}
