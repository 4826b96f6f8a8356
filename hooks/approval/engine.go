package approval

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"

	"govcollab/hooks/api"
	"govcollab/hooks/calendar"
	"govcollab/hooks/files"
	"govcollab/hooks/notify"
	"govcollab/hooks/org"
	"govcollab/policies"
)

// ActionInput is the body of POST /api/gov/docs/{id}/actions.
type ActionInput struct {
	Action   string   `json:"action"`
	Comment  string   `json:"comment"`
	ToStep   *int     `json:"to_step"`  // return: an earlier step, -1 = the drafter
	Users    []string `json:"users"`    // transfer (one), add_signer (some)
	Position string   `json:"position"` // add_signer: before | after
	Reason   string   `json:"reason"`   // void
	Rev      *int     `json:"rev"`      // optional: the revision the client acted on
}

// Actions a document takes (API.md).
var actionNames = []string{"submit", "approve", "sign", "return", "transfer", "add_signer", "recall", "chase",
	"comment", "dispatch", "void"}

// Task statuses: waiting (its turn has not come), pending (待办), and the
// ends: done, returned, transferred, cancelled (another candidate of the
// slot acted, or the step ended), recalled, skipped.
const (
	taskWaiting = "waiting"
	taskPending = "pending"
	taskDone    = "done"
)

var openTasks = []any{taskWaiting, taskPending}

// chaseEvery is how often a document may be chased.
const chaseEvery = 10 * time.Minute

// HandleAction is POST /api/gov/docs/{id}/actions: one action, one
// transaction. The document is re-read inside it, so of two people acting on
// the same step at once exactly one wins; the other gets 409.
func (m *Module) HandleAction(e *core.RequestEvent) error {
	s, rec, err := api.View(m.app, e, "doc", "read", e.Request.PathValue("id"))
	if err != nil {
		return err
	}
	var in ActionInput
	if err := api.DecodeJSON(e, &in); err != nil {
		return err
	}
	if !slices.Contains(actionNames, in.Action) {
		return api.BadField("action", "invalid", "操作须为："+strings.Join(actionNames, "、"))
	}
	in.Comment = strings.TrimSpace(in.Comment)
	if utf8.RuneCountInString(in.Comment) > 2000 {
		return api.BadField("comment", "too_long", "意见不能超过 2000 字")
	}
	if mk := files.MarkIn(in.Comment + "\n" + in.Reason); mk != "" {
		return m.refuse(e, "comment", mk)
	}
	since := types.NowDateTime()
	_, err = m.app.ApplyAs(e, "doc."+in.Action, func(tx core.App, c *api.Change) error {
		doc, err := tx.FindRecordById(DocsTable, rec.Id)
		if err != nil {
			return err
		}
		if in.Rev != nil && *in.Rev != doc.GetInt("rev") {
			return api.Conflict("公文已被他人处理，请刷新后再操作")
		}
		c.Object = DocsTable + "/" + doc.Id
		c.Before = map[string]any{"status": doc.GetString("status"), "step": doc.GetInt("step")}
		if err := m.act(tx, s, doc, in); err != nil {
			return err
		}
		doc.Set("rev", doc.GetInt("rev")+1)
		if err := tx.Save(doc); err != nil {
			return err
		}
		c.After = map[string]any{"status": doc.GetString("status"), "step": doc.GetInt("step"), "number": doc.GetString("number")}
		return nil
	})
	if err != nil {
		return err
	}
	notify.Push(e.App, since, link(rec.Id))
	// a finished document goes to the archive now; the job retries failures
	if _, err := m.Archive(e.Request.Context(), rec.Id); err != nil {
		e.App.Logger().Warn("document archived later", "doc", rec.Id, "error", err.Error())
	}
	return m.answer(e, s, rec.Id, http.StatusOK)
}

func link(id string) string { return "#/docs/" + id }

