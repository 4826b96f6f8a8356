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

func countersigned(e *apptest.Env) string {
	return draft(e, "clerk.east", "发文", template(e, "东城市人民政府", "市政府发文（会签）"),
		map[string]any{"main_to": []string{unitOf(e, "西城市人民政府")}})
}

// TestActionDenials: each action refused for the reason it names — not
// the caller's step, already acted, stale revision, recalled, bad input.
func TestActionDenials(t *testing.T) {
	e := newEnv(t)
	id := countersigned(e)
	act(e, 200, "clerk.east", id, map[string]any{"action": "submit"})
	act(e, 409, "clerk.east", id, map[string]any{"action": "submit"})                                    // already in review
	act(e, 403, "leader.east", id, map[string]any{"action": "approve"})                                  // a later step's signer
	act(e, 403, "clerk.east", id, map[string]any{"action": "approve"})                                   // the drafter has no task
	act(e, 404, "staff.east.tax", id, map[string]any{"action": "approve"})                               // cannot see it
	act(e, 404, "staff.west.tax", id, map[string]any{"action": "comment", "comment": "x"})               // outsider
	act(e, 400, "leader.east.tax", id, map[string]any{"action": "bless"})                                // unknown action
	act(e, 400, "leader.east.tax", id, map[string]any{"action": "return"})                               // return needs an opinion
	act(e, 400, "leader.east.tax", id, map[string]any{"action": "return", "comment": "x", "to_step": 0}) // not earlier
	act(e, 400, "leader.east.tax", id, map[string]any{"action": "transfer", "users": []string{}})
	act(e, 400, "leader.east.tax", id, map[string]any{"action": "transfer", "users": []string{apptest.UserID(t, "admin.sys")}})
	act(e, 400, "leader.east.tax", id, map[string]any{"action": "add_signer", "users": []string{apptest.UserID(t, "staff.east.tax")}, "position": "middle"})
	act(e, 400, "leader.east.tax", id, map[string]any{"action": "comment"})
	act(e, 403, "leader.east", id, map[string]any{"action": "comment", "comment": "无关人员的意见"})
	act(e, 400, "leader.east.tax", id, map[string]any{"action": "approve", "comment": "机密★10年 内容"})
	act(e, 403, "leader.east", id, map[string]any{"action": "recall"})             // not the drafter
	act(e, 409, "clerk.east", id, map[string]any{"action": "void", "reason": "x"}) // not signed
	act(e, 409, "clerk.east", id, map[string]any{"action": "dispatch"})            // not signed
	rev := int(e.Must(200, "leader.east.tax", "GET", "/api/gov/docs/"+id, nil)["rev"].(float64))
	act(e, 409, "leader.east.tax", id, map[string]any{"action": "approve", "rev": rev - 1})
	out := act(e, 200, "leader.east.tax", id, map[string]any{"action": "approve", "comment": "同意", "rev": rev})
	if out["rev"].(float64) != float64(rev+1) || out["step"].(float64) != 0 {
		t.Fatalf("after one countersign: rev %v step %v", out["rev"], out["step"])
	}
	act(e, 409, "leader.east.tax", id, map[string]any{"action": "approve"}) // already acted
	act(e, 409, "clerk.east", id, map[string]any{"action": "recall"})       // someone acted
	act(e, 409, "staff.east.hr", id, map[string]any{"action": "sign"})      // not the sign step
	if got := pendingUsers(e, id); !slices.Equal(got, []string{"staff.east.hr"}) {
		t.Fatalf("pending after one countersign: %v", got)
	}

	// recalled before anyone acted: the tasks end, nobody may act
	r := countersigned(e)
	act(e, 200, "clerk.east", r, map[string]any{"action": "submit"})
	out = act(e, 200, "clerk.east", r, map[string]any{"action": "recall", "comment": "补充材料"})
	if out["status"] != "draft" || out["step"].(float64) != -1 {
		t.Fatalf("after recall: %v %v", out["status"], out["step"])
	}
	for _, tk := range tasksOf(e, r) {
		if tk.Status != "recalled" {
			t.Errorf("task of %s after recall: %s", tk.User, tk.Status)
		}
	}
	act(e, 409, "leader.east.tax", r, map[string]any{"action": "approve"})
	// and it may be edited and submitted again
	e.Must(200, "clerk.east", "PATCH", "/api/gov/docs/"+r, map[string]any{"title": "改过的标题"})
	act(e, 200, "clerk.east", r, map[string]any{"action": "submit"})
	if got := pendingUsers(e, r); !slices.Equal(got, []string{"leader.east.tax", "staff.east.hr"}) {
		t.Fatalf("pending after resubmit: %v", got)
	}
}

