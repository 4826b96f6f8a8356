package migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"
)

func init() {
	m.Register(upReceiptsSpeed, downReceiptsSpeed)
}

// upReceiptsSpeed shapes notice receipts (and notifications) for audiences
// of a hundred thousand people:
//   - ids may be longer than PocketBase's 15 characters, so a publication
//     writes them in order (the notice id and a counter) instead of at
//     random places of the primary key's B-tree;
//   - one (user, root) index serves "my receipts" and "already holds this
//     notice" instead of two;
//   - the rollup index carries the read and confirm times, so per-unit
//     counts read the index alone;
//   - notices.notified_at: the recipients' notifications are written in a
//     transaction of their own after publication (the publisher does not
//     wait for them), marked here so a restart neither loses nor repeats them.
func upReceiptsSpeed(app core.App) error {
	nt, err := app.FindCollectionByNameOrId("notices")
	if err != nil {
		return err
	}
	nt.Fields.Add(&core.DateField{Name: "notified_at"})
	nt.AddIndex("idx_notices_notified", false, "status, notified_at", "")
	if err := app.Save(nt); err != nil {
		return err
	}
	r, err := app.FindCollectionByNameOrId("notice_receipts")
	if err != nil {
		return err
	}
	if id, ok := r.Fields.GetByName("id").(*core.TextField); ok {
		id.Max = 40
	}
	r.RemoveIndex("idx_notice_receipts_user")
	r.RemoveIndex("idx_notice_receipts_root_user")
	r.RemoveIndex("idx_notice_receipts_chain_unit")
	r.AddIndex("idx_notice_receipts_user_root", false, "user, root", "")
	r.AddIndex("idx_notice_receipts_rollup", false, "chain, unit_path, read_at, confirmed_at", "")
	if err := app.Save(r); err != nil {
		return err
	}
	n, err := app.FindCollectionByNameOrId("notifications")
	if err != nil {
		return err
	}
	if id, ok := n.Fields.GetByName("id").(*core.TextField); ok {
		id.Max = 40
	}
	return app.Save(n)
}

func downReceiptsSpeed(app core.App) error {
	nt, err := app.FindCollectionByNameOrId("notices")
	if err != nil {
		return err
	}
	nt.RemoveIndex("idx_notices_notified")
	nt.Fields.RemoveByName("notified_at")
	if err := app.Save(nt); err != nil {
		return err
	}
	r, err := app.FindCollectionByNameOrId("notice_receipts")
	if err != nil {
		return err
	}
	r.RemoveIndex("idx_notice_receipts_user_root")
	r.RemoveIndex("idx_notice_receipts_rollup")
	r.AddIndex("idx_notice_receipts_user", false, "user, notice", "")
	r.AddIndex("idx_notice_receipts_root_user", false, "root, user", "")
	r.AddIndex("idx_notice_receipts_chain_unit", false, "chain, unit_path", "")
	return app.Save(r)
}
