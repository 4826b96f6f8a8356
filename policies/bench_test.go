package policies

import (
	"testing"

	"github.com/pocketbase/dbx"

	"govcollab/hooks/apptest/benchpair"
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
		benchpair.Run(b, "enforce", 16, decide, func() {
			if ok, err := e.Enforce("leader", "probe", "read"); err != nil || !ok {
				b.Fatal("Enforce must allow what Can allows", ok, err)
			}
		})
	})
	// Against the cached decision: the price of re-reading the subject.
	b.Run("uncached", func(b *testing.B) {
		benchpair.Run(b, "cached", 16, func() { a.Invalidate(); decide() }, decide)
	})
}
