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
	r.Bind(security.StepGate())

	gov := r.Group("/api/gov")

	// Public facts the login page shows (no login needed)
	gov.GET("/info", g.handleInfo)

	// Session and current user
	gov.POST("/logout", g.Sessions.Logout)
	gov.GET("/me", g.Org.HandleMe)

	// Org directory
	gov.GET("/units", g.Org.HandleUnits)

	// Org admin (三员): units and accounts (sysadmin), roles, grants and
	// policy (secadmin), as the policy allows.
	gov.GET("/admin/units", g.Org.HandleAdminUnits)
	gov.POST("/admin/units", g.Org.HandleCreateUnit)
	gov.PATCH("/admin/units/{id}", g.Org.HandleUpdateUnit)
	gov.POST("/admin/units/{id}/move", g.Org.HandleMoveUnit)
	gov.POST("/admin/units/{id}/deactivate", g.Org.HandleDeactivateUnit)
	gov.POST("/admin/units/{id}/activate", g.Org.HandleActivateUnit)
	gov.GET("/admin/users", g.Org.HandleAdminUsers)
	gov.POST("/admin/users", g.Org.HandleCreateUser)
	gov.POST("/admin/users/import", g.Org.HandleImportUsers)
	gov.GET("/admin/users/import/template", g.Org.HandleImportTemplate)
	gov.POST("/admin/users/{id}/deactivate", g.Org.HandleDeactivateUser)
	gov.POST("/admin/users/{id}/activate", g.Org.HandleActivateUser)
	gov.POST("/admin/users/{id}/move", g.Org.HandleMoveUser)
	gov.PUT("/admin/users/{id}/roles", g.Org.HandleSetRoles)
	gov.GET("/admin/grants", g.Org.HandleAdminGrants)
	gov.POST("/admin/grants", g.Org.HandleCreateGrant)
	gov.DELETE("/admin/grants/{id}", g.Org.HandleRevokeGrant)
	gov.GET("/admin/policy", g.Org.HandlePolicy)
	gov.PUT("/admin/policy", g.Org.HandleSavePolicy)
	gov.POST("/admin/policy/validate", g.Org.HandleValidatePolicy)

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
