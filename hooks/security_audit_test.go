package hooks_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/tools/subscriptions"

	"govcollab/hooks/apptest"
)

type auditRow struct {
	Actor, IP, Action, Result, Detail, Object string
}

func auditRows(t *testing.T, base, action string) []auditRow {
	t.Helper()
	code, body := request(t, http.MethodGet, base+"/api/gov/audit?perPage=100&action="+action, apptest.Token(t, "admin.audit"))
	if code != 200 {
		t.Fatalf("audit list: %d %s", code, body)
	}
	var page struct{ Items []auditRow }
	if err := json.Unmarshal([]byte(body), &page); err != nil {
		t.Fatal(err)
	}
	return page.Items
}

func login(t *testing.T, base, identity, password string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, base+"/api/collections/users/auth-with-password",
		strings.NewReader(`{"identity":"`+identity+`","password":"`+password+`"}`))
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var out struct{ Token string }
	_ = json.NewDecoder(res.Body).Decode(&out)
	return res.StatusCode, out.Token
}

// request sends an authorized request and returns the status and body.
func request(t *testing.T, method, url, token string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(method, url, nil)
	req.Header.Set("Authorization", token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(raw)
}

// TestSecurityEventsReachTheAudit: logins (failed and ok), logout and an
// admin change each leave an audit row with the client's address.
func TestSecurityEventsReachTheAudit(t *testing.T) {
	base, _ := startUIServer(t)
	if code, _ := login(t, base, "staff.east.tax", "wrong-password-1"); code != 400 {
		t.Fatalf("wrong password: %d", code)
	}
	code, tok := login(t, base, "staff.east.tax", "Demo-2026-gov")
	if code != 200 || tok == "" {
		t.Fatalf("login: %d", code)
	}
	if c, _ := callAPI(t, http.MethodPost, base+"/api/gov/logout", tok); c != 204 {
		t.Fatalf("logout: %d", c)
	}
	var results []string
	for _, r := range auditRows(t, base, "auth.login") {
		if r.IP == "" {
			t.Errorf("login row without IP: %+v", r)
		}
		results = append(results, r.Result)
	}
	if strings.Join(results, ",") != "ok,failed" { // newest first
		t.Fatalf("login rows: %v", results)
	}
	out := auditRows(t, base, "auth.logout")
	if len(out) != 1 || out[0].Actor != apptest.UserID(t, "staff.east.tax") || out[0].IP == "" {
		t.Fatalf("logout rows: %+v", out)
	}

	// an admin change through the API carries the address too
	c, body := request(t, http.MethodPost, base+"/api/gov/admin/users/"+apptest.UserID(t, "staff.west.tax")+"/deactivate", apptest.Token(t, "admin.sys"))
	if c != 200 {
		t.Fatalf("deactivate: %d %s", c, body)
	}
	rows := auditRows(t, base, "user.deactivate")
	if len(rows) != 1 || rows[0].IP == "" || rows[0].Actor != apptest.UserID(t, "admin.sys") {
		t.Fatalf("deactivate rows: %+v", rows)
	}
	ends := auditRows(t, base, "auth.session_end")
	if len(ends) == 0 || ends[0].Actor != apptest.UserID(t, "staff.west.tax") {
		t.Fatalf("session end rows: %+v", ends)
	}
}

// TestEndingSessionsClosesRealtimeStreams: a stream subscribed by a session
// is discarded when that session ends, and all of a user's streams when
// all their sessions end.
func TestEndingSessionsClosesRealtimeStreams(t *testing.T) {
	app, g := apptest.New(t)
	defer app.Cleanup()
	staff, _ := app.FindFirstRecordByData("users", "username", "staff.east.tax")
	other, _ := app.FindFirstRecordByData("users", "username", "leader.east")
	_, sid, err := g.Sessions.Issue(app, staff, nil, "")
	if err != nil {
		t.Fatal(err)
	}
	stream := subscriptions.NewDefaultClient()
	stream.Set(apis.RealtimeClientAuthKey, staff)
	stream.Set("govSession", sid)
	bystander := subscriptions.NewDefaultClient()
	bystander.Set(apis.RealtimeClientAuthKey, other)
	broker := app.SubscriptionsBroker()
	broker.Register(stream)
	broker.Register(bystander)

	if err := g.Sessions.End(app, sid, "logout"); err != nil {
		t.Fatal(err)
	}
	if !stream.IsDiscarded() || bystander.IsDiscarded() {
		t.Fatalf("after End: stream discarded %v, bystander discarded %v", stream.IsDiscarded(), bystander.IsDiscarded())
	}

	late := subscriptions.NewDefaultClient()
	late.Set(apis.RealtimeClientAuthKey, other)
	broker.Register(late)
	if err := g.Sessions.EndAll(app, other.Id, "account_deactivated"); err != nil {
		t.Fatal(err)
	}
	if !late.IsDiscarded() || !bystander.IsDiscarded() {
		t.Fatal("EndAll left a stream of the user open")
	}
	if _, err := broker.ClientById(late.Id()); err == nil {
		t.Fatal("discarded stream still registered")
	}
}
