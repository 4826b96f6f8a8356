package audit_test

import (
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"govcollab/hooks/audit"
)

func TestEscape(t *testing.T) {
	cases := []struct{ in, want string }{
		{"东城市税务局", "东城市税务局"},
		{"a\nb\r\tc", `a\nb\r\tc`},
		{`C:\temp`, `C:\\temp`},
		{"nul\x00del\x7f", `nul\x00del\x7f`},
		{"bad\xffutf8", `bad\xffutf8`},
		{"nel\u0085ls\u2028rlo\u202ebom\ufeff", `nel\u0085ls\u2028rlo\u202ebom\ufeff`},
		{`\n`, `\\n`}, // typed backslash-n is not a newline
	}
	for _, c := range cases {
		got := audit.Escape(c.in)
		if got != c.want {
			t.Errorf("Escape(%q) = %q, want %q", c.in, got, c.want)
		}
		back, err := audit.Unescape(got)
		if err != nil || back != c.in {
			t.Errorf("Unescape(%q) = %q, %v; want %q", got, back, err, c.in)
		}
	}
	for _, bad := range []string{`\`, `\q`, `\x4`, `\xzz`, `\u12`} {
		if _, err := audit.Unescape(bad); err == nil {
			t.Errorf("Unescape(%q) accepted a malformed escape", bad)
		}
	}
}

// TestEncodeInjective pins field lists that a naive join would confuse.
func TestEncodeInjective(t *testing.T) {
	lists := [][]string{
		{"ab", "c"}, {"a", "bc"}, {"a;1:b"}, {"a", "1:b"}, {"", ""}, {""}, {}, {"a\n"}, {`a\n`}, {"a|b"}, {"a", "b"},
	}
	seen := map[string]int{}
	for i, l := range lists {
		enc := audit.Encode(l)
		if j, dup := seen[enc]; dup {
			t.Errorf("%q and %q encode alike: %q", lists[j], l, enc)
		}
		seen[enc] = i
		dec, err := audit.Decode(enc)
		if err != nil || !slices.Equal(dec, l) {
			t.Errorf("Decode(Encode(%q)) = %q, %v", l, dec, err)
		}
	}
	if got := audit.Encode([]string{"a\nb", "中"}); got != `4:a\nb;3:中;` {
		t.Errorf("Encode = %q", got)
	}
}

// printable reports the first rune a log viewer would act on, if any.
func printable(s string) (rune, bool) {
	if !utf8.ValidString(s) {
		return utf8.RuneError, false
	}
	for _, r := range s {
		if r < 0x20 || (r >= 0x7f && r <= 0x9f) || r == 0x2028 || r == 0x2029 || (r >= 0x202a && r <= 0x202e) ||
			(r >= 0x2066 && r <= 0x2069) || r == 0x200e || r == 0x200f || r == 0x061c || r == 0xfeff {
			return r, false
		}
	}
	return 0, true
}

func FuzzEncode(f *testing.F) {
	f.Add("unit.update", "东城市\n税务局", "")
	f.Add(`a\`, "\r\n\x00", "\xff\xfe")
	f.Add("3:abc;", "\u202e\u2028", `\u0085`)
	f.Fuzz(func(t *testing.T, a, b, c string) {
		fields := []string{a, b, c}
		enc := audit.Encode(fields)
		if r, ok := printable(enc); !ok {
			t.Fatalf("Encode(%q) holds %U: %q", fields, r, enc)
		}
		dec, err := audit.Decode(enc)
		if err != nil || !slices.Equal(dec, fields) {
			t.Fatalf("Decode(Encode(%q)) = %q, %v", fields, dec, err)
		}
		// a different split of the same bytes never encodes alike
		if a != "" && audit.Encode([]string{a[:len(a)-1], a[len(a)-1:] + b, c}) == enc {
			t.Fatalf("two splits of %q encode alike", a+b)
		}
		esc := audit.Escape(a)
		if r, ok := printable(esc); !ok {
			t.Fatalf("Escape(%q) holds %U", a, r)
		}
		if back, err := audit.Unescape(esc); err != nil || back != a {
			t.Fatalf("Unescape(Escape(%q)) = %q, %v", a, back, err)
		}
		if !strings.ContainsAny(a, "\\\x00\x01\x02\x03\x04\x05\x06\x07\x08\t\n\v\f\r\x7f") && utf8.ValidString(a) {
			if _, ok := printable(a); ok && esc != a {
				t.Fatalf("Escape changed a safe string %q to %q", a, esc)
			}
		}
	})
}
