package approval

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"govcollab/hooks/api"
	"govcollab/hooks/audit"
	"govcollab/hooks/files"
	"govcollab/hooks/markdown"
	"govcollab/migrations"
	"govcollab/policies"
)

// Input is the body of POST /api/gov/docs and PATCH /api/gov/docs/{id}
// (API.md); on PATCH, absent fields keep their value.
type Input struct {
	Type           *string   `json:"type"`
	Title          *string   `json:"title"`
	Body           *string   `json:"body"`
	BodyFile       *string   `json:"body_file"`
	MainTo         *[]string `json:"main_to"`
	CopyTo         *[]string `json:"copy_to"`
	Urgency        *string   `json:"urgency"`
	Classification *string   `json:"classification"`
	Copies         *int      `json:"copies"`
	AttachmentNote *string   `json:"attachment_note"`
	Files          *[]string `json:"files"`
	Workflow       *string   `json:"workflow"`
}

// classifiedLevels are refused outright: this is an unclassified intranet.
var classifiedLevels = []string{"秘密", "机密", "绝密"}

// bodyTypes are the uploaded document formats a body may be.
var bodyTypes = []string{"docx", "ofd", "pdf"}

// apply validates in onto rec (new or draft); e is for auditing refusals.
func (m *Module) apply(e *core.RequestEvent, s *policies.Subject, rec *core.Record, in Input) error {
	set := func(field string, v *string) {
		if v != nil {
			rec.Set(field, strings.TrimSpace(*v))
		}
	}
	set("type", in.Type)
	set("title", in.Title)
	set("urgency", in.Urgency)
	set("classification", in.Classification)
	set("attachment_note", in.AttachmentNote)
	if in.Body != nil {
		rec.Set("body", *in.Body)
	}
	if rec.GetString("urgency") == "" {
		rec.Set("urgency", "平件")
	}
	if rec.GetString("classification") == "" {
		rec.Set("classification", "内部")
	}
	if c := rec.GetString("classification"); slices.Contains(classifiedLevels, c) {
		return m.refuse(e, "classification", c)
	}
	for _, f := range []string{"title", "body", "attachment_note"} {
		if mk := files.MarkIn(rec.GetString(f)); mk != "" {
			return m.refuse(e, f, mk)
		}
	}
	switch {
	case !slices.Contains(migrations.DocTypes, rec.GetString("type")):
		return api.BadField("type", "invalid", "公文类型须为："+strings.Join(migrations.DocTypes, "、"))
	case rec.GetString("type") == "收文" && rec.IsNew():
		return api.BadField("type", "invalid", "收文由收文登记生成，不能直接起草")
	case rec.GetString("title") == "":
		return api.BadField("title", "required", "请填写标题")
	case utf8.RuneCountInString(rec.GetString("title")) > 300:
		return api.BadField("title", "too_long", "标题不能超过 300 字")
	case len(rec.GetString("body")) > markdown.MaxBodyBytes:
		return api.BadField("body", "too_long", fmt.Sprintf("正文不能超过 %d 字节", markdown.MaxBodyBytes))
	case !slices.Contains(migrations.DocUrgencies, rec.GetString("urgency")):
		return api.BadField("urgency", "invalid", "紧急程度须为：特急、加急、平件")
	case !slices.Contains(migrations.DocClassifications, rec.GetString("classification")):
		return api.BadField("classification", "invalid", "密级须为：公开、内部（涉密公文不得在本系统办理）")
	}
	if in.Copies != nil {
		if *in.Copies < 0 || *in.Copies > 100000 {
			return api.BadField("copies", "invalid", "份数须在 0 到 100000 之间")
		}
		rec.Set("copies", *in.Copies)
	}
	for _, f := range []struct {
		name string
		v    *[]string
	}{{"main_to", in.MainTo}, {"copy_to", in.CopyTo}} {
		if f.v == nil {
			continue
		}
		ids := dedupe(*f.v)
		if len(ids) > 500 {
			return api.BadField(f.name, "too_many", "单位最多 500 个")
		}
		for _, id := range ids {
			u, err := e.App.FindRecordById("units", id)
			if err != nil || !u.GetBool("active") {
				return api.BadField(f.name, "unknown_unit", "单位不存在或已停用："+id)
			}
		}
		rec.Set(f.name, ids)
	}
	html, err := renderMarkdown(rec.GetString("body"))
	if err != nil {
		return err
	}
	rec.Set("body_html", html)
	if in.Workflow != nil {
		if id := strings.TrimSpace(*in.Workflow); id != "" {
			if _, err := m.template(e.App, s, id, rec); err != nil {
				return err
			}
		}
		rec.Set("workflow", strings.TrimSpace(*in.Workflow))
	}
	return nil
}

