package approval

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"govcollab/hooks/api"
	"govcollab/migrations"
	"govcollab/policies"
)

// Workflow templates are data: a definition (Flow) per unit and document
// type, kept by the clerks of the unit's office and validated on save.

// Template is a workflow template as the API shows it.
type Template struct {
	ID         string          `json:"id"`
	Name       string          `json:"name"`
	DocType    string          `json:"doc_type"`
	Unit       string          `json:"unit"`
	UnitName   string          `json:"unit_name"`
	Definition json.RawMessage `json:"definition"`
	Active     bool            `json:"active"`
	Version    int             `json:"version"`
	Updated    string          `json:"updated"`
	CanManage  bool            `json:"can_manage"`
}

func (m *Module) templateOf(s *policies.Subject, r *core.Record, nm *api.Names) Template {
	ok, _ := m.app.Authz.Can(s, "manage", r)
	return Template{ID: r.Id, Name: r.GetString("name"), DocType: r.GetString("doc_type"), Unit: r.GetString("unit"),
		UnitName: nm.Of("units", r.GetString("unit")), Definition: json.RawMessage(r.GetString("definition")),
		Active: r.GetBool("active"), Version: r.GetInt("version"), Updated: r.GetString("updated"), CanManage: ok}
}

var templateSpec = api.ListSpec{
	Object:      "workflow",
	Sort:        map[string]string{"name": "name", "updated": "updated"},
	DefaultSort: "name",
	Filters: []api.FilterParam{
		{Name: "doc_type", Kind: api.FilterEq, Columns: []string{"doc_type"}},
		{Name: "unit", Kind: api.FilterEq, Columns: []string{"unit"}},
		{Name: "active", Kind: api.FilterBool, Columns: []string{"active"}},
	},
}

// HandleTemplates is GET /api/gov/workflows: ?usable=1 lists the active
// templates a document of the caller's unit may use (kept by the unit or a
// unit above it); otherwise those the caller may read.
func (m *Module) HandleTemplates(e *core.RequestEvent) error {
	spec := templateSpec
	if e.Request.URL.Query().Get("usable") == "1" {
		s, err := m.app.Subject(e)
		if err != nil {
			return err
		}
		anc := policies.Ancestors(s.Unit.Path)
		spec.Where = dbx.And(dbx.In("unit_path", anySlice(anc)...), dbx.HashExp{"active": true})
	}
	nm := api.NewNames(e.App)
	return api.List(m.app, e, spec, func(s *policies.Subject, r *core.Record) Template { return m.templateOf(s, r, nm) })
}

// TemplateInput is the body of POST/PUT /api/gov/workflows.
type TemplateInput struct {
	Name       string          `json:"name"`
	DocType    string          `json:"doc_type"`
	Unit       string          `json:"unit"`
	Definition json.RawMessage `json:"definition"`
	Active     *bool           `json:"active"`
}

func (m *Module) checkTemplate(app core.App, in *TemplateInput) error {
	in.Name = strings.TrimSpace(in.Name)
	switch {
	case in.Name == "" || utf8.RuneCountInString(in.Name) > 100:
		return api.BadField("name", "required", "请填写模板名称（不超过 100 字）")
	case !slices.Contains(migrations.DocTypes, in.DocType):
		return api.BadField("doc_type", "invalid", "公文类型须为："+strings.Join(migrations.DocTypes, "、"))
	case len(in.Definition) == 0:
		return api.BadField("definition", "required", "请填写流程定义")
	}
	f, err := ParseFlow(app, in.Definition, in.DocType)
	if err != nil {
		return err
	}
	in.Definition, _ = json.Marshal(f) // normalized: defaults written in
	return nil
}

