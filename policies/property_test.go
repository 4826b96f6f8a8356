package policies

import (
	"fmt"
	"math/rand/v2"
	"regexp"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"
	"github.com/pocketbase/pocketbase/tools/types"

	"govcollab/migrations"
)

// The acceptance test of the visibility model: over generated org trees,
// users, grants and records, every list Filter gives (rows, total, pages)
// is exactly the set of records Can allows.

var propertySeeds = []uint64{1, 2, 3, 20261123}

// raceEnabled: under -race SQLite (pure Go) runs ~25× slower, and the race
// run is there for the concurrent code, so it checks fewer worlds.
var raceEnabled = func() bool {
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			if s.Key == "-race" {
				return s.Value == "true"
			}
		}
	}
	return false
}()

// probeType is a test-only object type with a column or join for every scope.
func probeType() ObjectType {
	return ObjectType{
		Name: "probe", Table: "probe_items",
		Actions: []string{"read", "edit", "review"},
		Owner:   "owner", Unit: "unit", UnitPath: "unit_path", System: "system", Reach: "reach",
		Audience:    &Join{Table: "probe_audience", ObjectCol: "item", UserCol: "user"},
		Participant: &Join{Table: "probe_participants", ObjectCol: "item", UserCol: "user"},
		CondFields:  []string{"status", "system"},
	}
}

// builtinTypes stands in for the modules' object types, which an internal
// test cannot import (cycle): one type per object the built-in policy names,
// supporting every scope, so New compiles whatever the modules add to it.
func builtinTypes() []ObjectType {
	acts, conds := map[string][]string{}, map[string][]string{}
	for line := range strings.SplitSeq(builtinPolicy, "\n") {
		f := strings.Split(line, ",")
		for i := range f {
			f[i] = strings.TrimSpace(f[i])
		}
		if len(f) != 7 || f[0] != "p" || f[2] == "*" {
			continue
		}
		if f[3] == "*" {
			f[3] = "read" // a type needs some action
		}
		if !slices.Contains(acts[f[2]], f[3]) {
			acts[f[2]] = append(acts[f[2]], f[3])
		}
		if field, _, ok := strings.Cut(f[5], "="); ok {
			conds[f[2]] = append(conds[f[2]], strings.TrimSpace(field))
		}
	}
	var out []ObjectType
	for name, a := range acts {
		out = append(out, ObjectType{
			Name: name, Table: "stub_" + name, Actions: a,
			Owner: "owner", Unit: "unit", UnitPath: "unit_path", System: "system", Reach: "reach",
			Audience:    &Join{Table: "stub_j", ObjectCol: "o", UserCol: "u"},
			Participant: &Join{Table: "stub_j", ObjectCol: "o", UserCol: "u"},
			CondFields:  conds[name],
		})
	}
	return out
}

// newProbeApp is a migrated test app (org schema) plus the probe tables.
func newProbeApp(tb testing.TB) *tests.TestApp {
	tb.Helper()
	app, err := tests.NewTestAppWithConfig(core.BaseAppConfig{DataDir: tb.TempDir()})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(app.Cleanup)
	items := core.NewBaseCollection("probe_items")
	for _, f := range []string{"owner", "unit", "unit_path", "system", "reach", "status", "title"} {
		items.Fields.Add(&core.TextField{Name: f})
	}
	items.Fields.Add(&core.AutodateField{Name: "created", OnCreate: true})
	items.AddIndex("idx_probe_items_unit_path", false, "unit_path", "")
	items.AddIndex("idx_probe_items_created", false, "created", "")
	if err := app.Save(items); err != nil {
		tb.Fatal(err)
	}
	for _, name := range []string{"probe_audience", "probe_participants"} {
		c := core.NewBaseCollection(name)
		c.Fields.Add(&core.TextField{Name: "item", Required: true}, &core.TextField{Name: "user", Required: true})
		c.AddIndex("idx_"+name+"_item_user", true, "item, user", "")
		if err := app.Save(c); err != nil {
			tb.Fatal(err)
		}
	}
	return app
}

func newProbeAuthz(tb testing.TB, app core.App, policy string) *Authorizer {
	tb.Helper()
	a, err := New(app, migrations.Roles, append(builtinTypes(), probeType())...)
	if err != nil {
		tb.Fatal(err)
	}
	if policy != "" {
		if err := a.Apply(policy); err != nil {
			tb.Fatalf("test policy refused: %v", err)
		}
	}
	return a
}

