package hooks_test

import (
	"bytes"
	"encoding/json"
	"mime/multipart"
	"net/http"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/pocketbase/dbx"

	"govcollab/hooks/apptest"
	"govcollab/hooks/org"
)

// uploadAs sends a file to POST /api/gov/files as the token's user and
// returns the pending upload's id.
func uploadAs(t *testing.T, base, token, name string, content []byte) string {
	t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	part, _ := w.CreateFormFile("file", name)
	_, _ = part.Write(content)
	_ = w.Close()
	req, _ := http.NewRequest("POST", base+"/api/gov/files", &buf)
	req.Header.Set("Content-Type", w.FormDataContentType())
	req.Header.Set("Authorization", token)
	res, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(res.Body).Decode(&out)
	if res.StatusCode != 201 && res.StatusCode != 200 {
		t.Fatalf("upload: %d %v", res.StatusCode, out)
	}
	return out["id"].(string)
}

// setJS sets a control's value by script and tells the page (inputs
// without ids: rows of the editors).
func setJS(selector, value string) chromedp.Action[chromedp.Void] {
	return chromedp.Evaluate[chromedp.Void](`(() => { const el = document.querySelector(` + jsString(selector) + `); el.value = ` +
		jsString(value) + `; el.dispatchEvent(new Event('input', { bubbles: true })); el.dispatchEvent(new Event('change', { bubbles: true })); })()`)
}

