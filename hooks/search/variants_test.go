package search_test

import (
	"strings"
	"testing"

	"govcollab/hooks/search"
)

// TestTraditionalFoldsToSimplified: a query in 简体 finds 繁體 text and the
// reverse, through the index and in the highlights; full-width digits and
// letters match half-width ones.
func TestTraditionalFoldsToSimplified(t *testing.T) {
	for _, c := range []struct{ text, query string }{
		{"營業執照辦理流程", "营业执照"},
		{"营业执照办理流程", "營業執照"},
		{"社會保險繳費基數", "社会保险"},
		{"關於進一步優化營商環境的通知", "优化营商环境"},
		{"２０２６年第３季度", "2026"},
		{"ＡＢＣ公司", "abc"},
	} {
		idx := " " + search.IndexText(c.text) + " "
		m, err := search.MatchExpr(c.query)
		if err != nil {
			t.Fatal(err)
		}
		for _, term := range search.QueryTokens(c.query) {
			if term[0] < 0x80 { // a word: one token
				if !strings.Contains(idx, " "+term+" ") {
					t.Errorf("%q indexed as %q lacks the word %q", c.text, idx, term)
				}
				continue
			}
			for i := 0; i+1 < len([]rune(term)); i++ {
				gram := string([]rune(term)[i : i+2])
				if !strings.Contains(idx, " "+gram+" ") {
					t.Errorf("%q indexed as %q lacks %q of the query %q (%s)", c.text, idx, gram, c.query, m)
				}
			}
		}
		hit := false
		for _, sp := range search.Highlight(c.text, c.query) {
			hit = hit || sp.Hit
		}
		if !hit {
			t.Errorf("%q is not highlighted in %q", c.query, c.text)
		}
	}
	// simplified text and characters without a traditional form are left alone
	if got := search.IndexText("税务局 办理"); got != "税务 务局 局 办理 理" {
		t.Errorf("simplified text changed: %q", got)
	}
}
