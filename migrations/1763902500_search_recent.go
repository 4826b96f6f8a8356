package migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"
)

func init() {
	m.Register(upSearchRecent, downSearchRecent)
}

// upSearchRecent keeps each person's last searches (at most ten, theirs
// alone to read and clear), offered again in the search box.
func upSearchRecent(app core.App) error {
	_, err := app.DB().NewQuery(`CREATE TABLE search_recent (
		user TEXT NOT NULL,
		q TEXT NOT NULL,
		at TEXT NOT NULL,
		PRIMARY KEY (user, q)
	) WITHOUT ROWID`).Execute()
	return err
}

func downSearchRecent(app core.App) error {
	_, err := app.DB().NewQuery(`DROP TABLE IF EXISTS search_recent`).Execute()
	return err
}
