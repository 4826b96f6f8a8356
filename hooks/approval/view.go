package approval

import (
	"net/http"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"

	"govcollab/hooks/api"
	"govcollab/hooks/files"
	"govcollab/policies"
)

// Item is a document in lists.
type Item struct {
	ID             string `json:"id"`
	Type           string `json:"type"`
	Title          string `json:"title"`
	Urgency        string `json:"urgency"`
	Classification string `json:"classification"`
	Status         string `json:"status"`
	Number         string `json:"number"`
	Step           int    `json:"step"`
	StepName       string `json:"step_name"`
	Drafter        string `json:"drafter"`
	DrafterName    string `json:"drafter_name"`
	Unit           string `json:"unit"`
	UnitName       string `json:"unit_name"`
	Rev            int    `json:"rev"`
	Created        string `json:"created"`
	Updated        string `json:"updated"`
	// the caller's pending task here, if any
	MyDeadline string `json:"my_deadline,omitempty"`
	Overdue    bool   `json:"overdue"`
}

// Doc is a document's page.
type Doc struct {
	Item
	Body           string       `json:"body"`
	BodyHTML       string       `json:"body_html"`
	BodyFile       *files.Info  `json:"body_file"`
	Files          []files.Info `json:"files"`
	MainTo         []api.Named  `json:"main_to"`
	CopyTo         []api.Named  `json:"copy_to"`
	Copies         int          `json:"copies"`
	AttachmentNote string       `json:"attachment_note"`
	Workflow       string       `json:"workflow"`
	Signer         string       `json:"signer_name"`
	SignedAt       string       `json:"signed_at"`
	DispatchedAt   string       `json:"dispatched_at"`
	SenderOrg      string       `json:"sender_org"`    // 收文: the issuing organ
	SenderNumber   string       `json:"sender_number"` // 收文: its 发文字号
	Steps          []StepView   `json:"steps"`
	Can            Can          `json:"can"`
}

// Can are the caller's possible actions now.
type Can struct {
	Edit      bool `json:"edit"`
	Submit    bool `json:"submit"`
	Approve   bool `json:"approve"`
	Sign      bool `json:"sign"`
	Return    bool `json:"return"`
	Transfer  bool `json:"transfer"`
	AddSigner bool `json:"add_signer"`
	Recall    bool `json:"recall"`
	Chase     bool `json:"chase"`
	Comment   bool `json:"comment"`
	Dispatch  bool `json:"dispatch"`
	Void      bool `json:"void"`
}

// StepView is one step of the document's flow with its people.
type StepView struct {
	Index   int        `json:"index"`
	Name    string     `json:"name"`
	Order   string     `json:"order"`
	Sign    bool       `json:"sign"`
	Applies bool       `json:"applies"`
	Current bool       `json:"current"`
	Tasks   []TaskView `json:"tasks"`
}

// TaskView is one person's part in a step.
type TaskView struct {
	ID        string  `json:"id"`
	User      string  `json:"user"`
	UserName  string  `json:"user_name"`
	UnitName  string  `json:"unit_name"`
	Status    string  `json:"status"`
	Action    string  `json:"action"`
	Opinion   string  `json:"opinion"`
	StartedAt string  `json:"started_at"`
	ActedAt   string  `json:"acted_at"`
	Deadline  string  `json:"deadline"`
	Overdue   bool    `json:"overdue"`
	Hours     float64 `json:"hours"` // time spent, pending ones until now
	AddedBy   string  `json:"added_by_name"`
}

func (m *Module) item(r *core.Record, nm *api.Names) Item {
	return Item{ID: r.Id, Type: r.GetString("type"), Title: r.GetString("title"), Urgency: r.GetString("urgency"),
		Classification: r.GetString("classification"), Status: r.GetString("status"), Number: r.GetString("number"),
		Step: r.GetInt("step"), StepName: stepName(r, r.GetInt("step")), Drafter: r.GetString("drafter"),
		DrafterName: nm.Of("users", r.GetString("drafter")), Unit: r.GetString("unit"), UnitName: nm.Of("units", r.GetString("unit")),
		Rev: r.GetInt("rev"), Created: r.GetString("created"), Updated: r.GetString("updated")}
}

