package audit_test

import (
	"crypto/sha256"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/emmansun/gmsm/sm3"
	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"govcollab/hooks/apptest"
	"govcollab/hooks/audit"
)

// Each figure comes with a baseline measured in the same run, interleaved
// in blocks (ns/op is ours, <base>-ns/op the baseline, vs_<base>_ratio).

func benchEntry(i int) audit.Entry {
	return audit.Entry{Actor: "u0000000000001", ActorName: "staff.east.tax", Unit: "unit0000000001",
		UnitName: "东城市税务局", IP: "10.0.0.1", Action: "case.read", Object: fmt.Sprintf("cases/%014d", i),
		Detail: "查看经验案例", After: map[string]any{"title": "某县推行“一窗通办”的做法", "status": "published"}}
}

// BenchmarkAppend is the cost per event of a chained append (head, SM3,
// insert) in transactions of 100, against a plain insert of the same
// columns into a twin table with the same indexes, no chain.
func BenchmarkAppend(b *testing.B) {
	app, g := apptest.New(b)
	defer app.Cleanup()
	mustExec(b, app, "CREATE TABLE audit_plain AS SELECT * FROM audit_log WHERE 0", nil)
	mustExec(b, app, "CREATE UNIQUE INDEX idx_plain_seq ON audit_plain (seq)", nil)
	mustExec(b, app, "CREATE INDEX idx_plain_time ON audit_plain (time)", nil)
	mustExec(b, app, "CREATE INDEX idx_plain_actor ON audit_plain (actor, seq)", nil)
	mustExec(b, app, "CREATE INDEX idx_plain_action ON audit_plain (action, seq)", nil)
	cols := []string{"id", "seq", "time", "actor", "actor_name", "unit", "unit_name", "ip", "action", "object",
		"result", "detail", "before", "after", "prev_hash", "hash"}
	plainSQL := "INSERT INTO audit_plain (" + strings.Join(cols, ", ") + ") VALUES ({:" + strings.Join(cols, "}, {:") + "})"
	plainSeq := 0
	const block = 100
	run := func(n int, one func(tx core.App, q *dbx.Query, i int) error, prepare bool) time.Duration {
		t0 := time.Now()
		err := app.RunInTransaction(func(tx core.App) error {
			var q *dbx.Query
			if prepare {
				q = tx.DB().NewQuery(plainSQL).Prepare()
			}
			for i := range n {
				if err := one(tx, q, i); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
		return time.Since(t0)
	}
	ours := func(tx core.App, _ *dbx.Query, i int) error {
		_, err := g.Audit.Log(tx, benchEntry(i))
		return err
	}
	plain := func(_ core.App, q *dbx.Query, i int) error {
		plainSeq++
		en := benchEntry(i)
		_, err := q.Bind(dbx.Params{"id": core.GenerateDefaultRandomId(), "seq": plainSeq,
			"time": time.Now().UTC().Format("2006-01-02 15:04:05.000Z"), "actor": en.Actor, "actor_name": en.ActorName,
			"unit": en.Unit, "unit_name": en.UnitName, "ip": en.IP, "action": en.Action, "object": en.Object,
			"result": "ok", "detail": en.Detail, "before": "", "after": `{"status":"published"}`,
			"prev_hash": "", "hash": ""}).Execute()
		return err
	}
	run(block, ours, false)
	run(block, plain, true)
	var tOurs, tBase time.Duration
	b.ResetTimer()
	for done := 0; done < b.N; done += block {
		n := min(block, b.N-done)
		tOurs += run(n, ours, false)
		tBase += run(n, plain, true)
	}
	b.StopTimer()
	report(b, "plain", tOurs, tBase)
}

// BenchmarkVerify is the chain check of 100k rows (one op), against reading
// the same rows the same way without hashing.
func BenchmarkVerify(b *testing.B) {
	app, g := apptest.New(b)
	defer app.Cleanup()
	const total, batch = 100_000, 1000
	for done := 0; done < total; done += batch {
		err := app.RunInTransaction(func(tx core.App) error {
			for i := range batch {
				if _, err := g.Audit.Log(tx, benchEntry(done+i)); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	verify := func() {
		v, err := g.Audit.Verify(app)
		if err != nil || !v.OK || v.Checked < total {
			b.Fatal(v, err)
		}
	}
	scan := func() {
		n, after := 0, int64(0)
		for {
			var rows []audit.Row
			err := app.DB().Select("*").From(audit.LogTable).Where(dbx.NewExp("seq > {:a}", dbx.Params{"a": after})).
				OrderBy("seq").Limit(5000).All(&rows)
			if err != nil {
				b.Fatal(err)
			}
			n += len(rows)
			if len(rows) < 5000 {
				break
			}
			after = rows[len(rows)-1].Seq
		}
		if n < total {
			b.Fatal("scan read", n)
		}
	}
	var tOurs, tBase time.Duration
	b.ResetTimer()
	for range b.N {
		t0 := time.Now()
		verify()
		t1 := time.Now()
		scan()
		tOurs += t1.Sub(t0)
		tBase += time.Since(t1)
	}
	b.StopTimer()
	report(b, "scan", tOurs, tBase)
	b.ReportMetric(float64(tOurs.Nanoseconds())/float64(b.N)/total, "ns/row")
}

// BenchmarkHash is SM3 (GB/T 32905) of one row's canonical encoding, against
// SHA-256 of the same bytes.
func BenchmarkHash(b *testing.B) {
	en := benchEntry(1)
	msg := []byte(strings.Repeat("0", 64) + audit.Encode([]string{"abcdefghijklmno", "123456", "2026-11-23 08:00:00.000Z",
		en.Actor, en.ActorName, en.Unit, en.UnitName, en.IP, en.Action, en.Object, "ok", en.Detail, "",
		`{"status":"published","title":"某县推行“一窗通办”的做法"}`}))
	b.SetBytes(int64(len(msg)))
	var tOurs, tBase time.Duration
	const block = 256
	b.ResetTimer()
	for done := 0; done < b.N; done += block {
		n := min(block, b.N-done)
		t0 := time.Now()
		for range n {
			sm3.Sum(msg)
		}
		t1 := time.Now()
		for range n {
			sha256.Sum256(msg)
		}
		tOurs += t1.Sub(t0)
		tBase += time.Since(t1)
	}
	b.StopTimer()
	report(b, "sha256", tOurs, tBase)
}

func report(b *testing.B, base string, ours, baseline time.Duration) {
	perOp := func(d time.Duration) float64 { return float64(d.Nanoseconds()) / float64(b.N) }
	b.ReportMetric(perOp(ours), "ns/op")
	b.ReportMetric(perOp(baseline), base+"-ns/op")
	b.ReportMetric(float64(ours)/float64(baseline), "vs_"+base+"_ratio")
}
