package notices_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"govcollab/hooks/apptest"
)

func unit(e *apptest.Env, name string) string { return apptest.UnitID(e.T, e.App, name) }

// TestPublishReadConfirmRollup walks one notice from publication to the
// per-unit rollup: who receives it, reading, confirming, and the rates.
func TestPublishReadConfirmRollup(t *testing.T) {
	e := apptest.NewEnv(t)
	east := unit(e, "东城市人民政府")
	deadline := time.Now().Add(48 * time.Hour).Format(time.RFC3339)
	n := e.Must(http.StatusCreated, "leader.east", "POST", "/api/gov/notices", map[string]any{
		"title": "关于做好年底安全生产检查的通知", "body": "请各单位**认真落实**。", "category": "通知", "urgency": "加急",
		"must_confirm": true, "deadline": deadline,
		"audience": map[string]any{"units": []map[string]any{{"id": east, "subtree": true}}},
	})
	id := n["id"].(string)
	recipients := int(n["recipients"].(float64))
	if recipients < 3 {
		t.Fatalf("recipients = %d, want the city's staff", recipients)
	}
	// in the audience: sees it in the inbox, unread
	inbox := e.Must(200, "staff.east.tax", "GET", "/api/gov/notices", nil)
	if !strings.Contains(toJSON(inbox), id) {
		t.Fatalf("inbox of staff.east.tax lacks the notice: %v", inbox)
	}
	// outside (another city): 404 on view, absent from the inbox
	e.Must(404, "staff.west.tax", "GET", "/api/gov/notices/"+id, nil)
	if strings.Contains(toJSON(e.Must(200, "staff.west.tax", "GET", "/api/gov/notices", nil)), id) {
		t.Fatal("another city's staff sees the notice in the inbox")
	}
	// 三员: 403
	e.Must(403, "admin.sys", "GET", "/api/gov/notices", nil)
	// read and confirm
	v := e.Must(200, "staff.east.tax", "GET", "/api/gov/notices/"+id, nil)
	if !strings.Contains(toJSON(v), "<strong>认真落实</strong>") {
		t.Fatalf("body_html: %v", v["body_html"])
	}
	e.Must(200, "staff.east.tax", "POST", "/api/gov/notices/"+id+"/confirm", map[string]any{"reply": "已落实"})
	r := e.Must(200, "leader.east", "GET", "/api/gov/notices/"+id+"/receipts", nil)
	if r["total"].(float64) != float64(recipients) || r["read"].(float64) != 1 || r["confirmed"].(float64) != 1 {
		t.Fatalf("rollup: %v", r)
	}
	if !strings.Contains(toJSON(r), "东城市税务局") {
		t.Fatalf("rollup units: %v", r["units"])
	}
	// a staff member may not see receipts
	e.Must(403, "staff.east.tax", "GET", "/api/gov/notices/"+id+"/receipts", nil)
	// who has not read
	p := e.Must(200, "leader.east", "GET", "/api/gov/notices/"+id+"/receipts/people?status=unread", nil)
	if p["totalItems"].(float64) != float64(recipients-1) {
		t.Fatalf("unread people: %v", p)
	}
	// a county leader cannot notify the province
	code, out, _ := e.Call("leader.east", "POST", "/api/gov/notices", map[string]any{
		"title": "越权", "audience": map[string]any{"units": []map[string]any{{"id": unit(e, "示范省人民政府"), "subtree": false}}},
	})
	if code != 400 || !strings.Contains(toJSON(out), "示范省人民政府") {
		t.Fatalf("out of reach: %d %v", code, out)
	}
	// forward by the office down its government's tree reaches no one twice
	code, out, _ = e.Call("clerk.east", "POST", "/api/gov/notices/"+id+"/forward", map[string]any{
		"note": "请各县抓紧落实", "audience": map[string]any{"units": []map[string]any{{"id": east, "subtree": true}}},
	})
	if code != 400 {
		t.Fatalf("forward to people who all hold it: %d %v", code, out)
	}
}
