package hooks

import (
	"io/fs"
	"strings"

	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"

	"govcollab/hooks/api"
	"govcollab/hooks/security"
	pbpublic "govcollab/pb_public"
)

// bindRoutes is the one place that lists every route of the application.
func bindRoutes(se *core.ServeEvent, g *Gov) {
	r := se.Router
	r.Bind(api.ErrorMiddleware())
	r.Bind(g.Sessions.Middleware())
	r.Bind(security.ClosedFlows())

	gov := r.Group("/api/gov")

	// Session and current user
	gov.POST("/logout", g.Sessions.Logout)
	gov.GET("/me", g.Org.HandleMe)

	// Org directory
	gov.GET("/units", g.Org.HandleUnits)

	// The UI, registered last; unknown /api/ paths answer JSON 404 instead
	// of falling through to index.html.
	r.GET("/{path...}", staticUI(pbpublic.FS))
}

// contentSecurityPolicy forbids inline scripts and framing.
const contentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; " +
	"connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"

func staticUI(fsys fs.FS) func(*core.RequestEvent) error {
	serve := apis.Static(fsys, true)
	return func(e *core.RequestEvent) error {
		p := e.Request.PathValue(apis.StaticWildcardParam)
		if p == "api" || strings.HasPrefix(p, "api/") {
			return api.NotFound()
		}
		h := e.Response.Header()
		h.Set("Content-Security-Policy", contentSecurityPolicy)
		h.Set("Referrer-Policy", "same-origin")
		h.Set("X-Content-Type-Options", "nosniff")
		return serve(e)
	}
}
