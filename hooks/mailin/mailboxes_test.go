package mailin_test

import (
	"net"
	"net/http"
	"strings"
	"testing"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"

	"govcollab/hooks/apptest"
	"govcollab/hooks/security/pii"
)

const boxID = "tstmailbox00001"

// closedPort is a loopback port nothing listens on.
func closedPort(t testing.TB) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := l.Addr().(*net.TCPAddr).Port
	l.Close()
	return p
}

// insertMailbox stores 西城市人民政府办公室's mailbox (inactive), its
// password encrypted, pointing at port.
func insertMailbox(port int) func(t testing.TB, app *tests.TestApp, _ *core.ServeEvent) {
	return func(t testing.TB, app *tests.TestApp, _ *core.ServeEvent) {
		office, err := app.FindFirstRecordByData("units", "name", "西城市人民政府办公室")
		if err != nil {
			t.Fatal(err)
		}
		v, err := pii.For(app)
		if err != nil {
			t.Fatal(err)
		}
		enc, _ := v.Encrypt("box-Password-1")
		col, _ := app.FindCachedCollectionByNameOrId("mailboxes")
		r := core.NewRecord(col)
		r.Id = boxID
		r.Load(map[string]any{"unit": office.Id, "unit_path": office.GetString("path"), "name": "西城收文邮箱", "host": "127.0.0.1",
			"port": port, "security": "none", "username": "shouwen", "secret_enc": enc, "folder": "INBOX", "active": false})
		if err := app.Save(r); err != nil {
			t.Fatal(err)
		}
	}
}

