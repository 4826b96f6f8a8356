package migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"
)

func init() {
	m.Register(upSearchVis, downSearchVis)
}

// upSearchVis gives the full-text index a fifth column, vis: each record's
// visibility tokens (policies.VisTokens) and its doc type, so a search can
// count and page what the reader may see inside the index (hooks/search).
// FTS5 cannot add a column: the table is made again, empty, and
// search_state asks the next start to index every searchable record anew
// (search.RebuildPending).
func upSearchVis(app core.App) error {
	for _, sql := range []string{
		`DROP TABLE IF EXISTS search_fts`,
		`DELETE FROM search_docs`,
		// the tokens as stored, so a change is seen without reading the
		// (contentless) index back
		`ALTER TABLE search_docs ADD COLUMN vis TEXT NOT NULL DEFAULT ''`,
		`CREATE VIRTUAL TABLE search_fts USING fts5(
			title, summary, body, tags, vis,
			content='', contentless_delete=1, tokenize='ascii'
		)`,
		`CREATE TABLE search_state (key TEXT PRIMARY KEY, value TEXT NOT NULL)`,
		`INSERT INTO search_state (key, value) VALUES ('rebuild', 'vis')`,
	} {
		if _, err := app.DB().NewQuery(sql).Execute(); err != nil {
			return err
		}
	}
	return nil
}

func downSearchVis(app core.App) error {
	for _, sql := range []string{
		`DROP TABLE IF EXISTS search_fts`,
		`DROP TABLE IF EXISTS search_state`,
		`DELETE FROM search_docs`,
		`ALTER TABLE search_docs DROP COLUMN vis`,
		`CREATE VIRTUAL TABLE search_fts USING fts5(
			title, summary, body, tags,
			content='', contentless_delete=1, tokenize='ascii'
		)`,
	} {
		if _, err := app.DB().NewQuery(sql).Execute(); err != nil {
			return err
		}
	}
	return nil
}
