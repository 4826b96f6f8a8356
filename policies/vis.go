package policies

import (
	"encoding/hex"
	"slices"
	"strings"
)

// Visibility tokens: the third form of the scope table, beside Can and
// Filter. A record's VisTokens are words naming the values the policy looks
// at (its owner, unit, unit path and each ancestor of it, system, reach and
// condition fields); MatchFilter is an FTS5 boolean expression over those
// words that holds for exactly the records Filter lets through. A search
// index that stores the tokens with the text then answers "matches and may
// be seen" inside the full-text index, without visiting every matching row
// (hooks/search). Scopes that need a join (audience lists, participants)
// have no token form: MatchFilter says so and the caller uses Filter.

// visAny is in every record's tokens (the form of "true"); visNone is in
// none ("false").
const (
	visAny  = "zany"
	visNone = "znone"
)

// Token prefixes: one per fact, so a value of one field never matches a
// word about another. Values are hex-encoded: any text becomes one ASCII
// word that the FTS5 ascii tokenizer keeps whole.
const (
	visOwner    = "zo"
	visUnit     = "zu"
	visPath     = "zx" // the record's own unit path (reach: subtree)
	visAncestor = "za" // each ancestor of the record's unit path, itself included (scope: subtree, served)
	visSystem   = "zs"
	visReach    = "zr"
	visReachTo  = "zq" // reach and the value it reaches by, in one word (fewer, shorter doclists to merge than reach AND value)
	visCond     = "zc"
)

func visReachWord(reach, value string) string {
	return visReachTo + hex.EncodeToString([]byte(reach)) + "x" + hex.EncodeToString([]byte(value))
}

func visWord(prefix, value string) string { return prefix + hex.EncodeToString([]byte(value)) }

func visCondWord(field, value string) string {
	return visCond + hex.EncodeToString([]byte(field)) + "x" + hex.EncodeToString([]byte(value))
}

// VisFields are the columns of obj's table that its visibility tokens are
// made of: when one of them changes, the record's tokens must be stored
// again.
func (a *Authorizer) VisFields(obj string) []string {
	t, ok := a.types[obj]
	if !ok {
		return nil
	}
	var out []string
	for _, c := range []string{t.Owner, t.Unit, t.UnitPath, t.System, t.Reach} {
		if c != "" {
			out = append(out, c)
		}
	}
	for _, c := range t.CondFields {
		if !slices.Contains(out, c) {
			out = append(out, c)
		}
	}
	return out
}

// VisTokens are the visibility words of record o of type obj (nil for an
// unknown type).
func (a *Authorizer) VisTokens(obj string, o Object) []string {
	t, ok := a.types[obj]
	if !ok {
		return nil
	}
	out := []string{visAny}
	if t.Owner != "" {
		out = append(out, visWord(visOwner, o.GetString(t.Owner)))
	}
	if t.Unit != "" {
		out = append(out, visWord(visUnit, o.GetString(t.Unit)))
	}
	if t.UnitPath != "" {
		p := o.GetString(t.UnitPath)
		out = append(out, visWord(visPath, p))
		for _, anc := range Ancestors(p) { // itself included: paths end in '/'
			out = append(out, visWord(visAncestor, anc))
		}
	}
	if t.System != "" {
		out = append(out, visWord(visSystem, o.GetString(t.System)))
	}
	if t.Reach != "" {
		switch reach := o.GetString(t.Reach); reach {
		case ReachSystem:
			out = append(out, visReachWord(reach, o.GetString(t.System)))
		case ReachUnit:
			out = append(out, visReachWord(reach, o.GetString(t.Unit)))
		case ReachSubtree:
			out = append(out, visReachWord(reach, o.GetString(t.UnitPath)))
		default:
			out = append(out, visWord(visReach, reach))
		}
	}
	for _, f := range t.CondFields {
		out = append(out, visCondWord(f, o.GetString(f)))
	}
	return out
}

// wellFormedPath: "/seg/…/seg/". Only for such anchors does "has the
// anchor as a prefix" (the token form) equal the SQL range [P, bound).
func wellFormedPath(p string) bool {
	if len(p) < 3 || p[0] != '/' || p[len(p)-1] != '/' {
		return false
	}
	return !strings.Contains(p, "//")
}

