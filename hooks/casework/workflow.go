package casework

import (
	"net/http"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"govcollab/hooks/api"
	"govcollab/hooks/audit"
	"govcollab/policies"
)

var levelIndex = map[string]int{"province": 0, "city": 1, "county": 2, "township": 3}

var levelNames = []string{"省级", "市级", "县级", "乡镇级"}

// HandleCreate is POST /api/gov/cases: a new draft (version 1) in the
// author's unit.
func (m *Module) HandleCreate(e *core.RequestEvent) error {
	s, err := m.app.Require(e, "create", "case")
	if err != nil {
		return err
	}
	var in Input
	if err := api.DecodeJSON(e, &in); err != nil {
		return err
	}
	if err := m.refuseMarked(e, &in); err != nil {
		return err
	}
	c := content{Scope: "unit", Tags: []string{}}
	if verr := in.apply(&c); verr != nil {
		return verr
	}
	html, err := renderBody(c.Body)
	if err != nil {
		return err
	}
	unit, err := e.App.FindRecordById("units", s.Unit.ID)
	if err != nil {
		return api.Forbidden()
	}
	var rec *core.Record
	_, err = m.app.ApplyAs(e, "case.create", func(tx core.App, ch *api.Change) error {
		col, err := tx.FindCachedCollectionByNameOrId(CasesTable)
		if err != nil {
			return err
		}
		rec = core.NewRecord(col)
		rec.Load(map[string]any{"status": "draft", "author": s.ID, "unit": unit.Id,
			"unit_path": unit.GetString("path"), "system": unit.GetString("system"), "version": 1})
		if err := m.setContent(rec, c, html); err != nil {
			return err
		}
		if ok, _ := m.app.Authz.Can(s, "create", rec); !ok {
			return api.Forbidden()
		}
		if err := tx.Save(rec); err != nil {
			return err
		}
		if err := m.newVersion(tx, rec.Id, 1, s.ID, c, html); err != nil {
			return err
		}
		if err := m.attach(tx, s.ID, rec.Id, c, nil); err != nil {
			return err
		}
		ch.Object = CasesTable + "/" + rec.Id
		ch.After = map[string]any{"title": c.Title, "scope": c.Scope, "version": 1}
		return nil
	})
	if err != nil {
		return err
	}
	return m.answer(e, s, rec.Id, http.StatusOK)
}

func (m *Module) newVersion(tx core.App, caseID string, n int, editor string, c content, html string) error {
	col, err := tx.FindCachedCollectionByNameOrId(VersionsTable)
	if err != nil {
		return err
	}
	v := core.NewRecord(col)
	v.Load(map[string]any{"case_id": caseID, "version": n, "status": "draft", "editor": editor})
	if err := m.setContent(v, c, html); err != nil {
		return err
	}
	return tx.Save(v)
}

// editable are the statuses in which the author may edit.
var editable = []string{"draft", "returned", "withdrawn", "published"}

// HandleUpdate is PATCH /api/gov/cases/{id}: the author edits the working
// copy. Editing a published case starts a new version, which readers see
// only once it is approved in turn.
func (m *Module) HandleUpdate(e *core.RequestEvent) error {
	s, rec, err := api.View(m.app, e, "case", "update", e.Request.PathValue("id"))
	if err != nil {
		return err
	}
	switch rec.GetString("status") {
	case "submitted":
		return api.Conflict("案例正在审核中，请先撤回再修改")
	case "archived":
		return api.Conflict("案例已归档，不能修改")
	}
	var in Input
	if err := api.DecodeJSON(e, &in); err != nil {
		return err
	}
	if err := m.refuseMarked(e, &in); err != nil {
		return err
	}
	_, err = m.app.ApplyAs(e, "case.update", func(tx core.App, ch *api.Change) error {
		rec, err := m.fresh(tx, s, "update", rec.Id, editable)
		if err != nil {
			return err
		}
		v, err := latest(tx, rec.Id)
		if err != nil {
			return err
		}
		c := contentOf(v)
		c.Entities, err = m.openEntities(v)
		if err != nil {
			return err
		}
		before := c
		if verr := in.apply(&c); verr != nil {
			return verr
		}
		// the cached HTML is rendered again only when the body changed
		html := v.GetString("body_html")
		if c.Body != before.Body || html == "" {
			if html, err = renderBody(c.Body); err != nil {
				return err
			}
		}
		n := v.GetInt("version")
		// the approved version stays as approved (also after a withdraw)
		if v.GetString("status") == "published" || n == rec.GetInt("published_version") {
			n++
			if err := m.newVersion(tx, rec.Id, n, s.ID, c, html); err != nil {
				return err
			}
		} else {
			if err := m.setContent(v, c, html); err != nil {
				return err
			}
			v.Set("status", "draft")
			v.Set("editor", s.ID)
			if err := tx.Save(v); err != nil {
				return err
			}
		}
		rec.Set("status", "draft")
		rec.Set("version", n)
		if rec.GetString("live") == "" {
			// never published: the row is the working copy
			if err := m.setContent(rec, c, html); err != nil {
				return err
			}
		}
		if err := tx.Save(rec); err != nil {
			return err
		}
		if err := m.attach(tx, s.ID, rec.Id, c, m.publishedFiles(tx, rec)); err != nil {
			return err
		}
		ch.Object = CasesTable + "/" + rec.Id
		ch.Before = map[string]any{"title": before.Title, "scope": before.Scope, "version": v.GetInt("version")}
		ch.After = map[string]any{"title": c.Title, "scope": c.Scope, "version": n}
		return nil
	})
	if err != nil {
		return err
	}
	return m.answer(e, s, rec.Id, http.StatusOK)
}

