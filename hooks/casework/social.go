package casework

import (
	"govcollab/hooks/markdown"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"govcollab/hooks/api"
	"govcollab/hooks/notify"
	"govcollab/policies"
)

// Tables of discussion around cases.
const (
	CommentsTable  = "case_comments"
	VotesTable     = "case_votes"
	BookmarksTable = "case_bookmarks"
)

const maxCommentRunes = 5000

// Comment is one comment as the API shows it.
type Comment struct {
	ID         string `json:"id"`
	Author     string `json:"author"`
	AuthorName string `json:"author_name"`
	UnitName   string `json:"unit_name"`
	Body       string `json:"body"`
	BodyHTML   string `json:"body_html"`
	Created    string `json:"created"`
	Mine       bool   `json:"mine"`
}

// HandleComments is GET /api/gov/cases/{id}/comments: oldest first.
func (m *Module) HandleComments(e *core.RequestEvent) error {
	s, rec, err := api.View(m.app, e, "case", "read", e.Request.PathValue("id"))
	if err != nil {
		return err
	}
	page, perPage, err := api.Paging(e.Request.URL.Query(), 100)
	if err != nil {
		return err
	}
	where := dbx.HashExp{"case_id": rec.Id}
	var total int
	if err := e.App.DB().Select("COUNT(*)").From(CommentsTable).Where(where).Row(&total); err != nil {
		return err
	}
	var recs []*core.Record
	if err := e.App.RecordQuery(CommentsTable).Where(where).OrderBy("created ASC").
		Limit(int64(perPage)).Offset(int64((page - 1) * perPage)).All(&recs); err != nil {
		return err
	}
	nm := api.NewNames(e.App)
	out := api.Page[Comment]{Page: page, PerPage: perPage, TotalItems: total, TotalPages: (total + perPage - 1) / perPage, Items: []Comment{}}
	for _, r := range recs {
		out.Items = append(out.Items, commentOf(r, s, nm))
	}
	return e.JSON(http.StatusOK, out)
}

func commentOf(r *core.Record, s *policies.Subject, nm *api.Names) Comment {
	author := r.GetString("author")
	unit := nm.Of("units", nm.Field("users", author, "unit"))
	return Comment{ID: r.Id, Author: author, AuthorName: nm.Of("users", author), UnitName: unit,
		Body: r.GetString("body"), BodyHTML: r.GetString("body_html"), Created: r.GetString("created"), Mine: author == s.ID}
}

// HandleComment is POST /api/gov/cases/{id}/comments {body}: Markdown,
// sanitized; @username mentions notify those mentioned who may read the
// case (and nobody else: a mention never shows a case to someone who may
// not see it).
func (m *Module) HandleComment(e *core.RequestEvent) error {
	s, rec, err := api.View(m.app, e, "case", "comment", e.Request.PathValue("id"))
	if err != nil {
		return err
	}
	var in struct {
		Body string `json:"body"`
	}
	if err := api.DecodeJSON(e, &in); err != nil {
		return err
	}
	in.Body = strings.TrimSpace(in.Body)
	switch {
	case in.Body == "":
		return api.BadField("body", "required", "请填写评论内容")
	case utf8.RuneCountInString(in.Body) > maxCommentRunes:
		return api.BadField("body", "too_long", "评论不能超过 5000 字")
	}
	html, err := markdown.RenderComment(in.Body)
	if err != nil {
		return err
	}
	var c *core.Record
	_, err = m.app.ApplyAs(e, "case.comment", func(tx core.App, ch *api.Change) error {
		col, err := tx.FindCachedCollectionByNameOrId(CommentsTable)
		if err != nil {
			return err
		}
		c = core.NewRecord(col)
		c.Load(map[string]any{"case_id": rec.Id, "author": s.ID, "body": in.Body, "body_html": html})
		if err := tx.Save(c); err != nil {
			return err
		}
		if err := recount(tx, rec.Id, CommentsTable, "comments"); err != nil {
			return err
		}
		ch.Object = CasesTable + "/" + rec.Id
		ch.After = map[string]any{"comment": c.Id}
		return m.notifyMentions(tx, s, rec, in.Body)
	})
	if err != nil {
		return err
	}
	return e.JSON(http.StatusOK, commentOf(c, s, api.NewNames(e.App)))
}

func (m *Module) notifyMentions(tx core.App, s *policies.Subject, rec *core.Record, body string) error {
	var to []string
	for _, name := range markdown.Mentions(body) {
		u, err := tx.FindFirstRecordByFilter("users", "username = {:u} && active = true", dbx.Params{"u": name})
		if err != nil || u.Id == s.ID {
			continue
		}
		reader, err := m.app.Authz.Subject(u.Id)
		if err != nil {
			continue
		}
		if ok, _ := m.app.Authz.Can(reader, "read", rec); ok {
			to = append(to, u.Id)
		}
	}
	if len(to) == 0 {
		return nil
	}
	who := api.NewNames(tx).Of("users", s.ID)
	return notify.Send(tx, to, notify.Note{Kind: "case.mention", Title: who + " 在案例评论中提到了您",
		Body: rec.GetString("title"), Link: "#/cases/" + rec.Id})
}

