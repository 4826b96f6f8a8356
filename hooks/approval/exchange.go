package approval

import (
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"

	"govcollab/hooks/api"
	"govcollab/hooks/files"
	"govcollab/hooks/markdown"
	"govcollab/hooks/notify"
	"govcollab/policies"
)

// Internal exchange (公文交换): dispatching (印发) a signed document puts
// one item in the 收文 queue of the office of every 主送/抄送 unit, in the
// dispatch's own transaction; the receiving office signs for it (签收) or
// refuses it (退文) — both recorded on the sender's timeline — and
// registers it as a 收文 that starts the receiving unit's workflow.

// receivingOffice is where a unit's incoming documents go: an office
// itself, a government's office (its child of kind office), or else the
// unit itself.
func receivingOffice(app core.App, unitID string) (*core.Record, error) {
	u, err := app.FindRecordById("units", unitID)
	if err != nil {
		return nil, err
	}
	if u.GetString("kind") == "government" {
		var offices []*core.Record
		err := app.RecordQuery("units").Where(dbx.HashExp{"parent": u.Id, "kind": "office", "active": true}).
			OrderBy("sort", "path").Limit(1).All(&offices)
		if err != nil {
			return nil, err
		}
		if len(offices) > 0 {
			return offices[0], nil
		}
	}
	return u, nil
}

func (m *Module) dispatch(tx core.App, s *policies.Subject, doc *core.Record, in ActionInput) error {
	if doc.GetString("status") != "signed" {
		return api.Conflict("只有已签发的公文可以印发")
	}
	if ok, _ := m.app.Authz.Can(s, "dispatch", doc); !ok {
		return forbidden("只有发文单位办公室文书可以印发")
	}
	var mainTo, copyTo []string
	_ = doc.UnmarshalJSONField("main_to", &mainTo)
	_ = doc.UnmarshalJSONField("copy_to", &copyTo)
	if len(mainTo) == 0 {
		return api.BadField("main_to", "required", "印发前须有主送单位")
	}
	col, err := tx.FindCachedCollectionByNameOrId(InboundTable)
	if err != nil {
		return err
	}
	nm := api.NewNames(tx)
	sender := nm.Of("units", doc.GetString("unit"))
	now, _ := types.ParseDateTime(m.now().UTC())
	seen := map[string]bool{}
	var delivered []string
	for _, list := range []struct {
		ids  []string
		copy bool
	}{{mainTo, false}, {copyTo, true}} {
		for _, id := range list.ids {
			office, err := receivingOffice(tx, id)
			if err != nil {
				continue // a unit since removed receives nothing
			}
			if seen[office.Id] {
				continue
			}
			seen[office.Id] = true
			r := core.NewRecord(col)
			r.Load(map[string]any{"unit": office.Id, "unit_path": office.GetString("path"), "system": office.GetString("system"),
				"source": "exchange", "status": "new", "from_doc": doc.Id, "from_unit": doc.GetString("unit"),
				"sender_org": sender, "title": doc.GetString("title"), "number": doc.GetString("number"),
				"urgency": doc.GetString("urgency"), "copy": list.copy, "received_at": now})
			r.Id = core.GenerateDefaultRandomId()
			if err := tx.Save(r); err != nil {
				return err
			}
			if _, err := files.Copy(tx, "doc", doc.Id, InboundTable, r.Id, office.Id); err != nil {
				return err
			}
			delivered = append(delivered, office.GetString("name"))
			clerks, err := m.candidates(tx, doc, Assignee{Role: "clerk", Unit: office.Id})
			if err != nil {
				return err
			}
			if err := notify.Send(tx, clerks, notify.Note{Kind: "inbound.new", Title: "新收文：" + doc.GetString("title"),
				Body: sender + " · " + doc.GetString("number"), Link: "#/inbound"}); err != nil {
				return err
			}
		}
	}
	doc.Set("status", "dispatched")
	doc.Set("dispatched_at", now)
	return m.event(tx, doc, s.ID, "dispatch", -1, in.Comment, map[string]any{"to": delivered})
}

