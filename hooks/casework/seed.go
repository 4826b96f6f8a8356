package casework

import (
	"fmt"
	"govcollab/hooks/markdown"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"

	"govcollab/hooks/api"
	"govcollab/hooks/security"
)

// demoCase is one case of the demo province.
type demoCase struct {
	author, state string // state: draft | submitted | returned | published
	c             content
	comments      [][2]string // username, text
	votes         []string
}

func demoCases() []demoCase {
	return []demoCase{
		{author: "staff.east.tax", state: "published", c: content{
			Title: "个体工商户税务登记“一次不跑”的做法", Scope: "all", Business: "税费征管",
			Summary: "通过部门数据共享，个体工商户领取营业执照后自动完成税务登记，平均办理时间由 2 天压缩到即时办结。",
			Tags:    []string{"税务登记", "营业执照", "数据共享"},
			Body: "## 背景\n\n个体工商户办理营业执照后，还需要到税务部门办理税务登记，群众反映来回跑。\n\n" +
				"## 做法\n\n1. 与市场监管部门建立营业执照信息实时推送机制；\n2. 系统自动生成税务登记信息，纳税人在电子税务局确认即可；\n3. 对信息不全的，由专人电话辅导补充。\n\n" +
				"## 成效\n\n| 指标 | 改革前 | 改革后 |\n|---|---|---|\n| 平均办理时间 | 2 天 | 即时 |\n| 跑动次数 | 1 次 | 0 次 |\n\n" +
				"## 注意事项\n\n- [x] 数据推送需留存日志\n- [ ] 定期核对推送失败的记录[^1]\n\n[^1]: 建议每周核对一次。",
			Entities: []EntityInput{{Kind: "enterprise", Number: "91110108MA01ABCDE", Name: "东城某商贸有限公司"}}},
			comments: [][2]string{{"staff.west.tax", "很实用，西城准备借鉴。请问推送失败的比例大概多少？"}, {"staff.east.tax", "@staff.west.tax 上线初期约 3%，主要是经营范围字段不规范。"}},
			votes:    []string{"staff.west.tax", "leader.east.tax", "staff.east.hr"}},
		{author: "staff.west.tax", state: "published", c: content{
			Title: "欠税企业分级催缴工作法", Scope: "system", Business: "税费征管",
			Summary: "按欠税金额和时长分三级催缴，配合信用惩戒，欠税清缴率提高 18 个百分点。",
			Tags:    []string{"欠税", "信用"},
			Body:    "## 分级标准\n\n- 一级：欠税 10 万元以上或超过 6 个月；\n- 二级：欠税 1 万至 10 万元；\n- 三级：其余。\n\n## 措施\n\n一级由分局长约谈，二级发送催缴通知并电话提醒，三级短信提醒。"},
			votes: []string{"staff.east.tax"}},
		{author: "staff.east.hr", state: "published", c: content{
			Title: "灵活就业人员社保缴费线上办理", Scope: "all", Business: "社会保障",
			Summary: "灵活就业人员通过政务服务平台自助参保缴费，无需到窗口。",
			Tags:    []string{"社保缴费", "灵活就业", "一网通办"},
			Body:    "## 流程\n\n1. 登录政务服务平台；\n2. 选择“灵活就业人员参保登记”；\n3. 绑定银行账户，按月自动扣缴。\n\n咨询电话请见本单位通讯录。"},
			comments: [][2]string{{"staff.east.county1", "县里也可以用这个入口吗？"}}},
		{author: "staff.east.county1", state: "published", c: content{
			Title: "乡镇便民服务站代办营业执照", Scope: "subtree", Business: "政务服务",
			Summary: "在乡镇便民服务站设置代办点，群众在家门口即可申请营业执照。",
			Tags:    []string{"营业执照", "便民服务"},
			Body:    "甲县在各乡镇便民服务站设代办员，帮助群众线上提交营业执照申请材料，县市场监管局统一审核。"}},
		{author: "leader.east", state: "published", c: content{
			Title: "东城市“高效办成一件事”推进机制", Scope: "subtree", Business: "政务服务",
			Summary: "市政府办公室牵头，按事项清单逐项明确牵头部门和配合部门。",
			Tags:    []string{"高效办成一件事", "一网通办"},
			Body:    "## 机制\n\n- 每月调度一次；\n- 清单化管理，逐项销号；\n- 群众评价纳入部门考核。"}},
		{author: "hr.prov", state: "published", c: content{
			Title: "省级人社系统培训学时统计口径", Scope: "system", Business: "其他",
			Summary: "明确线上课程、集中培训和专题讲座的学时折算方法。",
			Tags:    []string{"培训", "学时"},
			Body:    "集中培训按实际天数每天 8 学时计算；线上课程按平台记录计算；专题讲座每次 3 学时。"}},
		{author: "staff.east.tax", state: "published", c: content{
			Title: "本局窗口排队叫号优化", Scope: "unit", Business: "政务服务",
			Summary: "高峰时段增开综合窗口，平均等候时间缩短一半。",
			Tags:    []string{"窗口服务"},
			Body:    "每周一上午和月初申报期增开两个综合窗口，由后台人员轮流顶岗。"}},
		{author: "staff.east.tax", state: "submitted", c: content{
			Title: "跨区域涉税事项报验登记简化", Scope: "all", Business: "税费征管",
			Summary: "外出经营报验登记改为线上自动办理。", Tags: []string{"跨区域"},
			Body: "纳税人在电子税务局填报跨区域涉税事项报告，经营地税务机关自动接收，无需另行报验。"}},
		{author: "staff.east.hr", state: "returned", c: content{
			Title: "就业补贴申领材料精简", Scope: "all", Business: "社会保障",
			Summary: "申领材料由 6 项精简为 2 项。", Tags: []string{"就业补贴"},
			Body: "通过数据共享获取营业执照、社保缴费记录，申请人只需提交申请表和银行账户信息。"}},
		{author: "staff.west.tax", state: "draft", c: content{
			Title: "（草稿）发票领用流程梳理", Scope: "unit", Business: "税费征管", Tags: []string{"发票"},
			Body: "待补充。"}},
	}
}

