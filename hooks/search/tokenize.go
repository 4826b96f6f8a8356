package search

import (
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// MaxWordLen caps a Latin/digit token (in runes); longer runs are cut the
// same way when indexed and when queried, so they still match.
const MaxWordLen = 40

// Query limits keep one request's FTS work bounded.
const (
	maxQueryRunes = 200
	maxQueryTerms = 16
)

type runeKind uint8

const (
	kindSep  runeKind = iota // separates tokens
	kindCJK                  // Han, kana, hangul: cut into bigrams
	kindWord                 // other letters and digits: whole words
)

func kindOf(r rune) runeKind {
	switch {
	case r < 0x80:
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r >= 'A' && r <= 'Z' {
			return kindWord
		}
		return kindSep
	case isCJK(r):
		return kindCJK
	case unicode.IsLetter(r) || unicode.IsNumber(r):
		return kindWord
	}
	return kindSep
}

func isCJK(r rune) bool {
	if r >= 0x4E00 && r <= 0x9FFF || r >= 0x3400 && r <= 0x4DBF {
		return true // the common blocks, without the table walk
	}
	return unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana, unicode.Hangul)
}

// fold normalizes text rune by rune: NFKC (full-width ASCII to half-width,
// half-width kana to full-width, compatibility forms such as ① or ㈱ to
// their plain letters), then lower case, then traditional Chinese to
// simplified (variants.go). It works per rune, not per string,
// so that src[i] can name the original rune folded[i] came from: snippets
// mark the original text. Index and query both go through here, so the
// rare combining sequence that whole-string NFKC would compose is treated
// alike on both sides.
func fold(text string) (folded []rune, src []int) {
	folded = make([]rune, 0, len(text))
	src = make([]int, 0, len(text))
	i := 0
	for _, r := range text {
		switch {
		case r < 0x80:
			if r >= 'A' && r <= 'Z' {
				r += 'a' - 'A'
			}
			folded, src = append(folded, r), append(src, i)
		case r >= 0x4E00 && r <= 0x9FFF: // NFKC and case leave these alone
			folded, src = append(folded, simplified(r)), append(src, i)
		default:
			if norm.NFKC.IsNormalString(string(r)) {
				folded, src = append(folded, simplified(unicode.ToLower(r))), append(src, i)
				break
			}
			for _, nr := range norm.NFKC.String(string(r)) {
				folded, src = append(folded, simplified(unicode.ToLower(nr))), append(src, i)
			}
		}
		i++
	}
	return folded, src
}

// run is one maximal stretch of CJK or word runes in folded text:
// folded[start:end].
type run struct {
	start, end int
	kind       runeKind
}

func runs(f []rune) []run {
	var out []run
	cur := run{kind: kindSep}
	for i, r := range f {
		k := kindOf(r)
		if k != cur.kind {
			if cur.kind != kindSep {
				cur.end = i
				out = append(out, cur)
			}
			cur = run{start: i, kind: k}
		}
	}
	if cur.kind != kindSep {
		cur.end = len(f)
		out = append(out, cur)
	}
	return out
}

// Tokenize cuts text into index tokens: each CJK run into overlapping
// bigrams plus its last character alone (so every character begins some
// token and a one-character query is a prefix query), a one-character run
// into just that character; each word run into one lowercased token of at
// most MaxWordLen runes. Everything else separates.
func Tokenize(text string) []string {
	f, _ := fold(text)
	var out []string
	for _, rn := range runs(f) {
		seg := f[rn.start:rn.end]
		if rn.kind == kindWord {
			out = append(out, string(seg[:min(len(seg), MaxWordLen)]))
			continue
		}
		for i := 0; i+1 < len(seg); i++ {
			out = append(out, string(seg[i:i+2]))
		}
		out = append(out, string(seg[len(seg)-1]))
	}
	return out
}

// IndexText is text as stored in the FTS table: its tokens joined by
// spaces. Tokens hold only letters and digits, so the FTS5 `ascii`
// tokenizer splits this back into exactly the same tokens.
func IndexText(text string) string {
	return strings.Join(Tokenize(text), " ")
}

// QueryTokens cuts a query into its terms, normalized as the index is:
// each CJK run whole (it is matched as a phrase of its bigrams, or as a
// prefix when one character long) and each word run as one token. Repeats
// are dropped; at most maxQueryTerms terms of the first maxQueryRunes runes
// are kept.
func QueryTokens(q string) []string {
	if r := []rune(q); len(r) > maxQueryRunes {
		q = string(r[:maxQueryRunes])
	}
	f, _ := fold(q)
	var out []string
	seen := map[string]bool{}
	for _, rn := range runs(f) {
		seg := f[rn.start:rn.end]
		if rn.kind == kindWord {
			seg = seg[:min(len(seg), MaxWordLen)]
		}
		t := string(seg)
		if seen[t] {
			continue
		}
		seen[t] = true
		out = append(out, t)
		if len(out) == maxQueryTerms {
			break
		}
	}
	return out
}

// MatchExpr is the FTS5 MATCH expression for q: its terms ANDed, a CJK
// term of two or more characters as the phrase of its bigrams (营业执照 is
// "营业 业执 执照", so 营业 … 执照 far apart does not match), one CJK
// character as a prefix ("营"*), a word as itself; a term with synonyms
// (synonyms.go) as the OR of it and them. The result is bound as a
// parameter, never spliced into SQL.
func MatchExpr(q string) (string, error) {
	terms := QueryTokens(q)
	if len(terms) == 0 {
		return "", ErrEmptyQuery
	}
	parts := make([]string, 0, len(terms))
	for _, t := range terms {
		syn := synonymsOf(t)
		if len(syn) == 0 {
			parts = append(parts, termExpr(t))
			continue
		}
		alts := []string{termExpr(t)}
		for _, o := range syn {
			alts = append(alts, termExpr(o))
		}
		parts = append(parts, "("+strings.Join(alts, " OR ")+")")
	}
	return strings.Join(parts, " AND "), nil
}

// termExpr is one term's FTS5 expression (see MatchExpr).
func termExpr(t string) string {
	r := []rune(t)
	switch {
	case kindOf(r[0]) == kindWord:
		return quote(t)
	case len(r) == 1:
		return quote(t) + "*"
	}
	grams := make([]string, 0, len(r)-1)
	for i := 0; i+1 < len(r); i++ {
		grams = append(grams, string(r[i:i+2]))
	}
	return quote(strings.Join(grams, " "))
}

// quote makes an FTS5 string; our tokens never hold a quote, this is belt
// and braces.
func quote(s string) string {
	return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
}
