package approval_test

import (
	"strings"
	"testing"

	"github.com/pocketbase/dbx"

	"govcollab/hooks/apptest"
)

// TestDraftCountersignSignDispatchRegister is the path: the office
// drafts, two departments countersign, the leader signs (numbered), the
// office dispatches, and 西城市's office finds it in its 收文 queue and
// registers it into its own workflow.
func TestDraftCountersignSignDispatchRegister(t *testing.T) {
	e := newEnv(t)
	west := apptest.UnitID(t, e.App, "西城市人民政府")
	d := e.Must(201, "clerk.east", "POST", "/api/gov/docs", map[string]any{
		"type": "发文", "title": "关于加强两市税务协作的通知", "body": "各有关单位：\n\n现就加强协作通知如下。",
		"classification": "内部", "urgency": "平件", "main_to": []string{west},
		"workflow": template(e, "东城市人民政府", "市政府发文（会签）"),
	})
	id := d["id"].(string)
	act := func(user string, body map[string]any) map[string]any {
		t.Helper()
		return e.Must(200, user, "POST", "/api/gov/docs/"+id+"/actions", body)
	}
	act("clerk.east", map[string]any{"action": "submit"})
	// both departments hold it now; the leader does not yet
	for _, u := range []string{"leader.east.tax", "staff.east.hr"} {
		p := e.Must(200, u, "GET", "/api/gov/docs?box=pending", nil)
		if !strings.Contains(toJSON(p), id) {
			t.Fatalf("%s has no pending task: %v", u, p)
		}
	}
	e.Must(403, "leader.east", "POST", "/api/gov/docs/"+id+"/actions", map[string]any{"action": "approve"})
	// an outsider does not see it at all
	e.Must(404, "staff.west.tax", "GET", "/api/gov/docs/"+id, nil)
	act("leader.east.tax", map[string]any{"action": "approve", "comment": "同意"})
	// the same person again: already acted (409, as for one who lost a race)
	code, _, _ := e.Call("leader.east.tax", "POST", "/api/gov/docs/"+id+"/actions", map[string]any{"action": "approve"})
	if code != 409 {
		t.Fatalf("second approval: %d", code)
	}
	act("staff.east.hr", map[string]any{"action": "approve", "comment": "无意见"})
	out := act("leader.east", map[string]any{"action": "sign", "comment": "同意印发"})
	number, _ := out["number"].(string)
	if !strings.HasPrefix(number, "东政办发〔") || !strings.HasSuffix(number, "〕1号") || out["status"] != "signed" {
		t.Fatalf("after sign: %s %v", number, out["status"])
	}
	out = act("clerk.east", map[string]any{"action": "dispatch"})
	if st := out["status"]; st != "archived" || out["dispatched_at"] == "" {
		t.Fatalf("after dispatch: %v %v", st, out["dispatched_at"])
	}
	// the archive holds the record and the trail; nobody edits it now
	var archived int
	if err := e.App.DB().NewQuery("SELECT COUNT(*) FROM archive_objects WHERE ref_type = 'doc' AND ref_id = {:id}").
		Bind(dbx.Params{"id": id}).Row(&archived); err != nil || archived == 0 {
		t.Fatalf("archive rows: %d %v", archived, err)
	}
	rec, _ := e.App.FindRecordById("docs", id)
	rec.Set("title", "改过的标题")
	if err := e.App.Save(rec); err == nil {
		t.Fatal("a signed document's title was changed")
	}
	q := e.Must(200, "clerk.west", "GET", "/api/gov/inbound", nil)
	items := q["items"].([]any)
	if len(items) != 1 || !strings.Contains(toJSON(items[0]), number) {
		t.Fatalf("西城市 收文 queue: %v", q)
	}
	inb := items[0].(map[string]any)["id"].(string)
	e.Must(404, "clerk.east", "POST", "/api/gov/inbound/"+inb+"/receive", nil)
	e.Must(200, "clerk.west", "POST", "/api/gov/inbound/"+inb+"/receive", nil)
	r := e.Must(200, "clerk.west", "POST", "/api/gov/inbound/"+inb+"/register", map[string]any{
		"workflow": template(e, "西城市人民政府", "市政府收文办理")})
	doc := r["doc"].(string)
	in := e.Must(200, "clerk.west", "GET", "/api/gov/docs/"+doc, nil)
	if !strings.HasPrefix(in["number"].(string), "西政办收〔") || in["status"] != "review" {
		t.Fatalf("registered 收文: %v %v", in["number"], in["status"])
	}
	tl := e.Must(200, "clerk.east", "GET", "/api/gov/docs/"+id+"/timeline", nil)
	for _, want := range []string{`"action":"sign"`, `"action":"dispatch"`, `"action":"received"`, `"action":"registered"`} {
		if !strings.Contains(toJSON(tl), want) {
			t.Errorf("timeline lacks %s", want)
		}
	}
}
