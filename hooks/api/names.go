package api

import (
	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
)

// Names looks up and remembers the names of units and users for one
// answer, so a page of items costs one query per distinct id.
type Names struct {
	app   core.App
	cache map[string]string
}

// NewNames starts an empty lookup over app.
func NewNames(app core.App) *Names { return &Names{app: app, cache: map[string]string{}} }

// Of is the name column of row id of table ("" when there is none).
func (n *Names) Of(table, id string) string { return n.Field(table, id, "name") }

// Field is one text column of row id of table ("" when there is none).
func (n *Names) Field(table, id, column string) string {
	if id == "" {
		return ""
	}
	k := table + "/" + id + "/" + column
	if v, ok := n.cache[k]; ok {
		return v
	}
	var out []string
	_ = n.app.DB().Select(column).From(table).Where(dbx.HashExp{"id": id}).Column(&out)
	v := ""
	if len(out) > 0 {
		v = out[0]
	}
	n.cache[k] = v
	return v
}

// Named is an id with its name, as answers show references.
type Named struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}
