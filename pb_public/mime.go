package pbpublic

import "mime"

// The web app manifest's type is not in Go's table (PWA install reads it).
func init() { _ = mime.AddExtensionType(".webmanifest", "application/manifest+json") }
