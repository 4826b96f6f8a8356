package training_test

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"govcollab/hooks/apptest"
)

func toJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func unit(e *apptest.Env, name string) string { return apptest.UnitID(e.T, e.App, name) }

// course offers a two-session course of 东城市 as leader.east to body's
// audience (default: the city and its subtree), published.
func course(e *apptest.Env, extra map[string]any) string {
	e.T.Helper()
	start := time.Now().Add(24 * time.Hour).Truncate(time.Hour)
	body := map[string]any{"title": "数字政府建设专题培训", "description": "## 课程安排\n\n两次课。", "category": "信息技术", "mode": "面授",
		"hours": 8, "capacity": 0, "publish": true,
		"sessions": []map[string]any{
			{"title": "第一讲", "starts_at": start.Format(time.RFC3339), "ends_at": start.Add(2 * time.Hour).Format(time.RFC3339), "place": "市委党校 201"},
			{"title": "第二讲", "starts_at": start.Add(24 * time.Hour).Format(time.RFC3339), "ends_at": start.Add(26 * time.Hour).Format(time.RFC3339), "place": "市委党校 201"}},
		"audience": map[string]any{"units": []map[string]any{{"id": unit(e, "东城市人民政府"), "subtree": true}}}}
	for k, v := range extra {
		body[k] = v
	}
	out := e.Must(http.StatusCreated, "leader.east", "POST", "/api/gov/courses", body)
	return out["id"].(string)
}

func titles(out map[string]any) []string {
	var t []string
	for _, it := range out["items"].([]any) {
		t = append(t, it.(map[string]any)["title"].(string))
	}
	return t
}

// TestCatalog: a published course is in the catalog of its audience and of
// those who keep it, nobody else's; narrowing by roles and exclusions
// holds; a draft is its keepers' only.
func TestCatalog(t *testing.T) {
	e := newEnv(t)
	course(e, nil)
	course(e, map[string]any{"title": "领导干部专题研讨", "audience": map[string]any{
		"units": []map[string]any{{"id": unit(e, "东城市人民政府"), "subtree": true}}, "roles": []string{"leader"}}})
	course(e, map[string]any{"title": "除税务局外的培训", "audience": map[string]any{
		"units": []map[string]any{{"id": unit(e, "东城市人民政府"), "subtree": true}}, "exclude_units": []string{unit(e, "东城市税务局")}}})
	course(e, map[string]any{"title": "尚未发布的课程", "publish": false})
	for _, c := range []struct {
		user string
		want []string
	}{
		{"staff.east.tax", []string{"数字政府建设专题培训"}},
		{"leader.east.tax", []string{"数字政府建设专题培训", "领导干部专题研讨"}},
		{"staff.east.hr", []string{"数字政府建设专题培训", "除税务局外的培训"}},
		{"staff.west.tax", nil},
		{"leader.east", []string{"数字政府建设专题培训", "领导干部专题研讨", "除税务局外的培训", "尚未发布的课程"}},
	} {
		got := titles(e.Must(200, c.user, "GET", "/api/gov/courses?perPage=50", nil))
		slices.Sort(got)
		slices.Sort(c.want)
		if !slices.Equal(got, c.want) {
			t.Errorf("%s sees %v, want %v", c.user, got, c.want)
		}
	}
	for _, who := range []string{"admin.sys", "admin.audit"} {
		e.Must(403, who, "GET", "/api/gov/courses", nil)
	}
	var draft string
	_ = e.App.DB().NewQuery("SELECT id FROM courses WHERE status = 'draft'").Row(&draft)
	e.Must(404, "staff.east.tax", "GET", "/api/gov/courses/"+draft, nil)
	// the page says what completes the course, for the editor and the learner
	id := course(e, map[string]any{"title": "至少两次课", "min_sessions": 1, "requires_pass": false})
	if out := e.Must(200, "staff.east.tax", "GET", "/api/gov/courses/"+id, nil); out["requires_attendance"] != true ||
		out["requires_pass"] != false || out["min_sessions"] != float64(1) {
		t.Errorf("the completion rule on the page: %v %v %v", out["requires_attendance"], out["requires_pass"], out["min_sessions"])
	}
}

// TestCreateRefusals: bad input names its field; an audience beyond the
// publisher's reach is refused; staff cannot offer courses.
func TestCreateRefusals(t *testing.T) {
	e := newEnv(t)
	base := func(k string, v any) map[string]any {
		start := time.Now().Add(time.Hour)
		b := map[string]any{"title": "培训", "category": "业务知识", "mode": "线上", "hours": 2,
			"sessions": []map[string]any{{"starts_at": start.Format(time.RFC3339), "ends_at": start.Add(time.Hour).Format(time.RFC3339)}},
			"audience": map[string]any{"units": []string{unit(e, "东城市税务局")}}}
		b[k] = v
		return b
	}
	for _, c := range []struct {
		k     string
		v     any
		field string
	}{
		{"title", " ", "title"},
		{"category", "娱乐", "category"},
		{"hours", 0, "hours"},
		{"sessions", []map[string]any{}, "sessions"},
		{"sessions", []map[string]any{{"starts_at": "2026-12-01 10:00", "ends_at": "2026-12-01 09:00"}}, "sessions[0].ends_at"},
		{"links", []map[string]any{{"title": "x", "url": "javascript:alert(1)"}}, "links[0].url"},
		{"audience", map[string]any{"units": []string{unit(e, "西城市税务局")}}, "audience.units"},
	} {
		_, out, _ := e.Call("leader.east", "POST", "/api/gov/courses", base(c.k, c.v))
		if out["status"] != float64(400) || !strings.Contains(toJSON(out["data"]), `"`+c.field+`"`) {
			t.Errorf("%s=%v: %v, want a 400 on %s", c.k, c.v, out, c.field)
		}
	}
	e.Must(403, "staff.east.tax", "POST", "/api/gov/courses", base("title", "员工自建课程"))
	var n int
	_ = e.App.DB().NewQuery("SELECT COUNT(*) FROM courses").Row(&n)
	if n != 0 {
		t.Fatalf("refused courses were stored: %d", n)
	}
}

// newEnv is the demo app without the demo's courses and ledger, so a test
// sees only its own.
func newEnv(t testing.TB) *apptest.Env {
	t.Helper()
	e := apptest.NewEnv(t)
	for _, table := range []string{"quiz_attempts", "quizzes", "attendance", "enrollments", "course_sessions", "training_credits", "training_totals", "training_requirements", "courses"} {
		if _, err := e.App.DB().NewQuery("DELETE FROM " + table).Execute(); err != nil {
			t.Fatal(err)
		}
	}
	return e
}
