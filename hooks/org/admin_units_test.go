package org_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"

	"govcollab/hooks/apptest"
)

func unitByName(t testing.TB, app core.App, name string) *core.Record {
	t.Helper()
	r, err := app.FindFirstRecordByData("units", "name", name)
	if err != nil {
		t.Fatalf("unit %s: %v", name, err)
	}
	return r
}

// deactivateUnit is a BeforeTestFunc that switches a unit off directly.
func deactivateUnit(name string) func(testing.TB, *tests.TestApp, *core.ServeEvent) {
	return func(t testing.TB, app *tests.TestApp, _ *core.ServeEvent) {
		r := unitByName(t, app, name)
		r.Set("active", false)
		if err := app.Save(r); err != nil {
			t.Fatal(err)
		}
	}
}

func TestAdminUnitList(t *testing.T) {
	ids := loadDemoIDs(t)
	sys := apptest.Auth(t, "admin.sys")
	scenarios := []tests.ApiScenario{
		{
			Name: "sysadmin lists every unit, inactive ones included", Method: http.MethodGet,
			URL: "/api/gov/admin/units?perPage=9999", Headers: sys,
			BeforeTestFunc:  deactivateUnit("乙县城关镇人民政府"),
			ExpectedStatus:  200,
			ExpectedContent: []string{`"totalItems":23`, `"perPage":500`, `"name":"乙县城关镇人民政府"`, `"active":false`, `"path":"/0001/"`},
		},
		{
			Name: "active=false lists only the inactive", Method: http.MethodGet,
			URL: "/api/gov/admin/units?active=false", Headers: sys,
			BeforeTestFunc:     deactivateUnit("乙县城关镇人民政府"),
			ExpectedStatus:     200,
			ExpectedContent:    []string{`"totalItems":1`, `"name":"乙县城关镇人民政府"`},
			NotExpectedContent: []string{`"active":true`},
		},
		{
			Name: "filters q and level", Method: http.MethodGet,
			URL: "/api/gov/admin/units?level=city&q=" + url.QueryEscape("税务局"), Headers: sys,
			ExpectedStatus:     200,
			ExpectedContent:    []string{`"totalItems":2`, `"name":"东城市税务局"`, `"name":"西城市税务局"`},
			NotExpectedContent: []string{"示范省税务局"},
		},
		{
			Name: "filter parent", Method: http.MethodGet,
			URL: "/api/gov/admin/units?parent=" + ids.unit(t, "东城市甲县人民政府"), Headers: sys,
			ExpectedStatus:  200,
			ExpectedContent: []string{`"totalItems":1`, `"name":"甲县城关镇人民政府"`},
		},
		{
			Name: "filters kind and system", Method: http.MethodGet,
			URL: "/api/gov/admin/units?kind=office&system=office", Headers: sys,
			ExpectedStatus:  200,
			ExpectedContent: []string{`"totalItems":3`, "示范省人民政府办公厅", "东城市人民政府办公室", "西城市人民政府办公室"},
		},
		{
			Name: "bad active filter", Method: http.MethodGet,
			URL: "/api/gov/admin/units?active=maybe", Headers: sys,
			ExpectedStatus:  400,
			ExpectedContent: []string{`"active":{"code":"invalid_bool"`},
		},
	}
	for _, s := range scenarios {
		s.TestAppFactory = apptest.Factory
		s.Test(t)
	}
}

