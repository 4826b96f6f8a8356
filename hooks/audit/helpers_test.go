package audit_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"

	"govcollab/hooks"
	"govcollab/hooks/apptest"
	"govcollab/hooks/audit"
	"govcollab/hooks/security"
)

// gov is the wiring of the app the current scenario's factory built
// (scenarios run one after another).
var gov *hooks.Gov

func factory(tb testing.TB) *tests.TestApp {
	app, g := apptest.New(tb)
	gov = g
	return app
}

// logN appends n plain events and returns their rows.
func logN(tb testing.TB, app core.App, n int) []*audit.Row {
	tb.Helper()
	var out []*audit.Row
	for i := range n {
		r, err := gov.Audit.Log(app, audit.Entry{Action: "test.event", Object: fmt.Sprintf("tests/%d", i),
			Detail: fmt.Sprintf("第 %d 条", i)})
		if err != nil {
			tb.Fatal(err)
		}
		out = append(out, r)
	}
	return out
}

// rows reads stored rows in seq order, optionally of one action.
func rows(tb testing.TB, app core.App, action string) []audit.Row {
	tb.Helper()
	var out []audit.Row
	q := app.DB().Select("*").From(audit.LogTable).OrderBy("seq")
	if action != "" {
		q = q.Where(dbx.HashExp{"action": action})
	}
	if err := q.All(&out); err != nil {
		tb.Fatal(err)
	}
	return out
}

func mustExec(tb testing.TB, app core.App, sql string, params dbx.Params) {
	tb.Helper()
	if _, err := app.DB().NewQuery(sql).Bind(params).Execute(); err != nil {
		tb.Fatal(err)
	}
}

// call runs one request through the scenario's full router (used to make a
// real change before the request under test).
func call(tb testing.TB, e *core.ServeEvent, method, url, user, body string) {
	tb.Helper()
	mux, err := e.Router.BuildMux()
	if err != nil {
		tb.Fatal(err)
	}
	req := httptest.NewRequest(method, url, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", apptest.Token(tb, user))
	rec := httptest.NewRecorder()
	mux.ServeHTTP(rec, req)
	if rec.Code >= 300 {
		tb.Fatalf("%s %s as %s: %d %s", method, url, user, rec.Code, rec.Body.String())
	}
}

func decode[T any](tb testing.TB, res *http.Response) T {
	tb.Helper()
	var v T
	b, _ := io.ReadAll(res.Body)
	if err := json.Unmarshal(b, &v); err != nil {
		tb.Fatalf("decode %s: %v", b, err)
	}
	return v
}

// verification reads a verify answer with firstBroken as a plain string.
type verification struct {
	OK          bool    `json:"ok"`
	Checked     int     `json:"checked"`
	FirstBroken *string `json:"firstBroken"`
}

func verifyNow(tb testing.TB, app core.App) audit.Verification {
	tb.Helper()
	v, err := gov.Audit.Verify(app)
	if err != nil {
		tb.Fatal(err)
	}
	return v
}

// securityEvent is a failed login with what was typed as the identity.
func securityEvent(identity string) security.AuthEvent {
	return security.AuthEvent{Identity: identity, IP: "10.1.2.3", Action: "auth.login", Result: "failed",
		Detail: "用户名或密码错误"}
}

// securityEventOf is a security event of a known account.
func securityEventOf(userID, action, result string) security.AuthEvent {
	return security.AuthEvent{UserID: userID, IP: "10.1.2.3", Action: action, Result: result}
}
