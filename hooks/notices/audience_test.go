package notices_test

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"

	"govcollab/hooks/apptest"
)

// sel and aud mirror the API's audience JSON.
type sel struct {
	ID      string `json:"id"`
	Subtree bool   `json:"subtree"`
}

type aud struct {
	Units        []sel    `json:"units,omitempty"`
	Levels       []string `json:"levels,omitempty"`
	Systems      []string `json:"systems,omitempty"`
	Roles        []string `json:"roles,omitempty"`
	Users        []string `json:"users,omitempty"`
	ExcludeUnits []sel    `json:"exclude_units,omitempty"`
	ExcludeUsers []string `json:"exclude_users,omitempty"`
}

// orgSnap is the org as the tables hold it, read plainly, for an
// independent computation of who an audience means.
type orgSnap struct {
	units map[string]snapUnit
	users []snapUser
}

type snapUnit struct{ id, path, level, system string }

type snapUser struct {
	id, unit string
	roles    []string
	active   bool
}

func snapshot(tb testing.TB, app core.App) *orgSnap {
	tb.Helper()
	o := &orgSnap{units: map[string]snapUnit{}}
	var units []struct {
		ID     string `db:"id"`
		Path   string `db:"path"`
		Level  string `db:"level"`
		System string `db:"system"`
	}
	if err := app.DB().NewQuery("SELECT id, path, level, system FROM units").All(&units); err != nil {
		tb.Fatal(err)
	}
	for _, u := range units {
		o.units[u.ID] = snapUnit{u.ID, u.Path, u.Level, u.System}
	}
	var users []struct {
		ID     string                  `db:"id"`
		Unit   string                  `db:"unit"`
		Roles  types.JSONArray[string] `db:"roles"`
		Active bool                    `db:"active"`
	}
	if err := app.DB().NewQuery("SELECT id, unit, roles, active FROM users").All(&users); err != nil {
		tb.Fatal(err)
	}
	for _, u := range users {
		o.users = append(o.users, snapUser{u.ID, u.Unit, u.Roles, u.Active})
	}
	return o
}

// in reports whether unit id is picked by sels.
func (o *orgSnap) in(id string, sels []sel) bool {
	p := o.units[id].path
	for _, s := range sels {
		if s.ID == id {
			return true
		}
		if s.Subtree && o.units[s.ID].path != "" && strings.HasPrefix(p, o.units[s.ID].path) {
			return true
		}
	}
	return false
}

// expect is who a means, for a publisher whose reach is the subtree of
// reachPath: the unit picks narrowed by levels, systems and roles (the
// whole reach when there are no unit picks), plus named users, minus the
// exclusions; only active people, never the three administrators.
func (o *orgSnap) expect(a aud, reachPath string) []string {
	out := []string{}
	narrowed := len(a.Units)+len(a.Levels)+len(a.Systems)+len(a.Roles) > 0
	for _, u := range o.users {
		if !u.active || slices.ContainsFunc(u.roles, func(r string) bool { return r == "sysadmin" || r == "secadmin" || r == "auditor" }) {
			continue
		}
		unit := o.units[u.unit]
		picked := false
		if narrowed {
			picked = true
			if len(a.Units) > 0 {
				picked = o.in(u.unit, a.Units)
			} else {
				picked = strings.HasPrefix(unit.path, reachPath)
			}
			if len(a.Levels) > 0 && !slices.Contains(a.Levels, unit.level) {
				picked = false
			}
			if len(a.Systems) > 0 && !slices.Contains(a.Systems, unit.system) {
				picked = false
			}
			if len(a.Roles) > 0 && !slices.ContainsFunc(u.roles, func(r string) bool { return slices.Contains(a.Roles, r) }) {
				picked = false
			}
		}
		if !picked && !slices.Contains(a.Users, u.id) {
			continue
		}
		if o.in(u.unit, a.ExcludeUnits) || slices.Contains(a.ExcludeUsers, u.id) {
			continue
		}
		out = append(out, u.id)
	}
	sort.Strings(out)
	return out
}

func unitPath(tb testing.TB, app core.App, id string) string {
	tb.Helper()
	r, err := app.FindRecordById("units", id)
	if err != nil {
		tb.Fatal(err)
	}
	return r.GetString("path")
}

// publish posts a notice to a as user; it returns the new id, or "" and
// the answer when the API refused it.
func publish(e *apptest.Env, user string, a aud) (string, int, string) {
	e.T.Helper()
	code, out, raw := e.Call(user, "POST", "/api/gov/notices", map[string]any{"title": "对象测试", "body": "正文", "audience": a})
	if code != 201 {
		return "", code, string(raw)
	}
	return str(out["id"]), code, string(raw)
}

