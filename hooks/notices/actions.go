package notices

import (
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"

	"govcollab/hooks/api"
	"govcollab/hooks/files"
	"govcollab/hooks/notify"
	"govcollab/policies"
)

// ConfirmInput is the body of POST /api/gov/notices/{id}/confirm: the
// reply and attachments are optional (征求意见 asks for them).
type ConfirmInput struct {
	Reply string   `json:"reply"`
	Files []string `json:"files"`
}

// HandleConfirm is POST /api/gov/notices/{id}/confirm: a recipient's
// explicit 确认. After the deadline it is still taken, marked late.
// Confirming again changes nothing.
func (m *Module) HandleConfirm(e *core.RequestEvent) error {
	s, rec, err := api.View(m.app, e, "notice", "read", e.Request.PathValue("id"))
	if err != nil {
		return err
	}
	var in ConfirmInput
	if err := api.DecodeJSON(e, &in); err != nil {
		return err
	}
	in.Reply = strings.TrimSpace(in.Reply)
	if utf8.RuneCountInString(in.Reply) > 2000 {
		return api.BadField("reply", "too_long", "回复不能超过 2000 字")
	}
	if mk := files.MarkIn(in.Reply); mk != "" {
		return m.refuseMarked(e, "reply", mk)
	}
	receipt, err := e.App.FindFirstRecordByFilter(ReceiptsTable, "notice = {:n} && user = {:u}", dbx.Params{"n": rec.Id, "u": s.ID})
	if err != nil {
		return api.NewError(http.StatusForbidden, "not_recipient", "您不在此通知的接收范围内，无需确认")
	}
	switch {
	case !rec.GetBool("must_confirm"):
		return api.Conflict("此通知无需确认")
	case rec.GetString("status") != "published":
		return api.Conflict("此通知已撤回，无法确认")
	}
	if receipt.GetString("confirmed_at") == "" {
		_, err = m.app.ApplyAs(e, "notice.confirm", func(tx core.App, c *api.Change) error {
			now := types.NowDateTime()
			d := rec.GetDateTime("deadline")
			late := !d.IsZero() && m.now().After(d.Time())
			fresh, err := tx.FindRecordById(ReceiptsTable, receipt.Id)
			if err != nil {
				return err
			}
			if fresh.GetString("confirmed_at") != "" {
				return nil // a double click: the first one counted
			}
			if _, err := tx.DB().NewQuery(`UPDATE notice_receipts SET confirmed_at = {:now}, late = {:late}, reply = {:reply},
				read_at = CASE WHEN read_at = '' THEN {:now} ELSE read_at END WHERE id = {:id}`).
				Bind(dbx.Params{"now": now.String(), "late": late, "reply": in.Reply, "id": receipt.Id}).Execute(); err != nil {
				return err
			}
			if err := bump(tx, rec.Id, fresh.GetString("unit"), fresh.GetString("read_at") == "", true); err != nil {
				return err
			}
			if _, err := m.files.Set(tx, s.ID, "files", in.Files, "notice_receipt", receipt.Id); err != nil {
				return err
			}
			c.Object = ReceiptsTable + "/" + receipt.Id
			c.After = map[string]any{"notice": rec.Id, "late": late, "reply": in.Reply, "files": len(in.Files)}
			return nil
		})
		if err != nil {
			return err
		}
	}
	out, err := m.detail(e.App, s, rec)
	if err != nil {
		return err
	}
	return e.JSON(http.StatusOK, out)
}

// mayChange loads notice id for a change by its publisher (or a leader
// above): 404 when unreadable, 403 when readable but not theirs to change.
func (m *Module) mayChange(e *core.RequestEvent) (*policies.Subject, *core.Record, error) {
	s, rec, err := api.View(m.app, e, "notice", "read", e.Request.PathValue("id"))
	if err != nil {
		return nil, nil, err
	}
	if ok, _ := m.app.Authz.Can(s, "update", rec); !ok {
		return nil, nil, api.NewError(http.StatusForbidden, "forbidden", "只有发布人或其单位负责人可以操作此通知")
	}
	return s, rec, nil
}