// InboundItem is an item of a 收文 queue.
type InboundItem struct {
	ID         string `json:"id"`
	Source     string `json:"source"`
	Status     string `json:"status"`
	Title      string `json:"title"`
	Number     string `json:"number"`
	SenderOrg  string `json:"sender_org"`
	Urgency    string `json:"urgency"`
	Copy       bool   `json:"copy"`
	Reason     string `json:"reason"`
	Doc        string `json:"doc"`
	FromDoc    string `json:"from_doc"`
	Unit       string `json:"unit"`
	UnitName   string `json:"unit_name"`
	ReceivedAt string `json:"received_at"`
	HandledBy  string `json:"handled_by_name"`
	HandledAt  string `json:"handled_at"`
	// mail-in: the sender's address, the start of the text, the
	// attachments and the raw message (for quarantined mail, to inspect)
	SenderAddr string       `json:"sender_addr"`
	Excerpt    string       `json:"excerpt"`
	Files      []files.Info `json:"files"`
	RawFile    *files.Info  `json:"raw_file,omitempty"`
}

var inboundSpec = api.ListSpec{
	Object:      "inbound",
	Sort:        map[string]string{"created": "created", "received_at": "received_at", "title": "title"},
	DefaultSort: "-created",
	Filters: []api.FilterParam{
		{Name: "status", Kind: api.FilterIn, Columns: []string{"status"}},
		{Name: "source", Kind: api.FilterIn, Columns: []string{"source"}},
		{Name: "q", Kind: api.FilterContains, Columns: []string{"title", "number", "sender_org"}},
	},
}

func inboundItem(r *core.Record, nm *api.Names) InboundItem {
	return InboundItem{ID: r.Id, Source: r.GetString("source"), Status: r.GetString("status"), Title: r.GetString("title"),
		Number: r.GetString("number"), SenderOrg: r.GetString("sender_org"), Urgency: r.GetString("urgency"),
		Copy: r.GetBool("copy"), Reason: r.GetString("reason"), Doc: r.GetString("doc"), FromDoc: r.GetString("from_doc"),
		Unit: r.GetString("unit"), UnitName: nm.Of("units", r.GetString("unit")), ReceivedAt: r.GetString("received_at"),
		HandledBy: nm.Of("users", r.GetString("handled_by")), HandledAt: r.GetString("handled_at"),
		SenderAddr: r.GetString("sender_addr"), Excerpt: excerpt(r.GetString("body"), 200), Files: []files.Info{}}
}

// withFiles adds an item's attachments and raw message.
func (m *Module) withFiles(app core.App, it InboundItem) InboundItem {
	if list, err := m.files.List(app, InboundTable, it.ID); err == nil && list != nil {
		it.Files = list
	}
	if it.Source == "mail" {
		if raw, err := m.files.List(app, "mail_raw", it.ID); err == nil && len(raw) > 0 {
			it.RawFile = &raw[0]
		}
	}
	return it
}

func excerpt(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n]) + "…"
}

// HandleInbound is GET /api/gov/inbound: the 收文 queue of the offices
// where the caller is a clerk.
func (m *Module) HandleInbound(e *core.RequestEvent) error {
	nm := api.NewNames(e.App)
	return api.List(m.app, e, inboundSpec, func(_ *policies.Subject, r *core.Record) InboundItem {
		return m.withFiles(e.App, inboundItem(r, nm))
	})
}

// handling loads inbound id for a clerk of its office, still open.
func (m *Module) handling(e *core.RequestEvent, tx core.App, s *policies.Subject) (*core.Record, error) {
	r, err := tx.FindRecordById(InboundTable, e.Request.PathValue("id"))
	if err != nil {
		return nil, api.NotFound()
	}
	if ok, _ := m.app.Authz.Can(s, "read", r); !ok {
		return nil, api.NotFound()
	}
	if ok, _ := m.app.Authz.Can(s, "handle", r); !ok {
		return nil, api.Forbidden()
	}
	return r, nil
}

