package approval

import (
	"encoding/json"
	"fmt"

	"github.com/pocketbase/pocketbase/core"

	"govcollab/hooks/api"
)

// demoTemplate is a workflow template of the demo province, with units
// named instead of ids.
type demoTemplate struct {
	unit, name, docType string
	steps               []Step
}

func demoTemplates() []demoTemplate {
	u := func(role, unit string) Assignee { return Assignee{Role: role, Unit: unit} }
	return []demoTemplate{
		{unit: "东城市人民政府", name: "市政府发文（会签）", docType: "发文", steps: []Step{
			{Name: "部门会签", Order: "parallel", Complete: "all", DeadlineDays: 2,
				Assignees: []Assignee{u("leader", "东城市税务局"), u("staff", "东城市人力资源和社会保障局")}},
			{Name: "领导签发", Sign: true, DeadlineDays: 1, Assignees: []Assignee{u("leader", "$served")}},
		}},
		{unit: "东城市人民政府", name: "市政府函", docType: "函", steps: []Step{
			{Name: "领导签发", Sign: true, DeadlineDays: 1, Assignees: []Assignee{u("leader", "$served")}},
		}},
		{unit: "东城市人民政府", name: "部门签报", docType: "签报", steps: []Step{
			{Name: "部门负责人审核", DeadlineDays: 2, Assignees: []Assignee{u("leader", "$drafter")}},
			{Name: "特急件市领导阅批", When: &Condition{Field: "urgency", Values: []string{"特急"}}, Assignees: []Assignee{u("leader", "东城市人民政府")}},
		}},
		{unit: "西城市人民政府", name: "市政府收文办理", docType: "收文", steps: []Step{
			{Name: "拟办", DeadlineDays: 1, Assignees: []Assignee{u("clerk", "$drafter")}},
			{Name: "批办", DeadlineDays: 2, Assignees: []Assignee{u("leader", "$served")}},
			{Name: "承办", DeadlineDays: 5, Assignees: []Assignee{u("staff", "西城市税务局")}},
		}},
		{unit: "东城市人民政府", name: "市政府收文办理", docType: "收文", steps: []Step{
			{Name: "拟办", DeadlineDays: 1, Assignees: []Assignee{u("clerk", "$drafter")}},
			{Name: "批办", DeadlineDays: 2, Assignees: []Assignee{u("leader", "$served")}},
		}},
	}
}

// SeedDemo adds the demo province's workflow templates. It does nothing if
// any template exists.
func (m *Module) SeedDemo() error {
	var n int
	if err := m.app.DB().NewQuery("SELECT COUNT(*) FROM workflows").Row(&n); err != nil || n > 0 {
		return err
	}
	if _, err := m.app.FindFirstRecordByData("units", "name", "东城市人民政府"); err != nil {
		return nil // no demo province
	}
	_, err := m.app.Apply("", "workflow.seed_demo", func(tx core.App, c *api.Change) error {
		for _, t := range demoTemplates() {
			if err := seedTemplate(tx, t); err != nil {
				return fmt.Errorf("approval: seed template %q: %w", t.name, err)
			}
		}
		c.Object = WorkflowsTable
		c.After = map[string]int{"templates": len(demoTemplates())}
		return nil
	})
	return err
}

func seedTemplate(tx core.App, t demoTemplate) error {
	unit, err := tx.FindFirstRecordByData("units", "name", t.unit)
	if err != nil {
		return err
	}
	for i := range t.steps {
		for j, a := range t.steps[i].Assignees {
			if a.Unit != "" && a.Unit[0] != '$' {
				u, err := tx.FindFirstRecordByData("units", "name", a.Unit)
				if err != nil {
					return err
				}
				t.steps[i].Assignees[j].Unit = u.Id
			}
		}
	}
	raw, err := json.Marshal(Flow{Steps: t.steps})
	if err != nil {
		return err
	}
	f, err := ParseFlow(tx, raw, t.docType)
	if err != nil {
		return err
	}
	col, err := tx.FindCachedCollectionByNameOrId(WorkflowsTable)
	if err != nil {
		return err
	}
	r := core.NewRecord(col)
	r.Load(map[string]any{"name": t.name, "doc_type": t.docType, "unit": unit.Id, "unit_path": unit.GetString("path"),
		"system": unit.GetString("system"), "definition": f, "active": true, "version": 1})
	return tx.Save(r)
}
