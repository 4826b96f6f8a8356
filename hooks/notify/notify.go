// Package notify owns the per-user notifications every module writes (a
// case published, a review decided, a mention, later notices and document
// steps). Clients read them through our routes and receive them live by
// subscribing to the notifications collection, whose rule shows each user
// only their own.
package notify

import (
	"encoding/json"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/subscriptions"
	"github.com/pocketbase/pocketbase/tools/types"

	"govcollab/hooks/api"
)

// Table is the collection this package owns.
const Table = "notifications"

// Note is one notification to send.
type Note struct {
	Kind  string // e.g. case.published, case.returned, case.mention, case.followed
	Title string
	Body  string
	Link  string // a UI hash route, e.g. #/cases/abc
}

// Send writes n for each user (once per user), inside the caller's
// transaction when tx is one, so a notification exists only if the change
// it announces does.
func Send(tx core.App, users []string, n Note) error {
	col, err := tx.FindCachedCollectionByNameOrId(Table)
	if err != nil {
		return err
	}
	seen := map[string]bool{}
	for _, u := range users {
		if u == "" || seen[u] {
			continue
		}
		seen[u] = true
		r := core.NewRecord(col)
		r.Load(map[string]any{"user": u, "kind": n.Kind, "title": clip(n.Title, 300), "body": clip(n.Body, 1000), "link": n.Link})
		if err := tx.Save(r); err != nil {
			return err
		}
	}
	return nil
}

func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n-1]) + "…"
}

// Item is a notification as the API shows it.
type Item struct {
	ID      string `json:"id"`
	Kind    string `json:"kind"`
	Title   string `json:"title"`
	Body    string `json:"body"`
	Link    string `json:"link"`
	Read    bool   `json:"read"`
	Created string `json:"created"`
}

// Module serves the routes.
type Module struct{ app *api.App }

// New wires the routes' handlers.
func New(app *api.App) *Module { return &Module{app: app} }

// HandleList is GET /api/gov/notifications: the user's own, newest first,
// with the unread count (?unread=1 for unread only).
func (m *Module) HandleList(e *core.RequestEvent) error {
	s, err := m.app.Subject(e)
	if err != nil {
		return err
	}
	q := e.Request.URL.Query()
	page, perPage, err := api.Paging(q, 100)
	if err != nil {
		return err
	}
	where := dbx.HashExp{"user": s.ID}
	var cond dbx.Expression = where
	if q.Get("unread") == "1" {
		cond = dbx.And(where, dbx.NewExp("read_at = ''"))
	}
	var total, unread int
	if err := e.App.DB().Select("COUNT(*)").From(Table).Where(cond).Row(&total); err != nil {
		return err
	}
	if err := e.App.DB().Select("COUNT(*)").From(Table).Where(dbx.And(where, dbx.NewExp("read_at = ''"))).Row(&unread); err != nil {
		return err
	}
	var recs []*core.Record
	if err := e.App.RecordQuery(Table).Where(cond).OrderBy("created DESC").
		Limit(int64(perPage)).Offset(int64((page - 1) * perPage)).All(&recs); err != nil {
		return err
	}
	items := make([]Item, 0, len(recs))
	for _, r := range recs {
		items = append(items, Item{ID: r.Id, Kind: r.GetString("kind"), Title: r.GetString("title"), Body: r.GetString("body"),
			Link: r.GetString("link"), Read: !r.GetDateTime("read_at").IsZero(), Created: r.GetString("created")})
	}
	return e.JSON(http.StatusOK, map[string]any{"page": page, "perPage": perPage, "totalItems": total,
		"totalPages": (total + perPage - 1) / perPage, "unread": unread, "items": items})
}