// signLetter drafts a 函 and has leader.east sign it; it returns the id and
// the number.
func signLetter(e *apptest.Env, extra map[string]any) (string, string) {
	e.T.Helper()
	id := draft(e, "clerk.east", "函", template(e, "东城市人民政府", "市政府函"), extra)
	act(e, 200, "clerk.east", id, map[string]any{"action": "submit"})
	out := act(e, 200, "leader.east", id, map[string]any{"action": "sign", "comment": "同意"})
	if out["status"] != "signed" {
		e.T.Fatalf("after sign: %v", out["status"])
	}
	return id, out["number"].(string)
}

// TestArchivedRefusesEverything: a dispatched (so archived) document takes
// no action and no edit — 409, the state moved on.
func TestArchivedRefusesEverything(t *testing.T) {
	e := newEnv(t)
	id, _ := signLetter(e, map[string]any{"main_to": []string{unitOf(e, "西城市人民政府")}})
	out := act(e, 200, "clerk.east", id, map[string]any{"action": "dispatch"})
	if out["status"] != "archived" {
		t.Fatalf("after dispatch: %v", out["status"])
	}
	for _, c := range []struct {
		user string
		body map[string]any
	}{
		{"leader.east", map[string]any{"action": "sign"}},
		{"leader.east", map[string]any{"action": "approve"}},
		{"leader.east", map[string]any{"action": "return", "comment": "x"}},
		{"clerk.east", map[string]any{"action": "recall"}},
		{"clerk.east", map[string]any{"action": "submit"}},
		{"clerk.east", map[string]any{"action": "dispatch"}},
		{"clerk.east", map[string]any{"action": "void", "reason": "x"}},
		{"clerk.east", map[string]any{"action": "chase"}},
	} {
		code, res, _ := e.Call(c.user, "POST", "/api/gov/docs/"+id+"/actions", c.body)
		if code != 409 || res["code"] == nil {
			t.Errorf("%s %v on an archived document: %d %v", c.user, c.body["action"], code, res)
		}
	}
	code, res, _ := e.Call("clerk.east", "PATCH", "/api/gov/docs/"+id, map[string]any{"title": "改"})
	if code != 409 {
		t.Errorf("PATCH archived: %d %v", code, res)
	}
	code, _, _ = e.Call("clerk.east", "DELETE", "/api/gov/docs/"+id, nil)
	if code != 409 {
		t.Errorf("DELETE archived: %d", code)
	}
	if docField(e, id, "title") != "测试公文 "+template(e, "东城市人民政府", "市政府函") {
		t.Errorf("archived title changed: %s", docField(e, id, "title"))
	}
}

