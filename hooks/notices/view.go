package notices

import (
	"net/http"
	"strings"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"

	"govcollab/hooks/api"
	"govcollab/hooks/files"
	"govcollab/policies"
)

// Item is a notice in lists.
type Item struct {
	ID            string     `json:"id"`
	Title         string     `json:"title"`
	Category      string     `json:"category"`
	Urgency       string     `json:"urgency"`
	MustConfirm   bool       `json:"must_confirm"`
	Deadline      string     `json:"deadline"`
	Pinned        bool       `json:"pinned"`
	Status        string     `json:"status"`
	PublishAt     string     `json:"publish_at"`
	PublishedAt   string     `json:"published_at"`
	ExpiresAt     string     `json:"expires_at"`
	Expired       bool       `json:"expired"`
	Public        string     `json:"public_state"`
	Unit          string     `json:"unit"`
	UnitName      string     `json:"unit_name"`
	Publisher     string     `json:"publisher"`
	PublisherName string     `json:"publisher_name"`
	Forwarded     bool       `json:"forwarded"`
	Recipients    int        `json:"recipients"`
	Receipt       *MyReceipt `json:"receipt"`
	Overdue       bool       `json:"overdue"`
}

// MyReceipt is the caller's own receipt of a notice.
type MyReceipt struct {
	ID          string       `json:"id"`
	ReadAt      string       `json:"read_at"`
	ConfirmedAt string       `json:"confirmed_at"`
	Late        bool         `json:"late"`
	Reply       string       `json:"reply"`
	Files       []files.Info `json:"files"`
}

// Detail is a notice as its page shows it.
type Detail struct {
	Item
	Body           string         `json:"body,omitempty"`
	BodyHTML       string         `json:"body_html"`
	Files          []files.Info   `json:"files"`
	Version        int            `json:"version"`
	CorrectedAt    string         `json:"corrected_at"`
	History        []Version      `json:"history"`
	WithdrawnAt    string         `json:"withdrawn_at"`
	WithdrawReason string         `json:"withdraw_reason"`
	Original       *Ref           `json:"original"`
	Forwards       []ForwardNote  `json:"forwards"`
	Audience       *AudienceNames `json:"audience,omitempty"`
	Can            Actions        `json:"can"`
}

// Version is what a notice said before a correction.
type Version struct {
	Version  int    `json:"version"`
	Title    string `json:"title"`
	BodyHTML string `json:"body_html"`
	Reason   string `json:"reason"`
	Editor   string `json:"editor_name"`
	Created  string `json:"created"`
}

// Ref names another notice.
type Ref struct {
	ID       string `json:"id"`
	Title    string `json:"title"`
	UnitName string `json:"unit_name"`
}

// ForwardNote is one forwarding step above a copy, root first.
type ForwardNote struct {
	UnitName      string `json:"unit_name"`
	PublisherName string `json:"publisher_name"`
	Note          string `json:"note"`
	Created       string `json:"created"`
}

// Actions are the buttons the caller gets on a notice.
type Actions struct {
	Confirm       bool `json:"confirm"`
	Forward       bool `json:"forward"`
	Withdraw      bool `json:"withdraw"`
	Correct       bool `json:"correct"`
	Receipts      bool `json:"receipts"`
	ApprovePublic bool `json:"approve_public"`
}

var listSpec = api.ListSpec{
	Object: "notice",
	Sort: map[string]string{"published_at": "published_at", "deadline": "deadline", "created": "created",
		"pinned": "pinned", "title": "title"},
	DefaultSort: "-pinned,-published_at",
	Filters: []api.FilterParam{
		{Name: "category", Kind: api.FilterIn, Columns: []string{"category"}},
		{Name: "urgency", Kind: api.FilterIn, Columns: []string{"urgency"}},
		{Name: "status", Kind: api.FilterIn, Columns: []string{"status"}},
		{Name: "unit", Kind: api.FilterEq, Columns: []string{"unit"}},
		{Name: "system", Kind: api.FilterEq, Columns: []string{"system"}},
		{Name: "must_confirm", Kind: api.FilterBool, Columns: []string{"must_confirm"}},
		{Name: "from", Kind: api.FilterFrom, Columns: []string{"published_at"}},
		{Name: "to", Kind: api.FilterTo, Columns: []string{"published_at"}},
	},
}

