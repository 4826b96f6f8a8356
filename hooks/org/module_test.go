package org_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"

	"govcollab/hooks/apptest"
)

func TestMeAndUnits(t *testing.T) {
	scenarios := []tests.ApiScenario{
		{
			Name: "me without token", Method: http.MethodGet, URL: "/api/gov/me",
			ExpectedStatus:  401,
			ExpectedContent: []string{`"code":"unauthorized"`, `"message":"请先登录"`},
			TestAppFactory:  apptest.Factory,
		},
		{
			Name: "me as city leader", Method: http.MethodGet, URL: "/api/gov/me",
			Headers:        apptest.Auth(t, "leader.east"),
			ExpectedStatus: 200,
			ExpectedContent: []string{`"username":"leader.east"`, `"name":"东城市人民政府"`, `"short":"东政"`,
				`"level":"city"`, `"roles":["leader"]`, `"grants":[]`, `"demo":true`},
			NotExpectedContent: []string{"password", "tokenKey", "id_number", "phone"},
			TestAppFactory:     apptest.Factory,
		},
		{
			Name: "me with a garbage token", Method: http.MethodGet, URL: "/api/gov/me",
			Headers:         map[string]string{"Authorization": "not-a-token"},
			ExpectedStatus:  401,
			ExpectedContent: []string{`"code":"unauthorized"`},
			TestAppFactory:  apptest.Factory,
		},
		{
			Name: "units search by name", Method: http.MethodGet, URL: "/api/gov/units?q=" + urlq("税务局"),
			Headers:        apptest.Auth(t, "staff.east.tax"),
			ExpectedStatus: 200,
			ExpectedContent: []string{`"totalItems":3`, `"name":"示范省税务局"`, `"name":"东城市税务局"`,
				`"name":"西城市税务局"`, `"system":"tax"`},
			NotExpectedContent: []string{`"name":"东城市人民政府"`},
			TestAppFactory:     apptest.Factory,
		},
		{
			Name: "units list is the whole tree in path order", Method: http.MethodGet, URL: "/api/gov/units?perPage=500",
			Headers:         apptest.Auth(t, "staff.west.tax"),
			ExpectedStatus:  200,
			ExpectedContent: []string{`"totalItems":23`, `"perPage":500`, `"path":"/0001/"`},
			TestAppFactory:  apptest.Factory,
		},
		{
			Name: "units perPage clamps at 500", Method: http.MethodGet, URL: "/api/gov/units?perPage=9999",
			Headers:         apptest.Auth(t, "staff.west.tax"),
			ExpectedStatus:  200,
			ExpectedContent: []string{`"perPage":500`},
			TestAppFactory:  apptest.Factory,
		},
		{
			Name: "units by level", Method: http.MethodGet, URL: "/api/gov/units?level=township",
			Headers:         apptest.Auth(t, "staff.east.hr"),
			ExpectedStatus:  200,
			ExpectedContent: []string{`"totalItems":4`, "甲县城关镇人民政府", "丁县城关镇人民政府"},
			TestAppFactory:  apptest.Factory,
		},
		{
			Name: "units bad page", Method: http.MethodGet, URL: "/api/gov/units?page=0",
			Headers:         apptest.Auth(t, "staff.east.hr"),
			ExpectedStatus:  400,
			ExpectedContent: []string{`"page":{"code":"invalid_page"`},
			TestAppFactory:  apptest.Factory,
		},
		{
			Name: "units bad sort field", Method: http.MethodGet, URL: "/api/gov/units?sort=-password",
			Headers:         apptest.Auth(t, "staff.east.hr"),
			ExpectedStatus:  400,
			ExpectedContent: []string{`"sort":{"code":"invalid_sort"`},
			TestAppFactory:  apptest.Factory,
		},
		{
			Name: "units without token", Method: http.MethodGet, URL: "/api/gov/units",
			ExpectedStatus: 401, ExpectedContent: []string{`"code":"unauthorized"`},
			TestAppFactory: apptest.Factory,
		},
		{
			Name: "auditor may not read the directory", Method: http.MethodGet, URL: "/api/gov/units",
			Headers:         apptest.Auth(t, "admin.audit"),
			ExpectedStatus:  403,
			ExpectedContent: []string{`"code":"forbidden"`},
			TestAppFactory:  apptest.Factory,
		},
		{
			Name: "unknown api path is JSON 404", Method: http.MethodGet, URL: "/api/gov/nothing-here",
			ExpectedStatus:  404,
			ExpectedContent: []string{`"status":404`, `"code":"not_found"`, `"data":{}`},
			TestAppFactory:  apptest.Factory,
		},
		{
			Name: "unknown api path by POST is JSON 404", Method: http.MethodPost, URL: "/api/nothing",
			ExpectedStatus:  404,
			ExpectedContent: []string{`"code":"not_found"`},
			TestAppFactory:  apptest.Factory,
		},
		{
			Name: "PocketBase's own errors take the contract shape", Method: http.MethodPost,
			URL:             "/api/collections/users/auth-with-password",
			Body:            strings.NewReader(`{"identity":"leader.east","password":"wrong"}`),
			ExpectedStatus:  400,
			ExpectedContent: []string{`"status":400`, `"code":"invalid_credentials"`, `"message":"用户名或密码错误"`},
			TestAppFactory:  apptest.Factory,
		},
		{
			Name: "API answers are not cacheable", Method: http.MethodGet, URL: "/api/gov/me",
			Headers:        apptest.Auth(t, "staff.east.tax"),
			ExpectedStatus: 200, ExpectedContent: []string{`"username":"staff.east.tax"`},
			AfterTestFunc: func(t testing.TB, app *tests.TestApp, res *http.Response) {
				if got := res.Header.Get("Cache-Control"); got != "private, no-store" {
					t.Fatalf("Cache-Control = %q", got)
				}
			},
			TestAppFactory: apptest.Factory,
		},
	}
	for _, s := range scenarios {
		s.Test(t)
	}
}

