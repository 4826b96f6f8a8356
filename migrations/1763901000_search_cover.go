package migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"
)

func init() {
	m.Register(upSearchCover, downSearchCover)
}

// searchCoverIndex lets a search check who may read a matching case from
// the index alone. hooks/search applies the read policy to every match
// (up to 10000 visible ones for the total); the policy's columns sit after
// body and body_html in the row, so without this index each check reads
// the row's overflow pages (~20 µs a match, ~2 µs with it).
const searchCoverIndex = "idx_cases_search_policy"

// upSearchCover adds the index on (id, then every column the case read
// policy tests: live, status, scope, system, unit, unit_path, author).
// UNIQUE (id is) so SQLite's planner weighs it like the primary key and
// takes it for the id lookup, since it covers the policy.
func upSearchCover(app core.App) error {
	c, err := app.FindCollectionByNameOrId("cases")
	if err != nil {
		return err
	}
	c.AddIndex(searchCoverIndex, true, "id, live, status, scope, system, unit, unit_path, author", "")
	return app.Save(c)
}

func downSearchCover(app core.App) error {
	c, err := app.FindCollectionByNameOrId("cases")
	if err != nil {
		return err
	}
	c.RemoveIndex(searchCoverIndex)
	return app.Save(c)
}