// TestAudienceResolution publishes to every kind of target and to mixes,
// and compares each receipt set with the one computed from the tables.
func TestAudienceResolution(t *testing.T) {
	e := apptest.NewEnv(t)
	u := func(name string) string { return unit(e, name) }
	prov, east, west := u("示范省人民政府"), u("东城市人民政府"), u("西城市人民政府")
	county1, eastTax := u("东城市甲县人民政府"), u("东城市税务局")
	// an inactive account in the city's tax bureau, and a 三员 role placed
	// inside a targeted unit: neither may ever receive a notice
	if _, err := e.App.DB().NewQuery("UPDATE users SET active = FALSE WHERE id = {:id}").
		Bind(dbx.Params{"id": apptest.UserID(t, "leader.east.tax")}).Execute(); err != nil {
		t.Fatal(err)
	}
	if _, err := e.App.DB().NewQuery("UPDATE users SET unit = {:u}, unit_path = {:p} WHERE id = {:id}").
		Bind(dbx.Params{"u": eastTax, "p": unitPath(t, e.App, eastTax), "id": apptest.UserID(t, "admin.audit")}).Execute(); err != nil {
		t.Fatal(err)
	}
	e.G.Authz.Invalidate()
	org := snapshot(t, e.App)
	provPath := unitPath(t, e.App, prov)
	staffTax, staffCounty := apptest.UserID(t, "staff.east.tax"), apptest.UserID(t, "staff.east.county1")
	cases := []struct {
		name string
		a    aud
	}{
		{"unit alone", aud{Units: []sel{{ID: east}}}},
		{"unit with subtree", aud{Units: []sel{{ID: east, Subtree: true}}}},
		{"two subtrees", aud{Units: []sel{{ID: east, Subtree: true}, {ID: west, Subtree: true}}}},
		{"levels only", aud{Levels: []string{"county", "township"}}},
		{"systems only", aud{Systems: []string{"tax"}}},
		{"roles only", aud{Roles: []string{"leader"}}},
		{"named users", aud{Users: []string{staffTax, apptest.UserID(t, "staff.west.tax")}}},
		{"subtree narrowed by level", aud{Units: []sel{{ID: east, Subtree: true}}, Levels: []string{"county"}}},
		{"subtree narrowed by system and role", aud{Units: []sel{{ID: prov, Subtree: true}}, Systems: []string{"tax", "hr"}, Roles: []string{"staff"}}},
		{"units plus named users", aud{Units: []sel{{ID: county1, Subtree: true}}, Users: []string{apptest.UserID(t, "staff.west.tax")}}},
		{"exclude a unit", aud{Units: []sel{{ID: east, Subtree: true}}, ExcludeUnits: []sel{{ID: eastTax}}}},
		{"exclude a unit's subtree", aud{Units: []sel{{ID: prov, Subtree: true}}, ExcludeUnits: []sel{{ID: east, Subtree: true}}}},
		{"exclude users", aud{Units: []sel{{ID: east, Subtree: true}}, ExcludeUsers: []string{staffTax, staffCounty}}},
		{"exclusion beats a named user", aud{Users: []string{staffTax, staffCounty}, ExcludeUsers: []string{staffTax}}},
		{"exclusion of a unit beats a named user", aud{Users: []string{staffTax, staffCounty}, ExcludeUnits: []sel{{ID: county1}}}},
		{"everything", aud{Units: []sel{{ID: prov, Subtree: true}}}},
	}
	admins := []string{apptest.UserID(t, "admin.sys"), apptest.UserID(t, "admin.sec"), apptest.UserID(t, "admin.audit")}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			want := org.expect(c.a, provPath)
			id, code, raw := publish(e, "leader.prov", c.a)
			if len(want) == 0 {
				if code != 400 || !strings.Contains(raw, `"audience":{"code":"empty"`) {
					t.Fatalf("nobody matches: %d %s", code, raw)
				}
				return
			}
			if id == "" {
				t.Fatalf("publish: %d %s", code, raw)
			}
			got := receiptUsers(t, e.App, id)
			if !slices.Equal(got, want) {
				t.Fatalf("receipts\n got %v\nwant %v", names(t, e.App, got), names(t, e.App, want))
			}
			for _, a := range append(admins, apptest.UserID(t, "leader.east.tax")) {
				if slices.Contains(got, a) {
					t.Fatalf("%s (admin or inactive) received the notice", a)
				}
			}
			var recipients int
			if err := e.App.DB().NewQuery("SELECT recipients FROM notices WHERE id = {:id}").Bind(dbx.Params{"id": id}).Row(&recipients); err != nil {
				t.Fatal(err)
			}
			if recipients != len(want) {
				t.Fatalf("recipients = %d, want %d", recipients, len(want))
			}
		})
	}
	// the cases above reach into every kind: make sure they are not vacuous
	if n := len(org.expect(aud{Systems: []string{"tax"}}, provPath)); n < 2 {
		t.Fatalf("tax system has %d people: the demo changed", n)
	}
}

func names(tb testing.TB, app core.App, ids []string) []string {
	out := []string{}
	for _, id := range ids {
		r, err := app.FindRecordById("users", id)
		if err != nil {
			out = append(out, id)
			continue
		}
		out = append(out, r.GetString("username"))
	}
	return out
}

// genOrg adds a random subtree of units and people under parent.
type genOrg struct {
	units []string
	users []string
}

