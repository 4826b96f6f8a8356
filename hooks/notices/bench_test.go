package notices_test

import (
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/pocketbase/dbx"

	"govcollab/hooks/apptest"
	"govcollab/hooks/notices"
)

// benchOrg adds units units under 东城市人民政府 and people people spread
// over them, with two INSERT … SELECT statements in one transaction.
func benchOrg(b *testing.B, e *apptest.Env, units, people int) (eastID, eastPath string) {
	b.Helper()
	eastID = unit(e, "东城市人民政府")
	eastPath = unitPath(b, e.App, eastID)
	_, err := e.App.DB().NewQuery(`WITH RECURSIVE seq(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM seq WHERE n + 1 < {:units})
		INSERT INTO units (id, name, short, level, kind, system, parent, path, sort, active, created, updated)
		SELECT printf('bunit%010d', n), printf('压测单位%d', n), '', 'county', 'department', 'tax', {:east},
			{:path} || printf('%04d/', 5000 + n), n, TRUE, '', '' FROM seq`).
		Bind(dbx.Params{"units": units, "east": eastID, "path": eastPath}).Execute()
	if err != nil {
		b.Fatal(err)
	}
	_, err = e.App.DB().NewQuery(`WITH RECURSIVE seq(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM seq WHERE n + 1 < {:people})
		INSERT INTO users (id, username, tokenKey, email, name, unit, unit_path, roles, active)
		SELECT printf('bu%013d', n), printf('bench%d', n), printf('bk%d', n), '', printf('压测%d', n),
			printf('bunit%010d', n % {:units}), {:path} || printf('%04d/', 5000 + n % {:units}), '["staff"]', TRUE FROM seq`).
		Bind(dbx.Params{"people": people, "units": units, "path": eastPath}).Execute()
	if err != nil {
		b.Fatal(err)
	}
	return eastID, eastPath
}

// p50 is the median of ds in milliseconds.
func p50(ds []time.Duration) float64 {
	s := slices.Clone(ds)
	slices.Sort(s)
	return float64(s[len(s)/2].Microseconds()) / 1000
}

// samplePair times ours and base alternately, samples times each, and
// reports ours' median as p50-ms, base's as <name>-p50-ms and their ratio.
func samplePair(b *testing.B, name string, samples int, ours, base func()) {
	ours()
	base()
	var to, tb []time.Duration
	b.ResetTimer()
	for range b.N {
		for range samples {
			t0 := time.Now()
			ours()
			t1 := time.Now()
			base()
			to, tb = append(to, t1.Sub(t0)), append(tb, time.Since(t1))
		}
	}
	b.StopTimer()
	b.ReportMetric(p50(to), "p50-ms")
	b.ReportMetric(p50(tb), name+"-p50-ms")
	b.ReportMetric(p50(to)/p50(tb), "vs_"+name+"_ratio")
}

// BenchmarkPublish publishes one notice to 100k people through the API
// (audience check, receipts, notifications, search index, one transaction)
// beside a bare INSERT … SELECT of the same 100k rows into a plain table.
func BenchmarkPublish(b *testing.B) {
	e := apptest.NewEnv(b)
	east, path := benchOrg(b, e, 1000, 100_000)
	if _, err := e.App.DB().NewQuery("CREATE TABLE bench_plain (id TEXT PRIMARY KEY, notice TEXT, user TEXT, unit TEXT, unit_path TEXT, created TEXT)").Execute(); err != nil {
		b.Fatal(err)
	}
	body := map[string]any{"title": "压测通知", "body": "正文", "must_confirm": true,
		"deadline": time.Now().Add(72 * time.Hour).Format(time.RFC3339),
		"audience": map[string]any{"units": []map[string]any{{"id": east, "subtree": true}}}}
	var ours, base time.Duration
	recipients := 0
	b.ResetTimer()
	for range b.N {
		t0 := time.Now()
		out := e.Must(http.StatusCreated, "leader.east", "POST", "/api/gov/notices", body)
		ours += time.Since(t0)
		recipients = int(out["recipients"].(float64))
		b.StopTimer()
		if _, err := e.App.DB().NewQuery("DELETE FROM bench_plain").Execute(); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		t1 := time.Now()
		_, err := e.App.DB().NewQuery(`INSERT INTO bench_plain SELECT substr(lower(hex(randomblob(8))), 1, 15), 'n', users.id, users.unit, units.path, ''
			FROM users JOIN units ON units.id = users.unit WHERE units.path >= {:lo} AND units.path < {:hi} AND users.active`).
			Bind(dbx.Params{"lo": path, "hi": path[:len(path)-1] + "0"}).Execute()
		if err != nil {
			b.Fatal(err)
		}
		base += time.Since(t1)
	}
	b.StopTimer()
	if recipients < 100_000 {
		b.Fatalf("published to %d, want ≥ 100000", recipients)
	}
	b.ReportMetric(ours.Seconds()/float64(b.N), "s/publish")
	b.ReportMetric(base.Seconds()/float64(b.N), "plain-s/insert")
	b.ReportMetric(float64(ours)/float64(base), "vs_plain_ratio")
	b.ReportMetric(float64(recipients), "recipients")
}