// senderEvent records what a receiving office did on the sender's timeline.
func (m *Module) senderEvent(tx core.App, in *core.Record, actor, action, opinion string) error {
	if in.GetString("from_doc") == "" {
		return nil
	}
	doc, err := tx.FindRecordById(DocsTable, in.GetString("from_doc"))
	if err != nil {
		return nil
	}
	return m.event(tx, doc, actor, action, -1, opinion, map[string]any{"unit": api.NewNames(tx).Of("units", in.GetString("unit"))})
}

// HandleReceive is POST /api/gov/inbound/{id}/receive: 签收.
func (m *Module) HandleReceive(e *core.RequestEvent) error {
	return m.handle(e, "inbound.receive", func(tx core.App, s *policies.Subject, r *core.Record) error {
		if r.GetString("status") != "new" {
			return api.Conflict("该收文已处理")
		}
		r.Set("status", "received")
		return m.senderEvent(tx, r, s.ID, "received", "")
	})
}

// HandleRefuse is POST /api/gov/inbound/{id}/refuse {reason}: 退文, with
// the reason on the sender's timeline and a notification to its drafter.
func (m *Module) HandleRefuse(e *core.RequestEvent) error {
	var in struct {
		Reason string `json:"reason"`
	}
	if err := api.DecodeJSON(e, &in); err != nil {
		return err
	}
	why := strings.TrimSpace(in.Reason)
	if why == "" || utf8.RuneCountInString(why) > 2000 {
		return api.BadField("reason", "required", "请填写退文理由（不超过 2000 字）")
	}
	return m.handle(e, "inbound.refuse", func(tx core.App, s *policies.Subject, r *core.Record) error {
		if st := r.GetString("status"); st != "new" && st != "received" {
			return api.Conflict("该收文已登记或已退回")
		}
		r.Set("status", "refused")
		r.Set("reason", why)
		if err := m.senderEvent(tx, r, s.ID, "refused", why); err != nil {
			return err
		}
		if doc, err := tx.FindRecordById(DocsTable, r.GetString("from_doc")); err == nil {
			return notify.Send(tx, []string{doc.GetString("drafter")}, notify.Note{Kind: "doc.refused",
				Title: "公文被退回（退文）：" + doc.GetString("title"), Body: why, Link: link(doc.Id)})
		}
		return nil
	})
}

func (m *Module) handle(e *core.RequestEvent, action string, fn func(tx core.App, s *policies.Subject, r *core.Record) error) error {
	s, err := m.app.Subject(e)
	if err != nil {
		return err
	}
	var id string
	_, err = m.app.ApplyAs(e, action, func(tx core.App, c *api.Change) error {
		r, err := m.handling(e, tx, s)
		if err != nil {
			return err
		}
		id = r.Id
		c.Object = InboundTable + "/" + r.Id
		c.Before = map[string]string{"status": r.GetString("status")}
		if err := fn(tx, s, r); err != nil {
			return err
		}
		now, _ := types.ParseDateTime(m.now().UTC())
		r.Set("handled_by", s.ID)
		r.Set("handled_at", now)
		c.After = map[string]string{"status": r.GetString("status")}
		return tx.Save(r)
	})
	if err != nil {
		return err
	}
	r, err := e.App.FindRecordById(InboundTable, id)
	if err != nil {
		return err
	}
	return e.JSON(http.StatusOK, m.withFiles(e.App, inboundItem(r, api.NewNames(e.App))))
}

// RegisterInput is the body of POST /api/gov/inbound/{id}/register.
type RegisterInput struct {
	Workflow string `json:"workflow"`
	Title    string `json:"title"`
	Comment  string `json:"comment"`
}