// answer re-reads document id and answers its page with status code.
func (m *Module) answer(e *core.RequestEvent, s *policies.Subject, id string, code int) error {
	rec, err := e.App.FindRecordById(DocsTable, id)
	if err != nil {
		return err
	}
	out, err := m.page(e.App, s, rec)
	if err != nil {
		return err
	}
	return e.JSON(code, out)
}

// HandleView is GET /api/gov/docs/{id}.
func (m *Module) HandleView(e *core.RequestEvent) error {
	s, rec, err := api.View(m.app, e, "doc", "read", e.Request.PathValue("id"))
	if err != nil {
		return err
	}
	out, err := m.page(e.App, s, rec)
	if err != nil {
		return err
	}
	return e.JSON(http.StatusOK, out)
}

func (m *Module) page(app core.App, s *policies.Subject, rec *core.Record) (*Doc, error) {
	nm := api.NewNames(app)
	out := &Doc{Item: m.item(rec, nm), Body: rec.GetString("body"), BodyHTML: rec.GetString("body_html"),
		Copies: rec.GetInt("copies"), AttachmentNote: rec.GetString("attachment_note"), Workflow: rec.GetString("workflow"),
		SenderOrg: rec.GetString("sender_org"), SenderNumber: rec.GetString("sender_number"),
		Signer: nm.Of("users", rec.GetString("signer")), SignedAt: rec.GetString("signed_at"),
		DispatchedAt: rec.GetString("dispatched_at"), Files: []files.Info{}, Steps: []StepView{}}
	all, err := m.files.List(app, "doc", rec.Id)
	if err != nil {
		return nil, err
	}
	for _, f := range all {
		if f.ID == rec.GetString("body_file") {
			out.BodyFile = &f
			continue
		}
		out.Files = append(out.Files, f)
	}
	named := func(field string) []api.Named {
		var ids []string
		_ = rec.UnmarshalJSONField(field, &ids)
		out := []api.Named{}
		for _, id := range ids {
			out = append(out, api.Named{ID: id, Name: nm.Of("units", id)})
		}
		return out
	}
	out.MainTo, out.CopyTo = named("main_to"), named("copy_to")
	steps, mine, err := m.steps(app, s, rec, nm)
	if err != nil {
		return nil, err
	}
	out.Steps = steps
	if mine != nil {
		out.MyDeadline = mine.GetString("deadline")
		out.Overdue = overdue(mine, m.now())
	}
	out.Can = m.can(s, rec, mine)
	return out, nil
}

func overdue(t *core.Record, now time.Time) bool {
	d := t.GetDateTime("deadline")
	return t.GetString("status") == taskPending && !d.IsZero() && d.Time().Before(now)
}

// steps lays out the flow with everyone's tasks, and s's pending task.
func (m *Module) steps(app core.App, s *policies.Subject, rec *core.Record, nm *api.Names) ([]StepView, *core.Record, error) {
	var tasks []*core.Record
	if err := app.RecordQuery(TasksTable).Where(dbx.HashExp{"doc": rec.Id}).OrderBy("step", "seq", "created").All(&tasks); err != nil {
		return nil, nil, err
	}
	f, _ := flowOf(rec)
	var out []StepView
	if f != nil {
		for i, st := range f.Steps {
			out = append(out, StepView{Index: i, Name: st.Name, Order: st.Order, Sign: st.Sign, Applies: st.applies(rec),
				Current: rec.GetString("status") == "review" && rec.GetInt("step") == i, Tasks: []TaskView{}})
		}
	}
	now := m.now()
	var mine *core.Record
	for _, t := range tasks {
		i := t.GetInt("step")
		if i < 0 || i >= len(out) {
			continue
		}
		if t.GetString("user") == s.ID && t.GetString("status") == taskPending && i == rec.GetInt("step") {
			mine = t
		}
		end := now
		if a := t.GetDateTime("acted_at"); !a.IsZero() {
			end = a.Time()
		}
		hours := 0.0
		if st := t.GetDateTime("started_at"); !st.IsZero() {
			hours = float64(end.Sub(st.Time()).Round(time.Minute)) / float64(time.Hour)
		}
		out[i].Tasks = append(out[i].Tasks, TaskView{ID: t.Id, User: t.GetString("user"), UserName: nm.Of("users", t.GetString("user")),
			UnitName: nm.Of("units", t.GetString("unit")), Status: t.GetString("status"), Action: t.GetString("action"),
			Opinion: t.GetString("opinion"), StartedAt: t.GetString("started_at"), ActedAt: t.GetString("acted_at"),
			Deadline: t.GetString("deadline"), Overdue: overdue(t, now) || lateDone(t), Hours: hours,
			AddedBy: nm.Of("users", t.GetString("added_by"))})
	}
	return out, mine, nil
}

