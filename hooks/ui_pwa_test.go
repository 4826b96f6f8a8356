package hooks_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/chromedp/chromedp"

	"govcollab/hooks/apptest"
)

// TestPWAFiles: the manifest, the service worker and the offline page are
// served with their types and the UI's headers.
func TestPWAFiles(t *testing.T) {
	base, _ := startUIServer(t)
	get := func(path string) (*http.Response, string) {
		t.Helper()
		resp, err := http.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 {
			t.Fatalf("%s: %d", path, resp.StatusCode)
		}
		return resp, string(b)
	}
	resp, body := get("/manifest.webmanifest")
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/manifest+json") {
		t.Fatalf("manifest type %q", ct)
	}
	var m struct {
		Name, StartURL, Display string
		Icons                   []struct{ Src, Sizes string }
	}
	if err := json.Unmarshal([]byte(strings.NewReplacer(`"start_url"`, `"StartURL"`).Replace(body)), &m); err != nil {
		t.Fatal(err)
	}
	if m.Name != "政务协同" || m.Display != "standalone" || !strings.HasPrefix(m.StartURL, "/") || len(m.Icons) < 2 {
		t.Fatalf("manifest %+v", m)
	}
	for _, ic := range m.Icons {
		if r, _ := get(ic.Src); r.ContentLength == 0 {
			t.Fatalf("icon %s empty", ic.Src)
		}
	}
	resp, body = get("/sw.js")
	if ct := resp.Header.Get("Content-Type"); !strings.Contains(ct, "javascript") || !strings.Contains(body, "offline.html") {
		t.Fatalf("service worker: %q", ct)
	}
	resp, body = get("/offline.html")
	if !strings.Contains(body, "网络未连接") || !strings.Contains(resp.Header.Get("Content-Security-Policy"), "script-src 'self'") {
		t.Fatalf("offline page headers %v", resp.Header)
	}
}

// TestUIOffline: the installed app keeps only its offline page — no API
// answer or page in the cache — and shows it when the server is out of
// reach; 重新连接 brings the app back.
func TestUIOffline(t *testing.T) {
	app, _ := apptest.New(t)
	t.Cleanup(app.Cleanup)
	target, err := url.Parse(apptest.Serve(t, app))
	if err != nil {
		t.Fatal(err)
	}
	var down atomic.Bool
	forward := httputil.NewSingleHostReverseProxy(target)
	// the browser reaches the app through this switch, as through a network
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if down.Load() {
			panic(http.ErrAbortHandler) // the connection drops: a network error
		}
		forward.ServeHTTP(w, r)
	}))
	t.Cleanup(proxy.Close)
	base := strings.Replace(proxy.URL, "127.0.0.1", "localhost", 1) // a secure context, as HTTPS would be

	b := newBrowser(t)
	b.step("the app installs its service worker",
		viewport(375, 812),
		chromedp.Navigate(base+"/"),
		chromedp.WaitVisible(chromedp.ID("login-form")),
		waitJS(`!!navigator.serviceWorker.controller`),
		chromedp.Evaluate[chromedp.Void](`caches.open('govcollab-offline-v1').then(c => c.keys())
			.then(k => { window.__cached = k.map(r => new URL(r.url).pathname).sort().join(','); })`),
		waitJS(`window.__cached !== undefined`),
	)
	if got := eval[string](b, `window.__cached`); got != "/css/offline.css,/img/favicon.svg,/offline.html" {
		t.Fatalf("the service worker cached %q", got)
	}
	if n := eval[float64](b, `document.querySelectorAll('link[rel=manifest]').length`); n != 1 {
		t.Fatal("no manifest link")
	}
	b.noConsoleProblems()

	down.Store(true)
	b.step("out of reach: the offline page",
		chromedp.Navigate(base+"/?from=phone"),
		waitText("#offline h1", "网络未连接"),
	)
	fitsPhone(t, b, "offline")
	b.screenshot("offline-375")

	down.Store(false)
	b.step("重新连接 brings the app back",
		chromedp.Click(chromedp.CSS("#offline .retry")),
		chromedp.WaitVisible(chromedp.ID("login-form")),
	)
}
