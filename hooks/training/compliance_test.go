package training_test

import (
	"bytes"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pocketbase/pocketbase/core"
	"github.com/xuri/excelize/v2"

	"govcollab/hooks/apptest"
	"govcollab/hooks/training"
)

var reqRows = []map[string]any{{"role": "leader", "hours": 110}, {"role": "staff", "hours": 90}, {"category": "政治理论", "hours": 12}}

func credit(t *testing.T, e *apptest.Env, user, cat string, hours float64) {
	t.Helper()
	err := e.App.RunInTransaction(func(tx core.App) error {
		_, err := e.G.Training.Credit(tx, training.CreditInput{User: apptest.UserID(t, user), Source: "manual", Category: cat,
			Title: "测试学时", Hours: hours, Year: 2026, EarnedAt: time.Now()})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

func rollup(out map[string]any, key string) map[string]any {
	r, _ := out[key].(map[string]any)
	return r
}

// TestCompliance: hr sets the year's rules; everyone active gets a
// standing; credits move a person from behind to met, and the city's
// rollup, its 税务局 child and a drill-down follow; who may ask what.
func TestCompliance(t *testing.T) {
	e := newEnv(t)
	for _, c := range []struct {
		user   string
		body   map[string]any
		status int
		want   string
	}{
		{"staff.east.tax", map[string]any{"year": 2026, "rows": reqRows}, 403, `"status":403`},
		{"admin.sys", map[string]any{"year": 2026, "rows": reqRows}, 403, `"status":403`},
		{"hr.prov", map[string]any{"year": 1999, "rows": reqRows}, 400, `"year":{"code":"invalid"`},
		{"hr.prov", map[string]any{"year": 2026, "rows": []map[string]any{{"category": "烹饪", "hours": 3}}}, 400, `"rows[0].category":{"code":"invalid"`},
		{"hr.prov", map[string]any{"year": 2026, "rows": []map[string]any{{"role": "staff", "hours": 9}, {"role": "staff", "hours": 8}}}, 400, `"rows[1]":{"code":"duplicate"`},
		{"hr.prov", map[string]any{"year": 2026, "rows": []map[string]any{{"role": "staff", "hours": -1}}}, 400, `"rows[0].hours":{"code":"invalid"`},
		{"hr.prov", map[string]any{"year": 2026, "rows": []map[string]any{{"role": "nobody", "hours": 1}}}, 400, `"rows[0].role":{"code":"invalid"`},
	} {
		code, _, raw := e.Call(c.user, "PUT", "/api/gov/training/requirements", c.body)
		if code != c.status || !contains(raw, c.want) {
			t.Errorf("%s PUT %v: %d %s", c.user, c.body["rows"], code, raw)
		}
	}
	if n := count(t, e, "SELECT COUNT(*) FROM training_requirements", nil); n != 0 {
		t.Fatalf("refused requests changed the rules: %d rows", n)
	}
	e.Must(200, "hr.prov", "PUT", "/api/gov/training/requirements", map[string]any{"year": 2026, "rows": reqRows})
	if _, out, _ := e.Call("staff.east.tax", "GET", "/api/gov/training/requirements?year=2026", nil); len(out["rows"].([]any)) != 3 {
		t.Errorf("rules as read: %v", out)
	}
	active := count(t, e, "SELECT COUNT(*) FROM users WHERE active = TRUE", nil)
	if n := count(t, e, "SELECT COUNT(*) FROM training_totals WHERE year = 2026", nil); n != active {
		t.Errorf("%d standings for %d active people", n, active)
	}

	east := unit(e, "东城市人民政府")
	tax := unit(e, "东城市税务局")
	city := func() map[string]any {
		return e.Must(200, "leader.east", "GET", "/api/gov/training/compliance?year=2026", nil)
	}
	before := city()
	people := rollup(before, "total")["people"].(float64)
	if want := count(t, e, "SELECT COUNT(*) FROM users u JOIN units n ON n.id = u.unit WHERE u.active = TRUE AND n.path LIKE (SELECT path FROM units WHERE id = {:id}) || '%'", map[string]any{"id": east}); int(people) != want || rollup(before, "total")["met"].(float64) != 0 {
		t.Fatalf("city before: %v (want %d people, none met)", before["total"], want)
	}
	credit(t, e, "staff.east.tax", "业务知识", 80)
	credit(t, e, "staff.east.tax", "业务知识", 10)
	if m := rollup(city(), "total")["met"].(float64); m != 0 {
		t.Errorf("90 hours without 政治理论 counted as met")
	}
	credit(t, e, "staff.east.tax", "政治理论", 12)
	me := e.Must(200, "staff.east.tax", "GET", "/api/gov/training/me?year=2026", nil)
	if need := me["need"].(map[string]any); need["hours"].(float64) != 90 || need["by_category"].(map[string]any)["政治理论"].(float64) != 12 ||
		me["met"] != true || me["hours"].(float64) != 102 {
		t.Errorf("my year: %v", me)
	}
	after := city()
	if tot := rollup(after, "total"); tot["met"].(float64) != 1 || tot["behind"].(float64) != people-1 || tot["hours"].(float64) != 102 {
		t.Errorf("city after: %v", tot)
	}
	var taxRow map[string]any
	for _, c := range after["children"].([]any) {
		if c.(map[string]any)["unit"] == tax {
			taxRow = c.(map[string]any)
		}
	}
	if taxRow == nil || taxRow["met"].(float64) != 1 || taxRow["name"] != "东城市税务局" {
		t.Errorf("税务局 row: %v", taxRow)
	}
	if by := after["by_category"].(map[string]any); by["政治理论"].(float64) != 12 || by["业务知识"].(float64) != 90 {
		t.Errorf("hours by category: %v", by)
	}
	drill := e.Must(200, "leader.east", "GET", "/api/gov/training/compliance?year=2026&unit="+tax, nil)
	if rollup(drill, "total")["met"].(float64) != 1 || rollup(drill, "own")["met"].(float64) != 1 {
		t.Errorf("drill down: %v", drill)
	}
	// a leader above sees it too; others do not
	if prov := e.Must(200, "leader.prov", "GET", "/api/gov/training/compliance?year=2026&unit="+tax, nil); rollup(prov, "total")["met"].(float64) != 1 {
		t.Errorf("province leader: %v", prov)
	}
	for _, c := range []struct {
		user, query string
		status      int
	}{
		{"leader.east", "?year=2026&unit=" + unit(e, "西城市人民政府"), 404},
		{"leader.east.tax", "?year=2026&unit=" + east, 404},
		{"staff.east.tax", "?year=2026", 404},
		{"admin.audit", "?year=2026", 403},
		{"", "?year=2026", 401},
		{"leader.east", "?year=20x6", 400},
		{"leader.east", "?unit=nosuchunit", 404},
	} {
		if code, _, raw := e.Call(c.user, "GET", "/api/gov/training/compliance"+c.query, nil); code != c.status {
			t.Errorf("%s %s: %d %s", c.user, c.query, code, raw)
		}
	}
	// the rules change: everyone's standing follows in the same request
	e.Must(200, "hr.prov", "PUT", "/api/gov/training/requirements", map[string]any{"year": 2026, "rows": []map[string]any{{"hours": 200}}})
	if m := rollup(city(), "total")["met"].(float64); m != 0 {
		t.Errorf("after raising the rule to 200 hours, %v met", m)
	}
}

func contains(raw []byte, s string) bool { return strings.Contains(string(raw), s) }

// TestStandingsFollowPeople: a new person gets a standing; one who moves,
// leaves or comes back, or whose unit moves, is counted where they are.
func TestStandingsFollowPeople(t *testing.T) {
	e := newEnv(t)
	year := time.Now().In(time.FixedZone("CST", 8*3600)).Year()
	e.Must(200, "hr.prov", "PUT", "/api/gov/training/requirements", map[string]any{"year": year, "rows": reqRows})
	ids, _ := people(t, e, 1)
	standing := func() (path string, hours float64, n int) {
		t.Helper()
		var rows []struct {
			Path  string  `db:"unit_path"`
			Hours float64 `db:"hours"`
		}
		if err := e.App.DB().NewQuery("SELECT unit_path, hours FROM training_totals WHERE user = {:u} AND year = {:y}").
			Bind(map[string]any{"u": ids[0], "y": year}).All(&rows); err != nil {
			t.Fatal(err)
		}
		if len(rows) == 1 {
			return rows[0].Path, rows[0].Hours, 1
		}
		return "", 0, len(rows)
	}
	taxPath := func(name string) string {
		u, _ := e.App.FindFirstRecordByData("units", "name", name)
		return u.GetString("path")
	}
	if p, _, n := standing(); n != 1 || p != taxPath("东城市税务局") {
		t.Fatalf("new person: %q, %d rows", p, n)
	}
	err := e.App.RunInTransaction(func(tx core.App) error {
		_, err := e.G.Training.Credit(tx, training.CreditInput{User: ids[0], Source: "manual", Category: "业务知识",
			Title: "测试学时", Hours: 7, Year: year, EarnedAt: time.Now()})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	u, _ := e.App.FindRecordById("users", ids[0])
	hr, _ := e.App.FindFirstRecordByData("units", "name", "东城市人力资源和社会保障局")
	u.Set("unit", hr.Id)
	u.Set("unit_path", hr.GetString("path"))
	if err := e.App.Save(u); err != nil {
		t.Fatal(err)
	}
	if p, h, _ := standing(); p != hr.GetString("path") || h != 7 {
		t.Errorf("moved person: %q %v", p, h)
	}
	u.Set("active", false)
	if err := e.App.Save(u); err != nil {
		t.Fatal(err)
	}
	if _, _, n := standing(); n != 0 {
		t.Errorf("deactivated person still counted")
	}
	u.Set("active", true)
	if err := e.App.Save(u); err != nil {
		t.Fatal(err)
	}
	if _, h, n := standing(); n != 1 || h != 7 {
		t.Errorf("returning person: %d rows, %v hours (want their 7)", n, h)
	}
	// the 人社局 moves under 西城市 (training_total is a policy type: the move re-paths it)
	e.Must(200, "admin.sys", "POST", "/api/gov/admin/units/"+hr.Id+"/move", map[string]string{"parent": unit(e, "西城市人民政府")})
	moved, _ := e.App.FindRecordById("units", hr.Id)
	if p, _, _ := standing(); p != moved.GetString("path") || p == hr.GetString("path") {
		t.Errorf("after the unit move: %q, unit now %q", p, moved.GetString("path"))
	}
}

// TestComplianceExport: the XLSX opens with excelize and holds the city's
// rollup and each person with their hours and standing, under Chinese
// headers; CSV too; a bad format names the field; another city is 404.
func TestComplianceExport(t *testing.T) {
	e := newEnv(t)
	e.Must(200, "hr.prov", "PUT", "/api/gov/training/requirements", map[string]any{"year": 2026, "rows": reqRows})
	credit(t, e, "staff.east.tax", "业务知识", 80)
	credit(t, e, "staff.east.tax", "政治理论", 12)
	tax := unit(e, "东城市税务局")
	code, _, raw := e.Call("leader.east", "GET", "/api/gov/training/compliance/export?year=2026", nil)
	if code != 200 {
		t.Fatalf("export: %d %s", code, raw)
	}
	f, err := excelize.OpenReader(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	units, err := f.GetRows("单位汇总")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(units[0], ",") != "单位,人数,达标人数,未达标人数,达标率,总学时,人均学时" || units[1][0] != "东城市人民政府" {
		t.Errorf("rollup sheet: %v", units[:2])
	}
	var taxRow []string
	for _, r := range units {
		if r[0] == "东城市税务局" {
			taxRow = r
		}
	}
	if len(taxRow) < 6 || taxRow[2] != "1" || taxRow[5] != "92" {
		t.Errorf("税务局 row: %v", taxRow)
	}
	people, err := f.GetRows("人员学时")
	if err != nil {
		t.Fatal(err)
	}
	var found bool
	for _, r := range people[1:] {
		if r[1] == "staff.east.tax" {
			found = true
			if r[2] != "东城市税务局" || r[4] != "92" || r[5] != "90" || r[6] != "是" || r[7] != "12" || r[9] != "80" {
				t.Errorf("person row: %v", r)
			}
		}
		if r[1] == "staff.west.tax" {
			t.Errorf("another city's person exported: %v", r)
		}
	}
	if !found || people[0][0] != "姓名" || people[0][7] != "政治理论" {
		t.Errorf("people sheet: header %v, found %v", people[0], found)
	}
	if n := count(t, e, "SELECT COUNT(*) FROM audit_log WHERE action = 'training.export'", nil); n != 1 {
		t.Errorf("%d export audit rows", n)
	}
	code, _, raw = e.Call("leader.east", "GET", "/api/gov/training/compliance/export?year=2026&format=csv&unit="+tax, nil)
	if code != 200 || !strings.Contains(string(raw), "东城市税务局") || !strings.Contains(string(raw), "staff.east.tax") {
		t.Errorf("csv: %d %s", code, raw)
	}
	if code, _, raw := e.Call("leader.east", "GET", "/api/gov/training/compliance/export?format=pdf", nil); code != 400 || !strings.Contains(string(raw), `"format"`) {
		t.Errorf("bad format: %d %s", code, raw)
	}
	if code, _, _ := e.Call("leader.east", "GET", "/api/gov/training/compliance/export?unit="+unit(e, "西城市人民政府"), nil); code != 404 {
		t.Errorf("another city: %d", code)
	}
	if code, _, _ := e.Call("admin.audit", "GET", "/api/gov/training/compliance/export", nil); code != 403 {
		t.Errorf("三员: %d", code)
	}
}

// TestStandingsList: who is behind, fewest hours first, in the subtree
// asked; met=true narrows to those who made it; others' units are 404.
func TestStandingsList(t *testing.T) {
	e := newEnv(t)
	e.Must(200, "hr.prov", "PUT", "/api/gov/training/requirements", map[string]any{"year": 2026, "rows": reqRows})
	credit(t, e, "staff.east.tax", "业务知识", 80)
	credit(t, e, "staff.east.tax", "政治理论", 12)
	credit(t, e, "staff.east.hr", "业务知识", 30)
	behind := e.Must(200, "leader.east", "GET", "/api/gov/training/compliance/people?year=2026&met=false&perPage=100", nil)
	var names []string
	var last float64 = -1
	for _, it := range behind["items"].([]any) {
		p := it.(map[string]any)
		names = append(names, p["name"].(string))
		if p["met"].(bool) || p["hours"].(float64) < last {
			t.Errorf("behind list out of order or met: %v", p)
		}
		last = p["hours"].(float64)
		if p["name"] == "卫人社" && (p["short"].(float64) != 60 || p["required"].(float64) != 90) {
			t.Errorf("卫人社: %v", p)
		}
	}
	if !slices.Contains(names, "卫人社") || slices.Contains(names, "褚税务") || slices.Contains(names, "沈税务") {
		t.Errorf("behind: %v", names)
	}
	met := e.Must(200, "leader.east", "GET", "/api/gov/training/compliance/people?year=2026&met=true", nil)
	if met["totalItems"].(float64) != 1 || met["items"].([]any)[0].(map[string]any)["name"] != "褚税务" {
		t.Errorf("met: %v", met)
	}
	for _, c := range []struct {
		user, q string
		status  int
	}{
		{"leader.east", "?unit=" + unit(e, "西城市人民政府"), 404},
		{"staff.east.tax", "", 404},
		{"admin.sec", "", 403},
		{"leader.east", "?met=maybe", 400},
	} {
		if code, _, raw := e.Call(c.user, "GET", "/api/gov/training/compliance/people"+c.q, nil); code != c.status {
			t.Errorf("%s %s: %d %s", c.user, c.q, code, raw)
		}
	}
}

// TestRemind: those behind in the subtree are told what they lack and the
// weeks left; those who made it, and other cities, are not; a year that is
// over cannot be reminded of.
func TestRemind(t *testing.T) {
	e := newEnv(t)
	e.G.Training.SetClock(func() time.Time { return time.Date(2026, 11, 30, 4, 0, 0, 0, time.UTC) })
	e.Must(200, "hr.prov", "PUT", "/api/gov/training/requirements", map[string]any{"year": 2026, "rows": reqRows})
	credit(t, e, "staff.east.tax", "业务知识", 80)
	credit(t, e, "staff.east.tax", "政治理论", 12)
	credit(t, e, "staff.east.hr", "业务知识", 30)
	behind := count(t, e, "SELECT COUNT(*) FROM training_totals t JOIN units n ON n.id = {:east} WHERE t.year = 2026 AND t.met = FALSE AND t.unit_path LIKE n.path || '%'",
		map[string]any{"east": unit(e, "东城市人民政府")})
	out := e.Must(200, "leader.east", "POST", "/api/gov/training/compliance/remind?year=2026", nil)
	if out["reminded"].(float64) != float64(behind) || behind == 0 || out["weeks_left"].(float64) != 5 {
		t.Errorf("reminded %v of %d behind, weeks %v", out["reminded"], behind, out["weeks_left"])
	}
	body := func(user string) string {
		var b []string
		if err := e.App.DB().NewQuery("SELECT body FROM notifications WHERE user = {:u} AND kind = 'training.behind'").
			Bind(map[string]any{"u": apptest.UserID(t, user)}).Column(&b); err != nil {
			t.Fatal(err)
		}
		return strings.Join(b, "|")
	}
	if b := body("staff.east.hr"); !strings.Contains(b, "尚差 60.0 学时") || !strings.Contains(b, "还有 5 周") {
		t.Errorf("staff.east.hr told: %q", b)
	}
	if b := body("staff.east.tax"); b != "" {
		t.Errorf("someone who made it was reminded: %q", b)
	}
	if b := body("staff.west.tax"); b != "" {
		t.Errorf("another city was reminded: %q", b)
	}
	for _, c := range []struct {
		user, q string
		status  int
	}{
		{"leader.east", "?year=2025", 409},
		{"leader.east", "?year=2026&unit=" + unit(e, "西城市人民政府"), 404},
		{"staff.east.tax", "?year=2026", 404},
		{"admin.sys", "?year=2026", 403},
	} {
		if code, _, raw := e.Call(c.user, "POST", "/api/gov/training/compliance/remind"+c.q, nil); code != c.status {
			t.Errorf("%s %s: %d %s", c.user, c.q, code, raw)
		}
	}
}
