package search_test

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"govcollab/hooks/search"
)

// TestSearchFindsEveryBigram: for random docs over a small alphabet (so
// bigrams repeat across docs) and random two-character pieces of them,
// Search finds exactly the docs holding the piece (always the doc it was
// taken from, when both characters are CJK).
func TestSearchFindsEveryBigram(t *testing.T) {
	app := corpusApp(t)
	rng := rand.New(rand.NewPCG(7, 11))
	alphabet := []rune("营业执照行政许可食品经营证个体工商户税务登记社保缴费年度申请办理ab12，。 ")
	docs := map[string]string{}
	err := app.RunInTransaction(func(tx core.App) error {
		for i := range 80 {
			var b strings.Builder
			for range 10 + rng.IntN(40) {
				b.WriteRune(alphabet[rng.IntN(len(alphabet))])
			}
			id := "p" + string(rune('A'+i/26)) + string(rune('a'+i%26))
			docs[id] = b.String()
			exec(t, tx, "INSERT INTO t_docs (id, unit, title, body) VALUES ({:id}, 'u3', '', {:b})", dbx.Params{"id": id, "b": docs[id]})
			if err := search.Index(tx, "prop", id, search.Doc{Body: docs[id]}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	keys := sorted(mapsKeys(docs))
	for range 300 {
		id := keys[rng.IntN(len(keys))]
		r := []rune(docs[id])
		i := rng.IntN(len(r) - 1)
		q := string(r[i : i+2])
		if len(search.QueryTokens(q)) == 0 {
			continue // two separators
		}
		res, err := search.Search(app, search.Query{DocType: "prop", Text: q, Table: "t_docs", PerPage: 100})
		if err != nil {
			t.Fatalf("%q: %v", q, err)
		}
		// the whole answer: a CJK piece anywhere, a word piece only as a
		// whole word ("ab" is not in "1ab"), as the index cuts text
		want := []string{}
		for _, k := range keys {
			if hasTerms(docs[k], q) {
				want = append(want, k)
			}
		}
		if got := sorted(ids(res)); !slices.Equal(got, want) || res.TotalItems != len(want) {
			t.Fatalf("%q: got %v (total %d), want %v", q, got, res.TotalItems, want)
		}
		if kindCJK(r[i]) && kindCJK(r[i+1]) && !slices.Contains(want, id) {
			t.Fatalf("%q (from %s %q) not found", q, id, docs[id])
		}
	}
}

func hasTerms(text, q string) bool {
	for _, term := range search.QueryTokens(q) {
		if !hasTerm(text, term) {
			return false
		}
	}
	return true
}

func kindCJK(r rune) bool { return r >= 0x4E00 && r <= 0x9FFF }

func mapsKeys(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}
