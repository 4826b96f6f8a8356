package notices

import (
	"fmt"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"

	"govcollab/hooks/api"
	"govcollab/policies"
)

// demoNotice is one notice of the demo province.
type demoNotice struct {
	key       string // for forwards and the dates set afterwards
	publisher string
	in        Input
	unitNames []UnitSel // audience units by name (Subtree as given)
	read      float64   // share of recipients who have read it
	confirmed float64   // share who confirmed (must-confirm ones)
}

func demoNotices(now time.Time) []demoNotice {
	day := func(d int) string { return now.Add(time.Duration(d) * 24 * time.Hour).Format(time.RFC3339) }
	return []demoNotice{
		{key: "evaluation", publisher: "leader.prov", read: 0.7, confirmed: 0.4, in: Input{
			Title: "关于开展2026年度政务服务效能评估工作的通知", Category: "通知", Urgency: "加急", MustConfirm: true, Deadline: day(3),
			Body: "各市、县人民政府，省政府各部门：\n\n为提升政务服务效能，现就开展年度评估工作通知如下。\n\n" +
				"| 阶段 | 时间 | 内容 |\n|---|---|---|\n| 自查 | 12月上旬 | 各单位对照指标自查 |\n| 评估 | 12月中旬 | 省级组织抽查 |\n\n" +
				"请各单位于截止时间前**确认收到**，并指定一名联络员。",
			Audience: Audience{Levels: []string{"province", "city"}}}},
		{key: "meeting", publisher: "leader.east", read: 0.8, confirmed: 0.5, unitNames: []UnitSel{{ID: "东城市人民政府", Subtree: true}},
			in: Input{Title: "关于召开全市安全生产工作会议的通知", Category: "会议通知", Urgency: "特急", MustConfirm: true, Deadline: day(1),
				Body: "定于下周一上午9:00在市政府三楼会议室召开全市安全生产工作会议，请各单位主要负责人参加。\n\n请于截止前确认参会。"}},
		{key: "tax", publisher: "leader.east", read: 0.5, unitNames: []UnitSel{{ID: "东城市人民政府", Subtree: true}},
			in: Input{Title: "关于全市税务系统第三季度工作情况的通报", Category: "通报", Urgency: "平件",
				Body:     "第三季度，全市税务系统认真落实各项税费优惠政策，办税缴费便利度持续提升。\n\n- 新办纳税人套餐式服务覆盖率 98%\n- 电子发票开具量同比增长 35%",
				Audience: Audience{Systems: []string{"tax"}}}},
		{key: "public", publisher: "clerk.east", read: 0.3, unitNames: []UnitSel{{ID: "东城市人民政府", Subtree: true}},
			in: Input{Title: "东城市关于优化营商环境若干措施的公告", Category: "公告", Urgency: "平件", Public: true, Pinned: true,
				Body: "为进一步优化营商环境，现将有关措施公告如下：\n\n1. 企业开办全程网办，一个工作日办结；\n2. 工程建设项目审批时间压减至 60 个工作日以内；\n3. 推行“证照分离”改革全覆盖。"}},
		{key: "opinion", publisher: "leader.prov", read: 0.4, confirmed: 0.2, in: Input{
			Title: "关于征求《示范省政务数据共享管理办法（征求意见稿）》意见的通知", Category: "征求意见", Urgency: "平件",
			MustConfirm: true, Deadline: day(7),
			Body:     "现将《示范省政务数据共享管理办法（征求意见稿）》印发给你们，请认真研究，在确认时填写修改意见（无意见也请确认）。",
			Audience: Audience{Roles: []string{"leader"}}}},
		{key: "scheduled", publisher: "leader.east", unitNames: []UnitSel{{ID: "东城市人民政府", Subtree: true}},
			in: Input{Title: "关于元旦期间值班安排的通知", Category: "通知", Urgency: "平件", PublishAt: day(2),
				Body: "元旦假期值班表见附件，请各单位做好值班值守工作。"}},
	}
}

