package notices

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"

	"govcollab/hooks/api"
	"govcollab/hooks/audit"
	"govcollab/hooks/calendar"
	"govcollab/hooks/files"
	"govcollab/hooks/markdown"
	"govcollab/hooks/notify"
	"govcollab/migrations"
	"govcollab/policies"
)

// Input is the body of POST /api/gov/notices (API.md).
type Input struct {
	Title       string `json:"title"`
	Body        string `json:"body"`
	Category    string `json:"category"`
	Urgency     string `json:"urgency"`
	MustConfirm bool   `json:"must_confirm"`
	Deadline    string `json:"deadline"`
	// DeadlineWorkdays states the deadline in working days after the
	// publish time (the working-day calendar; instead of deadline).
	DeadlineWorkdays int      `json:"deadline_workdays"`
	RemindHours      *int     `json:"remind_hours"`
	Public           bool     `json:"public"`
	Pinned           bool     `json:"pinned"`
	PublishAt        string   `json:"publish_at"`
	ExpiresAt        string   `json:"expires_at"`
	Files            []string `json:"files"`
	Audience         Audience `json:"audience"`
}

// DefaultRemindHours is how long before a must-confirm deadline those who
// have not confirmed are reminded, unless the notice says otherwise.
const DefaultRemindHours = 24

// when is a validated point in time of the input.
type when struct{ publish, deadline, expires types.DateTime }

func (in *Input) validate(now time.Time) (*when, error) {
	in.Title = strings.TrimSpace(in.Title)
	switch n := utf8.RuneCountInString(in.Title); {
	case n == 0:
		return nil, api.BadField("title", "required", "请填写标题")
	case n > 200:
		return nil, api.BadField("title", "too_long", "标题不能超过 200 字")
	}
	if len(in.Body) > markdown.MaxBodyBytes {
		return nil, api.BadField("body", "too_long", fmt.Sprintf("正文不能超过 %d 字节", markdown.MaxBodyBytes))
	}
	if in.Category == "" {
		in.Category = "通知"
	}
	if !slices.Contains(migrations.NoticeCategories, in.Category) {
		return nil, api.BadField("category", "invalid", "类别须为："+strings.Join(migrations.NoticeCategories, "、"))
	}
	if in.Urgency == "" {
		in.Urgency = "平件"
	}
	if !slices.Contains(migrations.NoticeUrgencies, in.Urgency) {
		return nil, api.BadField("urgency", "invalid", "紧急程度须为：特急、加急、平件")
	}
	if in.RemindHours != nil && (*in.RemindHours < 0 || *in.RemindHours > 24*30) {
		return nil, api.BadField("remind_hours", "invalid", "提醒时间须在 0 到 720 小时之间")
	}
	var w when
	var err error
	if w.publish, err = parseMoment("publish_at", in.PublishAt, false); err != nil {
		return nil, err
	}
	if w.publish.IsZero() || w.publish.Time().Before(now) {
		w.publish, _ = types.ParseDateTime(now.UTC())
	}
	if w.deadline, err = parseMoment("deadline", in.Deadline, true); err != nil {
		return nil, err
	}
	if in.MustConfirm && w.deadline.IsZero() {
		return nil, api.BadField("deadline", "required", "需要确认的通知须设定确认截止时间")
	}
	if !w.deadline.IsZero() && !w.deadline.Time().After(w.publish.Time()) {
		return nil, api.BadField("deadline", "invalid", "截止时间须晚于发布时间")
	}
	if w.expires, err = parseMoment("expires_at", in.ExpiresAt, true); err != nil {
		return nil, err
	}
	if !w.expires.IsZero() && !w.expires.Time().After(w.publish.Time()) {
		return nil, api.BadField("expires_at", "invalid", "有效期须晚于发布时间")
	}
	return &w, nil
}

