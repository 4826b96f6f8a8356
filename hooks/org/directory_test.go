package org_test

import (
	"encoding/json"
	"strings"
	"testing"

	"govcollab/hooks/apptest"
)

// TestDirectory: staff find colleagues by name, position or unit; phones
// of others are masked for them; 三员 are not listed.
func TestDirectory(t *testing.T) {
	e := apptest.NewEnv(t)
	out := e.Must(200, "staff.east.tax", "GET", "/api/gov/users?q=文书", nil)
	body := toJSONText(out)
	if !strings.Contains(body, `"username":"clerk.east"`) || !strings.Contains(body, "东城市人民政府办公室") {
		t.Fatalf("search by position: %s", body)
	}
	all := toJSONText(e.Must(200, "staff.east.tax", "GET", "/api/gov/users?perPage=100", nil))
	for _, admin := range []string{"admin.sys", "admin.sec", "admin.audit"} {
		if strings.Contains(all, `"username":"`+admin+`"`) {
			t.Errorf("directory lists %s", admin)
		}
	}
	// others' phones masked, one's own shown
	if !strings.Contains(all, `"phone":"138****1008"`) || strings.Contains(all, "13800131008") ||
		!strings.Contains(all, `"phone":"13800131010"`) {
		t.Errorf("phones for staff.east.tax: %s", all)
	}
	e.Must(401, "", "GET", "/api/gov/users", nil)
}

func toJSONText(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
