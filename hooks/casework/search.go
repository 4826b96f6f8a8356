package casework

import (
	"encoding/json"

	"github.com/pocketbase/pocketbase/core"

	"govcollab/hooks/search"
)

// DocType is the search index's name for cases.
const DocType = "case"

// index makes the published face of rec searchable (inside tx).
func (m *Module) index(tx core.App, rec *core.Record) error {
	var tags []string
	_ = json.Unmarshal([]byte(rec.GetString("tags")), &tags)
	return search.Index(tx, DocType, rec.Id, search.Doc{Title: rec.GetString("title"),
		Summary: rec.GetString("summary"), Body: PlainText(rec.GetString("body")), Tags: tags})
}

// unindex takes a case out of search (taken offline or archived).
func (m *Module) unindex(tx core.App, id string) error { return search.Remove(tx, DocType, id) }

// renderBody renders a case body; a body too big is a 400 naming it.
func renderBody(src string) (string, error) {
	html, err := Render(src)
	if err != nil {
		return "", err
	}
	return html, nil
}
