package casework

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"govcollab/hooks/api"
	"govcollab/hooks/notify"
	"govcollab/migrations"
	"govcollab/policies"
)

// FollowsTable is who follows what.
const FollowsTable = "follows"

const maxFollows = 200

// Follow is one followed tag, unit, system or author.
type Follow struct {
	ID     string `json:"id"`
	Kind   string `json:"kind"`
	Target string `json:"target"`
	Label  string `json:"label"` // the unit's or author's name; the tag or system itself
}

// HandleFollows is GET /api/gov/follows: what the user follows.
func (m *Module) HandleFollows(e *core.RequestEvent) error {
	s, err := m.app.Require(e, "read", "case")
	if err != nil {
		return err
	}
	recs, err := e.App.FindRecordsByFilter(FollowsTable, "user = {:u}", "kind,created", 0, 0, dbx.Params{"u": s.ID})
	if err != nil {
		return err
	}
	nm := api.NewNames(e.App)
	out := []Follow{}
	for _, r := range recs {
		out = append(out, followOf(r, nm))
	}
	return e.JSON(http.StatusOK, map[string]any{"items": out})
}

func followOf(r *core.Record, nm *api.Names) Follow {
	f := Follow{ID: r.Id, Kind: r.GetString("kind"), Target: r.GetString("target"), Label: r.GetString("target")}
	switch f.Kind {
	case "unit":
		f.Label = nm.Of("units", f.Target)
	case "author":
		f.Label = nm.Of("users", f.Target)
	}
	return f
}

// HandleFollow is POST /api/gov/follows {kind, target}: follow a tag, a
// unit (id), a system (code) or an author (user id); following twice is
// the same follow.
func (m *Module) HandleFollow(e *core.RequestEvent) error {
	s, err := m.app.Require(e, "read", "case")
	if err != nil {
		return err
	}
	var in struct {
		Kind   string `json:"kind"`
		Target string `json:"target"`
	}
	if err := api.DecodeJSON(e, &in); err != nil {
		return err
	}
	in.Target = strings.TrimSpace(in.Target)
	if !slices.Contains(migrations.FollowKinds, in.Kind) {
		return api.BadField("kind", "invalid", "关注类型应为 tag、unit、system 或 author")
	}
	if in.Target == "" || utf8.RuneCountInString(in.Target) > 40 {
		return api.BadField("target", "invalid", "请指定要关注的对象")
	}
	if verr := m.followTargetExists(e.App, in.Kind, in.Target); verr != nil {
		return verr
	}
	var n int
	_ = e.App.DB().Select("COUNT(*)").From(FollowsTable).Where(dbx.HashExp{"user": s.ID}).Row(&n)
	if n >= maxFollows {
		return api.BadField("target", "too_many", "关注数量已达上限")
	}
	rec, err := e.App.FindFirstRecordByFilter(FollowsTable, "user = {:u} && kind = {:k} && target = {:t}",
		dbx.Params{"u": s.ID, "k": in.Kind, "t": in.Target})
	if err != nil {
		col, err := e.App.FindCachedCollectionByNameOrId(FollowsTable)
		if err != nil {
			return err
		}
		rec = core.NewRecord(col)
		rec.Load(map[string]any{"user": s.ID, "kind": in.Kind, "target": in.Target})
		if err := e.App.Save(rec); err != nil {
			return err
		}
	}
	return e.JSON(http.StatusOK, followOf(rec, api.NewNames(e.App)))
}

func (m *Module) followTargetExists(app core.App, kind, target string) *api.Error {
	var table, field string
	switch kind {
	case "unit":
		table, field = "units", "id"
	case "author":
		table, field = "users", "id"
	case "system":
		table, field = "units", "system"
	default:
		return nil
	}
	if _, err := app.FindFirstRecordByData(table, field, target); err != nil {
		return api.BadField("target", "not_found", "要关注的对象不存在")
	}
	return nil
}

// HandleUnfollow is DELETE /api/gov/follows/{id}.
func (m *Module) HandleUnfollow(e *core.RequestEvent) error {
	s, err := m.app.Subject(e)
	if err != nil {
		return err
	}
	rec, err := e.App.FindRecordById(FollowsTable, e.Request.PathValue("id"))
	if err != nil || rec.GetString("user") != s.ID {
		return api.NotFound()
	}
	if err := e.App.Delete(rec); err != nil {
		return err
	}
	return e.NoContent(http.StatusNoContent)
}

