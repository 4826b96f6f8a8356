package training_test

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"govcollab/hooks/audience"
	"govcollab/hooks/training"
)

// TestCatalogMatchesAudience is a property test: for random audiences and
// every person, the catalog's SQL condition over the stored audience
// (training.InAudience) picks exactly the courses whose audience.Where
// picks that person.
func TestCatalogMatchesAudience(t *testing.T) {
	e := newEnv(t)
	var units, users []string
	if err := e.App.DB().NewQuery("SELECT id FROM units ORDER BY id").Column(&units); err != nil {
		t.Fatal(err)
	}
	if err := e.App.DB().NewQuery("SELECT id FROM users WHERE active = 1 ORDER BY id").Column(&users); err != nil {
		t.Fatal(err)
	}
	var systems []string
	_ = e.App.DB().NewQuery("SELECT DISTINCT system FROM units WHERE system != ''").Column(&systems)
	rng := rand.New(rand.NewPCG(10, 2026))
	some := func(from []string, most int) []string {
		var out []string
		for range rng.IntN(most + 1) {
			out = append(out, from[rng.IntN(len(from))])
		}
		return out
	}
	sels := func(most int) []audience.UnitSel {
		var out []audience.UnitSel
		for _, id := range some(units, most) {
			out = append(out, audience.UnitSel{ID: id, Subtree: rng.IntN(2) == 0})
		}
		return out
	}
	col, _ := e.App.FindCachedCollectionByNameOrId("courses")
	want := map[string][]string{} // user → courses
	for i := 0; i < 150; i++ {
		a := audience.Audience{Units: sels(3), Levels: some(audience.Levels, 2), Systems: some(systems, 2),
			Roles: some(audience.Roles, 2), Users: some(users, 2), ExcludeUnits: sels(1), ExcludeUsers: some(users, 1)}
		if a.Empty() {
			continue
		}
		norm, err := audience.Check(e.App, dbx.NewExp("1=1"), a)
		if err != nil {
			continue // e.g. a named 三员: refused, as publishing would be
		}
		r := core.NewRecord(col)
		r.Load(map[string]any{"title": "课程", "category": "业务知识", "mode": "面授", "hours": 1, "trainer": users[0], "unit": units[0],
			"unit_path": "x", "audience": norm, "status": "published"})
		if err := e.App.Save(r); err != nil {
			t.Fatal(err)
		}
		w, err := audience.Where(e.App, norm)
		if err != nil {
			t.Fatal(err)
		}
		var in []string
		if err := e.App.DB().Select("users.id").From("users").InnerJoin("units", dbx.NewExp("units.id = users.unit")).Where(w).Column(&in); err != nil {
			t.Fatal(err)
		}
		for _, u := range in {
			want[u] = append(want[u], r.Id)
		}
	}
	if n := count(t, e, "SELECT COUNT(*) FROM courses", nil); n < 100 {
		t.Fatalf("only %d audiences generated", n)
	}
	matched := 0
	for _, u := range users {
		s, err := e.G.Authz.Subject(u)
		if err != nil {
			t.Fatal(err)
		}
		cond, err := training.InAudience(e.App, s)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		if err := e.App.DB().Select("id").From("courses").Where(cond).Column(&got); err != nil {
			t.Fatal(err)
		}
		slices.Sort(got)
		exp := want[u]
		slices.Sort(exp)
		if !slices.Equal(got, exp) {
			t.Fatalf("user %s: catalog %v, audience %v", u, got, exp)
		}
		matched += len(got)
	}
	if matched == 0 {
		t.Fatal("no course reached anyone: the property was not exercised")
	}
	t.Logf("%d users, %d (user, course) pairs", len(users), matched)
}