// SeedDemo fills the demo province with notices to several audiences:
// must-confirm ones pending and past their deadline, a forwarded one, a
// 主动公开 one, a scheduled one, with reads and confirmations. It does
// nothing if any notice exists.
func (m *Module) SeedDemo() error {
	var n int
	if err := m.app.DB().NewQuery("SELECT COUNT(*) FROM notices").Row(&n); err != nil || n > 0 {
		return err
	}
	if _, err := m.app.FindFirstRecordByData("users", "username", "leader.prov"); err != nil {
		return nil // no demo province
	}
	now := m.now()
	defer m.WaitAnnounced() // the demo is complete when seeding returns
	made := map[string]*core.Record{}
	for _, d := range demoNotices(now) {
		rec, err := m.seedOne(d, now)
		if err != nil {
			return fmt.Errorf("notices: seed %q: %w", d.in.Title, err)
		}
		made[d.key] = rec
	}
	// the office passes the province's notice down to the city's counties
	clerk, err := m.subjectOf("clerk.east")
	if err != nil {
		return err
	}
	east, err := m.app.FindFirstRecordByData("units", "name", "东城市人民政府")
	if err != nil {
		return err
	}
	cp, err := m.forward(clerk, made["evaluation"], ForwardInput{Note: "请各县（区）政府认真组织自查，于12月5日前报送市政府办公室。",
		Audience: Audience{Units: []UnitSel{{ID: east.Id, Subtree: true}}}}, m.seedApply(clerk.ID))
	if err != nil {
		return fmt.Errorf("notices: seed forward: %w", err)
	}
	if err := m.seedReads(cp, 0.5, 0.3); err != nil {
		return err
	}
	// the meeting notice's deadline has passed: published days ago
	_, err = m.app.DB().NewQuery("UPDATE notices SET published_at = {:p}, publish_at = {:p}, deadline = {:d} WHERE id = {:id}").
		Bind(dbx.Params{"p": dbTime(now.Add(-5 * 24 * time.Hour)), "d": dbTime(now.Add(-24 * time.Hour)), "id": made["meeting"].Id}).Execute()
	if err != nil {
		return err
	}
	// the leader of the publishing unit approves the 主动公开 request
	_, err = m.app.DB().NewQuery(`UPDATE notices SET public_state = 'approved', public_approver = {:l}, public_approved_at = {:t}
		WHERE id = {:id}`).Bind(dbx.Params{"l": m.userID("leader.east"), "t": dbTime(now), "id": made["public"].Id}).Execute()
	return err
}

func (m *Module) seedOne(d demoNotice, now time.Time) (*core.Record, error) {
	s, err := m.subjectOf(d.publisher)
	if err != nil {
		return nil, err
	}
	for _, u := range d.unitNames {
		rec, err := m.app.FindFirstRecordByData("units", "name", u.ID)
		if err != nil {
			return nil, err
		}
		d.in.Audience.Units = append(d.in.Audience.Units, UnitSel{ID: rec.Id, Subtree: u.Subtree})
	}
	w, err := d.in.validate(now)
	if err != nil {
		return nil, err
	}
	rec, err := m.create(s, d.in, w, m.seedApply(s.ID))
	if err != nil {
		return nil, err
	}
	return rec, m.seedReads(rec, d.read, d.confirmed)
}

// seedReads marks shares of rec's receipts read and confirmed.
func (m *Module) seedReads(rec *core.Record, read, confirmed float64) error {
	if rec.GetString("status") != "published" {
		return nil
	}
	var ids []string
	if err := m.app.DB().Select("id").From(ReceiptsTable).Where(dbx.HashExp{"notice": rec.Id}).OrderBy("unit_path", "id").Column(&ids); err != nil {
		return err
	}
	now := types.NowDateTime().String()
	for i, id := range ids {
		f := float64(i) / float64(len(ids))
		set := dbx.Params{}
		if f < read {
			set["read_at"] = now
		}
		if rec.GetBool("must_confirm") && f < confirmed {
			set["confirmed_at"] = now
		}
		if len(set) == 0 {
			continue
		}
		if _, err := m.app.DB().Update(ReceiptsTable, set, dbx.HashExp{"id": id}).Execute(); err != nil {
			return err
		}
	}
	return Recount(m.app, rec.Id)
}

func (m *Module) seedApply(actor string) applyFunc {
	return func(action string, fn func(tx core.App, c *api.Change) error) error {
		_, err := m.app.Apply(actor, action, fn)
		return err
	}
}

func (m *Module) userID(username string) string {
	r, err := m.app.FindFirstRecordByData("users", "username", username)
	if err != nil {
		return ""
	}
	return r.Id
}

func (m *Module) subjectOf(username string) (*policies.Subject, error) {
	return m.app.Authz.Subject(m.userID(username))
}

func dbTime(t time.Time) string { return t.UTC().Format(types.DefaultDateLayout) }