// publishedFiles are the files readers see.
func (m *Module) publishedFiles(app core.App, rec *core.Record) []string {
	pv := rec.GetInt("published_version")
	if pv == 0 {
		return nil
	}
	v, err := versionNo(app, rec.Id, pv)
	if err != nil {
		return nil
	}
	return contentOf(v).Files
}

// HandleDelete is DELETE /api/gov/cases/{id}: a case never published, not
// in review, goes with its versions and attachments.
func (m *Module) HandleDelete(e *core.RequestEvent) error {
	_, rec, err := api.View(m.app, e, "case", "delete", e.Request.PathValue("id"))
	if err != nil {
		return err
	}
	if rec.GetString("live") != "" || rec.GetInt("published_version") > 0 {
		return api.Conflict("发布过的案例不能删除；如需下线，请撤回或申请归档")
	}
	if rec.GetString("status") == "submitted" {
		return api.Conflict("案例正在审核中，请先撤回")
	}
	_, err = m.app.ApplyAs(e, "case.delete", func(tx core.App, ch *api.Change) error {
		ch.Object = CasesTable + "/" + rec.Id
		ch.Before = map[string]any{"title": rec.GetString("title")}
		if _, err := m.files.Set(tx, e.Auth.Id, "files", nil, "case", rec.Id); err != nil {
			return err
		}
		for _, table := range []string{VersionsTable, EntitiesTable, "case_tags", CommentsTable, VotesTable, BookmarksTable} {
			if _, err := tx.DB().Delete(table, dbx.HashExp{"case_id": rec.Id}).Execute(); err != nil {
				return err
			}
		}
		return tx.Delete(rec)
	})
	if err != nil {
		return err
	}
	return e.NoContent(http.StatusNoContent)
}

// transition runs one workflow step on case id: the policy action act
// must allow it, from must hold the case's status, and step changes the
// case and its newest version inside the audited transaction.
func (m *Module) transition(e *core.RequestEvent, act, auditAction string, from []string, step func(tx core.App, s *policies.Subject, rec, v *core.Record) error) error {
	s, rec, err := api.View(m.app, e, "case", act, e.Request.PathValue("id"))
	if err != nil {
		return err
	}
	if err := inState(rec, from); err != nil {
		return err
	}
	_, err = m.app.ApplyAs(e, auditAction, func(tx core.App, ch *api.Change) error {
		// decided again on the row as it is now: of two racing steps the
		// second finds the state moved and gets the 409
		rec, err := m.fresh(tx, s, act, rec.Id, from)
		if err != nil {
			return err
		}
		v, err := latest(tx, rec.Id)
		if err != nil {
			return err
		}
		ch.Object = CasesTable + "/" + rec.Id
		ch.Before = map[string]any{"status": rec.GetString("status"), "version": v.GetInt("version")}
		if err := step(tx, s, rec, v); err != nil {
			return err
		}
		if err := tx.Save(v); err != nil {
			return err
		}
		if err := tx.Save(rec); err != nil {
			return err
		}
		ch.After = map[string]any{"status": rec.GetString("status"), "live": rec.GetString("live"), "version": v.GetInt("version")}
		return nil
	})
	if err != nil {
		return err
	}
	return m.answer(e, s, rec.Id, http.StatusOK)
}

