package mailin_test

import (
	"strings"
	"testing"
	"time"

	"github.com/pocketbase/dbx"

	"govcollab/hooks/apptest"
)

// TestMailToRegistered: a mail taken in shows in its office's 收文 queue
// with sender, guessed number and attachments, only to that office's
// clerks; registering it makes a 收文 with its own number, the mail's text
// as body and the attachments as files; a quarantined mail cannot be
// registered and keeps its raw message for the clerk alone.
func TestMailToRegistered(t *testing.T) {
	e := newEnv(t)
	srv := startIMAP(t)
	e.G.Mail.SetTuning(fastTuning(false))
	srv.Append(t, "INBOX", corpusFile(t, "gbk.eml"))
	srv.Append(t, "INBOX", corpusFile(t, "classified.eml"))
	box := addMailbox(t, e, srv, true)
	started(t, e)
	waitFor(t, "two messages", 10*time.Second, func() bool {
		r, _ := ledger(t, e, box)
		return r == 2
	})
	list := e.Must(200, "clerk.west", "GET", "/api/gov/inbound?source=mail&perPage=50", nil)
	items := list["items"].([]any)
	var mail, quarantined map[string]any
	for _, it := range items {
		m := it.(map[string]any)
		switch m["status"] {
		case "new":
			mail = m
		case "quarantined":
			quarantined = m
		}
	}
	if mail == nil || quarantined == nil {
		t.Fatalf("queue: %v", items)
	}
	if mail["title"] != "西城市人民政府关于做好2026年防汛工作的通知" || mail["number"] != "西政发〔2026〕12号" ||
		mail["sender_org"] != "西城市人民政府" || mail["sender_addr"] != "ban@xicheng.gov.example" ||
		!strings.Contains(mail["excerpt"].(string), "防汛工作方案") {
		t.Fatalf("mail item %v", mail)
	}
	fl := mail["files"].([]any)
	if len(fl) != 1 || fl[0].(map[string]any)["name"] != "防汛工作方案.pdf" {
		t.Fatalf("files %v", fl)
	}
	if !strings.Contains(quarantined["reason"].(string), "机密") || quarantined["raw_file"] != nil {
		t.Fatalf("quarantined item %v (a classified mail keeps nothing)", quarantined)
	}
	// another office and the 三员 see nothing of it
	for _, who := range []string{"clerk.east", "admin.sys", "staff.west.tax", "leader.west"} {
		code, out, _ := e.Call(who, "GET", "/api/gov/inbound?source=mail", nil)
		if code == 200 && len(out["items"].([]any)) != 0 {
			t.Fatalf("%s sees the west office's mail: %v", who, out)
		}
	}
	id := mail["id"].(string)
	e.Must(404, "clerk.east", "POST", "/api/gov/inbound/"+id+"/register", map[string]any{"workflow": "x"})
	e.Must(409, "clerk.west", "POST", "/api/gov/inbound/"+quarantined["id"].(string)+"/register", map[string]any{"workflow": flowID(t, e)})

	reg := e.Must(200, "clerk.west", "POST", "/api/gov/inbound/"+id+"/register", map[string]any{"workflow": flowID(t, e)})
	if reg["status"] != "registered" || reg["doc"] == "" {
		t.Fatalf("registered: %v", reg)
	}
	doc := e.Must(200, "clerk.west", "GET", "/api/gov/docs/"+reg["doc"].(string), nil)
	if !strings.HasPrefix(doc["number"].(string), "西政办收〔") || doc["sender_number"] != "西政发〔2026〕12号" ||
		!strings.Contains(doc["body_html"].(string), "现将《2026年防汛工作方案》") {
		t.Fatalf("收文 %v", doc)
	}
	if df := doc["files"].([]any); len(df) != 1 || df[0].(map[string]any)["name"] != "防汛工作方案.pdf" {
		t.Fatalf("收文 files %v", doc["files"])
	}
	var raws int
	_ = e.App.DB().NewQuery("SELECT COUNT(*) FROM files WHERE ref_type = 'mail_raw' AND ref_id = {:id}").Bind(dbx.Params{"id": id}).Row(&raws)
	if raws != 1 {
		t.Fatalf("raw messages kept: %d", raws)
	}
}

// flowID is 西城市人民政府's inbound (收文) workflow template.
func flowID(t *testing.T, e *apptest.Env) string {
	t.Helper()
	var id string
	err := e.App.DB().NewQuery(`SELECT workflows.id FROM workflows JOIN units ON units.id = workflows.unit
		WHERE units.name = '西城市人民政府' AND workflows.doc_type = '收文' LIMIT 1`).Row(&id)
	if err != nil {
		t.Fatal(err)
	}
	return id
}
