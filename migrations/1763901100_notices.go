package migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"
)

func init() {
	m.Register(upNotices, downNotices)
}

// Values of the notice fields API.md names.
var (
	NoticeCategories = []string{"通知", "通报", "公告", "会议通知", "征求意见"}
	NoticeUrgencies  = []string{"特急", "加急", "平件"}
	// NoticeStatuses: scheduled until its publish time, then published;
	// withdrawn ends it (readers keep seeing it, marked withdrawn).
	NoticeStatuses = []string{"scheduled", "published", "withdrawn"}
)

// upNotices adds the notice tables (hooks/notices):
//   - notices: one row per notice and per forwarded copy (转发). A copy
//     names its `parent` and `root`; `chain` is the materialized path of
//     notice ids from the root ("/root/copy/"), so the receipts of a notice
//     and of every copy below it are one index range. A copy's content is
//     read from its root, so a correction reaches every copy.
//   - notice_receipts: the audience resolved once at publication, one row
//     per recipient (the audience join of the policy), with the reader's
//     unit path for per-unit rollups.
//   - notice_versions: what a notice said before each correction.
//
// No API rules: only our routes touch them.
func upNotices(app core.App) error {
	n := core.NewBaseCollection("notices")
	n.Fields.Add(
		&core.TextField{Name: "title", Required: true, Max: 200},
		&core.TextField{Name: "body", Max: 200000},
		&core.TextField{Name: "body_html", Max: 1000000},
		&core.SelectField{Name: "category", Required: true, MaxSelect: 1, Values: NoticeCategories},
		&core.SelectField{Name: "urgency", Required: true, MaxSelect: 1, Values: NoticeUrgencies},
		&core.BoolField{Name: "must_confirm"},
		&core.DateField{Name: "deadline"},
		&core.NumberField{Name: "remind_hours", OnlyInt: true},
		&core.BoolField{Name: "pinned"},
		// 主动公开: requested by the publisher (pending), approved by a leader
		// of the publishing unit; only approved ones reach /public/
		&core.SelectField{Name: "public_state", MaxSelect: 1, Values: []string{"pending", "approved"}},
		&core.TextField{Name: "public_approver", Max: 15},
		&core.DateField{Name: "public_approved_at"},
		&core.SelectField{Name: "status", Required: true, MaxSelect: 1, Values: NoticeStatuses},
		&core.DateField{Name: "publish_at"},
		&core.DateField{Name: "published_at"},
		&core.DateField{Name: "expires_at"},
		&core.TextField{Name: "publisher", Required: true, Max: 15},
		&core.TextField{Name: "unit", Required: true, Max: 15},
		&core.TextField{Name: "unit_path", Required: true, Max: 400},
		&core.TextField{Name: "system", Max: 40},
		&core.JSONField{Name: "audience", MaxSize: 200000},
		&core.NumberField{Name: "recipients", OnlyInt: true},
		&core.TextField{Name: "parent", Max: 15},
		&core.TextField{Name: "root", Max: 15},
		&core.TextField{Name: "chain", Required: true, Max: 400},
		&core.TextField{Name: "forward_note", Max: 2000},
		&core.NumberField{Name: "version", OnlyInt: true},
		&core.DateField{Name: "corrected_at"},
		&core.DateField{Name: "withdrawn_at"},
		&core.TextField{Name: "withdraw_reason", Max: 500},
		// set in the transaction that sends them: a restart never repeats them
		&core.DateField{Name: "reminded_at"},
		&core.DateField{Name: "escalated_at"},
		&core.AutodateField{Name: "created", OnCreate: true},
		&core.AutodateField{Name: "updated", OnCreate: true, OnUpdate: true},
	)
	n.AddIndex("idx_notices_status", false, "status, published_at", "")
	n.AddIndex("idx_notices_published", false, "published_at", "")
	n.AddIndex("idx_notices_unit_path", false, "unit_path", "")
	n.AddIndex("idx_notices_publisher", false, "publisher, created", "")
	n.AddIndex("idx_notices_chain", false, "chain", "")
	n.AddIndex("idx_notices_public", false, "public_state, status, published_at", "")
	n.AddIndex("idx_notices_due", false, "must_confirm, status, deadline", "")
	if err := app.Save(n); err != nil {
		return err
	}

	r := core.NewBaseCollection("notice_receipts")
	r.Fields.Add(
		&core.TextField{Name: "notice", Required: true, Max: 15},
		&core.TextField{Name: "root", Required: true, Max: 15},
		&core.TextField{Name: "chain", Required: true, Max: 400},
		&core.TextField{Name: "user", Required: true, Max: 15},
		&core.TextField{Name: "unit", Required: true, Max: 15},
		&core.TextField{Name: "unit_path", Required: true, Max: 400},
		&core.DateField{Name: "read_at"},
		&core.DateField{Name: "confirmed_at"},
		&core.BoolField{Name: "late"},
		&core.TextField{Name: "reply", Max: 2000},
		&core.JSONField{Name: "reply_files", MaxSize: 4000},
		&core.AutodateField{Name: "created", OnCreate: true},
	)
	r.AddIndex("idx_notice_receipts_notice_user", true, "notice, user", "")
	r.AddIndex("idx_notice_receipts_user", false, "user, notice", "")
	r.AddIndex("idx_notice_receipts_root_user", false, "root, user", "")
	r.AddIndex("idx_notice_receipts_chain_unit", false, "chain, unit_path", "")
	if err := app.Save(r); err != nil {
		return err
	}

	v := core.NewBaseCollection("notice_versions")
	v.Fields.Add(
		&core.TextField{Name: "notice", Required: true, Max: 15},
		&core.NumberField{Name: "version", OnlyInt: true, Required: true},
		&core.TextField{Name: "title", Required: true, Max: 200},
		&core.TextField{Name: "body", Max: 200000},
		&core.TextField{Name: "body_html", Max: 1000000},
		&core.JSONField{Name: "files", MaxSize: 4000},
		&core.TextField{Name: "reason", Max: 500},
		&core.TextField{Name: "editor", Max: 15},
		&core.AutodateField{Name: "created", OnCreate: true},
	)
	v.AddIndex("idx_notice_versions_notice", true, "notice, version", "")
	return app.Save(v)
}

func downNotices(app core.App) error {
	return dropCollections(app, "notice_versions", "notice_receipts", "notices")
}