// TestReturnTransferAndResubmit: the signer returns to the countersign
// step (both departments hold it again), a department returns it to the
// drafter, who edits and resubmits; a department transfers its part.
func TestReturnTransferAndResubmit(t *testing.T) {
	e := newEnv(t)
	id := countersigned(e)
	act(e, 200, "clerk.east", id, map[string]any{"action": "submit"})
	act(e, 200, "leader.east.tax", id, map[string]any{"action": "approve"})
	act(e, 200, "staff.east.hr", id, map[string]any{"action": "approve"})
	if got := pendingUsers(e, id); !slices.Equal(got, []string{"leader.east"}) {
		t.Fatalf("pending at 签发: %v", got)
	}
	out := act(e, 200, "leader.east", id, map[string]any{"action": "return", "comment": "请再会签", "to_step": 0})
	if out["step"].(float64) != 0 || out["status"] != "review" {
		t.Fatalf("after return to step 0: %v %v", out["step"], out["status"])
	}
	if got := pendingUsers(e, id); !slices.Equal(got, []string{"leader.east.tax", "staff.east.hr"}) {
		t.Fatalf("pending after return to step 0: %v", got)
	}
	// transfer: the tax leader hands the part to a colleague
	act(e, 400, "leader.east.tax", id, map[string]any{"action": "transfer", "users": []string{apptest.UserID(t, "leader.east.tax")}})
	act(e, 200, "leader.east.tax", id, map[string]any{"action": "transfer", "users": []string{apptest.UserID(t, "staff.east.tax")}, "comment": "请办理"})
	if got := pendingUsers(e, id); !slices.Equal(got, []string{"staff.east.hr", "staff.east.tax"}) {
		t.Fatalf("pending after transfer: %v", got)
	}
	act(e, 409, "leader.east.tax", id, map[string]any{"action": "approve"}) // transferred: no longer theirs
	e.Must(200, "staff.east.tax", "GET", "/api/gov/docs/"+id, nil)          // now a participant
	// return to the drafter: status returned, drafter notified
	act(e, 200, "staff.east.tax", id, map[string]any{"action": "return", "comment": "依据不足", "to_step": -1})
	if st, step := docField(e, id, "status"), docField(e, id, "step"); st != "returned" || step != "-1" {
		t.Fatalf("after return to drafter: %s %s", st, step)
	}
	if pendingUsers(e, id) != nil {
		t.Fatalf("pending after return to drafter: %v", pendingUsers(e, id))
	}
	var n int
	_ = e.App.DB().NewQuery("SELECT COUNT(*) FROM notifications WHERE user = {:u} AND kind = 'doc.returned' AND body = '依据不足'").
		Bind(dbx.Params{"u": apptest.UserID(t, "clerk.east")}).Row(&n)
	if n != 1 {
		t.Errorf("drafter return notifications: %d", n)
	}
	e.Must(200, "clerk.east", "PATCH", "/api/gov/docs/"+id, map[string]any{"body": "补充了依据。"})
	act(e, 200, "clerk.east", id, map[string]any{"action": "submit"})
	if got := pendingUsers(e, id); !slices.Equal(got, []string{"leader.east.tax", "staff.east.hr"}) {
		t.Fatalf("pending after resubmit: %v", got)
	}
	tl := toJSON(e.Must(200, "clerk.east", "GET", "/api/gov/docs/"+id+"/timeline", nil))
	for _, want := range []string{`"action":"return"`, `"opinion":"请再会签"`, `"action":"transfer"`, `"opinion":"依据不足"`} {
		if !strings.Contains(tl, want) {
			t.Errorf("timeline lacks %s", want)
		}
	}
}

// makeTemplate saves a template as clerk.east for 东城市人民政府.
func makeTemplate(e *apptest.Env, docType string, steps []map[string]any) string {
	e.T.Helper()
	out := e.Must(201, "clerk.east", "POST", "/api/gov/workflows", map[string]any{"name": fmt.Sprintf("测试流程%d", len(steps)) + docType,
		"doc_type": docType, "definition": map[string]any{"steps": steps}})
	return out["id"].(string)
}

func role(r, unit string) map[string]any { return map[string]any{"role": r, "unit": unit} }

