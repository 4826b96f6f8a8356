package approval_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pocketbase/dbx"

	"govcollab/hooks/apptest"
)

type numberRow struct {
	Seq    int    `db:"seq"`
	Number string `db:"number"`
	Doc    string `db:"doc"`
	State  string `db:"state"`
	Reason string `db:"reason"`
}

// numbersOf are the numbers given to (unit, type), in order.
func numbersOf(e *apptest.Env, unit, docType string) []numberRow {
	e.T.Helper()
	var out []numberRow
	if err := e.App.DB().NewQuery("SELECT seq, number, doc, state, reason FROM doc_numbers WHERE unit = {:u} AND dtype = {:t} ORDER BY seq").
		Bind(dbx.Params{"u": unit, "t": docType}).All(&out); err != nil {
		e.T.Fatal(err)
	}
	return out
}

// TestVoidKeepsTheNumber: a voided document's number stays on record as
// voided, and the next sign-off takes the next number — never reused.
func TestVoidKeepsTheNumber(t *testing.T) {
	e := newEnv(t)
	office := unitOf(e, "东城市人民政府办公室")
	id, first := signLetter(e, nil)
	if want := fmt.Sprintf("东政办函〔%d〕1号", year()); first != want {
		t.Fatalf("first number %s, want %s", first, want)
	}
	act(e, 400, "clerk.east", id, map[string]any{"action": "void"})
	act(e, 403, "leader.east", id, map[string]any{"action": "void", "reason": "x"})
	out := act(e, 200, "clerk.east", id, map[string]any{"action": "void", "reason": "文字有误"})
	if out["status"] != "voided" || out["number"] != first {
		t.Fatalf("after void: %v %v", out["status"], out["number"])
	}
	_, second := signLetter(e, nil)
	if want := fmt.Sprintf("东政办函〔%d〕2号", year()); second != want {
		t.Fatalf("after a void the next number is %s, want %s", second, want)
	}
	got := numbersOf(e, office, "函")
	if len(got) != 2 || got[0].State != "voided" || got[0].Reason != "文字有误" || got[0].Doc != id ||
		got[1].State != "used" || got[1].Seq != 2 || got[1].Number != second {
		t.Fatalf("doc_numbers: %+v", got)
	}
	act(e, 409, "clerk.east", id, map[string]any{"action": "void", "reason": "再次"})
	act(e, 409, "clerk.east", id, map[string]any{"action": "dispatch"})
}

type inboundRow struct {
	Unit   string `db:"unit"`
	Copy   bool   `db:"copy"`
	Number string `db:"number"`
	Status string `db:"status"`
}

// TestDispatchRefuseRegister: 印发 puts one item in the 收文 queue of each
// 主送/抄送 office; 退文 is on the sender's timeline and notifies the
// drafter; 登记 makes a 收文 numbered 西政办收〔YYYY〕N号 in its workflow.
func TestDispatchRefuseRegister(t *testing.T) {
	e := newEnv(t)
	west, tax, county := unitOf(e, "西城市人民政府"), unitOf(e, "东城市税务局"), unitOf(e, "东城市甲县人民政府")
	westOffice := unitOf(e, "西城市人民政府办公室")
	id, number := signLetter(e, map[string]any{"main_to": []string{west, tax}, "copy_to": []string{county, west}})
	act(e, 403, "leader.east", id, map[string]any{"action": "dispatch"})
	act(e, 200, "clerk.east", id, map[string]any{"action": "dispatch"})
	var rows []inboundRow
	if err := e.App.DB().NewQuery("SELECT unit, copy, number, status FROM inbound WHERE from_doc = {:d} ORDER BY created, rowid").
		Bind(dbx.Params{"d": id}).All(&rows); err != nil {
		t.Fatal(err)
	}
	want := []inboundRow{{westOffice, false, number, "new"}, {tax, false, number, "new"}, {county, true, number, "new"}}
	if !slices.Equal(rows, want) {
		t.Fatalf("inbound rows %+v, want %+v", rows, want)
	}
	q := e.Must(200, "clerk.west", "GET", "/api/gov/inbound", nil)
	items := q["items"].([]any)
	if q["totalItems"].(float64) != 1 || !strings.Contains(toJSON(items[0]), number) {
		t.Fatalf("西城市 queue: %v", q)
	}
	inb := items[0].(map[string]any)["id"].(string)
	e.Must(404, "clerk.east", "POST", "/api/gov/inbound/"+inb+"/refuse", map[string]any{"reason": "x"})
	e.Must(400, "clerk.west", "POST", "/api/gov/inbound/"+inb+"/refuse", map[string]any{"reason": " "})
	r := e.Must(200, "clerk.west", "POST", "/api/gov/inbound/"+inb+"/refuse", map[string]any{"reason": "不属于本单位职责"})
	if r["status"] != "refused" || r["reason"] != "不属于本单位职责" {
		t.Fatalf("after refuse: %v", r)
	}
	e.Must(409, "clerk.west", "POST", "/api/gov/inbound/"+inb+"/register", map[string]any{"workflow": template(e, "西城市人民政府", "市政府收文办理")})
	tl := toJSON(e.Must(200, "clerk.east", "GET", "/api/gov/docs/"+id+"/timeline", nil))
	if !strings.Contains(tl, `"action":"refused"`) || !strings.Contains(tl, `"opinion":"不属于本单位职责"`) {
		t.Fatalf("sender timeline lacks the refusal: %s", tl)
	}
	var n int
	_ = e.App.DB().NewQuery("SELECT COUNT(*) FROM notifications WHERE user = {:u} AND kind = 'doc.refused' AND body = '不属于本单位职责'").
		Bind(dbx.Params{"u": apptest.UserID(t, "clerk.east")}).Row(&n)
	if n != 1 {
		t.Fatalf("drafter refusal notifications: %d", n)
	}

	// a second letter is registered
	id2, number2 := signLetter(e, map[string]any{"main_to": []string{west}})
	act(e, 200, "clerk.east", id2, map[string]any{"action": "dispatch"})
	var inb2 string
	_ = e.App.DB().NewQuery("SELECT id FROM inbound WHERE from_doc = {:d}").Bind(dbx.Params{"d": id2}).Row(&inb2)
	e.Must(400, "clerk.west", "POST", "/api/gov/inbound/"+inb2+"/register", map[string]any{})
	reg := e.Must(200, "clerk.west", "POST", "/api/gov/inbound/"+inb2+"/register", map[string]any{
		"workflow": template(e, "西城市人民政府", "市政府收文办理")})
	if reg["status"] != "registered" {
		t.Fatalf("after register: %v", reg)
	}
	doc := e.Must(200, "clerk.west", "GET", "/api/gov/docs/"+reg["doc"].(string), nil)
	if want := fmt.Sprintf("西政办收〔%d〕1号", year()); doc["number"] != want || doc["type"] != "收文" || doc["status"] != "review" {
		t.Fatalf("收文: %v %v %v, want %s", doc["number"], doc["type"], doc["status"], want)
	}
	if got := pendingUsers(e, reg["doc"].(string)); !slices.Equal(got, []string{"clerk.west"}) {
		t.Fatalf("拟办 pending: %v", got)
	}
	if got := docField(e, reg["doc"].(string), "sender_number"); got != number2 {
		t.Fatalf("收文 lost the sender's number %s", number2)
	}
	e.Must(409, "clerk.west", "POST", "/api/gov/inbound/"+inb2+"/register", map[string]any{"workflow": template(e, "西城市人民政府", "市政府收文办理")})
}

