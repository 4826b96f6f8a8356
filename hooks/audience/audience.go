// Package audience resolves who something is for — a notice, a course —
// from one definition: units (with or without their subtrees), narrowed by
// levels, systems and roles, plus named people, minus exclusions. It
// validates a definition against the publisher's right (a policy Filter
// over units) and turns it into one SQL condition over users joined with
// their units, so that receipts or enrolments are written by a single
// INSERT … SELECT whatever the audience's size.
package audience

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"govcollab/hooks/api"
	"govcollab/hooks/org"
	"govcollab/policies"
)

// UnitSel picks a unit, with or without the units below it. A bare id in
// JSON picks the unit alone.
type UnitSel struct {
	ID      string `json:"id"`
	Subtree bool   `json:"subtree"`
}

// UnmarshalJSON accepts {id, subtree} or a bare id.
func (u *UnitSel) UnmarshalJSON(b []byte) error {
	if b = bytes.TrimSpace(b); len(b) > 0 && b[0] == '"' {
		u.Subtree = false
		return json.Unmarshal(b, &u.ID)
	}
	type plain UnitSel
	return json.Unmarshal(b, (*plain)(u))
}

// Audience is who a notice or course is for (API.md). The unit picks, narrowed by
// levels, systems and roles when given, plus named users, minus the
// exclusions. Without unit picks the narrowing applies to every unit the
// publisher may notify. Only active accounts receive notices, and never the
// three separated administrators (they hold no business content). Roles are
// the roles people hold at their own unit.
type Audience struct {
	Units        []UnitSel `json:"units"`
	Levels       []string  `json:"levels"`
	Systems      []string  `json:"systems"`
	Roles        []string  `json:"roles"`
	Users        []string  `json:"users"`
	ExcludeUnits []UnitSel `json:"exclude_units"`
	ExcludeUsers []string  `json:"exclude_users"`
}

// Limits of one audience definition.
const (
	MaxUnits = 500
	MaxUsers = 5000
)

var (
	// Levels and Roles an audience may name.
	Levels = []string{"province", "city", "county", "township"}
	Roles  = []string{"staff", "leader", "reviewer", "clerk", "trainer", "hr"}
)

// Empty reports whether a picks nobody at all.
func (a *Audience) Empty() bool {
	return len(a.Units) == 0 && len(a.Levels) == 0 && len(a.Systems) == 0 && len(a.Roles) == 0 && len(a.Users) == 0
}

// Unit is a unit as the audience code reads it.
type Unit struct {
	ID     string `db:"id"`
	Name   string `db:"name"`
	Path   string `db:"path"`
	Level  string `db:"level"`
	System string `db:"system"`
	Active bool   `db:"active"`
}

// Check validates a against the data and the publisher's right over every
// unit it reaches (right: the policy's condition over units the publisher
// may address), and returns it normalized: without unit picks, the units
// the publisher may address are written in, so the stored definition says
// exactly whom it meant (later joiners are matched against it). A 400
// names the field (audience.*); nothing is changed.
func Check(app core.App, right dbx.Expression, a Audience) (*Audience, error) {
	if a.Empty() {
		return nil, api.BadField("audience", "required", "请选择通知对象：单位、层级、条线、角色或人员")
	}
	if len(a.Units)+len(a.ExcludeUnits) > MaxUnits {
		return nil, api.BadField("audience.units", "too_many", fmt.Sprintf("单位最多选择 %d 个", MaxUnits))
	}
	if len(a.Users)+len(a.ExcludeUsers) > MaxUsers {
		return nil, api.BadField("audience.users", "too_many", fmt.Sprintf("人员最多选择 %d 个", MaxUsers))
	}
	for _, l := range a.Levels {
		if !slices.Contains(Levels, l) {
			return nil, api.BadField("audience.levels", "invalid", "未知层级："+l)
		}
	}
	for _, r := range a.Roles {
		if !slices.Contains(Roles, r) {
			return nil, api.BadField("audience.roles", "invalid", "未知角色："+r)
		}
	}
	if len(a.Systems) > 0 {
		var known []string
		if err := app.DB().NewQuery("SELECT DISTINCT system FROM units WHERE system != ''").Column(&known); err != nil {
			return nil, err
		}
		for _, sys := range a.Systems {
			if !slices.Contains(known, sys) {
				return nil, api.BadField("audience.systems", "invalid", "未知条线："+sys)
			}
		}
	}
	out := a
	out.Units = nil
	for _, sel := range DedupeSel(a.Units) {
		u, err := FindUnit(app, sel.ID)
		if err != nil || !u.Active {
			return nil, api.BadField("audience.units", "unknown_unit", "单位不存在或已停用："+sel.ID)
		}
		if name, err := outOfReach(app, right, u, sel.Subtree); err != nil {
			return nil, err
		} else if name != "" {
			return nil, api.BadField("audience.units", "out_of_reach", "无权向「"+name+"」发布通知：超出本单位管辖范围")
		}
		out.Units = append(out.Units, sel)
	}
	for _, sel := range DedupeSel(a.ExcludeUnits) {
		if _, err := FindUnit(app, sel.ID); err != nil {
			return nil, api.BadField("audience.exclude_units", "unknown_unit", "单位不存在："+sel.ID)
		}
	}
	out.ExcludeUnits = DedupeSel(a.ExcludeUnits)
	if len(a.Users) > 0 {
		users := Dedupe(a.Users)
		var rows []struct {
			ID   string `db:"id"`
			Name string `db:"name"`
		}
		base := dbx.And(dbx.In("users.id", AnySlice(users)...), dbx.HashExp{"users.active": true})
		q := func(w dbx.Expression) *dbx.SelectQuery {
			return app.DB().Select("users.id", "users.name").From("users").
				InnerJoin("units", dbx.NewExp("units.id = users.unit")).Where(w)
		}
		if err := q(base).All(&rows); err != nil {
			return nil, err
		}
		var reach []string
		if err := q(dbx.And(base, right)).Column(&reach); err != nil {
			return nil, err
		}
		found := map[string]bool{}
		for _, r := range rows {
			found[r.ID] = true
			if !slices.Contains(reach, r.ID) {
				return nil, api.BadField("audience.users", "out_of_reach", "无权向「"+r.Name+"」发布通知：超出本单位管辖范围")
			}
		}
		for _, id := range users {
			if !found[id] {
				return nil, api.BadField("audience.users", "unknown_user", "人员不存在或已停用："+id)
			}
		}
		out.Users = users
	}
	out.ExcludeUsers = Dedupe(a.ExcludeUsers)
	if len(out.Units) == 0 && (len(a.Levels) > 0 || len(a.Systems) > 0 || len(a.Roles) > 0) {
		tops, err := reachTops(app, right)
		if err != nil {
			return nil, err
		}
		if len(tops) == 0 {
			return nil, api.BadField("audience", "out_of_reach", "您没有可发布通知的单位")
		}
		out.Units = tops
	}
	return &out, nil
}

