package security

import (
	"net/http"
	"strings"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/hook"

	"govcollab/hooks/api"
)

// closedFlows are PocketBase auth flows an intranet does not offer: accounts
// are managed by sysadmin, passwords are reset by an administrator, and mail
// is not a second factor. Every auth collection is covered, superusers too.
var closedFlows = []string{
	"request-password-reset", "confirm-password-reset",
	"request-verification", "confirm-verification",
	"request-email-change", "confirm-email-change",
	"request-otp", "auth-with-otp", "auth-with-oauth2",
}

// ClosedFlows refuses the closed auth flows before PocketBase handles them
// (PocketBase answers some of them with an early 204 and works on in the
// background, so a hook on the flow itself would be too late).
func ClosedFlows() *hook.Handler[*core.RequestEvent] {
	return &hook.Handler[*core.RequestEvent]{
		Id:       "govClosedAuthFlows",
		Priority: -1017,
		Func: func(e *core.RequestEvent) error {
			p := e.Request.URL.Path
			if strings.HasPrefix(p, "/api/collections/") {
				for _, f := range closedFlows {
					if strings.HasSuffix(p, "/"+f) {
						return api.NewError(http.StatusForbidden, "auth_flow_disabled", "此功能已停用，请联系系统管理员")
					}
				}
			}
			return e.Next()
		},
	}
}
