// Package pbpublic embeds the web UI so that one binary serves it.
package pbpublic

import "embed"

// FS holds the static UI: HTML, CSS, ES modules and vendored libraries.
//
//go:embed *.html *.js *.webmanifest css js vendor img
var FS embed.FS
