package apptest

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"testing"

	"github.com/pocketbase/pocketbase/tests"

	"govcollab/hooks"
)

// Env is a served demo app for flows of several requests as demo users.
type Env struct {
	T    testing.TB
	App  *tests.TestApp
	G    *hooks.Gov
	Base string
}

// NewEnv clones the demo app, serves it, and cleans both up after tb.
func NewEnv(tb testing.TB) *Env {
	tb.Helper()
	app, g := New(tb)
	tb.Cleanup(app.Cleanup)
	return &Env{T: tb, App: app, G: g, Base: Serve(tb, app)}
}

// Call sends a JSON request as user ("" = no login) and decodes the JSON
// answer (raw holds the body as sent).
func (e *Env) Call(user, method, path string, body any) (code int, out map[string]any, raw []byte) {
	e.T.Helper()
	token := ""
	if user != "" {
		token = Token(e.T, user)
	}
	return e.CallToken(token, method, path, body)
}

// CallToken is Call with a token of one's own ("" = no login), for
// accounts a test made.
func (e *Env) CallToken(token, method, path string, body any) (code int, out map[string]any, raw []byte) {
	e.T.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, e.Base+path, rd)
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		e.T.Fatal(err)
	}
	defer res.Body.Close()
	out = map[string]any{}
	raw, _ = io.ReadAll(res.Body)
	_ = json.Unmarshal(raw, &out)
	return res.StatusCode, out, raw
}

// Must is Call expecting status want.
func (e *Env) Must(want int, user, method, path string, body any) map[string]any {
	e.T.Helper()
	code, out, raw := e.Call(user, method, path, body)
	if code != want {
		e.T.Fatalf("%s %s as %s: %d %s, want %d", method, path, user, code, raw, want)
	}
	return out
}
