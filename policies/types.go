// Package policies owns authorization: the Casbin model and the one policy
// (embedded, replaceable by secadmin), and the two answers every module asks
// of it — Can for one record and Filter for lists — built from the same rows.
package policies

import (
	"fmt"
	"slices"
	"strings"
)

// Scope names how far around the anchor unit (where a role is held) a policy
// row reaches.
type Scope string

const (
	ScopeOwn     Scope = "own"
	ScopeUnit    Scope = "unit"
	ScopeSubtree Scope = "subtree"
	// ScopeServed is the subtree an office serves: for a role held at an
	// office (办公室/办公厅), its parent government's subtree; elsewhere the
	// unit's own subtree. The office publishes and forwards for its government.
	ScopeServed      Scope = "served"
	ScopeSystem      Scope = "system"
	ScopeAudience    Scope = "audience"
	ScopeParticipant Scope = "participant"
	ScopeAll         Scope = "all"
)

var allScopes = []Scope{ScopeOwn, ScopeUnit, ScopeSubtree, ScopeServed, ScopeSystem, ScopeAudience, ScopeParticipant, ScopeAll}

// Reach values a record may declare in its Reach column (who it was written for).
const (
	ReachUnit    = "unit"
	ReachSubtree = "subtree"
	ReachSystem  = "system"
	ReachAll     = "all"
)

// Join describes an indexed table listing the users attached to a record
// (audience rows, workflow participants).
type Join struct {
	Table     string
	ObjectCol string
	UserCol   string
}

// ObjectType maps a policy object name onto a table and the columns the
// scopes read. An empty column means the scopes that need it are invalid for
// this type, and the policy validator says so.
type ObjectType struct {
	Name     string
	Table    string
	Actions  []string
	Owner    string // own: the user id column
	Unit     string // unit: the owning unit id column
	UnitPath string // subtree: the materialized path column
	System   string // system: the 条线 code column
	Reach    string // audience: declared reach column (unit|subtree|system|all)

	Audience    *Join
	Participant *Join

	// CondFields are the columns a policy condition may test.
	CondFields []string
}

func (t *ObjectType) supports(s Scope) bool {
	switch s {
	case ScopeOwn:
		return t.Owner != ""
	case ScopeUnit:
		return t.Unit != ""
	case ScopeSubtree, ScopeServed:
		return t.UnitPath != ""
	case ScopeSystem:
		return t.System != ""
	case ScopeAudience:
		return t.Reach != "" || t.Audience != nil
	case ScopeParticipant:
		return t.Participant != nil
	case ScopeAll:
		return true
	}
	return false
}

func (t *ObjectType) validate() error {
	if t.Name == "" || t.Table == "" || len(t.Actions) == 0 {
		return fmt.Errorf("policies: object type %q needs a name, a table and actions", t.Name)
	}
	if t.Reach != "" && (t.Unit == "" || t.UnitPath == "" || t.System == "") {
		return fmt.Errorf("policies: object type %q declares reach without unit, unit path and system", t.Name)
	}
	return nil
}

// Cond is a policy row's condition on a record field; an empty Field always holds.
type Cond struct {
	Field  string
	Values []string
}

func (c Cond) holds(obj Object) bool {
	if c.Field == "" {
		return true
	}
	return slices.Contains(c.Values, obj.GetString(c.Field))
}

func (c Cond) String() string {
	if c.Field == "" {
		return "*"
	}
	return c.Field + "=" + strings.Join(c.Values, "|")
}

// Rule is one compiled policy row as it applies to a role (directly or
// inherited through g rows).
type Rule struct {
	Role  string // the role the row names
	Obj   string
	Act   string
	Scope Scope
	Cond  Cond
	Deny  bool
	Line  int

	text string // String(), made once at compile: Can names its line on every call
}

func (r Rule) String() string {
	if r.text != "" {
		return r.text
	}
	eft := "allow"
	if r.Deny {
		eft = "deny"
	}
	return fmt.Sprintf("policy line %d: p, %s, %s, %s, %s, %s, %s", r.Line, r.Role, r.Obj, r.Act, r.Scope, r.Cond, eft)
}

// Object is what Can reads from a record.
type Object interface {
	GetString(field string) string
}
