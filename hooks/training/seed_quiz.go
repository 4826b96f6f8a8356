package training

import (
	"time"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"
)

// demoQuestions is each demo course's quiz; 法律法规's has a short answer,
// so the trainer has answer sheets to grade.
var demoQuestions = map[string][]Question{
	"政治理论": {
		{Kind: "single", Text: "理论学习中心组学习的主要形式是？", Options: []string{"集体学习研讨", "个人自学", "外出考察"}, Answer: []int{0}, Points: 5},
		{Kind: "truefalse", Text: "干部理论学习只在集中培训期间进行。", Answer: []int{1}, Points: 5},
	},
	"党性教育": {
		{Kind: "multiple", Text: "作风建设重点整治哪些问题？", Options: []string{"形式主义", "官僚主义", "按时上下班"}, Answer: []int{0, 1}, Points: 5},
		{Kind: "truefalse", Text: "党性修养需要长期坚持。", Answer: []int{0}, Points: 5},
	},
	"业务知识": {
		{Kind: "single", Text: "“一网通办”的核心是？", Options: []string{"数据共享、减少跑动", "增加审批环节", "延长办理时限"}, Answer: []int{0}, Points: 5},
		{Kind: "truefalse", Text: "告知承诺制可以在法定条件下替代部分审批材料。", Answer: []int{0}, Points: 5},
	},
	"法律法规": {
		{Kind: "single", Text: "公民对行政行为不服，申请行政复议的一般期限是知道之日起？", Options: []string{"60 日", "15 日", "1 年"}, Answer: []int{0}, Points: 4},
		{Kind: "truefalse", Text: "行政复议机关可以不经审查直接维持原行政行为。", Answer: []int{1}, Points: 2},
		{Kind: "short", Text: "简述行政复议与行政诉讼的衔接关系。", Reference: "一般可先复议后诉讼，法律规定复议前置的须先复议；对复议决定不服可依法起诉。", Points: 4},
	},
	"信息技术": {
		{Kind: "single", Text: "处理敏感政务数据时首先应当？", Options: []string{"确认数据分类分级", "上传到公共网盘", "用个人邮箱转发"}, Answer: []int{0}, Points: 5},
		{Kind: "truefalse", Text: "涉密文件可以在本系统中上传。", Answer: []int{1}, Points: 5},
	},
	"综合素质": {
		{Kind: "single", Text: "公文的“发文字号”由哪些部分组成？", Options: []string{"机关代字、年份、序号", "日期和页码", "签发人姓名"}, Answer: []int{0}, Points: 5},
		{Kind: "truefalse", Text: "请示应当一文一事。", Answer: []int{0}, Points: 5},
	},
}

// seedQuiz gives a demo course its quiz (passing it is required).
func seedQuiz(tx core.App, course *core.Record) (*core.Record, []Question, error) {
	in := QuizInput{Questions: append([]Question(nil), demoQuestions[course.GetString("category")]...), PassMark: 6, AttemptsLimit: 3}
	total, err := in.validate()
	if err != nil {
		return nil, nil, err
	}
	col, err := tx.FindCachedCollectionByNameOrId(QuizzesTable)
	if err != nil {
		return nil, nil, err
	}
	q := core.NewRecord(col)
	q.Load(map[string]any{"course": course.Id, "questions": in.Questions, "pass_mark": in.PassMark, "total_points": total,
		"attempts_limit": in.AttemptsLimit})
	if err := tx.Save(q); err != nil {
		return nil, nil, err
	}
	course.Set("requires_pass", true)
	return q, in.Questions, nil
}

// seedAttempts records the k-th attendee's answer sheets of a held course:
// most pass at once, every fifth fails first and passes the second time;
// a short answer is graded for most and left waiting for some.
func seedAttempts(tx core.App, quiz *core.Record, qs []Question, course *core.Record, user, unitPath string, k int, at time.Time) error {
	col, err := tx.FindCachedCollectionByNameOrId(AttemptsTable)
	if err != nil {
		return err
	}
	sheet := func(n int, right bool) error {
		answers := map[string]Answer{}
		for _, q := range qs {
			switch {
			case q.Kind == "short":
				answers[q.ID] = Answer{Text: "一般先申请复议，对复议决定不服的，可以依法提起行政诉讼；法律规定复议前置的，须先复议。"}
			case right:
				answers[q.ID] = Answer{Choices: q.Answer}
			default:
				answers[q.ID] = Answer{Choices: []int{len(q.Options) - 1 - q.Answer[0]}}
			}
		}
		auto, short := score(qs, answers)
		status, total, marks := "graded", auto, map[string]Mark{}
		if short && k%4 == 3 {
			status = "submitted" // waiting for the trainer
		} else if short {
			for _, q := range qs {
				if q.Kind == "short" {
					marks[q.ID] = Mark{Points: q.Points - 1, Comment: "要点完整，表述可更简洁。"}
					total += q.Points - 1
				}
			}
		}
		when, _ := types.ParseDateTime(at.Add(time.Duration(n) * time.Hour).UTC())
		r := core.NewRecord(col)
		r.Load(map[string]any{"quiz": quiz.Id, "course": course.Id, "user": user, "unit_path": unitPath, "n": n, "status": status,
			"answers": answers, "grading": grading{Items: marks}, "auto_score": auto, "score": total,
			"passed": status == "graded" && total >= quiz.GetFloat("pass_mark"), "started_at": when, "submitted_at": when})
		return tx.Save(r)
	}
	n := 1
	if k%5 == 2 {
		if err := sheet(n, false); err != nil {
			return err
		}
		n++
	}
	return sheet(n, true)
}