// outOfReach names the first unit of u (and its subtree, when asked) the
// publisher may not notify; "" when all are in reach.
func outOfReach(app core.App, right dbx.Expression, u *Unit, subtree bool) (string, error) {
	where := dbx.And(dbx.HashExp{"units.id": u.ID}, dbx.Not(right))
	if subtree {
		where = dbx.And(SubtreeOf("units.path", u.Path), dbx.Not(right))
	}
	var names []string
	err := app.DB().Select("units.name").From("units").Where(where).OrderBy("units.path").Limit(1).Column(&names)
	if err != nil || len(names) == 0 {
		return "", err
	}
	return names[0], nil
}

// reachTops are the highest units the publisher may notify: each with its
// subtree when the right covers all of it, else alone.
func reachTops(app core.App, right dbx.Expression) ([]UnitSel, error) {
	var rows []Unit
	if err := app.DB().Select("units.id", "units.path").From("units").Where(right).OrderBy("units.path").All(&rows); err != nil {
		return nil, err
	}
	var out []UnitSel
	for i := 0; i < len(rows); {
		top := rows[i]
		j := i + 1
		for j < len(rows) && strings.HasPrefix(rows[j].Path, top.Path) {
			j++
		}
		var all int
		if err := app.DB().Select("COUNT(*)").From("units").Where(SubtreeOf("units.path", top.Path)).Row(&all); err != nil {
			return nil, err
		}
		if all == j-i {
			out = append(out, UnitSel{ID: top.ID, Subtree: true})
			i = j
			continue
		}
		out = append(out, UnitSel{ID: top.ID})
		i++
	}
	return out, nil
}

// Where is the SQL condition, over users joined with their units, that
// picks the audience of a: active people, never one of 三员.
func Where(app core.App, a *Audience) (dbx.Expression, error) {
	conds := []dbx.Expression{dbx.HashExp{"users.active": true}, org.NotAdmin()}
	var picks []dbx.Expression
	if len(a.Units) > 0 || len(a.Levels) > 0 || len(a.Systems) > 0 || len(a.Roles) > 0 {
		var group []dbx.Expression
		if len(a.Units) > 0 {
			r, err := rangesOf(app, a.Units)
			if err != nil {
				return nil, err
			}
			group = append(group, r)
		}
		if len(a.Levels) > 0 {
			group = append(group, dbx.In("units.level", AnySlice(a.Levels)...))
		}
		if len(a.Systems) > 0 {
			group = append(group, dbx.In("units.system", AnySlice(a.Systems)...))
		}
		if len(a.Roles) > 0 {
			group = append(group, HasRole(a.Roles))
		}
		picks = append(picks, dbx.And(group...))
	}
	if len(a.Users) > 0 {
		picks = append(picks, dbx.In("users.id", AnySlice(a.Users)...))
	}
	if len(picks) == 0 {
		return dbx.NewExp("0=1"), nil
	}
	conds = append(conds, dbx.Or(picks...))
	if len(a.ExcludeUnits) > 0 {
		r, err := rangesOf(app, a.ExcludeUnits)
		if err != nil {
			return nil, err
		}
		conds = append(conds, dbx.Not(r))
	}
	if len(a.ExcludeUsers) > 0 {
		conds = append(conds, dbx.NotIn("users.id", AnySlice(a.ExcludeUsers)...))
	}
	return dbx.And(conds...), nil
}

