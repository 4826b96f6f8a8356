package training

import "testing"

func TestNeedFor(t *testing.T) {
	rules := []Requirement{
		{Role: "staff", Hours: 90}, {Role: "leader", Hours: 110}, {Hours: 50},
		{Rank: "一级科员", Hours: 80}, {Role: "staff", Rank: "一级科员", Hours: 70},
		{Category: "政治理论", Hours: 12}, {Role: "leader", Category: "政治理论", Hours: 20},
	}
	cases := []struct {
		name      string
		roles     []string
		rank      string
		total, pt float64
	}{
		{"no role: the rule for anyone", nil, "", 50, 12},
		{"staff", []string{"staff"}, "四级主任科员", 90, 12},
		{"leader and staff: the higher of equals", []string{"staff", "leader"}, "", 110, 20},
		{"rank beats role", []string{"leader"}, "一级科员", 80, 20},
		{"rank and role beat rank", []string{"staff"}, "一级科员", 70, 12},
	}
	for _, c := range cases {
		n := needFor(rules, c.roles, c.rank)
		if n.Hours != c.total || n.ByCategory["政治理论"] != c.pt {
			t.Errorf("%s: %v %v", c.name, n.Hours, n.ByCategory)
		}
	}
	n := needFor(rules, []string{"staff"}, "")
	if n.met(89.9, map[string]float64{"政治理论": 12}) || !n.met(90, map[string]float64{"政治理论": 12}) ||
		n.met(100, map[string]float64{"政治理论": 11}) {
		t.Error("met: the total and every category must be reached")
	}
	if needFor(nil, []string{"staff"}, "").met(0, nil) != true {
		t.Error("no rules: nothing is owed")
	}
}
