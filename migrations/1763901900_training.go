package migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"
)

func init() {
	m.Register(upTraining, downTraining)
}

// Training (干部教育培训) vocabularies, shared with hooks/training.
var (
	CourseCategories = []string{"政治理论", "党性教育", "业务知识", "法律法规", "信息技术", "综合素质"}
	CourseModes      = []string{"面授", "线上", "混合"}
	CourseStatus     = []string{"draft", "published", "closed", "cancelled"}
	EnrollStatus     = []string{"enrolled", "waitlisted", "cancelled"}
	CreditSources    = []string{"course", "external", "manual"}
	CreditStatus     = []string{"approved", "pending", "rejected", "revoked"}
	AttemptStatus    = []string{"in_progress", "submitted", "graded"}
)

// upTraining adds training:
//   - courses with their sessions; materials are files (ref_type "course")
//     plus links; audience is an audience.Audience (as notices).
//   - enrollments (one row per course and person; waitlist position),
//     attendance (one row per session and person, with who corrected it
//     and why), quizzes (one per course, questions as JSON with answers
//     the API never shows learners) and their attempts.
//   - training_credits is the ledger (学时台账): every credited hour with
//     its source; a course credits a person at most once.
//   - training_requirements: annual hours per role and rank, in all and per
//     category; training_totals keeps each person's year in one row (total
//     and per category), updated in the transaction of every credit, so a
//     province's rollup reads 200k rows, not 2M.
func upTraining(app core.App) error {
	for _, c := range []*core.Collection{coursesCollection(), sessionsCollection(), enrollmentsCollection(),
		attendanceCollection(), quizzesCollection(), attemptsCollection(), creditsCollection(),
		requirementsCollection(), totalsCollection()} {
		if err := app.Save(c); err != nil {
			return err
		}
	}
	return nil
}

func coursesCollection() *core.Collection {
	c := core.NewBaseCollection("courses")
	c.Fields.Add(
		&core.TextField{Name: "title", Required: true, Max: 200},
		&core.TextField{Name: "description", Max: 100000},
		&core.TextField{Name: "description_html", Max: 500000},
		&core.SelectField{Name: "category", Required: true, MaxSelect: 1, Values: CourseCategories},
		&core.SelectField{Name: "mode", Required: true, MaxSelect: 1, Values: CourseModes},
		&core.NumberField{Name: "hours"}, // credited on completion, e.g. 4 or 1.5
		&core.TextField{Name: "trainer", Required: true, Max: 15},
		&core.TextField{Name: "unit", Required: true, Max: 15}, // the organizing unit
		&core.TextField{Name: "unit_path", Required: true, Max: 400},
		&core.TextField{Name: "system", Max: 40},
		&core.JSONField{Name: "audience", MaxSize: 200000},
		&core.JSONField{Name: "links", MaxSize: 20000},     // [{title, url}]
		&core.NumberField{Name: "capacity", OnlyInt: true}, // 0: no limit
		&core.DateField{Name: "enroll_from"},
		&core.DateField{Name: "enroll_until"},
		&core.DateField{Name: "cancel_until"}, // self-cancellation allowed until
		&core.BoolField{Name: "requires_attendance"},
		&core.BoolField{Name: "requires_pass"},
		&core.NumberField{Name: "min_sessions", OnlyInt: true}, // sessions attended to count as attended; 0: all
		&core.NumberField{Name: "year", OnlyInt: true},
		&core.SelectField{Name: "status", Required: true, MaxSelect: 1, Values: CourseStatus},
		&core.NumberField{Name: "enrolled", OnlyInt: true},
		&core.NumberField{Name: "waitlisted", OnlyInt: true},
		&core.TextField{Name: "created_by", Max: 15},
		&core.AutodateField{Name: "created", OnCreate: true},
		&core.AutodateField{Name: "updated", OnCreate: true, OnUpdate: true},
	)
	c.AddIndex("idx_courses_unit", false, "unit_path, status", "")
	c.AddIndex("idx_courses_trainer", false, "trainer", "")
	c.AddIndex("idx_courses_year", false, "year, status", "")
	return c
}

