package policies

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/pocketbase/dbx"

	"govcollab/migrations"
)

// visType is probeType without its joins: every scope it supports has a
// token form.
func visType() ObjectType {
	t := probeType()
	t.Name, t.Audience, t.Participant = "probevis", nil, nil
	return t
}

// visPolicy is probePolicy for probevis, without the participant rows (a
// join) and with every other scope, condition and deny.
var visPolicy = func() string {
	var b strings.Builder
	for line := range strings.SplitSeq(probePolicy, "\n") {
		if strings.Contains(line, "participant") {
			continue
		}
		b.WriteString(strings.Replace(line, ", probe,", ", probevis,", 1) + "\n")
	}
	return b.String()
}()

// TestMatchFilterEqualsFilter is the acceptance test of the token form:
// over generated worlds, an FTS5 index of each record's VisTokens, queried
// with MatchFilter, finds exactly the records Filter lets through, for
// every user and action, under the mixed policy and under one row per
// scope.
func TestMatchFilterEqualsFilter(t *testing.T) {
	seeds := propertySeeds
	if raceEnabled {
		seeds = seeds[:1]
	}
	for _, seed := range seeds {
		t.Run(fmt.Sprintf("seed=%d", seed), func(t *testing.T) {
			app := newProbeApp(t)
			w := generateWorld(t, app, seed, 28, 130)
			a, err := New(app, migrations.Roles, append(builtinTypes(), probeType(), visType())...)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := app.DB().NewQuery("CREATE VIRTUAL TABLE probe_vis USING fts5(vis, tokenize='ascii')").Execute(); err != nil {
				t.Fatal(err)
			}
			for _, r := range w.recs {
				insert(t, app.DB(), "probe_vis", dbx.Params{"rowid": r.GetString("id")[2:], "vis": strings.Join(a.VisTokens("probevis", r), " ")})
			}
			compare := func(label string, known []Cond, acts ...string) (nonEmpty int) {
				for _, u := range w.users {
					s, err := a.Subject(u.id)
					if err != nil {
						t.Fatal(err)
					}
					for _, act := range acts {
						expr, ok := a.MatchFilter(s, act, "probevis", known...)
						if !ok {
							t.Fatalf("%s: no token form for %s %s", label, u.id, act)
						}
						where := a.Filter(s, act, "probevis")
						for _, k := range known {
							// the expression is only for records where the facts hold
							m, _ := a.MatchCond("probevis", k.Field, k.Values...)
							expr = "(" + expr + ") AND " + m
							where = dbx.And(where, dbx.HashExp{k.Field: k.Values[0]})
						}
						var want, got []string
						if err := app.DB().Select("substr(id, 3)").From("probe_items").Where(where).
							OrderBy("id").Column(&want); err != nil {
							t.Fatal(err)
						}
						if err := app.DB().NewQuery("SELECT printf('%013d', rowid) FROM probe_vis WHERE probe_vis MATCH {:m} ORDER BY rowid").
							Bind(dbx.Params{"m": expr}).Column(&got); err != nil {
							t.Fatalf("%s: %v\n  %s", label, err, expr)
						}
						if !slices.Equal(got, want) {
							extra, missing := diff(got, want)
							t.Fatalf("%s: seed %d user %s (roles %v, grants %v) %s: tokens and Filter disagree\n  only tokens: %v\n  only Filter: %v\n  expr: %s",
								label, seed, u.id, u.roles, u.grants, act, extra, missing, expr)
						}
						if len(want) > 0 && len(want) < len(w.recs) {
							nonEmpty++
						}
					}
				}
				return nonEmpty
			}
			if err := a.Apply(visPolicy); err != nil {
				t.Fatal(err)
			}
			compare("mixed policy", nil, "read", "edit", "review")
			for _, st := range genStatuses {
				compare("known status="+st, []Cond{{Field: "status", Values: []string{st}}}, "read", "edit", "review")
			}
			for _, sc := range allScopes {
				if sc == ScopeParticipant {
					continue
				}
				if err := a.Apply(probeInheritance + fmt.Sprintf("p, staff, probevis, read, %s, status=draft|published, allow\n", sc)); err != nil {
					t.Fatal(err)
				}
				if compare(string(sc), nil, "read") == 0 {
					t.Errorf("scope %s: no user sees a strict, non-empty subset", sc)
				}
			}
		})
	}
}

func TestMatchFilterNoTokenForm(t *testing.T) {
	app := newProbeApp(t)
	w := generateWorld(t, app, 1, 8, 5)
	a := newProbeAuthz(t, app, probeInheritance+"p, staff, probe, read, participant, *, allow\n")
	s, err := a.Subject(w.users[0].id)
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Assignments) > 0 {
		if _, ok := a.MatchFilter(s, "read", "probe"); ok {
			t.Error("a join scope must have no token form")
		}
	}
	if expr, ok := a.MatchFilter(s, "read", "nosuchtype"); !ok || expr != visNone {
		t.Errorf("unknown type: %q %v, want nothing visible", expr, ok)
	}
	if _, ok := a.MatchCond("probe", "title", "x"); ok {
		t.Error("title is not a condition field: no token form")
	}
	if expr, ok := a.MatchCond("probe", "status", "draft", "review"); !ok || !strings.Contains(expr, " OR ") {
		t.Errorf("MatchCond = %q %v", expr, ok)
	}
	for _, p := range []string{"", "/", "//", "/0001", "0001/", "/0001//0002/"} {
		if wellFormedPath(p) {
			t.Errorf("%q taken for a well-formed path", p)
		}
	}
}