// TestMailboxRoutes: the office's clerks and the system administrator keep
// mailbox settings; nobody else sees them; the password never comes back;
// bad input names its field; an unreachable server is a 503 with a reason.
func TestMailboxRoutes(t *testing.T) {
	app, _ := apptest.New(t)
	westOffice, eastOffice := apptest.UnitID(t, app, "西城市人民政府办公室"), apptest.UnitID(t, app, "东城市人民政府办公室")
	app.Cleanup()
	port := closedPort(t)
	body := func(unit string, extra string) *strings.Reader {
		return strings.NewReader(`{"unit":"` + unit + `","name":"新邮箱","host":"mail.xicheng.gov.example","port":993,"security":"tls",` +
			`"username":"sw","password":"p-1","folder":"INBOX"` + extra + `}`)
	}
	scenarios := []tests.ApiScenario{
		{Name: "clerk lists own office's mailbox, no secret", Method: http.MethodGet, URL: "/api/gov/mailboxes",
			Headers: apptest.Auth(t, "clerk.west"), ExpectedStatus: 200,
			ExpectedContent: []string{`"name":"西城收文邮箱"`, `"has_secret":true`}, NotExpectedContent: []string{"secret_enc", "sm4gcm", "box-Password-1"}},
		{Name: "other office's clerk sees none", Method: http.MethodGet, URL: "/api/gov/mailboxes",
			Headers: apptest.Auth(t, "clerk.east"), ExpectedStatus: 200, ExpectedContent: []string{`"totalItems":0`}},
		{Name: "sysadmin sees settings", Method: http.MethodGet, URL: "/api/gov/mailboxes",
			Headers: apptest.Auth(t, "admin.sys"), ExpectedStatus: 200, ExpectedContent: []string{`"name":"西城收文邮箱"`}},
		{Name: "secadmin denied", Method: http.MethodGet, URL: "/api/gov/mailboxes", Headers: apptest.Auth(t, "admin.sec"), ExpectedStatus: 403},
		{Name: "auditor denied", Method: http.MethodGet, URL: "/api/gov/mailboxes", Headers: apptest.Auth(t, "admin.audit"), ExpectedStatus: 403},
		{Name: "staff denied", Method: http.MethodGet, URL: "/api/gov/mailboxes", Headers: apptest.Auth(t, "staff.west.tax"), ExpectedStatus: 403},
		{Name: "leader of the city denied", Method: http.MethodGet, URL: "/api/gov/mailboxes", Headers: apptest.Auth(t, "leader.west"), ExpectedStatus: 403},
		{Name: "anonymous", Method: http.MethodGet, URL: "/api/gov/mailboxes", ExpectedStatus: 401},
		{Name: "other office's clerk: 404", Method: http.MethodGet, URL: "/api/gov/mailboxes/" + boxID,
			Headers: apptest.Auth(t, "clerk.east"), ExpectedStatus: 404},
		{Name: "create for own office", Method: http.MethodPost, URL: "/api/gov/mailboxes", Body: body(westOffice, ""),
			Headers: apptest.Auth(t, "clerk.west"), ExpectedStatus: 201, ExpectedContent: []string{`"host":"mail.xicheng.gov.example"`, `"has_secret":true`},
			NotExpectedContent: []string{"p-1"}},
		{Name: "create for another office", Method: http.MethodPost, URL: "/api/gov/mailboxes", Body: body(eastOffice, ""),
			Headers: apptest.Auth(t, "clerk.west"), ExpectedStatus: 400, ExpectedContent: []string{`"unit"`}},
		{Name: "sysadmin creates for any office", Method: http.MethodPost, URL: "/api/gov/mailboxes", Body: body(eastOffice, ""),
			Headers: apptest.Auth(t, "admin.sys"), ExpectedStatus: 201},
		{Name: "bad port", Method: http.MethodPost, URL: "/api/gov/mailboxes", Body: body(westOffice, `,"port":70000`),
			Headers: apptest.Auth(t, "clerk.west"), ExpectedStatus: 400, ExpectedContent: []string{`"port"`}},
		{Name: "bad security", Method: http.MethodPost, URL: "/api/gov/mailboxes", Body: body(westOffice, `,"security":"ssl3"`),
			Headers: apptest.Auth(t, "clerk.west"), ExpectedStatus: 400, ExpectedContent: []string{`"security"`}},
		{Name: "host with a path", Method: http.MethodPost, URL: "/api/gov/mailboxes", Body: body(westOffice, `,"host":"mail.example/x"`),
			Headers: apptest.Auth(t, "clerk.west"), ExpectedStatus: 400, ExpectedContent: []string{`"host"`}},
		{Name: "no password", Method: http.MethodPost, URL: "/api/gov/mailboxes", Body: body(westOffice, `,"password":""`),
			Headers: apptest.Auth(t, "clerk.west"), ExpectedStatus: 400, ExpectedContent: []string{`"password"`}},
		{Name: "update keeps the password", Method: http.MethodPatch, URL: "/api/gov/mailboxes/" + boxID, Body: strings.NewReader(`{"name":"改名邮箱"}`),
			Headers: apptest.Auth(t, "clerk.west"), ExpectedStatus: 200, ExpectedContent: []string{`"name":"改名邮箱"`, `"has_secret":true`}},
		{Name: "update: bad port", Method: http.MethodPatch, URL: "/api/gov/mailboxes/" + boxID, Body: strings.NewReader(`{"port":0}`),
			Headers: apptest.Auth(t, "clerk.west"), ExpectedStatus: 400, ExpectedContent: []string{`"port"`}},
		{Name: "update by another office: 404", Method: http.MethodPatch, URL: "/api/gov/mailboxes/" + boxID, Body: strings.NewReader(`{"name":"x"}`),
			Headers: apptest.Auth(t, "clerk.east"), ExpectedStatus: 404},
		{Name: "delete by another office: 404", Method: http.MethodDelete, URL: "/api/gov/mailboxes/" + boxID,
			Headers: apptest.Auth(t, "clerk.east"), ExpectedStatus: 404},
		{Name: "delete by its clerk", Method: http.MethodDelete, URL: "/api/gov/mailboxes/" + boxID,
			Headers: apptest.Auth(t, "clerk.west"), ExpectedStatus: 204},
		{Name: "test an unreachable server", Method: http.MethodPost, URL: "/api/gov/mailboxes/" + boxID + "/test",
			Headers: apptest.Auth(t, "clerk.west"), ExpectedStatus: 503, ExpectedContent: []string{`"ok":false`, "无法连接邮件服务器"}},
		{Name: "test by auditor", Method: http.MethodPost, URL: "/api/gov/mailboxes/" + boxID + "/test",
			Headers: apptest.Auth(t, "admin.audit"), ExpectedStatus: 403},
	}
	for _, s := range scenarios {
		if len(s.ExpectedContent) == 0 {
			s.ExpectedContent = []string{map[int]string{401: `"unauthorized"`, 403: `"forbidden"`, 404: `"not_found"`, 201: `"has_secret":true`}[s.ExpectedStatus]}
		}
		s.TestAppFactory = apptest.Factory
		s.BeforeTestFunc = insertMailbox(port)
		s.Test(t)
	}
}

// TestConnectionTest: the test logs in and reports the folder; a wrong
// password is said plainly.
func TestConnectionTest(t *testing.T) {
	e := newEnv(t)
	srv := startIMAP(t)
	srv.Append(t, "INBOX", corpusFile(t, "gbk.eml"))
	box := addMailboxActive(t, e, srv, false, false)
	out := e.Must(200, "clerk.west", "POST", "/api/gov/mailboxes/"+box+"/test", nil)
	if out["ok"] != true || out["idle"] != true || out["messages"] != float64(1) {
		t.Fatalf("test: %v", out)
	}
	e.Must(200, "clerk.west", "PATCH", "/api/gov/mailboxes/"+box, map[string]any{"password": "nope"})
	out = e.Must(200, "clerk.west", "POST", "/api/gov/mailboxes/"+box+"/test", nil)
	if out["ok"] != false || !strings.Contains(out["message"].(string), "登录失败") {
		t.Fatalf("wrong password: %v", out)
	}
	// nothing was taken in by a test, and each test is on the record
	if r, _ := ledger(t, e, box); r != 0 {
		t.Fatalf("the connection test ingested %d messages", r)
	}
	if n := countSQL(t, e, "SELECT COUNT(*) FROM audit_log WHERE action = 'mailbox.test' AND object = {:o}", dbx.Params{"o": "mailboxes/" + box}); n != 2 {
		t.Fatalf("%d audited connection tests, want 2", n)
	}
}