// act applies one action to doc inside tx.
func (m *Module) act(tx core.App, s *policies.Subject, doc *core.Record, in ActionInput) error {
	switch in.Action {
	case "submit":
		return m.submit(tx, s, doc, in)
	case "approve", "sign":
		return m.approve(tx, s, doc, in)
	case "return":
		return m.returnTo(tx, s, doc, in)
	case "transfer":
		return m.transfer(tx, s, doc, in)
	case "add_signer":
		return m.addSigner(tx, s, doc, in)
	case "recall":
		return m.recall(tx, s, doc, in)
	case "chase":
		return m.chase(tx, s, doc, in)
	case "comment":
		return m.comment(tx, s, doc, in)
	case "dispatch":
		return m.dispatch(tx, s, doc, in)
	case "void":
		return m.void(tx, s, doc, in)
	}
	return api.BadField("action", "invalid", "未知操作")
}

func forbidden(msg string) error { return api.NewError(http.StatusForbidden, "forbidden", msg) }

// flowOf is the document's own copy of its workflow.
func flowOf(doc *core.Record) (*Flow, error) {
	var f Flow
	if err := doc.UnmarshalJSONField("flow", &f); err != nil {
		return nil, err
	}
	return &f, nil
}

func (m *Module) submit(tx core.App, s *policies.Subject, doc *core.Record, in ActionInput) error {
	if st := doc.GetString("status"); st != "draft" && st != "returned" {
		return api.Conflict("公文已在流程中")
	}
	if ok, _ := m.app.Authz.Can(s, "update", doc); !ok {
		return forbidden("只有起草人可以送审")
	}
	if doc.GetString("workflow") == "" {
		return api.BadField("workflow", "required", "请选择流程模板")
	}
	w, err := m.template(tx, s, doc.GetString("workflow"), doc)
	if err != nil {
		return err
	}
	var f Flow
	if err := w.UnmarshalJSONField("definition", &f); err != nil {
		return err
	}
	if err := f.validate(tx, doc.GetString("type")); err != nil {
		return api.BadField("workflow", "invalid_workflow", "流程模板「"+w.GetString("name")+"」已不可用，请联系办公室维护")
	}
	doc.Set("flow", f)
	first := nextStep(&f, doc, -1)
	if first < 0 {
		return api.BadField("workflow", "empty", "该流程对本公文没有适用的步骤")
	}
	// a returned document starts again: the old open tasks end
	if err := endOpen(tx, doc.Id, -1, "cancelled"); err != nil {
		return err
	}
	doc.Set("status", "review")
	if err := m.event(tx, doc, s.ID, "submit", -1, in.Comment, map[string]any{"workflow": w.GetString("name")}); err != nil {
		return err
	}
	return m.activate(tx, doc, &f, first)
}

// nextStep is the first step after `after` that applies to doc (-1: none).
func nextStep(f *Flow, doc *core.Record, after int) int {
	for i := after + 1; i < len(f.Steps); i++ {
		if f.Steps[i].applies(doc) {
			return i
		}
	}
	return -1
}

// activate opens step i: its slots' tasks, the first turn pending.
func (m *Module) activate(tx core.App, doc *core.Record, f *Flow, i int) error {
	st := f.Steps[i]
	now := m.now()
	round, err := currentRound(tx, doc.Id, i)
	if err != nil {
		return err
	}
	round++ // a fresh round: earlier rounds' votes stay on the timeline only
	for k, a := range st.slots() {
		cands, err := m.candidates(tx, doc, a)
		if err != nil {
			return err
		}
		if len(cands) == 0 {
			return api.Conflict(fmt.Sprintf("第 %d 步「%s」找不到办理人（%s），请联系办公室维护流程", i+1, st.Name, m.describe(tx, doc, a)))
		}
		seq := 0
		if st.Order == "sequential" {
			seq = k
		}
		for _, u := range cands {
			if err := m.newTask(tx, doc, i, fmt.Sprintf("%d.%d", i, k), seq, u, a.Role, m.unitOf(tx, doc, a), "", round); err != nil {
				return err
			}
		}
	}
	doc.Set("step", i)
	return m.startTurn(tx, doc, i, now)
}

