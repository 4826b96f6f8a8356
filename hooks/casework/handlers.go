package casework

import (
	"govcollab/hooks/markdown"
	"net/http"
	"slices"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"govcollab/hooks/api"
	"govcollab/hooks/files"
	"govcollab/policies"
)

var listSpec = api.ListSpec{
	Object: "case",
	Sort: map[string]string{"published_at": "published_at", "updated": "updated", "created": "created",
		"views": "views", "votes": "votes", "title": "title"},
	DefaultSort: "-updated",
	Filters: []api.FilterParam{
		{Name: "live", Kind: api.FilterIn, Columns: []string{"live"}},
		{Name: "scope", Kind: api.FilterIn, Columns: []string{"scope"}},
		{Name: "business", Kind: api.FilterEq, Columns: []string{"business"}},
		{Name: "unit", Kind: api.FilterEq, Columns: []string{"unit"}},
		{Name: "system", Kind: api.FilterEq, Columns: []string{"system"}},
		{Name: "author", Kind: api.FilterEq, Columns: []string{"author"}},
		{Name: "tag", Kind: api.FilterContains, Columns: []string{"tags"}},
		{Name: "from", Kind: api.FilterFrom, Columns: []string{"published_at"}},
		{Name: "to", Kind: api.FilterTo, Columns: []string{"published_at"}},
	},
}

// HandleList is GET /api/gov/cases: the cases the user may read, with
// filters; ?mine=1 only the user's own, ?queue=1 the review queue (cases
// submitted to the user as reviewer), ?q= full-text search of published
// cases.
func (m *Module) HandleList(e *core.RequestEvent) error {
	spec := listSpec
	q := e.Request.URL.Query()
	if text := q.Get("q"); text != "" {
		return m.handleSearch(e, text)
	}
	// where a new version stands in review is the editors' business: the
	// status filter is only for one's own cases and the review queue
	withStatus := func() {
		spec.Filters = append(slices.Clone(spec.Filters), api.FilterParam{Name: "status", Kind: api.FilterIn, Columns: []string{"status"}})
	}
	switch {
	case q.Get("queue") == "1":
		s, err := m.app.Require(e, "review", "case")
		if err != nil {
			return err
		}
		spec.Action = "review"
		spec.Where = dbx.And(dbx.HashExp{"status": "submitted"}, dbx.Not(dbx.HashExp{"author": s.ID}),
			dbx.In("scope", m.reviewableScopes(s)...))
		spec.DefaultSort = "updated"
		withStatus()
	case q.Get("mine") == "1":
		if e.Auth == nil {
			return api.Unauthenticated(e)
		}
		spec.Where = dbx.HashExp{"author": e.Auth.Id}
		withStatus()
	case q.Get("bookmarked") == "1":
		if e.Auth == nil {
			return api.Unauthenticated(e)
		}
		spec.Where = dbx.NewExp("id IN (SELECT case_id FROM case_bookmarks WHERE user = {:bu})", dbx.Params{"bu": e.Auth.Id})
	}
	nm := api.NewNames(e.App)
	return api.List(m.app, e, spec, func(s *policies.Subject, r *core.Record) Item { return m.listItem(s, r, nm) })
}

// HandleView is GET /api/gov/cases/{id}: the published face for readers
// (each reader's view counted), plus the working copy for its editors.
func (m *Module) HandleView(e *core.RequestEvent) error {
	s, rec, err := api.View(m.app, e, "case", "read", e.Request.PathValue("id"))
	if err != nil {
		return err
	}
	if rec.GetString("author") != s.ID && rec.GetString("live") == "published" {
		if _, err := e.App.DB().NewQuery("UPDATE cases SET views = views + 1 WHERE id = {:id}").
			Bind(dbx.Params{"id": rec.Id}).Execute(); err == nil {
			rec.Set("views", rec.GetInt("views")+1)
		}
	}
	out, err := m.caseFor(e.App, s, rec)
	if err != nil {
		return err
	}
	return e.JSON(http.StatusOK, out)
}

