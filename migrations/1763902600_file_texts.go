package migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"
)

func init() {
	m.Register(upFileTexts, downFileTexts)
}

// upFileTexts holds the text read out of attachments for search: one row
// per file once the background extraction has looked at it (status done,
// none — a type without text — or failed), so it is read once.
func upFileTexts(app core.App) error {
	_, err := app.DB().NewQuery(`CREATE TABLE file_texts (
		file TEXT PRIMARY KEY,
		status TEXT NOT NULL,
		text TEXT NOT NULL DEFAULT '',
		error TEXT NOT NULL DEFAULT '',
		extracted TEXT NOT NULL
	) WITHOUT ROWID`).Execute()
	return err
}

func downFileTexts(app core.App) error {
	_, err := app.DB().NewQuery(`DROP TABLE IF EXISTS file_texts`).Execute()
	return err
}
