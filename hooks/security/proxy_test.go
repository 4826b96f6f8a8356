package security_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"

	"govcollab/hooks/security"
)

// TestTrustProxy: with the setting, the client address is the proxy's
// right-most X-Forwarded-For entry; without it, the connection's address.
func TestTrustProxy(t *testing.T) {
	for _, c := range []struct {
		env  map[string]string
		want string
	}{
		{map[string]string{}, "10.9.9.9"},
		{map[string]string{"GOV_TRUSTED_PROXY_HEADERS": "X-Forwarded-For"}, "172.16.0.7"},
		{map[string]string{"GOV_TRUSTED_PROXY_HEADERS": "X-Forwarded-For", "GOV_TRUSTED_PROXY_LEFTMOST": "true"}, "1.2.3.4"},
	} {
		app, err := tests.NewTestApp()
		if err != nil {
			t.Fatal(err)
		}
		env := c.env
		app.OnBootstrap().BindFunc(security.TrustProxy(func(k string) string { return env[k] }))
		if err := app.Bootstrap(); err != nil {
			t.Fatal(err)
		}
		req := httptest.NewRequest(http.MethodGet, "/", nil)
		req.RemoteAddr = "10.9.9.9:5555"
		req.Header.Set("X-Forwarded-For", "1.2.3.4, 172.16.0.7")
		e := &core.RequestEvent{App: app}
		e.Request = req
		if got := e.RealIP(); got != c.want {
			t.Errorf("%v: RealIP %s, want %s", c.env, got, c.want)
		}
		app.Cleanup()
	}
}
