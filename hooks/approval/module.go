// Package approval owns the electronic approval of official documents
// (公文电子审批): documents, workflow templates as data, the step engine
// (approve, return, transfer, 加签, recall, chase, comment), gap-free
// numbering on 签发, dispatch into the 收文 queues of the receiving units,
// and the timeline.
package approval

import (
	"sync"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"govcollab/hooks/api"
	"govcollab/hooks/audit"
	"govcollab/hooks/files"
	"govcollab/hooks/search"
	"govcollab/policies"
)

// Tables this package owns.
const (
	DocsTable      = "docs"
	TasksTable     = "doc_tasks"
	EventsTable    = "doc_events"
	WorkflowsTable = "workflows"
	InboundTable   = "inbound"
)

// ObjectTypes are the policy types of e-approval:
//   - doc: a document; its participants are everyone with a task on it.
//   - workflow: a template, anchored at the unit that keeps it.
//   - inbound: an item of a unit office's 收文 queue.
func ObjectTypes() []policies.ObjectType {
	return []policies.ObjectType{{
		Name: "doc", Table: DocsTable,
		Actions: []string{"read", "create", "update", "chase", "dispatch", "void"},
		Owner:   "drafter", Unit: "unit", UnitPath: "unit_path", System: "system",
		Participant: &policies.Join{Table: TasksTable, ObjectCol: "doc", UserCol: "user"},
		CondFields:  []string{"status", "type", "classification"},
	}, {
		Name: "workflow", Table: WorkflowsTable,
		Actions: []string{"read", "manage"},
		Unit:    "unit", UnitPath: "unit_path", System: "system",
		CondFields: []string{"doc_type"},
	}, {
		Name: "inbound", Table: InboundTable,
		Actions: []string{"read", "handle"},
		Unit:    "unit", UnitPath: "unit_path", System: "system",
		CondFields: []string{"status", "source"},
	}}
}

// nobody is a subject with no tasks (for views made by jobs).
var nobody = &policies.Subject{}

// Module is the wired approval module.
type Module struct {
	app   *api.App
	files *files.Module
	audit *audit.Audit
	now   func() time.Time

	archiving sync.Map // document id → *sync.Mutex (Archive)
}

// New wires the module: document files are downloaded by those who may
// read the document.
func New(app *api.App, fm *files.Module, au *audit.Audit) *Module {
	m := &Module{app: app, files: fm, audit: au, now: time.Now}
	fm.RegisterOwner("doc", m.mayDownload)
	fm.RegisterText("doc", m.reindexFiles)
	app.OnRecordUpdate(DocsTable).BindFunc(m.guardSigned)
	app.OnRecordDelete(DocsTable).BindFunc(m.guardSignedDelete)
	// in the transaction of every save that changes what is indexed
	search.Keep(app, DocsTable, DocType, m.index, "title", "number", "sender_org", "sender_number", "body", "type", "unit")
	return m
}

// SetClock replaces the clock (tests).
func (m *Module) SetClock(now func() time.Time) { m.now = now }

func (m *Module) mayDownload(app core.App, s *policies.Subject, f *core.Record) (bool, error) {
	d, err := app.FindRecordById(DocsTable, f.GetString("ref_id"))
	if err != nil {
		return false, nil
	}
	ok, _ := m.app.Authz.Can(s, "read", d)
	return ok, nil
}

// frozen are the fields that say what a document is; once signed nobody
// changes them, through any path (the archive holds the signed text).
var frozen = []string{"type", "title", "body", "body_html", "body_file", "main_to", "copy_to", "urgency",
	"classification", "number", "number_year", "number_seq", "signer", "signed_at", "unit", "drafter"}

var signedStatuses = []string{"signed", "dispatched", "archived", "voided"}

func isSigned(status string) bool {
	for _, s := range signedStatuses {
		if s == status {
			return true
		}
	}
	return false
}

func (m *Module) guardSigned(e *core.RecordEvent) error {
	orig := e.Record.Original()
	if isSigned(orig.GetString("status")) {
		for _, f := range frozen {
			if orig.GetString(f) != e.Record.GetString(f) {
				return api.NewError(409, "signed", "已签发的公文不能修改")
			}
		}
	}
	return e.Next()
}

func (m *Module) guardSignedDelete(e *core.RecordEvent) error {
	if isSigned(e.Record.GetString("status")) || e.Record.GetString("number") != "" {
		return api.NewError(409, "signed", "已签发的公文不能删除")
	}
	return e.Next()
}

// sql renders e with its parameters added to params (quoting is the same
// inside a transaction).
func (m *Module) sql(e dbx.Expression, params dbx.Params) string { return m.app.SQL(e, params) }
