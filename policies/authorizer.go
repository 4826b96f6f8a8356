package policies

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pocketbase/pocketbase/core"
)

// Authorizer answers Can and Filter for one app. Its caches are keyed on a
// version that every change of the org tree, users, grants or policy bumps
// (Invalidate), so the next request of every affected user sees the change.
type Authorizer struct {
	app   core.App
	roles []string
	types map[string]*ObjectType
	byTbl map[string]*ObjectType

	policy  atomic.Pointer[compiled]
	version atomic.Uint64

	mu       sync.RWMutex
	subjects map[string]*Subject

	loadMu sync.Mutex

	now func() time.Time
}

// maxCachedSubjects bounds the subject cache; past it the cache starts over.
const maxCachedSubjects = 50000

// New builds an authorizer over the given object types with the built-in
// policy. Call LoadStored once the schema exists to apply secadmin's edits.
func New(app core.App, roles []string, objectTypes ...ObjectType) (*Authorizer, error) {
	a := &Authorizer{
		app:      app,
		roles:    slices.Clone(roles),
		types:    map[string]*ObjectType{},
		byTbl:    map[string]*ObjectType{},
		subjects: map[string]*Subject{},
		now:      time.Now,
	}
	for i := range objectTypes {
		t := objectTypes[i]
		if err := t.validate(); err != nil {
			return nil, err
		}
		if _, dup := a.types[t.Name]; dup {
			return nil, fmt.Errorf("policies: object type %q registered twice", t.Name)
		}
		a.types[t.Name] = &t
		// a table's first type is the one Can decides its records as; a
		// further type over the same table (a unit as a notice target) is
		// asked by name through CanObject and Filter
		if _, taken := a.byTbl[t.Table]; !taken {
			a.byTbl[t.Table] = &t
		}
	}
	c, err := compile(builtinPolicy, a.roles, a.types)
	if err != nil {
		return nil, fmt.Errorf("policies: built-in policy: %w", err)
	}
	a.policy.Store(c)
	return a, nil
}

// Types lists the registered object types (for re-pathing on unit moves).
func (a *Authorizer) Types() []*ObjectType {
	return slices.Collect(maps.Values(a.types))
}

// Type returns a registered object type by name.
func (a *Authorizer) Type(name string) (*ObjectType, bool) {
	t, ok := a.types[name]
	return t, ok
}

// Validate checks a policy text without applying it.
func (a *Authorizer) Validate(csv string) error {
	_, err := compile(csv, a.roles, a.types)
	return err
}

// Apply validates csv and, only if every line is valid, puts it in force.
func (a *Authorizer) Apply(csv string) error {
	c, err := compile(csv, a.roles, a.types)
	if err != nil {
		return err
	}
	a.policy.Store(c)
	a.Invalidate()
	return nil
}

// Policy returns the text of the policy in force.
func (a *Authorizer) Policy() string { return a.policy.Load().csv }

// LoadStored applies the newest stored policy version, if any. A stored
// policy that no longer validates (e.g. after an upgrade) is reported and the
// built-in one stays in force.
func (a *Authorizer) LoadStored() error {
	a.loadMu.Lock() // read-then-apply as one step: the newest committed version wins
	defer a.loadMu.Unlock()
	recs, err := a.app.FindRecordsByFilter("policy_versions", "", "-created", 1, 0)
	if err != nil || len(recs) == 0 {
		return nil // none stored: the built-in policy is in force
	}
	if err := a.Apply(recs[0].GetString("csv")); err != nil {
		return fmt.Errorf("policies: stored policy %s refused, built-in policy in force: %w", recs[0].Id, err)
	}
	return nil
}

// Invalidate drops every cached decision input; call it after any change to
// units, users, grants or the policy.
func (a *Authorizer) Invalidate() {
	a.version.Add(1)
}

// Version is the current cache version.
func (a *Authorizer) Version() uint64 { return a.version.Load() }

