package migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"
)

func init() {
	m.Register(upTrainingRollup, downTrainingRollup)
}

// TotalsCategoryColumns are training_totals' hours per category as plain
// numbers (by_category keeps the same as JSON): a rollup sums them out of
// one covering index, where reading JSON of 200k rows takes seconds.
var TotalsCategoryColumns = map[string]string{"政治理论": "h_politics", "党性教育": "h_party", "业务知识": "h_business",
	"法律法规": "h_law", "信息技术": "h_it", "综合素质": "h_general"}

// upTrainingRollup adds the category columns and an index that answers a
// subtree's rollup of a year alone, in path order (grouped by unit path
// as it is read, no sort), with the user for the policy's "own"; it
// replaces the (year, unit_path) index it begins with.
func upTrainingRollup(app core.App) error {
	c, err := app.FindCollectionByNameOrId("training_totals")
	if err != nil {
		return err
	}
	cols := "year, unit_path, user, met, hours, required"
	for _, cat := range CourseCategories {
		col := TotalsCategoryColumns[cat]
		c.Fields.Add(&core.NumberField{Name: col})
		cols += ", " + col
	}
	c.RemoveIndex("idx_training_totals_unit")
	c.AddIndex("idx_training_totals_rollup", false, cols, "")
	if err := app.Save(c); err != nil {
		return err
	}
	// rows written before: their JSON into the columns
	for cat, col := range TotalsCategoryColumns {
		if _, err := app.DB().NewQuery("UPDATE training_totals SET [[" + col + "]] = COALESCE(json_extract(by_category, '$.\"' || {:c} || '\"'), 0)").
			Bind(map[string]any{"c": cat}).Execute(); err != nil {
			return err
		}
	}
	return nil
}

func downTrainingRollup(app core.App) error {
	c, err := app.FindCollectionByNameOrId("training_totals")
	if err != nil {
		return err
	}
	c.RemoveIndex("idx_training_totals_rollup")
	c.AddIndex("idx_training_totals_unit", false, "year, unit_path", "")
	for _, col := range TotalsCategoryColumns {
		c.Fields.RemoveByName(col)
	}
	return app.Save(c)
}
