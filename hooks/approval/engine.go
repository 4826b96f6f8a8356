package approval

import (
	"net/http"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"

	"govcollab/hooks/api"
	"govcollab/hooks/files"
	"govcollab/hooks/notify"
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
	var done *core.Record // the document as the action left it
	_, err = m.app.ApplyAs(e, "doc."+in.Action, func(tx core.App, c *api.Change) error {
		doc, err := tx.FindRecordById(DocsTable, rec.Id)
		if err != nil {
			return err
		}
		done = doc
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
	if st := done.GetString("status"); st == "dispatched" || st == "closed" {
		if _, err := m.Archive(e.Request.Context(), rec.Id); err != nil {
			e.App.Logger().Warn("document archived later", "doc", rec.Id, "error", err.Error())
		}
		return m.answer(e, s, rec.Id, http.StatusOK)
	}
	out, err := m.page(e.App, s, done)
	if err != nil {
		return err
	}
	return e.JSON(http.StatusOK, out)
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

func dbTime(t time.Time) string { return t.UTC().Format(types.DefaultDateLayout) }
