package casework_test

import (
	"fmt"
	"govcollab/hooks/markdown"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"govcollab/hooks/apptest"
	"govcollab/hooks/apptest/benchpair"
)

// benchCases is 100k; CASE_BENCH_DOCS overrides it for a quick look.
var benchCases = func() int {
	if n, err := strconv.Atoi(os.Getenv("CASE_BENCH_DOCS")); err == nil && n > 0 {
		return n
	}
	return 100_000
}()

var benchBody = func() string {
	s := "## 背景\n\n群众反映办事材料多、跑动次数多。\n\n## 做法\n\n"
	for i := range 30 {
		s += fmt.Sprintf("%d. 第 %d 项措施：压缩时限，**并联审批**，数据共享，[政策原文](https://gov.example/p/%d)。\n", i+1, i+1, i)
	}
	return s + "\n| 指标 | 改革前 | 改革后 |\n|---|---|---|\n| 时限 | 5 天 | 1 天 |\n"
}()

// fillCases inserts n published cases spread over the demo units, scopes and
// tags, straight into the table (one transaction).
func fillCases(b *testing.B, app core.App, n int) {
	b.Helper()
	var units []*core.Record
	if err := app.RecordQuery("units").All(&units); err != nil {
		b.Fatal(err)
	}
	author := apptest.UserID(b, "staff.east.tax")
	html, err := markdown.Render(benchBody)
	if err != nil {
		b.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(6, 2026))
	scopes := []string{"unit", "subtree", "system", "all"}
	tags := []string{"营业执照", "税务登记", "社保缴费", "一网通办", "告知承诺", "欠税", "培训", "便民服务"}
	err = app.RunInTransaction(func(tx core.App) error {
		ins := tx.DB().NewQuery("INSERT INTO cases (id, title, summary, body, body_html, tags, business, scope, status, live, author, unit, unit_path, system, version, published_version, published_at, views, votes, comments, created, updated) " +
			"VALUES ({:id}, {:t}, '摘要', {:b}, {:h}, {:tags}, '政务服务', {:scope}, 'published', 'published', {:a}, {:u}, {:p}, {:sys}, 1, 1, {:at}, 0, 0, 0, {:at}, {:at})").Prepare()
		defer ins.Close()
		tags2 := tx.DB().NewQuery("INSERT INTO case_tags (id, case_id, tag) VALUES ({:id}, {:c}, {:t})").Prepare()
		defer tags2.Close()
		base := time.Now().Add(-time.Duration(n) * time.Minute)
		for i := range n {
			u := units[rng.IntN(len(units))]
			t1, t2 := tags[rng.IntN(len(tags))], tags[rng.IntN(len(tags))]
			tg := fmt.Sprintf(`[%q,%q]`, t1, t2)
			at := base.Add(time.Duration(i) * time.Minute).UTC().Format("2006-01-02 15:04:05.000Z")
			if _, err := ins.Bind(dbx.Params{"id": fmt.Sprintf("bc%013d", i), "t": fmt.Sprintf("案例 %d", i), "b": benchBody, "h": html,
				"tags": tg, "scope": scopes[rng.IntN(4)], "a": author, "u": u.Id, "p": u.GetString("path"),
				"sys": u.GetString("system"), "at": at}).Execute(); err != nil {
				return err
			}
			for k, t := range slices.Compact([]string{t1, t2}) {
				if _, err := tags2.Bind(dbx.Params{"id": fmt.Sprintf("t%013d%d", i, k), "c": fmt.Sprintf("bc%013d", i), "t": t}).Execute(); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
}

// BenchmarkCaseView: GET /api/gov/cases/{id} serving the cached HTML
// against the same request plus rendering the Markdown each time.
func BenchmarkCaseView(b *testing.B) {
	app, _ := apptest.New(b)
	b.Cleanup(app.Cleanup)
	base := apptest.Serve(b, app)
	var id string
	if err := app.DB().NewQuery("SELECT id FROM cases WHERE live = 'published' AND scope = 'all' LIMIT 1").Row(&id); err != nil {
		b.Fatal(err)
	}
	if _, err := app.DB().NewQuery("UPDATE cases SET body = {:b} WHERE id = {:id}").Bind(dbx.Params{"b": benchBody, "id": id}).Execute(); err != nil {
		b.Fatal(err)
	}
	tok := apptest.Token(b, "staff.west.tax")
	view := func() {
		req, _ := http.NewRequest(http.MethodGet, base+"/api/gov/cases/"+id, nil)
		req.Header.Set("Authorization", tok)
		res, err := http.DefaultClient.Do(req)
		if err != nil || res.StatusCode != 200 {
			b.Fatalf("view: %v %v", err, res)
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
	}
	render := func() {
		view()
		if _, err := markdown.Render(benchBody); err != nil {
			b.Fatal(err)
		}
	}
	benchpair.Run(b, "render", 8, view, render)
}

// BenchmarkFeed: a page of GET /api/gov/feed (policy filter, follows, exact
// total) over 100k published cases; p50 and p95 in ms.
func BenchmarkFeed(b *testing.B) {
	app, _ := apptest.New(b)
	b.Cleanup(app.Cleanup)
	t0 := time.Now()
	fillCases(b, app, benchCases)
	setup := time.Since(t0)
	base := apptest.Serve(b, app)
	tok := apptest.Token(b, "staff.west.tax")
	for _, f := range [][2]string{{"tag", "营业执照"}, {"tag", "欠税"}, {"system", "tax"}} {
		col, _ := app.FindCollectionByNameOrId("follows")
		r := core.NewRecord(col)
		r.Load(map[string]any{"user": apptest.UserID(b, "staff.west.tax"), "kind": f[0], "target": f[1]})
		if err := app.Save(r); err != nil {
			b.Fatal(err)
		}
	}
	var times []time.Duration
	for b.Loop() {
		t := time.Now()
		req, _ := http.NewRequest(http.MethodGet, base+"/api/gov/feed", nil)
		req.Header.Set("Authorization", tok)
		res, err := http.DefaultClient.Do(req)
		if err != nil || res.StatusCode != 200 {
			b.Fatalf("feed: %v %v", err, res)
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
		times = append(times, time.Since(t))
	}
	slices.Sort(times)
	ms := func(p int) float64 { return float64(times[min(len(times)-1, len(times)*p/100)].Microseconds()) / 1000 }
	b.ReportMetric(setup.Seconds(), "setup-s")
	b.ReportMetric(ms(50), "p50-ms")
	b.ReportMetric(ms(95), "p95-ms")
}
