package hooks_test

import (
	"testing"

	"govcollab/hooks/apptest"
)

// TestBuiltinPolicySeparatesDuties pins what the shipped policy lets each
// demo account do with org objects (三员分立 and least privilege).
func TestBuiltinPolicySeparatesDuties(t *testing.T) {
	app, g := apptest.New(t)
	defer app.Cleanup()
	cases := []struct {
		user, act, obj string
		want           bool
	}{
		{"admin.sys", "manage", "unit", true},
		{"admin.sys", "manage", "user", true},
		{"admin.sys", "assign", "user", false},
		{"admin.sys", "manage", "grant", false},
		{"admin.sys", "manage", "policy", false},
		{"admin.sec", "assign", "user", true},
		{"admin.sec", "manage", "grant", true},
		{"admin.sec", "manage", "policy", true},
		{"admin.sec", "manage", "user", false},
		{"admin.sec", "manage", "unit", false},
		{"admin.audit", "read", "unit", false},
		{"admin.audit", "read", "user", false},
		{"admin.audit", "manage", "user", false},
		{"admin.audit", "read", "policy", false},
		{"leader.east", "read", "unit", true},
		{"leader.east", "manage", "unit", false},
		{"leader.east", "assign", "user", false},
		{"staff.east.tax", "read", "user", true},
		{"staff.east.tax", "manage", "user", false},
		{"staff.east.tax", "read", "grant", false},
		{"hr.prov", "unmask", "user", true},
	}
	for _, c := range cases {
		s, err := g.Authz.Subject(apptest.UserID(t, c.user))
		if err != nil {
			t.Fatalf("%s: %v", c.user, err)
		}
		if got := g.Authz.Permits(s, c.act, c.obj); got != c.want {
			t.Errorf("%s %s %s: got %v, want %v", c.user, c.act, c.obj, got, c.want)
		}
	}

	// unmask: own record always, hr for their subtree only
	staff, _ := app.FindFirstRecordByData("users", "username", "staff.east.tax")
	hrEast, _ := app.FindFirstRecordByData("users", "username", "staff.east.hr")
	leader, _ := app.FindFirstRecordByData("users", "username", "leader.east")
	hrProv, _ := g.Authz.Subject(apptest.UserID(t, "hr.prov"))
	self, _ := g.Authz.Subject(staff.Id)
	lead, _ := g.Authz.Subject(leader.Id)
	if ok, why := g.Authz.Can(self, "unmask", staff); !ok {
		t.Errorf("staff cannot unmask own record: %s", why)
	}
	if ok, _ := g.Authz.Can(self, "unmask", hrEast); ok {
		t.Error("staff unmasks a colleague")
	}
	if ok, _ := g.Authz.Can(lead, "unmask", staff); ok {
		t.Error("a leader unmasks without the hr role")
	}
	// hr.prov sits at 示范省人力资源和社会保障厅, whose subtree does not hold 东城市
	if ok, _ := g.Authz.Can(hrProv, "unmask", staff); ok {
		t.Error("hr of a department unmasks outside its subtree")
	}
}
