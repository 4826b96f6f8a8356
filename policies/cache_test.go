package policies

import (
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"
)

// Cached subjects must not outlive what they were read from: each test
// changes one input and expects the very next decision to follow it.

const cachePolicy = `g, leader, staff
p, staff, probe, read, own, *, allow
p, staff, probe, read, audience, *, allow
p, leader, probe, read, subtree, *, allow
`

// cacheOrg: province P, cities A (tax) and B (hr), county C under A.
//
//	rA  at A, reach subtree (the audience of everyone under A)
//	rB  at B, reach subtree
//	rC  at C
func cacheOrg(t testing.TB) (core.App, *Authorizer) {
	app := newProbeApp(t)
	db := app.DB()
	insertUnit(t, db, "unitP", "/0001/", "", "province")
	insertUnit(t, db, "unitA", "/0001/0001/", "tax", "city")
	insertUnit(t, db, "unitB", "/0001/0002/", "hr", "city")
	insertUnit(t, db, "unitC", "/0001/0001/0001/", "tax", "county")
	for id, u := range map[string][2]string{"rA": {"unitA", "/0001/0001/"}, "rB": {"unitB", "/0001/0002/"},
		"rC": {"unitC", "/0001/0001/0001/"}} {
		reach := ReachSubtree
		if id == "rC" {
			reach = ReachUnit
		}
		insert(t, db, "probe_items", dbx.Params{"id": id, "owner": "nobody", "unit": u[0], "unit_path": u[1],
			"system": "", "reach": reach, "status": "published"})
	}
	return app, newProbeAuthz(t, app, cachePolicy)
}

// visible lists what uid may read by Filter, after checking Can agrees.
func visible(t *testing.T, app core.App, a *Authorizer, uid string) []string {
	t.Helper()
	s, err := a.Subject(uid)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	err = app.DB().Select("id").From("probe_items").Where(a.Filter(s, "read", "probe")).OrderBy("id").Column(&ids)
	if err != nil {
		t.Fatal(err)
	}
	recs, err := app.FindAllRecords("probe_items")
	if err != nil {
		t.Fatal(err)
	}
	var can []string
	for _, r := range recs {
		if ok, _ := a.Can(s, "read", r); ok {
			can = append(can, r.Id)
		}
	}
	slices.Sort(can)
	if !slices.Equal(ids, can) {
		t.Fatalf("%s: Filter gives %v, Can allows %v", uid, ids, can)
	}
	return ids
}

func expectVisible(t *testing.T, app core.App, a *Authorizer, uid string, want ...string) {
	t.Helper()
	if got := visible(t, app, a, uid); !slices.Equal(got, want) {
		t.Fatalf("%s sees %v, want %v", uid, got, want)
	}
}