func TestAdminUnitCreate(t *testing.T) {
	ids := loadDemoIDs(t)
	sys := apptest.Auth(t, "admin.sys")
	east := ids.unit(t, "东城市人民政府")
	scenarios := []tests.ApiScenario{
		{
			Name: "sysadmin creates a unit under 东城市", Method: http.MethodPost, URL: "/api/gov/admin/units", Headers: sys,
			Body: jsonBody(map[string]any{"name": "东城市数据局", "short": "东数", "level": "city", "kind": "department",
				"system": "data", "parent": east, "sort": 9}),
			ExpectedStatus: 201,
			ExpectedContent: []string{`"name":"东城市数据局"`, `"short":"东数"`, `"system":"data"`, `"parent":"` + east + `"`,
				`"path":"/0001/0005/0007/"`, `"sort":9`, `"active":true`},
			AfterTestFunc: func(t testing.TB, app *tests.TestApp, _ *http.Response) {
				r := unitByName(t, app, "东城市数据局")
				if r.GetString("path") != "/0001/0005/0007/" || r.GetString("parent") != east || !r.GetBool("active") {
					t.Fatalf("stored %v", r.PublicExport())
				}
				unchanged("units", demoUnits+1)(t, app, nil)
			},
		},
		{
			Name: "secadmin may not create a unit", Method: http.MethodPost, URL: "/api/gov/admin/units",
			Headers:        apptest.Auth(t, "admin.sec"),
			Body:           jsonBody(map[string]any{"name": "东城市数据局", "level": "city", "kind": "department", "parent": east}),
			ExpectedStatus: 403, ExpectedContent: []string{`"code":"forbidden"`},
			AfterTestFunc: unchanged("units", demoUnits),
		},
		{
			Name: "unknown parent", Method: http.MethodPost, URL: "/api/gov/admin/units", Headers: sys,
			Body:           jsonBody(map[string]any{"name": "东城市数据局", "level": "city", "kind": "department", "parent": "nosuchunit0000"}),
			ExpectedStatus: 400, ExpectedContent: []string{`"parent":{"code":"not_found","message":"上级单位不存在或已停用"}`},
			AfterTestFunc: unchanged("units", demoUnits),
		},
		{
			Name: "empty name", Method: http.MethodPost, URL: "/api/gov/admin/units", Headers: sys,
			Body:           jsonBody(map[string]any{"name": "  ", "level": "city", "kind": "department", "parent": east}),
			ExpectedStatus: 400, ExpectedContent: []string{`"name":{"code":"required","message":"单位名称不能为空"}`},
			AfterTestFunc: unchanged("units", demoUnits),
		},
		{
			Name: "a level above the parent", Method: http.MethodPost, URL: "/api/gov/admin/units", Headers: sys,
			Body:           jsonBody(map[string]any{"name": "东城市省级局", "level": "province", "kind": "department", "parent": east}),
			ExpectedStatus: 400, ExpectedContent: []string{`"level":{"code":"above_parent"`},
			AfterTestFunc: unchanged("units", demoUnits),
		},
		{
			Name: "a sibling with the same name", Method: http.MethodPost, URL: "/api/gov/admin/units", Headers: sys,
			Body:           jsonBody(map[string]any{"name": "东城市税务局", "level": "city", "kind": "department", "parent": east}),
			ExpectedStatus: 400, ExpectedContent: []string{`"name":{"code":"duplicate"`},
			AfterTestFunc: unchanged("units", demoUnits),
		},
		{
			Name: "malformed body", Method: http.MethodPost, URL: "/api/gov/admin/units", Headers: sys,
			Body:           strings.NewReader(`{"name":`),
			ExpectedStatus: 400, ExpectedContent: []string{`"code":"invalid_json"`},
			AfterTestFunc: unchanged("units", demoUnits),
		},
	}
	for _, s := range scenarios {
		s.TestAppFactory = apptest.Factory
		s.Test(t)
	}
}

func TestAdminUnitUpdate(t *testing.T) {
	ids := loadDemoIDs(t)
	sys := apptest.Auth(t, "admin.sys")
	scenarios := []tests.ApiScenario{
		{
			Name: "rename, short code and order", Method: http.MethodPatch,
			URL: "/api/gov/admin/units/" + ids.unit(t, "东城市税务局"), Headers: sys,
			Body:            jsonBody(map[string]any{"name": "国家税务总局东城市税务局", "short": "东税务", "sort": 3}),
			ExpectedStatus:  200,
			ExpectedContent: []string{`"name":"国家税务总局东城市税务局"`, `"short":"东税务"`, `"sort":3`, `"system":"tax"`},
			AfterTestFunc: func(t testing.TB, app *tests.TestApp, _ *http.Response) {
				r, _ := app.FindRecordById("units", ids.unit(t, "东城市税务局"))
				if r.GetString("name") != "国家税务总局东城市税务局" || r.GetString("short") != "东税务" {
					t.Fatalf("stored %v", r.PublicExport())
				}
			},
		},
		{
			Name: "rename to empty", Method: http.MethodPatch,
			URL: "/api/gov/admin/units/" + ids.unit(t, "东城市税务局"), Headers: sys,
			Body:           jsonBody(map[string]any{"name": ""}),
			ExpectedStatus: 400, ExpectedContent: []string{`"name":{"code":"required"`},
			AfterTestFunc: func(t testing.TB, app *tests.TestApp, _ *http.Response) {
				if r, _ := app.FindRecordById("units", ids.unit(t, "东城市税务局")); r.GetString("name") != "东城市税务局" {
					t.Fatalf("name changed to %q", r.GetString("name"))
				}
			},
		},
		{
			Name: "the level does not change here", Method: http.MethodPatch,
			URL: "/api/gov/admin/units/" + ids.unit(t, "东城市税务局"), Headers: sys,
			Body:           jsonBody(map[string]any{"level": "county"}),
			ExpectedStatus: 400, ExpectedContent: []string{`"level":{"code":"immutable"`},
		},
		{
			Name: "a bad system code", Method: http.MethodPatch,
			URL: "/api/gov/admin/units/" + ids.unit(t, "东城市税务局"), Headers: sys,
			Body:           jsonBody(map[string]any{"system": "Tax!"}),
			ExpectedStatus: 400, ExpectedContent: []string{`"system":{"code":"invalid"`},
			AfterTestFunc: func(t testing.TB, app *tests.TestApp, _ *http.Response) {
				if r, _ := app.FindRecordById("units", ids.unit(t, "东城市税务局")); r.GetString("system") != "tax" {
					t.Fatalf("system changed to %q", r.GetString("system"))
				}
			},
		},
		{
			Name: "unknown unit", Method: http.MethodPatch, URL: "/api/gov/admin/units/nosuchunit0000", Headers: sys,
			Body:           jsonBody(map[string]any{"name": "x"}),
			ExpectedStatus: 404, ExpectedContent: []string{`"code":"not_found"`},
		},
	}
	for _, s := range scenarios {
		s.TestAppFactory = apptest.Factory
		s.Test(t)
	}
}

