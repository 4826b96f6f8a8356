package security_test

import (
	"encoding/json"
	"net/http"
	"testing"

	"govcollab/hooks/apptest"
	"govcollab/hooks/org"
	"govcollab/hooks/security"
)

// TestMySessions: the list shows my sessions only, newest first, marks the
// current one; I can end one of mine, not someone else's.
func TestMySessions(t *testing.T) {
	s := newServer(t, true)
	first := s.login("staff.east.tax", org.DefaultDemoPassword, "198.51.100.1").token(t)
	second := s.login("staff.east.tax", org.DefaultDemoPassword, "198.51.100.2").token(t)
	leaderSession := sessionOf(t, "leader.east")

	r := s.do(http.MethodGet, "/api/gov/sessions", second, "", "")
	want(t, r, 200, `"page":1`, `"totalItems":3`)
	var page struct {
		Items []security.SessionView `json:"items"`
	}
	_ = json.Unmarshal([]byte(r.body), &page)
	if len(page.Items) != 3 || page.Items[0].IP != "198.51.100.2" || !page.Items[0].Current || page.Items[1].Current ||
		page.Items[1].IP != "198.51.100.1" || page.Items[2].ID != sessionOf(t, "staff.east.tax") {
		t.Fatalf("sessions %+v", page.Items)
	}
	for _, it := range page.Items {
		if it.ID == leaderSession || it.Expires == "" || it.Ended != "" {
			t.Fatalf("session item %+v", it)
		}
	}

	want(t, s.do(http.MethodDelete, "/api/gov/sessions/"+leaderSession, second, "", ""), 404, `"code":"not_found"`)
	want(t, s.do(http.MethodGet, "/api/gov/me", apptest.Token(t, "leader.east"), "", ""), 200)

	firstID := page.Items[1].ID
	r = s.do(http.MethodDelete, "/api/gov/sessions/"+firstID, second, "", "")
	if r.status != 204 || r.body != "" {
		t.Fatalf("end: %d %s", r.status, r.body)
	}
	want(t, s.do(http.MethodGet, "/api/gov/me", first, "", ""), 401, `"code":"session_ended"`)
	want(t, s.do(http.MethodGet, "/api/gov/sessions?perPage=1&page=2", second, "", ""), 200,
		`"perPage":1`, `"totalItems":3`, `"totalPages":3`, `"id":"`+firstID+`"`, `"end_reason":"revoked"`, `"current":false`)
	want(t, s.do(http.MethodGet, "/api/gov/sessions", "", "", ""), 401)
	want(t, s.do(http.MethodDelete, "/api/gov/sessions/"+firstID, "", "", ""), 401)
}