func insert(tb testing.TB, db dbx.Builder, table string, row dbx.Params) {
	tb.Helper()
	if _, err := db.Insert(table, row).Execute(); err != nil {
		tb.Fatalf("insert into %s: %v", table, err)
	}
}

func insertUnit(tb testing.TB, db dbx.Builder, id, path, system, level string) {
	// units of the office system are offices (ScopeServed reaches their parent)
	kind := "department"
	if system == "office" {
		kind = "office"
	}
	insert(tb, db, "units", dbx.Params{"id": id, "name": id, "level": level, "kind": kind,
		"system": system, "path": path, "active": true})
}

func insertUser(tb testing.TB, db dbx.Builder, id, unit, unitPath string, roles ...string) {
	insert(tb, db, "users", dbx.Params{"id": id, "username": id, "tokenKey": id, "unit": unit,
		"unit_path": unitPath, "roles": types.JSONArray[string](roles), "active": true})
}

// dbTime is t as PocketBase stores dates; the zero time is stored empty.
func dbTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(types.DefaultDateLayout)
}

type genUnit struct{ id, path, system string }

type genUser struct {
	id, unit string
	roles    []string
	grants   []string // described, for failure messages
}

// world is one generated organization with its probe records.
type world struct {
	seed  uint64
	units []genUnit
	users []genUser
	recs  []*core.Record
}

var (
	genSystems  = []string{"tax", "hr", "market", "office", ""}
	genRoles    = []string{"staff", "leader", "reviewer", "clerk", "trainer", "hr"}
	genReaches  = []string{ReachUnit, ReachSubtree, ReachSystem, ReachAll, ""}
	genStatuses = []string{"draft", "review", "published", "archived"}
	genLevels   = []string{"province", "city", "county", "township"}
)