// startTurn makes the lowest open turn of step i pending, with its
// deadline, and tells those whose turn it now is.
func (m *Module) startTurn(tx core.App, doc *core.Record, i int, now time.Time) error {
	var seqs []int
	err := tx.DB().Select("MIN(seq)").From(TasksTable).Where(dbx.And(dbx.HashExp{"doc": doc.Id, "step": i},
		dbx.In("status", openTasks...))).Column(&seqs)
	if err != nil || len(seqs) == 0 {
		return err
	}
	var waiting []*core.Record
	if err := tx.RecordQuery(TasksTable).Where(dbx.HashExp{"doc": doc.Id, "step": i, "seq": seqs[0], "status": taskWaiting}).
		All(&waiting); err != nil {
		return err
	}
	f, _ := flowOf(doc)
	var deadline types.DateTime
	if f != nil && i < len(f.Steps) && f.Steps[i].DeadlineDays > 0 {
		d, err := calendar.AddWorkingDays(tx, now, f.Steps[i].DeadlineDays)
		if err != nil {
			return err
		}
		deadline, _ = types.ParseDateTime(d.UTC())
	}
	var users []string
	started, _ := types.ParseDateTime(now.UTC())
	for _, t := range waiting {
		t.Set("status", taskPending)
		t.Set("started_at", started)
		t.Set("deadline", deadline)
		if err := tx.Save(t); err != nil {
			return err
		}
		users = append(users, t.GetString("user"))
	}
	if len(users) == 0 {
		return nil
	}
	return notify.Send(tx, users, notify.Note{Kind: "doc.pending", Title: "待办：" + doc.GetString("title"),
		Body: doc.GetString("type") + " · " + stepName(doc, i), Link: link(doc.Id)})
}

func stepName(doc *core.Record, i int) string {
	f, err := flowOf(doc)
	if err != nil || i < 0 || i >= len(f.Steps) {
		return ""
	}
	return f.Steps[i].Name
}

func (m *Module) newTask(tx core.App, doc *core.Record, step int, slot string, seq int, user, role, unit, addedBy string, round int) error {
	col, err := tx.FindCachedCollectionByNameOrId(TasksTable)
	if err != nil {
		return err
	}
	t := core.NewRecord(col)
	t.Load(map[string]any{"doc": doc.Id, "step": step, "slot": slot, "seq": seq, "user": user, "role": role,
		"unit": unit, "status": taskWaiting, "added_by": addedBy, "round": round})
	return tx.Save(t)
}

// currentRound is the round step i of doc is in (0 before it ever opened).
func currentRound(tx core.App, doc string, i int) (int, error) {
	var r int
	err := tx.DB().NewQuery("SELECT COALESCE(MAX(round), 0) FROM doc_tasks WHERE doc = {:d} AND step = {:s}").
		Bind(dbx.Params{"d": doc, "s": i}).Row(&r)
	return r, err
}

// unitOf resolves an assignee's unit for doc ("" for named users).
func (m *Module) unitOf(tx core.App, doc *core.Record, a Assignee) string {
	switch a.Unit {
	case "$drafter":
		return doc.GetString("unit")
	case "$served":
		u, err := tx.FindRecordById("units", doc.GetString("unit"))
		if err == nil && u.GetString("kind") == "office" && u.GetString("parent") != "" {
			return u.GetString("parent")
		}
		return doc.GetString("unit")
	}
	return a.Unit
}