// inState is the 409 of a step the case's status does not allow.
func inState(rec *core.Record, from []string) error {
	if !slices.Contains(from, rec.GetString("status")) {
		return api.Conflict("案例当前状态（" + statusNames[rec.GetString("status")] + "）不能进行此操作")
	}
	return nil
}

// fresh reloads case id inside tx and checks act and the status again.
func (m *Module) fresh(tx core.App, s *policies.Subject, act, id string, from []string) (*core.Record, error) {
	rec, err := tx.FindRecordById(CasesTable, id)
	if err != nil {
		return nil, api.NotFound()
	}
	if ok, _ := m.app.Authz.Can(s, act, rec); !ok {
		return nil, api.NotFound()
	}
	return rec, inState(rec, from)
}

var statusNames = map[string]string{"draft": "草稿", "submitted": "审核中", "published": "已发布",
	"returned": "已退回", "withdrawn": "已撤回", "archived": "已归档"}

// HandleSubmit is POST /api/gov/cases/{id}/submit: the author sends the
// working copy to review.
func (m *Module) HandleSubmit(e *core.RequestEvent) error {
	return m.transition(e, "update", "case.submit", []string{"draft", "returned", "withdrawn"},
		func(tx core.App, s *policies.Subject, rec, v *core.Record) error {
			if strings.TrimSpace(v.GetString("body")) == "" {
				return api.BadField("body", "required", "提交审核前请填写正文")
			}
			v.Set("status", "submitted")
			v.Set("submitted_at", now())
			v.Set("review_comment", "")
			rec.Set("status", "submitted")
			return nil
		})
}

// HandleWithdraw is POST /api/gov/cases/{id}/withdraw: the author pulls a
// case back from review, or takes a published case offline.
func (m *Module) HandleWithdraw(e *core.RequestEvent) error {
	return m.transition(e, "update", "case.withdraw", []string{"submitted", "published"},
		func(tx core.App, s *policies.Subject, rec, v *core.Record) error {
			if rec.GetString("status") == "published" {
				rec.Set("live", "")
				if err := publishTags(tx, rec.Id, nil); err != nil {
					return err
				}
				if err := m.unindex(tx, rec.Id); err != nil {
					return err
				}
			}
			v.Set("status", "withdrawn")
			rec.Set("status", "withdrawn")
			return nil
		})
}

// levelAllows checks that s reviews at a level high enough for the case's
// scope (the scope of the version under review), as the security settings'
// case_review_levels say: by default a case for all government needs a
// provincial reviewer, one for the system a city one or higher.
func (m *Module) levelAllows(s *policies.Subject, rec *core.Record) *api.Error {
	if rec.GetString("author") == s.ID {
		return api.NewError(http.StatusForbidden, "own_case", "不能审核自己撰写的案例")
	}
	scope := rec.GetString("scope")
	if v, err := latest(m.app, rec.Id); err == nil {
		scope = v.GetString("scope")
	}
	need, ok := levelIndex[m.settings.Get(m.app).CaseReviewLevels[scope]]
	if !ok {
		return api.Forbidden()
	}
	for _, asg := range s.Assignments {
		if asg.Role != "reviewer" {
			continue
		}
		if !strings.HasPrefix(rec.GetString("unit_path"), asg.Unit.Path) {
			continue
		}
		u, err := m.app.FindRecordById("units", asg.Unit.ID)
		if err != nil {
			continue
		}
		if lv, ok := levelIndex[u.GetString("level")]; ok && lv <= need {
			return nil
		}
	}
	return api.NewError(http.StatusForbidden, "review_level", "此可见范围的案例须由"+levelNames[need]+"及以上单位的审核员审核")
}