// HandleList is GET /api/gov/notices: ?box=inbox (default: the notices sent
// to me), sent (published by me) or all (every notice I may read, e.g. a
// leader's subtree); ?unread=1 and ?pending=1 (must confirm, not yet
// confirmed) narrow the inbox; ?q= searches.
func (m *Module) HandleList(e *core.RequestEvent) error {
	if e.Auth == nil {
		return api.Unauthenticated(e)
	}
	q := e.Request.URL.Query()
	if text := q.Get("q"); text != "" {
		return m.handleSearch(e, text)
	}
	spec := listSpec
	me := dbx.Params{"me": e.Auth.Id}
	switch box := q.Get("box"); box {
	case "", "inbox":
		w := "EXISTS (SELECT 1 FROM notice_receipts mr WHERE mr.notice = notices.id AND mr.user = {:me}"
		if q.Get("unread") == "1" {
			w += " AND mr.read_at = ''"
		}
		if q.Get("pending") == "1" {
			w += " AND mr.confirmed_at = '' AND notices.must_confirm = TRUE"
		}
		spec.Where = dbx.And(dbx.NewExp(w+")", me), dbx.HashExp{"status": []any{"published", "withdrawn"}})
	case "sent":
		spec.Where = dbx.HashExp{"publisher": e.Auth.Id}
	case "all":
	default:
		return api.BadField("box", "invalid", "box 须为 inbox、sent 或 all")
	}
	return api.ListPage(m.app, e, spec, func(s *policies.Subject, recs []*core.Record) ([]Item, error) {
		return m.items(e.App, s, recs)
	})
}

// items renders a page: names and the caller's receipts in one query each.
func (m *Module) items(app core.App, s *policies.Subject, recs []*core.Record) ([]Item, error) {
	ids := make([]any, len(recs))
	for i, r := range recs {
		ids[i] = r.Id
	}
	mine := map[string]*MyReceipt{}
	if len(ids) > 0 {
		var rows []*core.Record
		if err := app.RecordQuery(ReceiptsTable).Where(dbx.And(dbx.HashExp{"user": s.ID}, dbx.In("notice", ids...))).All(&rows); err != nil {
			return nil, err
		}
		for _, r := range rows {
			mine[r.GetString("notice")] = receiptOf(r)
		}
	}
	nm := api.NewNames(app)
	out := make([]Item, 0, len(recs))
	for _, r := range recs {
		out = append(out, m.item(r, mine[r.Id], nm))
	}
	return out, nil
}

func receiptOf(r *core.Record) *MyReceipt {
	return &MyReceipt{ID: r.Id, ReadAt: r.GetString("read_at"), ConfirmedAt: r.GetString("confirmed_at"),
		Late: r.GetBool("late"), Reply: r.GetString("reply"), Files: []files.Info{}}
}

func (m *Module) item(r *core.Record, mine *MyReceipt, nm *api.Names) Item {
	now := m.now()
	it := Item{ID: r.Id, Title: r.GetString("title"), Category: r.GetString("category"), Urgency: r.GetString("urgency"),
		MustConfirm: r.GetBool("must_confirm"), Deadline: r.GetString("deadline"), Pinned: r.GetBool("pinned"),
		Status: r.GetString("status"), PublishAt: r.GetString("publish_at"), PublishedAt: r.GetString("published_at"),
		ExpiresAt: r.GetString("expires_at"), Public: r.GetString("public_state"), Unit: r.GetString("unit"),
		UnitName: nm.Of("units", r.GetString("unit")), Publisher: r.GetString("publisher"),
		PublisherName: nm.Of("users", r.GetString("publisher")), Forwarded: r.GetString("parent") != "",
		Recipients: r.GetInt("recipients"), Receipt: mine}
	if ex := r.GetDateTime("expires_at"); !ex.IsZero() && ex.Time().Before(now) {
		it.Expired = true
	}
	if d := r.GetDateTime("deadline"); it.MustConfirm && mine != nil && mine.ConfirmedAt == "" && !d.IsZero() && d.Time().Before(now) {
		it.Overdue = true
	}
	return it
}

