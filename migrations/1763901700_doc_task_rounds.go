package migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"
)

func init() {
	m.Register(upDocTaskRounds, downDocTaskRounds)
}

// upDocTaskRounds numbers the rounds of a step: each time a step opens
// (again, after a return) its tasks get the next round, and the step
// completes on the votes of its current round alone; the tasks of earlier
// rounds stay for the timeline.
func upDocTaskRounds(app core.App) error {
	c, err := app.FindCollectionByNameOrId("doc_tasks")
	if err != nil {
		return err
	}
	c.Fields.Add(&core.NumberField{Name: "round", OnlyInt: true})
	c.AddIndex("idx_doc_tasks_round", false, "doc, step, round", "")
	return app.Save(c)
}

func downDocTaskRounds(app core.App) error {
	c, err := app.FindCollectionByNameOrId("doc_tasks")
	if err != nil {
		return err
	}
	c.RemoveIndex("idx_doc_tasks_round")
	c.Fields.RemoveByName("round")
	return app.Save(c)
}