// caseFor builds the answer about rec for s.
func (m *Module) caseFor(app core.App, s *policies.Subject, rec *core.Record) (*Case, error) {
	nm := api.NewNames(app)
	out := &Case{Item: m.listItem(s, rec, nm), Body: rec.GetString("body"), BodyHTML: rec.GetString("body_html"),
		PublishedVersion: rec.GetInt("published_version"), Created: rec.GetString("created"),
		Files: []files.Info{}, Entities: []Entity{}}
	all, err := m.files.List(app, "case", rec.Id)
	if err != nil {
		return nil, err
	}
	if pv := rec.GetInt("published_version"); pv > 0 {
		v, err := versionNo(app, rec.Id, pv)
		if err != nil {
			return nil, err
		}
		out.Files = pick(all, contentOf(v).Files)
		ents, err := m.openEntities(v)
		if err != nil {
			return nil, err
		}
		out.Entities = m.entitiesFor(s, rec, ents)
	}
	out.Can = m.actions(s, rec)
	out.Voted, out.Bookmarked, out.Bookmarks = marks(app, rec.Id, s.ID)
	if m.editor(s, rec) {
		v, err := latest(app, rec.Id)
		if err != nil {
			return nil, err
		}
		c := contentOf(v)
		ents, err := m.openEntities(v)
		if err != nil {
			return nil, err
		}
		out.Draft = &Draft{Version: v.GetInt("version"), Status: v.GetString("status"), Title: c.Title,
			Summary: c.Summary, Body: c.Body, BodyHTML: v.GetString("body_html"), Tags: nonNil(c.Tags),
			Business: c.Business, Scope: c.Scope, Files: pick(all, c.Files), Entities: m.entitiesFor(s, rec, ents),
			ReviewComment: v.GetString("review_comment"), Reviewer: v.GetString("reviewer"),
			ReviewerName: nm.Of("users", v.GetString("reviewer"))}
	}
	return out, nil
}

// pick keeps the files of ids, in that order.
func pick(all []files.Info, ids []string) []files.Info {
	out := []files.Info{}
	for _, id := range ids {
		for _, f := range all {
			if f.ID == id {
				out = append(out, f)
			}
		}
	}
	return out
}

// actions are the buttons s gets on rec now.
func (m *Module) actions(s *policies.Subject, rec *core.Record) Actions {
	can := func(act string) bool { ok, _ := m.app.Authz.Can(s, act, rec); return ok }
	st := rec.GetString("status")
	update := can("update")
	return Actions{
		Update:   update && st != "submitted" && st != "archived",
		Delete:   can("delete") && rec.GetString("live") == "" && st != "submitted",
		Submit:   update && slices.Contains([]string{"draft", "returned", "withdrawn"}, st),
		Withdraw: update && (st == "submitted" || st == "published"),
		Review:   can("review") && st == "submitted" && m.levelAllows(s, rec) == nil,
		Comment:  can("comment"),
		Archive:  can("archive") && rec.GetString("author") != s.ID && st != "submitted",
	}
}

// HandlePreview is POST /api/gov/cases/preview {body}: the editor's
// preview, rendered and sanitized exactly as a saved body is.
func (m *Module) HandlePreview(e *core.RequestEvent) error {
	if _, err := m.app.Require(e, "create", "case"); err != nil {
		return err
	}
	var in struct {
		Body string `json:"body"`
	}
	if err := api.DecodeJSON(e, &in); err != nil {
		return err
	}
	if len(in.Body) > markdown.MaxBodyBytes {
		return api.BadField("body", "too_long", "正文过长")
	}
	html, err := renderBody(in.Body)
	if err != nil {
		return err
	}
	return e.JSON(http.StatusOK, map[string]string{"body_html": html})
}

// reviewableScopes are the case scopes s may review at the level of some
// unit where s holds the reviewer role (the security settings'
// case_review_levels); approving checks the precise unit chain again.
func (m *Module) reviewableScopes(s *policies.Subject) []any {
	levels := m.settings.Get(m.app).CaseReviewLevels
	var out []any
	for _, asg := range s.Assignments {
		if asg.Role != "reviewer" {
			continue
		}
		u, err := m.app.FindRecordById("units", asg.Unit.ID)
		if err != nil {
			continue
		}
		lv, ok := levelIndex[u.GetString("level")]
		if !ok {
			continue
		}
		for scope, need := range levels {
			if n, ok := levelIndex[need]; ok && lv <= n && !slices.Contains(out, any(scope)) {
				out = append(out, scope)
			}
		}
	}
	if out == nil {
		out = []any{""}
	}
	return out
}
