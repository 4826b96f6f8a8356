package approval

import (
	"context"
	"fmt"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"govcollab/hooks/api"
	"govcollab/policies"
)

// demoDoc is a document of the demo province and how far it goes.
type demoDoc struct {
	drafter, template, title, body, docType, urgency string
	mainTo, copyTo                                   []string // unit names
	// steps to take after drafting: user and action, in order
	steps []demoStep
}

type demoStep struct{ user, action, comment string }

func demoDocs() []demoDoc {
	sign := []demoStep{{"clerk.east", "submit", ""}, {"leader.east.tax", "approve", "同意"},
		{"staff.east.hr", "approve", "无意见"}, {"leader.east", "sign", "同意印发"}}
	dispatch := append(append([]demoStep{}, sign...), demoStep{"clerk.east", "dispatch", ""})
	body := func(s string) string { return "各有关单位：\n\n" + s + "\n\n特此通知。" }
	return []demoDoc{
		{drafter: "clerk.east", template: "市政府发文（会签）", docType: "发文", urgency: "加急",
			title: "关于做好2026年冬季安全生产工作的通知", mainTo: []string{"西城市人民政府"}, copyTo: []string{"东城市税务局"},
			body: body("为切实做好今冬明春安全生产工作，现就有关事项通知如下：一、压实责任；二、排查隐患；三、强化值守。"), steps: dispatch},
		{drafter: "clerk.east", template: "市政府发文（会签）", docType: "发文", urgency: "平件",
			title: "关于印发《东城市政务服务事项清单（2026年版）》的通知", mainTo: []string{"东城市甲县人民政府", "东城市乙县人民政府"},
			body: body("现将《东城市政务服务事项清单（2026年版）》印发给你们，请认真贯彻执行。"), steps: dispatch},
		{drafter: "clerk.east", template: "市政府发文（会签）", docType: "发文", urgency: "平件",
			title: "关于开展税费政策宣传月活动的通知", mainTo: []string{"东城市税务局"},
			body: body("经研究，决定在全市开展税费政策宣传月活动。"), steps: sign},
		{drafter: "clerk.east", template: "市政府发文（会签）", docType: "发文", urgency: "特急",
			title: "关于做好元旦春节期间值班值守工作的通知", mainTo: []string{"东城市税务局", "东城市人力资源和社会保障局"},
			body:  body("请各单位严格执行领导带班和24小时值班制度。"),
			steps: []demoStep{{"clerk.east", "submit", ""}, {"leader.east.tax", "approve", "同意"}}},
		{drafter: "clerk.east", template: "市政府函", docType: "函", urgency: "平件",
			title: "东城市人民政府关于商请协助开展跨市通办试点的函", mainTo: []string{"西城市人民政府"},
			body:  "西城市人民政府：\n\n为推进政务服务跨市通办，拟与贵市开展试点合作，请予支持。",
			steps: []demoStep{{"clerk.east", "submit", ""}, {"leader.east", "sign", "同意"}, {"clerk.east", "dispatch", ""}}},
		{drafter: "staff.east.tax", template: "部门签报", docType: "签报", urgency: "平件",
			title: "关于申请购置自助办税终端的签报", body: "为缓解办税服务厅高峰压力，拟购置自助办税终端10台，妥否，请批示。",
			steps: []demoStep{{"staff.east.tax", "submit", ""}, {"leader.east.tax", "return", "请补充预算明细后再报"}}},
		{drafter: "staff.east.tax", template: "部门签报", docType: "签报", urgency: "平件",
			title: "关于2027年度业务培训计划的签报（草稿）", body: "待完善。"},
	}
}

// SeedDocs fills the demo with documents in every state: archived ones
// with numbers (东政办发〔2026〕1号…), one signed awaiting dispatch, one in
// countersign, a returned 签报 and a draft; 西城市's office finds the
// dispatched ones in its 收文 queue and has registered the first. It does
// nothing if any document exists.
func (m *Module) SeedDocs() error {
	var n int
	if err := m.app.DB().NewQuery("SELECT COUNT(*) FROM docs").Row(&n); err != nil || n > 0 {
		return err
	}
	if _, err := m.app.FindFirstRecordByData("users", "username", "clerk.east"); err != nil {
		return nil // no demo province
	}
	for _, d := range demoDocs() {
		if err := m.seedDoc(d); err != nil {
			return fmt.Errorf("approval: seed %q: %w", d.title, err)
		}
	}
	// 西城市's office registers the first that reached it
	var items []*core.Record
	err := m.app.RecordQuery(InboundTable).Where(dbx.HashExp{"status": "new"}).OrderBy("created").All(&items)
	if err != nil || len(items) == 0 {
		return err
	}
	clerk, err := m.demoSubject("clerk.west")
	if err != nil {
		return err
	}
	for _, it := range items {
		if it.GetString("unit") == clerk.Unit.ID {
			return m.RegisterDemo(it.Id)
		}
	}
	return nil
}