// candidates are the active people of a slot: the named user, or everyone
// holding the role at the unit (at home, or by a running grant).
func (m *Module) candidates(tx core.App, doc *core.Record, a Assignee) ([]string, error) {
	if len(a.Users) > 0 {
		var ids []string
		err := tx.DB().Select("id").From("users").Where(dbx.And(dbx.In("id", anySlice(a.Users)...), dbx.HashExp{"active": true})).Column(&ids)
		return ids, err
	}
	unit := m.unitOf(tx, doc, a)
	now := types.NowDateTime().String()
	var ids []string
	err := tx.DB().NewQuery(`SELECT id FROM users WHERE active = TRUE AND unit = {:u}
			AND EXISTS (SELECT 1 FROM json_each(users.roles) WHERE json_each.value = {:r})
		UNION SELECT g.user FROM grants g JOIN users ON users.id = g.user AND users.active = TRUE
			WHERE g.unit = {:u} AND g.role = {:r} AND g.revoked = FALSE
			AND (g.starts = '' OR g.starts <= {:now}) AND (g.ends = '' OR g.ends > {:now})
		ORDER BY 1`).Bind(dbx.Params{"u": unit, "r": a.Role, "now": now}).Column(&ids)
	return ids, err
}

var roleNames = map[string]string{"staff": "工作人员", "leader": "负责人", "reviewer": "审核员", "clerk": "文书", "trainer": "培训管理员", "hr": "组织人事"}

func (m *Module) describe(tx core.App, doc *core.Record, a Assignee) string {
	if len(a.Users) > 0 {
		return "指定人员"
	}
	return api.NewNames(tx).Of("units", m.unitOf(tx, doc, a)) + roleNames[a.Role]
}

// myTask is s's pending task at doc's current step.
func myTask(tx core.App, s *policies.Subject, doc *core.Record) (*core.Record, error) {
	t, err := tx.FindFirstRecordByFilter(TasksTable, "doc = {:d} && user = {:u} && status = 'pending' && step = {:s}",
		dbx.Params{"d": doc.Id, "u": s.ID, "s": doc.GetInt("step")})
	if err != nil {
		if doc.GetString("status") != "review" {
			return nil, api.Conflict("公文不在办理中")
		}
		// a task of this step already ended (acted, or taken by another
		// candidate of the slot): someone acted first
		if _, e2 := tx.FindFirstRecordByFilter(TasksTable,
			"doc = {:d} && user = {:u} && step = {:s} && status != 'waiting' && status != 'pending'",
			dbx.Params{"d": doc.Id, "u": s.ID, "s": doc.GetInt("step")}); e2 == nil {
			return nil, api.Conflict("该步骤已由他人办理或您已办理")
		}
		return nil, forbidden("当前步骤不是您的待办")
	}
	return t, nil
}

func (m *Module) approve(tx core.App, s *policies.Subject, doc *core.Record, in ActionInput) error {
	t, err := myTask(tx, s, doc)
	if err != nil {
		return err
	}
	f, err := flowOf(doc)
	if err != nil {
		return err
	}
	i := doc.GetInt("step")
	st := f.Steps[i]
	if in.Action == "sign" && !st.Sign {
		return api.Conflict("当前步骤不是签发")
	}
	if err := finish(tx, t, "approve", in.Comment, m.now()); err != nil {
		return err
	}
	// the other candidates of this slot no longer need to act
	if _, err := tx.DB().Update(TasksTable, dbx.Params{"status": "cancelled"}, dbx.And(dbx.HashExp{"doc": doc.Id, "slot": t.GetString("slot")},
		dbx.In("status", openTasks...))).Execute(); err != nil {
		return err
	}
	action := "approve"
	if st.Sign {
		action = "sign"
	}
	if err := m.event(tx, doc, s.ID, action, i, in.Comment, nil); err != nil {
		return err
	}
	done, err := stepComplete(tx, doc.Id, i, st)
	if err != nil {
		return err
	}
	if !done {
		return m.startTurn(tx, doc, i, m.now())
	}
	if err := endOpen(tx, doc.Id, i, "skipped"); err != nil {
		return err
	}
	if st.Sign {
		if err := m.sign(tx, s, doc); err != nil {
			return err
		}
	}
	if next := nextStep(f, doc, i); next >= 0 {
		return m.activate(tx, doc, f, next)
	}
	return m.complete(tx, doc)
}

