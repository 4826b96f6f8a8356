package security

import (
	"math/rand/v2"
	"strings"
	"testing"
)

// Published codes of well-known enterprises (public registration data);
// their check characters were recomputed, not copied.
var publishedCreditCodes = []string{
	"914403001922038216", // 华为技术有限公司
	"9144030071526726XG", // 深圳市腾讯计算机系统有限公司
	"91330100716105852F", // 阿里巴巴(中国)有限公司
	"91350100M000100Y43", // the GB 32100 example
}

func TestValidCreditCode(t *testing.T) {
	for _, s := range publishedCreditCodes {
		if !ValidCreditCode(s) {
			t.Errorf("ValidCreditCode(%q) = false for a published code", s)
		}
	}
	built := mustCreditCode(t, "91110108MA01ABCD0")
	cases := []struct {
		in   string
		want bool
	}{
		{built, true},
		{strings.ToLower(built), true},               // normalised to upper case
		{"  " + built + "\n", true},                  // trimmed
		{"9144030071526726xg", true},                 // lower-case letters
		{"914403001922038217", false},                // wrong check character
		{"9144030071526726XH", false},                // wrong check letter
		{"91440300192203821", false},                 // 17 characters
		{"9144030019220382160", false},               // 19 characters
		{"", false},                                  // empty
		{"91440300I92203821" + "6", false},           // I is not in the charset
		{"91440300O92203821" + "6", false},           // O
		{"91440300Z92203821" + "6", false},           // Z
		{"91440300S92203821" + "6", false},           // S
		{"91440300V92203821" + "6", false},           // V
		{"01440300192203821" + "0", false},           // 0 is no registration authority
		{"B1440300192203821" + "0", false},           // nor is B
		{"9144A300192203821" + "0", false},           // letter in the division code
		{"９１４４０３００１９２２０３８２１６", false},                // full-width digits are not accepted as-is
		{"91440300-192203821", false},                // punctuation
		{"914403001922038216\u00a0", true},           // a pasted no-break space is trimmed too
		{strings.Repeat("0", 18), false},             // all zeros: authority 0
		{"Y" + strings.Repeat("0", 16) + "0", false}, // Y0…0 needs check 1
	}
	for _, c := range cases {
		if got := ValidCreditCode(c.in); got != c.want {
			t.Errorf("ValidCreditCode(%q) = %v, want %v", c.in, got, c.want)
		}
	}
	// Every registration authority GB 32100 lists is accepted.
	for _, a := range "123456789ANY" {
		s := mustCreditCode(t, string(a)+"1110108MA01ABCD0")
		if !ValidCreditCode(s) {
			t.Errorf("authority %c: ValidCreditCode(%q) = false", a, s)
		}
	}
}

func mustCreditCode(t testing.TB, first17 string) string {
	t.Helper()
	c, ok := CreditCheckChar(first17)
	if !ok {
		t.Fatalf("CreditCheckChar(%q) not ok", first17)
	}
	return first17 + string(c)
}

func TestCreditCheckChar(t *testing.T) {
	// All zeros: sum 0, 31 - 0 = 31, which wraps to 0.
	if c, ok := CreditCheckChar(strings.Repeat("0", 17)); !ok || c != '0' {
		t.Errorf("CreditCheckChar(0…0) = %q, %v; want '0'", c, ok)
	}
	// 1 in the first position: weight 1, 31 - 1 = 30 → Y.
	if c, ok := CreditCheckChar("1" + strings.Repeat("0", 16)); !ok || c != 'Y' {
		t.Errorf("CreditCheckChar(10…0) = %q, %v; want 'Y'", c, ok)
	}
	for _, bad := range []string{"", "9144030019220382", "914403001922038216", "91440300I92203821", "9144030019220382a"} {
		if _, ok := CreditCheckChar(bad); ok {
			t.Errorf("CreditCheckChar(%q) ok, want not ok", bad)
		}
	}
}

func randomCreditPrefix(r *rand.Rand) string {
	b := make([]byte, 17)
	b[0] = creditAuthorities[r.IntN(len(creditAuthorities))]
	b[1] = creditCharset[r.IntN(len(creditCharset))]
	for i := 2; i < 8; i++ {
		b[i] = byte('0' + r.IntN(10))
	}
	for i := 8; i < 17; i++ {
		b[i] = creditCharset[r.IntN(len(creditCharset))]
	}
	return string(b)
}

// Property: prefix + CreditCheckChar(prefix) validates, and changing any one
// character of a valid code to any other charset character makes it
// invalid (31 is prime and no weight is a multiple of it, so a single
// substitution always moves the sum).
func TestCreditCodeProperties(t *testing.T) {
	r := rand.New(rand.NewPCG(32100, 2015))
	for n := 0; n < 300; n++ {
		code := mustCreditCode(t, randomCreditPrefix(r))
		if !ValidCreditCode(code) {
			t.Fatalf("ValidCreditCode(%q) = false", code)
		}
		for i := 0; i < 18; i++ {
			for j := 0; j < len(creditCharset); j++ {
				if creditCharset[j] == code[i] {
					continue
				}
				changed := code[:i] + string(creditCharset[j]) + code[i+1:]
				if ValidCreditCode(changed) {
					t.Fatalf("ValidCreditCode(%q) = true after changing position %d of %q", changed, i+1, code)
				}
			}
		}
	}
}

func TestMaskCreditCode(t *testing.T) {
	cases := map[string]string{
		"91110108MA01ABCD1X":   "91110108********1X",
		" 9144030071526726xg ": "91440300********XG",
		"123":                  "***",
		"1234567890":           "**********",
		"12345678901":          "12345678*01",
		"":                     "",
	}
	for in, want := range cases {
		if got := MaskCreditCode(in); got != want {
			t.Errorf("MaskCreditCode(%q) = %q, want %q", in, got, want)
		}
	}
}

func FuzzValidCreditCode(f *testing.F) {
	for _, s := range publishedCreditCodes {
		f.Add(s)
	}
	f.Add("")
	f.Add("91110108MA01ABCD1X")
	f.Add("９１４４０３００１９２２０３８２１６")
	f.Fuzz(func(t *testing.T, s string) {
		ok := ValidCreditCode(s)
		norm := strings.ToUpper(strings.TrimSpace(s))
		if ok {
			if len(norm) != 18 {
				t.Fatalf("ValidCreditCode(%q) = true for %d bytes", s, len(norm))
			}
			if c, _ := CreditCheckChar(norm[:17]); c != norm[17] {
				t.Fatalf("ValidCreditCode(%q) = true with check %q", s, c)
			}
		}
		if len(norm) >= 17 {
			_, _ = CreditCheckChar(norm[:17])
		}
		m := MaskCreditCode(s)
		if len([]rune(m)) != len([]rune(norm)) {
			t.Fatalf("MaskCreditCode(%q) = %q changes the length", s, m)
		}
	})
}