// generateWorld makes an org tree, users with roles and grants, and records
// with audience and participant rows, all from seed.
func generateWorld(tb testing.TB, app core.App, seed uint64, users, items int) *world {
	tb.Helper()
	r := rand.New(rand.NewPCG(seed, 0x5eed))
	w := &world{seed: seed}
	err := app.RunInTransaction(func(tx core.App) error {
		db := tx.DB()
		w.genUnits(tb, db, r, "/", 0, 1)
		w.genUsers(tb, db, r, users)
		w.genItems(tb, db, r, items)
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
	if w.recs, err = app.FindAllRecords("probe_items"); err != nil {
		tb.Fatal(err)
	}
	return w
}

// genUnits builds province → 2-3 cities → 2-3 counties → 1-3 townships,
// numbered per parent as hooks/org does, so path segments repeat.
func (w *world) genUnits(tb testing.TB, db dbx.Builder, r *rand.Rand, parent string, depth, n int) {
	u := genUnit{id: fmt.Sprintf("un%013d", len(w.units)), path: fmt.Sprintf("%s%04d/", parent, n),
		system: genSystems[r.IntN(len(genSystems))]}
	w.units = append(w.units, u)
	insertUnit(tb, db, u.id, u.path, u.system, genLevels[depth])
	if depth == len(genLevels)-1 {
		return
	}
	kids := 2 + r.IntN(2)
	if depth == 2 {
		kids = 1 + r.IntN(3)
	}
	for i := 1; i <= kids; i++ {
		w.genUnits(tb, db, r, u.path, depth+1, i)
	}
}

func (w *world) genUsers(tb testing.TB, db dbx.Builder, r *rand.Rand, n int) {
	now := time.Now()
	day := 24 * time.Hour
	for i := range n {
		home := w.units[r.IntN(len(w.units))]
		u := genUser{id: fmt.Sprintf("us%013d", i), unit: home.id}
		if r.IntN(6) > 0 { // some hold no role at all
			for range 1 + r.IntN(2) {
				if role := genRoles[r.IntN(len(genRoles))]; !slices.Contains(u.roles, role) {
					u.roles = append(u.roles, role)
				}
			}
		}
		insertUser(tb, db, u.id, home.id, home.path, u.roles...)
		for g := range r.IntN(3) {
			at := w.units[r.IntN(len(w.units))]
			role := genRoles[r.IntN(len(genRoles))]
			starts, ends, revoked := now.Add(-10*day), now.Add(10*day), false
			state := []string{"running", "open-ended", "expired", "not-started", "revoked"}[r.IntN(5)]
			switch state {
			case "open-ended":
				starts, ends = time.Time{}, time.Time{}
			case "expired":
				starts, ends = now.Add(-30*day), now.Add(-day)
			case "not-started":
				starts, ends = now.Add(5*day), now.Add(30*day)
			case "revoked":
				revoked = true
			}
			insert(tb, db, "grants", dbx.Params{"id": fmt.Sprintf("gr%06d%07d", i, g), "user": u.id, "unit": at.id,
				"role": role, "kind": "concurrent", "starts": dbTime(starts), "ends": dbTime(ends), "revoked": revoked})
			u.grants = append(u.grants, fmt.Sprintf("%s@%s(%s)", role, at.path, state))
		}
		w.users = append(w.users, u)
	}
}

func (w *world) genItems(tb testing.TB, db dbx.Builder, r *rand.Rand, n int) {
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range n {
		at := w.units[r.IntN(len(w.units))]
		owner := w.users[r.IntN(len(w.users))].id
		if r.IntN(10) == 0 {
			owner = "nobody"
		}
		system := at.system
		if r.IntN(5) == 0 { // filed under another system than its unit's
			system = genSystems[r.IntN(len(genSystems))]
		}
		id := fmt.Sprintf("it%013d", i)
		insert(tb, db, "probe_items", dbx.Params{"id": id, "owner": owner, "unit": at.id, "unit_path": at.path,
			"system": system, "reach": genReaches[r.IntN(len(genReaches))], "status": genStatuses[r.IntN(len(genStatuses))],
			"title": "item " + strconv.Itoa(i),
			// coarse times, so equal timestamps test the id tie-break of paging
			"created": dbTime(base.Add(time.Duration(r.IntN(n/2)) * time.Hour))})
		for _, j := range []string{"probe_audience", "probe_participants"} {
			for range r.IntN(3) {
				user := w.users[r.IntN(len(w.users))].id
				_, err := db.NewQuery("INSERT OR IGNORE INTO " + j + " (id, item, user) VALUES ({:id}, {:i}, {:u})").
					Bind(dbx.Params{"id": fmt.Sprintf("j%014d", r.Int64N(1e14)), "i": id, "u": user}).Execute()
				if err != nil {
					tb.Fatal(err)
				}
			}
		}
	}
}

// probePolicy exercises every scope, conditions, g inheritance, the action
// wildcard and deny rows that must win.
const probePolicy = `# business roles inherit staff
g, leader, staff
g, reviewer, staff
g, clerk, staff
g, trainer, staff
g, hr, staff

p, staff, probe, read, own, *, allow
p, staff, probe, read, audience, status=published|archived, allow
p, staff, probe, read, participant, *, allow
p, staff, probe, edit, own, status=draft, allow
p, staff, probe, edit, participant, status=draft|review, allow
p, leader, probe, read, subtree, *, allow
p, leader, probe, *, unit, *, allow
p, reviewer, probe, review, subtree, status=review, allow
p, reviewer, probe, read, system, status=review|published, allow
p, clerk, probe, edit, unit, status=draft|review, allow
p, clerk, probe, read, served, status=review, allow
p, trainer, probe, read, system, status=published, allow
p, hr, probe, read, all, status=archived, allow
p, hr, probe, review, all, system=hr, allow

# deny wins over every allow
p, hr, probe, read, subtree, status=draft, deny
p, trainer, probe, read, participant, status=draft, deny
p, leader, probe, edit, subtree, status=archived, deny
p, reviewer, probe, review, own, *, deny
p, clerk, probe, *, system, system=market, deny
`

const probeInheritance = "g, leader, staff\ng, reviewer, staff\ng, clerk, staff\ng, trainer, staff\ng, hr, staff\n"

func TestFilterMatchesCan(t *testing.T) {
	var mu sync.Mutex
	lines := map[int]int{} // policy line → decisions it made, over all seeds
	seeds := propertySeeds
	if raceEnabled {
		seeds = seeds[:2]
	}
	t.Run("seeds", func(t *testing.T) {
		for _, seed := range seeds {
			t.Run(fmt.Sprintf("seed=%d", seed), func(t *testing.T) {
				t.Parallel()
				seen := propertyRun(t, seed)
				mu.Lock()
				defer mu.Unlock()
				for n, k := range seen {
					lines[n] += k
				}
			})
		}
	})
	if t.Failed() {
		return
	}
	for i, line := range strings.Split(probePolicy, "\n") {
		if strings.HasPrefix(line, "p,") && lines[i+1] == 0 {
			t.Errorf("policy line %d never decided an answer over all seeds: %s", i+1, line)
		}
	}
}

// propertyRun checks one generated world; it returns how many decisions
// each line of probePolicy made.
func propertyRun(t *testing.T, seed uint64) map[int]int {
	app := newProbeApp(t)
	// enough for every policy line to decide something over the seeds
	w := generateWorld(t, app, seed, 28, 130)
	a := newProbeAuthz(t, app, probePolicy)
	c := &checker{t: t, app: app, a: a, w: w, lines: map[int]int{}}
	read := c.check("read")
	edit := c.check("edit")
	c.check("review")
	c.checkComposed(read, edit)
	lines := c.lines

	// One row per scope, so no other scope can hide a predicate that is
	// always true or always false.
	c.lines = nil
	for _, sc := range allScopes {
		cond := "*"
		if sc == ScopeAll {
			cond = "status=published|archived"
		}
		if err := a.Apply(probeInheritance + fmt.Sprintf("p, staff, probe, read, %s, %s, allow\n", sc, cond)); err != nil {
			t.Fatal(err)
		}
		allowed := c.check("read")
		if !c.someStrictSubset(allowed) {
			t.Errorf("seed %d: scope %s: no user sees a strict, non-empty subset of the %d records", seed, sc, len(w.recs))
		}
		if sc == ScopeAudience {
			c.checkReachBranches(allowed)
		}
	}
	return lines
}

// checkReachBranches: among users holding some role, and not counting those
// named in a record's audience rows, each declared reach lets records be
// seen and hidden as it should (all: seen by everyone; none: by nobody);
// so no branch of the audience scope is dead or always true in Can and
// Filter alike.
func (c *checker) checkReachBranches(allowed map[string][]string) {
	var rows []struct {
		Item string `db:"item"`
		User string `db:"user"`
	}
	if err := c.app.DB().Select("item", "user").From("probe_audience").All(&rows); err != nil {
		c.t.Fatal(err)
	}
	named := map[[2]string]bool{}
	for _, r := range rows {
		named[[2]string{r.Item, r.User}] = true
	}
	seen, hidden := map[string]bool{}, map[string]bool{}
	for _, u := range c.w.users {
		if s, err := c.a.Subject(u.id); err != nil || len(s.Assignments) == 0 {
			continue
		}
		for _, rec := range c.w.recs {
			if named[[2]string{rec.Id, u.id}] {
				continue
			}
			if slices.Contains(allowed[u.id], rec.Id) {
				seen[rec.GetString("reach")] = true
			} else {
				hidden[rec.GetString("reach")] = true
			}
		}
	}
	for _, reach := range genReaches {
		wantSeen, wantHidden := reach != "", reach != ReachAll
		if seen[reach] != wantSeen || hidden[reach] != wantHidden {
			c.t.Errorf("seed %d: audience by reach %q: seen by some %v (want %v), hidden from some %v (want %v)",
				c.w.seed, reach, seen[reach], wantSeen, hidden[reach], wantHidden)
		}
	}
}

// checker compares Filter with Can for every user of a world.
type checker struct {
	t     *testing.T
	app   core.App
	a     *Authorizer
	w     *world
	lines map[int]int
	fails int
}

var reasonLine = regexp.MustCompile(`^(?:allow|deny) by policy line (\d+):`)

// check compares, for every user, the rows, the total and the concatenated
// pages of Filter with the records Can allows; it returns the allowed ids.
func (c *checker) check(act string) map[string][]string {
	t := c.t
	t.Helper()
	allowed := map[string][]string{}
	r := rand.New(rand.NewPCG(c.w.seed, uint64(len(act))))
	for _, u := range c.w.users {
		s, err := c.a.Subject(u.id)
		if err != nil {
			t.Fatalf("seed %d: subject %s: %v", c.w.seed, u.id, err)
		}
		var want []string
		reasons := map[string]string{}
		for _, rec := range c.w.recs {
			ok, why := c.a.Can(s, act, rec)
			reasons[rec.Id] = why
			if ok {
				want = append(want, rec.Id)
			}
			if m := reasonLine.FindStringSubmatch(why); m != nil && c.lines != nil {
				n, _ := strconv.Atoi(m[1])
				c.lines[n]++
			}
		}
		allowed[u.id] = want
		if len(want) > 0 && !c.a.Permits(s, act, "probe") {
			c.fail(u, act, "Permits is false but Can allows %d records", len(want))
		}

		f := c.a.Filter(s, act, "probe")
		var total int
		if err := c.app.DB().Select("COUNT(*)").From("probe_items").Where(f).Row(&total); err != nil {
			t.Fatalf("seed %d: count: %v", c.w.seed, err)
		}
		rows := c.ids(f, 0, 0)
		if total != len(rows) {
			c.fail(u, act, "COUNT(*) = %d but the query returns %d rows", total, len(rows))
		}
		per := 1 + r.IntN(1+len(rows)/3) // a few pages each, of every size over the run
		var paged []string
		for off := 0; ; off += per {
			page := c.ids(f, per, off)
			paged = append(paged, page...)
			if len(page) < per {
				break
			}
		}
		if !slices.Equal(paged, rows) {
			c.fail(u, act, "pages of %d do not add up to the list:\n  pages %v\n  list  %v", per, paged, rows)
		}
		if extra, missing := diff(rows, want); len(extra)+len(missing) > 0 {
			c.fail(u, act, "Filter and Can disagree\n  SQL: %s\n  only in Filter: %s\n  only in Can:    %s",
				c.sql(f), c.describe(extra, reasons), c.describe(missing, reasons))
		}
	}
	return allowed
}

// checkComposed ANDs two Filters in one query, as a route adding its own
// conditions does: their parameters must not collide.
func (c *checker) checkComposed(read, edit map[string][]string) {
	for _, u := range c.w.users {
		s, _ := c.a.Subject(u.id)
		var n int
		err := c.app.DB().Select("COUNT(*)").From("probe_items").
			Where(dbx.And(c.a.Filter(s, "read", "probe"), c.a.Filter(s, "edit", "probe"))).Row(&n)
		if err != nil {
			c.t.Fatal(err)
		}
		both := 0
		for _, id := range read[u.id] {
			if slices.Contains(edit[u.id], id) {
				both++
			}
		}
		if n != both {
			c.fail(u, "read+edit", "two Filters in one query count %d, Can allows both on %d", n, both)
		}
	}
}

func (c *checker) someStrictSubset(allowed map[string][]string) bool {
	for _, ids := range allowed {
		if len(ids) > 0 && len(ids) < len(c.w.recs) {
			return true
		}
	}
	return false
}

func (c *checker) ids(f dbx.Expression, limit, offset int) []string {
	q := c.app.DB().Select("id").From("probe_items").Where(f).OrderBy("created DESC", "id ASC")
	if limit > 0 {
		q = q.Limit(int64(limit)).Offset(int64(offset))
	}
	var out []string
	if err := q.Column(&out); err != nil {
		c.t.Fatalf("seed %d: list: %v", c.w.seed, err)
	}
	return out
}

func (c *checker) fail(u genUser, act, format string, args ...any) {
	c.t.Helper()
	c.t.Errorf("seed %d, user %s (unit %s, roles %v, grants %v), action %s: %s",
		c.w.seed, u.id, c.unitPath(u.unit), u.roles, u.grants, act, fmt.Sprintf(format, args...))
	if c.fails++; c.fails >= 5 {
		c.t.FailNow()
	}
}

func (c *checker) unitPath(id string) string {
	for _, u := range c.w.units {
		if u.id == id {
			return u.path
		}
	}
	return "?"
}

func (c *checker) sql(f dbx.Expression) string {
	q := c.app.DB().Select("id").From("probe_items").Where(f).Build()
	return fmt.Sprintf("%s %v", q.SQL(), q.Params())
}

// describe shows up to 5 records with the fields the scopes read.
func (c *checker) describe(ids []string, reasons map[string]string) string {
	var parts []string
	for i, id := range ids {
		if i == 5 {
			parts = append(parts, fmt.Sprintf("… %d more", len(ids)-5))
			break
		}
		for _, r := range c.w.recs {
			if r.Id == id {
				parts = append(parts, fmt.Sprintf("\n    %s owner=%s unit_path=%s system=%q reach=%q status=%s [%s]",
					id, r.GetString("owner"), r.GetString("unit_path"), r.GetString("system"),
					r.GetString("reach"), r.GetString("status"), reasons[id]))
			}
		}
	}
	return strings.Join(parts, "")
}

// diff returns what is only in got and what is only in want.
func diff(got, want []string) (extra, missing []string) {
	for _, id := range got {
		if !slices.Contains(want, id) {
			extra = append(extra, id)
		}
	}
	for _, id := range want {
		if !slices.Contains(got, id) {
			missing = append(missing, id)
		}
	}
	return extra, missing
}