// lateDone: acted after its deadline.
func lateDone(t *core.Record) bool {
	d, a := t.GetDateTime("deadline"), t.GetDateTime("acted_at")
	return !d.IsZero() && !a.IsZero() && a.Time().After(d.Time())
}

func (m *Module) can(s *policies.Subject, rec *core.Record, mine *core.Record) Can {
	allow := func(act string) bool { ok, _ := m.app.Authz.Can(s, act, rec); return ok }
	st := rec.GetString("status")
	edit := allow("update") && (st == "draft" || st == "returned")
	c := Can{Edit: edit, Submit: edit, Recall: rec.GetString("drafter") == s.ID && st == "review",
		Chase: st == "review" && allow("chase"), Dispatch: st == "signed" && allow("dispatch"),
		Void: st == "signed" && allow("void")}
	if mine != nil {
		f, _ := flowOf(rec)
		sign := f != nil && f.Steps[mine.GetInt("step")].Sign
		c.Approve, c.Sign = !sign, sign
		c.Return, c.Transfer, c.AddSigner, c.Comment = true, true, true, true
	}
	if !c.Comment && st == "review" && rec.GetString("drafter") == s.ID {
		c.Comment = true
	}
	return c
}

var listSpec = api.ListSpec{
	Object: "doc",
	Sort: map[string]string{"updated": "updated", "created": "created", "title": "title", "number": "number",
		"signed_at": "signed_at"},
	DefaultSort: "-updated",
	Filters: []api.FilterParam{
		{Name: "type", Kind: api.FilterIn, Columns: []string{"type"}},
		{Name: "status", Kind: api.FilterIn, Columns: []string{"status"}},
		{Name: "urgency", Kind: api.FilterIn, Columns: []string{"urgency"}},
		{Name: "unit", Kind: api.FilterEq, Columns: []string{"unit"}},
		{Name: "from", Kind: api.FilterFrom, Columns: []string{"created"}},
		{Name: "to", Kind: api.FilterTo, Columns: []string{"created"}},
		{Name: "q", Kind: api.FilterContains, Columns: []string{"title", "number"}},
	},
}

// HandleList is GET /api/gov/docs?box=pending (待办) | done (已办) | sent
// (my drafts and documents) | all (all I may read).
func (m *Module) HandleList(e *core.RequestEvent) error {
	if e.Auth == nil {
		return api.Unauthenticated(e)
	}
	spec := listSpec
	me := dbx.Params{"me": e.Auth.Id}
	switch e.Request.URL.Query().Get("box") {
	case "pending":
		// driven from the caller's tasks (an index range), not by testing
		// every document
		spec.Where = dbx.NewExp("docs.id IN (SELECT mt.doc FROM doc_tasks mt WHERE mt.user = {:me} AND mt.status = 'pending')", me)
	case "done":
		spec.Where = dbx.NewExp("docs.id IN (SELECT mt.doc FROM doc_tasks mt WHERE mt.user = {:me} AND mt.status IN ('done', 'returned', 'transferred'))", me)
	case "sent":
		spec.Where = dbx.HashExp{"drafter": e.Auth.Id}
	case "", "all":
	default:
		return api.BadField("box", "invalid", "box 须为 pending、done、sent 或 all")
	}
	return api.ListPage(m.app, e, spec, func(s *policies.Subject, recs []*core.Record) ([]Item, error) {
		return m.items(e.App, s, recs)
	})
}

func (m *Module) items(app core.App, s *policies.Subject, recs []*core.Record) ([]Item, error) {
	ids := make([]any, len(recs))
	for i, r := range recs {
		ids[i] = r.Id
	}
	mine := map[string]*core.Record{}
	if len(ids) > 0 {
		var tasks []*core.Record
		if err := app.RecordQuery(TasksTable).Where(dbx.And(dbx.HashExp{"user": s.ID, "status": taskPending}, dbx.In("doc", ids...))).
			All(&tasks); err != nil {
			return nil, err
		}
		for _, t := range tasks {
			mine[t.GetString("doc")] = t
		}
	}
	nm := api.NewNames(app)
	now := m.now()
	out := make([]Item, 0, len(recs))
	for _, r := range recs {
		it := m.item(r, nm)
		if t := mine[r.Id]; t != nil {
			it.MyDeadline = t.GetString("deadline")
			it.Overdue = overdue(t, now)
		}
		out = append(out, it)
	}
	return out, nil
}

