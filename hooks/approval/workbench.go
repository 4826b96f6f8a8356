package approval

import (
	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"

	"govcollab/hooks/api"
	"govcollab/policies"
)

// Waiting are the documents waiting for s (their pending tasks), the
// soonest deadline first (those without one last), at most limit.
func (m *Module) Waiting(app core.App, s *policies.Subject, limit int) ([]Item, error) {
	var recs []*core.Record
	err := app.RecordQuery(DocsTable).
		InnerJoin("doc_tasks wt", dbx.NewExp("wt.doc = docs.id AND wt.user = {:me} AND wt.status = 'pending'", dbx.Params{"me": s.ID})).
		Where(m.app.Authz.Filter(s, "read", "doc")).
		GroupBy("docs.id").
		OrderBy("(MIN(CASE WHEN wt.deadline = '' THEN '9999' ELSE wt.deadline END)) ASC", "docs.created DESC").
		Limit(int64(limit)).All(&recs)
	if err != nil {
		return nil, err
	}
	return m.items(app, s, recs)
}

// UnitOverdue is one unit's overdue pending tasks.
type UnitOverdue struct {
	Unit    string `json:"unit"`
	Name    string `json:"name"`
	Overdue int    `json:"overdue"`
}

// OverdueByUnit are, for one who oversees documents (a leader: the
// documents of their subtree they may read), the overdue pending tasks of
// those documents, by the unit of the task, most first (at most limit).
func (m *Module) OverdueByUnit(app core.App, s *policies.Subject, limit int) ([]UnitOverdue, error) {
	params := dbx.Params{"now": types.NowDateTime().String(), "lim": limit}
	filter := m.sql(m.app.Authz.Filter(s, "read", "doc"), params)
	var rows []UnitOverdue
	err := app.DB().NewQuery(`SELECT t.unit AS unit, COUNT(*) AS overdue FROM doc_tasks t JOIN docs ON docs.id = t.doc
		WHERE t.status = 'pending' AND t.deadline != '' AND t.deadline < {:now} AND t.unit != '' AND ` + filter + `
		GROUP BY t.unit ORDER BY overdue DESC, t.unit LIMIT {:lim}`).Bind(params).All(&rows)
	if err != nil {
		return nil, err
	}
	nm := api.NewNames(app)
	for i := range rows {
		rows[i].Name = nm.Of("units", rows[i].Unit)
	}
	return rows, nil
}