// TestAddSignerSequential: 前加签 puts the added person before the adder,
// 后加签 right after, both before the next slot of a sequential step.
func TestAddSignerSequential(t *testing.T) {
	e := newEnv(t)
	tax, hr := unitOf(e, "东城市税务局"), unitOf(e, "东城市人力资源和社会保障局")
	w := makeTemplate(e, "签报", []map[string]any{
		{"name": "依次审核", "order": "sequential", "assignees": []any{role("leader", tax), role("staff", hr)}},
		{"name": "市领导阅批", "assignees": []any{role("leader", "$served")}},
	})
	id := draft(e, "clerk.east", "签报", w, nil)
	act(e, 200, "clerk.east", id, map[string]any{"action": "submit"})
	if got := pendingUsers(e, id); !slices.Equal(got, []string{"leader.east.tax"}) {
		t.Fatalf("first turn: %v", got)
	}
	act(e, 200, "leader.east.tax", id, map[string]any{"action": "add_signer", "position": "before",
		"users": []string{apptest.UserID(t, "staff.east.tax")}})
	if got := pendingUsers(e, id); !slices.Equal(got, []string{"staff.east.tax"}) {
		t.Fatalf("after 前加签: %v", got)
	}
	act(e, 403, "leader.east.tax", id, map[string]any{"action": "approve"})
	act(e, 200, "staff.east.tax", id, map[string]any{"action": "approve"})
	if got := pendingUsers(e, id); !slices.Equal(got, []string{"leader.east.tax"}) {
		t.Fatalf("adder's turn again: %v", got)
	}
	act(e, 200, "leader.east.tax", id, map[string]any{"action": "add_signer", "position": "after",
		"users": []string{apptest.UserID(t, "staff.east.county1")}})
	if got := pendingUsers(e, id); !slices.Equal(got, []string{"leader.east.tax"}) {
		t.Fatalf("after 后加签 the adder keeps the turn: %v", got)
	}
	act(e, 200, "leader.east.tax", id, map[string]any{"action": "approve"})
	if got := pendingUsers(e, id); !slices.Equal(got, []string{"staff.east.county1"}) {
		t.Fatalf("after the adder: %v", got)
	}
	act(e, 200, "staff.east.county1", id, map[string]any{"action": "approve"})
	if got := pendingUsers(e, id); !slices.Equal(got, []string{"staff.east.hr"}) {
		t.Fatalf("the next slot: %v", got)
	}
	out := act(e, 200, "staff.east.hr", id, map[string]any{"action": "approve"})
	if out["step"].(float64) != 1 || !slices.Equal(pendingUsers(e, id), []string{"leader.east"}) {
		t.Fatalf("step 1: %v %v", out["step"], pendingUsers(e, id))
	}
	out = act(e, 200, "leader.east", id, map[string]any{"action": "approve"})
	if out["status"] != "archived" || out["number"] != "" || !strings.Contains(toJSON(e.Must(200, "clerk.east", "GET", "/api/gov/docs/"+id+"/timeline", nil)), `"action":"closed"`) {
		t.Fatalf("签报 without 签发 closes unnumbered: %v %v", out["status"], out["number"])
	}
}

// TestAddSignerParallel: in 会签 the added person acts beside the other
// slots (before) or once the turn is over (after).
func TestAddSignerParallel(t *testing.T) {
	e := newEnv(t)
	id := countersigned(e)
	act(e, 200, "clerk.east", id, map[string]any{"action": "submit"})
	act(e, 200, "leader.east.tax", id, map[string]any{"action": "add_signer", "position": "before",
		"users": []string{apptest.UserID(t, "staff.east.tax")}})
	if got := pendingUsers(e, id); !slices.Equal(got, []string{"staff.east.hr", "staff.east.tax"}) {
		t.Fatalf("after 前加签: %v", got)
	}
	act(e, 200, "staff.east.tax", id, map[string]any{"action": "approve"})
	if got := pendingUsers(e, id); !slices.Equal(got, []string{"staff.east.hr"}) {
		t.Fatalf("the adder waits for the whole turn: %v", got)
	}
	act(e, 200, "staff.east.hr", id, map[string]any{"action": "approve"})
	if got := pendingUsers(e, id); !slices.Equal(got, []string{"leader.east.tax"}) {
		t.Fatalf("the adder's turn: %v", got)
	}
	act(e, 200, "leader.east.tax", id, map[string]any{"action": "add_signer", "position": "after",
		"users": []string{apptest.UserID(t, "staff.east.county1")}})
	if got := pendingUsers(e, id); !slices.Equal(got, []string{"leader.east.tax"}) {
		t.Fatalf("after 后加签: %v", got)
	}
	out := act(e, 200, "leader.east.tax", id, map[string]any{"action": "approve"})
	if out["step"].(float64) != 0 || !slices.Equal(pendingUsers(e, id), []string{"staff.east.county1"}) {
		t.Fatalf("after the adder: step %v %v", out["step"], pendingUsers(e, id))
	}
	out = act(e, 200, "staff.east.county1", id, map[string]any{"action": "approve"})
	if out["step"].(float64) != 1 || !slices.Equal(pendingUsers(e, id), []string{"leader.east"}) {
		t.Fatalf("step 1: %v %v", out["step"], pendingUsers(e, id))
	}
}

