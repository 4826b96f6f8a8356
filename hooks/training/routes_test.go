package training_test

import (
	"testing"

	"govcollab/hooks/apptest"
)

// TestTrainingRoutes: the catalog, enrolment, check-in, attendance,
// ledger, requirements, compliance and certificate routes as one table —
// allowed, denied, another city, 三员, nobody, bad input naming its
// field — on the demo province plus the route table's course.
func TestTrainingRoutes(t *testing.T) {
	c := "/api/gov/courses/" + rtCourse
	staff, west := apptest.UserID(t, "staff.east.tax"), apptest.UserID(t, "staff.west.tax")
	app := apptest.Factory(t) // unit ids are the same in every clone
	eastTax := apptest.UnitID(t, app, "东城市税务局")
	app.Cleanup()
	course := map[string]any{"title": "", "category": "业务知识", "mode": "面授", "hours": 2,
		"sessions": []map[string]any{{"starts_at": "2030-01-01 09:00", "ends_at": "2030-01-01 11:00"}}}
	rows := []trRoute{
		{name: "catalog: learner", method: "GET", url: "/api/gov/courses", user: "staff.east.tax", status: 200, want: []string{"路由测试课程"}},
		{name: "catalog: another city", method: "GET", url: "/api/gov/courses", user: "staff.west.tax", status: 200, notWant: []string{"路由测试课程"}},
		{name: "catalog: 三员", method: "GET", url: "/api/gov/courses", user: "admin.sys", status: 403},
		{name: "catalog: nobody", method: "GET", url: "/api/gov/courses", status: 401},
		{name: "create: staff", method: "POST", url: "/api/gov/courses", user: "staff.east.tax", body: course, status: 403},
		{name: "create: no title", method: "POST", url: "/api/gov/courses", user: "leader.east", body: course, status: 400, want: fieldErr("title")},
		{name: "view: learner", method: "GET", url: c, user: "staff.east.tax", status: 200, want: []string{`"requires_pass":true`, `"my_enrollment":"enrolled"`}},
		{name: "view: another city", method: "GET", url: c, user: "staff.west.tax", status: 404},
		{name: "enroll: in the audience", method: "POST", url: c + "/enroll", user: "staff.east.hr", status: 200, want: []string{`"my_enrollment":"enrolled"`}},
		{name: "enroll: another city", method: "POST", url: c + "/enroll", user: "staff.west.tax", status: 404},
		{name: "enroll: someone out of reach", method: "POST", url: c + "/enroll", user: "leader.east", body: map[string]any{"users": []string{west}},
			status: 400, want: fieldErr("users")},
		{name: "enroll: staff for others", method: "POST", url: c + "/enroll", user: "staff.east.hr", body: map[string]any{"users": []string{staff}},
			status: 403},
		{name: "cancel: one's own", method: "POST", url: c + "/cancel", user: "staff.east.tax", body: map[string]any{"reason": "工作冲突"}, status: 200,
			want: []string{`"my_enrollment":"cancelled"`}},
		{name: "checkin-code: trainer", method: "POST", url: c + "/sessions/" + rtSession + "/checkin-code", user: "leader.east",
			body: map[string]any{"minutes": 10}, status: 200, want: []string{`"code":"`, `"link":"#/checkin?`}},
		{name: "checkin-code: too long", method: "POST", url: c + "/sessions/" + rtSession + "/checkin-code", user: "leader.east",
			body: map[string]any{"minutes": 999}, status: 400, want: fieldErr("minutes")},
		{name: "checkin-code: learner", method: "POST", url: c + "/sessions/" + rtSession + "/checkin-code", user: "staff.east.tax",
			body: map[string]any{"minutes": 10}, status: 403},
		{name: "checkin: no code", method: "POST", url: c + "/checkin", user: "staff.east.tax", body: map[string]any{}, status: 400, want: fieldErr("code")},
		{name: "checkin: not enrolled", method: "POST", url: c + "/checkin", user: "staff.east.hr", body: map[string]any{"code": "123456"}, status: 409},
		{name: "checkin: another city", method: "POST", url: c + "/checkin", user: "staff.west.tax", body: map[string]any{"code": "123456"}, status: 404},
		{name: "attendance: no reason", method: "POST", url: c + "/attendance", user: "leader.east",
			body: map[string]any{"session": rtSession, "user": staff, "present": true}, status: 400, want: fieldErr("reason")},
		{name: "attendance: trainer", method: "POST", url: c + "/attendance", user: "leader.east",
			body: map[string]any{"session": rtSession, "user": staff, "present": true, "reason": "签到设备故障，人工补录"}, status: 200,
			want: []string{`"can_manage":true`}},
		{name: "attendance: learner", method: "POST", url: c + "/attendance", user: "staff.east.tax",
			body: map[string]any{"session": rtSession, "user": staff, "present": true, "reason": "x"}, status: 403},
		{name: "attendance: another city", method: "POST", url: c + "/attendance", user: "leader.west",
			body: map[string]any{"session": rtSession, "user": staff, "present": true, "reason": "x"}, status: 404},
		{name: "ledger: one's own", method: "GET", url: "/api/gov/training/ledger", user: "staff.east.tax", status: 200,
			want: []string{"褚税务"}, notWant: []string{"卫人社"}},
		{name: "ledger: the city's leader", method: "GET", url: "/api/gov/training/ledger?user=" + staff, user: "leader.east", status: 200, want: []string{"褚税务"}},
		{name: "ledger: another city's leader", method: "GET", url: "/api/gov/training/ledger?user=" + staff, user: "leader.west", status: 200,
			want: []string{`"totalItems":0`}},
		{name: "ledger: a colleague", method: "GET", url: "/api/gov/training/ledger?user=" + staff, user: "staff.east.hr", status: 200,
			want: []string{`"totalItems":0`}},
		{name: "ledger: bad year", method: "GET", url: "/api/gov/training/ledger?year=abc", user: "staff.east.tax", status: 400, want: fieldErr("year")},
		{name: "ledger: 三员", method: "GET", url: "/api/gov/training/ledger", user: "admin.audit", status: 403},
		{name: "me: learner", method: "GET", url: "/api/gov/training/me", user: "staff.east.tax", status: 200, want: []string{`"need":{`, `"weeks_left":`}},
		{name: "requirements: anyone reads", method: "GET", url: "/api/gov/training/requirements", user: "staff.east.tax", status: 200, want: []string{`"hours":90`}},
		{name: "requirements: staff set", method: "PUT", url: "/api/gov/training/requirements", user: "staff.east.tax",
			body: map[string]any{"rows": []map[string]any{{"hours": 10}}}, status: 403},
		{name: "requirements: bad row", method: "PUT", url: "/api/gov/training/requirements", user: "hr.prov",
			body: map[string]any{"year": 2026, "rows": []map[string]any{{"hours": 2000}}}, status: 400, want: fieldErr("rows[0].hours")},
		{name: "requirements: 三员", method: "PUT", url: "/api/gov/training/requirements", user: "admin.sec",
			body: map[string]any{"rows": []map[string]any{{"hours": 10}}}, status: 403},
		{name: "compliance: the city's leader", method: "GET", url: "/api/gov/training/compliance", user: "leader.east", status: 200,
			want: []string{"东城市税务局"}, notWant: []string{"西城市"}},
		{name: "compliance: staff", method: "GET", url: "/api/gov/training/compliance", user: "staff.east.tax", status: 404},
		{name: "compliance: another city's unit", method: "GET", url: "/api/gov/training/compliance?unit=" + eastTax,
			user: "leader.west", status: 404},
		{name: "compliance: 三员", method: "GET", url: "/api/gov/training/compliance", user: "admin.audit", status: 403},
		{name: "behind: the city's leader", method: "GET", url: "/api/gov/training/compliance/people?met=false", user: "leader.east", status: 200,
			want: []string{`"short":`}, notWant: []string{"西城市"}},
		{name: "behind: staff", method: "GET", url: "/api/gov/training/compliance/people", user: "staff.east.tax", status: 404},
		{name: "remind: the city's leader", method: "POST", url: "/api/gov/training/compliance/remind", user: "leader.east", status: 200,
			want: []string{`"reminded":`}},
		{name: "remind: staff", method: "POST", url: "/api/gov/training/compliance/remind", user: "staff.east.tax", status: 404},
		{name: "export: csv", method: "GET", url: "/api/gov/training/compliance/export?format=csv", user: "leader.east", status: 200,
			want: []string{"单位", "东城市税务局"}},
		{name: "export: bad format", method: "GET", url: "/api/gov/training/compliance/export?format=pdf", user: "leader.east", status: 400,
			want: fieldErr("format")},
		{name: "export: staff", method: "GET", url: "/api/gov/training/compliance/export?format=csv", user: "staff.east.tax", status: 404},
		{name: "certificate: no title", method: "POST", url: "/api/gov/training/certificates", user: "staff.east.tax",
			body: map[string]any{"issuer": "党校", "hours": 4, "category": "业务知识"}, status: 400, want: fieldErr("title")},
		{name: "certificate: 三员", method: "POST", url: "/api/gov/training/certificates", user: "admin.sys",
			body: map[string]any{"title": "x", "issuer": "党校", "hours": 4, "category": "业务知识"}, status: 403},
		{name: "certificate: approve unknown", method: "POST", url: "/api/gov/training/certificates/nocredit000001/approve", user: "hr.prov",
			body: map[string]any{}, status: 404},
	}
	for _, r := range rows {
		sc := r.scenario(t)
		sc.Test(t)
	}
}
