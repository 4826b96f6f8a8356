package notices

import (
	"fmt"
	"net/http"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"govcollab/hooks/api"
	"govcollab/hooks/audience"
	"govcollab/policies"
)

// Who a notice is for is an audience.Audience (shared with training).
type (
	Audience = audience.Audience
	UnitSel  = audience.UnitSel
	unitRow  = audience.Unit
)

var (
	subtreeOf = audience.SubtreeOf
	hasRole   = audience.HasRole
	findUnit  = audience.FindUnit
	anySlice  = audience.AnySlice
)

func dbxEq(col string, v any) dbx.Expression { return dbx.HashExp{col: v} }

// check validates a against the data and the publisher's right to notify
// every unit it reaches (policy: publish on notice_target).
func (m *Module) check(app core.App, s *policies.Subject, a Audience) (*Audience, error) {
	return audience.Check(app, m.app.Authz.Filter(s, "publish", "notice_target"), a)
}

// where picks the audience of a; excludeRoot leaves out anyone already
// holding a receipt of that notice chain (a forwarded copy reaches only
// new people).
func (m *Module) where(app core.App, a *Audience, excludeRoot string) (dbx.Expression, error) {
	w, err := audience.Where(app, a)
	if err != nil || excludeRoot == "" {
		return w, err
	}
	k := audience.Param()
	return dbx.And(w, dbx.NewExp(fmt.Sprintf("NOT EXISTS (SELECT 1 FROM notice_receipts x WHERE x.root = {:%s} AND x.user = users.id)", k),
		dbx.Params{k: excludeRoot})), nil
}

// HandlePreview is POST /api/gov/notices/preview {audience}: the same
// checks as publishing (a 400 names what is out of reach), then the count
// and the units, before anything is sent.
func (m *Module) HandlePreview(e *core.RequestEvent) error {
	s, err := m.app.Require(e, "create", "notice")
	if err != nil {
		return err
	}
	var in struct {
		Audience Audience `json:"audience"`
	}
	if err := api.DecodeJSON(e, &in); err != nil {
		return err
	}
	aud, err := m.check(e.App, s, in.Audience)
	if err != nil {
		return err
	}
	where, err := m.where(e.App, aud, "")
	if err != nil {
		return err
	}
	out, err := audience.Count(e.App, where)
	if err != nil {
		return err
	}
	return e.JSON(http.StatusOK, out)
}