// TestCompleteModes: complete=any ends the step at the first approval (the
// others skipped), complete=n at the n-th.
func TestCompleteModes(t *testing.T) {
	e := newEnv(t)
	tax, hr := unitOf(e, "东城市税务局"), unitOf(e, "东城市人力资源和社会保障局")
	three := []any{role("leader", tax), role("staff", hr), map[string]any{"users": []string{apptest.UserID(t, "staff.east.county1")}}}
	anyFlow := makeTemplate(e, "签报", []map[string]any{
		{"name": "任一会签", "order": "parallel", "complete": "any", "assignees": three},
		{"name": "市领导阅批", "assignees": []any{role("leader", "$served")}},
	})
	id := draft(e, "clerk.east", "签报", anyFlow, nil)
	act(e, 200, "clerk.east", id, map[string]any{"action": "submit"})
	if got := pendingUsers(e, id); len(got) != 3 {
		t.Fatalf("any: pending %v", got)
	}
	out := act(e, 200, "staff.east.hr", id, map[string]any{"action": "approve"})
	if out["step"].(float64) != 1 || !slices.Equal(pendingUsers(e, id), []string{"leader.east"}) {
		t.Fatalf("any: after one approval step %v pending %v", out["step"], pendingUsers(e, id))
	}
	act(e, 403, "leader.east.tax", id, map[string]any{"action": "approve"})
	var skipped int
	for _, tk := range tasksOf(e, id) {
		if tk.Step == 0 && tk.Status == "skipped" {
			skipped++
		}
	}
	if skipped != 2 {
		t.Fatalf("any: skipped %d: %v", skipped, tasksOf(e, id))
	}

	two := makeTemplate(e, "请示", []map[string]any{
		{"name": "二人会签", "order": "parallel", "complete": "n", "n": 2, "assignees": three},
		{"name": "市领导阅批", "assignees": []any{role("leader", "$served")}},
	})
	id = draft(e, "clerk.east", "请示", two, nil)
	act(e, 200, "clerk.east", id, map[string]any{"action": "submit"})
	if out := act(e, 200, "staff.east.county1", id, map[string]any{"action": "approve"}); out["step"].(float64) != 0 {
		t.Fatalf("n=2: one approval moved on to %v", out["step"])
	}
	if out := act(e, 200, "leader.east.tax", id, map[string]any{"action": "approve"}); out["step"].(float64) != 1 {
		t.Fatalf("n=2: two approvals stay at %v", out["step"])
	}
	act(e, 403, "staff.east.hr", id, map[string]any{"action": "approve"})
}

// TestChaseRateLimit: one 催办 per document per ten minutes, told with 429
// and Retry-After; the holders of the document are notified.
func TestChaseRateLimit(t *testing.T) {
	e := newEnv(t)
	id := countersigned(e)
	act(e, 409, "clerk.east", id, map[string]any{"action": "chase"}) // a draft is nobody's to chase
	act(e, 200, "clerk.east", id, map[string]any{"action": "submit"})
	act(e, 200, "clerk.east", id, map[string]any{"action": "chase", "comment": "请尽快办理"})
	code, out, _, h, err := callToken(e, apptest.Token(t, "clerk.east"), "POST", "/api/gov/docs/"+id+"/actions", map[string]any{"action": "chase"})
	if err != nil || code != 429 || out["code"] != "too_soon" || h.Get("Retry-After") == "" {
		t.Fatalf("second chase: %d %v Retry-After=%q", code, out, h.Get("Retry-After"))
	}
	act(e, 403, "staff.east.hr", id, map[string]any{"action": "chase"}) // a holder does not chase
	e.G.Docs.SetClock(func() time.Time { return time.Now().Add(11 * time.Minute) })
	act(e, 200, "leader.east", id, map[string]any{"action": "chase"}) // ten minutes later, anyone allowed
	var n int
	_ = e.App.DB().NewQuery("SELECT COUNT(*) FROM notifications WHERE kind = 'doc.chase' AND body = '请尽快办理'").Row(&n)
	if n != 2 {
		t.Fatalf("chase notifications: %d, want 2 (both departments)", n)
	}
	var chases int
	_ = e.App.DB().NewQuery("SELECT COUNT(*) FROM doc_events WHERE doc = {:d} AND action = 'chase'").Bind(dbx.Params{"d": id}).Row(&chases)
	if chases != 2 {
		t.Fatalf("chase events: %d", chases)
	}
}

