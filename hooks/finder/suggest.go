package finder

import (
	"errors"
	"net/http"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"govcollab/hooks/api"
	"govcollab/hooks/search"
	"govcollab/policies"
)

// recentKept is how many of a person's searches are kept.
const recentKept = 10

// Suggestion is one line under the search box while typing.
type Suggestion struct {
	Kind  string        `json:"kind"` // title | tag
	Type  string        `json:"type,omitempty"`
	Text  string        `json:"text"`
	Spans []search.Span `json:"spans"`
	Link  string        `json:"link,omitempty"` // a title opens its page; a tag searches
}

// HandleSuggest is GET /api/gov/search/suggest?q=: titles (and case tags)
// the caller may see that match what they have typed so far, best first.
func (f *Finder) HandleSuggest(e *core.RequestEvent) error {
	s, err := f.app.Subject(e)
	if err != nil {
		return err
	}
	text := strings.TrimSpace(e.Request.URL.Query().Get("q"))
	out := struct {
		Items []Suggestion `json:"items"`
	}{Items: []Suggestion{}}
	if len(search.QueryTokens(text)) == 0 {
		return e.JSON(http.StatusOK, out) // nothing typed yet: nothing to suggest
	}
	parts, bySource, err := f.parts(e.App, s, &filters{})
	if err != nil {
		return err
	}
	if len(parts) == 0 {
		return api.Forbidden()
	}
	res, err := search.Unified(e.App, text, nil, parts, 1, 20, false)
	if errors.Is(err, search.ErrEmptyQuery) {
		return e.JSON(http.StatusOK, out)
	}
	if err != nil {
		return err
	}
	recs, err := f.records(e.App, bySource, res.Hits)
	if err != nil {
		return err
	}
	var tags []string
	for _, h := range res.Hits {
		r, ok := recs[h.DocType+"/"+h.ID]
		if !ok {
			continue
		}
		src := bySource[h.DocType]
		title, _ := src.Text(e.App, r)
		if spans := search.Highlight(title, text); hasHit(spans) && len(out.Items) < 8 {
			out.Items = append(out.Items, Suggestion{Kind: "title", Type: src.Type, Text: title, Spans: spans, Link: "#/" + src.Link + r.Id})
		}
		if src.Tags != nil {
			for _, t := range src.Tags(r) {
				if !slices.Contains(tags, t) && hasHit(search.Highlight(t, text)) {
					tags = append(tags, t)
				}
			}
		}
	}
	for _, t := range tags[:min(len(tags), 4)] {
		out.Items = append(out.Items, Suggestion{Kind: "tag", Text: t, Spans: search.Highlight(t, text)})
	}
	return e.JSON(http.StatusOK, out)
}

func hasHit(spans []search.Span) bool {
	return slices.ContainsFunc(spans, func(s search.Span) bool { return s.Hit })
}

// remember keeps q among the person's last searches (the oldest beyond
// recentKept go).
func remember(app core.App, user, q string) error {
	q = strings.TrimSpace(q)
	if q == "" || utf8.RuneCountInString(q) > 100 {
		return nil
	}
	return app.RunInTransaction(func(tx core.App) error {
		p := dbx.Params{"u": user, "q": q, "at": time.Now().UTC().Format(time.RFC3339Nano), "keep": recentKept}
		if _, err := tx.DB().NewQuery(`INSERT INTO search_recent (user, q, at) VALUES ({:u}, {:q}, {:at})
			ON CONFLICT (user, q) DO UPDATE SET at = excluded.at`).Bind(p).Execute(); err != nil {
			return err
		}
		_, err := tx.DB().NewQuery(`DELETE FROM search_recent WHERE user = {:u} AND q NOT IN
			(SELECT q FROM search_recent WHERE user = {:u} ORDER BY at DESC LIMIT {:keep})`).Bind(p).Execute()
		return err
	})
}

// HandleRecent is GET /api/gov/search/recent: the caller's last searches,
// newest first.
func (f *Finder) HandleRecent(e *core.RequestEvent) error {
	if e.Auth == nil {
		return api.Unauthenticated(e)
	}
	items := []string{}
	if err := e.App.DB().Select("q").From("search_recent").Where(dbx.HashExp{"user": e.Auth.Id}).
		OrderBy("at DESC").Limit(recentKept).Column(&items); err != nil {
		return err
	}
	return e.JSON(http.StatusOK, map[string]any{"items": items})
}

// HandleClearRecent is DELETE /api/gov/search/recent: forgets them.
func (f *Finder) HandleClearRecent(e *core.RequestEvent) error {
	if e.Auth == nil {
		return api.Unauthenticated(e)
	}
	if _, err := e.App.DB().Delete("search_recent", dbx.HashExp{"user": e.Auth.Id}).Execute(); err != nil {
		return err
	}
	return e.NoContent(http.StatusNoContent)
}

// parts are the caller's searchable types under the filters.
func (f *Finder) parts(app core.App, s *policies.Subject, fl *filters) ([]search.Part, map[string]search.Source, error) {
	var parts []search.Part
	bySource := map[string]search.Source{}
	for _, src := range f.sources {
		p, ok, err := src.Part(app, s, fl.conds(src))
		if err != nil {
			return nil, nil, err
		}
		if ok {
			bySource[src.Type] = src
			parts = append(parts, p)
		}
	}
	return parts, bySource, nil
}