func reason(raw string) (string, error) {
	r := strings.TrimSpace(raw)
	switch n := utf8.RuneCountInString(r); {
	case n == 0:
		return "", api.BadField("reason", "required", "请说明原因")
	case n > 500:
		return "", api.BadField("reason", "too_long", "原因不能超过 500 字")
	}
	return r, nil
}

// HandleWithdraw is POST /api/gov/notices/{id}/withdraw {reason}: the
// notice and every copy forwarded from it end (readers still see them,
// marked withdrawn with the reason); it leaves search and the public page,
// and those who had read it are told.
func (m *Module) HandleWithdraw(e *core.RequestEvent) error {
	s, rec, err := m.mayChange(e)
	if err != nil {
		return err
	}
	var in struct {
		Reason string `json:"reason"`
	}
	if err := api.DecodeJSON(e, &in); err != nil {
		return err
	}
	why, err := reason(in.Reason)
	if err != nil {
		return err
	}
	if mk := files.MarkIn(why); mk != "" {
		return m.refuseMarked(e, "reason", mk)
	}
	since := types.NowDateTime()
	_, err = m.app.ApplyAs(e, "notice.withdraw", func(tx core.App, c *api.Change) error {
		fresh, err := tx.FindRecordById(NoticesTable, rec.Id)
		if err != nil {
			return err
		}
		if fresh.GetString("status") == "withdrawn" {
			return api.Conflict("此通知已撤回")
		}
		var tree []*core.Record
		if err := tx.RecordQuery(NoticesTable).Where(dbx.And(subtreeOf("chain", fresh.GetString("chain")),
			dbx.NewExp("status != 'withdrawn'"))).All(&tree); err != nil {
			return err
		}
		for _, n := range tree {
			n.Set("status", "withdrawn")
			n.Set("withdrawn_at", types.NowDateTime())
			n.Set("withdraw_reason", why)
			if err := tx.Save(n); err != nil {
				return err
			}
			if err := m.unindex(tx, n.Id); err != nil {
				return err
			}
		}
		if _, err := notify.SendSelect(tx, `SELECT DISTINCT user AS id FROM notice_receipts
			WHERE chain >= {:lo} AND chain < {:hi} AND read_at != ''`,
			dbx.Params{"lo": fresh.GetString("chain"), "hi": policies.PathUpperBound(fresh.GetString("chain"))},
			notify.Note{Kind: "notice.withdrawn", Title: "通知已撤回：" + fresh.GetString("title"), Body: why, Link: link(fresh.Id)}); err != nil {
			return err
		}
		c.Object = NoticesTable + "/" + rec.Id
		c.Before = map[string]any{"status": rec.GetString("status")}
		c.After = map[string]any{"status": "withdrawn", "reason": why, "copies": len(tree) - 1}
		return nil
	})
	if err != nil {
		return err
	}
	notify.Push(e.App, since, link(rec.Id))
	return m.answer(e, s, rec.Id)
}

// CorrectInput is the body of POST /api/gov/notices/{id}/correct: what
// changes, and why (required).
type CorrectInput struct {
	Title  *string   `json:"title"`
	Body   *string   `json:"body"`
	Files  *[]string `json:"files"`
	Reason string    `json:"reason"`
}

