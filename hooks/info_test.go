package hooks_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/pocketbase/pocketbase/tests"

	"govcollab/hooks/apptest"
)

func TestInfo(t *testing.T) {
	scenarios := []tests.ApiScenario{
		{
			Name: "demo mode is public", Method: http.MethodGet, URL: "/api/gov/info",
			ExpectedStatus: 200, ExpectedContent: []string{`"name":"政务协同"`, `"demo":true`},
			TestAppFactory: apptest.Factory,
		},
		{
			Name: "plain serve says so", Method: http.MethodGet, URL: "/api/gov/info",
			ExpectedStatus: 200, ExpectedContent: []string{`"demo":false`},
			TestAppFactory: apptest.FactoryPlain,
		},
		{
			Name: "the UI is served with a CSP that forbids inline script", Method: http.MethodGet, URL: "/",
			ExpectedStatus:  200,
			ExpectedContent: []string{"<!doctype html>", "政务协同"},
			AfterTestFunc: func(t testing.TB, app *tests.TestApp, res *http.Response) {
				csp := res.Header.Get("Content-Security-Policy")
				if csp == "" || !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe-inline") {
					t.Fatalf("CSP %q", csp)
				}
			},
			TestAppFactory: apptest.Factory,
		},
		{
			Name: "an unknown page falls back to the app", Method: http.MethodGet, URL: "/some/page",
			ExpectedStatus: 200, ExpectedContent: []string{"<!doctype html>"},
			TestAppFactory: apptest.Factory,
		},
	}
	for _, s := range scenarios {
		s.Test(t)
	}
}
