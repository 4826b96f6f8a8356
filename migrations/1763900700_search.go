package migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"
)

func init() {
	m.Register(upSearch, downSearch)
}

// upSearch adds the shared full-text index (hooks/search). Plain tables, not
// collections: nothing but hooks/search reads or writes them.
//   - search_docs maps a domain record (doc_type, doc_id) to an integer
//     rowid, so a record's row can be found, replaced and deleted.
//   - search_fts is contentless (the text lives in the domain tables; only
//     the index is kept) with contentless_delete so rows can be deleted by
//     rowid. Text arrives pre-tokenized (CJK bigrams, words) and joined by
//     spaces; the `ascii` tokenizer splits on exactly those spaces, keeping
//     each token whole whatever Unicode version SQLite knows.
func upSearch(app core.App) error {
	for _, sql := range []string{
		`CREATE TABLE search_docs (
			id INTEGER PRIMARY KEY,
			doc_type TEXT NOT NULL,
			doc_id TEXT NOT NULL
		)`,
		`CREATE UNIQUE INDEX idx_search_docs_doc ON search_docs (doc_type, doc_id)`,
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

func downSearch(app core.App) error {
	for _, sql := range []string{
		`DROP TABLE IF EXISTS search_fts`,
		`DROP TABLE IF EXISTS search_docs`,
	} {
		if _, err := app.DB().NewQuery(sql).Execute(); err != nil {
			return err
		}
	}
	return nil
}