// finish closes task t with an action and opinion.
func finish(tx core.App, t *core.Record, action, opinion string, now time.Time) error {
	res, err := tx.DB().Update(TasksTable, dbx.Params{"status": statusFor(action), "action": action, "opinion": opinion,
		"acted_at": dbTime(now)}, dbx.HashExp{"id": t.Id, "status": taskPending}).Execute()
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return api.Conflict("该待办已被处理")
	}
	return nil
}

func statusFor(action string) string {
	switch action {
	case "return":
		return "returned"
	case "transfer":
		return "transferred"
	}
	return taskDone
}

// stepComplete: all slots done (all), one (any), at least N (n).
func stepComplete(tx core.App, doc string, i int, st Step) (bool, error) {
	var done, open int
	err := tx.DB().NewQuery(`SELECT
			COUNT(DISTINCT CASE WHEN status = 'done' THEN slot END),
			COUNT(DISTINCT CASE WHEN status IN ('waiting', 'pending') THEN slot END)
		FROM doc_tasks WHERE doc = {:d} AND step = {:s}
			AND round = (SELECT COALESCE(MAX(round), 0) FROM doc_tasks WHERE doc = {:d} AND step = {:s})`).
		Bind(dbx.Params{"d": doc, "s": i}).Row(&done, &open)
	if err != nil {
		return false, err
	}
	switch st.Complete {
	case "any":
		return done >= 1, nil
	case "n":
		return done >= st.N || open == 0, nil
	}
	return open == 0, nil
}

// endOpen ends every open task of step i (all steps for -1) with status.
func endOpen(tx core.App, doc string, i int, status string) error {
	where := dbx.And(dbx.HashExp{"doc": doc}, dbx.In("status", openTasks...))
	if i >= 0 {
		where = dbx.And(where, dbx.HashExp{"step": i})
	}
	_, err := tx.DB().Update(TasksTable, dbx.Params{"status": status}, where).Execute()
	return err
}

// sign numbers the document (签发) in the transaction of the last approval.
func (m *Module) sign(tx core.App, s *policies.Subject, doc *core.Record) error {
	if doc.GetString("number") != "" {
		return nil
	}
	now := m.now()
	number, year, seq, err := nextNumber(tx, doc.GetString("unit"), doc.GetString("type"), doc.Id, s.ID, now)
	if err != nil {
		return err
	}
	doc.Set("number", number)
	doc.Set("number_year", year)
	doc.Set("number_seq", seq)
	doc.Set("signer", s.ID)
	doc.Set("signed_at", dbTime(now))
	if err := m.event(tx, doc, s.ID, "number", doc.GetInt("step"), "", map[string]any{"number": number}); err != nil {
		return err
	}
	return notify.Send(tx, []string{doc.GetString("drafter")}, notify.Note{Kind: "doc.signed", Title: "已签发：" + doc.GetString("title"),
		Body: number, Link: link(doc.Id)})
}

// complete ends the workflow: a numbered document waits for dispatch, the
// rest are closed (办结).
func (m *Module) complete(tx core.App, doc *core.Record) error {
	doc.Set("step", -1)
	// signed off (签发) documents wait for 印发; the rest (a 收文 has its
	// number from registration) are closed
	status := "closed"
	if !doc.GetDateTime("signed_at").IsZero() {
		status = "signed"
	}
	doc.Set("status", status)
	if err := m.event(tx, doc, "", status, -1, "", nil); err != nil {
		return err
	}
	return notify.Send(tx, []string{doc.GetString("drafter")}, notify.Note{Kind: "doc." + status,
		Title: map[string]string{"signed": "流程已完成，待印发：", "closed": "已办结："}[status] + doc.GetString("title"), Link: link(doc.Id)})
}

