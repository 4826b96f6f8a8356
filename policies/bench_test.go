package policies

import (
	"testing"
	"time"

	"github.com/pocketbase/dbx"
)

// BenchmarkCan is one decision as a request makes it: Subject, then Can.
// Each figure comes with a baseline measured in the same run, interleaved.
func BenchmarkCan(b *testing.B) {
	app, a := cacheOrg(b)
	if err := a.Apply(probePolicy); err != nil {
		b.Fatal(err)
	}
	insertUser(b, app.DB(), "leadA", "unitA", "/0001/0001/", "leader")
	insert(b, app.DB(), "grants", dbx.Params{"id": "g1", "user": "leadA", "unit": "unitB", "role": "clerk",
		"kind": "concurrent", "starts": "", "ends": "", "revoked": false})
	rec, err := app.FindRecordById("probe_items", "rC")
	if err != nil {
		b.Fatal(err)
	}
	decide := func() {
		s, err := a.Subject("leadA")
		if err != nil {
			b.Fatal(err)
		}
		if ok, why := a.Can(s, "read", rec); !ok {
			b.Fatal(why)
		}
	}

	// Against a bare Casbin role check of the same policy: the price of
	// scopes, conditions and the subject cache on top of it.
	b.Run("cached", func(b *testing.B) {
		e := a.policy.Load().enforcer
		paired(b, "enforce", decide, func() {
			if ok, err := e.Enforce("leader", "probe", "read"); err != nil || !ok {
				b.Fatal("Enforce must allow what Can allows", ok, err)
			}
		})
	})
	// Against the cached decision: the price of re-reading the subject.
	b.Run("uncached", func(b *testing.B) {
		paired(b, "cached", func() { a.Invalidate(); decide() }, decide)
	})
}

// paired runs ours and base alternately in short blocks, so drift hits
// both alike, and reports ours as ns/op, base as <name>-ns/op and their ratio.
func paired(b *testing.B, name string, ours, base func()) {
	ours() // warm both up outside the timing
	base()
	const block = 16
	var tOurs, tBase time.Duration
	b.ResetTimer()
	for done := 0; done < b.N; done += block {
		n := min(block, b.N-done)
		t0 := time.Now()
		for range n {
			ours()
		}
		t1 := time.Now()
		for range n {
			base()
		}
		tOurs += t1.Sub(t0)
		tBase += time.Since(t1)
	}
	b.StopTimer()
	perOp := func(d time.Duration) float64 { return float64(d.Nanoseconds()) / float64(b.N) }
	b.ReportMetric(perOp(tOurs), "ns/op")
	b.ReportMetric(perOp(tBase), name+"-ns/op")
	b.ReportMetric(float64(tOurs)/float64(tBase), "vs_"+name+"_ratio")
	b.ReportMetric(testing.AllocsPerRun(20, ours), "ours-allocs/op")
}