// workdayDeadline turns deadline_workdays into the deadline: the end of
// that many working days after the publish time.
func workdayDeadline(app core.App, in *Input, now time.Time) error {
	switch {
	case in.DeadlineWorkdays == 0:
		return nil
	case in.DeadlineWorkdays < 0 || in.DeadlineWorkdays > 60:
		return api.BadField("deadline_workdays", "invalid", "截止工作日数须在 1 到 60 之间")
	case strings.TrimSpace(in.Deadline) != "":
		return api.BadField("deadline_workdays", "invalid", "截止时间与截止工作日数只能填写一个")
	}
	base := now
	if p, err := parseMoment("publish_at", in.PublishAt, false); err != nil {
		return err
	} else if !p.IsZero() && p.Time().After(now) {
		base = p.Time()
	}
	d, err := calendar.AddWorkingDays(app, base, in.DeadlineWorkdays)
	if err != nil {
		return err
	}
	in.Deadline = d.Format(time.RFC3339)
	return nil
}

var parseMoment = api.ParseMoment

// markedField names the first of title and body carrying a classification
// mark, and the mark.
func markedField(title, body string) (string, string) {
	for _, f := range []struct{ name, v string }{{"title", title}, {"body", body}} {
		if mk := files.MarkIn(f.v); mk != "" {
			return f.name, mk
		}
	}
	return "", ""
}

// refuseMarked audits and refuses 涉密 text (this is an unclassified intranet).
func (m *Module) refuseMarked(e *core.RequestEvent, field, mark string) error {
	if mark == "" {
		return nil
	}
	if _, err := m.audit.LogRequest(e, audit.Entry{Action: "notice.refuse", Object: NoticesTable, Result: audit.ResultDenied,
		Detail: "密级标志「" + mark + "」（" + field + "）"}); err != nil {
		return err
	}
	return api.BadField(field, "classified", "涉密内容（标有「"+mark+"」）不得录入本系统")
}

func renderBody(src string) (string, error) {
	html, err := markdown.Render(src)
	if errors.Is(err, markdown.ErrTooLarge) {
		return "", api.BadField("body", "too_long", "正文过长")
	}
	return html, err
}

// HandleCreate is POST /api/gov/notices: checks the audience against the
// publisher's right over every unit it reaches, then publishes now (the
// receipts written in the same transaction) or schedules it.
func (m *Module) HandleCreate(e *core.RequestEvent) error {
	s, err := m.app.Require(e, "create", "notice")
	if err != nil {
		return err
	}
	var in Input
	if err := api.DecodeJSON(e, &in); err != nil {
		return err
	}
	now := m.now()
	if err := workdayDeadline(e.App, &in, now); err != nil {
		return err
	}
	w, err := in.validate(now)
	if err != nil {
		return err
	}
	if field, mark := markedField(in.Title, in.Body); mark != "" {
		return m.refuseMarked(e, field, mark)
	}
	rec, err := m.create(s, in, w, func(action string, fn func(tx core.App, c *api.Change) error) error {
		_, err := m.app.ApplyAs(e, action, fn)
		return err
	})
	if err != nil {
		return err
	}
	out, err := m.detail(e.App, s, rec)
	if err != nil {
		return err
	}
	return e.JSON(http.StatusCreated, out)
}

// applyFunc runs a change in one audited transaction (App.ApplyAs for a
// request, App.Apply for jobs and the demo seed).
type applyFunc func(action string, fn func(tx core.App, c *api.Change) error) error