var (
	genLevels  = []string{"province", "city", "county", "township"}
	genSystems = []string{"tax", "hr", "market", ""}
	genKinds   = []string{"government", "office", "department"}
	genRoles   = []string{"staff", "leader", "reviewer", "clerk", "trainer", "hr"}
)

func generate(tb testing.TB, app core.App, r *rand.Rand, seed uint64, parentPath string, nUnits, nUsers int) *genOrg {
	tb.Helper()
	g := &genOrg{}
	paths := []string{parentPath}
	err := app.RunInTransaction(func(tx core.App) error {
		for i := range nUnits {
			parent := paths[r.IntN(len(paths))]
			path := fmt.Sprintf("%s%04d/", parent, 5000+i)
			id := fmt.Sprintf("gu%02d%011d", seed, i)
			depth := strings.Count(path, "/") - 2
			if _, err := tx.DB().Insert("units", dbx.Params{"id": id, "name": id, "level": genLevels[min(depth, 3)],
				"kind": genKinds[r.IntN(3)], "system": genSystems[r.IntN(len(genSystems))], "path": path, "active": true}).Execute(); err != nil {
				return err
			}
			paths = append(paths, path)
			g.units = append(g.units, id)
		}
		for i := range nUsers {
			k := r.IntN(len(g.units))
			var roles []string
			for _, role := range genRoles {
				if r.IntN(4) == 0 {
					roles = append(roles, role)
				}
			}
			if r.IntN(40) == 0 {
				roles = append(roles, []string{"sysadmin", "secadmin", "auditor"}[r.IntN(3)])
			}
			id := fmt.Sprintf("gp%02d%011d", seed, i)
			if _, err := tx.DB().Insert("users", dbx.Params{"id": id, "username": id, "tokenKey": id, "unit": g.units[k],
				"unit_path": paths[k+1], "roles": types.JSONArray[string](roles), "active": r.IntN(10) != 0}).Execute(); err != nil {
				return err
			}
			g.users = append(g.users, id)
		}
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
	return g
}

// randomAudience draws an audience over g's units and people.
func randomAudience(r *rand.Rand, g *genOrg, active []string) aud {
	var a aud
	pick := func(n int, from []string) []string {
		var out []string
		for range n {
			out = append(out, from[r.IntN(len(from))])
		}
		return out
	}
	sels := func(n int) []sel {
		var out []sel
		for _, id := range pick(n, g.units) {
			out = append(out, sel{ID: id, Subtree: r.IntN(2) == 0})
		}
		return out
	}
	if r.IntN(3) > 0 {
		a.Units = sels(1 + r.IntN(3))
	}
	if r.IntN(3) == 0 {
		a.Levels = pick(1+r.IntN(2), genLevels[1:])
	}
	if r.IntN(3) == 0 {
		a.Systems = pick(1+r.IntN(2), genSystems[:3])
	}
	if r.IntN(3) == 0 {
		a.Roles = pick(1+r.IntN(2), genRoles)
	}
	if r.IntN(3) == 0 {
		a.Users = pick(1+r.IntN(5), active)
	}
	if r.IntN(3) == 0 {
		a.ExcludeUnits = sels(1 + r.IntN(2))
	}
	if r.IntN(3) == 0 {
		a.ExcludeUsers = pick(1+r.IntN(8), g.users)
	}
	if len(a.Units)+len(a.Levels)+len(a.Systems)+len(a.Roles)+len(a.Users) == 0 {
		a.Units = sels(1)
	}
	return a
}

// TestAudienceProperty: over generated org trees under the province and
// random audiences, the receipts are exactly the people the audience
// definition matches, computed here in Go.
func TestAudienceProperty(t *testing.T) {
	for _, seed := range []uint64{1, 7, 42} {
		t.Run(fmt.Sprint("seed ", seed), func(t *testing.T) {
			e := apptest.NewEnv(t)
			r := rand.New(rand.NewPCG(seed, 0xa0d1))
			prov := unit(e, "示范省人民政府")
			provPath := unitPath(t, e.App, prov)
			g := generate(t, e.App, r, seed, provPath, 40, 400)
			org := snapshot(t, e.App)
			var active []string
			for _, u := range org.users {
				if u.active && slices.Contains(g.users, u.id) {
					active = append(active, u.id)
				}
			}
			published := 0
			for i := range 25 {
				a := randomAudience(r, g, active)
				want := org.expect(a, provPath)
				id, code, raw := publish(e, "leader.prov", a)
				if len(want) == 0 {
					if code != 400 || !strings.Contains(raw, `"audience":{"code":"empty"`) {
						t.Fatalf("#%d %+v: nobody matches, got %d %s", i, a, code, raw)
					}
					continue
				}
				if id == "" {
					t.Fatalf("#%d %+v: %d %s", i, a, code, raw)
				}
				published++
				if got := receiptUsers(t, e.App, id); !slices.Equal(got, want) {
					t.Fatalf("#%d %+v:\n got %d %v\nwant %d %v", i, a, len(got), got, len(want), want)
				}
			}
			if published < 10 {
				t.Fatalf("only %d of 25 audiences reached anyone: the generator is too sparse", published)
			}
		})
	}
}