// renderMarkdown renders a body; too long (or too long once rendered) is a
// 400 naming it.
func renderMarkdown(src string) (string, error) {
	html, err := markdown.Render(src)
	if errors.Is(err, markdown.ErrTooLarge) {
		return "", api.BadField("body", "too_long", "正文过长")
	}
	return html, err
}

// refuse audits and refuses 涉密 content.
func (m *Module) refuse(e *core.RequestEvent, field, mark string) error {
	if _, err := m.audit.LogRequest(e, audit.Entry{Action: "doc.refuse", Object: DocsTable, Result: audit.ResultDenied,
		Detail: "密级「" + mark + "」（" + field + "）"}); err != nil {
		return err
	}
	return api.BadField(field, "classified", "涉密公文（「"+mark+"」）不得在本系统办理")
}

// template loads workflow id for rec: active, of rec's type, and kept by
// the drafter's unit or a unit above it.
func (m *Module) template(app core.App, s *policies.Subject, id string, rec *core.Record) (*core.Record, error) {
	w, err := app.FindRecordById(WorkflowsTable, id)
	if err != nil || !w.GetBool("active") || !strings.HasPrefix(rec.GetString("unit_path"), w.GetString("unit_path")) {
		return nil, api.BadField("workflow", "unknown_workflow", "流程模板不存在或不适用于本单位")
	}
	if w.GetString("doc_type") != rec.GetString("type") {
		return nil, api.BadField("workflow", "wrong_type", "流程模板「"+w.GetString("name")+"」用于"+w.GetString("doc_type")+"，不适用于"+rec.GetString("type"))
	}
	return w, nil
}

// setFiles attaches the attachments and the uploaded body as one set.
func (m *Module) setFiles(tx core.App, actor string, rec *core.Record, in Input) error {
	if in.Files == nil && in.BodyFile == nil {
		return nil
	}
	current, err := m.files.List(tx, "doc", rec.Id)
	if err != nil {
		return err
	}
	var atts []string
	for _, f := range current {
		if f.ID != rec.GetString("body_file") {
			atts = append(atts, f.ID)
		}
	}
	if in.Files != nil {
		atts = dedupe(*in.Files)
	}
	body := rec.GetString("body_file")
	if in.BodyFile != nil {
		body = strings.TrimSpace(*in.BodyFile)
	}
	ids := atts
	if body != "" {
		ids = append(slices.Clone(atts), body)
	}
	infos, err := m.files.Set(tx, actor, "files", ids, "doc", rec.Id)
	if err != nil {
		return err
	}
	if body != "" {
		for _, f := range infos {
			if f.ID == body && !slices.Contains(bodyTypes, extOf(f.Name)) {
				return api.BadField("body_file", "invalid_type", "正文文件须为 docx、ofd 或 pdf")
			}
		}
	}
	rec.Set("body_file", body)
	return nil
}

func extOf(name string) string {
	if i := strings.LastIndexByte(name, '.'); i >= 0 {
		return strings.ToLower(name[i+1:])
	}
	return ""
}

// HandleCreate is POST /api/gov/docs: a draft of the caller's unit.
func (m *Module) HandleCreate(e *core.RequestEvent) error {
	s, err := m.app.Require(e, "create", "doc")
	if err != nil {
		return err
	}
	var in Input
	if err := api.DecodeJSON(e, &in); err != nil {
		return err
	}
	col, err := e.App.FindCachedCollectionByNameOrId(DocsTable)
	if err != nil {
		return err
	}
	rec := core.NewRecord(col)
	rec.Id = core.GenerateDefaultRandomId()
	rec.Load(map[string]any{"drafter": s.ID, "unit": s.Unit.ID, "unit_path": s.Unit.Path, "system": s.Unit.System,
		"status": "draft", "step": -1, "rev": 1, "copies": 1, "main_to": []string{}, "copy_to": []string{}})
	if err := m.apply(e, s, rec, in); err != nil {
		return err
	}
	_, err = m.app.ApplyAs(e, "doc.create", func(tx core.App, c *api.Change) error {
		if err := tx.Save(rec); err != nil {
			return err
		}
		if err := m.setFiles(tx, s.ID, rec, in); err != nil {
			return err
		}
		if err := tx.Save(rec); err != nil {
			return err
		}
		c.Object = DocsTable + "/" + rec.Id
		c.After = map[string]any{"type": rec.GetString("type"), "title": rec.GetString("title")}
		return m.event(tx, rec, s.ID, "create", -1, "", nil)
	})
	if err != nil {
		return err
	}
	return m.answer(e, s, rec.Id, http.StatusCreated)
}

