package policies

import (
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"
)

// UnitRef is the part of a unit the scopes read.
type UnitRef struct {
	ID     string
	Path   string
	System string
	Office bool // an office (办公室/办公厅) serving its parent government
}

// ServedPath is the root of the subtree the unit acts for: an office's
// parent, any other unit itself.
func (u UnitRef) ServedPath() string {
	if a := Ancestors(u.Path); u.Office && len(a) > 1 {
		return a[len(a)-2]
	}
	return u.Path
}

// Assignment is a role held at a unit: the user's own roles at their unit,
// or a grant (兼职/挂职/代理) at another unit while it runs.
type Assignment struct {
	Role  string
	Unit  UnitRef
	Grant string // grant id, empty for home roles
}

// Subject is a user as the policy sees them.
type Subject struct {
	ID          string
	Unit        UnitRef
	Roles       []string
	Assignments []Assignment

	version    uint64
	validUntil time.Time
}

// HasRole reports whether the user holds role anywhere (home unit or a grant).
func (s *Subject) HasRole(role string) bool {
	for _, a := range s.Assignments {
		if a.Role == role {
			return true
		}
	}
	return false
}

// Ancestors lists the paths of path and every unit above it, root first.
func Ancestors(path string) []string {
	var out []string
	for i := 1; i < len(path); i++ {
		if path[i] == '/' {
			out = append(out, path[:i+1])
		}
	}
	return out
}

// PathUpperBound is the smallest string above every path in the subtree of
// path, so that a subtree is the index range [path, bound).
func PathUpperBound(path string) string {
	// paths end in '/', and '0' is the byte after '/'
	return strings.TrimSuffix(path, "/") + "0"
}

// ErrNoSubject is returned for an unknown or inactive user.
var ErrNoSubject = errors.New("policies: no such active user")

// maxGrantRefresh bounds how long a subject is trusted without re-reading, as
// a guard against clock-driven changes the version cannot see.
const maxGrantRefresh = 10 * time.Minute

// loadSubject reads a user, their unit and their running grants.
func loadSubject(app core.App, userID string, now time.Time) (*Subject, error) {
	var u struct {
		ID     string `db:"id"`
		Unit   string `db:"unit"`
		Roles  string `db:"roles"`
		Active bool   `db:"active"`
	}
	err := app.DB().NewQuery("SELECT id, unit, roles, active FROM users WHERE id = {:id}").
		Bind(dbx.Params{"id": userID}).One(&u)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && !u.Active) {
		return nil, ErrNoSubject
	}
	if err != nil {
		return nil, fmt.Errorf("policies: load user: %w", err)
	}
	home, err := loadUnit(app, u.Unit)
	if err != nil {
		return nil, err
	}
	s := &Subject{ID: u.ID, Unit: home, validUntil: now.Add(maxGrantRefresh)}
	var roles []string
	if u.Roles != "" && u.Roles != "[]" {
		var arr types.JSONArray[string]
		if err := arr.Scan(u.Roles); err != nil {
			return nil, fmt.Errorf("policies: roles of %s: %w", userID, err)
		}
		roles = arr
	}
	s.Roles = roles
	for _, r := range roles {
		s.Assignments = append(s.Assignments, Assignment{Role: r, Unit: home})
	}

	var grants []struct {
		ID     string `db:"id"`
		Unit   string `db:"unit"`
		Role   string `db:"role"`
		Starts string `db:"starts"`
		Ends   string `db:"ends"`
	}
	err = app.DB().NewQuery(`SELECT id, unit, role, starts, ends FROM grants
		WHERE user = {:u} AND revoked = FALSE AND (ends = '' OR ends > {:now})`).
		Bind(dbx.Params{"u": userID, "now": now.UTC().Format(types.DefaultDateLayout)}).All(&grants)
	if err != nil {
		return nil, fmt.Errorf("policies: grants of %s: %w", userID, err)
	}
	for _, g := range grants {
		starts, _ := types.ParseDateTime(g.Starts)
		ends, _ := types.ParseDateTime(g.Ends)
		if !starts.IsZero() && starts.Time().After(now) {
			s.shorten(starts.Time()) // becomes active later: re-read then
			continue
		}
		if !ends.IsZero() {
			s.shorten(ends.Time())
		}
		unit, err := loadUnit(app, g.Unit)
		if err != nil {
			continue // a grant at a unit that no longer exists gives nothing
		}
		s.Assignments = append(s.Assignments, Assignment{Role: g.Role, Unit: unit, Grant: g.ID})
	}
	return s, nil
}

func (s *Subject) shorten(t time.Time) {
	if t.Before(s.validUntil) {
		s.validUntil = t
	}
}

func loadUnit(app core.App, id string) (UnitRef, error) {
	var u struct {
		ID     string `db:"id"`
		Path   string `db:"path"`
		System string `db:"system"`
		Kind   string `db:"kind"`
	}
	err := app.DB().NewQuery("SELECT id, path, system, kind FROM units WHERE id = {:id}").
		Bind(dbx.Params{"id": id}).One(&u)
	if err != nil {
		return UnitRef{}, fmt.Errorf("policies: unit %s: %w", id, err)
	}
	return UnitRef{ID: u.ID, Path: u.Path, System: u.System, Office: u.Kind == "office"}, nil
}
