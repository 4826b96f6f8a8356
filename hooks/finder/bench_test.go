package finder_test

import (
	"fmt"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"govcollab/hooks"
	"govcollab/hooks/apptest"
	"govcollab/hooks/search"
	"govcollab/hooks/search/searchgen"
	"govcollab/policies"
)

// unifiedItems is the benchmark's size: 1M items; UNIFIED_BENCH_ITEMS
// overrides it for a quick look.
var unifiedItems = func() int {
	if n, err := strconv.Atoi(os.Getenv("UNIFIED_BENCH_ITEMS")); err == nil && n > 0 {
		return n
	}
	return 1_000_000
}()

type unifiedFixture struct {
	app   core.App
	g     *hooks.Gov
	s     *policies.Subject
	user  *core.Record
	terms []string
	setup time.Duration
}

// buildUnified fills the real tables with unifiedItems items — 40% cases,
// 30% notices, 20% documents, 10% courses — of the demo units, each a
// title and 60 to 200 characters of text, indexed as the modules index
// them. staff.east.tax receives 3% of the notices (a receipt each), holds
// a pending task on 0.05% of the documents, and is offered 10% of the
// courses (to 东城市); cases have the scopes of practice.
func buildUnified(b testing.TB) *unifiedFixture {
	app, g := apptest.New(b)
	b.Cleanup(app.Cleanup)
	var units []*core.Record
	if err := app.RecordQuery("units").All(&units); err != nil {
		b.Fatal(err)
	}
	userID := apptest.UserID(b, "staff.east.tax")
	user, err := app.FindRecordById("users", userID)
	if err != nil {
		b.Fatal(err)
	}
	city := apptest.UnitID(b, app, "东城市人民政府")
	w := searchgen.NewWriter(2026)
	scopes := []string{"all", "all", "all", "system", "system", "subtree", "subtree", "unit"}
	t0 := time.Now()
	err = app.RunInTransaction(func(tx core.App) error {
		q := func(sql string) *dbx.Query { return tx.DB().NewQuery(sql).Prepare() }
		insCase := q(`INSERT INTO cases (id, title, summary, body, body_html, tags, business, scope, status, live, author, unit, unit_path, system,
			version, published_version, published_at, views, votes, comments, created, updated) VALUES ({:id}, {:t}, '', {:b}, '', '[]', '政务服务',
			{:scope}, 'published', 'published', {:a}, {:u}, {:p}, {:sys}, 1, 1, {:at}, 0, 0, 0, {:at}, {:at})`)
		insNotice := q(`INSERT INTO notices (id, title, body, category, urgency, status, published_at, publisher, unit, unit_path, system, chain,
			root, audience, created, updated) VALUES ({:id}, {:t}, {:b}, '通知', '平件', 'published', {:at}, {:a}, {:u}, {:p}, {:sys}, {:chain},
			{:id}, '{}', {:at}, {:at})`)
		insReceipt := q(`INSERT INTO notice_receipts (id, notice, root, chain, user, unit, unit_path, created)
			VALUES ({:id}, {:n}, {:n}, {:chain}, {:user}, {:u}, {:p}, {:at})`)
		insDoc := q(`INSERT INTO docs (id, type, title, body, urgency, classification, drafter, unit, unit_path, system, status, number, created, updated)
			VALUES ({:id}, '签报', {:t}, {:b}, '平件', '内部', {:a}, {:u}, {:p}, {:sys}, {:st}, '', {:at}, {:at})`)
		insTask := q(`INSERT INTO doc_tasks (id, doc, slot, user, unit, status, step, created)
			VALUES ({:id}, {:d}, 's1', {:user}, {:u}, 'pending', 1, {:at})`)
		insCourse := q(`INSERT INTO courses (id, title, description, category, mode, hours, status, trainer, unit, unit_path, system, audience, year,
			created, updated) VALUES ({:id}, {:t}, {:b}, '业务知识', '线上', 2, 'published', {:a}, {:u}, {:p}, {:sys}, '{}', 2026, {:at}, {:at})`)
		insTarget := q(`INSERT INTO course_targets (course, grp, kind, value) VALUES ({:c}, 'in', 'subtree', {:city})`)
		for _, st := range []*dbx.Query{insCase, insNotice, insReceipt, insDoc, insTask, insCourse, insTarget} {
			defer st.Close()
		}
		base := time.Now().Add(-time.Duration(unifiedItems) * time.Minute)
		author := apptest.UserID(b, "leader.east")
		bulk := map[string]*search.Bulk{}
		for _, t := range []string{"case", "notice", "doc", "course"} {
			bulk[t] = search.NewBulk(tx, t) // as a rebuild indexes
		}
		for i := range unifiedItems {
			u := units[w.Rng.IntN(len(units))]
			title, _, _, _ := w.WriteUp()
			body := w.Sentence(60 + w.Rng.IntN(140))
			at := base.Add(time.Duration(i) * time.Minute).UTC().Format("2006-01-02 15:04:05.000Z")
			p := dbx.Params{"t": title, "b": body, "a": author, "u": u.Id, "p": u.GetString("path"), "sys": u.GetString("system"), "at": at}
			var err error
			switch k := i % 10; {
			case k < 4:
				p["id"], p["scope"] = fmt.Sprintf("uc%013d", i), scopes[w.Rng.IntN(len(scopes))]
				if _, err = insCase.Bind(p).Execute(); err == nil {
					row := benchRow{"id": p["id"].(string), "scope": p["scope"].(string), "status": "published", "live": "published",
						"author": author, "unit": u.Id, "unit_path": u.GetString("path"), "system": u.GetString("system")}
					err = bulk["case"].Add(row["id"], search.Doc{Title: title, Body: body, Vis: g.Authz.VisTokens("case", row)})
				}
			case k < 7:
				id := fmt.Sprintf("un%013d", i)
				p["id"], p["chain"] = id, "/"+id+"/"
				if _, err = insNotice.Bind(p).Execute(); err == nil && w.Rng.IntN(100) < 3 {
					_, err = insReceipt.Bind(dbx.Params{"id": fmt.Sprintf("ur%013d", i), "n": id, "chain": p["chain"], "user": userID,
						"u": user.GetString("unit"), "p": user.GetString("unit_path"), "at": at}).Execute()
				}
				if err == nil {
					err = bulk["notice"].Add(id, search.Doc{Title: title, Body: body, Tags: []string{"通知"}})
				}
			case k < 9:
				id := fmt.Sprintf("ud%013d", i)
				p["id"], p["st"] = id, []string{"archived", "review", "dispatched"}[w.Rng.IntN(3)]
				if _, err = insDoc.Bind(p).Execute(); err == nil && w.Rng.IntN(2000) == 0 {
					_, err = insTask.Bind(dbx.Params{"id": fmt.Sprintf("ut%013d", i), "d": id, "user": userID, "u": user.GetString("unit"), "at": at}).Execute()
				}
				if err == nil {
					err = bulk["doc"].Add(id, search.Doc{Title: title, Summary: u.GetString("name"), Body: body, Tags: []string{"签报"}})
				}
			default:
				id := fmt.Sprintf("uk%013d", i)
				p["id"] = id
				if _, err = insCourse.Bind(p).Execute(); err == nil && w.Rng.IntN(10) == 0 {
					_, err = insTarget.Bind(dbx.Params{"c": id, "city": city}).Execute()
				}
				if err == nil {
					err = bulk["course"].Add(id, search.Doc{Title: title, Body: body, Tags: []string{"业务知识", "线上"}})
				}
			}
			if err != nil {
				return fmt.Errorf("item %d: %w", i, err)
			}
		}
		for _, bk := range bulk {
			if err := bk.Flush(); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	if err := search.Optimize(app); err != nil { // as the nightly job leaves it
		b.Fatal(err)
	}
	s, err := g.Authz.Subject(userID)
	if err != nil {
		b.Fatal(err)
	}
	f := &unifiedFixture{app: app, g: g, s: s, user: user, setup: time.Since(t0)}
	if f.terms, _, err = searchgen.TermsByFrequency(app, 20); err != nil {
		b.Fatal(err)
	}
	return f
}

// benchRow is a generated case's policy fields (policies.Object).
type benchRow map[string]string

func (r benchRow) GetString(k string) string { return r[k] }

// BenchmarkUnified builds unifiedItems mixed items once (setup-s) and
// measures over them the unified search (search) and the workbench
// (workbench).
func BenchmarkUnified(b *testing.B) {
	f := buildUnified(b)
	b.Run("search", func(b *testing.B) { benchUnifiedSearch(b, f) })
	b.Run("workbench", func(b *testing.B) { benchWorkbench(b, f) })
}

// benchUnifiedSearch: a two-character query over the unified search (all
// four types, each under staff.east.tax's policy; a page of 20 with the
// facets) against the same by LIKE (title and body of each type's table,
// the same policies as SQL, the same capped totals) in the same run.
// p50/p95 over 20 terms sampled across document frequencies, five times
// each.
func benchUnifiedSearch(b *testing.B, f *unifiedFixture) {
	ours := func(term string) (int, time.Duration) {
		t0 := time.Now()
		res, err := f.g.Finder.Search(f.app, f.s, term, 1, 20)
		if err != nil {
			b.Fatal(err)
		}
		return res.TotalItems, time.Since(t0)
	}
	srcs := map[string]search.Source{}
	for _, src := range []search.Source{f.g.Cases.SearchSource(), f.g.Notices.SearchSource(), f.g.Docs.SearchSource(), f.g.Training.SearchSource()} {
		srcs[src.Type] = src
	}
	like := func(term string) (int, time.Duration) {
		t0 := time.Now()
		total := 0
		for _, t := range []string{"case", "notice", "doc", "course"} {
			src := srcs[t]
			p, ok, err := src.Part(f.app, f.s, nil)
			if err != nil || !ok {
				b.Fatal(t, err)
			}
			where := dbx.Or(dbx.Like(src.Table+".title", term), dbx.Like(src.Table+".body", term))
			if t == "course" {
				where = dbx.Or(dbx.Like("courses.title", term), dbx.Like("courses.description", term))
			}
			if t == "case" {
				where = dbx.And(where, f.g.Authz.Filter(f.s, "read", "case"), dbx.HashExp{"cases.live": "published"})
			} else {
				where = dbx.And(where, p.Filter)
			}
			capped := f.app.DB().Select(src.Table + ".id").From(src.Table).Where(where).Limit(search.MaxTotal + 1).Build()
			var n int
			if err := f.app.DB().NewQuery("SELECT COUNT(*) FROM (" + capped.SQL() + ")").Bind(capped.Params()).Row(&n); err != nil {
				b.Fatal(err)
			}
			var rows []dbx.NullStringMap
			if err := f.app.DB().Select(src.Table+".id", src.Table+".title").From(src.Table).Where(where).
				OrderBy(src.Table + ".created DESC").Limit(20).All(&rows); err != nil {
				b.Fatal(err)
			}
			total += min(n, search.MaxTotal)
		}
		return min(total, search.MaxTotal), time.Since(t0)
	}
	var tOurs, tLike []time.Duration
	for b.Loop() {
		tOurs, tLike = nil, nil
		for rep := range 5 {
			for i, term := range f.terms {
				n, d := ours(term)
				tOurs = append(tOurs, d)
				if rep == 0 && i%4 == 0 { // LIKE reads every row: a few terms, once
					m, d := like(term)
					if m != n && n < search.MaxTotal {
						b.Fatalf("%q: unified total %d, LIKE total %d", term, n, m)
					}
					tLike = append(tLike, d)
				}
			}
		}
	}
	p50, p95, l50 := searchgen.Percentile(tOurs, 50), searchgen.Percentile(tOurs, 95), searchgen.Percentile(tLike, 50)
	b.ReportMetric(f.setup.Seconds(), "setup-s")
	b.ReportMetric(p50, "p50-ms")
	b.ReportMetric(p95, "p95-ms")
	b.ReportMetric(l50, "like-p50-ms")
	b.ReportMetric(l50/p50, "vs_like_ratio")
	b.Logf("%d items in %.1fs; %d queries over %v; ours p50 %.1fms p95 %.1fms; LIKE p50 %.0fms (%d samples)",
		unifiedItems, f.setup.Seconds(), len(tOurs), f.terms, p50, p95, l50, len(tLike))
}

// benchWorkbench: GET /api/gov/workbench's parts for staff.east.tax over
// the same data (parts side by side), against the same parts read one
// after another in the same run.
func benchWorkbench(b *testing.B, f *unifiedFixture) {
	serial := func() {
		if _, err := f.g.Docs.Counts(f.app, f.s); err != nil {
			b.Fatal(err)
		}
		if _, err := f.g.Docs.Waiting(f.app, f.s, 5); err != nil {
			b.Fatal(err)
		}
		if _, err := f.g.Notices.Summary(f.app, f.s); err != nil {
			b.Fatal(err)
		}
		if _, err := f.g.Notices.Waiting(f.app, f.s, 5); err != nil {
			b.Fatal(err)
		}
		if _, _, err := f.g.Cases.Feed(f.app, f.s, 5); err != nil {
			b.Fatal(err)
		}
		if _, err := f.g.Training.Year(f.app, f.user, f.g.Training.ThisYear()); err != nil {
			b.Fatal(err)
		}
	}
	var tOurs, tSerial []time.Duration
	for b.Loop() {
		tOurs, tSerial = nil, nil
		for range 50 {
			t0 := time.Now()
			if _, err := f.g.Bench.Build(f.app, f.s, f.user); err != nil {
				b.Fatal(err)
			}
			tOurs = append(tOurs, time.Since(t0))
			t0 = time.Now()
			serial()
			tSerial = append(tSerial, time.Since(t0))
		}
	}
	p50, s50 := searchgen.Percentile(tOurs, 50), searchgen.Percentile(tSerial, 50)
	b.ReportMetric(p50, "p50-ms")
	b.ReportMetric(searchgen.Percentile(tOurs, 95), "p95-ms")
	b.ReportMetric(s50, "serial-p50-ms")
	b.ReportMetric(p50/s50, "vs_serial_ratio")
}