// followedExpr is the SQL condition "a case the user follows": its unit,
// system, author or one of its tags. Nothing followed: every case.
func followedExpr(app core.App, user string) dbx.Expression {
	recs, err := app.FindRecordsByFilter(FollowsTable, "user = {:u}", "", 0, 0, dbx.Params{"u": user})
	if err != nil || len(recs) == 0 {
		return nil
	}
	var ors []dbx.Expression
	for i, r := range recs {
		t := r.GetString("target")
		switch r.GetString("kind") {
		case "unit":
			ors = append(ors, dbx.HashExp{"unit": t})
		case "system":
			ors = append(ors, dbx.HashExp{"system": t})
		case "author":
			ors = append(ors, dbx.HashExp{"author": t})
		case "tag":
			p := "ft" + itoa(i)
			ors = append(ors, dbx.NewExp("EXISTS (SELECT 1 FROM case_tags ct WHERE ct.tag = {:"+p+"} AND ct.case_id = cases.id)", dbx.Params{p: t}))
		}
	}
	return dbx.Or(ors...)
}

func itoa(i int) string {
	b, _ := json.Marshal(i)
	return string(b)
}

// HandleFeed is GET /api/gov/feed: newly published cases the user may read,
// from what they follow (everything when they follow nothing), newest
// first; ?since=YYYY-MM-DD for the weekly digest. A feed is read page by
// page, so no total is counted unless ?total=1.
func (m *Module) HandleFeed(e *core.RequestEvent) error {
	if e.Auth == nil {
		return api.Unauthenticated(e)
	}
	if q := e.Request.URL.Query(); q.Get("total") != "1" && q.Get("skipTotal") == "" {
		q.Set("skipTotal", "1")
		e.Request.URL.RawQuery = q.Encode()
	}
	spec := listSpec
	spec.DefaultSort = "-published_at"
	where := []dbx.Expression{dbx.HashExp{"live": "published"}}
	if f := followedExpr(e.App, e.Auth.Id); f != nil {
		where = append(where, f)
	}
	if since := e.Request.URL.Query().Get("since"); since != "" {
		q := e.Request.URL.Query()
		q.Set("from", since)
		e.Request.URL.RawQuery = q.Encode()
	}
	spec.Where = dbx.And(where...)
	nm := api.NewNames(e.App)
	return api.List(m.app, e, spec, func(s *policies.Subject, r *core.Record) Item { return m.listItem(s, r, nm) })
}

// announce tells, inside the publishing transaction, the author that the
// case is published and every follower of its tags, unit, system or author
// who may read it that something they follow is out.
func (m *Module) announce(tx core.App, reviewer string, rec *core.Record) error {
	title := rec.GetString("title")
	link := "#/cases/" + rec.Id
	if err := notify.Send(tx, []string{rec.GetString("author")}, notify.Note{Kind: "case.published",
		Title: "您的案例已审核通过并发布", Body: title, Link: link}); err != nil {
		return err
	}
	var tags []string
	_ = json.Unmarshal([]byte(rec.GetString("tags")), &tags)
	conds := []dbx.Expression{
		dbx.HashExp{"kind": "unit", "target": rec.GetString("unit")},
		dbx.HashExp{"kind": "author", "target": rec.GetString("author")},
	}
	if sys := rec.GetString("system"); sys != "" {
		conds = append(conds, dbx.HashExp{"kind": "system", "target": sys})
	}
	for _, t := range tags {
		conds = append(conds, dbx.HashExp{"kind": "tag", "target": t})
	}
	var users []string
	if err := tx.DB().Select("user").Distinct(true).From(FollowsTable).Where(dbx.Or(conds...)).Column(&users); err != nil {
		return err
	}
	var to []string
	for _, u := range users {
		if u == rec.GetString("author") || u == reviewer {
			continue
		}
		s, err := m.app.Authz.Subject(u)
		if err != nil {
			continue
		}
		if ok, _ := m.app.Authz.Can(s, "read", rec); ok {
			to = append(to, u)
		}
	}
	return notify.Send(tx, to, notify.Note{Kind: "case.followed", Title: "您关注的内容有新案例发布", Body: title, Link: link})
}

// returned tells the author their case came back with the reviewer's
// comment.
func returned(tx core.App, rec *core.Record, comment string) error {
	return notify.Send(tx, []string{rec.GetString("author")}, notify.Note{Kind: "case.returned",
		Title: "您的案例被退回修改：" + rec.GetString("title"), Body: comment, Link: "#/cases/" + rec.Id})
}
