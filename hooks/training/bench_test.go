package training_test

import (
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"govcollab/hooks/apptest"
	"govcollab/migrations"
)

// complianceScale is 200k people with 10 credits each; COMPLIANCE_BENCH_PEOPLE
// overrides it for a quick look.
var complianceScale = func() int {
	if n, err := strconv.Atoi(os.Getenv("COMPLIANCE_BENCH_PEOPLE")); err == nil && n > 0 {
		return n
	}
	return 200_000
}()

// BenchmarkCompliance is the province's rollup (GET compliance for the
// province as its leader: every child unit's subtree, the total, hours by
// category) over 200k people and 2M ledger rows, against the naive way in
// the same run: each person's year summed from their credits, one query
// per person, grouped by child unit in Go.
func BenchmarkCompliance(b *testing.B) {
	app, g := apptest.New(b)
	b.Cleanup(app.Cleanup)
	var units []struct {
		ID   string `db:"id"`
		Path string `db:"path"`
	}
	if err := app.DB().Select("id", "path").From("units").All(&units); err != nil {
		b.Fatal(err)
	}
	const year = 2026
	rng := rand.New(rand.NewPCG(10, 26))
	t0 := time.Now()
	err := app.RunInTransaction(func(tx core.App) error {
		tot := tx.DB().NewQuery(`INSERT INTO training_totals (id, user, year, unit, unit_path, hours, by_category, required, met,
				h_politics, h_party, h_business, h_law, h_it, h_general)
			VALUES ({:id}, {:u}, {:y}, {:unit}, {:p}, {:h}, {:by}, 90, {:met}, {:c0}, {:c1}, {:c2}, {:c3}, {:c4}, {:c5})`).Prepare()
		defer tot.Close()
		cr := tx.DB().NewQuery(`INSERT INTO training_credits (id, user, unit, unit_path, year, hours, category, source, status, title, course, earned_at, created, updated)
			VALUES ({:id}, {:u}, {:unit}, {:p}, {:y}, {:h}, {:c}, 'manual', 'approved', '网络学院在线学习', '', '2026-03-01 00:00:00.000Z', '2026-03-01 00:00:00.000Z', '2026-03-01 00:00:00.000Z')`).Prepare()
		defer cr.Close()
		for i := range complianceScale {
			u := units[rng.IntN(len(units))]
			user := fmt.Sprintf("bu%013d", i)
			by := map[string]float64{}
			var sum float64
			for k := range 10 {
				h := float64(1 + rng.IntN(16))
				cat := migrations.CourseCategories[rng.IntN(len(migrations.CourseCategories))]
				by[cat] += h
				sum += h
				if _, err := cr.Bind(dbx.Params{"id": fmt.Sprintf("bc%06d%07d", k, i), "u": user, "unit": u.ID, "p": u.Path,
					"y": year, "h": h, "c": cat}).Execute(); err != nil {
					return err
				}
			}
			p := dbx.Params{"id": fmt.Sprintf("bt%013d", i), "u": user, "y": year, "unit": u.ID, "p": u.Path,
				"h": sum, "by": toJSON(by), "met": sum >= 90}
			for k, c := range migrations.CourseCategories { // the columns in migration order
				p[fmt.Sprint("c", k)] = by[c]
			}
			if _, err := tot.Bind(p).Execute(); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	setup := time.Since(t0)
	s, err := g.Authz.Subject(apptest.UserID(b, "leader.prov"))
	if err != nil {
		b.Fatal(err)
	}
	prov, err := app.FindFirstRecordByData("units", "name", "示范省人民政府")
	if err != nil {
		b.Fatal(err)
	}
	var times []time.Duration
	var people int
	for b.Loop() {
		t := time.Now()
		c, err := g.Training.Rollups(app, s, year, prov)
		if err != nil {
			b.Fatal(err)
		}
		times = append(times, time.Since(t))
		people = c.Total.People
	}
	if people < complianceScale {
		b.Fatalf("the rollup counted %d people of %d", people, complianceScale)
	}
	// the naive way, once: every person of the province, their year summed
	// from the ledger one by one
	t1 := time.Now()
	var who []struct {
		User string `db:"user"`
		Path string `db:"unit_path"`
	}
	if err := app.DB().NewQuery("SELECT DISTINCT user, unit_path FROM training_credits WHERE year = {:y}").
		Bind(dbx.Params{"y": year}).All(&who); err != nil {
		b.Fatal(err)
	}
	sum := app.DB().NewQuery("SELECT COALESCE(SUM(hours), 0) FROM training_credits WHERE user = {:u} AND year = {:y} AND status = 'approved'").Prepare()
	byChild := map[string]float64{}
	for _, w := range who {
		var h float64
		if err := sum.Bind(dbx.Params{"u": w.User, "y": year}).Row(&h); err != nil {
			b.Fatal(err)
		}
		byChild[w.Path[:min(len(w.Path), 11)]] += h
	}
	sum.Close()
	naive := time.Since(t1)
	slices.Sort(times)
	p50 := float64(times[len(times)/2].Microseconds()) / 1000
	b.ReportMetric(setup.Seconds(), "setup-s")
	b.ReportMetric(p50, "p50-ms")
	b.ReportMetric(float64(naive.Milliseconds()), "naive-ms")
	b.ReportMetric(float64(naive.Microseconds())/1000/p50, "vs_naive_ratio")
}
