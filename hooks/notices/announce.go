package notices

import (
	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"

	"govcollab/hooks/notify"
)

// Announcing: the notification of each recipient of a published notice is
// written in a transaction of its own, right after the publication commits
// (the publisher does not wait for a hundred thousand of them), and marked
// with notified_at in that same transaction. The minute job announces any
// notice a crash or a busy database left unannounced, so every recipient
// is told exactly once.

// announceLater tells the recipients of notice id in the background.
func (m *Module) announceLater(id string) {
	m.announcing.Add(1)
	go func() {
		defer m.announcing.Done()
		if err := m.announce(id); err != nil {
			m.app.Logger().Warn("notice recipients told later", "notice", id, "error", err.Error())
		}
	}()
}

// WaitAnnounced waits for announcements running in the background (tests,
// shutdown).
func (m *Module) WaitAnnounced() { m.announcing.Wait() }

// announce writes the notifications of notice id once and pushes them live.
func (m *Module) announce(id string) error {
	since := types.NowDateTime()
	told := false
	err := m.app.RunInTransaction(func(tx core.App) error {
		rec, err := tx.FindRecordById(NoticesTable, id)
		if err != nil || rec.GetString("status") != "published" || rec.GetString("notified_at") != "" {
			return nil
		}
		if _, err := notify.SendSelect(tx, "SELECT user AS id FROM notice_receipts WHERE notice = {:nnotice} ORDER BY user",
			dbx.Params{"nnotice": rec.Id}, notify.Note{Kind: "notice.published", Title: noteTitle(rec),
				Body: unitName(tx, rec.GetString("unit")) + " · " + rec.GetString("category"), Link: link(rec.Id)}, "n"+rec.Id); err != nil {
			return err
		}
		rec.Set("notified_at", types.NowDateTime())
		told = true
		return tx.Save(rec)
	})
	if err == nil && told {
		notify.Push(m.app, since, link(id))
	}
	return err
}

// AnnounceDue announces every published notice still unannounced.
func (m *Module) AnnounceDue() (int, error) {
	var ids []string
	err := m.app.DB().Select("id").From(NoticesTable).Where(dbx.HashExp{"status": "published", "notified_at": ""}).
		OrderBy("published_at").Limit(100).Column(&ids)
	if err != nil {
		return 0, err
	}
	for i, id := range ids {
		if err := m.announce(id); err != nil {
			return i, err
		}
	}
	return len(ids), nil
}