// TestWorkingDayDeadline: the provincial office keeps the calendar; a
// holiday on the next working day moves a one-day deadline to the day after.
func TestWorkingDayDeadline(t *testing.T) {
	e := newEnv(t)
	prov := addPerson(e, "clerk.prov", "示范省人民政府办公厅", "clerk")
	e.Must(403, "clerk.east", "PUT", "/api/gov/calendar/2026-12-08", map[string]any{"kind": "holiday", "name": "测试假日"})
	e.Must(403, "staff.east.tax", "PUT", "/api/gov/calendar/2026-12-08", map[string]any{"kind": "holiday"})
	mustToken(e, 400, prov.token, "PUT", "/api/gov/calendar/2026-13-01", map[string]any{"kind": "holiday"})
	mustToken(e, 400, prov.token, "PUT", "/api/gov/calendar/2026-12-08", map[string]any{"kind": "vacation"})
	mustToken(e, 200, prov.token, "PUT", "/api/gov/calendar/2026-12-08", map[string]any{"kind": "holiday", "name": "测试假日"})
	cal := e.Must(200, "staff.east.tax", "GET", "/api/gov/calendar?year=2026", nil)
	if !strings.Contains(toJSON(cal), `{"date":"2026-12-08","kind":"holiday","name":"测试假日"}`) {
		t.Fatalf("calendar: %v", cal)
	}
	sh, _ := time.LoadLocation("Asia/Shanghai")
	// Monday 2026-12-07, 10:00 in Shanghai; Tuesday is the holiday
	e.G.Docs.SetClock(func() time.Time { return time.Date(2026, 12, 7, 10, 0, 0, 0, sh) })
	id := draft(e, "clerk.east", "函", template(e, "东城市人民政府", "市政府函"), nil)
	act(e, 200, "clerk.east", id, map[string]any{"action": "submit"})
	deadline := func(doc string) string {
		var d string
		_ = e.App.DB().NewQuery("SELECT deadline FROM doc_tasks WHERE doc = {:d} AND status = 'pending'").Bind(dbx.Params{"d": doc}).Row(&d)
		at, err := time.Parse("2006-01-02 15:04:05.000Z", d)
		if err != nil {
			t.Fatalf("deadline %q: %v", d, err)
		}
		return at.In(sh).Format("2006-01-02 15:04:05")
	}
	if got := deadline(id); got != "2026-12-09 23:59:59" {
		t.Fatalf("deadline over the holiday: %s, want 2026-12-09 23:59:59", got)
	}
	// the day ordinary again: the next day is the deadline
	e.Must(403, "clerk.east", "DELETE", "/api/gov/calendar/2026-12-08", nil)
	mustToken(e, 204, prov.token, "DELETE", "/api/gov/calendar/2026-12-08", nil)
	mustToken(e, 404, prov.token, "DELETE", "/api/gov/calendar/2026-12-08", nil)
	id2 := draft(e, "clerk.east", "函", template(e, "东城市人民政府", "市政府函"), nil)
	act(e, 200, "clerk.east", id2, map[string]any{"action": "submit"})
	if got := deadline(id2); got != "2026-12-08 23:59:59" {
		t.Fatalf("ordinary deadline: %s", got)
	}
	// Friday: one working day is Monday
	e.G.Docs.SetClock(func() time.Time { return time.Date(2026, 12, 11, 18, 0, 0, 0, sh) })
	id3 := draft(e, "clerk.east", "函", template(e, "东城市人民政府", "市政府函"), nil)
	act(e, 200, "clerk.east", id3, map[string]any{"action": "submit"})
	if got := deadline(id3); got != "2026-12-14 23:59:59" {
		t.Fatalf("deadline over a weekend: %s", got)
	}
}
