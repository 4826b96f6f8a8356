package security

import (
	"strings"

	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/hook"
)

// Request body limits: small for the JSON routes under /api/gov/, larger
// only where a route takes an upload or a whole document (bind BodyLimit on
// that route; it replaces the group's).
const (
	JSONBodyLimit  = 256 << 10
	LargeBodyLimit = 1 << 20
	UploadLimit    = 32 << 20
)

// BodyLimit is PocketBase's body limit middleware (same id, so a route's
// limit replaces its group's, which replaces the router's default).
func BodyLimit(n int64) *hook.Handler[*core.RequestEvent] { return apis.BodyLimit(n) }

// APIHeaders marks every /api/ answer as not to be sniffed or framed (the UI
// pages carry their own CSP).
func APIHeaders() *hook.Handler[*core.RequestEvent] {
	return &hook.Handler[*core.RequestEvent]{
		Id:       "govAPIHeaders",
		Priority: apis.DefaultSecurityHeadersMiddlewarePriority + 1, // after PocketBase's defaults
		Func: func(e *core.RequestEvent) error {
			p := e.Request.URL.Path
			if strings.HasPrefix(p, "/api/") {
				h := e.Response.Header()
				h.Set("X-Content-Type-Options", "nosniff")
				h.Set("Referrer-Policy", "no-referrer")
				if strings.HasPrefix(p, "/api/files/") || strings.HasPrefix(p, "/api/gov/files/") {
					// files may be previewed in a frame of our own pages
					h.Set("X-Frame-Options", "SAMEORIGIN")
					h.Set("Content-Security-Policy", "frame-ancestors 'self'")
				} else {
					h.Set("X-Frame-Options", "DENY")
					h.Set("Content-Security-Policy", "frame-ancestors 'none'")
				}
			}
			return e.Next()
		},
	}
}
