package migrations

import "github.com/pocketbase/pocketbase/core"

// dropCollections deletes collections in the order given (dependents
// first): the down step of a migration that added them.
func dropCollections(app core.App, names ...string) error {
	for _, name := range names {
		c, err := app.FindCollectionByNameOrId(name)
		if err != nil {
			return err
		}
		if err := app.Delete(c); err != nil {
			return err
		}
	}
	return nil
}