// HandleRegister is POST /api/gov/inbound/{id}/register {workflow}:
// 收文登记 — the item becomes a 收文 of the receiving office with its own
// 收文 number (e.g. 西政办收〔2026〕1号), carrying the sender's number and
// text, and enters the chosen inbound workflow (拟办 → 批办 → 承办).
func (m *Module) HandleRegister(e *core.RequestEvent) error {
	var in RegisterInput
	if err := api.DecodeJSON(e, &in); err != nil {
		return err
	}
	if strings.TrimSpace(in.Workflow) == "" {
		return api.BadField("workflow", "required", "请选择收文办理流程")
	}
	return m.handle(e, "inbound.register", func(tx core.App, s *policies.Subject, r *core.Record) error {
		_, err := m.register(tx, s, r, in)
		return err
	})
}

// register turns inbound item r into a 收文 of its office, numbered and
// submitted into workflow (inside tx; the caller saves r).
func (m *Module) register(tx core.App, s *policies.Subject, r *core.Record, in RegisterInput) (string, error) {
	if st := r.GetString("status"); st == "quarantined" {
		return "", api.Conflict("该邮件已被隔离，不能登记")
	} else if st != "new" && st != "received" {
		return "", api.Conflict("该收文已登记或已退回")
	}
	col, err := tx.FindCachedCollectionByNameOrId(DocsTable)
	if err != nil {
		return "", err
	}
	office, err := tx.FindRecordById("units", r.GetString("unit"))
	if err != nil {
		return "", err
	}
	doc := core.NewRecord(col)
	doc.Id = core.GenerateDefaultRandomId()
	title := strings.TrimSpace(in.Title)
	if title == "" {
		title = r.GetString("title")
	}
	body, html := "", ""
	if src, err := tx.FindRecordById(DocsTable, r.GetString("from_doc")); err == nil {
		body, html = src.GetString("body"), src.GetString("body_html")
	} else if text := r.GetString("body"); text != "" { // mail-in: the message's text, shown as it came
		body = markdown.Escape(text)
		if html, err = markdown.Render(body); err != nil {
			return "", err
		}
	}
	urgency := r.GetString("urgency")
	if urgency == "" {
		urgency = "平件"
	}
	doc.Load(map[string]any{"type": "收文", "title": title, "body": body, "body_html": html, "urgency": urgency,
		"classification": "内部", "drafter": s.ID, "unit": office.Id, "unit_path": office.GetString("path"),
		"system": office.GetString("system"), "status": "draft", "step": -1, "rev": 1, "copies": 0,
		"main_to": []string{}, "copy_to": []string{}, "inbound": r.Id, "sender_org": r.GetString("sender_org"),
		"sender_number": r.GetString("number"), "workflow": strings.TrimSpace(in.Workflow)})
	if err := tx.Save(doc); err != nil {
		return "", err
	}
	if _, err := files.Copy(tx, InboundTable, r.Id, "doc", doc.Id, office.Id); err != nil {
		return "", err
	}
	number, year, seq, err := nextNumber(tx, office.Id, "收文", doc.Id, s.ID, m.now())
	if err != nil {
		return "", err
	}
	doc.Set("number", number)
	doc.Set("number_year", year)
	doc.Set("number_seq", seq)
	if err := m.event(tx, doc, s.ID, "register", -1, in.Comment, map[string]any{"from": r.GetString("sender_org"),
		"sender_number": r.GetString("number"), "number": number}); err != nil {
		return "", err
	}
	if err := m.submit(tx, s, doc, ActionInput{Action: "submit"}); err != nil {
		return "", err
	}
	if err := tx.Save(doc); err != nil {
		return "", err
	}
	r.Set("status", "registered")
	r.Set("doc", doc.Id)
	return doc.Id, m.senderEvent(tx, r, s.ID, "registered", number)
}
