package training_test

import (
	"testing"

	"govcollab/hooks/apptest"
)

// TestDemoSeed: the demo has a course of each category for 东城市 with a
// quiz and answer sheets (some waiting for grading), hours in the ledger
// for some, others behind, a full course with a waitlist; what a person
// sees is theirs.
func TestDemoSeed(t *testing.T) {
	e := apptest.NewEnv(t)
	var courses, credits, behind, waitlisted int
	_ = e.App.DB().NewQuery("SELECT COUNT(DISTINCT category) FROM courses WHERE status = 'published'").Row(&courses)
	_ = e.App.DB().NewQuery("SELECT COUNT(*) FROM training_credits WHERE status = 'approved'").Row(&credits)
	_ = e.App.DB().NewQuery(`SELECT COUNT(*) FROM users JOIN units ON units.id = users.unit WHERE units.name LIKE '东城市%'
		AND users.id NOT IN (SELECT user FROM training_totals WHERE hours >= 20)`).Row(&behind)
	_ = e.App.DB().NewQuery("SELECT COUNT(*) FROM enrollments WHERE status = 'waitlisted'").Row(&waitlisted)
	if courses != 6 || credits == 0 || behind == 0 || waitlisted == 0 {
		t.Fatalf("demo: %d categories, %d credits, %d behind, %d waitlisted", courses, credits, behind, waitlisted)
	}
	// quiz results: every course has a quiz; sheets passed, failed and
	// waiting for the trainer; no course credit without a passed sheet
	var quizzes, passed, failed, waiting, unearned int
	_ = e.App.DB().NewQuery("SELECT COUNT(*) FROM quizzes").Row(&quizzes)
	_ = e.App.DB().NewQuery("SELECT COUNT(*) FROM quiz_attempts WHERE status = 'graded' AND passed").Row(&passed)
	_ = e.App.DB().NewQuery("SELECT COUNT(*) FROM quiz_attempts WHERE status = 'graded' AND NOT passed").Row(&failed)
	_ = e.App.DB().NewQuery("SELECT COUNT(*) FROM quiz_attempts WHERE status = 'submitted'").Row(&waiting)
	_ = e.App.DB().NewQuery(`SELECT COUNT(*) FROM training_credits c WHERE c.source = 'course' AND c.status = 'approved'
		AND NOT EXISTS (SELECT 1 FROM quiz_attempts a WHERE a.course = c.course AND a.user = c.user AND a.passed)`).Row(&unearned)
	if quizzes != 6 || passed == 0 || failed == 0 || waiting == 0 || unearned != 0 {
		t.Fatalf("demo quizzes %d: %d passed, %d failed, %d waiting; %d credits without a pass", quizzes, passed, failed, waiting, unearned)
	}
	me := e.Must(200, "staff.east.tax", "GET", "/api/gov/training/me", nil)
	led := e.Must(200, "staff.east.tax", "GET", "/api/gov/training/ledger", nil)
	var sum float64
	for _, it := range led["items"].([]any) {
		r := it.(map[string]any)
		if r["status"] == "approved" {
			sum += r["hours"].(float64)
		}
	}
	if me["hours"] != sum {
		t.Fatalf("my year %v, my ledger sums to %v", me["hours"], sum)
	}
	if c := e.Must(200, "staff.west.tax", "GET", "/api/gov/courses", nil); c["totalItems"] != float64(0) {
		t.Fatalf("西城市 staff see 东城市's courses: %v", c["totalItems"])
	}
}