// HandleCorrect is POST /api/gov/notices/{id}/correct: the notice's
// previous wording is kept as a version, the new one reaches every copy
// (copies show their root's content), and those who had read it are told.
func (m *Module) HandleCorrect(e *core.RequestEvent) error {
	s, rec, err := m.mayChange(e)
	if err != nil {
		return err
	}
	if rec.GetString("root") != rec.Id {
		return api.Conflict("转发的通知不能更正内容，请由原发布单位更正")
	}
	var in CorrectInput
	if err := api.DecodeJSON(e, &in); err != nil {
		return err
	}
	why, err := reason(in.Reason)
	if err != nil {
		return err
	}
	title, body := rec.GetString("title"), rec.GetString("body")
	if in.Title != nil {
		title = strings.TrimSpace(*in.Title)
	}
	if in.Body != nil {
		body = *in.Body
	}
	check := Input{Title: title, Body: body, Category: rec.GetString("category"), Urgency: rec.GetString("urgency")}
	if _, err := check.validate(m.now()); err != nil {
		return err
	}
	if field, mark := markedField(title, body+"\n"+why); mark != "" {
		return m.refuseMarked(e, field, mark)
	}
	html, err := renderBody(body)
	if err != nil {
		return err
	}
	since := types.NowDateTime()
	_, err = m.app.ApplyAs(e, "notice.correct", func(tx core.App, c *api.Change) error {
		fresh, err := tx.FindRecordById(NoticesTable, rec.Id)
		if err != nil {
			return err
		}
		if fresh.GetString("status") == "withdrawn" {
			return api.Conflict("已撤回的通知不能更正")
		}
		old, err := m.files.List(tx, "notice", fresh.Id)
		if err != nil {
			return err
		}
		var oldIDs []string
		for _, f := range old {
			oldIDs = append(oldIDs, f.ID)
		}
		vcol, err := tx.FindCachedCollectionByNameOrId(VersionsTable)
		if err != nil {
			return err
		}
		v := core.NewRecord(vcol)
		v.Load(map[string]any{"notice": fresh.Id, "version": fresh.GetInt("version"), "title": fresh.GetString("title"),
			"body": fresh.GetString("body"), "body_html": fresh.GetString("body_html"), "files": oldIDs,
			"reason": why, "editor": s.ID})
		if err := tx.Save(v); err != nil {
			return err
		}
		c.Before = map[string]any{"title": fresh.GetString("title"), "version": fresh.GetInt("version")}
		fresh.Set("title", title)
		fresh.Set("body", body)
		fresh.Set("body_html", html)
		fresh.Set("version", fresh.GetInt("version")+1)
		fresh.Set("corrected_at", types.NowDateTime())
		republish := fresh.GetString("public_state") == "approved"
		if republish {
			// the public page shows only approved wording: approve again
			fresh.Set("public_state", "pending")
		}
		if err := tx.Save(fresh); err != nil {
			return err
		}
		if republish {
			if err := m.askPublicApproval(tx, fresh); err != nil {
				return err
			}
		}
		if in.Files != nil {
			if _, err := m.files.Set(tx, s.ID, "files", *in.Files, "notice", fresh.Id); err != nil {
				return err
			}
		}
		// copies carry the title in lists and search
		if _, err := tx.DB().NewQuery("UPDATE notices SET title = {:t} WHERE root = {:r} AND id != {:r}").
			Bind(dbx.Params{"t": title, "r": fresh.Id}).Execute(); err != nil {
			return err
		}
		if err := m.reindexChain(tx, fresh); err != nil {
			return err
		}
		if _, err := notify.SendSelect(tx, "SELECT DISTINCT user AS id FROM notice_receipts WHERE root = {:root} AND read_at != ''",
			dbx.Params{"root": fresh.Id}, notify.Note{Kind: "notice.corrected", Title: "通知已更正：" + title, Body: why,
				Link: link(fresh.Id)}); err != nil {
			return err
		}
		c.Object = NoticesTable + "/" + rec.Id
		c.After = map[string]any{"title": title, "version": fresh.GetInt("version"), "reason": why}
		return nil
	})
	if err != nil {
		return err
	}
	notify.Push(e.App, since, link(rec.Id))
	return m.answer(e, s, rec.Id)
}

// HandleApprovePublic is POST /api/gov/notices/{id}/approve-public
// {approve}: a leader of the publishing unit decides a 主动公开 request;
// approved, the notice appears on /public/ until withdrawn.
func (m *Module) HandleApprovePublic(e *core.RequestEvent) error {
	s, rec, err := api.View(m.app, e, "notice", "read", e.Request.PathValue("id"))
	if err != nil {
		return err
	}
	if !m.mayApprovePublic(e.App, s, rec) {
		return api.NewError(http.StatusForbidden, "forbidden", "只有发布单位负责人可以审批待公开的通知")
	}
	in := struct {
		Approve *bool `json:"approve"`
	}{}
	if err := api.DecodeJSON(e, &in); err != nil {
		return err
	}
	approve := in.Approve == nil || *in.Approve
	action := "notice.public_approve"
	if !approve {
		action = "notice.public_reject"
	}
	_, err = m.app.ApplyAs(e, action, func(tx core.App, c *api.Change) error {
		fresh, err := tx.FindRecordById(NoticesTable, rec.Id)
		if err != nil {
			return err
		}
		if fresh.GetString("public_state") != "pending" || fresh.GetString("status") == "withdrawn" {
			return api.Conflict("此通知没有待审批的公开申请")
		}
		if approve {
			fresh.Set("public_state", "approved")
			fresh.Set("public_approver", s.ID)
			fresh.Set("public_approved_at", types.NowDateTime())
		} else {
			fresh.Set("public_state", "")
		}
		c.Object = NoticesTable + "/" + rec.Id
		c.After = map[string]any{"public_state": fresh.GetString("public_state")}
		if err := tx.Save(fresh); err != nil {
			return err
		}
		title := "通知已获准主动公开：" + fresh.GetString("title")
		if !approve {
			title = "通知未获准主动公开：" + fresh.GetString("title")
		}
		return notify.Send(tx, []string{fresh.GetString("publisher")}, notify.Note{Kind: "notice.public_decided", Title: title, Link: link(fresh.Id)})
	})
	if err != nil {
		return err
	}
	return m.answer(e, s, rec.Id)
}

