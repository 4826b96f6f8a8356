package notices

import (
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"

	"govcollab/hooks/api"
	"govcollab/policies"
)

// Waiting are the notices waiting for s: those to confirm (the soonest
// deadline first), then the unread (newest first), at most limit.
func (m *Module) Waiting(app core.App, s *policies.Subject, limit int) ([]Item, error) {
	// driven from the person's receipts (their index), not by testing
	// every notice
	params := dbx.Params{"me": s.ID, "lim": limit}
	cond := m.sql(m.app.Authz.Filter(s, "read", "notice"), params)
	var ids []string
	err := app.DB().NewQuery(`SELECT notices.id FROM notice_receipts wr CROSS JOIN notices ON notices.id = wr.notice
		WHERE wr.user = {:me} AND ((notices.must_confirm AND wr.confirmed_at = '') OR wr.read_at = '')
			AND notices.status = 'published' AND ` + cond + `
		ORDER BY (notices.must_confirm AND wr.confirmed_at = '') DESC,
			(CASE WHEN notices.must_confirm AND wr.confirmed_at = '' AND notices.deadline != '' THEN notices.deadline ELSE '9999' END) ASC,
			notices.published_at DESC
		LIMIT {:lim}`).Bind(params).Column(&ids)
	if err != nil {
		return nil, err
	}
	found, err := app.FindRecordsByIds(NoticesTable, ids)
	if err != nil {
		return nil, err
	}
	byID := map[string]*core.Record{}
	for _, r := range found {
		byID[r.Id] = r
	}
	recs := make([]*core.Record, 0, len(ids))
	for _, id := range ids {
		if r, ok := byID[id]; ok {
			recs = append(recs, r)
		}
	}
	return m.items(app, s, recs)
}

// ReadRate is how far a notice has been read and confirmed.
type ReadRate struct {
	ID          string `json:"id"`
	Title       string `json:"title"`
	UnitName    string `json:"unit_name"`
	PublishedAt string `json:"published_at"`
	MustConfirm bool   `json:"must_confirm"`
	Recipients  int    `json:"recipients"`
	Read        int    `json:"read"`
	Confirmed   int    `json:"confirmed"`
}

// ReadRates are, for the notices s tracks (a leader: their subtree's)
// published in the last 30 days, the newest limit with their read and
// confirm counts (copies forwarded on included).
func (m *Module) ReadRates(app core.App, s *policies.Subject, limit int) ([]ReadRate, error) {
	since, _ := types.ParseDateTime(m.now().Add(-30 * 24 * time.Hour))
	var recs []*core.Record
	err := app.RecordQuery(NoticesTable).
		Where(dbx.And(dbx.HashExp{"notices.status": "published"}, dbx.NewExp("notices.parent = ''"),
			dbx.NewExp("notices.published_at >= {:since}", dbx.Params{"since": since.String()}), m.app.Authz.Filter(s, "track", "notice"))).
		OrderBy("notices.published_at DESC").Limit(int64(limit)).All(&recs)
	if err != nil {
		return nil, err
	}
	nm := api.NewNames(app)
	out := make([]ReadRate, 0, len(recs))
	for _, r := range recs {
		rr := ReadRate{ID: r.Id, Title: r.GetString("title"), UnitName: nm.Of("units", r.GetString("unit")),
			PublishedAt: r.GetString("published_at"), MustConfirm: r.GetBool("must_confirm")}
		err := app.DB().Select("COUNT(*)", "COALESCE(SUM(read_at != ''), 0)", "COALESCE(SUM(confirmed_at != ''), 0)").
			From(ReceiptsTable).Where(subtreeOf("notice_receipts.chain", r.GetString("chain"))).
			Row(&rr.Recipients, &rr.Read, &rr.Confirmed)
		if err != nil {
			return nil, err
		}
		out = append(out, rr)
	}
	return out, nil
}