// TestRoundsCountAlone: an at-least-N 会签 step returned to and opened
// again needs N votes of the new round; the votes of the round before
// count no more.
func TestRoundsCountAlone(t *testing.T) {
	e := newEnv(t)
	tax, hr, county := unitOf(e, "东城市税务局"), unitOf(e, "东城市人力资源和社会保障局"), unitOf(e, "东城市甲县人民政府")
	w := makeTemplate(e, "签报", []map[string]any{
		{"name": "三方会签（两方即可）", "order": "parallel", "complete": "n", "n": 2,
			"assignees": []any{role("leader", tax), role("staff", hr), role("staff", county)}},
		{"name": "市领导阅批", "assignees": []any{role("leader", "$served")}},
	})
	id := draft(e, "clerk.east", "签报", w, nil)
	act(e, 200, "clerk.east", id, map[string]any{"action": "submit"})
	act(e, 200, "leader.east.tax", id, map[string]any{"action": "approve"})
	act(e, 200, "staff.east.hr", id, map[string]any{"action": "approve"})
	if got := pendingUsers(e, id); !slices.Equal(got, []string{"leader.east"}) {
		t.Fatalf("two of three: %v", got)
	}
	act(e, 200, "leader.east", id, map[string]any{"action": "return", "to_step": 0, "comment": "请重新会签"})
	if got := pendingUsers(e, id); len(got) != 3 {
		t.Fatalf("the step opened again for all three: %v", got)
	}
	out := act(e, 200, "staff.east.county1", id, map[string]any{"action": "approve"})
	if out["step"].(float64) != 0 || slices.Contains(pendingUsers(e, id), "leader.east") {
		t.Fatalf("one vote of the new round completed the step (step %v, pending %v)", out["step"], pendingUsers(e, id))
	}
	act(e, 200, "leader.east.tax", id, map[string]any{"action": "approve"})
	if got := pendingUsers(e, id); !slices.Equal(got, []string{"leader.east"}) {
		t.Fatalf("two votes of the new round: %v", got)
	}
}

// TestPeopleInReach: 转办 and 加签 name people of the document's
// government or the actor's unit; another city, 三员 and inactive people
// are a 400 naming users, and nothing changes.
func TestPeopleInReach(t *testing.T) {
	e := newEnv(t)
	id := countersigned(e)
	act(e, 200, "clerk.east", id, map[string]any{"action": "submit"})
	before := pendingUsers(e, id)
	inactive := addPerson(e, "gone.east", "东城市税务局", "staff")
	e.Must(200, "admin.sys", "POST", "/api/gov/admin/users/"+inactive.id+"/deactivate", map[string]any{})
	for _, c := range []struct {
		action, user, code string
	}{
		{"transfer", "staff.west.tax", "out_of_reach"},
		{"add_signer", "staff.west.tax", "out_of_reach"},
		{"transfer", "leader.prov", "out_of_reach"},
		{"add_signer", "admin.sys", "unknown_user"},
		{"transfer", "gone.east", "unknown_user"},
	} {
		uid := inactive.id
		if c.user != "gone.east" {
			uid = apptest.UserID(t, c.user)
		}
		out := act(e, 400, "leader.east.tax", id, map[string]any{"action": c.action, "users": []string{uid}, "position": "before", "comment": "请协助"})
		if !strings.Contains(toJSON(out), `"users"`) || !strings.Contains(toJSON(out), c.code) {
			t.Errorf("%s to %s: %v", c.action, c.user, out)
		}
	}
	if got := pendingUsers(e, id); !slices.Equal(got, before) {
		t.Fatalf("a refused hand-over changed the step: %v, was %v", got, before)
	}
	act(e, 200, "leader.east.tax", id, map[string]any{"action": "transfer", "users": []string{apptest.UserID(t, "staff.east.county1")}, "comment": "请县里办"})
}
