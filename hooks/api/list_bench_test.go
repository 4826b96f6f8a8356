package api_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"
	"github.com/pocketbase/pocketbase/tools/types"

	"govcollab/hooks"
	"govcollab/hooks/api"
	"govcollab/migrations"
	"govcollab/policies"

	"govcollab/hooks/apptest/benchpair"
)

// The guarded list (api.List behind a real route) against PocketBase's own
// records list with an equivalent ListRule, on the same 200k rows: a leader
// of one of 10 equal cities, whose subtree holds 10% of them, asks for the
// 20 newest.

const (
	benchRows   = 200_000
	benchCities = 10
	ourList     = "/api/gov/bench_items?sort=-created&perPage=20"
	pbList      = "/api/collections/bench_items/records?sort=-created&perPage=20"
)

// benchEnv is an app with rows, two leaders and the router; the 200k-row
// one is built once per test binary and shared by every benchmark run.
type benchEnv struct {
	app    *tests.TestApp
	mux    http.Handler
	rows   int
	token  string // leader of a city: 10% of the rows
	small  string // leader of a township: a few rows
	inTree int    // rows in the city's subtree
}

var (
	benchOnce sync.Once
	bench     *benchEnv
	benchErr  error
)

// TestMain removes the shared benchmark app, which outlives every single
// benchmark (their Cleanup runs after each b.N round).
func TestMain(m *testing.M) {
	code := m.Run()
	if bench != nil {
		bench.app.Cleanup()
	}
	os.Exit(code)
}

func benchSetup(b *testing.B) *benchEnv {
	b.Helper()
	benchOnce.Do(func() { bench, benchErr = buildBenchEnv(benchRows) })
	if benchErr != nil {
		b.Fatal(benchErr)
	}
	return bench
}