func sessionsCollection() *core.Collection {
	c := core.NewBaseCollection("course_sessions")
	c.Fields.Add(
		&core.TextField{Name: "course", Required: true, Max: 15},
		&core.NumberField{Name: "seq", OnlyInt: true},
		&core.TextField{Name: "title", Max: 200},
		&core.DateField{Name: "starts_at", Required: true},
		&core.DateField{Name: "ends_at", Required: true},
		&core.TextField{Name: "place", Max: 200},
		// the current check-in code (digits for typing, a token for the QR)
		// and until when it is accepted; one live code per session
		&core.TextField{Name: "checkin_code", Max: 20},
		&core.TextField{Name: "checkin_token", Max: 100},
		&core.DateField{Name: "checkin_until"},
		&core.AutodateField{Name: "created", OnCreate: true},
	)
	c.AddIndex("idx_course_sessions_course", false, "course, seq", "")
	return c
}

func enrollmentsCollection() *core.Collection {
	c := core.NewBaseCollection("enrollments")
	c.Fields.Add(
		&core.TextField{Name: "course", Required: true, Max: 15},
		&core.TextField{Name: "user", Required: true, Max: 15},
		&core.TextField{Name: "unit", Required: true, Max: 15},
		&core.TextField{Name: "unit_path", Required: true, Max: 400},
		&core.SelectField{Name: "status", Required: true, MaxSelect: 1, Values: EnrollStatus},
		&core.NumberField{Name: "waitlist_pos", OnlyInt: true},
		&core.TextField{Name: "assigned_by", Max: 15}, // a leader or hr who enrolled them
		&core.TextField{Name: "reason", Max: 500},
		&core.DateField{Name: "enrolled_at"},
		&core.DateField{Name: "cancelled_at"},
		&core.AutodateField{Name: "created", OnCreate: true},
		&core.AutodateField{Name: "updated", OnCreate: true, OnUpdate: true},
	)
	c.AddIndex("idx_enrollments_key", true, "course, user", "")
	c.AddIndex("idx_enrollments_user", false, "user, status", "")
	c.AddIndex("idx_enrollments_wait", false, "course, status, waitlist_pos", "")
	return c
}

func attendanceCollection() *core.Collection {
	c := core.NewBaseCollection("attendance")
	c.Fields.Add(
		&core.TextField{Name: "session", Required: true, Max: 15},
		&core.TextField{Name: "course", Required: true, Max: 15},
		&core.TextField{Name: "user", Required: true, Max: 15},
		&core.TextField{Name: "unit_path", Required: true, Max: 400},
		&core.BoolField{Name: "present"},
		&core.SelectField{Name: "method", Required: true, MaxSelect: 1, Values: []string{"code", "qr", "manual"}},
		&core.DateField{Name: "checked_at"},
		&core.TextField{Name: "corrected_by", Max: 15},
		&core.TextField{Name: "reason", Max: 500},
		&core.AutodateField{Name: "created", OnCreate: true},
		&core.AutodateField{Name: "updated", OnCreate: true, OnUpdate: true},
	)
	c.AddIndex("idx_attendance_key", true, "session, user", "")
	c.AddIndex("idx_attendance_course", false, "course, user", "")
	return c
}

func quizzesCollection() *core.Collection {
	c := core.NewBaseCollection("quizzes")
	c.Fields.Add(
		&core.TextField{Name: "course", Required: true, Max: 15},
		&core.JSONField{Name: "questions", MaxSize: 500000}, // [{id, kind, text, options, answer, points}]
		&core.NumberField{Name: "pass_mark"},                // points needed to pass
		&core.NumberField{Name: "total_points"},
		&core.NumberField{Name: "attempts_limit", OnlyInt: true}, // 0: unlimited
		&core.NumberField{Name: "time_limit_min", OnlyInt: true}, // 0: none
		&core.AutodateField{Name: "created", OnCreate: true},
		&core.AutodateField{Name: "updated", OnCreate: true, OnUpdate: true},
	)
	c.AddIndex("idx_quizzes_course", true, "course", "")
	return c
}

