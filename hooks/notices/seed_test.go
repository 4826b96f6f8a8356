package notices_test

import (
	"strings"
	"testing"

	"govcollab/hooks/apptest"
)

// TestSeedDemo: the demo has notices to several audiences, must-confirm
// ones pending and overdue, a forwarded copy, one public and one scheduled.
func TestSeedDemo(t *testing.T) {
	e := apptest.NewEnv(t)
	count := func(where string) int {
		var n int
		if err := e.App.DB().NewQuery("SELECT COUNT(*) FROM notices WHERE " + where).Row(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	for _, c := range []struct {
		what, where string
	}{
		{"published", "status = 'published'"},
		{"must-confirm pending", "must_confirm AND deadline > strftime('%Y-%m-%d %H:%M:%fZ', 'now')"},
		{"must-confirm overdue", "must_confirm AND deadline < strftime('%Y-%m-%d %H:%M:%fZ', 'now')"},
		{"forwarded", "parent != ''"},
		{"public", "public_state = 'approved'"},
		{"scheduled", "status = 'scheduled'"},
	} {
		if count(c.where) == 0 {
			t.Errorf("demo has no %s notice", c.what)
		}
	}
	var receipts, read int
	if err := e.App.DB().NewQuery("SELECT COUNT(*), SUM(read_at != '') FROM notice_receipts").Row(&receipts, &read); err != nil {
		t.Fatal(err)
	}
	if receipts == 0 || read == 0 || read == receipts {
		t.Errorf("receipts %d, read %d: want some read and some not", receipts, read)
	}
	// the county staff received the province's notice through the city's forward
	inbox := toJSON(e.Must(200, "staff.east.county1", "GET", "/api/gov/notices", nil))
	if !strings.Contains(inbox, "政务服务效能评估") || !strings.Contains(inbox, `"forwarded":true`) {
		t.Errorf("county staff inbox lacks the forwarded notice: %s", inbox)
	}
	code, _, raw := e.Call("", "GET", "/public/", nil)
	if code != 200 || !strings.Contains(string(raw), "优化营商环境") || strings.Contains(string(raw), "安全生产") {
		t.Errorf("public page: %d %s", code, raw)
	}
}