func buildBenchEnv(rows int) (*benchEnv, error) {
	empty, err := os.MkdirTemp("", "gov-bench-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(empty) // the app works on its own clone
	app, err := tests.NewTestAppWithConfig(core.BaseAppConfig{DataDir: empty})
	if err != nil {
		return nil, err
	}
	env := &benchEnv{app: app, rows: rows}
	if err := env.build(); err != nil {
		app.Cleanup()
		return nil, err
	}
	return env, nil
}

func (env *benchEnv) build() error {
	app := env.app
	items := core.NewBaseCollection("bench_items")
	for _, f := range []string{"title", "unit", "unit_path", "system", "status", "body"} {
		items.Fields.Add(&core.TextField{Name: f})
	}
	items.Fields.Add(&core.AutodateField{Name: "created", OnCreate: true},
		&core.AutodateField{Name: "updated", OnCreate: true, OnUpdate: true})
	items.AddIndex("idx_bench_items_unit_path", false, "unit_path", "")
	items.AddIndex("idx_bench_items_created", false, "created", "")
	// PocketBase's nearest equivalent of our subtree scope (a contains, not a
	// prefix: the same rows here only because every path segment is unique).
	rule := "unit_path ~ @request.auth.unit_path"
	items.ListRule = &rule
	if err := app.Save(items); err != nil {
		return err
	}
	cities, err := generateBenchRows(app, env.rows)
	if err != nil {
		return err
	}
	env.inTree = env.rows / benchCities
	if env.token, err = benchUser(app, "bench.leader", cities[3]); err != nil {
		return err
	}
	var town benchUnit
	err = app.DB().Select("id", "path").From("units").Where(dbx.NewExp("level = 'township' AND path > {:p}",
		dbx.Params{"p": cities[3].path})).OrderBy("path").Limit(1).Row(&town.id, &town.path)
	if err != nil {
		return err
	}
	if env.small, err = benchUser(app, "bench.town", town); err != nil {
		return err
	}
	return env.serve()
}

type benchUnit struct{ id, path string }

func benchUser(app core.App, username string, u benchUnit) (string, error) {
	users, err := app.FindCollectionByNameOrId("users")
	if err != nil {
		return "", err
	}
	r := core.NewRecord(users)
	r.Set("username", username)
	r.Set("unit", u.id)
	r.Set("unit_path", u.path)
	r.Set("roles", []string{"leader"})
	r.Set("active", true)
	r.SetPassword("bench-password-1")
	if err := app.Save(r); err != nil {
		return "", err
	}
	return r.NewAuthToken()
}

// generateBenchRows writes a 4-level tree (1 province, 10 cities, 6 counties
// each, 5 townships each) and n rows spread evenly over the cities, in
// one transaction with one prepared insert. Path segments are unique across
// the tree (see the ListRule).
func generateBenchRows(app core.App, n int) ([]benchUnit, error) {
	r := rand.New(rand.NewPCG(42, 42))
	var cities []benchUnit
	subtrees := map[string][]benchUnit{} // city id → its units, itself included
	err := app.RunInTransaction(func(tx core.App) error {
		seq := 0
		unit := func(parent, level string) (benchUnit, error) {
			seq++
			u := benchUnit{id: fmt.Sprintf("bu%013d", seq), path: fmt.Sprintf("%s%04d/", parent, seq)}
			_, err := tx.DB().Insert("units", dbx.Params{"id": u.id, "name": u.id, "level": level,
				"kind": "department", "path": u.path, "active": true}).Execute()
			return u, err
		}
		prov, err := unit("/", "province")
		if err != nil {
			return err
		}
		for range benchCities {
			c, err := unit(prov.path, "city")
			if err != nil {
				return err
			}
			cities = append(cities, c)
			subtrees[c.id] = []benchUnit{c}
			for range 6 {
				county, err := unit(c.path, "county")
				if err != nil {
					return err
				}
				subtrees[c.id] = append(subtrees[c.id], county)
				for range 5 {
					town, err := unit(county.path, "township")
					if err != nil {
						return err
					}
					subtrees[c.id] = append(subtrees[c.id], town)
				}
			}
		}

		q := tx.DB().NewQuery(`INSERT INTO bench_items (id, title, unit, unit_path, system, status, body, created, updated)
			VALUES ({:id}, {:title}, {:unit}, {:path}, {:system}, {:status}, {:body}, {:created}, {:created})`).Prepare()
		defer q.Close()
		base := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
		created := r.Perm(n) // distinct times: one order for both lists
		for i := range n {
			tree := subtrees[cities[i%benchCities].id]
			u := tree[r.IntN(len(tree))]
			_, err := q.Bind(dbx.Params{"id": fmt.Sprintf("bi%013d", i), "title": fmt.Sprintf("经验案例 %d", i),
				"unit": u.id, "path": u.path, "system": []string{"tax", "hr", "market", "office"}[r.IntN(4)],
				"status": "published", "body": "关于基层治理的经验做法与成效，供各级单位参考借鉴。",
				"created": base.Add(time.Duration(created[i]) * 157 * time.Second).Format(types.DefaultDateLayout),
			}).Execute()
			if err != nil {
				return err
			}
		}
		return nil
	})
	return cities, err
}

// serve wires the authorizer and our route onto PocketBase's router, as
// OnServe does at start-up, and keeps the mux for the benchmarks.
func (env *benchEnv) serve() error {
	app := env.app
	benchType := policies.ObjectType{Name: "bench", Table: "bench_items", Actions: []string{"read"},
		Unit: "unit", UnitPath: "unit_path", System: "system"}
	authz, err := policies.New(app, migrations.Roles, append(hooks.ObjectTypes(), benchType)...)
	if err != nil {
		return err
	}
	if err := authz.Apply(policies.BuiltinPolicy() + "\np, leader, bench, read, subtree, *, allow\n"); err != nil {
		return err
	}
	a := api.NewApp(app, authz)
	spec := api.ListSpec{Object: "bench", Sort: map[string]string{"created": "created", "title": "title"}, DefaultSort: "-created"}
	app.OnServe().BindFunc(func(se *core.ServeEvent) error {
		se.Router.Bind(api.ErrorMiddleware())
		se.Router.GET("/api/gov/bench_items", func(e *core.RequestEvent) error {
			return api.List(a, e, spec, func(_ *policies.Subject, r *core.Record) *core.Record { return r })
		})
		return se.Next()
	})
	router, err := apis.NewRouter(app)
	if err != nil {
		return err
	}
	se := &core.ServeEvent{App: app, Router: router}
	return app.OnServe().Trigger(se, func(e *core.ServeEvent) error {
		env.mux, err = e.Router.BuildMux()
		return err
	})
}

type listAnswer struct {
	TotalItems int `json:"totalItems"`
	Items      []struct {
		ID string `json:"id"`
	} `json:"items"`
}

func (env *benchEnv) getAs(tb testing.TB, token, url string) listAnswer {
	tb.Helper()
	req := httptest.NewRequest(http.MethodGet, url, nil)
	req.Header.Set("Authorization", token)
	rec := httptest.NewRecorder()
	env.mux.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		tb.Fatalf("GET %s: %d %s", url, rec.Code, rec.Body.String())
	}
	var out listAnswer
	if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil {
		tb.Fatal(err)
	}
	return out
}

