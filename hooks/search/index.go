package search

import (
	"encoding/hex"
	"errors"
	"strings"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
)

// Doc is the searchable text of one domain record. Title hits weigh most,
// then summary, tags, body (see rankExpr). Vis are the record's
// visibility tokens (policies.Authorizer.VisTokens), for queries that
// filter by Query.Vis; nil when its type has no token form.
type Doc struct {
	Title   string
	Summary string
	Body    string
	Tags    []string
	Vis     []string
	// Attachments are the text of the record's files, searched as body.
	Attachments []string
}

// typeToken is in the vis column of every doc of docType: a query names
// its doc type inside the MATCH, so counting needs no look-up of the doc.
func typeToken(docType string) string { return "zt" + hex.EncodeToString([]byte(docType)) }

var errNoDoc = errors.New("search: doc type and id are required")

// Index stores d as the searchable text of (docType, docID), replacing any
// earlier version. Call it with the caller's transaction app (e.App or the
// tx of RunInTransaction), so the index changes with the record or not at
// all.
func Index(app core.App, docType, docID string, d Doc) error {
	if docType == "" || docID == "" {
		return errNoDoc
	}
	vis := strings.Join(append([]string{typeToken(docType)}, d.Vis...), " ")
	p := dbx.Params{"t": docType, "id": docID, "vis": vis}
	var rowids []int64
	// A new doc's rowid is below every other (negative, counting down):
	// the newest docs come first in rowid order, which FTS5 walks
	// forwards, the cheap way (backwards it buffers), and a page's rowid
	// range sits at the start of each doclist. (SELECT min(id) alone is
	// one step down the primary key; wrapped in other functions SQLite
	// would scan every row for it.)
	err := app.DB().NewQuery(`INSERT INTO search_docs (id, doc_type, doc_id, vis)
		VALUES (min(coalesce((SELECT min(id) FROM search_docs), 0), 0) - 1, {:t}, {:id}, {:vis})
		ON CONFLICT (doc_type, doc_id) DO NOTHING RETURNING id`).Bind(p).Column(&rowids)
	if err != nil {
		return err
	}
	var rowid int64
	if len(rowids) == 1 {
		rowid = rowids[0] // new: nothing to delete (a no-op delete still costs)
	} else {
		if err := app.DB().NewQuery(`UPDATE search_docs SET vis = {:vis} WHERE doc_type = {:t} AND doc_id = {:id} RETURNING id`).
			Bind(p).Row(&rowid); err != nil {
			return err
		}
		if _, err := app.DB().NewQuery(`DELETE FROM search_fts WHERE rowid = {:r}`).
			Bind(dbx.Params{"r": rowid}).Execute(); err != nil {
			return err
		}
	}
	_, err = app.DB().NewQuery(`INSERT INTO search_fts (rowid, title, summary, body, tags, vis)
		VALUES ({:r}, {:title}, {:summary}, {:body}, {:tags}, {:vis})`).Bind(dbx.Params{
		"r":       rowid,
		"title":   IndexText(d.Title),
		"summary": IndexText(d.Summary),
		"body":    IndexText(strings.Join(append([]string{d.Body}, d.Attachments...), "\n")),
		// a newline between tags: no bigram spans two tags
		"tags": IndexText(strings.Join(d.Tags, "\n")),
		"vis":  vis,
	}).Execute()
	return err
}

// Remove drops (docType, docID) from the index; removing what is not there
// is not an error.
func Remove(app core.App, docType, docID string) error {
	if docType == "" || docID == "" {
		return errNoDoc
	}
	var rowids []int64
	err := app.DB().NewQuery(`DELETE FROM search_docs WHERE doc_type = {:t} AND doc_id = {:id} RETURNING id`).
		Bind(dbx.Params{"t": docType, "id": docID}).Column(&rowids)
	if err != nil {
		return err
	}
	for _, r := range rowids {
		if _, err := app.DB().NewQuery(`DELETE FROM search_fts WHERE rowid = {:r}`).
			Bind(dbx.Params{"r": r}).Execute(); err != nil {
			return err
		}
	}
	return nil
}