func TestGenericRecordsAPIIsClosed(t *testing.T) {
	var scenarios []tests.ApiScenario
	for _, c := range []string{"users", "units", "grants", "sessions", "policy_versions"} {
		scenarios = append(scenarios,
			tests.ApiScenario{
				Name: c + " list as staff", Method: http.MethodGet, URL: "/api/collections/" + c + "/records",
				Headers:            apptest.Auth(t, "leader.prov"),
				ExpectedStatus:     403,
				NotExpectedContent: []string{`"items"`},
				TestAppFactory:     apptest.Factory,
			},
			tests.ApiScenario{
				Name: c + " create as staff", Method: http.MethodPost, URL: "/api/collections/" + c + "/records",
				Headers:         apptest.Auth(t, "admin.sys"),
				Body:            strings.NewReader(`{"name":"x","username":"x1","password":"Abcdefgh12345","passwordConfirm":"Abcdefgh12345"}`),
				ExpectedStatus:  403,
				ExpectedContent: []string{`"code":"forbidden"`},
				TestAppFactory:  apptest.Factory,
			},
		)
	}
	scenarios = append(scenarios,
		tests.ApiScenario{
			Name: "self update through the generic API is refused", Method: http.MethodPatch,
			URL:             "/api/collections/users/records/" + apptest.UserID(t, "staff.east.tax"),
			Headers:         apptest.Auth(t, "staff.east.tax"),
			Body:            strings.NewReader(`{"roles":["leader"]}`),
			ExpectedStatus:  403,
			ExpectedContent: []string{`"code":"forbidden"`},
			AfterTestFunc: func(t testing.TB, app *tests.TestApp, res *http.Response) {
				u, _ := app.FindFirstRecordByData("users", "username", "staff.east.tax")
				if got := u.GetStringSlice("roles"); len(got) != 1 || got[0] != "staff" {
					t.Fatalf("roles changed to %v", got)
				}
			},
			TestAppFactory: apptest.Factory,
		},
		tests.ApiScenario{
			Name: "self delete through the generic API is refused", Method: http.MethodDelete,
			URL:             "/api/collections/users/records/" + apptest.UserID(t, "staff.east.tax"),
			Headers:         apptest.Auth(t, "staff.east.tax"),
			ExpectedStatus:  403,
			ExpectedContent: []string{`"code":"forbidden"`},
			TestAppFactory:  apptest.Factory,
		},
		tests.ApiScenario{
			Name: "sign-up is closed", Method: http.MethodPost, URL: "/api/collections/users/records",
			Body: strings.NewReader(`{"username":"intruder","name":"x","unit":"x","password":"Abcdefgh12345",
				"passwordConfirm":"Abcdefgh12345","active":true,"roles":["sysadmin"]}`),
			ExpectedStatus:  403,
			ExpectedContent: []string{`"code":"forbidden"`},
			TestAppFactory:  apptest.Factory,
		},
		tests.ApiScenario{
			Name: "password reset by mail is off", Method: http.MethodPost,
			URL:             "/api/collections/users/request-password-reset",
			Body:            strings.NewReader(`{"email":"leader.east@demo.gov.example"}`),
			ExpectedEvents:  map[string]int{"OnRecordRequestPasswordResetRequest": 0},
			ExpectedStatus:  403,
			ExpectedContent: []string{`"code":"auth_flow_disabled"`},
			TestAppFactory:  apptest.Factory,
		},
		tests.ApiScenario{
			Name: "OTP login is off", Method: http.MethodPost,
			URL:             "/api/collections/users/request-otp",
			Body:            strings.NewReader(`{"email":"leader.east@demo.gov.example"}`),
			ExpectedStatus:  403,
			ExpectedContent: []string{`"code":"auth_flow_disabled"`},
			TestAppFactory:  apptest.Factory,
		},
	)
	for _, s := range scenarios {
		s.Test(t)
	}
}