func subject(t *testing.T, a *Authorizer, uid string) *Subject {
	t.Helper()
	s, err := a.Subject(uid)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func exec(t *testing.T, app core.App, sql string, params dbx.Params) {
	t.Helper()
	if _, err := app.DB().NewQuery(sql).Bind(params).Execute(); err != nil {
		t.Fatal(err)
	}
}

func TestCacheUnitMove(t *testing.T) {
	app, a := cacheOrg(t)
	insertUser(t, app.DB(), "leadC", "unitC", "/0001/0001/0001/", "leader")
	expectVisible(t, app, a, "leadC", "rA", "rC")
	cached := subject(t, a, "leadC")

	// Move C (and whatever it holds) from under A to under B, as org.MoveUnit does.
	for _, tbl := range [][2]string{{"units", "path"}, {"users", "unit_path"}, {"probe_items", "unit_path"}} {
		exec(t, app, "UPDATE "+tbl[0]+" SET "+tbl[1]+" = {:new} || substr("+tbl[1]+", {:cut}) WHERE "+
			tbl[1]+" >= {:old} AND "+tbl[1]+" < {:bound}",
			dbx.Params{"new": "/0001/0002/0001/", "old": "/0001/0001/0001/", "cut": len("/0001/0001/0001/") + 1,
				"bound": PathUpperBound("/0001/0001/0001/")})
	}
	if subject(t, a, "leadC") != cached {
		t.Fatal("the subject was re-read without Invalidate: the cache is not caching")
	}
	a.Invalidate()
	if got := subject(t, a, "leadC").Unit.Path; got != "/0001/0002/0001/" {
		t.Fatalf("after Invalidate the subject is at %s", got)
	}
	expectVisible(t, app, a, "leadC", "rB", "rC")
}

func TestCacheGrantTimes(t *testing.T) {
	app, a := cacheOrg(t)
	clock := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	a.now = func() time.Time { return clock }
	insertUser(t, app.DB(), "ending", "unitP", "/0001/")
	insertUser(t, app.DB(), "starting", "unitP", "/0001/")
	// Both edges lie within maxGrantRefresh, so only the grant's own times
	// can make the subject be re-read.
	grant := func(id, user, unit, starts, ends string) {
		insert(t, app.DB(), "grants", dbx.Params{"id": id, "user": user, "unit": unit, "role": "leader",
			"kind": "acting", "starts": starts, "ends": ends, "revoked": false})
	}
	at := func(d time.Duration) string { return clock.Add(d).Format(types.DefaultDateLayout) }
	grant("g1", "ending", "unitB", at(-24*time.Hour), at(5*time.Minute))
	grant("g2", "starting", "unitA", at(5*time.Minute), "")

	expectVisible(t, app, a, "ending", "rB")
	expectVisible(t, app, a, "starting")
	cached := subject(t, a, "ending")

	clock = clock.Add(4 * time.Minute)
	if subject(t, a, "ending") != cached {
		t.Fatal("re-read before the grant ended: the cache is not caching")
	}
	expectVisible(t, app, a, "ending", "rB")

	clock = clock.Add(2 * time.Minute) // past both edges, no Invalidate
	expectVisible(t, app, a, "ending")
	expectVisible(t, app, a, "starting", "rA", "rC")
}

func TestCacheRoleChange(t *testing.T) {
	app, a := cacheOrg(t)
	insertUser(t, app.DB(), "staffA", "unitA", "/0001/0001/", "staff")
	expectVisible(t, app, a, "staffA", "rA")

	exec(t, app, "UPDATE users SET roles = {:r} WHERE id = 'staffA'", dbx.Params{"r": `["staff","leader"]`})
	a.Invalidate()
	expectVisible(t, app, a, "staffA", "rA", "rC")

	exec(t, app, "UPDATE users SET roles = '[]' WHERE id = 'staffA'", nil)
	a.Invalidate()
	expectVisible(t, app, a, "staffA")

	exec(t, app, "UPDATE users SET active = FALSE WHERE id = 'staffA'", nil)
	a.Invalidate()
	if _, err := a.Subject("staffA"); err != ErrNoSubject {
		t.Fatalf("deactivated user: want ErrNoSubject, got %v", err)
	}
}

func TestCacheApply(t *testing.T) {
	app, a := cacheOrg(t)
	insertUser(t, app.DB(), "leadA", "unitA", "/0001/0001/", "leader")
	expectVisible(t, app, a, "leadA", "rA", "rC")
	v := a.Version()

	if err := a.Apply(cachePolicy + "p, leader, probe, read, unit, *, deny\n"); err != nil {
		t.Fatal(err)
	}
	if a.Version() == v {
		t.Fatal("Apply did not bump the cache version")
	}
	expectVisible(t, app, a, "leadA", "rC")
}

// Decisions taken while the policy and the cache change underneath are
// always those of one policy or the other (and -race sees no data race).
func TestCacheConcurrent(t *testing.T) {
	app, a := cacheOrg(t)
	insertUser(t, app.DB(), "leadA", "unitA", "/0001/0001/", "leader")
	narrow := cachePolicy + "p, leader, probe, read, unit, *, deny\n"
	valid := map[int]bool{len(visible(t, app, a, "leadA")): true}
	if err := a.Apply(narrow); err != nil {
		t.Fatal(err)
	}
	valid[len(visible(t, app, a, "leadA"))] = true
	if len(valid) != 2 {
		t.Fatal("the two policies must answer differently")
	}

	var wg sync.WaitGroup
	stop := make(chan struct{})
	wg.Go(func() {
		for i := 0; i < 50; i++ {
			if err := a.Apply([]string{cachePolicy, narrow}[i%2]); err != nil {
				t.Error(err)
			}
			a.Invalidate()
		}
		close(stop)
	})
	for range 4 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				s, err := a.Subject("leadA")
				if err != nil {
					t.Error(err)
					return
				}
				var n int
				if err := app.DB().Select("COUNT(*)").From("probe_items").Where(a.Filter(s, "read", "probe")).Row(&n); err != nil {
					t.Error(err)
					return
				}
				if !valid[n] {
					t.Errorf("a decision of neither policy: %d rows", n)
					return
				}
			}
		})
	}
	wg.Wait()
}
