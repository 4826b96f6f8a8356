package security

import (
	"strings"

	"github.com/pocketbase/pocketbase/core"
)

// TrustProxy returns an OnBootstrap handler that, when
// GOV_TRUSTED_PROXY_HEADERS is set (e.g. "X-Forwarded-For"), makes the
// client address of audit rows, sessions and the login lockout come from
// that header as the reverse proxy in front sets it — PocketBase's trusted
// proxy setting, which has no admin UI here (no superuser dashboard).
// Only set it when every request passes through that proxy: otherwise a
// client could choose its own address. The right-most address is used
// (the one the proxy itself appended) unless GOV_TRUSTED_PROXY_LEFTMOST=true.
func TrustProxy(getenv func(string) string) func(*core.BootstrapEvent) error {
	return func(e *core.BootstrapEvent) error {
		if err := e.Next(); err != nil {
			return err
		}
		raw := strings.TrimSpace(getenv("GOV_TRUSTED_PROXY_HEADERS"))
		if raw == "" {
			return nil
		}
		var headers []string
		for _, h := range strings.Split(raw, ",") {
			if h = strings.TrimSpace(h); h != "" {
				headers = append(headers, h)
			}
		}
		s := e.App.Settings()
		leftmost := getenv("GOV_TRUSTED_PROXY_LEFTMOST") == "true"
		if strings.Join(s.TrustedProxy.Headers, ",") == strings.Join(headers, ",") && s.TrustedProxy.UseLeftmostIP == leftmost {
			return nil
		}
		s.TrustedProxy.Headers, s.TrustedProxy.UseLeftmostIP = headers, leftmost
		return e.App.Save(s)
	}
}