func attemptsCollection() *core.Collection {
	c := core.NewBaseCollection("quiz_attempts")
	c.Fields.Add(
		&core.TextField{Name: "quiz", Required: true, Max: 15},
		&core.TextField{Name: "course", Required: true, Max: 15},
		&core.TextField{Name: "user", Required: true, Max: 15},
		&core.TextField{Name: "unit_path", Required: true, Max: 400},
		&core.NumberField{Name: "n", OnlyInt: true}, // 1, 2, … per person
		&core.SelectField{Name: "status", Required: true, MaxSelect: 1, Values: AttemptStatus},
		&core.JSONField{Name: "answers", MaxSize: 200000},
		&core.NumberField{Name: "auto_score"},
		&core.NumberField{Name: "score"},
		&core.BoolField{Name: "passed"},
		&core.DateField{Name: "started_at"},
		&core.DateField{Name: "due_at"},
		&core.DateField{Name: "submitted_at"},
		&core.TextField{Name: "graded_by", Max: 15},
		&core.JSONField{Name: "grading", MaxSize: 50000}, // per short answer: points, comment
		&core.AutodateField{Name: "created", OnCreate: true},
		&core.AutodateField{Name: "updated", OnCreate: true, OnUpdate: true},
	)
	c.AddIndex("idx_quiz_attempts_key", true, "quiz, user, n", "")
	c.AddIndex("idx_quiz_attempts_course", false, "course, status", "")
	return c
}

func creditsCollection() *core.Collection {
	c := core.NewBaseCollection("training_credits")
	c.Fields.Add(
		&core.TextField{Name: "user", Required: true, Max: 15},
		&core.TextField{Name: "unit", Required: true, Max: 15},
		&core.TextField{Name: "unit_path", Required: true, Max: 400},
		&core.NumberField{Name: "year", OnlyInt: true},
		&core.NumberField{Name: "hours"},
		&core.SelectField{Name: "category", Required: true, MaxSelect: 1, Values: CourseCategories},
		&core.SelectField{Name: "source", Required: true, MaxSelect: 1, Values: CreditSources},
		&core.SelectField{Name: "status", Required: true, MaxSelect: 1, Values: CreditStatus},
		&core.TextField{Name: "course", Max: 15},
		&core.TextField{Name: "title", Required: true, Max: 200}, // course title or the certificate's name
		&core.TextField{Name: "issuer", Max: 200},                // for an external certificate
		&core.TextField{Name: "certificate", Max: 15},            // file id (ref_type "credit")
		&core.TextField{Name: "decided_by", Max: 15},
		&core.TextField{Name: "note", Max: 1000},
		&core.DateField{Name: "earned_at"},
		&core.AutodateField{Name: "created", OnCreate: true},
		&core.AutodateField{Name: "updated", OnCreate: true, OnUpdate: true},
	)
	c.AddIndex("idx_training_credits_user", false, "user, year", "")
	c.AddIndex("idx_training_credits_course", true, "course, user", "course != ''")
	c.AddIndex("idx_training_credits_unit", false, "year, unit_path, status", "")
	return c
}

func requirementsCollection() *core.Collection {
	c := core.NewBaseCollection("training_requirements")
	c.Fields.Add(
		&core.NumberField{Name: "year", OnlyInt: true},
		&core.TextField{Name: "role", Max: 20},     // e.g. leader, staff; "" any
		&core.TextField{Name: "rank", Max: 50},     // e.g. 一级主任科员; "" any
		&core.TextField{Name: "category", Max: 20}, // "" the total
		&core.NumberField{Name: "hours"},
		&core.TextField{Name: "updated_by", Max: 15},
		&core.AutodateField{Name: "created", OnCreate: true},
		&core.AutodateField{Name: "updated", OnCreate: true, OnUpdate: true},
	)
	c.AddIndex("idx_training_requirements_key", true, "year, role, rank, category", "")
	return c
}

func totalsCollection() *core.Collection {
	c := core.NewBaseCollection("training_totals")
	c.Fields.Add(
		&core.TextField{Name: "user", Required: true, Max: 15},
		&core.NumberField{Name: "year", OnlyInt: true},
		&core.TextField{Name: "unit", Required: true, Max: 15},
		&core.TextField{Name: "unit_path", Required: true, Max: 400},
		&core.NumberField{Name: "hours"},
		&core.JSONField{Name: "by_category", MaxSize: 2000}, // {category: hours}
		&core.NumberField{Name: "required"},
		&core.BoolField{Name: "met"}, // total and every category requirement reached
	)
	c.AddIndex("idx_training_totals_key", true, "user, year", "")
	c.AddIndex("idx_training_totals_unit", false, "year, unit_path", "")
	return c
}

func downTraining(app core.App) error {
	return dropCollections(app, "training_totals", "training_requirements", "training_credits", "quiz_attempts",
		"quizzes", "attendance", "enrollments", "course_sessions", "courses")
}
