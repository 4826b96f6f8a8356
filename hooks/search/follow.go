package search

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"govcollab/policies"
)

// Follower keeps the visibility tokens of one doc type's indexed records
// current. The index is contentless: a row cannot be rewritten in part, so
// a record whose tokens change is indexed again, whole, by Index (the
// owning module's function), in the transaction that changed it.
type Follower struct {
	DocType string
	Table   string // the domain table (a collection)
	Object  string // its policy object type
	Authz   *policies.Authorizer
	// Index stores rec's searchable text and tokens (it calls search.Index).
	Index func(tx core.App, rec *core.Record) error
	// Belongs says whether rec may be in the index at all (a published
	// case). Queries may rely on it (policies.MatchFilter's known facts):
	// an indexed record that no longer belongs is taken out, whatever
	// path changed it.
	Belongs func(rec *core.Record) bool
}

// Bind re-indexes, after every update of the table, a record in the
// index whose tokens are no longer those stored with it, and removes one
// that no longer Belongs.
func (f *Follower) Bind(app core.App) {
	app.OnRecordUpdateExecute(f.Table).BindFunc(func(e *core.RecordEvent) error {
		if err := e.Next(); err != nil {
			return err
		}
		var stored []string
		err := e.App.DB().NewQuery("SELECT vis FROM search_docs WHERE doc_type = {:t} AND doc_id = {:id}").
			Bind(dbx.Params{"t": f.DocType, "id": e.Record.Id}).Column(&stored)
		if err != nil || len(stored) == 0 {
			return err // not in the index
		}
		if !f.Belongs(e.Record) {
			return Remove(e.App, f.DocType, e.Record.Id)
		}
		want := strings.Join(append([]string{typeToken(f.DocType)}, f.Authz.VisTokens(f.Object, e.Record)...), " ")
		if stored[0] == want {
			return nil
		}
		return f.Index(e.App, e.Record)
	})
}

// Repathed re-indexes the indexed records of table whose unit path lies
// under path: called after a unit moved and its records' paths were
// rewritten in bulk (no record hook sees that). Other tables are not this
// follower's.
func (f *Follower) Repathed(tx core.App, table, column, path string) error {
	if table != f.Table {
		return nil
	}
	var recs []*core.Record
	err := tx.RecordQuery(f.Table).
		InnerJoin("search_docs search_d", dbx.NewExp("search_d.doc_type = {:t} AND search_d.doc_id = [["+f.Table+".id]]", dbx.Params{"t": f.DocType})).
		Where(dbx.NewExp("[["+f.Table+"."+column+"]] >= {:p} AND [["+f.Table+"."+column+"]] < {:b}",
			dbx.Params{"p": path, "b": policies.PathUpperBound(path)})).
		All(&recs)
	if err != nil {
		return fmt.Errorf("search: re-path %s: %w", f.Table, err)
	}
	for _, r := range recs {
		if err := f.Index(tx, r); err != nil {
			return err
		}
	}
	return nil
}

// RebuildPending indexes every searchable record again when a migration
// asked for it (search_state 'rebuild'), in one transaction: each function
// of rebuild indexes its doc type's records. Nothing happens otherwise.
func RebuildPending(app core.App, rebuild map[string]func(tx core.App) error) error {
	var pending int
	if err := app.DB().NewQuery("SELECT COUNT(*) FROM search_state WHERE key = 'rebuild'").Row(&pending); err != nil {
		return err
	}
	if pending == 0 {
		return nil
	}
	return app.RunInTransaction(func(tx core.App) error {
		for _, t := range slices.Sorted(maps.Keys(rebuild)) {
			if err := rebuild[t](tx); err != nil {
				return fmt.Errorf("search: rebuild %s: %w", t, err)
			}
		}
		_, err := tx.DB().NewQuery("DELETE FROM search_state WHERE key = 'rebuild'").Execute()
		return err
	})
}

// OptimizeCronSpec is when the index is merged: nightly, off hours.
const OptimizeCronSpec = "17 2 * * *"

// Optimize merges the index's segments into one (FTS5 'optimize'): the
// writes of a day leave many small segments that every query must visit,
// and merging them as it goes (automerge) leaves some. Its cost grows with
// the index (seconds at 100k docs); run off hours.
func Optimize(app core.App) error {
	_, err := app.DB().NewQuery("INSERT INTO search_fts (search_fts) VALUES ('optimize')").Execute()
	return err
}

// Schedule runs Optimize nightly.
func Schedule(app core.App) {
	app.Cron().MustAdd("govSearchOptimize", OptimizeCronSpec, func() {
		if err := Optimize(app); err != nil {
			app.Logger().Error("search: optimize", "error", err.Error())
		}
	})
}