// HandleCreateTemplate is POST /api/gov/workflows {name, doc_type, unit,
// definition}: unit defaults to the government the caller's office serves.
func (m *Module) HandleCreateTemplate(e *core.RequestEvent) error {
	s, err := m.app.Require(e, "manage", "workflow")
	if err != nil {
		return err
	}
	var in TemplateInput
	if err := api.DecodeJSON(e, &in); err != nil {
		return err
	}
	if in.Unit == "" {
		in.Unit = servedUnit(e.App, s)
	}
	unit, err := e.App.FindRecordById("units", in.Unit)
	if err != nil {
		return api.BadField("unit", "unknown_unit", "单位不存在")
	}
	if err := m.checkTemplate(e.App, &in); err != nil {
		return err
	}
	col, err := e.App.FindCachedCollectionByNameOrId(WorkflowsTable)
	if err != nil {
		return err
	}
	r := core.NewRecord(col)
	r.Load(map[string]any{"name": in.Name, "doc_type": in.DocType, "unit": unit.Id, "unit_path": unit.GetString("path"),
		"system": unit.GetString("system"), "definition": in.Definition, "active": in.Active == nil || *in.Active,
		"version": 1, "updated_by": s.ID})
	if ok, _ := m.app.Authz.Can(s, "manage", r); !ok {
		return api.BadField("unit", "out_of_reach", "只能维护本单位（及所服务政府）的流程模板")
	}
	_, err = m.app.ApplyAs(e, "workflow.create", func(tx core.App, c *api.Change) error {
		if err := tx.Save(r); err != nil {
			return err
		}
		c.Object = WorkflowsTable + "/" + r.Id
		c.After = map[string]any{"name": in.Name, "doc_type": in.DocType, "definition": in.Definition}
		return nil
	})
	if err != nil {
		return err
	}
	return e.JSON(http.StatusCreated, m.templateOf(s, r, api.NewNames(e.App)))
}

// HandleUpdateTemplate is PUT /api/gov/workflows/{id}: a new version of the
// definition (documents already submitted keep the one they started with).
func (m *Module) HandleUpdateTemplate(e *core.RequestEvent) error {
	s, r, err := api.View(m.app, e, "workflow", "read", e.Request.PathValue("id"))
	if err != nil {
		return err
	}
	if ok, _ := m.app.Authz.Can(s, "manage", r); !ok {
		return api.NewError(http.StatusForbidden, "forbidden", "只有本单位办公室文书可以维护流程模板")
	}
	in := TemplateInput{Name: r.GetString("name"), DocType: r.GetString("doc_type"), Definition: json.RawMessage(r.GetString("definition"))}
	if err := api.DecodeJSON(e, &in); err != nil {
		return err
	}
	if in.Unit != "" && in.Unit != r.GetString("unit") {
		return api.BadField("unit", "invalid", "模板所属单位不能更改")
	}
	if err := m.checkTemplate(e.App, &in); err != nil {
		return err
	}
	_, err = m.app.ApplyAs(e, "workflow.update", func(tx core.App, c *api.Change) error {
		fresh, err := tx.FindRecordById(WorkflowsTable, r.Id)
		if err != nil {
			return err
		}
		c.Object = WorkflowsTable + "/" + r.Id
		c.Before = map[string]any{"name": fresh.GetString("name"), "version": fresh.GetInt("version"),
			"definition": json.RawMessage(fresh.GetString("definition"))}
		fresh.Set("name", in.Name)
		fresh.Set("doc_type", in.DocType)
		fresh.Set("definition", in.Definition)
		if in.Active != nil {
			fresh.Set("active", *in.Active)
		}
		fresh.Set("version", fresh.GetInt("version")+1)
		fresh.Set("updated_by", s.ID)
		c.After = map[string]any{"name": in.Name, "version": fresh.GetInt("version"), "definition": in.Definition,
			"active": fresh.GetBool("active")}
		r = fresh
		return tx.Save(fresh)
	})
	if err != nil {
		return err
	}
	return e.JSON(http.StatusOK, m.templateOf(s, r, api.NewNames(e.App)))
}

// HandleValidateTemplate is POST /api/gov/workflows/validate: the editor's
// check without saving (the same 400s as saving, or the normalized form).
func (m *Module) HandleValidateTemplate(e *core.RequestEvent) error {
	if _, err := m.app.Require(e, "manage", "workflow"); err != nil {
		return err
	}
	var in TemplateInput
	if err := api.DecodeJSON(e, &in); err != nil {
		return err
	}
	if err := m.checkTemplate(e.App, &in); err != nil {
		return err
	}
	return e.JSON(http.StatusOK, map[string]any{"ok": true, "definition": in.Definition})
}

// servedUnit is the unit a clerk keeps templates for: the government their
// office serves, else their own unit.
func servedUnit(app core.App, s *policies.Subject) string {
	for _, a := range s.Assignments {
		if a.Role != "clerk" {
			continue
		}
		p := a.Unit.ServedPath()
		var ids []string
		if err := app.DB().Select("id").From("units").Where(dbx.HashExp{"path": p}).Column(&ids); err == nil && len(ids) > 0 {
			return ids[0]
		}
	}
	return s.Unit.ID
}
