package org_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/tests"

	"govcollab/hooks/apptest"
	"govcollab/policies"
)

// badPolicy is the built-in policy with one refused line appended; line is
// its line number.
func badPolicy() (csv string, line int) {
	csv = strings.TrimRight(policies.BuiltinPolicy(), "\n") + "\np, staff, unit, fly, all, *, allow\n"
	return csv, strings.Count(csv, "\n")
}

// auditorReadsUnits is a valid policy that also lets the auditor read units.
const auditorLine = "p, auditor, unit, read, all, *, allow"

func auditorReadsUnits() string {
	return strings.TrimRight(policies.BuiltinPolicy(), "\n") + "\n" + auditorLine + "\n"
}

func TestAdminPolicy(t *testing.T) {
	sec := apptest.Auth(t, "admin.sec")
	bad, line := badPolicy()
	wantLine := fmt.Sprintf("第 %d 行：", line)
	refused := func(t testing.TB, app *tests.TestApp, res *http.Response) {
		if got := res.Header.Get("X-Policy-Line"); got != fmt.Sprint(line) {
			t.Fatalf("X-Policy-Line = %q, want %d", got, line)
		}
		unchanged("policy_versions", 0)(t, app, res)
	}
	scenarios := []tests.ApiScenario{
		{
			Name: "secadmin reads the policy", Method: http.MethodGet, URL: "/api/gov/admin/policy", Headers: sec,
			ExpectedStatus:  200,
			ExpectedContent: []string{`"csv":"# The one policy`, `p, secadmin, policy, manage, all, *, allow`, `"builtin":"# The one policy`, `"versions":[]`},
		},
		{
			Name: "validate a good policy", Method: http.MethodPost, URL: "/api/gov/admin/policy/validate", Headers: sec,
			Body: jsonBody(map[string]string{"csv": auditorReadsUnits()}), ExpectedStatus: 200,
			ExpectedContent: []string{`{"ok":true}`},
			AfterTestFunc:   unchanged("policy_versions", 0),
		},
		{
			Name: "validate names the bad line", Method: http.MethodPost, URL: "/api/gov/admin/policy/validate", Headers: sec,
			Body: jsonBody(map[string]string{"csv": bad}), ExpectedStatus: 400,
			ExpectedContent: []string{`"csv":{"code":"policy_invalid","message":"` + wantLine, `没有操作 \"fly\"`},
			AfterTestFunc:   refused,
		},
		{
			Name: "saving a bad policy changes nothing", Method: http.MethodPut, URL: "/api/gov/admin/policy", Headers: sec,
			Body: jsonBody(map[string]string{"csv": bad, "note": "试一试"}), ExpectedStatus: 400,
			ExpectedContent: []string{`"csv":{"code":"policy_invalid","message":"` + wantLine},
			AfterTestFunc:   refused,
		},
		{
			Name: "an empty policy", Method: http.MethodPut, URL: "/api/gov/admin/policy", Headers: sec,
			Body: jsonBody(map[string]string{"csv": " \n"}), ExpectedStatus: 400,
			ExpectedContent: []string{`"csv":{"code":"required"`},
			AfterTestFunc:   unchanged("policy_versions", 0),
		},
		{
			Name: "only comments", Method: http.MethodPost, URL: "/api/gov/admin/policy/validate", Headers: sec,
			Body: jsonBody(map[string]string{"csv": "# nothing\n"}), ExpectedStatus: 400,
			ExpectedContent: []string{`"csv":{"code":"policy_invalid","message":"第 1 行：策略为空"`},
		},
		{
			Name: "a policy that locks its editor out is refused", Method: http.MethodPut, URL: "/api/gov/admin/policy", Headers: sec,
			Body: jsonBody(map[string]string{"csv": strings.Replace(policies.BuiltinPolicy(),
				"p, secadmin, policy, manage, all, *, allow", "p, secadmin, policy, manage, all, *, deny", 1)}),
			ExpectedStatus:  400,
			ExpectedContent: []string{`"csv":{"code":"self_lockout"`, "无人能再修改策略"},
			AfterTestFunc:   unchanged("policy_versions", 0),
		},
		{
			Name: "saving a good policy stores a version", Method: http.MethodPut, URL: "/api/gov/admin/policy", Headers: sec,
			Body: jsonBody(map[string]string{"csv": auditorReadsUnits(), "note": "审计员可查看单位"}), ExpectedStatus: 200,
			ExpectedContent: []string{auditorLine, `"note":"审计员可查看单位"`, `"author":"` + apptest.UserID(t, "admin.sec") + `"`},
			AfterTestFunc: func(t testing.TB, app *tests.TestApp, res *http.Response) {
				n := countRows(t, app, "policy_versions", dbx.HashExp{"author": apptest.UserID(t, "admin.sec"), "note": "审计员可查看单位"})
				if n != 1 {
					t.Fatalf("%d versions stored", n)
				}
			},
		},
	}
	for _, s := range scenarios {
		s.TestAppFactory = apptest.Factory
		s.Test(t)
	}
}

// TestAdminPolicyInForce: a saved policy decides the next request; a refused
// one leaves the old one in force.
func TestAdminPolicyInForce(t *testing.T) {
	sec := apptest.Auth(t, "admin.sec")
	audit := apptest.Auth(t, "admin.audit")
	bad, line := badPolicy()
	shared(t, []tests.ApiScenario{
		{
			Name: "the auditor may not read units", Method: http.MethodGet, URL: "/api/gov/units", Headers: audit,
			ExpectedStatus: 403, ExpectedContent: []string{`"code":"forbidden"`},
		},
		{
			Name: "a bad policy is refused", Method: http.MethodPut, URL: "/api/gov/admin/policy", Headers: sec,
			Body: jsonBody(map[string]string{"csv": bad}), ExpectedStatus: 400,
			ExpectedContent: []string{fmt.Sprintf("第 %d 行", line)},
		},
		{
			Name: "the old policy is still in force", Method: http.MethodGet, URL: "/api/gov/admin/policy", Headers: sec,
			ExpectedStatus: 200, ExpectedContent: []string{`"versions":[]`, "p, secadmin, policy, manage"},
			NotExpectedContent: []string{"fly"},
		},
		{
			Name: "a good policy is saved", Method: http.MethodPut, URL: "/api/gov/admin/policy", Headers: sec,
			Body: jsonBody(map[string]string{"csv": auditorReadsUnits(), "note": "放开单位目录"}), ExpectedStatus: 200,
			ExpectedContent: []string{auditorLine},
		},
		{
			Name: "and decides the next request", Method: http.MethodGet, URL: "/api/gov/units?perPage=500", Headers: audit,
			ExpectedStatus: 200, ExpectedContent: []string{`"totalItems":23`},
		},
		{
			Name: "GET shows it with its version", Method: http.MethodGet, URL: "/api/gov/admin/policy", Headers: sec,
			ExpectedStatus: 200, ExpectedContent: []string{auditorLine, `"note":"放开单位目录"`, `"created":"20`},
		},
	})
}