// HandleView is GET /api/gov/notices/{id}: the notice, with the caller's
// first opening recorded as the read.
func (m *Module) HandleView(e *core.RequestEvent) error {
	s, rec, err := api.View(m.app, e, "notice", "read", e.Request.PathValue("id"))
	if err != nil {
		return err
	}
	if err := m.markRead(e.App, rec.Id, s.ID); err != nil {
		return err
	}
	out, err := m.detail(e.App, s, rec)
	if err != nil {
		return err
	}
	return e.JSON(http.StatusOK, out)
}

// markRead records a recipient's first reading and counts it, together.
func (m *Module) markRead(app core.App, notice, user string) error {
	var unread int
	if err := app.DB().Select("COUNT(*)").From(ReceiptsTable).Where(dbx.HashExp{"notice": notice, "user": user, "read_at": ""}).
		Row(&unread); err != nil || unread == 0 {
		return err // only a first reading writes
	}
	return app.RunInTransaction(func(tx core.App) error {
		var units []string
		err := tx.DB().NewQuery("UPDATE notice_receipts SET read_at = {:now} WHERE notice = {:n} AND user = {:u} AND read_at = '' RETURNING unit").
			Bind(dbx.Params{"now": types.NowDateTime().String(), "n": notice, "u": user}).Column(&units)
		if err != nil || len(units) == 0 {
			return err
		}
		return bump(tx, notice, units[0], true, false)
	})
}

// detail builds the page of rec for s. A forwarded copy shows its root's
// content (so corrections reach every copy) and the forwarding notes.
func (m *Module) detail(app core.App, s *policies.Subject, rec *core.Record) (*Detail, error) {
	nm := api.NewNames(app)
	var mine *MyReceipt
	if r, err := app.FindFirstRecordByFilter(ReceiptsTable, "notice = {:n} && user = {:u}", dbx.Params{"n": rec.Id, "u": s.ID}); err == nil {
		mine = receiptOf(r)
		if mine.Files, err = m.files.List(app, "notice_receipt", r.Id); err != nil {
			return nil, err
		}
	}
	content := m.contentOf(app, rec)
	out := &Detail{Item: m.item(rec, mine, nm), BodyHTML: content.GetString("body_html"), Version: content.GetInt("version"),
		CorrectedAt: content.GetString("corrected_at"), WithdrawnAt: rec.GetString("withdrawn_at"),
		WithdrawReason: rec.GetString("withdraw_reason"), History: []Version{}, Forwards: []ForwardNote{}}
	out.Title = content.GetString("title")
	var err error
	if out.Files, err = m.files.List(app, "notice", content.Id); err != nil {
		return nil, err
	}
	var versions []*core.Record
	if err := app.RecordQuery(VersionsTable).Where(dbx.HashExp{"notice": content.Id}).OrderBy("version DESC").All(&versions); err != nil {
		return nil, err
	}
	for _, v := range versions {
		out.History = append(out.History, Version{Version: v.GetInt("version"), Title: v.GetString("title"),
			BodyHTML: v.GetString("body_html"), Reason: v.GetString("reason"), Editor: nm.Of("users", v.GetString("editor")),
			Created: v.GetString("created")})
	}
	if content != rec {
		out.Original = &Ref{ID: content.Id, Title: content.GetString("title"), UnitName: nm.Of("units", content.GetString("unit"))}
		chain, err := chainOf(app, rec)
		if err != nil {
			return nil, err
		}
		for _, c := range chain[1:] {
			out.Forwards = append(out.Forwards, ForwardNote{UnitName: nm.Of("units", c.GetString("unit")),
				PublisherName: nm.Of("users", c.GetString("publisher")), Note: c.GetString("forward_note"), Created: c.GetString("created")})
		}
	}
	out.Can = m.actions(app, s, rec, mine)
	if out.Can.Receipts || rec.GetString("publisher") == s.ID {
		out.Body = content.GetString("body")
		var aud Audience
		if err := rec.UnmarshalJSONField("audience", &aud); err == nil {
			out.Audience = audienceNames(app, &aud, nm)
		}
	}
	return out, nil
}