// SeedDemo fills the demo province with cases at every scope and state,
// with comments and votes. It does nothing if any case exists.
func (m *Module) SeedDemo() error {
	var n int
	if err := m.app.DB().NewQuery("SELECT COUNT(*) FROM cases").Row(&n); err != nil || n > 0 {
		return err
	}
	reviewer, err := m.app.FindFirstRecordByData("users", "username", "reviewer.prov")
	if err != nil {
		return nil // no demo province
	}
	_, err = m.app.Apply("", "case.seed_demo", func(tx core.App, ch *api.Change) error {
		for _, d := range demoCases() {
			if err := m.seedOne(tx, d, reviewer.Id); err != nil {
				return fmt.Errorf("casework: seed %q: %w", d.c.Title, err)
			}
		}
		ch.Object = CasesTable
		ch.After = map[string]int{"cases": len(demoCases())}
		return nil
	})
	return err
}

func (m *Module) seedOne(tx core.App, d demoCase, reviewer string) error {
	author, err := tx.FindFirstRecordByData("users", "username", d.author)
	if err != nil {
		return err
	}
	unit, err := tx.FindRecordById("units", author.GetString("unit"))
	if err != nil {
		return err
	}
	for i, e := range d.c.Entities {
		if len(e.Number) == 17 { // the check character is computed, not typed
			c, _ := creditCheck(e.Number)
			d.c.Entities[i].Number = e.Number + string(c)
		}
	}
	html, err := renderBody(d.c.Body)
	if err != nil {
		return err
	}
	col, err := tx.FindCachedCollectionByNameOrId(CasesTable)
	if err != nil {
		return err
	}
	rec := core.NewRecord(col)
	rec.Load(map[string]any{"status": d.state, "author": author.Id, "unit": unit.Id, "unit_path": unit.GetString("path"),
		"system": unit.GetString("system"), "version": 1})
	if err := m.setContent(rec, d.c, html); err != nil {
		return err
	}
	if d.state == "published" {
		rec.Set("live", "published")
		rec.Set("published_version", 1)
		rec.Set("published_at", types.NowDateTime())
	}
	if err := tx.Save(rec); err != nil {
		return err
	}
	if err := m.newVersion(tx, rec.Id, 1, author.Id, d.c, html); err != nil {
		return err
	}
	v, err := latest(tx, rec.Id)
	if err != nil {
		return err
	}
	v.Set("status", d.state)
	switch d.state {
	case "published":
		v.Set("reviewer", reviewer)
		v.Set("review_comment", "同意发布")
		v.Set("reviewed_at", types.NowDateTime())
	case "returned":
		v.Set("reviewer", reviewer)
		v.Set("review_comment", "请补充精简前后的材料清单对比")
		v.Set("reviewed_at", types.NowDateTime())
	}
	if err := tx.Save(v); err != nil {
		return err
	}
	if d.state == "published" {
		if err := m.publishEntities(tx, rec.Id, d.c.Entities); err != nil {
			return err
		}
		if err := publishTags(tx, rec.Id, d.c.Tags); err != nil {
			return err
		}
		if err := m.index(tx, rec); err != nil {
			return err
		}
	}
	return m.seedTalk(tx, rec.Id, d)
}

func (m *Module) seedTalk(tx core.App, caseID string, d demoCase) error {
	user := func(name string) string {
		u, err := tx.FindFirstRecordByData("users", "username", name)
		if err != nil {
			return ""
		}
		return u.Id
	}
	for _, c := range d.comments {
		html, err := markdown.RenderComment(c[1])
		if err != nil {
			return err
		}
		col, _ := tx.FindCachedCollectionByNameOrId(CommentsTable)
		r := core.NewRecord(col)
		r.Load(map[string]any{"case_id": caseID, "author": user(c[0]), "body": c[1], "body_html": html})
		if err := tx.Save(r); err != nil {
			return err
		}
	}
	for _, u := range d.votes {
		col, _ := tx.FindCachedCollectionByNameOrId(VotesTable)
		r := core.NewRecord(col)
		r.Load(map[string]any{"case_id": caseID, "user": user(u)})
		if err := tx.Save(r); err != nil {
			return err
		}
	}
	for _, counter := range [][2]string{{CommentsTable, "comments"}, {VotesTable, "votes"}} {
		if err := recount(tx, caseID, counter[0], counter[1]); err != nil {
			return err
		}
	}
	_, err := tx.DB().NewQuery("UPDATE cases SET views = {:v} WHERE id = {:id}").
		Bind(dbx.Params{"v": 10 + 7*len(d.votes) + 3*len(d.comments), "id": caseID}).Execute()
	return err
}

func creditCheck(first17 string) (byte, bool) { return security.CreditCheckChar(first17) }
