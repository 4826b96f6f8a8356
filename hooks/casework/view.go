package casework

import (
	"encoding/json"
	"govcollab/hooks/api"

	"github.com/pocketbase/pocketbase/core"

	"govcollab/hooks/files"
	"govcollab/hooks/security"
	"govcollab/policies"
)

// Item is a case in lists.
type Item struct {
	ID          string   `json:"id"`
	Title       string   `json:"title"`
	Summary     string   `json:"summary"`
	Tags        []string `json:"tags"`
	Business    string   `json:"business"`
	Scope       string   `json:"scope"`
	Status      string   `json:"status"`
	Live        string   `json:"live"`
	Author      string   `json:"author"`
	AuthorName  string   `json:"author_name"`
	Unit        string   `json:"unit"`
	UnitName    string   `json:"unit_name"`
	System      string   `json:"system"`
	Version     int      `json:"version"`
	PublishedAt string   `json:"published_at"`
	Updated     string   `json:"updated"`
	Views       int      `json:"views"`
	Votes       int      `json:"votes"`
	Comments    int      `json:"comments"`
}

// Case is one case as GET /api/gov/cases/{id} shows it: the published face
// (before the first publication: the working copy its editors see), and
// for its editors the working copy as Draft.
type Case struct {
	Item
	Body             string       `json:"body"`
	BodyHTML         string       `json:"body_html"`
	PublishedVersion int          `json:"published_version"`
	Created          string       `json:"created"`
	Files            []files.Info `json:"files"`
	Entities         []Entity     `json:"entities"`
	Can              Actions      `json:"can"`
	Voted            bool         `json:"voted"`
	Bookmarked       bool         `json:"bookmarked"`
	Bookmarks        int          `json:"bookmarks"`
	Draft            *Draft       `json:"draft,omitempty"`
}

// Entity is a linked enterprise or person, the number masked unless the
// viewer may unmask it.
type Entity struct {
	Kind   string `json:"kind"`
	Number string `json:"number"`
	Name   string `json:"name"`
	Masked bool   `json:"masked"`
}

// Actions say what the viewer may do now (the UI shows these buttons).
type Actions struct {
	Update   bool `json:"update"`
	Delete   bool `json:"delete"`
	Submit   bool `json:"submit"`
	Withdraw bool `json:"withdraw"`
	Review   bool `json:"review"`
	Comment  bool `json:"comment"`
	Archive  bool `json:"archive"`
}

// Draft is the working copy (the newest version).
type Draft struct {
	Version       int          `json:"version"`
	Status        string       `json:"status"`
	Title         string       `json:"title"`
	Summary       string       `json:"summary"`
	Body          string       `json:"body"`
	BodyHTML      string       `json:"body_html"`
	Tags          []string     `json:"tags"`
	Business      string       `json:"business"`
	Scope         string       `json:"scope"`
	Files         []files.Info `json:"files"`
	Entities      []Entity     `json:"entities"`
	ReviewComment string       `json:"review_comment"`
	Reviewer      string       `json:"reviewer"`
	ReviewerName  string       `json:"reviewer_name"`
}

func itemOf(r *core.Record, nm *api.Names) Item {
	var tags []string
	_ = json.Unmarshal([]byte(r.GetString("tags")), &tags)
	return Item{
		ID: r.Id, Title: r.GetString("title"), Summary: r.GetString("summary"), Tags: nonNil(tags),
		Business: r.GetString("business"), Scope: r.GetString("scope"), Status: r.GetString("status"),
		Live: r.GetString("live"), Author: r.GetString("author"), AuthorName: nm.Of("users", r.GetString("author")),
		Unit: r.GetString("unit"), UnitName: nm.Of("units", r.GetString("unit")), System: r.GetString("system"),
		Version: r.GetInt("version"), PublishedAt: r.GetString("published_at"), Updated: r.GetString("updated"),
		Views: r.GetInt("views"), Votes: r.GetInt("votes"), Comments: r.GetInt("comments"),
	}
}

// listItem is the list renderer: readers who are not the case's editors
// see the reader-facing state, not where a new version stands in review.
func (m *Module) listItem(s *policies.Subject, r *core.Record, nm *api.Names) Item {
	it := itemOf(r, nm)
	if it.Live != "" && !m.editor(s, r) {
		it.Status = it.Live
	}
	return it
}

// entitiesFor shows entities to s, masked unless s may unmask numbers of
// this case.
func (m *Module) entitiesFor(s *policies.Subject, r *core.Record, ents []EntityInput) []Entity {
	unmask, _ := m.app.Authz.Can(s, "unmask", r)
	out := make([]Entity, 0, len(ents))
	for _, e := range ents {
		en := Entity{Kind: e.Kind, Number: e.Number, Name: e.Name}
		if !unmask {
			en.Masked = true
			if e.Kind == "person" {
				en.Number = security.MaskIDNumber(e.Number)
			} else {
				en.Number = security.MaskCreditCode(e.Number)
			}
		}
		out = append(out, en)
	}
	return out
}
