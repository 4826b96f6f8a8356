package training_test

import (
	"strings"
	"testing"
	"time"

	"github.com/pocketbase/dbx"

	"govcollab/hooks/apptest"
)

func sessionIDs(t *testing.T, e *apptest.Env, course string) []string {
	var ids []string
	if err := e.App.DB().NewQuery("SELECT id FROM course_sessions WHERE course = {:c} ORDER BY seq").Bind(dbx.Params{"c": course}).Column(&ids); err != nil {
		t.Fatal(err)
	}
	return ids
}

// TestCheckinToLedger: check-in by code and by QR token, once per session;
// a wrong code is a 400 and an expired one a 409; attending every session
// credits the hours in the ledger and the person's year; a correction with
// a reason (audited) takes them back; the ledger shows a person's credits
// to them and their leaders only.
func TestCheckinToLedger(t *testing.T) {
	e := newEnv(t)
	id := course(e, nil)
	s := sessionIDs(t, e, id)
	staff := apptest.UserID(t, "staff.east.tax")
	e.Must(409, "staff.east.tax", "POST", "/api/gov/courses/"+id+"/checkin", map[string]any{"code": "000000"}) // not enrolled
	e.Must(200, "staff.east.tax", "POST", "/api/gov/courses/"+id+"/enroll", nil)
	e.Must(403, "staff.east.tax", "POST", "/api/gov/courses/"+id+"/sessions/"+s[0]+"/checkin-code", nil)
	c1 := e.Must(200, "leader.east", "POST", "/api/gov/courses/"+id+"/sessions/"+s[0]+"/checkin-code", map[string]any{"minutes": 10})
	code := c1["code"].(string)
	if len(code) != 6 || !strings.Contains(c1["link"].(string), c1["token"].(string)) {
		t.Fatalf("check-in code: %v", c1)
	}
	wrong := "000000"
	if code == wrong {
		wrong = "111111"
	}
	e.Must(400, "staff.east.tax", "POST", "/api/gov/courses/"+id+"/checkin", map[string]any{"code": wrong})
	out := e.Must(200, "staff.east.tax", "POST", "/api/gov/courses/"+id+"/checkin", map[string]any{"code": code})
	if !out["sessions"].([]any)[0].(map[string]any)["attended"].(bool) || out["credited"].(bool) {
		t.Fatalf("after the first session: %v", out)
	}
	e.Must(409, "staff.east.tax", "POST", "/api/gov/courses/"+id+"/checkin", map[string]any{"code": code})

	// the second session: a code that has run out, then the QR token
	clock := time.Now()
	e.G.Training.SetClock(func() time.Time { return clock })
	c2 := e.Must(200, "leader.east", "POST", "/api/gov/courses/"+id+"/sessions/"+s[1]+"/checkin-code", map[string]any{"minutes": 5})
	clock = clock.Add(6 * time.Minute)
	e.Must(409, "staff.east.tax", "POST", "/api/gov/courses/"+id+"/checkin", map[string]any{"token": c2["token"]})
	c2 = e.Must(200, "leader.east", "POST", "/api/gov/courses/"+id+"/sessions/"+s[1]+"/checkin-code", nil)
	out = e.Must(200, "staff.east.tax", "POST", "/api/gov/courses/"+id+"/checkin", map[string]any{"token": c2["token"]})
	if !out["credited"].(bool) {
		t.Fatalf("all sessions attended but not credited: %v", out)
	}
	year := e.Must(200, "staff.east.tax", "GET", "/api/gov/training/me", nil)
	if year["hours"] != float64(8) || year["by_category"].(map[string]any)["信息技术"] != float64(8) {
		t.Fatalf("my year: %v", year)
	}
	// the ledger: the person, their leaders; not another city, not 三员
	for _, who := range []string{"staff.east.tax", "leader.east.tax", "leader.east"} {
		l := e.Must(200, who, "GET", "/api/gov/training/ledger?user="+staff, nil)
		if l["totalItems"] != float64(1) || !strings.Contains(toJSON(l), "数字政府建设专题培训") {
			t.Fatalf("%s's ledger view: %v", who, l)
		}
	}
	if l := e.Must(200, "staff.west.tax", "GET", "/api/gov/training/ledger?user="+staff, nil); l["totalItems"] != float64(0) {
		t.Fatalf("another city sees the ledger: %v", l)
	}
	e.Must(403, "admin.sys", "GET", "/api/gov/training/ledger", nil)
	e.Must(400, "staff.east.tax", "GET", "/api/gov/training/ledger?year=abc", nil)

	// a correction: absent from the second session after all
	e.Must(400, "leader.east", "POST", "/api/gov/courses/"+id+"/attendance", map[string]any{"session": s[1], "user": staff, "present": false})
	e.Must(403, "staff.east.tax", "POST", "/api/gov/courses/"+id+"/attendance", map[string]any{"session": s[1], "user": staff, "present": false, "reason": "x"})
	out = e.Must(200, "leader.east", "POST", "/api/gov/courses/"+id+"/attendance", map[string]any{"session": s[1], "user": staff,
		"present": false, "reason": "当日请假，误签到"})
	if out["sessions"].([]any)[1].(map[string]any)["attended"] == true || out["can_manage"] != true {
		t.Fatalf("the trainer's view after the correction: %v", out)
	}
	if year = e.Must(200, "staff.east.tax", "GET", "/api/gov/training/me", nil); year["hours"] != float64(0) {
		t.Fatalf("hours after the correction: %v", year)
	}
	var n int
	_ = e.App.DB().NewQuery("SELECT COUNT(*) FROM audit_log WHERE action = 'course.attendance' AND after LIKE '%误签到%' AND before LIKE '%true%'").Row(&n)
	if n != 1 {
		t.Fatal("the correction is not on the audit trail with before and after")
	}
	// present again: the credit comes back once, not twice
	e.Must(200, "leader.east", "POST", "/api/gov/courses/"+id+"/attendance", map[string]any{"session": s[1], "user": staff, "present": true, "reason": "补假条后更正"})
	if year = e.Must(200, "staff.east.tax", "GET", "/api/gov/training/me", nil); year["hours"] != float64(8) {
		t.Fatalf("hours after the second correction: %v", year)
	}
	_ = e.App.DB().NewQuery("SELECT COUNT(*) FROM training_credits WHERE user = {:u}").Bind(dbx.Params{"u": staff}).Row(&n)
	if n != 1 {
		t.Fatalf("%d credit rows, want 1", n)
	}
}

// TestCheckinGuessing: five wrong codes within ten minutes and the person
// is refused (429), even with the right code, until the window passes.
func TestCheckinGuessing(t *testing.T) {
	e := newEnv(t)
	id := course(e, nil)
	s := sessionIDs(t, e, id)
	clock := time.Now()
	e.G.Training.SetClock(func() time.Time { return clock })
	e.Must(200, "staff.east.tax", "POST", "/api/gov/courses/"+id+"/enroll", nil)
	c := e.Must(200, "leader.east", "POST", "/api/gov/courses/"+id+"/sessions/"+s[0]+"/checkin-code", map[string]any{"minutes": 60})
	code := c["code"].(string)
	wrong := "123456"
	if code == wrong {
		wrong = "654321"
	}
	for range 5 {
		e.Must(400, "staff.east.tax", "POST", "/api/gov/courses/"+id+"/checkin", map[string]any{"code": wrong})
	}
	e.Must(429, "staff.east.tax", "POST", "/api/gov/courses/"+id+"/checkin", map[string]any{"code": code})
	clock = clock.Add(11 * time.Minute)
	e.Must(200, "staff.east.tax", "POST", "/api/gov/courses/"+id+"/checkin", map[string]any{"code": code})
}
