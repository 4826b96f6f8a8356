package training_test

import (
	"strings"
	"testing"

	"github.com/pocketbase/pocketbase/core"

	"govcollab/hooks/apptest"
)

// pendingFile adds a pending upload of user (as POST /api/gov/files leaves it).
func pendingFile(t *testing.T, e *apptest.Env, user, name string) string {
	col, _ := e.App.FindCachedCollectionByNameOrId("files")
	r := core.NewRecord(col)
	r.Load(map[string]any{"name": name, "ext": "pdf", "mime": "application/pdf", "size": 4, "sha256": strings.Repeat("a", 64),
		"key": "test/" + name, "uploader": apptest.UserID(t, user)})
	if err := e.App.Save(r); err != nil {
		t.Fatal(err)
	}
	return r.Id
}

// TestCourseMaterials: a course's files are shown on its page and
// downloaded by those who may see the course, nobody else; someone else's
// upload is refused with the field named.
func TestCourseMaterials(t *testing.T) {
	e := newEnv(t)
	other := pendingFile(t, e, "staff.east.tax", "别人的.pdf")
	out := e.Must(400, "leader.east", "POST", "/api/gov/courses", map[string]any{"title": "x", "category": "信息技术", "mode": "面授",
		"hours": 1, "files": []string{other}, "sessions": []map[string]any{{"starts_at": "2030-01-01T09:00:00+08:00", "ends_at": "2030-01-01T11:00:00+08:00"}},
		"audience": map[string]any{"units": []string{unit(e, "东城市人民政府")}}})
	if !strings.Contains(toJSON(out["data"]), "files") {
		t.Fatalf("another's upload: %v", out)
	}
	f := pendingFile(t, e, "leader.east", "讲义.pdf")
	id := course(e, map[string]any{"files": []string{f}})
	page := e.Must(200, "staff.east.tax", "GET", "/api/gov/courses/"+id, nil)
	if !strings.Contains(toJSON(page["files"]), "讲义.pdf") {
		t.Fatalf("the page lists no materials: %v", page["files"])
	}
	for who, want := range map[string]int{"staff.east.tax": 200, "leader.east": 200, "staff.west.tax": 404, "admin.audit": 404} {
		if code, _, raw := e.Call(who, "GET", "/api/gov/files/"+f+"?as=json", nil); code != want {
			t.Fatalf("%s downloads the material: %d %s, want %d", who, code, raw, want)
		}
	}
}