func TestLoginLogout(t *testing.T) {
	app, g := apptest.New(t)
	defer app.Cleanup()
	_ = g
	scenarios := []tests.ApiScenario{
		{
			Name: "login by username is case-insensitive and says what is owed", Method: http.MethodPost,
			URL:                "/api/collections/users/auth-with-password",
			Body:               strings.NewReader(`{"identity":"Staff.East.TAX","password":"Demo-2026-gov"}`),
			ExpectedStatus:     200,
			ExpectedContent:    []string{`"token":"`, `"meta":{"require":[]`, `"username":"staff.east.tax"`},
			NotExpectedContent: []string{`"phone"`, `"id_number"`, `"password"`},
			TestAppFactory:     apptest.Factory,
		},
		{
			Name: "login by email", Method: http.MethodPost,
			URL:             "/api/collections/users/auth-with-password",
			Body:            strings.NewReader(`{"identity":"leader.prov@demo.gov.example","password":"Demo-2026-gov"}`),
			ExpectedStatus:  200,
			ExpectedContent: []string{`"username":"leader.prov"`},
			TestAppFactory:  apptest.Factory,
		},
		{
			Name: "an inactive account cannot log in", Method: http.MethodPost,
			URL:  "/api/collections/users/auth-with-password",
			Body: strings.NewReader(`{"identity":"staff.east.hr","password":"Demo-2026-gov"}`),
			BeforeTestFunc: func(t testing.TB, app *tests.TestApp, e *core.ServeEvent) {
				u, _ := app.FindFirstRecordByData("users", "username", "staff.east.hr")
				u.Set("active", false)
				if err := app.Save(u); err != nil {
					t.Fatal(err)
				}
			},
			ExpectedStatus:     403,
			NotExpectedContent: []string{`"token"`},
			TestAppFactory:     apptest.Factory,
		},
		{
			Name: "logout ends the session", Method: http.MethodPost, URL: "/api/gov/logout",
			Headers:        apptest.Auth(t, "staff.east.tax"),
			ExpectedStatus: 204,
			AfterTestFunc: func(t testing.TB, app *tests.TestApp, res *http.Response) {
				n, _ := app.CountRecords("sessions")
				ended, _ := app.FindAllRecords("sessions")
				found := false
				for _, s := range ended {
					if s.GetString("user") == apptest.UserID(t, "staff.east.tax") && s.GetString("end_reason") == "logout" {
						found = true
					}
				}
				if !found || n == 0 {
					t.Fatalf("no session ended by logout among %d", n)
				}
			},
			TestAppFactory: apptest.Factory,
		},
		{
			Name: "logout without token", Method: http.MethodPost, URL: "/api/gov/logout",
			ExpectedStatus: 401, ExpectedContent: []string{`"code":"unauthorized"`},
			TestAppFactory: apptest.Factory,
		},
	}
	for _, s := range scenarios {
		s.Test(t)
	}
}

func urlq(s string) string {
	return strings.NewReplacer(" ", "%20").Replace(s)
}
