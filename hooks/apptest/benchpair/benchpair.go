// Package benchpair measures a benchmark against a baseline in the same run,
// as `make bench` reports every target: as a ratio, since machines are noisy.
// It imports nothing of the project, so any package's benchmarks may use it.
package benchpair

import (
	"testing"
	"time"
)

// Run times ours and base alternately in blocks of block calls, so drift
// hits both alike, and reports ours as ns/op, base as <name>-ns/op, their
// ratio as vs_<name>_ratio and ours' allocations per call.
func Run(b *testing.B, name string, block int, ours, base func()) {
	ours() // warm both up outside the timing
	base()
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