func (m *Module) returnTo(tx core.App, s *policies.Subject, doc *core.Record, in ActionInput) error {
	t, err := myTask(tx, s, doc)
	if err != nil {
		return err
	}
	if in.Comment == "" {
		return api.BadField("comment", "required", "退回须填写意见")
	}
	f, err := flowOf(doc)
	if err != nil {
		return err
	}
	i := doc.GetInt("step")
	to := -1
	if in.ToStep != nil {
		to = *in.ToStep
	}
	if to >= i || to < -1 || (to >= 0 && !f.Steps[to].applies(doc)) {
		return api.BadField("to_step", "invalid", "只能退回到此前的步骤或起草人")
	}
	if doc.GetString("number") != "" {
		for k := max(to, 0); k < i; k++ {
			if f.Steps[k].Sign {
				return api.Conflict("已签发编号，不能退回到签发之前")
			}
		}
	}
	if err := finish(tx, t, "return", in.Comment, m.now()); err != nil {
		return err
	}
	if err := endOpen(tx, doc.Id, i, "cancelled"); err != nil {
		return err
	}
	if err := m.event(tx, doc, s.ID, "return", i, in.Comment, map[string]any{"to_step": to}); err != nil {
		return err
	}
	if to == -1 {
		doc.Set("status", "returned")
		doc.Set("step", -1)
		return notify.Send(tx, []string{doc.GetString("drafter")}, notify.Note{Kind: "doc.returned",
			Title: "公文被退回：" + doc.GetString("title"), Body: in.Comment, Link: link(doc.Id)})
	}
	return m.activate(tx, doc, f, to)
}

func (m *Module) transfer(tx core.App, s *policies.Subject, doc *core.Record, in ActionInput) error {
	t, err := myTask(tx, s, doc)
	if err != nil {
		return err
	}
	users := dedupe(in.Users)
	if len(users) != 1 {
		return api.BadField("users", "invalid", "转办须指定一名接办人")
	}
	if err := m.checkPeople(tx, doc, users, s); err != nil {
		return err
	}
	if err := finish(tx, t, "transfer", in.Comment, m.now()); err != nil {
		return err
	}
	if err := m.newTask(tx, doc, t.GetInt("step"), t.GetString("slot"), t.GetInt("seq"), users[0], t.GetString("role"),
		t.GetString("unit"), s.ID, t.GetInt("round")); err != nil {
		return err
	}
	if err := m.event(tx, doc, s.ID, "transfer", t.GetInt("step"), in.Comment, map[string]any{"to": users[0]}); err != nil {
		return err
	}
	return m.startTurn(tx, doc, t.GetInt("step"), m.now())
}

// checkPeople: active business users, not the actor, at most ten.
// checkPeople vets the people named by 转办 or 加签: active, not one of
// 三员, not the actor, and within reach — the government the document
// belongs to (the nearest government above its unit: a city's document
// goes round that city's departments and counties) or the actor's own
// unit. Anyone else is a 400 naming users.
func (m *Module) checkPeople(tx core.App, doc *core.Record, users []string, s *policies.Subject) error {
	if len(users) == 0 || len(users) > 10 {
		return api.BadField("users", "invalid", "请指定 1 到 10 名人员")
	}
	if slices.Contains(users, s.ID) {
		return api.BadField("users", "invalid", "不能指定自己")
	}
	var rows []struct {
		ID   string `db:"id"`
		Name string `db:"name"`
		Path string `db:"path"`
	}
	err := tx.DB().Select("users.id", "users.name", "units.path").From("users").InnerJoin("units", dbx.NewExp("units.id = users.unit")).
		Where(dbx.And(dbx.In("users.id", anySlice(users)...), dbx.HashExp{"users.active": true}, org.NotAdmin())).All(&rows)
	if err != nil {
		return err
	}
	if len(rows) != len(dedupe(users)) {
		return api.BadField("users", "unknown_user", "人员不存在、已停用或不能办理公文")
	}
	roots := []string{s.Unit.Path}
	var gov []string
	if err := tx.DB().NewQuery(`SELECT path FROM units WHERE kind = 'government' AND substr({:p}, 1, length(path)) = path
		ORDER BY length(path) DESC LIMIT 1`).Bind(dbx.Params{"p": doc.GetString("unit_path")}).Column(&gov); err != nil {
		return err
	}
	if len(gov) > 0 {
		roots = append(roots, gov[0])
	} else {
		roots = append(roots, doc.GetString("unit_path"))
	}
	for _, r := range rows {
		if !slices.ContainsFunc(roots, func(root string) bool { return root != "" && strings.HasPrefix(r.Path, root) }) {
			return api.BadField("users", "out_of_reach", "「"+r.Name+"」不在本公文所属政府及您本单位范围内，不能转办或加签")
		}
	}
	return nil
}