// MatchFilter is the FTS5 expression over VisTokens that holds for exactly
// the records Filter(s, act, obj) lets through; ok is false when a rule
// that applies has no token form (a join scope, an odd anchor path), and
// the caller must use Filter. known are facts of every record the
// expression will be matched against (an index that holds only published
// cases: live=published, one value each): a rule's condition on such a
// field is decided here, not matched word by word.
func (a *Authorizer) MatchFilter(s *Subject, act, obj string, known ...Cond) (expr string, ok bool) {
	t, isType := a.types[obj]
	if !isType || s == nil {
		return visNone, true
	}
	var allows, denies []string
	seen := map[string]bool{}
	rules := a.policy.Load().rules
	for _, asg := range s.Assignments {
		for _, r := range rules[ruleKey{asg.Role, obj, act}] {
			pred, ok := visScope(t, r.Scope, s, asg)
			if !ok {
				return "", false
			}
			if i := slices.IndexFunc(known, func(k Cond) bool { return k.Field == r.Cond.Field }); i >= 0 && len(known[i].Values) == 1 {
				if !slices.Contains(r.Cond.Values, known[i].Values[0]) {
					continue // the rule holds for no record here
				}
			} else if r.Cond.Field != "" {
				words := make([]string, len(r.Cond.Values))
				for i, v := range r.Cond.Values {
					words[i] = visCondWord(r.Cond.Field, v)
				}
				pred = "(" + pred + " AND " + visOr(words) + ")"
			}
			if seen[pred] {
				continue
			}
			seen[pred] = true
			if r.Deny {
				denies = append(denies, pred)
			} else {
				allows = append(allows, pred)
			}
		}
	}
	if len(allows) == 0 {
		return visNone, true
	}
	expr = visOr(allows)
	if len(denies) > 0 {
		expr = "(" + expr + " NOT " + visOr(denies) + ")"
	}
	return expr, true
}

// MatchCond is the token form of "field IN values" on obj's records; ok is
// false when field is not one of the type's condition fields (not in the
// tokens).
func (a *Authorizer) MatchCond(obj, field string, values ...string) (string, bool) {
	t, known := a.types[obj]
	if !known || !slices.Contains(t.CondFields, field) {
		return "", false
	}
	if len(values) == 0 {
		return visNone, true
	}
	words := make([]string, len(values))
	for i, v := range values {
		words[i] = visCondWord(field, v)
	}
	return visOr(words), true
}

func visOr(parts []string) string {
	if len(parts) == 1 {
		return parts[0]
	}
	return "(" + strings.Join(parts, " OR ") + ")"
}

// visScope is scopeSQL in tokens.
func visScope(t *ObjectType, sc Scope, s *Subject, asg Assignment) (string, bool) {
	switch sc {
	case ScopeAll:
		return visAny, true
	case ScopeOwn:
		return visWord(visOwner, s.ID), true
	case ScopeUnit:
		return visWord(visUnit, asg.Unit.ID), true
	case ScopeSubtree:
		if !wellFormedPath(asg.Unit.Path) {
			return "", false
		}
		return visWord(visAncestor, asg.Unit.Path), true
	case ScopeServed:
		p := asg.Unit.ServedPath()
		if !wellFormedPath(p) {
			return "", false
		}
		return visWord(visAncestor, p), true
	case ScopeSystem:
		if asg.Unit.System == "" {
			return visNone, true
		}
		return visWord(visSystem, asg.Unit.System), true
	case ScopeAudience:
		if t.Audience != nil || t.Reach == "" {
			return "", false
		}
		return visReachExpr(asg), true
	}
	return "", false // participant: a join
}

// visReachExpr is reachSQL in tokens.
func visReachExpr(asg Assignment) string {
	parts := []string{visWord(visReach, ReachAll)}
	if asg.Unit.System != "" {
		parts = append(parts, visReachWord(ReachSystem, asg.Unit.System))
	}
	parts = append(parts, visReachWord(ReachUnit, asg.Unit.ID))
	for _, p := range Ancestors(asg.Unit.Path) {
		parts = append(parts, visReachWord(ReachSubtree, p))
	}
	return visOr(parts)
}