// rangesOf is the condition "the user's unit is one of sels" with each
// unit's current path (a unit moved since keeps its place in the audience).
func rangesOf(app core.App, sels []UnitSel) (dbx.Expression, error) {
	var parts []dbx.Expression
	var ids []any
	for _, sel := range sels {
		if !sel.Subtree {
			ids = append(ids, sel.ID)
			continue
		}
		u, err := FindUnit(app, sel.ID)
		if err != nil {
			continue // a unit since deleted reaches nobody
		}
		parts = append(parts, SubtreeOf("units.path", u.Path))
	}
	if len(ids) > 0 {
		parts = append(parts, dbx.In("units.id", ids...))
	}
	if len(parts) == 0 {
		return dbx.NewExp("0=1"), nil
	}
	return dbx.Or(parts...), nil
}

var paramSeq atomic.Uint64

// Param names a query parameter uniquely, so conditions combine freely.
func Param() string { return fmt.Sprintf("au%d", paramSeq.Add(1)) }

// SubtreeOf: col (a unit path) lies in the subtree at path.
func SubtreeOf(col, path string) dbx.Expression {
	lo, hi := Param(), Param()
	return dbx.NewExp(fmt.Sprintf("(%s >= {:%s} AND %s < {:%s})", col, lo, col, hi),
		dbx.Params{lo: path, hi: policies.PathUpperBound(path)})
}

// HasRole: the user holds one of roles at home (see org.NotAdmin for LIKE).
func HasRole(roles []string) dbx.Expression {
	var parts []string
	params := dbx.Params{}
	for _, r := range roles {
		k := Param()
		parts = append(parts, "users.roles LIKE {:"+k+"}")
		params[k] = `%"` + r + `"%`
	}
	return dbx.NewExp("("+strings.Join(parts, " OR ")+")", params)
}

// FindUnit reads one unit.
func FindUnit(app core.App, id string) (*Unit, error) {
	var u Unit
	err := app.DB().Select("id", "name", "path", "level", "system", "active").From("units").
		Where(dbx.HashExp{"id": id}).One(&u)
	if err != nil {
		return nil, err
	}
	return &u, nil
}

// Dedupe trims ids and drops empty and repeated ones, keeping order.
func Dedupe(ids []string) []string {
	var out []string
	for _, id := range ids {
		if id = strings.TrimSpace(id); id != "" && !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	return out
}

// DedupeSel merges picks of the same unit (subtree wins).
func DedupeSel(sels []UnitSel) []UnitSel {
	var out []UnitSel
	for _, s := range sels {
		s.ID = strings.TrimSpace(s.ID)
		if s.ID == "" {
			continue
		}
		if i := slices.IndexFunc(out, func(o UnitSel) bool { return o.ID == s.ID }); i >= 0 {
			out[i].Subtree = out[i].Subtree || s.Subtree
			continue
		}
		out = append(out, s)
	}
	return out
}

// AnySlice is v as arguments of dbx.In.
func AnySlice(v []string) []any {
	out := make([]any, len(v))
	for i, s := range v {
		out[i] = s
	}
	return out
}

// Preview is how many people an audience reaches, and where.
type Preview struct {
	Total     int           `json:"total"`
	Units     []PreviewUnit `json:"units"`
	Truncated bool          `json:"truncated"` // more units than listed
}

// PreviewUnit is one unit of a preview.
type PreviewUnit struct {
	Unit  string `json:"unit"`
	Name  string `json:"name"`
	Level string `json:"level"`
	Count int    `json:"count"`
}

// PreviewUnits is how many units a preview lists.
const PreviewUnits = 200

// Count previews the people where picks (a condition from Where), per unit.
func Count(app core.App, where dbx.Expression) (Preview, error) {
	out := Preview{Units: []PreviewUnit{}}
	var rows []struct {
		Unit  string `db:"unit"`
		Name  string `db:"name"`
		Level string `db:"level"`
		Count int    `db:"n"`
	}
	err := app.DB().Select("units.id AS unit", "units.name", "units.level", "COUNT(*) AS n").From("users").
		InnerJoin("units", dbx.NewExp("units.id = users.unit")).Where(where).
		GroupBy("units.id").OrderBy("units.path").All(&rows)
	if err != nil {
		return out, err
	}
	for i, r := range rows {
		out.Total += r.Count
		if i < PreviewUnits {
			out.Units = append(out.Units, PreviewUnit(r))
		}
	}
	out.Truncated = len(rows) > PreviewUnits
	return out, nil
}