// chainOf lists the notices of rec's chain, root first, rec last.
func chainOf(app core.App, rec *core.Record) ([]*core.Record, error) {
	var ids []any
	for _, id := range strings.Split(strings.Trim(rec.GetString("chain"), "/"), "/") {
		ids = append(ids, id)
	}
	var recs []*core.Record
	if err := app.RecordQuery(NoticesTable).Where(dbx.In("id", ids...)).OrderBy("chain").All(&recs); err != nil {
		return nil, err
	}
	return recs, nil
}

// actions are what s may do on rec now.
func (m *Module) actions(app core.App, s *policies.Subject, rec *core.Record, mine *MyReceipt) Actions {
	can := func(act string) bool { ok, _ := m.app.Authz.Can(s, act, rec); return ok }
	st := rec.GetString("status")
	update := can("update")
	return Actions{
		Confirm:       st == "published" && rec.GetBool("must_confirm") && mine != nil && mine.ConfirmedAt == "",
		Forward:       st == "published" && can("forward"),
		Withdraw:      update && st != "withdrawn",
		Correct:       update && st != "withdrawn" && rec.GetString("root") == rec.Id,
		Receipts:      st != "scheduled" && m.tracksAny(app, s, rec),
		ApprovePublic: st != "withdrawn" && m.mayApprovePublic(app, s, rec),
	}
}

// tracks reports whether s may see every receipt of rec's tree: its
// publisher, leaders above the publishing unit, and those who track a
// notice it was forwarded from.
func (m *Module) tracks(app core.App, s *policies.Subject, rec *core.Record) bool {
	if ok, _ := m.app.Authz.Can(s, "track", rec); ok {
		return true
	}
	if rec.GetString("parent") == "" {
		return false
	}
	chain, err := chainOf(app, rec)
	if err != nil {
		return false
	}
	for _, c := range chain {
		if ok, _ := m.app.Authz.Can(s, "track", c); ok {
			return true
		}
	}
	return false
}

// tracksAny: s sees some receipts of rec — all of them, or those of the
// units s leads (the policy's notice_receipt rows).
func (m *Module) tracksAny(app core.App, s *policies.Subject, rec *core.Record) bool {
	if m.tracks(app, s, rec) {
		return true
	}
	return m.app.Authz.Permits(s, "read", "notice_receipt")
}

// AudienceNames is a stored audience with names, for its publisher.
type AudienceNames struct {
	Units        []NamedSel  `json:"units"`
	Levels       []string    `json:"levels"`
	Systems      []string    `json:"systems"`
	Roles        []string    `json:"roles"`
	Users        []api.Named `json:"users"`
	ExcludeUnits []NamedSel  `json:"exclude_units"`
	ExcludeUsers []api.Named `json:"exclude_users"`
}

// NamedSel is a unit pick with its name.
type NamedSel struct {
	ID      string `json:"id"`
	Name    string `json:"name"`
	Subtree bool   `json:"subtree"`
}

func audienceNames(app core.App, a *Audience, nm *api.Names) *AudienceNames {
	sels := func(in []UnitSel) []NamedSel {
		out := []NamedSel{}
		for _, s := range in {
			out = append(out, NamedSel{ID: s.ID, Name: nm.Of("units", s.ID), Subtree: s.Subtree})
		}
		return out
	}
	people := func(in []string) []api.Named {
		out := []api.Named{}
		for _, id := range in {
			out = append(out, api.Named{ID: id, Name: nm.Of("users", id)})
		}
		return out
	}
	return &AudienceNames{Units: sels(a.Units), Levels: nonNil(a.Levels), Systems: nonNil(a.Systems), Roles: nonNil(a.Roles),
		Users: people(a.Users), ExcludeUnits: sels(a.ExcludeUnits), ExcludeUsers: people(a.ExcludeUsers)}
}

func nonNil(v []string) []string {
	if v == nil {
		return []string{}
	}
	return v
}