// Subject returns the cached subject of userID, re-reading it when the
// version moved or one of its grants started or ended since.
func (a *Authorizer) Subject(userID string) (*Subject, error) {
	v := a.version.Load()
	now := a.now()
	a.mu.RLock()
	s, ok := a.subjects[userID]
	a.mu.RUnlock()
	if ok && s.version == v && now.Before(s.validUntil) {
		return s, nil
	}
	s, err := loadSubject(a.app, userID, now)
	if err != nil {
		if errors.Is(err, ErrNoSubject) {
			a.mu.Lock()
			delete(a.subjects, userID)
			a.mu.Unlock()
		}
		return nil, err
	}
	s.version = v
	a.mu.Lock()
	if len(a.subjects) >= maxCachedSubjects {
		a.subjects = map[string]*Subject{}
	}
	a.subjects[userID] = s
	a.mu.Unlock()
	return s, nil
}

// Rules returns the rows that apply to role for (object, action).
func (a *Authorizer) Rules(role, obj, act string) []Rule {
	return a.policy.Load().rules[ruleKey{role, obj, act}]
}

// Permits reports whether the subject's roles allow (object, action) on any
// record at all; routes answer 403 when they do not, 404 for a single denied
// record when they do.
func (a *Authorizer) Permits(s *Subject, act, obj string) bool {
	return permits(a.policy.Load().rules, s, act, obj)
}

// PermitsUnder answers Permits as it would be under the policy text csv,
// without putting csv in force (e.g. to refuse a policy that locks out the
// secadmin saving it).
func (a *Authorizer) PermitsUnder(csv string, s *Subject, act, obj string) (bool, error) {
	c, err := compile(csv, a.roles, a.types)
	if err != nil {
		return false, err
	}
	return permits(c.rules, s, act, obj), nil
}

func permits(rules map[ruleKey][]Rule, s *Subject, act, obj string) bool {
	if s == nil {
		return false
	}
	allowed := false
	for _, asg := range s.Assignments {
		for _, r := range rules[ruleKey{asg.Role, obj, act}] {
			if r.Deny && r.Scope == ScopeAll && r.Cond.Field == "" {
				return false
			}
			if !r.Deny {
				allowed = true
			}
		}
	}
	return allowed
}

// Can decides one record: some row of the subject's roles allows it and no
// row denies it. The reason names the deciding policy line.
func (a *Authorizer) Can(s *Subject, act string, rec *core.Record) (bool, string) {
	t, ok := a.byTbl[rec.Collection().Name]
	if !ok {
		return false, "未登记的对象类型 " + rec.Collection().Name
	}
	return a.CanObject(s, act, t.Name, recordObject{rec})
}

// CanObject is Can for any object that exposes its fields by name. Deny rows
// are tried first, then allow rows with the scopes that read the join tables
// last, so a decision queries the database only when nothing cheaper decides.
func (a *Authorizer) CanObject(s *Subject, act, obj string, o Object) (bool, string) {
	t, ok := a.types[obj]
	if !ok {
		return false, "未登记的对象类型 " + obj
	}
	if s == nil {
		return false, "未登录"
	}
	rules := a.policy.Load().rules // one policy for the whole answer, even mid-Apply
	for _, asg := range s.Assignments {
		for _, r := range rules[ruleKey{asg.Role, obj, act}] {
			if r.Deny && r.Cond.holds(o) && a.scopeHolds(t, r.Scope, s, asg, o) {
				return false, "deny by " + r.String()
			}
		}
	}
	for _, joins := range []bool{false, true} {
		for _, asg := range s.Assignments {
			for _, r := range rules[ruleKey{asg.Role, obj, act}] {
				if r.Deny || readsJoin(r.Scope) != joins || !r.Cond.holds(o) || !a.scopeHolds(t, r.Scope, s, asg, o) {
					continue
				}
				return true, "allow by " + r.String() + " (as " + asg.Role + " at " + asg.Unit.Path + ")"
			}
		}
	}
	return false, fmt.Sprintf("no policy line allows %s %s", act, obj)
}

func readsJoin(sc Scope) bool { return sc == ScopeAudience || sc == ScopeParticipant }

// recordObject exposes a record's id through GetString("id").
type recordObject struct{ r *core.Record }

func (o recordObject) GetString(f string) string {
	if f == "id" {
		return o.r.Id
	}
	return o.r.GetString(f)
}
