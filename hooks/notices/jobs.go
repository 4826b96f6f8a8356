package notices

import (
	"fmt"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"

	"govcollab/hooks/api"
	"govcollab/hooks/notify"
	"govcollab/policies"
)

// Schedule registers the minute job: scheduled notices are published,
// reminders go out before deadlines, and after a deadline the leaders of
// units with missing confirmations are told. Each step marks its notice in
// the transaction that sends, so a restart never sends twice.
func (m *Module) Schedule() {
	m.app.Cron().MustAdd("notices", "* * * * *", func() {
		if err := m.RunJobs(); err != nil {
			m.app.Logger().Error("notice jobs", "error", err.Error())
		}
	})
}

// RunJobs runs the publication, reminder and escalation steps once.
func (m *Module) RunJobs() error {
	if _, err := m.PublishDue(); err != nil {
		return err
	}
	if _, err := m.AnnounceDue(); err != nil {
		return err
	}
	if _, err := m.Remind(); err != nil {
		return err
	}
	_, err := m.Escalate()
	return err
}

func (m *Module) dateNow() types.DateTime {
	d, _ := types.ParseDateTime(m.now().UTC())
	return d
}

// Remind tells those who have not confirmed a must-confirm notice, once,
// when its deadline is within the notice's remind_hours. It returns how
// many notices it reminded about.
func (m *Module) Remind() (int, error) {
	m.jobs.Lock()
	defer m.jobs.Unlock()
	now := m.now()
	var due []*core.Record
	err := m.app.RecordQuery(NoticesTable).Where(dbx.And(
		dbx.HashExp{"must_confirm": true, "status": "published", "reminded_at": ""},
		dbx.NewExp("deadline > {:now}", dbx.Params{"now": m.dateNow().String()}))).All(&due)
	if err != nil {
		return 0, err
	}
	done := 0
	for _, rec := range due {
		d := rec.GetDateTime("deadline").Time()
		if d.Sub(now) > time.Duration(rec.GetInt("remind_hours"))*time.Hour {
			continue
		}
		since := types.NowDateTime()
		sent := false
		_, err := m.app.Apply("", "notice.remind", func(tx core.App, c *api.Change) error {
			fresh, err := tx.FindRecordById(NoticesTable, rec.Id)
			if err != nil || fresh.GetString("reminded_at") != "" || fresh.GetString("status") != "published" {
				return nil
			}
			n, err := notify.SendSelect(tx, "SELECT user AS id FROM notice_receipts WHERE notice = {:rn} AND confirmed_at = ''",
				dbx.Params{"rn": rec.Id}, notify.Note{Kind: "notice.remind", Title: "请在截止前确认：" + rec.GetString("title"),
					Body: "确认截止：" + shanghai(d), Link: link(rec.Id)})
			if err != nil {
				return err
			}
			fresh.Set("reminded_at", types.NowDateTime())
			if err := tx.Save(fresh); err != nil {
				return err
			}
			sent = true
			c.Object = NoticesTable + "/" + rec.Id
			c.After = map[string]any{"reminded": n}
			return nil
		})
		if err != nil {
			return done, err
		}
		if sent {
			done++
			notify.Push(m.app, since, link(rec.Id))
		}
	}
	return done, nil
}

// Escalate, once a must-confirm notice's deadline has passed, tells the
// leaders of each unit with missing confirmations (the nearest unit above
// with a leader, where a unit has none) how many are missing, and the
// publisher the overall count. It returns how many notices it escalated.
func (m *Module) Escalate() (int, error) {
	m.jobs.Lock()
	defer m.jobs.Unlock()
	var due []*core.Record
	err := m.app.RecordQuery(NoticesTable).Where(dbx.And(
		dbx.HashExp{"must_confirm": true, "status": "published", "escalated_at": ""},
		dbx.NewExp("deadline != '' AND deadline <= {:now}", dbx.Params{"now": m.dateNow().String()}))).All(&due)
	if err != nil {
		return 0, err
	}
	done := 0
	for _, rec := range due {
		since := types.NowDateTime()
		sent := false
		_, err := m.app.Apply("", "notice.escalate", func(tx core.App, c *api.Change) error {
			fresh, err := tx.FindRecordById(NoticesTable, rec.Id)
			if err != nil || fresh.GetString("escalated_at") != "" || fresh.GetString("status") != "published" {
				return nil
			}
			var missing []struct {
				Unit string `db:"unit"`
				Path string `db:"unit_path"`
				N    int    `db:"n"`
			}
			if err := tx.DB().Select("unit", "unit_path", "COUNT(*) AS n").From(ReceiptsTable).
				Where(dbx.HashExp{"notice": rec.Id, "confirmed_at": ""}).GroupBy("unit", "unit_path").All(&missing); err != nil {
				return err
			}
			total := 0
			for _, u := range missing {
				total += u.N
				leaders, err := nearestLeaders(tx, u.Unit, u.Path)
				if err != nil {
					return err
				}
				if err := notify.Send(tx, leaders, notify.Note{Kind: "notice.escalate",
					Title: fmt.Sprintf("逾期未确认：%s（%d 人）", rec.GetString("title"), u.N),
					Body:  unitName(tx, u.Unit) + " 有 " + fmt.Sprint(u.N) + " 人未在截止前确认", Link: link(rec.Id)}); err != nil {
					return err
				}
			}
			if total > 0 {
				if err := notify.Send(tx, []string{rec.GetString("publisher")}, notify.Note{Kind: "notice.overdue",
					Title: fmt.Sprintf("已过截止时间，%d 人未确认：%s", total, rec.GetString("title")), Link: link(rec.Id)}); err != nil {
					return err
				}
			}
			fresh.Set("escalated_at", types.NowDateTime())
			if err := tx.Save(fresh); err != nil {
				return err
			}
			sent = true
			c.Object = NoticesTable + "/" + rec.Id
			c.After = map[string]any{"missing": total, "units": len(missing)}
			return nil
		})
		if err != nil {
			return done, err
		}
		if sent {
			done++
			notify.Push(m.app, since, link(rec.Id))
		}
	}
	return done, nil
}

// nearestLeaders are the leaders of unit, or of the nearest unit above it
// that has any.
func nearestLeaders(app core.App, unit, path string) ([]string, error) {
	leaders, err := leadersOf(app, []string{unit})
	if err != nil || len(leaders) > 0 {
		return leaders, err
	}
	anc := policies.Ancestors(path)
	for i := len(anc) - 2; i >= 0; i-- {
		var ids []string
		if err := app.DB().Select("id").From("units").Where(dbx.HashExp{"path": anc[i]}).Column(&ids); err != nil {
			return nil, err
		}
		if len(ids) == 0 {
			continue
		}
		if leaders, err = leadersOf(app, ids); err != nil || len(leaders) > 0 {
			return leaders, err
		}
	}
	return nil, nil
}

// shanghai formats t for messages, in business time.
func shanghai(t time.Time) string { return t.In(api.Shanghai).Format("2006-01-02 15:04") }