// HandleDeleteComment is DELETE /api/gov/cases/{id}/comments/{cid}: one's
// own comment.
func (m *Module) HandleDeleteComment(e *core.RequestEvent) error {
	s, rec, err := api.View(m.app, e, "case", "read", e.Request.PathValue("id"))
	if err != nil {
		return err
	}
	c, err := e.App.FindRecordById(CommentsTable, e.Request.PathValue("cid"))
	if err != nil || c.GetString("case_id") != rec.Id || c.GetString("author") != s.ID {
		return api.NotFound()
	}
	_, err = m.app.ApplyAs(e, "case.comment_delete", func(tx core.App, ch *api.Change) error {
		ch.Object = CasesTable + "/" + rec.Id
		ch.Before = map[string]any{"comment": c.Id}
		if err := tx.Delete(c); err != nil {
			return err
		}
		return recount(tx, rec.Id, CommentsTable, "comments")
	})
	if err != nil {
		return err
	}
	return e.NoContent(http.StatusNoContent)
}

// recount sets a counter column of the case from its rows.
func recount(tx core.App, caseID, table, column string) error {
	_, err := tx.DB().NewQuery("UPDATE cases SET [[" + column + "]] = (SELECT COUNT(*) FROM [[" + table + "]] WHERE case_id = {:c}) WHERE id = {:c}").
		Bind(dbx.Params{"c": caseID}).Execute()
	return err
}

// toggle adds or removes the user's row in a vote/bookmark table.
func (m *Module) toggle(e *core.RequestEvent, table, counter string, on bool) error {
	s, rec, err := api.View(m.app, e, "case", "read", e.Request.PathValue("id"))
	if err != nil {
		return err
	}
	if rec.GetString("live") != "published" {
		return api.Conflict("案例尚未发布")
	}
	err = e.App.RunInTransaction(func(tx core.App) error {
		existing, _ := tx.FindFirstRecordByFilter(table, "case_id = {:c} && user = {:u}", dbx.Params{"c": rec.Id, "u": s.ID})
		switch {
		case on && existing == nil:
			col, err := tx.FindCachedCollectionByNameOrId(table)
			if err != nil {
				return err
			}
			r := core.NewRecord(col)
			r.Load(map[string]any{"case_id": rec.Id, "user": s.ID})
			if err := tx.Save(r); err != nil {
				// a double click: the other request stored it (unique index)
				if again, _ := tx.FindFirstRecordByFilter(table, "case_id = {:c} && user = {:u}", dbx.Params{"c": rec.Id, "u": s.ID}); again == nil {
					return err
				}
			}
		case !on && existing != nil:
			if err := tx.Delete(existing); err != nil {
				return err
			}
		}
		if counter == "" {
			return nil
		}
		return recount(tx, rec.Id, table, counter)
	})
	if err != nil {
		return err
	}
	var n int
	_ = e.App.DB().Select("COUNT(*)").From(table).Where(dbx.HashExp{"case_id": rec.Id}).Row(&n)
	return e.JSON(http.StatusOK, map[string]any{"on": on, "count": n})
}

// HandleVote and HandleUnvote are POST/DELETE /api/gov/cases/{id}/vote
// (有用): one per user.
func (m *Module) HandleVote(e *core.RequestEvent) error {
	return m.toggle(e, VotesTable, "votes", true)
}
func (m *Module) HandleUnvote(e *core.RequestEvent) error {
	return m.toggle(e, VotesTable, "votes", false)
}

// HandleBookmark and HandleUnbookmark are POST/DELETE
// /api/gov/cases/{id}/bookmark (收藏).
func (m *Module) HandleBookmark(e *core.RequestEvent) error {
	return m.toggle(e, BookmarksTable, "", true)
}
func (m *Module) HandleUnbookmark(e *core.RequestEvent) error {
	return m.toggle(e, BookmarksTable, "", false)
}

// marks says whether user voted for and bookmarked a case, and how many
// bookmarked it, in one query.
func marks(app core.App, caseID, user string) (voted, bookmarked bool, bookmarks int) {
	var row struct {
		Voted      int `db:"voted"`
		Bookmarked int `db:"bookmarked"`
		Bookmarks  int `db:"bookmarks"`
	}
	_ = app.DB().NewQuery("SELECT " +
		"EXISTS (SELECT 1 FROM case_votes WHERE case_id = {:c} AND user = {:u}) AS voted, " +
		"EXISTS (SELECT 1 FROM case_bookmarks WHERE case_id = {:c} AND user = {:u}) AS bookmarked, " +
		"(SELECT COUNT(*) FROM case_bookmarks WHERE case_id = {:c}) AS bookmarks").
		Bind(dbx.Params{"c": caseID, "u": user}).One(&row)
	return row.Voted == 1, row.Bookmarked == 1, row.Bookmarks
}
