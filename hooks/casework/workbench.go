package casework

import (
	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"govcollab/hooks/api"
	"govcollab/policies"
)

// Feed is the newest published cases s may read from what s follows
// (everything, when s follows nothing), at most limit; followed tells
// which of the two it is.
func (m *Module) Feed(app core.App, s *policies.Subject, limit int) (items []Item, followed bool, err error) {
	where := []dbx.Expression{dbx.HashExp{"cases.live": "published"}, m.app.Authz.Filter(s, "read", "case")}
	if f := followedExpr(app, s.ID); f != nil {
		where, followed = append(where, f), true
	}
	var recs []*core.Record
	if err := app.RecordQuery(CasesTable).Where(dbx.And(where...)).OrderBy("cases.published_at DESC").
		Limit(int64(limit)).All(&recs); err != nil {
		return nil, false, err
	}
	nm := api.NewNames(app)
	items = make([]Item, 0, len(recs))
	for _, r := range recs {
		items = append(items, m.listItem(s, r, nm))
	}
	return items, followed, nil
}
