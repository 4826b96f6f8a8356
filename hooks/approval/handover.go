package approval

import (
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"

	"govcollab/hooks/api"
	"govcollab/hooks/notify"
	"govcollab/hooks/org"
	"govcollab/policies"
)

// Hand-overs and side actions on a document in review: 转办, 加签,
// recall by the drafter, 催办, comments, and 作废 of a signed document.

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
