package training_test

import (
	"strings"
	"testing"

	"govcollab/hooks/apptest"
)

// hrAt adds an hr officer at the named unit and returns their token.
func hrAt(t *testing.T, e *apptest.Env, unitName string) string {
	_, tok := addUser(t, e, "hr.test", unitName, "hr")
	return tok
}

// TestCertificates: a person files an external certificate with its scan;
// it waits as a pending credit (no hours yet); hr of their city approves
// it into their standing, or returns one with a reason; others cannot.
func TestCertificates(t *testing.T) {
	e := newEnv(t)
	e.Must(200, "hr.prov", "PUT", "/api/gov/training/requirements", map[string]any{"year": 2026, "rows": reqRows})
	hrTok := hrAt(t, e, "东城市人民政府")
	good := func(file string) map[string]any {
		return map[string]any{"title": "国家行政学院网络培训", "issuer": "国家行政学院", "hours": 16, "category": "业务知识",
			"year": 2026, "files": []string{file}}
	}
	f1 := pendingFile(t, e, "staff.east.tax", "证书1.pdf")
	for _, c := range []struct {
		change map[string]any
		field  string
	}{
		{map[string]any{"title": ""}, "title"},
		{map[string]any{"issuer": ""}, "issuer"},
		{map[string]any{"hours": 0}, "hours"},
		{map[string]any{"hours": 999}, "hours"},
		{map[string]any{"category": "烹饪"}, "category"},
		{map[string]any{"files": []string{}}, "files"},
		{map[string]any{"files": []string{pendingFile(t, e, "staff.east.hr", "别人的.pdf")}}, "files"},
	} {
		body := good(f1)
		for k, v := range c.change {
			body[k] = v
		}
		if code, _, raw := e.Call("staff.east.tax", "POST", "/api/gov/training/certificates", body); code != 400 || !strings.Contains(string(raw), `"`+c.field+`":{`) {
			t.Errorf("%v: %d %s", c.change, code, raw)
		}
	}
	if n := count(t, e, "SELECT COUNT(*) FROM training_credits", nil); n != 0 {
		t.Fatalf("refused certificates left %d credits", n)
	}
	cert := e.Must(201, "staff.east.tax", "POST", "/api/gov/training/certificates", good(f1))
	id := cert["id"].(string)
	if cert["status"] != "pending" || cert["source"] != "external" {
		t.Errorf("filed: %v", cert)
	}
	hours := func(user string) float64 {
		var h float64
		_ = e.App.DB().NewQuery("SELECT COALESCE(SUM(hours), 0) FROM training_totals WHERE user = {:u} AND year = 2026").
			Bind(map[string]any{"u": apptest.UserID(t, user)}).Row(&h)
		return h
	}
	if hours("staff.east.tax") != 0 {
		t.Errorf("a pending certificate counted")
	}
	// the scan: the person and their hr, not another city
	for user, want := range map[string]int{"staff.east.tax": 200, "staff.west.tax": 404} {
		if code, _, _ := e.Call(user, "GET", "/api/gov/files/"+f1+"?as=json", nil); code != want {
			t.Errorf("%s downloading the scan: %d, want %d", user, code, want)
		}
	}
	if code, _, _ := e.CallToken(hrTok, "GET", "/api/gov/files/"+f1+"?as=json", nil); code != 200 {
		t.Errorf("hr downloading the scan: %d", code)
	}
	// what hr reviews: the issuer and the scan
	if code, out, _ := e.CallToken(hrTok, "GET", "/api/gov/training/credits/"+id, nil); code != 200 || out["issuer"] != "国家行政学院" ||
		len(out["files"].([]any)) != 1 || out["files"].([]any)[0].(map[string]any)["id"] != f1 {
		t.Errorf("hr reading the pending certificate: %d %v", code, out)
	}
	for _, c := range []struct {
		user   string
		status int
	}{{"leader.east", 403}, {"staff.east.tax", 403}, {"hr.prov", 404}, {"admin.sec", 403}} {
		if code, _, raw := e.Call(c.user, "POST", "/api/gov/training/certificates/"+id+"/approve", map[string]any{}); code != c.status {
			t.Errorf("%s approving: %d %s", c.user, code, raw)
		}
	}
	if code, out, _ := e.CallToken(hrTok, "POST", "/api/gov/training/certificates/"+id+"/approve", map[string]any{}); code != 200 || out["status"] != "approved" {
		t.Fatalf("hr approving: %d %v", code, out)
	}
	if h := hours("staff.east.tax"); h != 16 {
		t.Errorf("approved hours in the standing: %v", h)
	}
	if code, _, _ := e.CallToken(hrTok, "POST", "/api/gov/training/certificates/"+id+"/approve", map[string]any{}); code != 409 {
		t.Errorf("approving twice: %d", code)
	}
	second := e.Must(201, "staff.east.tax", "POST", "/api/gov/training/certificates", good(pendingFile(t, e, "staff.east.tax", "证书2.pdf")))
	if code, _, raw := e.CallToken(hrTok, "POST", "/api/gov/training/certificates/"+second["id"].(string)+"/reject", map[string]any{}); code != 400 || !strings.Contains(string(raw), `"note"`) {
		t.Errorf("reject without a reason: %d %s", code, raw)
	}
	if code, out, _ := e.CallToken(hrTok, "POST", "/api/gov/training/certificates/"+second["id"].(string)+"/reject", map[string]any{"note": "证书与本人不符"}); code != 200 || out["status"] != "rejected" {
		t.Errorf("reject: %d %v", code, out)
	}
	if h := hours("staff.east.tax"); h != 16 {
		t.Errorf("after a rejection: %v hours", h)
	}
	if n := count(t, e, "SELECT COUNT(*) FROM notifications WHERE kind = 'training.certificate' AND body LIKE '%证书与本人不符%'", nil); n != 1 {
		t.Errorf("the person was not told why: %d", n)
	}
	// hr sees what waits for them in the ledger
	if _, out, _ := e.CallToken(hrTok, "GET", "/api/gov/training/ledger?source=external&status=pending", nil); out["totalItems"].(float64) != 0 {
		t.Errorf("pending after deciding: %v", out)
	}
}

// TestCreditView: a credit as its certificate shows it, for the person and
// those above; others 404.
func TestCreditView(t *testing.T) {
	e := newEnv(t)
	credit(t, e, "staff.east.tax", "法律法规", 6)
	var id string
	if err := e.App.DB().NewQuery("SELECT id FROM training_credits").Row(&id); err != nil {
		t.Fatal(err)
	}
	out := e.Must(200, "staff.east.tax", "GET", "/api/gov/training/credits/"+id, nil)
	if out["user_name"] != "褚税务" || out["hours"].(float64) != 6 || !strings.HasPrefix(out["serial"].(string), "2026-") {
		t.Errorf("credit: %v", out)
	}
	e.Must(200, "leader.east", "GET", "/api/gov/training/credits/"+id, nil)
	for user, want := range map[string]int{"staff.east.hr": 404, "leader.west": 404, "admin.audit": 403, "": 401} {
		if code, _, _ := e.Call(user, "GET", "/api/gov/training/credits/"+id, nil); code != want {
			t.Errorf("%q: %d, want %d", user, code, want)
		}
	}
}
