package casework_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"

	"govcollab/hooks"
	"govcollab/hooks/apptest"
	"govcollab/hooks/casework"
	"govcollab/hooks/search"
	"govcollab/hooks/security"
)

// env is a served demo app for flows of several requests.
type env struct {
	t    *testing.T
	app  *tests.TestApp
	g    *hooks.Gov
	base string
}

func newEnv(t *testing.T) *env {
	t.Helper()
	app, g := apptest.New(t)
	t.Cleanup(app.Cleanup)
	return &env{t: t, app: app, g: g, base: apptest.Serve(t, app)}
}

// call sends a JSON request as user ("" = no login) and decodes the answer.
func (e *env) call(user, method, path string, body any) (int, map[string]any) {
	e.t.Helper()
	var rd io.Reader
	if body != nil {
		raw, _ := json.Marshal(body)
		rd = bytes.NewReader(raw)
	}
	req, _ := http.NewRequest(method, e.base+path, rd)
	req.Header.Set("Content-Type", "application/json")
	if user != "" {
		req.Header.Set("Authorization", apptest.Token(e.t, user))
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	out := map[string]any{}
	raw, _ := io.ReadAll(res.Body)
	_ = json.Unmarshal(raw, &out)
	return res.StatusCode, out
}

// must is call expecting status want.
func (e *env) must(want int, user, method, path string, body any) map[string]any {
	e.t.Helper()
	code, out := e.call(user, method, path, body)
	if code != want {
		e.t.Fatalf("%s %s as %s: %d %v, want %d", method, path, user, code, out, want)
	}
	return out
}

// idNumber is a valid 身份证号 built around a birth date and sequence.
func idNumber(seq string) string {
	first := "11010519800101" + seq
	return first + string(security.IDCheckChar(first))
}

// creditCode is a valid 统一社会信用代码 from a 17-character prefix.
func creditCode(prefix string) string {
	c, ok := security.CreditCheckChar(prefix)
	if !ok {
		panic("bad credit code prefix " + prefix)
	}
	return prefix + string(c)
}

// grantReviewer makes user a reviewer at unit (a running 兼职 grant).
func (e *env) grantReviewer(user, unit string) {
	e.t.Helper()
	col, err := e.app.FindCollectionByNameOrId("grants")
	if err != nil {
		e.t.Fatal(err)
	}
	r := core.NewRecord(col)
	r.Set("user", apptest.UserID(e.t, user))
	r.Set("unit", apptest.UnitID(e.t, e.app, unit))
	r.Set("role", "reviewer")
	r.Set("kind", "concurrent")
	r.Set("starts", time.Now().Add(-time.Hour))
	r.Set("ends", time.Now().AddDate(1, 0, 0))
	r.Set("created_by", apptest.UserID(e.t, "admin.sec"))
	if err := e.app.Save(r); err != nil {
		e.t.Fatal(err)
	}
	e.g.Authz.Invalidate()
}

func str(v any) string {
	s, _ := v.(string)
	return s
}

func has(out map[string]any, key, sub string) bool {
	raw, _ := json.Marshal(out[key])
	return strings.Contains(string(raw), sub)
}

// clearCases removes the demo cases, for tests that count exact sets.
func (e *env) clearCases() {
	e.t.Helper()
	var ids []string
	if err := e.app.DB().Select("id").From("cases").Column(&ids); err != nil {
		e.t.Fatal(err)
	}
	for _, id := range ids {
		if err := search.Remove(e.app, casework.DocType, id); err != nil {
			e.t.Fatal(err)
		}
	}
	for _, table := range []string{"cases", "case_versions", "case_entities", "case_comments", "case_votes", "case_bookmarks", "case_tags"} {
		if _, err := e.app.DB().NewQuery("DELETE FROM " + table).Execute(); err != nil {
			e.t.Fatal(err)
		}
	}
}
