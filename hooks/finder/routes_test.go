package finder_test

import (
	"net/url"
	"testing"

	"github.com/pocketbase/pocketbase/tests"

	"govcollab/hooks/apptest"
)

// TestSearchRoute: GET /api/gov/search over the demo province as a table —
// allowed, 三员, nobody, another city's courses not counted, bad input
// naming its field.
func TestSearchRoute(t *testing.T) {
	q := "/api/gov/search?q=" + url.QueryEscape("营商环境")
	rows := []struct {
		name, url, user string
		status          int
		want, notWant   []string
	}{
		{"staff of 东城市", q, "staff.east.tax", 200, []string{`"facets":{`, `"type":"course"`, `"type_label":"课程"`, `"snippet":"`, "优化营商环境业务实务"}, nil},
		{"staff of 西城市: not 东城市's course", q + "&type=course", "staff.west.tax", 200, []string{`"course":0`}, []string{"优化营商环境业务实务"}},
		{"by date", q + "&sort=date", "staff.east.tax", 200, []string{`"sort":"date"`}, nil},
		{"三员", q, "admin.audit", 403, []string{`"status":403`}, nil},
		{"nobody", q, "", 401, []string{`"status":401`}, nil},
		{"no words", "/api/gov/search?q=%E3%80%82", "staff.east.tax", 400, []string{`"q":{`}, nil},
		{"bad type", q + "&type=video", "staff.east.tax", 400, []string{`"type":{`}, nil},
		{"bad page", q + "&page=0", "staff.east.tax", 400, []string{`"page":{`}, nil},
	}
	for _, r := range rows {
		s := tests.ApiScenario{Name: r.name, Method: "GET", URL: r.url, ExpectedStatus: r.status, ExpectedContent: r.want,
			NotExpectedContent: r.notWant, TestAppFactory: apptest.Factory}
		if r.user != "" {
			s.Headers = apptest.Auth(t, r.user)
		}
		s.Test(t)
	}
}