// Counts are the caller's boxes at a glance.
type Counts struct {
	Pending int `json:"pending"`
	Overdue int `json:"overdue"`
	Done    int `json:"done"`
	Sent    int `json:"sent"`
}

// HandleCounts is GET /api/gov/docs/counts.
func (m *Module) HandleCounts(e *core.RequestEvent) error {
	s, err := m.app.Require(e, "read", "doc")
	if err != nil {
		return err
	}
	out, err := m.Counts(e.App, s)
	if err != nil {
		return err
	}
	return e.JSON(http.StatusOK, out)
}

// Counts are s's boxes: pending (and of them overdue), done, sent.
func (m *Module) Counts(app core.App, s *policies.Subject) (*Counts, error) {
	params := dbx.Params{"me": s.ID, "now": types.NowDateTime().String()}
	filter := m.sql(m.app.Authz.Filter(s, "read", "doc"), params)
	var out Counts
	err := app.DB().NewQuery(`SELECT
		(SELECT COUNT(DISTINCT t.doc) FROM doc_tasks t JOIN docs ON docs.id = t.doc WHERE t.user = {:me} AND t.status = 'pending' AND `+filter+`),
		(SELECT COUNT(DISTINCT t.doc) FROM doc_tasks t JOIN docs ON docs.id = t.doc WHERE t.user = {:me} AND t.status = 'pending'
			AND t.deadline != '' AND t.deadline < {:now} AND `+filter+`),
		(SELECT COUNT(DISTINCT t.doc) FROM doc_tasks t JOIN docs ON docs.id = t.doc WHERE t.user = {:me}
			AND t.status IN ('done', 'returned', 'transferred') AND `+filter+`),
		(SELECT COUNT(*) FROM docs WHERE drafter = {:me} AND `+filter+`)`).Bind(params).
		Row(&out.Pending, &out.Overdue, &out.Done, &out.Sent)
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// Event is one timeline entry.
type Event struct {
	Seq       int    `json:"seq"`
	Action    string `json:"action"`
	Actor     string `json:"actor"`
	ActorName string `json:"actor_name"`
	Step      int    `json:"step"`
	StepName  string `json:"step_name"`
	Opinion   string `json:"opinion"`
	Detail    any    `json:"detail"`
	Created   string `json:"created"`
}

// HandleTimeline is GET /api/gov/docs/{id}/timeline: every event in order
// and the steps with each person's time spent and overdue flags.
func (m *Module) HandleTimeline(e *core.RequestEvent) error {
	s, rec, err := api.View(m.app, e, "doc", "read", e.Request.PathValue("id"))
	if err != nil {
		return err
	}
	events, err := m.events(e.App, rec)
	if err != nil {
		return err
	}
	steps, _, err := m.steps(e.App, s, rec, api.NewNames(e.App))
	if err != nil {
		return err
	}
	return e.JSON(http.StatusOK, map[string]any{"events": events, "steps": steps})
}

func (m *Module) events(app core.App, rec *core.Record) ([]Event, error) {
	var evs []*core.Record
	if err := app.RecordQuery(EventsTable).Where(dbx.HashExp{"doc": rec.Id}).OrderBy("seq").All(&evs); err != nil {
		return nil, err
	}
	nm := api.NewNames(app)
	out := make([]Event, 0, len(evs))
	for _, ev := range evs {
		var detail any
		_ = ev.UnmarshalJSONField("detail", &detail)
		out = append(out, Event{Seq: ev.GetInt("seq"), Action: ev.GetString("action"), Actor: ev.GetString("actor"),
			ActorName: nm.Of("users", ev.GetString("actor")), Step: ev.GetInt("step"), StepName: stepName(rec, ev.GetInt("step")),
			Opinion: ev.GetString("opinion"), Detail: detail, Created: ev.GetString("created")})
	}
	return out, nil
}