// BenchmarkInbox: the first inbox page (GET /api/gov/notices) of a person
// holding 10k notices, beside a hand-written SQL page query (rows and total).
func BenchmarkInbox(b *testing.B) {
	e := apptest.NewEnv(b)
	me := apptest.UserID(b, "staff.east.tax")
	eastTax := unit(e, "东城市税务局")
	publisher := apptest.UserID(b, "leader.east")
	_, err := e.App.DB().NewQuery(`WITH RECURSIVE seq(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM seq WHERE n + 1 < 10000)
		INSERT INTO notices (id, title, body, body_html, category, urgency, must_confirm, deadline, remind_hours, pinned,
			public_state, status, publish_at, published_at, expires_at, publisher, unit, unit_path, system, audience, recipients,
			parent, root, chain, forward_note, version, created, updated)
		SELECT printf('bn%013d', n), printf('压测通知%d', n), '正文', '<p>正文</p>', '通知', '平件', n % 3 = 0, '', 24, n % 500 = 0,
			'', 'published', strftime('%Y-%m-%d %H:%M:%fZ', 'now', printf('-%d minutes', n)), strftime('%Y-%m-%d %H:%M:%fZ', 'now', printf('-%d minutes', n)), '',
			{:pub}, (SELECT unit FROM users WHERE id = {:pub}), (SELECT unit_path FROM users WHERE id = {:pub}), '', '{}', 1,
			'', printf('bn%013d', n), printf('/bn%013d/', n), '', 1, '', '' FROM seq`).Bind(dbx.Params{"pub": publisher}).Execute()
	if err != nil {
		b.Fatal(err)
	}
	_, err = e.App.DB().NewQuery(`INSERT INTO notice_receipts (id, notice, root, chain, user, unit, unit_path, read_at, confirmed_at, late, reply, reply_files, created)
		SELECT 'r' || substr(id, 3), id, id, chain, {:me}, {:unit}, (SELECT path FROM units WHERE id = {:unit}),
			CASE WHEN rowid % 4 = 0 THEN '' ELSE published_at END, '', FALSE, '', '[]', published_at FROM notices WHERE id LIKE 'bn%'`).
		Bind(dbx.Params{"me": me, "unit": eastTax}).Execute()
	if err != nil {
		b.Fatal(err)
	}
	var total int
	ours := func() {
		out := e.Must(200, "staff.east.tax", "GET", "/api/gov/notices?perPage=20", nil)
		total = int(out["totalItems"].(float64))
	}
	base := func() {
		var rows []struct {
			ID    string `db:"id"`
			Title string `db:"title"`
			Read  string `db:"read_at"`
		}
		err := e.App.DB().NewQuery(`SELECT n.id, n.title, r.read_at FROM notice_receipts r JOIN notices n ON n.id = r.notice
			WHERE r.user = {:me} AND n.status IN ('published', 'withdrawn') ORDER BY n.pinned DESC, n.published_at DESC LIMIT 20`).
			Bind(dbx.Params{"me": me}).All(&rows)
		if err != nil || len(rows) != 20 {
			b.Fatal(err, len(rows))
		}
		var n int
		if err := e.App.DB().NewQuery(`SELECT COUNT(*) FROM notice_receipts r JOIN notices n ON n.id = r.notice
			WHERE r.user = {:me} AND n.status IN ('published', 'withdrawn')`).Bind(dbx.Params{"me": me}).Row(&n); err != nil {
			b.Fatal(err)
		}
	}
	samplePair(b, "sql", 30, ours, base)
	if total < 10_000 {
		b.Fatalf("inbox total %d, want ≥ 10000", total)
	}
}

// BenchmarkRollup: the per-unit rollup (GET /receipts) of a notice with
// 100k receipts over 1000 units, beside a plain GROUP BY of the receipts.
func BenchmarkRollup(b *testing.B) {
	e := apptest.NewEnv(b)
	east, _ := benchOrg(b, e, 1000, 100_000)
	out := e.Must(http.StatusCreated, "leader.east", "POST", "/api/gov/notices", map[string]any{"title": "压测汇总",
		"must_confirm": true, "deadline": time.Now().Add(72 * time.Hour).Format(time.RFC3339),
		"audience": map[string]any{"units": []map[string]any{{"id": east, "subtree": true}}}})
	id := str(out["id"])
	if _, err := e.App.DB().NewQuery(`UPDATE notice_receipts SET read_at = created,
		confirmed_at = CASE WHEN rowid % 3 = 0 THEN created ELSE '' END WHERE notice = {:n} AND rowid % 2 = 0`).
		Bind(dbx.Params{"n": id}).Execute(); err != nil {
		b.Fatal(err)
	}
	if err := notices.Recount(e.App, id); err != nil {
		b.Fatal(err)
	}
	var total, units int
	ours := func() {
		r := e.Must(200, "leader.east", "GET", "/api/gov/notices/"+id+"/receipts", nil)
		total = int(r["total"].(float64))
		units = len(r["units"].([]any))
	}
	base := func() {
		var rows []struct {
			Unit string `db:"unit"`
			N    int    `db:"n"`
			R    int    `db:"r"`
			C    int    `db:"c"`
		}
		if err := e.App.DB().NewQuery(`SELECT unit, COUNT(*) AS n, SUM(read_at != '') AS r, SUM(confirmed_at != '') AS c
			FROM notice_receipts WHERE notice = {:n} GROUP BY unit`).Bind(dbx.Params{"n": id}).All(&rows); err != nil {
			b.Fatal(err)
		}
	}
	samplePair(b, "plain", 20, ours, base)
	if total < 100_000 || units < 1000 {
		b.Fatalf("rollup total %d over %d units", total, units)
	}
}
