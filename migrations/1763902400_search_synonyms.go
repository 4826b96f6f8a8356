package migrations

import (
	"encoding/json"

	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"
)

func init() {
	m.Register(upSearchSynonyms, downSearchSynonyms)
}

// DefaultSynonyms are the synonym groups a new installation starts with
// (the system administrator edits them: PUT /api/gov/search/synonyms).
var DefaultSynonyms = [][]string{
	{"营业执照", "执照"},
	{"社保", "社会保险"},
	{"医保", "医疗保险"},
	{"公积金", "住房公积金"},
	{"身份证", "居民身份证"},
	{"一网通办", "一网办"},
	{"营商环境", "营商"},
}

// upSearchSynonyms adds the synonym list the search widens queries with:
// one row per group of words that mean the same (hooks/search/synonyms.go).
func upSearchSynonyms(app core.App) error {
	if _, err := app.DB().NewQuery(`CREATE TABLE search_synonyms (
		id INTEGER PRIMARY KEY AUTOINCREMENT,
		words TEXT NOT NULL -- the group, as a JSON array of strings
	)`).Execute(); err != nil {
		return err
	}
	for _, g := range DefaultSynonyms {
		words, _ := json.Marshal(g)
		if _, err := app.DB().Insert("search_synonyms", map[string]any{"words": string(words)}).Execute(); err != nil {
			return err
		}
	}
	return nil
}

func downSearchSynonyms(app core.App) error {
	_, err := app.DB().NewQuery(`DROP TABLE IF EXISTS search_synonyms`).Execute()
	return err
}
