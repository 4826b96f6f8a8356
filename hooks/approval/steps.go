package approval

import (
	"fmt"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"

	"govcollab/hooks/api"
	"govcollab/hooks/calendar"
	"govcollab/hooks/notify"
)

// Steps of a workflow: opening a step (its slots' tasks, numbered by
// round), turns within it, who may act, and when it is complete.

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
