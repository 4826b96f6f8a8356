package search

import "slices"

// Span is a piece of original text; Hit marks a query match. The UI
// escapes Text and styles hits itself: spans carry no markup, so a
// document cannot inject any.
type Span struct {
	Text string `json:"text"`
	Hit  bool   `json:"hit,omitempty"`
}

// DefaultSnippetWidth is Snippet's window when width ≤ 0, in runes.
const DefaultSnippetWidth = 80

const ellipsis = "…"

// Highlight is the whole of text (a title, say) with every match of q's
// terms marked. Matching folds width and case as the index does; a word
// term matches whole words only, as in the index.
func Highlight(text, q string) []Span {
	orig, marks := matches(text, q)
	return spans(orig, marks, 0, len(orig))
}

// Snippet is a window of about width runes of text around the first match
// of any of q's terms (the start of text when none matches), matches
// marked, with "…" where text was cut.
func Snippet(text, q string, width int) []Span {
	if width <= 0 {
		width = DefaultSnippetWidth
	}
	orig, marks := matches(text, q)
	if len(orig) <= width {
		return spans(orig, marks, 0, len(orig))
	}
	start := 0
	if first := slices.Index(marks, true); first > 0 {
		// a quarter of the window before the match, for context
		start = min(max(first-width/4, 0), len(orig)-width)
	}
	end := start + width
	var out []Span
	if start > 0 {
		out = append(out, Span{Text: ellipsis})
	}
	out = append(out, spans(orig, marks, start, end)...)
	if end < len(orig) {
		out = append(out, Span{Text: ellipsis})
	}
	return out
}

// matches returns text's runes and, for each, whether it lies in a match
// of one of q's terms.
func matches(text, q string) ([]rune, []bool) {
	orig := []rune(text)
	marks := make([]bool, len(orig))
	terms := QueryTokens(q)
	if len(terms) == 0 || len(orig) == 0 {
		return orig, marks
	}
	for _, t := range terms {
		terms = append(terms, synonymsOf(t)...) // what the query matched by, marked too
	}
	f, src := fold(text)
	for _, t := range terms {
		tr := []rune(t)
		word := kindOf(tr[0]) == kindWord
		for i := 0; i+len(tr) <= len(f); i++ {
			end := i + len(tr)
			if !slices.Equal(f[i:end], tr) {
				continue
			}
			if word && (i > 0 && kindOf(f[i-1]) == kindWord || end < len(f) && kindOf(f[end]) == kindWord) {
				continue // inside a longer word: the index would not match it
			}
			for j := src[i]; j <= src[end-1]; j++ {
				marks[j] = true
			}
		}
	}
	return orig, marks
}

// spans cuts orig[lo:hi] into runs of equal mark.
func spans(orig []rune, marks []bool, lo, hi int) []Span {
	out := []Span{}
	for i := lo; i < hi; {
		j := i + 1
		for j < hi && marks[j] == marks[i] {
			j++
		}
		out = append(out, Span{Text: string(orig[i:j]), Hit: marks[i]})
		i = j
	}
	return out
}
