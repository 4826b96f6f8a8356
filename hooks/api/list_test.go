package api

import (
	"testing"
)

func TestPaging(t *testing.T) {
	cases := []struct {
		page, per  string
		max        int
		wantPage   int
		wantPer    int
		wantErrFor string
	}{
		{"", "", 0, 1, 20, ""},
		{"3", "50", 0, 3, 50, ""},
		{"1", "1000", 0, 1, 100, ""},
		{"1", "1000", 500, 1, 500, ""},
		{"0", "", 0, 0, 0, "page"},
		{"x", "", 0, 0, 0, "page"},
		{"1", "-5", 0, 0, 0, "perPage"},
		{"2000000", "", 0, 0, 0, "page"},
	}
	for _, c := range cases {
		p, n, err := paging(c.page, c.per, c.max)
		if c.wantErrFor != "" {
			e, ok := err.(*Error)
			if !ok || e.Status != 400 {
				t.Fatalf("paging(%q,%q): want 400, got %v", c.page, c.per, err)
			}
			if _, named := e.Data[c.wantErrFor]; !named {
				t.Fatalf("paging(%q,%q): field %s not named in %+v", c.page, c.per, c.wantErrFor, e.Data)
			}
			continue
		}
		if err != nil || p != c.wantPage || n != c.wantPer {
			t.Fatalf("paging(%q,%q,%d) = %d,%d,%v", c.page, c.per, c.max, p, n, err)
		}
	}
}

func TestSortClause(t *testing.T) {
	spec := ListSpec{Sort: map[string]string{"name": "name", "created": "created"}, DefaultSort: "-created"}
	got, err := sortClause("", spec)
	if err != nil || len(got) != 2 || got[0] != "[[created]] DESC" || got[1] != "[[id]] ASC" {
		t.Fatalf("default sort: %v %v", got, err)
	}
	got, err = sortClause("name,-created", spec)
	if err != nil || got[0] != "[[name]] ASC" || got[1] != "[[created]] DESC" {
		t.Fatalf("two keys: %v %v", got, err)
	}
	for _, bad := range []string{"password", "-name;DROP TABLE users", "name desc"} {
		if _, err := sortClause(bad, spec); err == nil {
			t.Fatalf("sort %q accepted", bad)
		}
	}
}

func TestParseBusinessDate(t *testing.T) {
	b, err := ParseBusinessDate("2026-11-23")
	if err != nil || b.from != "2026-11-22 16:00:00.000Z" || b.to != "2026-11-23 16:00:00.000Z" {
		t.Fatalf("day bounds in Asia/Shanghai: %+v %v", b, err)
	}
	b, err = ParseBusinessDate("2026-11-23T08:30:00+08:00")
	if err != nil || b.from != "2026-11-23 00:30:00.000Z" {
		t.Fatalf("RFC 3339: %+v %v", b, err)
	}
	if _, err := ParseBusinessDate("23/11/2026"); err == nil {
		t.Fatal("accepted a foreign date format")
	}
}

func TestFilterExprRejectsBadInput(t *testing.T) {
	if _, err := filterExpr(FilterParam{Name: "from", Kind: FilterFrom, Columns: []string{"created"}}, "yesterday"); err == nil {
		t.Fatal("bad date accepted")
	}
	if _, err := filterExpr(FilterParam{Name: "active", Kind: FilterBool, Columns: []string{"active"}}, "maybe"); err == nil {
		t.Fatal("bad bool accepted")
	}
	long := make([]rune, 101)
	for i := range long {
		long[i] = '字'
	}
	if _, err := filterExpr(FilterParam{Name: "q", Kind: FilterContains, Columns: []string{"name"}}, string(long)); err == nil {
		t.Fatal("101-character query accepted")
	}
	if e, err := filterExpr(FilterParam{Name: "q", Kind: FilterContains, Columns: []string{"name"}}, "  "); e != nil || err != nil {
		t.Fatal("blank filter should be no condition")
	}
}
