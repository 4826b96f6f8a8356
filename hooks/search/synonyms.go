package search

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"

	"github.com/pocketbase/pocketbase/core"
)

// Synonyms widen a query: a term of a group also matches the group's other
// words (社保 finds 社会保险). The groups live in search_synonyms (edited by
// the system administrator); this process keeps them folded, term → the
// group's other terms, and swaps the whole map on a change.
var synonyms atomic.Pointer[map[string][]string]

// SynonymsTable holds the groups, one per row.
const SynonymsTable = "search_synonyms"

// Synonym group limits.
const (
	MaxSynonymGroups = 500
	MaxSynonymWords  = 10
	MaxSynonymRunes  = 20
)

// SetSynonyms makes groups the synonyms in force. Each word is folded and
// cut as a query term is; a group needs two distinct terms.
func SetSynonyms(groups [][]string) {
	m := map[string][]string{}
	for _, g := range groups {
		terms := groupTerms(g)
		for _, t := range terms {
			for _, o := range terms {
				if o != t && !slices.Contains(m[t], o) {
					m[t] = append(m[t], o)
				}
			}
		}
	}
	synonyms.Store(&m)
}

// groupTerms are a group's words as query terms (a word that cuts into
// several terms, or none, is left out: a synonym is one term).
func groupTerms(g []string) []string {
	var out []string
	for _, w := range g {
		if ts := QueryTokens(w); len(ts) == 1 && !slices.Contains(out, ts[0]) {
			out = append(out, ts[0])
		}
	}
	return out
}

// synonymsOf are term's synonyms in force.
func synonymsOf(term string) []string {
	if m := synonyms.Load(); m != nil {
		return (*m)[term]
	}
	return nil
}

// CheckSynonymGroup says what is wrong with a group, "" when nothing.
func CheckSynonymGroup(g []string) string {
	if len(g) < 2 || len(g) > MaxSynonymWords {
		return fmt.Sprintf("每组 2 到 %d 个词", MaxSynonymWords)
	}
	for _, w := range g {
		w = strings.TrimSpace(w)
		if w == "" || len([]rune(w)) > MaxSynonymRunes {
			return fmt.Sprintf("每个词 1 到 %d 个字", MaxSynonymRunes)
		}
		if len(QueryTokens(w)) != 1 {
			return "“" + w + "”不是一个词（不能含空格或标点）"
		}
	}
	if len(groupTerms(g)) < 2 {
		return "组内的词须各不相同（繁简、全半角写法视为相同）"
	}
	return ""
}

// LoadSynonyms reads the groups in force from the database.
func LoadSynonyms(app core.App) ([][]string, error) {
	var rows []string
	if err := app.DB().Select("words").From(SynonymsTable).OrderBy("id").Column(&rows); err != nil {
		return nil, err
	}
	groups := make([][]string, 0, len(rows))
	for _, r := range rows {
		var g []string
		if err := json.Unmarshal([]byte(r), &g); err != nil {
			return nil, fmt.Errorf("search: synonyms row %q: %w", r, err)
		}
		groups = append(groups, g)
	}
	return groups, nil
}

// SaveSynonyms replaces the groups (inside tx); call SetSynonyms after the
// transaction commits.
func SaveSynonyms(tx core.App, groups [][]string) error {
	if _, err := tx.DB().NewQuery("DELETE FROM " + SynonymsTable).Execute(); err != nil {
		return err
	}
	for _, g := range groups {
		words, _ := json.Marshal(g)
		if _, err := tx.DB().Insert(SynonymsTable, map[string]any{"words": string(words)}).Execute(); err != nil {
			return err
		}
	}
	return nil
}
