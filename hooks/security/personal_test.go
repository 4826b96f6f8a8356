package security

import (
	"strings"
	"testing"
)

func TestValidIDNumber(t *testing.T) {
	cases := []struct {
		in   string
		want bool
	}{
		{"11010519491231002X", true}, // the GB 11643 worked example
		{"11010519491231002x", true}, // lower-case check character
		{"110105194912310021", false},
		{"11010519491331002X", false}, // month 13
		{"11010519491200002X", false}, // day 0
		{"01010519491231002X", false}, // leading zero region
		{"1101051949123100", false},
		{"11010519491231002XX", false},
		{"", false},
		{"１１０１０５１９４９１２３１００２Ｘ", false}, // full-width digits are not accepted as-is
	}
	for _, c := range cases {
		if got := ValidIDNumber(c.in); got != c.want {
			t.Errorf("ValidIDNumber(%q) = %v, want %v", c.in, got, c.want)
		}
	}
}

func TestMasking(t *testing.T) {
	if got := MaskIDNumber("110101197501010011"); got != "110101********0011" {
		t.Errorf("MaskIDNumber = %q", got)
	}
	if got := MaskPhone("13800138000"); got != "138****8000" {
		t.Errorf("MaskPhone = %q", got)
	}
	if got := MaskPhone("010-12345678"); got != "010*****5678" {
		t.Errorf("MaskPhone landline = %q", got)
	}
	if got := MaskIDNumber("12345"); got != "*****" {
		t.Errorf("short id masked to %q", got)
	}
}

// FuzzMasking: a masked value never shows more than its first 6 and last 4
// characters (id) or first 3 and last 4 (phone), and keeps its length.
func FuzzMasking(f *testing.F) {
	for _, s := range []string{"110101197501010011", "13800138000", "", "短", "1234567890123"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r := []rune(s)
		id := []rune(MaskIDNumber(s))
		ph := []rune(MaskPhone(s))
		if len(id) != len(r) || len(ph) != len(r) {
			t.Fatalf("length changed: %q → %q / %q", s, string(id), string(ph))
		}
		shown := 0
		for i := range id {
			if id[i] != '*' || r[i] == '*' {
				shown++
			}
		}
		if len(r) > 10 && shown > 10+strings.Count(s, "*") {
			t.Fatalf("id mask shows %d characters of %q", shown, s)
		}
		if len(r) <= 10 && strings.Trim(string(id), "*") != "" {
			t.Fatalf("short id %q not fully masked: %q", s, string(id))
		}
	})
}

func FuzzValidIDNumber(f *testing.F) {
	f.Add("11010519491231002X")
	f.Add("110101197501010011")
	f.Fuzz(func(t *testing.T, s string) {
		if !ValidIDNumber(s) {
			return
		}
		u := strings.ToUpper(strings.TrimSpace(s))
		if len(u) != 18 || IDCheckChar(u[:17]) != u[17] {
			t.Fatalf("accepted %q with a wrong check character", s)
		}
	})
}
