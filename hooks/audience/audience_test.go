package audience_test

import (
	"errors"
	"slices"
	"testing"

	"github.com/pocketbase/dbx"

	"govcollab/hooks/api"
	"govcollab/hooks/apptest"
	"govcollab/hooks/audience"
)

// members lists the usernames where picks, in order.
func members(t *testing.T, e *apptest.Env, a *audience.Audience) []string {
	t.Helper()
	w, err := audience.Where(e.App, a)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	err = e.App.DB().Select("users.username").From("users").InnerJoin("units", dbx.NewExp("units.id = users.unit")).
		Where(w).OrderBy("users.username").Column(&names)
	if err != nil {
		t.Fatal(err)
	}
	return names
}

func unitID(t *testing.T, e *apptest.Env, name string) string {
	r, err := e.App.FindFirstRecordByData("units", "name", name)
	if err != nil {
		t.Fatalf("no unit %s", name)
	}
	return r.Id
}

// TestWhere: unit picks with and without subtrees, narrowed by roles,
// plus named people, minus exclusions; 三员 and inactive people never.
func TestWhere(t *testing.T) {
	e := apptest.NewEnv(t)
	east, tax := unitID(t, e, "东城市人民政府"), unitID(t, e, "东城市税务局")
	all := members(t, e, &audience.Audience{Units: []audience.UnitSel{{ID: east, Subtree: true}}})
	if !slices.Contains(all, "staff.east.tax") || !slices.Contains(all, "leader.east") || slices.Contains(all, "leader.west") {
		t.Fatalf("east subtree: %v", all)
	}
	alone := members(t, e, &audience.Audience{Units: []audience.UnitSel{{ID: east}}})
	if slices.Contains(alone, "staff.east.tax") || !slices.Contains(alone, "leader.east") {
		t.Fatalf("east alone: %v", alone)
	}
	leaders := members(t, e, &audience.Audience{Units: []audience.UnitSel{{ID: east, Subtree: true}}, Roles: []string{"leader"}})
	for _, n := range leaders {
		if n == "staff.east.tax" {
			t.Fatalf("role narrowing let staff in: %v", leaders)
		}
	}
	if !slices.Contains(leaders, "leader.east") {
		t.Fatalf("leaders: %v", leaders)
	}
	minus := members(t, e, &audience.Audience{Units: []audience.UnitSel{{ID: east, Subtree: true}}, ExcludeUnits: []audience.UnitSel{{ID: tax}},
		Users: []string{apptest.UserID(t, "leader.west")}})
	if slices.Contains(minus, "staff.east.tax") || !slices.Contains(minus, "leader.west") {
		t.Fatalf("exclusion and named person: %v", minus)
	}
	admins := members(t, e, &audience.Audience{Users: []string{apptest.UserID(t, "admin.sys"), apptest.UserID(t, "admin.audit")}})
	if len(admins) != 0 {
		t.Fatalf("三员 in an audience: %v", admins)
	}
	if got := members(t, e, &audience.Audience{}); len(got) != 0 {
		t.Fatalf("empty audience picks %v", got)
	}
}

// TestCheck: a bad definition is a 400 naming its field; out of the
// publisher's right is refused; without unit picks the reachable tops are
// written in.
func TestCheck(t *testing.T) {
	e := apptest.NewEnv(t)
	east, west := unitID(t, e, "东城市人民政府"), unitID(t, e, "西城市人民政府")
	var eastPath string
	if err := e.App.DB().NewQuery("SELECT path FROM units WHERE id = {:id}").Bind(dbx.Params{"id": east}).Row(&eastPath); err != nil {
		t.Fatal(err)
	}
	right := audience.SubtreeOf("units.path", eastPath)
	field := func(err error) string {
		var ae *api.Error
		if !errors.As(err, &ae) || ae.Status != 400 {
			t.Fatalf("want a 400, got %v", err)
		}
		for k := range ae.Data {
			return k
		}
		return ""
	}
	for _, c := range []struct {
		a     audience.Audience
		field string
	}{
		{audience.Audience{}, "audience"},
		{audience.Audience{Levels: []string{"galaxy"}}, "audience.levels"},
		{audience.Audience{Roles: []string{"emperor"}}, "audience.roles"},
		{audience.Audience{Systems: []string{"不存在的条线"}}, "audience.systems"},
		{audience.Audience{Units: []audience.UnitSel{{ID: "nosuchunit"}}}, "audience.units"},
		{audience.Audience{Units: []audience.UnitSel{{ID: west}}}, "audience.units"},
		{audience.Audience{Users: []string{apptest.UserID(t, "leader.west")}}, "audience.users"},
	} {
		if _, err := audience.Check(e.App, right, c.a); field(err) != c.field {
			t.Errorf("%+v: field %q, want %q", c.a, field(err), c.field)
		}
	}
	out, err := audience.Check(e.App, right, audience.Audience{Levels: []string{"county"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Units) != 1 || out.Units[0].ID != east || !out.Units[0].Subtree {
		t.Fatalf("tops written in: %+v", out.Units)
	}
}