func ids(l listAnswer) []string {
	var out []string
	for _, it := range l.Items {
		out = append(out, it.ID)
	}
	return out
}

// TestListPlan: however walkSortOrder has SQLite find a page, it is the
// page PocketBase's own list gives, and the sort order is walked only where
// matches are dense (seen in the SQL actually run).
func TestListPlan(t *testing.T) {
	env, err := buildBenchEnv(6000)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(env.app.Cleanup)
	var mu sync.Mutex
	walked := 0
	env.app.ConcurrentDB().(*dbx.DB).QueryLogFunc = func(_ context.Context, _ time.Duration, sql string, _ *sql.Rows, _ error) {
		if strings.HasPrefix(sql, "SELECT ") && strings.Contains(sql, "FROM `bench_items` WHERE +(") {
			mu.Lock()
			walked++
			mu.Unlock()
		}
	}
	// 600 rows in the city, 6000 in all: walked while 600 > √(need·6000).
	cases := []struct {
		name, token, query string
		walk               bool
	}{
		{"city", env.token, "sort=-created", true},
		{"city, skipTotal", env.token, "sort=-created&skipTotal=1", true},
		{"city, page 2", env.token, "sort=-created&page=2", true},
		{"city, page 6", env.token, "sort=-created&page=6", false},
		{"city, page 6, skipTotal", env.token, "sort=-created&page=6&skipTotal=1", false},
		{"city, by title (no index)", env.token, "sort=title", false},
		{"township", env.small, "sort=-created", false},
		{"township, skipTotal", env.small, "sort=-created&skipTotal=1", false},
	}
	for _, c := range cases {
		walked = 0
		ours := env.getAs(t, c.token, "/api/gov/bench_items?perPage=20&"+c.query)
		if got := walked > 0; got != c.walk {
			t.Errorf("%s: walked the sort order: %v, want %v", c.name, got, c.walk)
		}
		pb := env.getAs(t, c.token, "/api/collections/bench_items/records?perPage=20&"+c.query)
		if len(ours.Items) == 0 || !slices.Equal(ids(ours), ids(pb)) || ours.TotalItems != pb.TotalItems {
			t.Errorf("%s: ours (%d) %v\n pb (%d) %v", c.name, ours.TotalItems, ids(ours), pb.TotalItems, ids(pb))
		}
	}
}

// BenchmarkList: ours as ns/op, PocketBase's as pb-ns/op, and vs_pb_ratio
// (targets for the city leader: ≤ 0.25 with totals, ≤ 1.5 with skipTotal=1;
// the township leader, 0.27% of the rows, shows the other plan).
func BenchmarkList(b *testing.B) {
	for _, c := range []struct{ name, query string }{
		{"total", ""}, {"skipTotal", "&skipTotal=1"}, {"township/skipTotal", "&skipTotal=1"},
	} {
		b.Run(c.name, func(b *testing.B) {
			env := benchSetup(b)
			token := env.token
			if strings.HasPrefix(c.name, "township") {
				token = env.small
			}
			ours, pb := env.getAs(b, token, ourList+c.query), env.getAs(b, token, pbList+c.query)
			// Both must answer the same before their times mean anything.
			if len(ours.Items) != 20 || !slices.Equal(ids(ours), ids(pb)) || ours.TotalItems != pb.TotalItems {
				b.Fatalf("different pages:\n ours (%d) %v\n pb   (%d) %v", ours.TotalItems, ids(ours), pb.TotalItems, ids(pb))
			}
			if c.query == "" && ours.TotalItems != env.inTree {
				b.Fatalf("total %d, want %d", ours.TotalItems, env.inTree)
			}
			benchpair.Run(b, "pb", 4, func() { env.getAs(b, token, ourList+c.query) }, func() { env.getAs(b, token, pbList+c.query) })
		})
	}
}
