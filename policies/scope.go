package policies

import (
	"fmt"
	"slices"
	"strings"
	"sync/atomic"

	"github.com/pocketbase/dbx"
)

// The scope table: each scope is both a predicate on one record (Can) and a
// SQL condition (Filter). The two halves sit side by side so that they are
// read, and changed, together; the property test holds them to each other.

func (a *Authorizer) scopeHolds(t *ObjectType, sc Scope, s *Subject, asg Assignment, o Object) bool {
	switch sc {
	case ScopeAll:
		return true
	case ScopeOwn:
		return o.GetString(t.Owner) == s.ID
	case ScopeUnit:
		return o.GetString(t.Unit) == asg.Unit.ID
	case ScopeSubtree:
		return strings.HasPrefix(o.GetString(t.UnitPath), asg.Unit.Path)
	case ScopeServed:
		return strings.HasPrefix(o.GetString(t.UnitPath), asg.Unit.ServedPath())
	case ScopeSystem:
		return asg.Unit.System != "" && o.GetString(t.System) == asg.Unit.System
	case ScopeAudience:
		if t.Reach != "" && reachHolds(t, asg, o) {
			return true
		}
		return t.Audience != nil && a.joined(t.Audience, o.GetString("id"), s.ID)
	case ScopeParticipant:
		return t.Participant != nil && a.joined(t.Participant, o.GetString("id"), s.ID)
	}
	return false
}

func reachHolds(t *ObjectType, asg Assignment, o Object) bool {
	switch o.GetString(t.Reach) {
	case ReachAll:
		return true
	case ReachSystem:
		return asg.Unit.System != "" && o.GetString(t.System) == asg.Unit.System
	case ReachUnit:
		return o.GetString(t.Unit) == asg.Unit.ID
	case ReachSubtree:
		return slices.Contains(Ancestors(asg.Unit.Path), o.GetString(t.UnitPath))
	}
	return false
}

func (a *Authorizer) joined(j *Join, objID, userID string) bool {
	var n int
	err := a.app.DB().NewQuery(fmt.Sprintf("SELECT COUNT(*) FROM [[%s]] WHERE [[%s]] = {:o} AND [[%s]] = {:u} LIMIT 1",
		j.Table, j.ObjectCol, j.UserCol)).Bind(dbx.Params{"o": objID, "u": userID}).Row(&n)
	return err == nil && n > 0
}

var paramSeq atomic.Uint64

// sqlBuilder collects a condition's text and its uniquely named parameters,
// so several Filters may share one query.
type sqlBuilder struct {
	params dbx.Params
}

func (b *sqlBuilder) p(v any) string {
	name := fmt.Sprintf("az%d", paramSeq.Add(1))
	b.params[name] = v
	return "{:" + name + "}"
}

func col(t *ObjectType, c string) string {
	return "[[" + t.Table + "." + c + "]]"
}

func (b *sqlBuilder) scopeSQL(t *ObjectType, sc Scope, s *Subject, asg Assignment) string {
	switch sc {
	case ScopeAll:
		return "1=1"
	case ScopeOwn:
		return col(t, t.Owner) + " = " + b.p(s.ID)
	case ScopeUnit:
		return col(t, t.Unit) + " = " + b.p(asg.Unit.ID)
	case ScopeSubtree:
		return "(" + col(t, t.UnitPath) + " >= " + b.p(asg.Unit.Path) + " AND " +
			col(t, t.UnitPath) + " < " + b.p(PathUpperBound(asg.Unit.Path)) + ")"
	case ScopeServed:
		p := asg.Unit.ServedPath()
		return "(" + col(t, t.UnitPath) + " >= " + b.p(p) + " AND " +
			col(t, t.UnitPath) + " < " + b.p(PathUpperBound(p)) + ")"
	case ScopeSystem:
		if asg.Unit.System == "" {
			return "0=1"
		}
		return col(t, t.System) + " = " + b.p(asg.Unit.System)
	case ScopeAudience:
		var parts []string
		if t.Reach != "" {
			parts = append(parts, b.reachSQL(t, asg))
		}
		if t.Audience != nil {
			parts = append(parts, b.joinSQL(t, t.Audience, s.ID))
		}
		return "(" + strings.Join(parts, " OR ") + ")"
	case ScopeParticipant:
		return b.joinSQL(t, t.Participant, s.ID)
	}
	return "0=1"
}

func (b *sqlBuilder) reachSQL(t *ObjectType, asg Assignment) string {
	r := col(t, t.Reach)
	parts := []string{r + " = 'all'"}
	if asg.Unit.System != "" {
		parts = append(parts, "("+r+" = 'system' AND "+col(t, t.System)+" = "+b.p(asg.Unit.System)+")")
	}
	parts = append(parts, "("+r+" = 'unit' AND "+col(t, t.Unit)+" = "+b.p(asg.Unit.ID)+")")
	var anc []string
	for _, p := range Ancestors(asg.Unit.Path) {
		anc = append(anc, b.p(p))
	}
	if len(anc) > 0 {
		parts = append(parts, "("+r+" = 'subtree' AND "+col(t, t.UnitPath)+" IN ("+strings.Join(anc, ", ")+"))")
	}
	return "(" + strings.Join(parts, " OR ") + ")"
}

func (b *sqlBuilder) joinSQL(t *ObjectType, j *Join, userID string) string {
	return fmt.Sprintf("EXISTS (SELECT 1 FROM [[%s]] [[aj]] WHERE [[aj.%s]] = %s AND [[aj.%s]] = %s)",
		j.Table, j.ObjectCol, col(t, "id"), j.UserCol, b.p(userID))
}

func (b *sqlBuilder) condSQL(t *ObjectType, c Cond) string {
	if c.Field == "" {
		return ""
	}
	vals := make([]string, len(c.Values))
	for i, v := range c.Values {
		vals[i] = b.p(v)
	}
	return col(t, c.Field) + " IN (" + strings.Join(vals, ", ") + ")"
}

// Filter returns the SQL condition, over the type's table, that holds for
// exactly the records Can allows the subject to act on. It never fails open:
// an unknown type or a subject without rows yields a condition that is false.
func (a *Authorizer) Filter(s *Subject, act, obj string) dbx.Expression {
	t, ok := a.types[obj]
	if !ok || s == nil {
		return dbx.NewExp("0=1")
	}
	b := &sqlBuilder{params: dbx.Params{}}
	var allows, denies []string
	seen := map[string]bool{}
	rules := a.policy.Load().rules // one policy for the whole answer, even mid-Apply
	for _, asg := range s.Assignments {
		for _, r := range rules[ruleKey{asg.Role, obj, act}] {
			// dedupe identical (scope, anchor, cond) before building text
			key := fmt.Sprint(r.Deny, r.Scope, asg.Unit.ID, r.Cond)
			if seen[key] {
				continue
			}
			seen[key] = true
			pred := b.scopeSQL(t, r.Scope, s, asg)
			if c := b.condSQL(t, r.Cond); c != "" {
				pred = "(" + pred + " AND " + c + ")"
			}
			if r.Deny {
				denies = append(denies, pred)
			} else {
				allows = append(allows, pred)
			}
		}
	}
	if len(allows) == 0 {
		return dbx.NewExp("0=1")
	}
	sql := "(" + strings.Join(allows, " OR ") + ")"
	if len(denies) > 0 {
		sql = "(" + sql + " AND NOT (" + strings.Join(denies, " OR ") + "))"
	}
	return dbx.NewExp(sql, b.params)
}
