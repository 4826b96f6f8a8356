package training_test

import (
	"strings"
	"testing"

	"github.com/pocketbase/dbx"

	"govcollab/hooks/apptest"
)

// TestCourseEdit: its managers change the fields given; 400 names a bad
// field and changes nothing; capacity not below the enrolled, a raise
// moves the waitlist up in order; sessions fixed once attended.
func TestCourseEdit(t *testing.T) {
	e := newEnv(t)
	id := course(e, map[string]any{"capacity": 1})
	path := "/api/gov/courses/" + id
	e.Must(403, "staff.east.tax", "PATCH", path, map[string]any{"title": "改名"})
	e.Must(404, "leader.west", "PATCH", path, map[string]any{"title": "改名"})
	e.Must(403, "admin.sys", "PATCH", path, map[string]any{"title": "改名"})
	if out := e.Must(400, "leader.east", "PATCH", path, map[string]any{"title": "改名", "links": []map[string]any{{"title": "x", "url": "ftp://a"}}}); !strings.Contains(toJSON(out["data"]), "links[0].url") {
		t.Fatalf("bad link: %v", out)
	}
	if out := e.Must(400, "leader.east", "PATCH", path, map[string]any{"audience": map[string]any{"units": []string{unit(e, "西城市人民政府")}}}); !strings.Contains(toJSON(out["data"]), "audience") {
		t.Fatalf("audience out of reach: %v", out)
	}
	out := e.Must(200, "leader.east", "PATCH", path, map[string]any{"title": "数字政府建设专题培训（第二期）", "hours": 6})
	if out["title"] != "数字政府建设专题培训（第二期）" || out["hours"] != float64(6) || out["category"] != "信息技术" || len(out["sessions"].([]any)) != 2 {
		t.Fatalf("after the edit: %v", out)
	}
	// three enrol into one place: one enrolled, two waitlisted
	for _, who := range []string{"staff.east.tax", "staff.east.hr", "staff.east.county1"} {
		e.Must(200, who, "POST", path+"/enroll", nil)
	}
	e.Must(400, "leader.east", "PATCH", path, map[string]any{"capacity": 0.5})
	out = e.Must(200, "leader.east", "PATCH", path, map[string]any{"capacity": 2})
	if out["enrolled"] != float64(2) || out["waitlisted"] != float64(1) {
		t.Fatalf("after raising the capacity: %v", out)
	}
	if count(t, e, "SELECT COUNT(*) FROM enrollments e JOIN users u ON u.id = e.user WHERE e.course = {:c} AND u.username = 'staff.east.hr' AND e.status = 'enrolled'",
		dbx.Params{"c": id}) != 1 {
		t.Fatal("the first of the waitlist did not move up")
	}
	if out := e.Must(400, "leader.east", "PATCH", path, map[string]any{"capacity": 1}); !strings.Contains(toJSON(out["data"]), "capacity") {
		t.Fatalf("capacity below the enrolled: %v", out)
	}
	one := []map[string]any{{"starts_at": "2030-03-01 09:00", "ends_at": "2030-03-01 12:00"}}
	if out = e.Must(200, "leader.east", "PATCH", path, map[string]any{"sessions": one}); len(out["sessions"].([]any)) != 1 ||
		toJSON(out["sessions"].([]any)[0].(map[string]any)["place"]) != `""` {
		t.Fatalf("sessions replaced whole: %v", out["sessions"])
	}
	s := sessionIDs(t, e, id)
	e.Must(200, "leader.east", "POST", path+"/attendance", map[string]any{"session": s[0], "user": apptest.UserID(t, "staff.east.tax"), "present": true, "reason": "纸质签到补录"})
	e.Must(409, "leader.east", "PATCH", path, map[string]any{"sessions": one})
	if sessionIDs(t, e, id)[0] != s[0] {
		t.Fatal("a refused edit changed the sessions")
	}
}
