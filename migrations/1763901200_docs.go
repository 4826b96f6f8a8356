package migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"
)

func init() {
	m.Register(upDocs, downDocs)
}

// Values of the document fields API.md names.
var (
	DocTypes           = []string{"发文", "收文", "签报", "请示", "函", "纪要"}
	DocClassifications = []string{"公开", "内部"}
	DocUrgencies       = []string{"特急", "加急", "平件"}
	// DocStatuses: a draft goes to review (its workflow), may be returned to
	// the drafter, is signed (签发, numbered), dispatched (印发, delivered to
	// the 主送/抄送 units) and archived; a voided one keeps its number on
	// record. A 收文 is registered from the inbound queue and closed when
	// its workflow ends.
	DocStatuses   = []string{"draft", "review", "returned", "signed", "dispatched", "archived", "closed", "voided"}
	TaskStatuses  = []string{"waiting", "pending", "done", "returned", "cancelled", "transferred", "recalled", "skipped"}
	InboundStatus = []string{"new", "received", "registered", "refused", "quarantined"}
)

// upDocs adds the e-approval tables (hooks/approval):
//   - docs: one row per official document; `flow` is the workflow as it
//     was when the document was submitted (a template edited later does not
//     change running documents), `rev` guards every action (one winner).
//   - doc_tasks: one row per person and step slot — the participants of a
//     document (the policy's participant join) and everyone's 待办/已办.
//   - doc_events: the timeline, in order; copied into the archive.
//   - doc_sequences / doc_numbers: the gap-free numbering per unit, type and
//     year, and every number given (voided ones kept).
//   - workflows: templates as data, kept by the clerks of each unit's office.
//   - calendar_days: public holidays and make-up working days (调休).
//   - inbound: the 收文 queue of a unit's office, fed by internal exchange
//     and by mail-in.
func upDocs(app core.App) error {
	d := core.NewBaseCollection("docs")
	d.Fields.Add(
		&core.SelectField{Name: "type", Required: true, MaxSelect: 1, Values: DocTypes},
		&core.TextField{Name: "title", Required: true, Max: 300},
		&core.TextField{Name: "body", Max: 200000},
		&core.TextField{Name: "body_html", Max: 1000000},
		&core.TextField{Name: "body_file", Max: 15},
		&core.JSONField{Name: "main_to", MaxSize: 20000},
		&core.JSONField{Name: "copy_to", MaxSize: 20000},
		&core.SelectField{Name: "urgency", Required: true, MaxSelect: 1, Values: DocUrgencies},
		&core.SelectField{Name: "classification", Required: true, MaxSelect: 1, Values: DocClassifications},
		&core.NumberField{Name: "copies", OnlyInt: true},
		&core.TextField{Name: "attachment_note", Max: 2000},
		&core.TextField{Name: "drafter", Required: true, Max: 15},
		&core.TextField{Name: "unit", Required: true, Max: 15},
		&core.TextField{Name: "unit_path", Required: true, Max: 400},
		&core.TextField{Name: "system", Max: 40},
		&core.SelectField{Name: "status", Required: true, MaxSelect: 1, Values: DocStatuses},
		&core.TextField{Name: "workflow", Max: 15},
		&core.JSONField{Name: "flow", MaxSize: 200000},
		&core.NumberField{Name: "step", OnlyInt: true},
		&core.NumberField{Name: "rev", OnlyInt: true},
		&core.DateField{Name: "deadline"},
		&core.TextField{Name: "number", Max: 100},
		&core.NumberField{Name: "number_year", OnlyInt: true},
		&core.NumberField{Name: "number_seq", OnlyInt: true},
		&core.TextField{Name: "signer", Max: 15},
		&core.DateField{Name: "signed_at"},
		&core.DateField{Name: "dispatched_at"},
		&core.DateField{Name: "archived_at"},
		&core.TextField{Name: "archive", Max: 15},
		&core.TextField{Name: "inbound", Max: 15},
		&core.TextField{Name: "sender_org", Max: 200},
		&core.TextField{Name: "sender_number", Max: 100},
		&core.AutodateField{Name: "created", OnCreate: true},
		&core.AutodateField{Name: "updated", OnCreate: true, OnUpdate: true},
	)
	d.AddIndex("idx_docs_unit_path", false, "unit_path", "")
	d.AddIndex("idx_docs_drafter", false, "drafter, updated", "")
	d.AddIndex("idx_docs_status", false, "status, updated", "")
	d.AddIndex("idx_docs_number", true, "number", "number != ''")
	if err := app.Save(d); err != nil {
		return err
	}

	t := core.NewBaseCollection("doc_tasks")
	t.Fields.Add(
		&core.TextField{Name: "doc", Required: true, Max: 15},
		&core.NumberField{Name: "step", OnlyInt: true},
		&core.TextField{Name: "slot", Required: true, Max: 60},
		&core.NumberField{Name: "seq", OnlyInt: true},
		&core.TextField{Name: "user", Required: true, Max: 15},
		&core.TextField{Name: "role", Max: 20},
		&core.TextField{Name: "unit", Max: 15},
		&core.SelectField{Name: "status", Required: true, MaxSelect: 1, Values: TaskStatuses},
		&core.TextField{Name: "action", Max: 20},
		&core.TextField{Name: "opinion", Max: 2000},
		&core.DateField{Name: "deadline"},
		&core.DateField{Name: "started_at"},
		&core.DateField{Name: "acted_at"},
		&core.TextField{Name: "added_by", Max: 15},
		&core.AutodateField{Name: "created", OnCreate: true},
	)
	t.AddIndex("idx_doc_tasks_user", false, "user, status, created", "")
	t.AddIndex("idx_doc_tasks_doc", false, "doc, step, seq", "")
	t.AddIndex("idx_doc_tasks_doc_user", false, "doc, user", "")
	if err := app.Save(t); err != nil {
		return err
	}

	ev := core.NewBaseCollection("doc_events")
	ev.Fields.Add(
		&core.TextField{Name: "doc", Required: true, Max: 15},
		&core.NumberField{Name: "seq", OnlyInt: true},
		&core.TextField{Name: "actor", Max: 15},
		&core.TextField{Name: "action", Required: true, Max: 30},
		&core.NumberField{Name: "step", OnlyInt: true},
		&core.TextField{Name: "opinion", Max: 2000},
		&core.JSONField{Name: "detail", MaxSize: 20000},
		&core.AutodateField{Name: "created", OnCreate: true},
	)
	ev.AddIndex("idx_doc_events_doc", true, "doc, seq", "")
	if err := app.Save(ev); err != nil {
		return err
	}

	sq := core.NewBaseCollection("doc_sequences")
	sq.Fields.Add(
		&core.TextField{Name: "unit", Required: true, Max: 15},
		&core.TextField{Name: "dtype", Required: true, Max: 10},
		&core.NumberField{Name: "year", OnlyInt: true, Required: true},
		&core.NumberField{Name: "next", OnlyInt: true},
	)
	sq.AddIndex("idx_doc_sequences_key", true, "unit, dtype, year", "")
	if err := app.Save(sq); err != nil {
		return err
	}

	nb := core.NewBaseCollection("doc_numbers")
	nb.Fields.Add(
		&core.TextField{Name: "unit", Required: true, Max: 15},
		&core.TextField{Name: "dtype", Required: true, Max: 10},
		&core.NumberField{Name: "year", OnlyInt: true, Required: true},
		&core.NumberField{Name: "seq", OnlyInt: true, Required: true},
		&core.TextField{Name: "number", Required: true, Max: 100},
		&core.TextField{Name: "doc", Required: true, Max: 15},
		&core.SelectField{Name: "state", Required: true, MaxSelect: 1, Values: []string{"used", "voided"}},
		&core.TextField{Name: "reason", Max: 500},
		&core.TextField{Name: "actor", Max: 15},
		&core.AutodateField{Name: "created", OnCreate: true},
		&core.AutodateField{Name: "updated", OnCreate: true, OnUpdate: true},
	)
	nb.AddIndex("idx_doc_numbers_key", true, "unit, dtype, year, seq", "")
	if err := app.Save(nb); err != nil {
		return err
	}

	w := core.NewBaseCollection("workflows")
	w.Fields.Add(
		&core.TextField{Name: "name", Required: true, Max: 100},
		&core.SelectField{Name: "doc_type", Required: true, MaxSelect: 1, Values: DocTypes},
		&core.TextField{Name: "unit", Required: true, Max: 15},
		&core.TextField{Name: "unit_path", Required: true, Max: 400},
		&core.TextField{Name: "system", Max: 40},
		&core.JSONField{Name: "definition", MaxSize: 200000},
		&core.BoolField{Name: "active"},
		&core.NumberField{Name: "version", OnlyInt: true},
		&core.TextField{Name: "updated_by", Max: 15},
		&core.AutodateField{Name: "created", OnCreate: true},
		&core.AutodateField{Name: "updated", OnCreate: true, OnUpdate: true},
	)
	w.AddIndex("idx_workflows_unit", false, "unit_path, doc_type", "")
	if err := app.Save(w); err != nil {
		return err
	}

	cd := core.NewBaseCollection("calendar_days")
	cd.Fields.Add(
		&core.TextField{Name: "date", Required: true, Max: 10, Pattern: `^\d{4}-\d{2}-\d{2}$`},
		&core.SelectField{Name: "kind", Required: true, MaxSelect: 1, Values: []string{"holiday", "workday"}},
		&core.TextField{Name: "name", Max: 50},
	)
	cd.AddIndex("idx_calendar_days_date", true, "date", "")
	if err := app.Save(cd); err != nil {
		return err
	}

	in := core.NewBaseCollection("inbound")
	in.Fields.Add(
		&core.TextField{Name: "unit", Required: true, Max: 15},
		&core.TextField{Name: "unit_path", Required: true, Max: 400},
		&core.TextField{Name: "system", Max: 40},
		&core.SelectField{Name: "source", Required: true, MaxSelect: 1, Values: []string{"exchange", "mail"}},
		&core.SelectField{Name: "status", Required: true, MaxSelect: 1, Values: InboundStatus},
		&core.TextField{Name: "from_doc", Max: 15},
		&core.TextField{Name: "from_unit", Max: 15},
		&core.TextField{Name: "sender_org", Max: 200},
		&core.TextField{Name: "title", Required: true, Max: 300},
		&core.TextField{Name: "number", Max: 100},
		&core.SelectField{Name: "urgency", MaxSelect: 1, Values: DocUrgencies},
		&core.BoolField{Name: "copy"}, // 抄送 rather than 主送
		&core.TextField{Name: "reason", Max: 2000},
		&core.TextField{Name: "doc", Max: 15}, // the 收文 registered from it
		&core.TextField{Name: "handled_by", Max: 15},
		&core.DateField{Name: "handled_at"},
		&core.DateField{Name: "received_at"},
		&core.AutodateField{Name: "created", OnCreate: true},
		&core.AutodateField{Name: "updated", OnCreate: true, OnUpdate: true},
	)
	in.AddIndex("idx_inbound_unit", false, "unit, status, created", "")
	in.AddIndex("idx_inbound_from_doc", false, "from_doc", "")
	return app.Save(in)
}

func downDocs(app core.App) error {
	return dropCollections(app, "inbound", "calendar_days", "workflows", "doc_numbers", "doc_sequences", "doc_events", "doc_tasks", "docs")
}