// HandleUpdate is PATCH /api/gov/docs/{id}: the drafter edits a draft or a
// returned document.
func (m *Module) HandleUpdate(e *core.RequestEvent) error {
	s, rec, err := api.View(m.app, e, "doc", "read", e.Request.PathValue("id"))
	if err != nil {
		return err
	}
	if ok, _ := m.app.Authz.Can(s, "update", rec); !ok {
		if rec.GetString("drafter") == s.ID { // the drafter, but the document moved on
			return api.Conflict("公文已进入流程，不能修改；请先撤回")
		}
		return api.NewError(http.StatusForbidden, "forbidden", "只有起草人可以修改草稿")
	}
	var in Input
	if err := api.DecodeJSON(e, &in); err != nil {
		return err
	}
	if in.Type != nil && *in.Type != rec.GetString("type") {
		return api.BadField("type", "invalid", "起草后不能更改公文类型")
	}
	// validate first, outside the transaction: a 涉密 refusal is audited
	// through the app, which would wait forever for the transaction's lock
	if err := m.apply(e, s, rec.Clone(), in); err != nil {
		return err
	}
	_, err = m.app.ApplyAs(e, "doc.update", func(tx core.App, c *api.Change) error {
		fresh, err := tx.FindRecordById(DocsTable, rec.Id)
		if err != nil {
			return err
		}
		if st := fresh.GetString("status"); st != "draft" && st != "returned" {
			return api.Conflict("公文已进入流程，不能修改；请先撤回")
		}
		c.Before = map[string]any{"title": fresh.GetString("title"), "rev": fresh.GetInt("rev")}
		if err := m.apply(e, s, fresh, in); err != nil {
			return err
		}
		if err := m.setFiles(tx, s.ID, fresh, in); err != nil {
			return err
		}
		fresh.Set("rev", fresh.GetInt("rev")+1)
		if err := tx.Save(fresh); err != nil {
			return err
		}
		c.Object = DocsTable + "/" + rec.Id
		c.After = map[string]any{"title": fresh.GetString("title"), "rev": fresh.GetInt("rev")}
		return m.event(tx, fresh, s.ID, "edit", -1, "", nil)
	})
	if err != nil {
		return err
	}
	return m.answer(e, s, rec.Id, http.StatusOK)
}

// HandleDelete is DELETE /api/gov/docs/{id}: the drafter drops a draft that
// never entered its workflow.
func (m *Module) HandleDelete(e *core.RequestEvent) error {
	s, rec, err := api.View(m.app, e, "doc", "read", e.Request.PathValue("id"))
	if err != nil {
		return err
	}
	if ok, _ := m.app.Authz.Can(s, "update", rec); !ok {
		if rec.GetString("drafter") == s.ID { // the drafter, but the document moved on
			return api.Conflict("只能删除未送审的草稿")
		}
		return api.NewError(http.StatusForbidden, "forbidden", "只有起草人可以删除草稿")
	}
	_, err = m.app.ApplyAs(e, "doc.delete", func(tx core.App, c *api.Change) error {
		fresh, err := tx.FindRecordById(DocsTable, rec.Id)
		if err != nil {
			return err
		}
		var acted int
		if err := tx.DB().Select("COUNT(*)").From(TasksTable).Where(dbx.HashExp{"doc": rec.Id}).Row(&acted); err != nil {
			return err
		}
		if fresh.GetString("status") != "draft" || acted > 0 {
			return api.Conflict("只能删除未送审的草稿")
		}
		if _, err := m.files.Set(tx, s.ID, "files", nil, "doc", rec.Id); err != nil {
			return err
		}
		if _, err := tx.DB().Delete(EventsTable, dbx.HashExp{"doc": rec.Id}).Execute(); err != nil {
			return err
		}
		c.Object = DocsTable + "/" + rec.Id
		c.Before = map[string]any{"title": fresh.GetString("title")}
		return tx.Delete(fresh)
	})
	if err != nil {
		return err
	}
	return e.NoContent(http.StatusNoContent)
}

// event appends one entry to the document's timeline, in order.
func (m *Module) event(tx core.App, doc *core.Record, actor, action string, step int, opinion string, detail any) error {
	var seq int
	if err := tx.DB().NewQuery("SELECT COALESCE(MAX(seq), 0) + 1 FROM doc_events WHERE doc = {:d}").
		Bind(dbx.Params{"d": doc.Id}).Row(&seq); err != nil {
		return err
	}
	col, err := tx.FindCachedCollectionByNameOrId(EventsTable)
	if err != nil {
		return err
	}
	r := core.NewRecord(col)
	raw, _ := json.Marshal(detail)
	r.Load(map[string]any{"doc": doc.Id, "seq": seq, "actor": actor, "action": action, "step": step,
		"opinion": opinion, "detail": json.RawMessage(raw)})
	return tx.Save(r)
}