func TestAdminUnitMove(t *testing.T) {
	ids := loadDemoIDs(t)
	sys := apptest.Auth(t, "admin.sys")
	county := ids.unit(t, "东城市甲县人民政府")
	west := ids.unit(t, "西城市人民政府")
	pathsUnchanged := func(t testing.TB, app *tests.TestApp, _ *http.Response) {
		if p := unitByName(t, app, "东城市甲县人民政府").GetString("path"); p != "/0001/0005/0005/" {
			t.Fatalf("county path changed to %s", p)
		}
		if p := unitByName(t, app, "东城市人民政府").GetString("path"); p != "/0001/0005/" {
			t.Fatalf("city path changed to %s", p)
		}
		if p := findUser(t, app, "staff.east.county1").GetString("unit_path"); p != "/0001/0005/0005/" {
			t.Fatalf("user path changed to %s", p)
		}
	}
	scenarios := []tests.ApiScenario{
		{
			Name: "moving 甲县 under 西城市 re-paths its subtree and its people", Method: http.MethodPost,
			URL: "/api/gov/admin/units/" + county + "/move", Headers: sys,
			Body:            jsonBody(map[string]string{"parent": west}),
			ExpectedStatus:  200,
			ExpectedContent: []string{`"name":"东城市甲县人民政府"`, `"parent":"` + west + `"`, `"path":"/0001/0006/0007/"`},
			AfterTestFunc: func(t testing.TB, app *tests.TestApp, _ *http.Response) {
				c := unitByName(t, app, "东城市甲县人民政府")
				town := unitByName(t, app, "甲县城关镇人民政府")
				u := findUser(t, app, "staff.east.county1")
				if c.GetString("parent") != west || c.GetString("path") != "/0001/0006/0007/" ||
					town.GetString("path") != "/0001/0006/0007/0001/" || town.GetString("parent") != county ||
					u.GetString("unit_path") != "/0001/0006/0007/" {
					t.Fatalf("county %s, town %s, user %s", c.GetString("path"), town.GetString("path"), u.GetString("unit_path"))
				}
				// the rest of 东城市 stays where it was
				if p := unitByName(t, app, "乙县城关镇人民政府").GetString("path"); p != "/0001/0005/0006/0001/" {
					t.Fatalf("乙县城关镇 path %s", p)
				}
			},
		},
		{
			Name: "a cycle: 东城市 under its own township", Method: http.MethodPost,
			URL: "/api/gov/admin/units/" + ids.unit(t, "东城市人民政府") + "/move", Headers: sys,
			Body:            jsonBody(map[string]string{"parent": ids.unit(t, "甲县城关镇人民政府")}),
			ExpectedStatus:  400,
			ExpectedContent: []string{`"parent":{"code":"cycle"`},
			AfterTestFunc:   pathsUnchanged,
		},
		{
			Name: "unknown new parent", Method: http.MethodPost, URL: "/api/gov/admin/units/" + county + "/move", Headers: sys,
			Body:            jsonBody(map[string]string{"parent": "nosuchunit0000"}),
			ExpectedStatus:  400,
			ExpectedContent: []string{`"parent":{"code":"not_found"`},
			AfterTestFunc:   pathsUnchanged,
		},
		{
			Name: "no new parent", Method: http.MethodPost, URL: "/api/gov/admin/units/" + county + "/move", Headers: sys,
			Body:            jsonBody(map[string]string{}),
			ExpectedStatus:  400,
			ExpectedContent: []string{`"parent":{"code":"required"`},
			AfterTestFunc:   pathsUnchanged,
		},
		{
			Name: "a county under a township", Method: http.MethodPost, URL: "/api/gov/admin/units/" + county + "/move", Headers: sys,
			Body:            jsonBody(map[string]string{"parent": ids.unit(t, "丙县城关镇人民政府")}),
			ExpectedStatus:  400,
			ExpectedContent: []string{`"parent":{"code":"above_parent"`},
			AfterTestFunc:   pathsUnchanged,
		},
		{
			Name: "unknown unit", Method: http.MethodPost, URL: "/api/gov/admin/units/nosuchunit0000/move", Headers: sys,
			Body:           jsonBody(map[string]string{"parent": west}),
			ExpectedStatus: 404, ExpectedContent: []string{`"code":"not_found"`},
		},
	}
	for _, s := range scenarios {
		s.TestAppFactory = apptest.Factory
		s.Test(t)
	}
}