// approvingUnit is the unit whose leaders decide rec's 主动公开: the
// publishing unit, or for an office (办公室), which has no leader of its
// own, the government it serves.
func approvingUnit(app core.App, rec *core.Record) (id, path string) {
	id, path = rec.GetString("unit"), rec.GetString("unit_path")
	var rows []struct {
		ID   string `db:"id"`
		Path string `db:"path"`
	}
	err := app.DB().NewQuery(`SELECT g.id, g.path FROM units o JOIN units g ON g.id = o.parent
		WHERE o.id = {:u} AND o.kind = 'office'`).Bind(dbx.Params{"u": id}).All(&rows)
	if err == nil && len(rows) == 1 {
		return rows[0].ID, rows[0].Path
	}
	return id, path
}

// mayApprovePublic asks the policy's approve_public of rec as if the
// approving unit had published it.
func (m *Module) mayApprovePublic(app core.App, s *policies.Subject, rec *core.Record) bool {
	v := rec
	if id, path := approvingUnit(app, rec); id != rec.GetString("unit") {
		v = rec.Clone()
		v.Set("unit", id)
		v.Set("unit_path", path)
	}
	ok, _ := m.app.Authz.Can(s, "approve_public", v)
	return ok
}

// answer re-reads notice id and answers its page.
func (m *Module) answer(e *core.RequestEvent, s *policies.Subject, id string) error {
	rec, err := e.App.FindRecordById(NoticesTable, id)
	if err != nil {
		return err
	}
	out, err := m.detail(e.App, s, rec)
	if err != nil {
		return err
	}
	return e.JSON(http.StatusOK, out)
}

// Summary is the caller's inbox at a glance (badges, the workbench).
type Summary struct {
	Unread  int `json:"unread"`
	Pending int `json:"pending"`
	Overdue int `json:"overdue"`
}

// HandleSummary is GET /api/gov/notices/summary.
func (m *Module) HandleSummary(e *core.RequestEvent) error {
	s, err := m.app.Require(e, "read", "notice")
	if err != nil {
		return err
	}
	out, err := m.Summary(e.App, s)
	if err != nil {
		return err
	}
	return e.JSON(http.StatusOK, out)
}

// Summary counts s's inbox: unread, to confirm, of them overdue.
func (m *Module) Summary(app core.App, s *policies.Subject) (*Summary, error) {
	var out Summary
	params := dbx.Params{"u": s.ID, "now": types.NowDateTime().String()}
	cond := m.sql(m.app.Authz.Filter(s, "read", "notice"), params)
	err := app.DB().NewQuery(`SELECT
			COALESCE(SUM(r.read_at = ''), 0) AS unread,
			COALESCE(SUM(notices.must_confirm AND r.confirmed_at = '' AND notices.status = 'published'), 0) AS pending,
			COALESCE(SUM(notices.must_confirm AND r.confirmed_at = '' AND notices.status = 'published'
				AND notices.deadline != '' AND notices.deadline < {:now}), 0) AS overdue
		FROM notice_receipts r JOIN notices ON notices.id = r.notice
		WHERE r.user = {:u} AND notices.status IN ('published', 'withdrawn') AND `+cond).Bind(params).Row(&out.Unread, &out.Pending, &out.Overdue)
	if err != nil {
		return nil, err
	}
	return &out, nil
}
