package search

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

func TestTokenize(t *testing.T) {
	cases := []struct {
		in   string
		want []string
	}{
		{"营业执照", []string{"营业", "业执", "执照", "照"}},
		{"营", []string{"营"}},
		{"办理营业执照。2024年", []string{"办理", "理营", "营业", "业执", "执照", "照", "2024", "年"}},
		{"ＩＣＰ备案", []string{"icp", "备案", "案"}}, // full-width to half-width, lower case
		{"A级纳税人", []string{"a", "级纳", "纳税", "税人", "人"}},
		{"１．５个工作日", []string{"1", "5", "个工", "工作", "作日", "日"}},
		{"ｶﾀｶﾅ", []string{"カタ", "タカ", "カナ", "ナ"}}, // half-width kana widened
		{"  ，。！“”  ", nil},
		{"e-mail: Foo_Bar", []string{"e", "mail", "foo", "bar"}},
		{strings.Repeat("x", 50), []string{strings.Repeat("x", MaxWordLen)}},
	}
	for _, c := range cases {
		if got := Tokenize(c.in); !slices.Equal(got, c.want) {
			t.Errorf("Tokenize(%q) = %q, want %q", c.in, got, c.want)
		}
	}
	if got := IndexText("营业执照 ICP"); got != "营业 业执 执照 照 icp" {
		t.Errorf("IndexText = %q", got)
	}
}

func TestMatchExpr(t *testing.T) {
	cases := []struct{ in, want string }{
		{"营", `"营"*`},
		{"执照", `"执照"`},
		{"营业执照", `"营业 业执 执照"`},
		{"营业执照 2024", `"营业 业执 执照" AND "2024"`},
		{"营业执照2024年", `"营业 业执 执照" AND "2024" AND "年"*`},
		{`"营业" OR x*`, `"营业" AND "or" AND "x"`}, // FTS syntax in user text is just text
		{"营业 营业", `"营业"`},
	}
	for _, c := range cases {
		got, err := MatchExpr(c.in)
		if err != nil || got != c.want {
			t.Errorf("MatchExpr(%q) = %q, %v; want %q", c.in, got, err, c.want)
		}
	}
	for _, empty := range []string{"", "   ", "，。、！？", "***", "\"\""} {
		if _, err := MatchExpr(empty); !errors.Is(err, ErrEmptyQuery) {
			t.Errorf("MatchExpr(%q) err = %v, want ErrEmptyQuery", empty, err)
		}
	}
	long := strings.Repeat("营 ", 100)
	if got := QueryTokens(long); len(got) != 1 {
		t.Errorf("repeated term kept %d times", len(got))
	}
	var many []string
	for i := range 40 {
		many = append(many, string(rune('a'+i%26))+string(rune('a'+i/26)))
	}
	if got := QueryTokens(strings.Join(many, " ")); len(got) != maxQueryTerms {
		t.Errorf("QueryTokens kept %d terms, want %d", len(got), maxQueryTerms)
	}
}

// checkTokens holds the invariants the FTS storage relies on.
func checkTokens(t *testing.T, text string) {
	toks := Tokenize(text)
	f, _ := fold(text)
	starts := 0
	for _, tok := range toks {
		if tok == "" || strings.ContainsFunc(tok, unicode.IsSpace) || !utf8.ValidString(tok) {
			t.Fatalf("Tokenize(%q): bad token %q", text, tok)
		}
		r := []rune(tok)
		if kindOf(r[0]) == kindCJK {
			if len(r) > 2 || slices.ContainsFunc(r, func(c rune) bool { return kindOf(c) != kindCJK }) {
				t.Fatalf("Tokenize(%q): CJK token %q", text, tok)
			}
			starts++
			continue
		}
		if len(r) > MaxWordLen || slices.ContainsFunc(r, func(c rune) bool { return kindOf(c) != kindWord }) {
			t.Fatalf("Tokenize(%q): word token %q", text, tok)
		}
		// ascii tokenizer: ASCII runes in a token must be alphanumeric
		for _, c := range r {
			if c < 0x80 && !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9') {
				t.Fatalf("Tokenize(%q): token %q would be split by FTS", text, tok)
			}
		}
	}
	cjk := 0
	for _, c := range f {
		if kindOf(c) == kindCJK {
			cjk++
		}
	}
	if starts != cjk { // every CJK character begins exactly one token
		t.Fatalf("Tokenize(%q): %d CJK tokens for %d CJK runes", text, starts, cjk)
	}
}

func FuzzTokenize(f *testing.F) {
	for _, s := range []string{"营业执照", "ＩＣＰ备案与营业执照", "2024年社保缴费", "ｶﾀｶﾅ한국어", "e\u0301", "\xff\xfe营", "㈱①Ⅻ"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		checkTokens(t, s)
		if m, err := MatchExpr(s); err == nil && m == "" {
			t.Fatalf("MatchExpr(%q) empty without error", s)
		}
		Snippet(s, s, 10)
	})
}