func (m *Module) seedDoc(d demoDoc) error {
	s, err := m.demoSubject(d.drafter)
	if err != nil {
		return err
	}
	unitIDs := func(names []string) ([]string, error) {
		ids := []string{}
		for _, name := range names {
			u, err := m.app.FindFirstRecordByData("units", "name", name)
			if err != nil {
				return nil, err
			}
			ids = append(ids, u.Id)
		}
		return ids, nil
	}
	mainTo, err := unitIDs(d.mainTo)
	if err != nil {
		return err
	}
	copyTo, err := unitIDs(d.copyTo)
	if err != nil {
		return err
	}
	flow, err := m.demoTemplate("东城市人民政府", d.template)
	if err != nil {
		return err
	}
	col, err := m.app.FindCachedCollectionByNameOrId(DocsTable)
	if err != nil {
		return err
	}
	html, err := renderMarkdown(d.body)
	if err != nil {
		return err
	}
	rec := core.NewRecord(col)
	rec.Id = core.GenerateDefaultRandomId()
	rec.Load(map[string]any{"type": d.docType, "title": d.title, "body": d.body, "body_html": html, "urgency": d.urgency,
		"classification": "内部", "copies": 20, "main_to": mainTo, "copy_to": copyTo, "workflow": flow,
		"drafter": s.ID, "unit": s.Unit.ID, "unit_path": s.Unit.Path, "system": s.Unit.System, "status": "draft", "step": -1, "rev": 1})
	_, err = m.app.Apply(s.ID, "doc.create", func(tx core.App, c *api.Change) error {
		c.Object = DocsTable + "/" + rec.Id
		if err := tx.Save(rec); err != nil {
			return err
		}
		return m.event(tx, rec, s.ID, "create", -1, "", nil)
	})
	if err != nil {
		return err
	}
	for _, st := range d.steps {
		actor, err := m.demoSubject(st.user)
		if err != nil {
			return err
		}
		_, err = m.app.Apply(actor.ID, "doc."+st.action, func(tx core.App, c *api.Change) error {
			doc, err := tx.FindRecordById(DocsTable, rec.Id)
			if err != nil {
				return err
			}
			c.Object = DocsTable + "/" + doc.Id
			to := -1
			if err := m.act(tx, actor, doc, ActionInput{Action: st.action, Comment: st.comment, ToStep: &to}); err != nil {
				return err
			}
			doc.Set("rev", doc.GetInt("rev")+1)
			return tx.Save(doc)
		})
		if err != nil {
			return fmt.Errorf("%s by %s: %w", st.action, st.user, err)
		}
	}
	_, err = m.Archive(context.Background(), rec.Id)
	return err
}

func (m *Module) demoSubject(username string) (*policies.Subject, error) {
	u, err := m.app.FindFirstRecordByData("users", "username", username)
	if err != nil {
		return nil, err
	}
	return m.app.Authz.Subject(u.Id)
}

func (m *Module) demoTemplate(unit, name string) (string, error) {
	var ids []string
	err := m.app.DB().Select("workflows.id").From(WorkflowsTable).InnerJoin("units", dbx.NewExp("units.id = workflows.unit")).
		Where(dbx.HashExp{"units.name": unit, "workflows.name": name}).Column(&ids)
	if err != nil || len(ids) == 0 {
		return "", fmt.Errorf("no demo template %s/%s", unit, name)
	}
	return ids[0], nil
}

// RegisterDemo registers 收文 item id as 西城市's clerk into the city's
// inbound workflow (demo data of other modules, e.g. mail-in).
func (m *Module) RegisterDemo(id string) error {
	clerk, err := m.demoSubject("clerk.west")
	if err != nil {
		return err
	}
	flow, err := m.demoTemplate("西城市人民政府", "市政府收文办理")
	if err != nil {
		return err
	}
	_, err = m.app.Apply(clerk.ID, "inbound.register", func(tx core.App, c *api.Change) error {
		r, err := tx.FindRecordById(InboundTable, id)
		if err != nil {
			return err
		}
		c.Object = InboundTable + "/" + r.Id
		if _, err := m.register(tx, clerk, r, RegisterInput{Workflow: flow}); err != nil {
			return err
		}
		r.Set("handled_by", clerk.ID)
		return tx.Save(r)
	})
	return err
}
