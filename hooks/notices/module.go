// Package notices owns notices (通知公告): targeted publishing to an
// audience resolved once into per-user receipts, reading and confirming,
// per-unit rollups, reminders and escalation, forwarding down the tree
// (转发), corrections and withdrawal, and the public page (政务公开).
package notices

import (
	"sync"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"govcollab/hooks/api"
	"govcollab/hooks/audit"
	"govcollab/hooks/files"
	"govcollab/policies"
)

// Tables this package owns.
const (
	NoticesTable  = "notices"
	ReceiptsTable = "notice_receipts"
	VersionsTable = "notice_versions"
)

// ObjectTypes are the policy types of notices:
//   - notice: a notice or a forwarded copy; its audience is its receipts.
//   - notice_receipt: one recipient's receipt, anchored at the recipient's
//     unit (leaders read the receipts of their subtree).
//   - notice_target: a unit a notice may be addressed to (the units table):
//     `publish` on it is the right to notify that unit.
func ObjectTypes() []policies.ObjectType {
	return []policies.ObjectType{{
		Name: "notice", Table: NoticesTable,
		Actions: []string{"read", "create", "update", "track", "forward", "approve_public"},
		Owner:   "publisher", Unit: "unit", UnitPath: "unit_path", System: "system",
		Audience:   &policies.Join{Table: ReceiptsTable, ObjectCol: "notice", UserCol: "user"},
		CondFields: []string{"status", "category", "public_state"},
	}, {
		Name: "notice_receipt", Table: ReceiptsTable,
		Actions: []string{"read"},
		Owner:   "user", Unit: "unit", UnitPath: "unit_path",
	}, {
		// the kept per-unit counts: no policy row reads them directly (the
		// rollup decides by the notice); declared so that a unit move
		// re-paths them with every other guarded record
		Name: "notice_count", Table: CountsTable,
		Actions: []string{"read"},
		Unit:    "unit", UnitPath: "unit_path",
	}, {
		Name: "notice_target", Table: "units",
		Actions: []string{"publish"},
		Unit:    "id", UnitPath: "path", System: "system",
		CondFields: []string{"level", "kind"},
	}}
}

// Module is the wired notices module.
type Module struct {
	app   *api.App
	files *files.Module
	audit *audit.Audit
	now   func() time.Time

	jobs       sync.Mutex     // one reminder/escalation/publication run at a time
	announcing sync.WaitGroup // notifications being written in the background
}

// New wires the module: attachments follow the notice (readers of the
// notice download them); reply attachments follow the receipt.
func New(app *api.App, fm *files.Module, au *audit.Audit) *Module {
	m := &Module{app: app, files: fm, audit: au, now: time.Now}
	fm.RegisterOwner("notice", m.mayDownload)
	fm.RegisterText("notice", m.reindexFiles)
	fm.RegisterOwner("notice_receipt", m.mayDownloadReply)
	app.OnRecordCreate("users").BindFunc(m.onUserChange)
	app.OnRecordUpdate("users").BindFunc(m.onUserChange)
	app.OnTerminate().BindFunc(func(e *core.TerminateEvent) error {
		m.WaitAnnounced()
		return e.Next()
	})
	return m
}

// SetClock replaces the clock (tests).
func (m *Module) SetClock(now func() time.Time) { m.now = now }

func (m *Module) mayDownload(app core.App, s *policies.Subject, f *core.Record) (bool, error) {
	n, err := app.FindRecordById(NoticesTable, f.GetString("ref_id"))
	if err != nil {
		return false, nil
	}
	ok, _ := m.app.Authz.Can(s, "read", n)
	if ok {
		return true, nil
	}
	// a forwarded copy shows its root's files
	return m.readsCopyOf(app, s, n.Id), nil
}

// readsCopyOf reports whether s reads some forwarded copy of notice id.
func (m *Module) readsCopyOf(app core.App, s *policies.Subject, id string) bool {
	var copies []*core.Record
	if err := app.RecordQuery(NoticesTable).AndWhere(dbxEq("root", id)).All(&copies); err != nil {
		return false
	}
	for _, c := range copies {
		if ok, _ := m.app.Authz.Can(s, "read", c); ok {
			return true
		}
	}
	return false
}

// mayDownloadReply: a reply's files are for the one who replied and those
// who track the notice.
func (m *Module) mayDownloadReply(app core.App, s *policies.Subject, f *core.Record) (bool, error) {
	r, err := app.FindRecordById(ReceiptsTable, f.GetString("ref_id"))
	if err != nil {
		return false, nil
	}
	if r.GetString("user") == s.ID {
		return true, nil
	}
	n, err := app.FindRecordById(NoticesTable, r.GetString("notice"))
	if err != nil {
		return false, nil
	}
	return m.tracks(app, s, n), nil
}

// sql renders e with its parameters added to params, for hand-written
// statements that embed a policy Filter or an audience condition (quoting
// is the same inside a transaction, so the app's own handle renders).
func (m *Module) sql(e dbx.Expression, params dbx.Params) string { return m.app.SQL(e, params) }
