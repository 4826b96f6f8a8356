package workbench_test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/pocketbase/pocketbase/tests"

	"govcollab/hooks/apptest"
)

func ids(list any) []string {
	var out []string
	for _, it := range list.([]any) {
		out = append(out, it.(map[string]any)["id"].(string))
	}
	return out
}

// TestWorkbench: each part says what the module's own routes say for the
// same person (counts, the waiting documents, the inbox, the training
// year); a must-confirm notice comes first until confirmed, and another
// city's staff never see it; leaders get their units' overdue documents
// and read rates, staff do not; 三员 get an empty page.
func TestWorkbench(t *testing.T) {
	e := apptest.NewEnv(t)
	for _, user := range []string{"leader.east", "staff.east.tax", "clerk.east"} {
		w := e.Must(200, user, "GET", "/api/gov/workbench", nil)
		docs := w["docs"].(map[string]any)
		counts := e.Must(200, user, "GET", "/api/gov/docs/counts", nil)
		if docs["pending"] != counts["pending"] || docs["overdue"] != counts["overdue"] {
			t.Errorf("%s: docs %v, counts %v", user, docs, counts)
		}
		pending := ids(e.Must(200, user, "GET", "/api/gov/docs?box=pending&perPage=100", nil)["items"])
		for _, id := range ids(docs["items"]) {
			if !slices.Contains(pending, id) {
				t.Errorf("%s: %s on the workbench is not pending for them", user, id)
			}
		}
		if n := len(docs["items"].([]any)); n != min(5, len(pending)) {
			t.Errorf("%s: %d documents listed, %d pending", user, n, len(pending))
		}
		sum := e.Must(200, user, "GET", "/api/gov/notices/summary", nil)
		if nt := w["notices"].(map[string]any); nt["unread"] != sum["unread"] || nt["pending"] != sum["pending"] {
			t.Errorf("%s: notices %v, summary %v", user, nt, sum)
		}
		me := e.Must(200, user, "GET", "/api/gov/training/me", nil)
		if tr := w["training"].(map[string]any); tr["hours"] != me["hours"] || fmt.Sprint(tr["need"]) != fmt.Sprint(me["need"]) {
			t.Errorf("%s: training %v, me %v", user, tr, me)
		}
		if _, ok := w["oversee"]; ok != (user == "leader.east") {
			t.Errorf("%s: oversee present %v", user, ok)
		}
	}
	lead := e.Must(200, "leader.east", "GET", "/api/gov/workbench", nil)
	if rates := lead["oversee"].(map[string]any)["read_rates"].([]any); len(rates) == 0 {
		t.Errorf("leader.east sees no read rates of the city's notices: %v", lead["oversee"])
	}

	out := e.Must(201, "leader.east", "POST", "/api/gov/notices", map[string]any{"title": "工作台确认测试", "body": "请确认。", "must_confirm": true,
		"deadline": time.Now().Add(24 * time.Hour).Format(time.RFC3339),
		"audience": map[string]any{"units": []map[string]any{{"id": apptest.UnitID(t, e.App, "东城市税务局"), "subtree": false}}}})
	id := out["id"].(string)
	listed := func(user string) []string {
		items := e.Must(200, user, "GET", "/api/gov/workbench", nil)["notices"].(map[string]any)["items"].([]any)
		var out []string
		confirming, last := true, ""
		for _, it := range items {
			it := it.(map[string]any)
			toConfirm := it["must_confirm"] == true && it["receipt"].(map[string]any)["confirmed_at"] == ""
			if toConfirm && !confirming {
				t.Errorf("%s: a notice to confirm after one only unread: %v", user, items)
			}
			if toConfirm && it["deadline"] != "" {
				if it["deadline"].(string) < last {
					t.Errorf("%s: deadlines out of order: %v", user, items)
				}
				last = it["deadline"].(string)
			}
			confirming = toConfirm
			out = append(out, it["id"].(string))
		}
		return out
	}
	if got := listed("staff.east.tax"); !slices.Contains(got, id) {
		t.Errorf("the must-confirm notice is not listed: %v", got)
	}
	if got := listed("staff.west.tax"); slices.Contains(got, id) {
		t.Error("another city's staff see it")
	}
	e.Must(200, "staff.east.tax", "POST", "/api/gov/notices/"+id+"/confirm", map[string]any{})
	if got := listed("staff.east.tax"); slices.Contains(got, id) {
		t.Error("still listed once confirmed and read")
	}
	if rates := e.Must(200, "leader.east", "GET", "/api/gov/workbench", nil)["oversee"].(map[string]any)["read_rates"].([]any); rates[0].(map[string]any)["id"] != id ||
		rates[0].(map[string]any)["confirmed"] != float64(1) {
		t.Errorf("the leader's read rates: %v", rates[0])
	}
	if w := e.Must(200, "admin.audit", "GET", "/api/gov/workbench", nil); len(w) != 0 {
		t.Errorf("三员 see parts: %v", w)
	}
}

// TestWorkbenchRoute: the route as a table.
func TestWorkbenchRoute(t *testing.T) {
	for _, r := range []struct {
		name, user    string
		status        int
		want, notWant []string
	}{
		{"staff", "staff.east.tax", 200, []string{`"docs":{`, `"notices":{`, `"cases":{`, `"training":{`}, []string{`"oversee"`}},
		{"leader", "leader.east", 200, []string{`"oversee":{`, `"read_rates":[`}, nil},
		{"三员", "admin.sys", 200, []string{`{}`}, []string{`"docs"`, `"notices"`, `"cases"`}},
		{"nobody", "", 401, []string{`"status":401`}, nil},
	} {
		s := tests.ApiScenario{Name: r.name, Method: "GET", URL: "/api/gov/workbench", ExpectedStatus: r.status,
			ExpectedContent: r.want, NotExpectedContent: r.notWant, TestAppFactory: apptest.Factory}
		if r.user != "" {
			s.Headers = apptest.Auth(t, r.user)
		}
		s.Test(t)
	}
}