// HandleApprove is POST /api/gov/cases/{id}/approve {comment}: a reviewer
// of the author's unit chain, at the level the scope needs, publishes the
// submitted version; readers see it from now on.
func (m *Module) HandleApprove(e *core.RequestEvent) error {
	body, err := reviewBody(e, false)
	if err != nil {
		return err
	}
	return m.transition(e, "review", "case.publish", []string{"submitted"},
		func(tx core.App, s *policies.Subject, rec, v *core.Record) error {
			if err := m.levelAllows(s, rec); err != nil {
				return err
			}
			c := contentOf(v)
			ents, err := m.openEntities(v)
			if err != nil {
				return err
			}
			if err := m.setContent(rec, c, v.GetString("body_html")); err != nil {
				return err
			}
			v.Set("status", "published")
			v.Set("reviewer", s.ID)
			v.Set("review_comment", body.Comment)
			v.Set("reviewed_at", now())
			rec.Set("status", "published")
			rec.Set("live", "published")
			rec.Set("published_version", v.GetInt("version"))
			rec.Set("published_at", now())
			if err := m.publishEntities(tx, rec.Id, ents); err != nil {
				return err
			}
			if err := publishTags(tx, rec.Id, c.Tags); err != nil {
				return err
			}
			if err := m.index(tx, rec); err != nil {
				return err
			}
			return m.announce(tx, s.ID, rec)
		})
}

// HandleReject is POST /api/gov/cases/{id}/reject {comment}: the reviewer
// returns the version to its author with a comment (required).
func (m *Module) HandleReject(e *core.RequestEvent) error {
	body, err := reviewBody(e, true)
	if err != nil {
		return err
	}
	return m.transition(e, "review", "case.return", []string{"submitted"},
		func(tx core.App, s *policies.Subject, rec, v *core.Record) error {
			if err := m.levelAllows(s, rec); err != nil {
				return err
			}
			v.Set("status", "returned")
			v.Set("reviewer", s.ID)
			v.Set("review_comment", body.Comment)
			v.Set("reviewed_at", now())
			rec.Set("status", "returned")
			return returned(tx, rec, body.Comment)
		})
}

type review struct {
	Comment string `json:"comment"`
}

func reviewBody(e *core.RequestEvent, required bool) (review, error) {
	var r review
	if e.Request.ContentLength != 0 {
		if err := api.DecodeJSON(e, &r); err != nil {
			return r, err
		}
	}
	r.Comment = strings.TrimSpace(r.Comment)
	if required && r.Comment == "" {
		return r, api.BadField("comment", "required", "退回时请写明修改意见")
	}
	if utf8.RuneCountInString(r.Comment) > 2000 {
		return r, api.BadField("comment", "too_long", "意见不能超过 2000 字")
	}
	return r, nil
}

// answer reloads the case and answers it as s sees it.
func (m *Module) answer(e *core.RequestEvent, s *policies.Subject, id string, status int) error {
	rec, err := e.App.FindRecordById(CasesTable, id)
	if err != nil {
		return err
	}
	out, err := m.caseFor(e.App, s, rec)
	if err != nil {
		return err
	}
	return e.JSON(status, out)
}

// refuseMarked refuses (400 naming the field) and audits input that carries
// a 密级 mark: this is an unclassified system. The audit row is written on
// its own, so the refusal is kept although nothing else is.
func (m *Module) refuseMarked(e *core.RequestEvent, in *Input) error {
	field, mark := in.markedField()
	if mark == "" {
		return nil
	}
	if _, err := m.audit.LogRequest(e, audit.Entry{Action: "case.refuse", Object: CasesTable, Result: audit.ResultDenied,
		Detail: "密级标志「" + mark + "」（" + field + "）"}); err != nil {
		return err
	}
	return api.BadField(field, "classified", "涉密内容（标有「"+mark+"」）不得录入本系统")
}

// HandleArchive is POST /api/gov/cases/{id}/archive: a reviewer of the
// case's unit chain retires a published case. It stays readable where it
// was (marked archived, its links keep working) but leaves search and the
// feed, takes no more comments or votes, and can no longer be edited.
func (m *Module) HandleArchive(e *core.RequestEvent) error {
	return m.transition(e, "archive", "case.archive", []string{"published", "draft", "returned", "withdrawn"},
		func(tx core.App, s *policies.Subject, rec, v *core.Record) error {
			if rec.GetString("live") != "published" {
				return api.Conflict("只有已发布的案例可以归档")
			}
			rec.Set("status", "archived")
			rec.Set("live", "archived")
			if err := publishTags(tx, rec.Id, nil); err != nil {
				return err
			}
			return m.unindex(tx, rec.Id)
		})
}