// create publishes (or schedules) a validated input as s.
func (m *Module) create(s *policies.Subject, in Input, w *when, apply applyFunc) (*core.Record, error) {
	aud, err := m.check(m.app, s, in.Audience)
	if err != nil {
		return nil, err
	}
	html, err := renderBody(in.Body)
	if err != nil {
		return nil, err
	}
	scheduled := w.publish.Time().After(m.now().Add(time.Minute))
	action := "notice.publish"
	if scheduled {
		action = "notice.schedule"
	}
	var rec *core.Record
	err = apply(action, func(tx core.App, c *api.Change) error {
		col, err := tx.FindCachedCollectionByNameOrId(NoticesTable)
		if err != nil {
			return err
		}
		rec = core.NewRecord(col)
		rec.Id = core.GenerateDefaultRandomId()
		remind := DefaultRemindHours
		if in.RemindHours != nil {
			remind = *in.RemindHours
		}
		rec.Load(map[string]any{"title": in.Title, "body": in.Body, "body_html": html, "category": in.Category,
			"urgency": in.Urgency, "must_confirm": in.MustConfirm, "deadline": w.deadline, "remind_hours": remind,
			"pinned": in.Pinned, "status": "scheduled", "publish_at": w.publish, "expires_at": w.expires,
			"publisher": s.ID, "unit": s.Unit.ID, "unit_path": s.Unit.Path, "system": s.Unit.System,
			"audience": aud, "root": rec.Id, "chain": "/" + rec.Id + "/", "version": 1})
		if in.Public {
			rec.Set("public_state", "pending")
			if ok, _ := m.app.Authz.Can(s, "approve_public", rec); ok {
				// a leader of the publishing unit publishing it approves it
				rec.Set("public_state", "approved")
				rec.Set("public_approver", s.ID)
				rec.Set("public_approved_at", types.NowDateTime())
			}
		}
		if err := tx.Save(rec); err != nil {
			return err
		}
		if _, err := m.files.Set(tx, s.ID, "files", in.Files, "notice", rec.Id); err != nil {
			return err
		}
		if !scheduled {
			n, err := m.deliver(tx, rec, aud, "")
			if err != nil {
				return err
			}
			if n == 0 {
				return api.BadField("audience", "empty", "所选通知对象中没有可接收通知的人员")
			}
		}
		if rec.GetString("public_state") == "pending" {
			if err := m.askPublicApproval(tx, rec); err != nil {
				return err
			}
		}
		c.Object = NoticesTable + "/" + rec.Id
		c.After = map[string]any{"title": in.Title, "category": in.Category, "urgency": in.Urgency,
			"must_confirm": in.MustConfirm, "deadline": rec.GetString("deadline"), "publish_at": rec.GetString("publish_at"),
			"recipients": rec.GetInt("recipients"), "audience": aud, "public": in.Public}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if !scheduled {
		m.announceLater(rec.Id)
	}
	return rec, nil
}

func link(id string) string { return "#/notices/" + id }

// deliver publishes rec inside tx: its audience resolved once into receipt
// rows (one INSERT … SELECT, whatever the audience's size) and the search
// index. The recipients' notifications follow in their own transaction
// (announce). excludeRoot leaves out people
// who already hold the notice through another copy of the chain. It returns
// the number of recipients.
func (m *Module) deliver(tx core.App, rec *core.Record, aud *Audience, excludeRoot string) (int64, error) {
	where, err := m.where(tx, aud, excludeRoot)
	if err != nil {
		return 0, err
	}
	n, err := m.insertReceipts(tx, rec, where)
	if err != nil {
		return 0, err
	}
	if err := addCounts(tx, rec.Id, "", nil); err != nil {
		return 0, err
	}
	rec.Set("status", "published")
	rec.Set("published_at", types.NowDateTime())
	rec.Set("recipients", n)
	if err := tx.Save(rec); err != nil {
		return 0, err
	}
	return n, m.index(tx, rec)
}

// insertReceipts writes a receipt of rec for every user where picks, in
// one statement; it returns how many.
func (m *Module) insertReceipts(tx core.App, rec *core.Record, where dbx.Expression) (int64, error) {
	params := dbx.Params{"rnotice": rec.Id, "rroot": rec.GetString("root"), "rchain": rec.GetString("chain"),
		"rnow": types.NowDateTime().String()}
	cond := m.sql(where, params)
	// ids are the notice id and a counter in unit order: the rows land in
	// order in the primary key and in the rollup index (later joiners get
	// ordinary random ids, which are shorter and so never collide)
	res, err := tx.DB().NewQuery(`INSERT INTO notice_receipts
		(id, notice, root, chain, user, unit, unit_path, read_at, confirmed_at, late, reply, reply_files, created)
		SELECT ` + receiptID(rec) + `, {:rnotice}, {:rroot}, {:rchain}, users.id, users.unit, units.path,
			'', '', FALSE, '', '[]', {:rnow}
		FROM users INNER JOIN units ON units.id = users.unit WHERE ` + cond + `
		ORDER BY units.path, users.id`).Bind(params).Execute()
	if err != nil {
		return 0, fmt.Errorf("notices: receipts of %s: %w", rec.Id, err)
	}
	return res.RowsAffected()
}

// receiptID is the SQL for the ids of a publication's receipts.
func receiptID(rec *core.Record) string {
	if rec.GetString("status") == "published" {
		return "substr(lower(hex(randomblob(8))), 1, 15)" // a later joiner
	}
	return "{:rnotice} || printf('%07d', row_number() OVER (ORDER BY units.path, users.id))"
}

// noteTitle is a notification's title for rec: urgency first when urgent.
func noteTitle(rec *core.Record) string {
	t := rec.GetString("title")
	if u := rec.GetString("urgency"); u != "" && u != "平件" {
		t = "【" + u + "】" + t
	}
	if rec.GetBool("must_confirm") {
		t += "（需确认）"
	}
	return t
}

func unitName(app core.App, id string) string {
	var names []string
	_ = app.DB().Select("name").From("units").Where(dbx.HashExp{"id": id}).Column(&names)
	if len(names) == 0 {
		return ""
	}
	return names[0]
}

// askPublicApproval tells the leaders of the publishing unit that a notice
// waits for their 主动公开 approval.
func (m *Module) askPublicApproval(tx core.App, rec *core.Record) error {
	unit, _ := approvingUnit(tx, rec)
	leaders, err := leadersOf(tx, []string{unit})
	if err != nil {
		return err
	}
	return notify.Send(tx, leaders, notify.Note{Kind: "notice.public_request", Title: "主动公开待审批：" + rec.GetString("title"),
		Body: "请审核该通知是否主动公开", Link: link(rec.Id)})
}

// leadersOf lists the active leaders of units (their home role).
func leadersOf(app core.App, units []string) ([]string, error) {
	if len(units) == 0 {
		return nil, nil
	}
	var ids []string
	err := app.DB().Select("users.id").From("users").Where(dbx.And(dbx.In("users.unit", anySlice(units)...),
		dbx.HashExp{"users.active": true}, hasRole([]string{"leader"}))).Column(&ids)
	return ids, err
}

// PublishDue publishes scheduled notices whose time has come; the cron job
// calls it every minute. Each notice is one transaction that flips its
// status, so a restart never publishes one twice. A publisher who lost the
// right over the audience meanwhile gets the notice withdrawn with a reason.
func (m *Module) PublishDue() (int, error) {
	m.jobs.Lock()
	defer m.jobs.Unlock()
	var due []*core.Record
	err := m.app.RecordQuery(NoticesTable).Where(dbx.And(dbx.HashExp{"status": "scheduled"},
		dbx.NewExp("publish_at <= {:now}", dbx.Params{"now": m.dateNow().String()}))).OrderBy("publish_at").All(&due)
	if err != nil {
		return 0, err
	}
	done := 0
	for _, rec := range due {
		published := false
		_, err := m.app.Apply("", "notice.publish", func(tx core.App, c *api.Change) error {
			fresh, err := tx.FindRecordById(NoticesTable, rec.Id)
			if err != nil || fresh.GetString("status") != "scheduled" {
				return nil // withdrawn or published meanwhile
			}
			c.Object = NoticesTable + "/" + rec.Id
			var aud Audience
			if err := fresh.UnmarshalJSONField("audience", &aud); err != nil {
				return err
			}
			s, err := m.app.Authz.Subject(fresh.GetString("publisher"))
			if err == nil {
				_, err = m.check(tx, s, aud)
			}
			if err != nil {
				reason := "定时发布时发布人已无权向所选对象发布"
				var ae *api.Error
				if errors.As(err, &ae) && ae.Status == http.StatusBadRequest {
					reason = "定时发布时通知对象已不符合要求：" + ae.Message
				} else if ae == nil && s != nil {
					return err // a database error: try again next minute
				}
				fresh.Set("status", "withdrawn")
				fresh.Set("withdrawn_at", types.NowDateTime())
				fresh.Set("withdraw_reason", reason)
				c.After = map[string]any{"status": "withdrawn", "reason": fresh.GetString("withdraw_reason")}
				if err := tx.Save(fresh); err != nil {
					return err
				}
				return notify.Send(tx, []string{fresh.GetString("publisher")}, notify.Note{Kind: "notice.failed",
					Title: "定时通知未能发布：" + fresh.GetString("title"), Body: fresh.GetString("withdraw_reason"), Link: link(fresh.Id)})
			}
			n, err := m.deliver(tx, fresh, &aud, "")
			if err != nil {
				return err
			}
			published = true
			c.After = map[string]any{"status": "published", "recipients": n}
			if n == 0 { // everyone left the audience meanwhile: say so rather than publish into silence
				return notify.Send(tx, []string{fresh.GetString("publisher")}, notify.Note{Kind: "notice.empty",
					Title: "定时通知已发布，但暂无接收人：" + fresh.GetString("title"),
					Body:  "所选通知对象中目前没有可接收通知的人员；此后加入的人员将按规则收到。", Link: link(fresh.Id)})
			}
			return nil
		})
		if err != nil {
			m.app.Logger().Error("scheduled notice not published", "notice", rec.Id, "error", err.Error())
			continue
		}
		if published {
			done++
			if err := m.announce(rec.Id); err != nil {
				m.app.Logger().Error("notice recipients not told yet", "notice", rec.Id, "error", err.Error())
			}
		}
	}
	return done, nil
}

// ForwardInput is the body of POST /api/gov/notices/{id}/forward.
type ForwardInput struct {
	Note     string   `json:"note"`
	Deadline string   `json:"deadline"`
	Audience Audience `json:"audience"`
}

// HandleForward is POST /api/gov/notices/{id}/forward: an office or a
// leader who received a notice passes it down to their own subordinates
// with added instructions (转发). The copy's receipts roll up into the
// original's tree; people who already hold the notice are not sent it again.
func (m *Module) HandleForward(e *core.RequestEvent) error {
	s, orig, err := api.View(m.app, e, "notice", "read", e.Request.PathValue("id"))
	if err != nil {
		return err
	}
	if ok, _ := m.app.Authz.Can(s, "forward", orig); !ok {
		return api.NewError(http.StatusForbidden, "forbidden", "您无权转发此通知")
	}
	if orig.GetString("status") != "published" {
		return api.Conflict("只有已发布的通知可以转发")
	}
	var in ForwardInput
	if err := api.DecodeJSON(e, &in); err != nil {
		return err
	}
	in.Note = strings.TrimSpace(in.Note)
	if utf8.RuneCountInString(in.Note) > 2000 {
		return api.BadField("note", "too_long", "转发说明不能超过 2000 字")
	}
	if mk := files.MarkIn(in.Note); mk != "" {
		return m.refuseMarked(e, "note", mk)
	}
	cp, err := m.forward(s, orig, in, func(action string, fn func(tx core.App, c *api.Change) error) error {
		_, err := m.app.ApplyAs(e, action, fn)
		return err
	})
	if err != nil {
		return err
	}
	out, err := m.detail(e.App, s, cp)
	if err != nil {
		return err
	}
	return e.JSON(http.StatusCreated, out)
}

// forward makes and delivers s's forwarded copy of orig.
func (m *Module) forward(s *policies.Subject, orig *core.Record, in ForwardInput, apply applyFunc) (*core.Record, error) {
	deadline := orig.GetDateTime("deadline")
	if in.Deadline != "" {
		d, err := parseMoment("deadline", in.Deadline, true)
		if err != nil {
			return nil, err
		}
		if !d.Time().After(m.now()) || (!deadline.IsZero() && d.Time().After(deadline.Time())) {
			return nil, api.BadField("deadline", "invalid", "转发的截止时间须在现在之后、原通知截止时间之前")
		}
		deadline = d
	}
	aud, err := m.check(m.app, s, in.Audience)
	if err != nil {
		return nil, err
	}
	var cp *core.Record
	err = apply("notice.forward", func(tx core.App, c *api.Change) error {
		col, err := tx.FindCachedCollectionByNameOrId(NoticesTable)
		if err != nil {
			return err
		}
		cp = core.NewRecord(col)
		cp.Id = core.GenerateDefaultRandomId()
		cp.Load(map[string]any{"title": orig.GetString("title"), "category": orig.GetString("category"),
			"urgency": orig.GetString("urgency"), "must_confirm": orig.GetBool("must_confirm"), "deadline": deadline,
			"remind_hours": orig.GetInt("remind_hours"), "status": "scheduled", "publish_at": types.NowDateTime(),
			"expires_at": orig.GetString("expires_at"), "publisher": s.ID, "unit": s.Unit.ID, "unit_path": s.Unit.Path,
			"system": s.Unit.System, "audience": aud, "parent": orig.Id, "root": orig.GetString("root"),
			"chain": orig.GetString("chain") + cp.Id + "/", "forward_note": in.Note, "version": 1})
		if err := tx.Save(cp); err != nil {
			return err
		}
		n, err := m.deliver(tx, cp, aud, orig.GetString("root"))
		if err != nil {
			return err
		}
		if n == 0 {
			return api.BadField("audience", "empty", "所选对象都已收到此通知，无需转发")
		}
		c.Object = NoticesTable + "/" + cp.Id
		c.After = map[string]any{"forwarded": orig.Id, "note": in.Note, "recipients": n, "audience": aud}
		return nil
	})
	if err != nil {
		return nil, err
	}
	m.announceLater(cp.Id)
	return cp, nil
}

// onUserChange adds later joiners (documented rule): a person who joins —
// created, moved to another unit, reactivated, or given a role they did
// not hold (an audience may name roles) — receives the notices
// still open (published, not expired, before any confirm deadline,
// published within the last 90 days) whose stored audience matches them
// now, in the same transaction as the change. Leaving keeps one's receipts:
// they record what was sent.
func (m *Module) onUserChange(e *core.RecordEvent) error {
	isNew := e.Record.IsNew()
	orig := e.Record.Original()
	if err := e.Next(); err != nil {
		return err
	}
	r := e.Record
	joined := isNew || orig.GetString("unit") != r.GetString("unit") || (!orig.GetBool("active") && r.GetBool("active")) ||
		gainedRole(orig.GetStringSlice("roles"), r.GetStringSlice("roles"))
	if !joined || !r.GetBool("active") {
		return nil
	}
	return m.addJoiner(e.App, r.Id)
}

func gainedRole(before, after []string) bool {
	for _, r := range after {
		if !slices.Contains(before, r) {
			return true
		}
	}
	return false
}

func (m *Module) addJoiner(tx core.App, userID string) error {
	now := m.dateNow()
	from, _ := types.ParseDateTime(m.now().UTC().Add(-90 * 24 * time.Hour))
	var open []*core.Record
	err := tx.RecordQuery(NoticesTable).Where(dbx.And(dbx.HashExp{"status": "published"},
		dbx.NewExp("published_at >= {:from}", dbx.Params{"from": from.String()}),
		dbx.NewExp("(expires_at = '' OR expires_at > {:now}) AND (deadline = '' OR deadline > {:now})", dbx.Params{"now": now.String()}),
	)).OrderBy("chain").All(&open)
	if err != nil {
		return err
	}
	for _, rec := range open {
		var aud Audience
		if err := rec.UnmarshalJSONField("audience", &aud); err != nil {
			continue
		}
		where, err := m.where(tx, &aud, rec.GetString("root"))
		if err != nil {
			return err
		}
		n, err := m.insertReceipts(tx, rec, dbx.And(dbx.HashExp{"users.id": userID}, where))
		if err != nil {
			return err
		}
		if n > 0 {
			if err := addCounts(tx, rec.Id, "user = {:cuser}", dbx.Params{"cuser": userID}); err != nil {
				return err
			}
			if _, err := tx.DB().NewQuery("UPDATE notices SET recipients = recipients + 1 WHERE id = {:id}").
				Bind(dbx.Params{"id": rec.Id}).Execute(); err != nil {
				return err
			}
			if err := notify.Send(tx, []string{userID}, notify.Note{Kind: "notice.published", Title: noteTitle(rec),
				Body: unitName(tx, rec.GetString("unit")) + " · " + rec.GetString("category"), Link: link(rec.Id)}); err != nil {
				return err
			}
		}
	}
	return nil
}
