package policies

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"govcollab/migrations"
)

// memoType lacks an owner, a system, reach and joins, so the scopes that
// need them must be refused for it.
func memoType() ObjectType {
	return ObjectType{Name: "memo", Table: "memos", Actions: []string{"read", "write"},
		Unit: "unit", UnitPath: "unit_path", CondFields: []string{"kind"}}
}

func validationTypes() []ObjectType {
	return append(builtinTypes(), probeType(), memoType())
}

// policyHead puts the bad rows below line 3, so a line number of 1 is wrong.
const policyHead = "# a header comment\n\np, staff, probe, read, own, *, allow\n"

var badPolicies = []struct {
	name, csv string
	line      int
	msg       string
}{
	{"unknown role", "p, mayor, probe, read, own, *, allow", 4, `未知角色 "mayor"`},
	{"too few fields", "p, staff, probe, read, own, allow", 4, "共 7 项"},
	{"too many fields", "p, staff, probe, read, own, *, allow, x", 4, "共 7 项"},
	{"unknown object", "p, staff, nosuch, read, all, *, allow", 4, `未知对象类型 "nosuch"`},
	{"unknown action", "p, staff, probe, fly, all, *, allow", 4, `没有操作 "fly"`},
	{"action no type has, on *", "p, staff, *, fly, all, *, allow", 4, `没有任何对象有操作 "fly"`},
	{"unknown scope", "p, staff, probe, read, galaxy, *, allow", 4, `未知范围 "galaxy"`},
	{"scope the type lacks", "p, staff, memo, read, participant, *, allow", 4, `不支持范围 "participant"`},
	{"scope a type lacks, on *", "p, staff, *, read, own, *, allow", 4, "不支持范围"},
	{"condition field not allowed", "p, staff, probe, read, all, title=x, allow", 4, `不能使用字段 "title"`},
	{"condition without =", "p, staff, probe, read, all, status, allow", 4, "条件应为"},
	{"condition without values", "p, staff, probe, read, all, status=|, deny", 4, "没有给出取值"},
	{"bad effect", "p, staff, probe, read, all, *, maybe", 4, `"maybe"`},
	{"unknown row kind", "q, staff, probe, read, all, *, allow", 4, "未知的行类型"},
	{"duplicate row", "p, leader, probe, read, all, *, allow\n p,staff,probe,read,own,*,allow", 5, "重复"},
	{"g unknown role", "g, mayor, staff", 4, `未知角色 "mayor"`},
	{"g field count", "g, leader", 4, "g, 角色, 被继承角色"},
	{"g self", "g, staff, staff", 4, "继承自身"},
	{"g cycle", "g, leader, staff\ng, staff, leader", 5, "循环"},
	{"g long cycle", "g, leader, reviewer\ng, reviewer, clerk\n# note\ng, clerk, leader", 7, "循环"},
	{"g duplicate", "g, leader, staff\ng, leader, staff", 5, "重复"},
}

func TestValidateNamesTheLine(t *testing.T) {
	a, err := New(nil, migrations.Roles, validationTypes()...)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Validate(policyHead); err != nil {
		t.Fatalf("the head alone must be valid: %v", err)
	}
	for _, c := range badPolicies {
		t.Run(c.name, func(t *testing.T) {
			assertPolicyError(t, a.Validate(policyHead+c.csv), c.line, c.msg)
		})
	}
	t.Run("empty", func(t *testing.T) {
		for _, csv := range []string{"", "\n\n", "# only\n  # comments\n"} {
			assertPolicyError(t, a.Validate(csv), 1, "策略为空")
		}
	})
}

func assertPolicyError(t *testing.T, err error, line int, msg string) {
	t.Helper()
	var pe *PolicyError
	if !errors.As(err, &pe) {
		t.Fatalf("want a *PolicyError naming line %d, got %v", line, err)
	}
	if pe.Line != line || !strings.Contains(pe.Message, msg) {
		t.Fatalf("want line %d with %q, got line %d: %s", line, msg, pe.Line, pe.Message)
	}
	if want := fmt.Sprintf("第 %d 行", line); !strings.HasPrefix(err.Error(), want) {
		t.Fatalf("message %q does not start with %q", err.Error(), want)
	}
}