func TestAdminUnitActivation(t *testing.T) {
	ids := loadDemoIDs(t)
	sys := apptest.Auth(t, "admin.sys")
	town := ids.unit(t, "乙县城关镇人民政府")
	active := func(name string, want bool) func(testing.TB, *tests.TestApp, *http.Response) {
		return func(t testing.TB, app *tests.TestApp, _ *http.Response) {
			if got := unitByName(t, app, name).GetBool("active"); got != want {
				t.Fatalf("%s active = %v, want %v", name, got, want)
			}
		}
	}
	scenarios := []tests.ApiScenario{
		{
			Name: "deactivate an empty township", Method: http.MethodPost, URL: "/api/gov/admin/units/" + town + "/deactivate",
			Headers: sys, ExpectedStatus: 200,
			ExpectedContent: []string{`"id":"` + town + `"`, `"active":false`},
			AfterTestFunc:   active("乙县城关镇人民政府", false),
		},
		{
			Name: "a unit with active children stays", Method: http.MethodPost,
			URL: "/api/gov/admin/units/" + ids.unit(t, "东城市人民政府") + "/deactivate", Headers: sys,
			ExpectedStatus:  400,
			ExpectedContent: []string{`"id":{"code":"has_children"`},
			AfterTestFunc:   active("东城市人民政府", true),
		},
		{
			Name: "a unit with active staff stays", Method: http.MethodPost,
			URL: "/api/gov/admin/units/" + ids.unit(t, "西城市税务局") + "/deactivate", Headers: sys,
			ExpectedStatus:  400,
			ExpectedContent: []string{`"id":{"code":"has_users"`},
			AfterTestFunc:   active("西城市税务局", true),
		},
		{
			Name: "re-activate", Method: http.MethodPost, URL: "/api/gov/admin/units/" + town + "/activate",
			Headers: sys, BeforeTestFunc: deactivateUnit("乙县城关镇人民政府"),
			ExpectedStatus:  200,
			ExpectedContent: []string{`"active":true`},
			AfterTestFunc:   active("乙县城关镇人民政府", true),
		},
		{
			Name: "not under an inactive parent", Method: http.MethodPost, URL: "/api/gov/admin/units/" + town + "/activate",
			Headers: sys,
			BeforeTestFunc: func(t testing.TB, app *tests.TestApp, e *core.ServeEvent) {
				deactivateUnit("乙县城关镇人民政府")(t, app, e)
				deactivateUnit("东城市乙县人民政府")(t, app, e)
			},
			ExpectedStatus:  400,
			ExpectedContent: []string{`"parent":{"code":"not_found"`},
			AfterTestFunc:   active("乙县城关镇人民政府", false),
		},
		{
			Name: "unknown unit", Method: http.MethodPost, URL: "/api/gov/admin/units/nosuchunit0000/deactivate",
			Headers: sys, ExpectedStatus: 404, ExpectedContent: []string{`"code":"not_found"`},
		},
	}
	for _, s := range scenarios {
		s.TestAppFactory = apptest.Factory
		s.Test(t)
	}
}