// HandleRead is POST /api/gov/notifications/read {ids: [...]} or {all:
// true}: marks the user's own notifications read.
func (m *Module) HandleRead(e *core.RequestEvent) error {
	s, err := m.app.Subject(e)
	if err != nil {
		return err
	}
	var in struct {
		IDs []string `json:"ids"`
		All bool     `json:"all"`
	}
	if err := api.DecodeJSON(e, &in); err != nil {
		return err
	}
	if !in.All && len(in.IDs) == 0 {
		return api.BadField("ids", "required", "请指定要标记为已读的通知")
	}
	if len(in.IDs) > 500 {
		return api.BadField("ids", "too_many", "一次最多 500 条")
	}
	conds := []dbx.Expression{dbx.HashExp{"user": s.ID}, dbx.NewExp("read_at = ''")}
	if !in.All {
		ids := make([]any, len(in.IDs))
		for i, id := range in.IDs {
			ids[i] = strings.TrimSpace(id)
		}
		conds = append(conds, dbx.In("id", ids...))
	}
	res, err := e.App.DB().Update(Table, dbx.Params{"read_at": types.NowDateTime().String()}, dbx.And(conds...)).Execute()
	if err != nil {
		return err
	}
	n, _ := res.RowsAffected()
	return e.JSON(http.StatusOK, map[string]int64{"marked": n})
}

// SendSelect writes n to every user id the query users selects (one column
// named id, distinct ids), in one statement inside the caller's
// transaction: the way to reach a notice's hundred thousand recipients.
// With an idPrefix ([a-z0-9], used once per prefix), the rows' ids are the
// prefix and a counter, written in order rather than at random places of
// the primary key. PocketBase does not see these rows being written, so the
// caller pushes them to live clients with Push once the transaction has
// committed. It returns the rows written.
func SendSelect(tx core.App, users string, params dbx.Params, n Note, idPrefix ...string) (int64, error) {
	p := dbx.Params{"nkind": n.Kind, "ntitle": clip(n.Title, 300), "nbody": clip(n.Body, 1000), "nlink": n.Link,
		"nnow": types.NowDateTime().String()}
	for k, v := range params {
		p[k] = v
	}
	id := "substr(lower(hex(randomblob(8))), 1, 15)"
	if len(idPrefix) > 0 && idPrefix[0] != "" {
		p["nprefix"] = idPrefix[0]
		id = "{:nprefix} || printf('%07d', row_number() OVER ())"
	}
	res, err := tx.DB().NewQuery(`INSERT INTO notifications (id, user, kind, title, body, link, read_at, created)
		SELECT ` + id + `, u.id, {:nkind}, {:ntitle}, {:nbody}, {:nlink}, '', {:nnow}
		FROM (` + users + `) AS u`).Bind(p).Execute()
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// Push sends live clients the notifications about link written at or after
// since (SendSelect's rows), as PocketBase's realtime create events of the
// notifications collection: only to each row's own user, only on the
// topics that user subscribed to.
func Push(app core.App, since types.DateTime, link string) {
	col, err := app.FindCachedCollectionByNameOrId(Table)
	if err != nil {
		return
	}
	// the collection's wildcard topics, by name or id, with or without the
	// client's options (the bare names are PocketBase's older form); "?"
	// ends the topic as in PocketBase's own broadcast
	prefixes := []string{Table + "/*?", col.Id + "/*?", Table + "?", col.Id + "?"}
	topics := func(c subscriptions.Client) []string {
		var out []string
		for sub := range c.Subscriptions(prefixes...) {
			out = append(out, sub)
		}
		return out
	}
	byUser := map[string][]subscriptions.Client{}
	for _, c := range app.SubscriptionsBroker().Clients() {
		auth, _ := c.Get(apis.RealtimeClientAuthKey).(*core.Record)
		if auth != nil && !c.IsDiscarded() && len(topics(c)) > 0 {
			byUser[auth.Id] = append(byUser[auth.Id], c)
		}
	}
	if len(byUser) == 0 {
		return
	}
	ids := make([]any, 0, len(byUser))
	for id := range byUser {
		ids = append(ids, id)
	}
	var recs []*core.Record
	err = app.RecordQuery(Table).Where(dbx.And(dbx.In("user", ids...), dbx.HashExp{"link": link},
		dbx.NewExp("created >= {:since}", dbx.Params{"since": since.String()}))).All(&recs)
	if err != nil {
		return
	}
	for _, r := range recs {
		data, err := json.Marshal(map[string]any{"action": "create", "record": r})
		if err != nil {
			continue
		}
		for _, c := range byUser[r.GetString("user")] {
			for _, t := range topics(c) {
				c.Send(subscriptions.Message{Name: t, Data: data})
			}
		}
	}
}
