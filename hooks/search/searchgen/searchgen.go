// Package searchgen writes Chinese government case write-ups for tests and
// benchmarks of the search: a vocabulary by field (税务, 民政, ...), words
// drawn Zipf-like, so document frequencies run from rare to nearly every
// document as in real text.
package searchgen

import (
	_ "embed"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
)

//go:embed gov_vocab.txt
var govVocabText string

// Sections is the corpus vocabulary (~600 words of case write-ups) by
// field (税务, 民政, ...); the last section is the writing every case uses.
var Sections = func() [][]string {
	var out [][]string
	for _, line := range strings.Split(govVocabText, "\n") {
		switch {
		case strings.HasPrefix(line, "## "):
			out = append(out, nil)
		case !strings.HasPrefix(line, "#") && len(out) > 0:
			out[len(out)-1] = append(out[len(out)-1], strings.Fields(line)...)
		}
	}
	return out
}()

// glue is the function words between content words.
var glue = strings.Fields("的 的 的 和 与 及 在 对 将 为 由 按照 通过 根据 围绕 针对 进一步 有关 相关 各类 各项 主要 重点 是 有 了 并 等 中 后 前 时")

// Writer writes case write-ups as they read: each about one field
// (sometimes two), so a field's words are in a few percent of the cases and
// the writing words in most. Words are drawn Zipf-like within their field
// (a few common, most rare), glued by function words and punctuation.
type Writer struct {
	Rng   *rand.Rand
	zipfs []*rand.Zipf
	order [][]int // which words of a field are common: not file order
	topic [2]int  // the current case's fields
}

func NewWriter(seed uint64) *Writer {
	w := &Writer{Rng: rand.New(rand.NewPCG(seed, 11))}
	for _, sec := range Sections {
		w.zipfs = append(w.zipfs, rand.NewZipf(w.Rng, 1.2, 2, uint64(len(sec)-1)))
		w.order = append(w.order, w.Rng.Perm(len(sec)))
	}
	return w
}

func (w *Writer) from(sec int) string {
	return Sections[sec][w.order[sec][w.zipfs[sec].Uint64()]]
}

func (w *Writer) Word() string {
	writing := len(Sections) - 1
	switch x := w.Rng.IntN(100); {
	case x < 55:
		return w.from(w.topic[0])
	case x < 65:
		return w.from(w.topic[1])
	case x < 95:
		return w.from(writing)
	default:
		return w.from(w.Rng.IntN(len(Sections)))
	}
}

// sentence is about n runes long.
func (w *Writer) Sentence(n int) string {
	var s strings.Builder
	runes := 0
	for i := 0; runes < n; i++ {
		x := w.Word()
		if i > 0 && w.Rng.IntN(3) == 0 {
			x = glue[w.Rng.IntN(len(glue))] + x
		}
		s.WriteString(x)
		runes += len([]rune(x))
		if runes < n && w.Rng.IntN(6) == 0 {
			s.WriteString([]string{"，", "、", "；"}[w.Rng.IntN(3)])
		}
	}
	s.WriteString("。")
	return s.String()
}

// writeUp is a title, a summary and a body of 300 to 2000 runes in
// paragraphs (body_html: the same as <p> paragraphs).
func (w *Writer) WriteUp() (title, summary, body, html string) {
	w.topic[0] = w.Rng.IntN(len(Sections) - 1)
	w.topic[1] = w.topic[0]
	if w.Rng.IntN(10) < 3 {
		w.topic[1] = w.Rng.IntN(len(Sections) - 1)
	}
	title = w.Word() + w.Word() + "的" + []string{"做法", "经验", "案例", "实践", "探索"}[w.Rng.IntN(5)]
	if w.Rng.IntN(2) == 0 {
		title = "关于" + w.Word() + title
	}
	summary = w.Sentence(40 + w.Rng.IntN(80))
	n := min(2000, 300+int(w.Rng.ExpFloat64()*500))
	var b, h strings.Builder
	for runes := 0; runes < n; {
		p := w.Sentence(20+w.Rng.IntN(40)) + w.Sentence(20+w.Rng.IntN(60)) + w.Sentence(20+w.Rng.IntN(40))
		runes += len([]rune(p))
		b.WriteString(p + "\n\n")
		h.WriteString("<p>" + p + "</p>\n")
	}
	return title, summary, b.String(), h.String()
}

// TermsByFrequency picks n two-character queries spread evenly over the
// document-frequency ranks (in app's search index) of the vocabulary's
// two-character words and word starts, from the rarest to those in most
// documents; dfs are their document frequencies.
func TermsByFrequency(app core.App, n int) (terms []string, dfs []int, err error) {
	type term struct {
		q  string
		df int
	}
	var all []term
	seen := map[string]bool{}
	for _, w := range slices.Concat(Sections...) {
		r := []rune(w)
		if len(r) < 2 || r[0] < 0x4E00 || r[1] < 0x4E00 || seen[string(r[:2])] {
			continue
		}
		q := string(r[:2])
		seen[q] = true
		var df int
		if err := app.DB().NewQuery("SELECT COUNT(*) FROM search_fts WHERE search_fts MATCH {:m}").
			Bind(dbx.Params{"m": `"` + q + `"`}).Row(&df); err != nil {
			return nil, nil, err
		}
		if df > 0 {
			all = append(all, term{q, df})
		}
	}
	if len(all) < n || n < 2 {
		return nil, nil, fmt.Errorf("searchgen: %d terms in the index, %d asked", len(all), n)
	}
	slices.SortFunc(all, func(a, b term) int { return a.df - b.df })
	for i := range n {
		t := all[i*(len(all)-1)/(n-1)]
		terms, dfs = append(terms, t.q), append(dfs, t.df)
	}
	return terms, dfs, nil
}

// Percentile is the p-th percentile of ds, in milliseconds.
func Percentile(ds []time.Duration, p int) float64 {
	s := slices.Clone(ds)
	slices.Sort(s)
	return float64(s[min(len(s)-1, len(s)*p/100)].Microseconds()) / 1000
}
