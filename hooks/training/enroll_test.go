package training_test

import (
	"fmt"
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"govcollab/hooks/apptest"
)

func count(t *testing.T, e *apptest.Env, q string, p dbx.Params) int {
	t.Helper()
	var n int
	if err := e.App.DB().NewQuery(q).Bind(p).Row(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// addUser adds an active user of the named unit with roles and returns
// their id and a session token.
func addUser(t *testing.T, e *apptest.Env, username, unitName string, roles ...string) (id, token string) {
	t.Helper()
	u, err := e.App.FindFirstRecordByData("units", "name", unitName)
	if err != nil {
		t.Fatal(err)
	}
	col, _ := e.App.FindCachedCollectionByNameOrId("users")
	r := core.NewRecord(col)
	r.Load(map[string]any{"username": username, "name": username, "unit": u.Id, "unit_path": u.GetString("path"),
		"roles": roles, "active": true, "demo": true})
	r.SetPassword("Demo-2026-gov-test")
	if err := e.App.Save(r); err != nil {
		t.Fatal(err)
	}
	tok, _, err := e.G.Sessions.Issue(e.App, r, nil, "")
	if err != nil {
		t.Fatal(err)
	}
	e.G.Authz.Invalidate()
	return r.Id, tok
}

// people adds n active staff of 东城市税务局 with tokens.
func people(t *testing.T, e *apptest.Env, n int) (ids, tokens []string) {
	for i := range n {
		id, tok := addUser(t, e, fmt.Sprintf("learner%02d", i), "东城市税务局", "staff")
		ids, tokens = append(ids, id), append(tokens, tok)
	}
	return ids, tokens
}

// TestEnrollWaitlist: 50 people enrolling at once into 10 places leave 10
// enrolled and 40 waitlisted in positions 1..40; a cancellation moves the
// first of the waitlist up and tells them.
func TestEnrollWaitlist(t *testing.T) {
	e := newEnv(t)
	id := course(e, map[string]any{"capacity": 10})
	ids, tokens := people(t, e, 50)
	var wg sync.WaitGroup
	codes := make([]int, len(tokens))
	for i, tok := range tokens {
		wg.Go(func() {
			code, _, _ := e.CallToken(tok, "POST", "/api/gov/courses/"+id+"/enroll", nil)
			codes[i] = code
		})
	}
	wg.Wait()
	for i, c := range codes {
		if c != 200 {
			t.Fatalf("enrolment %d: %d", i, c)
		}
	}
	p := dbx.Params{"c": id}
	if n := count(t, e, "SELECT COUNT(*) FROM enrollments WHERE course = {:c} AND status = 'enrolled'", p); n != 10 {
		t.Fatalf("%d enrolled, want 10", n)
	}
	var pos []int
	if err := e.App.DB().NewQuery("SELECT waitlist_pos FROM enrollments WHERE course = {:c} AND status = 'waitlisted' ORDER BY waitlist_pos").
		Bind(p).Column(&pos); err != nil {
		t.Fatal(err)
	}
	if len(pos) != 40 || pos[0] != 1 || pos[39] != 40 || slices.Compact(slices.Clone(pos))[39] != 40 {
		t.Fatalf("waitlist positions %v", pos)
	}
	if count(t, e, "SELECT COUNT(*) FROM courses WHERE id = {:c} AND enrolled = 10 AND waitlisted = 40", p) != 1 {
		t.Fatal("the course's counts are off")
	}
	// one of the enrolled cancels: the first waitlisted moves up
	var enrolled, first string
	_ = e.App.DB().NewQuery("SELECT user FROM enrollments WHERE course = {:c} AND status = 'enrolled' LIMIT 1").Bind(p).Row(&enrolled)
	_ = e.App.DB().NewQuery("SELECT user FROM enrollments WHERE course = {:c} AND waitlist_pos = 1").Bind(p).Row(&first)
	i := slices.Index(ids, enrolled)
	if code, _, raw := e.CallToken(tokens[i], "POST", "/api/gov/courses/"+id+"/cancel", nil); code != 200 {
		t.Fatalf("cancel: %d %s", code, raw)
	}
	if count(t, e, "SELECT COUNT(*) FROM enrollments WHERE course = {:c} AND user = {:u} AND status = 'enrolled'", dbx.Params{"c": id, "u": first}) != 1 ||
		count(t, e, "SELECT COUNT(*) FROM notifications WHERE user = {:u} AND kind = 'course.promoted'", dbx.Params{"u": first}) != 1 {
		t.Fatal("the first of the waitlist did not move up, or was not told")
	}
	if count(t, e, "SELECT COUNT(*) FROM courses WHERE id = {:c} AND enrolled = 10 AND waitlisted = 39", p) != 1 {
		t.Fatal("the counts after the cancellation are off")
	}
}

// TestEnrollRules: outside the audience 403, before and after the window
// 409, a leader enrols their people but not another city's, past the
// cancellation deadline one's own cancel is refused.
func TestEnrollRules(t *testing.T) {
	e := newEnv(t)
	open := course(e, map[string]any{"cancel_until": time.Now().Add(-time.Hour).Format(time.RFC3339)})
	e.Must(404, "staff.west.tax", "POST", "/api/gov/courses/"+open+"/enroll", nil) // not even visible
	later := course(e, map[string]any{"title": "明年的课程", "enroll_from": time.Now().Add(48 * time.Hour).Format(time.RFC3339)})
	e.Must(409, "staff.east.tax", "POST", "/api/gov/courses/"+later+"/enroll", nil)
	staffOnly := course(e, map[string]any{"title": "一般干部专题", "audience": map[string]any{
		"units": []map[string]any{{"id": unit(e, "东城市人民政府"), "subtree": true}}, "roles": []string{"staff"}}})
	// leader.east keeps the course (sees it) but it is not offered to them
	out := e.Must(http.StatusForbidden, "leader.east", "POST", "/api/gov/courses/"+staffOnly+"/enroll", nil)
	if out["code"] != "not_audience" {
		t.Fatalf("enrolling outside the audience: %v", out)
	}
	e.Must(200, "leader.east", "POST", "/api/gov/courses/"+open+"/enroll", map[string]any{"users": []string{apptest.UserID(t, "staff.east.tax")}})
	if count(t, e, "SELECT COUNT(*) FROM notifications WHERE user = {:u} AND kind = 'course.assigned' AND title LIKE '已为您报名%' AND link = {:l}",
		dbx.Params{"u": apptest.UserID(t, "staff.east.tax"), "l": "#/training/" + open}) != 1 {
		t.Fatal("the person enrolled by their leader was not told")
	}
	out = e.Must(400, "leader.east", "POST", "/api/gov/courses/"+open+"/enroll", map[string]any{"users": []string{apptest.UserID(t, "staff.west.tax")}})
	if toJSON(out["data"]) == "{}" {
		t.Fatalf("refusal names no field: %v", out)
	}
	e.Must(409, "staff.east.tax", "POST", "/api/gov/courses/"+open+"/cancel", nil)
	e.Must(200, "leader.east", "POST", "/api/gov/courses/"+open+"/cancel", map[string]any{"users": []string{apptest.UserID(t, "staff.east.tax")}, "reason": "工作冲突"})
}