// addSigner (加签): before — the added people act first, then the adder
// again; after — they act once the adder's turn is done.
func (m *Module) addSigner(tx core.App, s *policies.Subject, doc *core.Record, in ActionInput) error {
	t, err := myTask(tx, s, doc)
	if err != nil {
		return err
	}
	users := dedupe(in.Users)
	if err := m.checkPeople(tx, doc, users, s); err != nil {
		return err
	}
	if in.Position != "before" && in.Position != "after" {
		return api.BadField("position", "invalid", "加签位置须为 before（前加签）或 after（后加签）")
	}
	i, seq := t.GetInt("step"), t.GetInt("seq")
	newSeq := seq + 1
	shiftFrom := seq + 1
	if in.Position == "before" {
		newSeq, shiftFrom = seq, seq
	}
	// make room: the open turns from shiftFrom on move one later (before:
	// the adder's own slot too)
	where := dbx.And(dbx.HashExp{"doc": doc.Id, "step": i}, dbx.In("status", openTasks...),
		dbx.NewExp("seq >= {:from}", dbx.Params{"from": shiftFrom}))
	if in.Position == "before" {
		where = dbx.And(dbx.HashExp{"doc": doc.Id, "slot": t.GetString("slot")}, dbx.In("status", openTasks...))
		if _, err := tx.DB().NewQuery("UPDATE doc_tasks SET seq = seq + 1 WHERE doc = {:d} AND step = {:s} AND status IN ('waiting', 'pending') AND seq > {:q}").
			Bind(dbx.Params{"d": doc.Id, "s": i, "q": seq}).Execute(); err != nil {
			return err
		}
	}
	if _, err := tx.DB().Update(TasksTable, dbx.Params{"seq": dbx.NewExp("seq + 1"), "status": taskWaiting}, where).Execute(); err != nil {
		return err
	}
	if in.Position == "after" {
		// the adder keeps their turn
		if _, err := tx.DB().Update(TasksTable, dbx.Params{"status": taskPending}, dbx.HashExp{"id": t.Id}).Execute(); err != nil {
			return err
		}
	}
	for _, u := range users {
		// each added signer is a slot of their own, unique across 加签 rounds
		if err := m.newTask(tx, doc, i, fmt.Sprintf("%d.+%s", i, core.GenerateDefaultRandomId()), newSeq, u, "", "", s.ID, t.GetInt("round")); err != nil {
			return err
		}
	}
	if err := m.event(tx, doc, s.ID, "add_signer", i, in.Comment, map[string]any{"users": users, "position": in.Position}); err != nil {
		return err
	}
	return m.startTurn(tx, doc, i, m.now())
}

// recall: the drafter takes a submitted document back while the first
// step has not acted.
func (m *Module) recall(tx core.App, s *policies.Subject, doc *core.Record, in ActionInput) error {
	if doc.GetString("drafter") != s.ID {
		return forbidden("只有起草人可以撤回")
	}
	if doc.GetString("status") != "review" {
		return api.Conflict("公文不在办理中，无需撤回")
	}
	var acted int
	if err := tx.DB().Select("COUNT(*)").From(TasksTable).Where(dbx.And(dbx.HashExp{"doc": doc.Id},
		dbx.In("status", "done", "returned", "transferred"), dbx.NewExp("acted_at > COALESCE((SELECT MAX(created) FROM doc_events WHERE doc = {:d} AND action = 'submit'), '')",
			dbx.Params{"d": doc.Id}))).Row(&acted); err != nil {
		return err
	}
	if acted > 0 {
		return api.Conflict("已有人办理，不能撤回")
	}
	if err := endOpen(tx, doc.Id, -1, "recalled"); err != nil {
		return err
	}
	doc.Set("status", "draft")
	doc.Set("step", -1)
	return m.event(tx, doc, s.ID, "recall", -1, in.Comment, nil)
}

