package migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"
)

func init() {
	m.Register(upSearchAll, downSearchAll)
}

// upSearchAll asks the next start to index every searchable record anew:
// documents (公文) and courses join cases and notices in the index, for
// the unified search, and the text is folded anew (traditional characters
// to simplified) (search.RebuildPending).
func upSearchAll(app core.App) error {
	_, err := app.DB().NewQuery(`INSERT OR REPLACE INTO search_state (key, value) VALUES ('rebuild', 'all-types')`).Execute()
	return err
}

func downSearchAll(app core.App) error {
	for _, sql := range []string{
		`DELETE FROM search_fts WHERE rowid IN (SELECT id FROM search_docs WHERE doc_type IN ('doc', 'course'))`,
		`DELETE FROM search_docs WHERE doc_type IN ('doc', 'course')`,
	} {
		if _, err := app.DB().NewQuery(sql).Execute(); err != nil {
			return err
		}
	}
	return nil
}