// A refused Apply leaves the policy in force untouched: its text and every
// decision, even when the refused text would have widened them.
func TestRefusedApplyKeepsPolicy(t *testing.T) {
	app := newProbeApp(t)
	w := generateWorld(t, app, 7, 12, 60)
	a, err := New(app, migrations.Roles, validationTypes()...)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Apply(probePolicy); err != nil {
		t.Fatal(err)
	}
	c := &checker{t: t, app: app, a: a, w: w}
	before := c.check("read")

	wider := probePolicy + "p, staff, probe, read, all, *, allow\n"
	for _, bad := range badPolicies {
		if err := a.Apply(wider + bad.csv); err == nil {
			t.Fatalf("%s: Apply accepted a bad policy", bad.name)
		}
		if a.Policy() != probePolicy {
			t.Fatalf("%s: the policy in force changed after a refused Apply", bad.name)
		}
	}
	if err := a.Apply(""); err == nil {
		t.Fatal("Apply accepted an empty policy")
	}
	after := c.check("read")
	for _, u := range w.users {
		if !slices.Equal(before[u.id], after[u.id]) {
			t.Fatalf("user %s: decisions changed after refused Applies", u.id)
		}
	}

	// The same wider text without the bad line does change them, so the
	// comparison above can fail.
	if err := a.Apply(wider); err != nil {
		t.Fatal(err)
	}
	changed := false
	for id, ids := range c.check("read") {
		changed = changed || !slices.Equal(ids, before[id])
	}
	if !changed {
		t.Fatal("the wider policy changed no decision: the test proves nothing")
	}
}

// FuzzCompile: the parser never panics, and either names a line of the text
// or yields a policy that compiles again, to the same rules, from its own text.
func FuzzCompile(f *testing.F) {
	f.Add(builtinPolicy)
	f.Add(probePolicy)
	f.Add(policyHead)
	for _, c := range badPolicies {
		f.Add(policyHead + c.csv)
	}
	f.Add("p, staff, *, *, all, *, allow\r\ng, leader, staff\r\n")
	f.Add("p , staff ,probe, read ,audience, status = draft | review ,deny")
	f.Add("p, staff, probe, read, own, status=a=b, allow\n\x00\n")
	types := map[string]*ObjectType{}
	for _, t := range validationTypes() {
		types[t.Name] = &t
	}
	f.Fuzz(func(t *testing.T, csv string) {
		c, err := compile(csv, migrations.Roles, types)
		if err != nil {
			var pe *PolicyError
			if !errors.As(err, &pe) {
				t.Fatalf("error without a line: %v", err)
			}
			if lines := strings.Count(csv, "\n") + 1; pe.Line < 1 || pe.Line > lines {
				t.Fatalf("line %d outside the text's %d lines: %v", pe.Line, lines, err)
			}
			return
		}
		again, err := compile(c.csv, migrations.Roles, types)
		if err != nil {
			t.Fatalf("accepted text does not compile again: %v", err)
		}
		if a, b := ruleDump(c), ruleDump(again); a != b {
			t.Fatalf("recompiled rules differ:\n%s\n---\n%s", a, b)
		}
		for k, rules := range c.rules {
			for _, r := range rules {
				if r.Line < 1 {
					t.Fatalf("%v: rule %v names no line", k, r)
				}
			}
		}
	})
}

func ruleDump(c *compiled) string {
	var out []string
	for k, rules := range c.rules {
		for _, r := range rules {
			out = append(out, fmt.Sprintf("%v %v", k, r))
		}
	}
	slices.Sort(out)
	return strings.Join(out, "\n")
}