// chase (催办) reminds whoever holds the document now.
func (m *Module) chase(tx core.App, s *policies.Subject, doc *core.Record, in ActionInput) error {
	if doc.GetString("status") != "review" {
		return api.Conflict("公文不在办理中")
	}
	if ok, _ := m.app.Authz.Can(s, "chase", doc); !ok {
		return forbidden("您无权催办此公文")
	}
	var last []string
	if err := tx.DB().Select("COALESCE(MAX(created), '')").From(EventsTable).Where(dbx.HashExp{"doc": doc.Id, "action": "chase"}).Column(&last); err != nil {
		return err
	}
	if len(last) > 0 && last[0] != "" {
		if t, err := types.ParseDateTime(last[0]); err == nil && m.now().Sub(t.Time()) < chaseEvery {
			tooSoon := api.NewError(http.StatusTooManyRequests, "too_soon", "刚催办过，请稍后再催")
			tooSoon.RetryAfter = int((chaseEvery - m.now().Sub(t.Time())).Seconds()) + 1
			return tooSoon
		}
	}
	var users []string
	if err := tx.DB().Select("user").From(TasksTable).Where(dbx.HashExp{"doc": doc.Id, "status": taskPending}).Column(&users); err != nil {
		return err
	}
	if err := m.event(tx, doc, s.ID, "chase", doc.GetInt("step"), in.Comment, map[string]any{"users": users}); err != nil {
		return err
	}
	return notify.Send(tx, users, notify.Note{Kind: "doc.chase", Title: "催办：" + doc.GetString("title"), Body: in.Comment, Link: link(doc.Id)})
}

func (m *Module) comment(tx core.App, s *policies.Subject, doc *core.Record, in ActionInput) error {
	if in.Comment == "" {
		return api.BadField("comment", "required", "请填写意见")
	}
	var n int
	if err := tx.DB().Select("COUNT(*)").From(TasksTable).Where(dbx.HashExp{"doc": doc.Id, "user": s.ID}).Row(&n); err != nil {
		return err
	}
	if n == 0 && doc.GetString("drafter") != s.ID {
		return forbidden("只有办理人可以填写意见")
	}
	return m.event(tx, doc, s.ID, "comment", doc.GetInt("step"), in.Comment, nil)
}

func (m *Module) void(tx core.App, s *policies.Subject, doc *core.Record, in ActionInput) error {
	if doc.GetString("status") != "signed" {
		return api.Conflict("只有已签发、未印发的公文可以作废")
	}
	if ok, _ := m.app.Authz.Can(s, "void", doc); !ok {
		return forbidden("只有办公室文书可以作废公文")
	}
	why := strings.TrimSpace(in.Reason)
	if why == "" {
		return api.BadField("reason", "required", "请说明作废原因")
	}
	res, err := tx.DB().Update("doc_numbers", dbx.Params{"state": "voided", "reason": why, "actor": s.ID},
		dbx.HashExp{"doc": doc.Id, "state": "used"}).Execute()
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return api.Conflict("文号记录不一致")
	}
	doc.Set("status", "voided")
	return m.event(tx, doc, s.ID, "void", -1, why, map[string]any{"number": doc.GetString("number")})
}

func anySlice(v []string) []any {
	out := make([]any, len(v))
	for i, s := range v {
		out[i] = s
	}
	return out
}

func dbTime(t time.Time) string { return t.UTC().Format(types.DefaultDateLayout) }
