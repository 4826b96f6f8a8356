// Package search is the shared Chinese full-text search: one FTS5 index for
// every searchable domain (cases now; notices, documents and courses later).
//
// Text is cut in Go (tokenize.go) into CJK bigrams and Latin/digit words and
// stored space-separated, so SQLite's plain `ascii` tokenizer keeps each of
// our tokens as exactly one FTS token whatever its Unicode version knows.
// A query is matched, filtered by the caller's policy Filter on the domain
// table, ranked (bm25 within windows of the newest matches), paged and
// counted (exactly up to MaxTotal, then capped) in one SQL statement each,
// so a total never counts a row the caller may not see and a common word
// costs a bounded walk, not a pass over every match. Snippets and highlights
// are computed in Go over the original text and returned as spans, not
// HTML, so nothing a document contains can inject markup.
package search

import "errors"

// Table names of the index (migrations/1763900700_search.go).
const (
	// FTSTable is the contentless FTS5 table: rowid = DocsTable.id.
	FTSTable = "search_fts"
	// DocsTable maps (doc_type, doc_id) to the FTS rowid.
	DocsTable = "search_docs"
)

// ErrEmptyQuery is returned when a query holds no searchable character
// (empty, or only punctuation/whitespace); callers answer 400 with
// EmptyQueryMessage.
var ErrEmptyQuery = errors.New("search: empty query")

// EmptyQueryMessage is the user-facing text for ErrEmptyQuery.
const EmptyQueryMessage = "请输入要搜索的文字"