// TestUITrainingManage: the keeper's side of a course. leader.east (with
// an hr post at 东城市人民政府) creates a course in the editor (a refusal
// first, named under its field), publishes it to 东城市税务局, writes its
// quiz (a choice and a short answer) in the quiz editor, edits the hours;
// staff.east.tax takes it by the API; the leader grades the short answer
// on the course page (the hours are credited), corrects the attendance
// with a reason (the credit is taken back), enrols a colleague and cancels
// that again, closes the course; then approves a pending external certificate in 学时认定 and
// raises the staff requirement there (a bad row refused first).
func TestUITrainingManage(t *testing.T) {
	base, g := startUIServer(t)
	now := time.Now()
	if _, err := org.CreateGrant(g.App, apptest.UserID(t, "admin.sec"), org.GrantInput{
		User: apptest.UserID(t, "leader.east"), Unit: apptest.UnitID(t, g.App, "东城市人民政府"), Role: "hr", Kind: "concurrent",
		Ends: now.AddDate(1, 0, 0).Format(time.RFC3339),
	}, now); err != nil {
		t.Fatal(err)
	}
	learner := apptest.Token(t, "staff.east.tax")
	const title = "行政复议法修订解读（界面测试）"
	local := func(d time.Duration) string {
		return now.Add(d).In(time.FixedZone("CST", 8*3600)).Format("2006-01-02T15:04")
	}

	b := newBrowser(t)
	b.step("open the login page", viewport(1280, 900), chromedp.Navigate(base+"/"))
	loginAs(b, "leader.east", demoPassword)
	b.step("open the course editor from 培训课程",
		chromedp.Evaluate[chromedp.Void](`location.hash = '#/training/courses'`),
		chromedp.WaitVisible(chromedp.ID("trn-new")),
		chromedp.Click(chromedp.ID("trn-new")),
		chromedp.WaitVisible(chromedp.ID("trn-form")),
	)
	b.step("a course without a title is refused under the field",
		chromedp.Click(chromedp.ID("trn-save")),
		waitText("#trn-f-title-error", "课程名称"),
	)
	b.step("fill in the course",
		typeInto("trn-f-title", title),
		chromedp.SetValue(chromedp.ID("trn-f-category"), "法律法规"),
		typeInto("trn-f-hours", "3"),
		typeInto("trn-f-capacity", "30"),
		typeInto("trn-f-desc", "## 要点\n\n新修订的行政复议法。"),
		setJS(`#trn-f-sessions-rows .trn-s-title`, "专题讲座"),
		setJS(`#trn-f-sessions-rows .trn-s-start`, local(-time.Hour)),
		setJS(`#trn-f-sessions-rows .trn-s-end`, local(time.Hour)),
		setJS(`#trn-f-sessions-rows .trn-s-place`, "市政府 3 楼会议室"),
		chromedp.Click(chromedp.ID("trn-f-links-add")),
		setJS(`#trn-f-links-rows .trn-l-title`, "法规全文"),
		setJS(`#trn-f-links-rows .trn-l-url`, "https://www.npc.gov.cn/"),
		typeInto("trn-aud-units-q", "东城市税务局"),
		chromedp.Click(chromedp.ID("trn-aud-units-find")),
		chromedp.WaitVisible(chromedp.CSS(`#trn-aud-units-found button`)),
		chromedp.Click(chromedp.CSS(`#trn-aud-units-found button`)),
		waitText("#trn-aud-units-picked", "东城市税务局"),
	)
	b.screenshot("training-editor-1280")
	b.step("publish: the course page says so",
		chromedp.Click(chromedp.ID("trn-save")),
		waitText("#trn-flash", "课程已发布"),
		waitText("#trn-course-title", title),
		waitText("#trn-rule", "签到全部课次"),
		waitText("#trn-links", "法规全文"),
		waitText("#trn-desc", "新修订的行政复议法"),
	)
	var id string
	if err := g.App.DB().NewQuery("SELECT id FROM courses WHERE title = {:t} AND status = 'published' AND capacity = 30 AND category = '法律法规'").
		Bind(dbx.Params{"t": title}).Row(&id); err != nil {
		t.Fatalf("the course was not stored as filled in: %v", err)
	}

	b.step("write the quiz: a single choice and a short answer",
		chromedp.Click(chromedp.ID("trn-edit-quiz")),
		chromedp.WaitVisible(chromedp.ID("trn-quiz-form")),
		setJS(`#trn-qedit-list .trn-qe-text`, "行政复议机关是？"),
		setJS(`#trn-qedit-list .trn-qe-option`, "县级以上人民政府"),
		setJS(`#trn-qedit-list .trn-qe-option-row:nth-child(2) .trn-qe-option`, "乡镇人民政府"),
		chromedp.Click(chromedp.CSS(`#trn-qedit-list .trn-qe-right`)),
		chromedp.Click(chromedp.ID("trn-qf-add")),
		setJS(`#trn-qedit-list .trn-qe:nth-child(2) .trn-qe-kind`, "short"),
		setJS(`#trn-qedit-list .trn-qe:nth-child(2) .trn-qe-text`, "简述行政复议前置的情形。"),
		setJS(`#trn-qedit-list .trn-qe:nth-child(2) .trn-qe-reference`, "对当场作出的行政处罚决定不服等。"),
		setJS(`#trn-qedit-list .trn-qe:nth-child(2) .trn-qe-points`, "4"),
		waitText("#trn-qf-total", "6"),
		typeInto("trn-qf-pass", "9"),
		chromedp.Click(chromedp.ID("trn-qf-save")),
		waitText("#trn-qf-pass-error", "及格分"),
		typeInto("trn-qf-pass", "4"),
		chromedp.Click(chromedp.ID("trn-qf-save")),
		waitText("#trn-flash", "测验已保存"),
		waitText("#trn-rule", "测验及格"),
	)
	var questions string
	_ = g.App.DB().NewQuery("SELECT questions FROM quizzes WHERE course = {:c}").Bind(dbx.Params{"c": id}).Row(&questions)
	var qs []map[string]any
	_ = json.Unmarshal([]byte(questions), &qs)
	if len(qs) != 2 || qs[0]["kind"] != "single" || qs[1]["kind"] != "short" || qs[1]["reference"] == "" {
		t.Fatalf("the quiz stored: %s", questions)
	}

	b.step("edit the course: 4 hours",
		chromedp.Click(chromedp.ID("trn-edit")),
		chromedp.WaitVisible(chromedp.ID("trn-form")),
		waitJS(`document.getElementById('trn-f-title').value === `+jsString(title)),
		waitJS(`document.querySelector('#trn-f-sessions-rows .trn-s-place').value === '市政府 3 楼会议室'`),
		typeInto("trn-f-hours", "4"),
		chromedp.Click(chromedp.ID("trn-save")),
		waitText("#trn-flash", "课程已保存"),
		waitText("#trn-course-head", "4 学时"),
	)

	// the learner, by the API: enrol, check in, answer both questions
	apiJSON(t, base, learner, "POST", "/api/gov/courses/"+id+"/enroll", nil, 200)
	page := apiJSON(t, base, learner, "GET", "/api/gov/courses/"+id, nil, 200)
	sid := page["sessions"].([]any)[0].(map[string]any)["id"].(string)
	trainer := apptest.Token(t, "leader.east")
	code := apiJSON(t, base, trainer, "POST", "/api/gov/courses/"+id+"/sessions/"+sid+"/checkin-code", map[string]any{"minutes": 10}, 200)["code"].(string)
	apiJSON(t, base, learner, "POST", "/api/gov/courses/"+id+"/checkin", map[string]any{"code": code}, 200)
	at := apiJSON(t, base, learner, "POST", "/api/gov/courses/"+id+"/quiz/attempts", nil, 201)
	apiJSON(t, base, learner, "POST", "/api/gov/courses/"+id+"/quiz/attempts/"+at["id"].(string)+"/submit",
		map[string]any{"answers": map[string]any{"q1": map[string]any{"choices": []int{0}}, "q2": map[string]any{"text": "当场处罚不服的，先申请复议。"}}}, 200)
	credited := func() int {
		var n int
		_ = g.App.DB().NewQuery("SELECT COUNT(*) FROM training_credits WHERE course = {:c} AND status = 'approved'").Bind(dbx.Params{"c": id}).Row(&n)
		return n
	}
	if credited() != 0 {
		t.Fatal("credited before the short answer was graded")
	}

	b.step("grade the short answer on the course page: the hours are credited",
		chromedp.Reload(),
		chromedp.WaitVisible(chromedp.ID("trn-grading")),
		waitText("#trn-grade-waiting", "当场处罚不服的，先申请复议。"),
		waitText("#trn-grade-waiting", "对当场作出的行政处罚决定不服等。"),
		setJS(`#trn-grade-waiting .trn-grade-points`, "9"),
		chromedp.Click(chromedp.CSS(`#trn-grade-waiting .trn-grade-submit`)),
		waitText("#trn-grade-waiting .field-error", "0 到 4"),
		setJS(`#trn-grade-waiting .trn-grade-points`, "3"),
		setJS(`#trn-grade-waiting .trn-grade-comment`, "要点基本答出"),
		chromedp.Click(chromedp.CSS(`#trn-grade-waiting .trn-grade-submit`)),
		waitText("#trn-grade-none", "暂无待评分"),
		waitText("#trn-roster-table .trn-roster-credit", "已计入"),
	)
	b.screenshot("training-grading-1280")
	if credited() != 1 {
		t.Fatal("grading did not credit the hours")
	}
	b.step("correct the attendance with a reason: the credit is taken back",
		chromedp.Click(chromedp.CSS(`#trn-roster-table .trn-fix`)),
		chromedp.WaitVisible(chromedp.ID("trn-fix-form")),
		waitJS(`document.getElementById('trn-fix-present').value === 'false'`),
		chromedp.Click(chromedp.ID("trn-fix-submit")),
		waitText("#trn-fix-error", "原因"),
		typeInto("trn-fix-reason", "当日请假，代签到"),
		chromedp.Click(chromedp.ID("trn-fix-submit")),
		waitJS(`!document.getElementById('trn-fix-form') && document.querySelector('#trn-roster-table .trn-roster-credit')?.textContent === '—'`),
	)
	if credited() != 0 {
		t.Fatal("the correction did not take the credit back")
	}
	var audited int
	_ = g.App.DB().NewQuery("SELECT COUNT(*) FROM audit_log WHERE action = 'course.attendance' AND after LIKE '%代签到%'").Row(&audited)
	if audited != 1 {
		t.Errorf("the correction was not audited with its reason")
	}

	var colleague string
	_ = g.App.DB().NewQuery("SELECT name FROM users WHERE username = 'staff.east.hr'").Row(&colleague)
	b.step("enrol a colleague",
		typeInto("trn-assign-q", colleague),
		chromedp.Click(chromedp.ID("trn-assign-find")),
		chromedp.WaitVisible(chromedp.CSS(`#trn-assign-found button`)),
		chromedp.Click(chromedp.CSS(`#trn-assign-found button`)),
		chromedp.Click(chromedp.ID("trn-assign-submit")),
		waitText("#trn-assign-done", "已为 1 人报名"),
		waitText("#trn-roster-table", colleague),
	)
	row := `#trn-roster-table tr[data-user="` + apptest.UserID(t, "staff.east.hr") + `"]`
	b.step("and cancel the colleague's enrolment with a reason",
		chromedp.Click(chromedp.CSS(row+` .trn-unenroll`)),
		chromedp.WaitVisible(chromedp.ID("trn-unenroll-form")),
		typeInto("trn-unenroll-reason", "工作冲突，改派他人"),
		chromedp.Click(chromedp.ID("trn-unenroll-submit")),
		waitText(row, "已取消"),
	)
	b.step("close the course",
		chromedp.Evaluate[chromedp.Void](`window.scrollTo(0, 0)`), // the bar sits under the sticky header otherwise
		chromedp.Click(chromedp.ID("trn-close")),
		chromedp.Click(chromedp.ID("trn-close-yes")),
		waitText("#trn-status", "已结束"),
	)
	if eval[bool](b, `!!document.getElementById('trn-edit')`) {
		t.Error("a closed course still offers 编辑课程")
	}
	b.phone("training-course-manage", "#trn-course-title")
	b.step("back to desktop", viewport(1280, 900))

	// a pending certificate of staff.east.tax, then hr's 学时认定
	scan := uploadAs(t, base, learner, "结业证书.pdf", []byte("%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"))
	cert := apiJSON(t, base, learner, "POST", "/api/gov/training/certificates", map[string]any{"title": "依法行政专题网络培训",
		"issuer": "省委党校", "hours": 12, "category": "法律法规", "files": []string{scan}}, 201)
	b.step("approve the certificate in 学时认定",
		chromedp.Evaluate[chromedp.Void](`location.hash = '#/training/me'`),
		chromedp.WaitVisible(chromedp.ID("trn-tab-review")),
		chromedp.Click(chromedp.ID("trn-tab-review")),
		waitText("#trn-pending-list", "依法行政专题网络培训"),
		chromedp.Click(chromedp.CSS(`#trn-pending-list li[data-credit="`+cert["id"].(string)+`"] .trn-review-open`)),
		waitText("#trn-pending-list", "省委党校"),
		waitText("#trn-pending-list", "结业证书.pdf"),
		chromedp.Click(chromedp.CSS(`#trn-pending-list li[data-credit="`+cert["id"].(string)+`"] .trn-approve`)),
		waitText("#trn-pending", "没有待审核的证书"),
	)
	var status string
	_ = g.App.DB().NewQuery("SELECT status FROM training_credits WHERE id = {:id}").Bind(dbx.Params{"id": cert["id"]}).Row(&status)
	if status != "approved" {
		t.Errorf("the certificate is %q", status)
	}
	b.step("the requirements: a bad row is refused under it, then staff 96",
		chromedp.WaitVisible(chromedp.ID("trn-req-form")),
		waitJS(`document.querySelectorAll('#trn-req-rows-rows .trn-row').length === 3`),
		chromedp.Click(chromedp.ID("trn-req-rows-add")),
		chromedp.Click(chromedp.ID("trn-req-save")),
		waitText("#trn-req-rows-rows .trn-row:nth-child(4) .trn-row-error", "学时"),
		chromedp.Click(chromedp.CSS(`#trn-req-rows-rows .trn-row:nth-child(4) .trn-row-del`)),
		chromedp.Evaluate[chromedp.Void](`(() => { const row = [...document.querySelectorAll('#trn-req-rows-rows .trn-row')].find(r => r.querySelector('select').value === 'staff' && !r.querySelectorAll('select')[1].value);
			const x = row.querySelector('.trn-req-hours'); x.value = '96'; })()`),
		chromedp.Click(chromedp.ID("trn-req-save")),
		waitText("#trn-req-done", "已保存"),
	)
	var need float64
	_ = g.App.DB().NewQuery("SELECT hours FROM training_requirements WHERE role = 'staff' AND category = '' AND rank = ''").Row(&need)
	if need != 96 {
		t.Errorf("the staff requirement is %v", need)
	}
	b.phone("training-review", "#trn-req-form")
	b.noConsoleProblems()
}
