package training_test

import (
	"strings"
	"testing"

	"github.com/pocketbase/dbx"

	"govcollab/hooks/apptest"
)

// TestCourseStatus: a draft is its keepers' until published; only those
// who manage it move it on, along the allowed moves; a cancellation needs
// a reason and tells the enrolled.
func TestCourseStatus(t *testing.T) {
	e := newEnv(t)
	id := course(e, map[string]any{"publish": false})
	path := "/api/gov/courses/" + id + "/status"
	e.Must(404, "staff.east.tax", "POST", path, map[string]any{"status": "published"}) // a draft is not shown to the audience
	e.Must(404, "leader.west", "POST", path, map[string]any{"status": "published"})
	e.Must(403, "admin.sys", "POST", path, map[string]any{"status": "published"})
	if out := e.Must(400, "leader.east", "POST", path, map[string]any{"status": "open"}); !strings.Contains(toJSON(out["data"]), "status") {
		t.Fatalf("bad status: %v", out)
	}
	e.Must(409, "leader.east", "POST", path, map[string]any{"status": "closed"})
	if out := e.Must(200, "leader.east", "POST", path, map[string]any{"status": "published"}); out["status"] != "published" {
		t.Fatalf("published: %v", out)
	}
	e.Must(403, "staff.east.tax", "POST", path, map[string]any{"status": "closed"})
	e.Must(200, "staff.east.tax", "POST", "/api/gov/courses/"+id+"/enroll", nil)
	if out := e.Must(400, "leader.east", "POST", path, map[string]any{"status": "cancelled"}); !strings.Contains(toJSON(out["data"]), "reason") {
		t.Fatalf("cancel without reason: %v", out)
	}
	e.Must(200, "leader.east", "POST", path, map[string]any{"status": "cancelled", "reason": "授课专家临时出差"})
	if count(t, e, "SELECT COUNT(*) FROM notifications WHERE user = {:u} AND kind = 'course.cancelled' AND body LIKE '%出差%'",
		dbx.Params{"u": apptest.UserID(t, "staff.east.tax")}) != 1 {
		t.Fatal("the enrolled were not told of the cancellation")
	}
	e.Must(409, "leader.east", "POST", path, map[string]any{"status": "published"})
	e.Must(409, "staff.east.tax", "POST", "/api/gov/courses/"+id+"/enroll", nil)
}
