// Package training keeps cadre education (干部教育培训): courses with their
// audience (targeted like notices), sessions, enrolment with a waitlist,
// check-in by a time-limited code or QR token, and the training ledger
// (学时台账): every credited hour with its source, summed per person and
// year in the same transaction.
package training

import (
	"time"

	"github.com/pocketbase/pocketbase/core"

	"govcollab/hooks/api"
	"govcollab/hooks/audit"
	"govcollab/hooks/files"
	"govcollab/hooks/search"
	"govcollab/policies"
)

// Tables (migrations/1763901900_training.go).
const (
	CoursesTable    = "courses"
	SessionsTable   = "course_sessions"
	EnrollTable     = "enrollments"
	AttendanceTable = "attendance"
	CreditsTable    = "training_credits"
	TotalsTable     = "training_totals"
)

// Module is the wired training module.
type Module struct {
	app   *api.App
	files *files.Module
	audit *audit.Audit
	now   func() time.Time

	guesses guesses // wrong check-in codes (checkin.go)
}

// New wires the module: course materials are downloaded by those who may
// see the course.
func New(app *api.App, fm *files.Module, au *audit.Audit) *Module {
	m := &Module{app: app, files: fm, audit: au, now: time.Now}
	fm.RegisterOwner("course", m.mayDownload)
	fm.RegisterText("course", m.reindexFiles)
	m.bindTargets(app)
	m.bindStandings(app)
	// in the transaction of every save that changes what is indexed (not
	// the enrolment counters)
	search.Keep(app, CoursesTable, DocType, m.index, "title", "description", "category", "mode")
	return m
}

// mayDownload: a course's materials go to those who may see the course.
func (m *Module) mayDownload(app core.App, s *policies.Subject, f *core.Record) (bool, error) {
	if _, err := m.load(app, s, f.GetString("ref_id")); err != nil {
		return false, nil
	}
	return true, nil
}

// SetClock replaces the module's clock (tests).
func (m *Module) SetClock(now func() time.Time) { m.now = now }

// ObjectTypes are training's policy object types:
//   - course: owned by its trainer, belonging to the organizing unit;
//     "oversee" is who keeps it (its trainer, hr and leaders above), while
//     the catalog adds published courses whose audience includes the reader.
//   - course_target: a unit a course may be offered to (the units table),
//     like notice_target.
//   - training_credit: a ledger row, its person's own.
//   - training_total: a person's standing in a year (their unit's now);
//     the compliance rollups read these.
//   - training_requirement: the annual hours rules (hr manages them).
func ObjectTypes() []policies.ObjectType {
	return []policies.ObjectType{{
		Name: "course", Table: CoursesTable,
		Actions: []string{"read", "create", "oversee", "manage"},
		Owner:   "trainer", Unit: "unit", UnitPath: "unit_path", System: "system",
		CondFields: []string{"status", "category"},
	}, {
		Name: "course_target", Table: "units",
		Actions: []string{"publish"},
		Unit:    "id", UnitPath: "path", System: "system",
		CondFields: []string{"level", "kind"},
	}, {
		Name: "training_credit", Table: CreditsTable,
		Actions: []string{"read", "approve"},
		Owner:   "user", Unit: "unit", UnitPath: "unit_path",
		CondFields: []string{"status", "source"},
	}, {
		Name: "training_total", Table: TotalsTable,
		Actions: []string{"read"},
		Owner:   "user", Unit: "unit", UnitPath: "unit_path",
	}, {
		Name: "training_requirement", Table: RequirementsTable,
		Actions: []string{"manage"},
	}}
}
