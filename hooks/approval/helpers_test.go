package approval_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"govcollab/hooks/apptest"
)

func toJSON(v any) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
	return b.String()
}

// template finds a demo workflow template by name and unit.
func template(e *apptest.Env, unit, name string) string {
	var ids []string
	err := e.App.DB().Select("workflows.id").From("workflows").InnerJoin("units", dbx.NewExp("units.id = workflows.unit")).
		Where(dbx.HashExp{"units.name": unit, "workflows.name": name}).Column(&ids)
	if err != nil || len(ids) == 0 {
		e.T.Fatalf("no template %s/%s", unit, name)
	}
	return ids[0]
}

// person is a user made by a test, with a token of their own.
type person struct{ id, token string }

// addPerson adds an active demo user holding roles at unit (by name).
func addPerson(e *apptest.Env, username, unit string, roles ...string) person {
	e.T.Helper()
	u, err := e.App.FindFirstRecordByData("units", "name", unit)
	if err != nil {
		e.T.Fatalf("no unit %s", unit)
	}
	col, err := e.App.FindCachedCollectionByNameOrId("users")
	if err != nil {
		e.T.Fatal(err)
	}
	r := core.NewRecord(col)
	r.Load(map[string]any{"username": username, "name": username, "unit": u.Id, "unit_path": u.GetString("path"),
		"roles": roles, "active": true, "demo": true})
	r.SetPassword("Demo-2026-gov-test")
	if err := e.App.Save(r); err != nil {
		e.T.Fatalf("add %s: %v", username, err)
	}
	e.G.Authz.Invalidate()
	tok, _, err := e.G.Sessions.Issue(e.App, r, nil, "")
	if err != nil {
		e.T.Fatal(err)
	}
	return person{id: r.Id, token: tok}
}

// callToken is Env.Call with a token instead of a demo username; it never
// fails the test, so goroutines may use it.
func callToken(e *apptest.Env, token, method, path string, body any) (int, map[string]any, []byte, http.Header, error) {
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, e.Base+path, rd)
	if err != nil {
		return 0, nil, nil, nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, nil, nil, nil, err
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	out := map[string]any{}
	_ = json.Unmarshal(raw, &out)
	return res.StatusCode, out, raw, res.Header, nil
}

// mustToken is callToken expecting status want.
func mustToken(e *apptest.Env, want int, token, method, path string, body any) map[string]any {
	e.T.Helper()
	code, out, raw, _, err := callToken(e, token, method, path, body)
	if err != nil || code != want {
		e.T.Fatalf("%s %s: %d %s %v, want %d", method, path, code, raw, err, want)
	}
	return out
}

// draft creates a document as user with the named template of 东城市人民政府
// and returns its id.
func draft(e *apptest.Env, user, docType, tmpl string, extra map[string]any) string {
	e.T.Helper()
	body := map[string]any{"type": docType, "title": "测试公文 " + tmpl, "body": "正文。", "urgency": "平件",
		"classification": "内部", "workflow": tmpl}
	for k, v := range extra {
		body[k] = v
	}
	return e.Must(201, user, "POST", "/api/gov/docs", body)["id"].(string)
}

// act posts one action on doc id as user, expecting status want.
func act(e *apptest.Env, want int, user, id string, body map[string]any) map[string]any {
	e.T.Helper()
	return e.Must(want, user, "POST", "/api/gov/docs/"+id+"/actions", body)
}

// task is a doc_tasks row as the tests read it.
type task struct {
	User   string `db:"user"`
	Step   int    `db:"step"`
	Seq    int    `db:"seq"`
	Slot   string `db:"slot"`
	Status string `db:"status"`
}

// tasksOf are the document's tasks in (step, seq, created) order.
func tasksOf(e *apptest.Env, doc string) []task {
	e.T.Helper()
	var out []task
	if err := e.App.DB().NewQuery("SELECT user, step, seq, slot, status FROM doc_tasks WHERE doc = {:d} ORDER BY step, seq, created").
		Bind(dbx.Params{"d": doc}).All(&out); err != nil {
		e.T.Fatal(err)
	}
	return out
}

// pendingUsers are the usernames holding a pending task on doc.
func pendingUsers(e *apptest.Env, doc string) []string {
	e.T.Helper()
	var out []string
	if err := e.App.DB().NewQuery(`SELECT users.username FROM doc_tasks t JOIN users ON users.id = t.user
		WHERE t.doc = {:d} AND t.status = 'pending' ORDER BY users.username`).Bind(dbx.Params{"d": doc}).Column(&out); err != nil {
		e.T.Fatal(err)
	}
	return out
}

// docField reads one column of a document.
func docField(e *apptest.Env, doc, col string) string {
	e.T.Helper()
	var v string
	if err := e.App.DB().NewQuery("SELECT CAST(" + col + " AS TEXT) FROM docs WHERE id = {:d}").Bind(dbx.Params{"d": doc}).Row(&v); err != nil {
		e.T.Fatal(err)
	}
	return v
}

// unitOf is a unit's id by name.
func unitOf(e *apptest.Env, name string) string { return apptest.UnitID(e.T, e.App, name) }

// year is this year in Asia/Shanghai, as numbers carry it.
func year() int {
	loc, _ := time.LoadLocation("Asia/Shanghai")
	return time.Now().In(loc).Year()
}

// clearDocs removes the demo's documents, numbers and 收文 queue, for tests
// that count exact sets (the archive keeps its rows: they are immutable).
func clearDocs(tb testing.TB, app core.App) {
	tb.Helper()
	for _, table := range []string{"docs", "doc_tasks", "doc_events", "doc_numbers", "doc_sequences", "inbound"} {
		if _, err := app.DB().NewQuery("DELETE FROM " + table).Execute(); err != nil {
			tb.Fatal(err)
		}
	}
}

// newEnv is a served demo app without the demo's documents.
func newEnv(tb testing.TB) *apptest.Env {
	e := apptest.NewEnv(tb)
	clearDocs(tb, e.App)
	return e
}
