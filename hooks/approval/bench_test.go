package approval_test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"govcollab/hooks/apptest"
)

// insertLetter stores a draft 函 of clerk.east on the demo 函 template.
func insertLetter(tb testing.TB, e *apptest.Env, flow string, i int) string {
	col, _ := e.App.FindCachedCollectionByNameOrId("docs")
	office, _ := e.App.FindFirstRecordByData("units", "name", "东城市人民政府办公室")
	d := core.NewRecord(col)
	d.Id = fmt.Sprintf("benchletter%04d", i%10000)
	d.Load(map[string]any{"type": "函", "title": fmt.Sprintf("基准测试函%d", i), "body": "正文", "urgency": "平件", "classification": "内部",
		"drafter": apptest.UserID(tb, "clerk.east"), "unit": office.Id, "unit_path": office.GetString("path"), "status": "draft",
		"step": -1, "rev": 1, "copies": 1, "main_to": []string{}, "copy_to": []string{}, "workflow": flow})
	if err := e.App.Save(d); err != nil {
		tb.Fatal(err)
	}
	return d.Id
}

// BenchmarkActions: submit + 签发 of a 函 through the API (two actions, the
// second numbering the document), against the same number of plain
// single-row UPDATE transactions.
func BenchmarkActions(b *testing.B) {
	e := newEnv(b)
	flow := template(e, "东城市人民政府", "市政府函")
	clerk, leader := apptest.Token(b, "clerk.east"), apptest.Token(b, "leader.east")
	plain := func(id string) {
		err := e.App.RunInTransaction(func(tx core.App) error {
			_, err := tx.DB().NewQuery("UPDATE docs SET rev = rev + 1 WHERE id = {:id}").Bind(dbx.Params{"id": id}).Execute()
			return err
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	var ours, base time.Duration
	actions, i := 0, 0
	for b.Loop() {
		i++
		id := insertLetter(b, e, flow, i)
		t0 := time.Now()
		for _, step := range []struct{ token, action string }{{clerk, "submit"}, {leader, "sign"}} {
			code, _, raw, _, err := callToken(e, step.token, "POST", "/api/gov/docs/"+id+"/actions", map[string]any{"action": step.action})
			if err != nil || code != 200 {
				b.Fatalf("%s: %d %s %v", step.action, code, raw, err)
			}
		}
		t1 := time.Now()
		plain(id)
		plain(id)
		ours += t1.Sub(t0)
		base += time.Since(t1)
		actions += 2
		// the numbered document leaves the way for the next id
		if _, err := e.App.DB().NewQuery("DELETE FROM docs WHERE id = {:id}").Bind(dbx.Params{"id": id}).Execute(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(actions)/ours.Seconds(), "actions/s")
	b.ReportMetric(ours.Seconds()*1000/float64(actions), "ms/action") // the target as a ceiling: ≥ 200/s is ≤ 5 ms
	b.ReportMetric(float64(actions)/base.Seconds(), "plain-actions/s")
	b.ReportMetric(float64(ours)/float64(base), "vs_plain_ratio")
}

// benchDocs is the size of the docs table BenchmarkPending lists from (the
// issue asks for 1M; setup about a minute here).
const benchDocs = 1_000_000

// BenchmarkPending: the first page of "my pending" (待办) for a leader with
// 5,000 open tasks among benchDocs documents, through the API, against a
// hand-written SQL page query (rows and total) on the same data.
func BenchmarkPending(b *testing.B) {
	e := newEnv(b)
	office, _ := e.App.FindFirstRecordByData("units", "name", "东城市人民政府办公室")
	me, other := apptest.UserID(b, "leader.east.tax"), apptest.UserID(b, "staff.east.hr")
	setup := time.Now()
	params := dbx.Params{"n": benchDocs, "unit": office.Id, "path": office.GetString("path"),
		"drafter": apptest.UserID(b, "clerk.east"), "me": me, "other": other}
	for _, q := range []string{
		`WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < {:n})
		INSERT INTO docs (id, type, title, urgency, classification, drafter, unit, unit_path, status, step, rev, main_to, copy_to, flow, created, updated)
		SELECT printf('bd%013d', x), '函', '基准公文' || x, '平件', '内部', {:drafter}, {:unit}, {:path}, 'review', 0, 1, '[]', '[]',
			'{"steps":[{"name":"审核"}]}', strftime('%Y-%m-%d %H:%M:%fZ', 'now', '-' || x || ' seconds'),
			strftime('%Y-%m-%d %H:%M:%fZ', 'now', '-' || x || ' seconds') FROM n`,
		`INSERT INTO doc_tasks (id, doc, step, slot, seq, user, status, created)
		SELECT printf('bt%013d', rowid), id, 0, '0.0', 0,
			CASE WHEN CAST(substr(id, 3) AS INTEGER) % ({:n} / 5000) = 0 THEN {:me} ELSE {:other} END,
			'pending', created FROM docs WHERE id LIKE 'bd%'`,
		`ANALYZE`,
	} {
		if _, err := e.App.DB().NewQuery(q).Bind(params).Execute(); err != nil {
			b.Fatal(err)
		}
	}
	var mine int
	_ = e.App.DB().NewQuery("SELECT COUNT(*) FROM doc_tasks WHERE user = {:me} AND status = 'pending'").Bind(params).Row(&mine)
	b.Logf("setup %d docs, %d pending for the user: %s", benchDocs, mine, time.Since(setup).Round(time.Millisecond))
	token := apptest.Token(b, "leader.east.tax")
	type row struct {
		ID    string `db:"id"`
		Title string `db:"title"`
	}
	var ours, base []time.Duration
	for b.Loop() {
		t0 := time.Now()
		code, out, raw, _, err := callToken(e, token, "GET", "/api/gov/docs?box=pending", nil)
		if err != nil || code != 200 || out["totalItems"].(float64) != float64(mine) {
			b.Fatalf("pending page: %d %.200s %v", code, raw, err)
		}
		t1 := time.Now()
		var rows []row
		var total int
		if err := e.App.DB().NewQuery(`SELECT docs.id, docs.title FROM docs JOIN doc_tasks t ON t.doc = docs.id
			WHERE t.user = {:me} AND t.status = 'pending' ORDER BY docs.updated DESC LIMIT 20`).Bind(params).All(&rows); err != nil {
			b.Fatal(err)
		}
		if err := e.App.DB().NewQuery(`SELECT COUNT(*) FROM doc_tasks WHERE user = {:me} AND status = 'pending'`).Bind(params).Row(&total); err != nil {
			b.Fatal(err)
		}
		ours, base = append(ours, t1.Sub(t0)), append(base, time.Since(t1))
		if len(rows) != 20 || total != mine {
			b.Fatalf("sql page: %d rows, %d total", len(rows), total)
		}
	}
	p50 := func(d []time.Duration) float64 {
		slices.Sort(d)
		return float64(d[len(d)/2]) / float64(time.Millisecond)
	}
	po, pb := p50(ours), p50(base)
	b.ReportMetric(po, "p50-ms")
	b.ReportMetric(pb, "sql-p50-ms")
	b.ReportMetric(po/pb, "vs_sql_ratio")
}
