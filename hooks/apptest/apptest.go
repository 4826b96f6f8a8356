// Package apptest builds test apps for every module's tests: a migrated,
// demo-seeded data directory made once per test binary, cloned per test,
// with the full wiring of hooks.Register and tokens for every demo account
// issued through the same session path as a real login.
package apptest

import (
	"fmt"
	"net/http/httptest"
	"os"
	"sync"
	"testing"

	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"

	"govcollab/hooks"
	_ "govcollab/migrations"
)

var (
	once     sync.Once
	template string
	tokens   map[string]string
	ids      map[string]string
	buildErr error
)

func build() {
	empty, err := os.MkdirTemp("", "gov-template-src-")
	if err != nil {
		buildErr = err
		return
	}
	defer os.RemoveAll(empty)
	app, err := tests.NewTestAppWithConfig(core.BaseAppConfig{DataDir: empty})
	if err != nil {
		buildErr = err
		return
	}
	demo := true
	g, err := hooks.Register(app, hooks.Options{Demo: &demo})
	if err != nil {
		buildErr = err
		return
	}
	g.SetDemo(true)
	if err := hooks.Seed(g); err != nil {
		buildErr = fmt.Errorf("apptest: seed: %w", err)
		return
	}
	users, err := app.FindAllRecords("users")
	if err != nil {
		buildErr = err
		return
	}
	tokens, ids = map[string]string{}, map[string]string{}
	for _, u := range users {
		tok, _, err := g.Sessions.Issue(app, u, nil, "")
		if err != nil {
			buildErr = err
			return
		}
		tokens[u.GetString("username")] = tok
		ids[u.GetString("username")] = u.Id
	}
	template = app.DataDir()
	// close the connections (checkpointing the WAL) but keep the files
	if err := app.ResetBootstrapState(); err != nil {
		buildErr = err
	}
}

// New returns a fresh clone of the demo database, wired like `serve --demo`.
// The caller (or tests.ApiScenario) cleans it up.
func New(tb testing.TB) (*tests.TestApp, *hooks.Gov) {
	tb.Helper()
	return newApp(tb, true)
}

// NewPlain is New wired like plain `serve`: demo accounts cannot log in.
func NewPlain(tb testing.TB) (*tests.TestApp, *hooks.Gov) {
	tb.Helper()
	return newApp(tb, false)
}

// FactoryPlain is a tests.ApiScenario TestAppFactory over NewPlain.
func FactoryPlain(tb testing.TB) *tests.TestApp {
	app, _ := NewPlain(tb)
	return app
}

func newApp(tb testing.TB, demo bool) (*tests.TestApp, *hooks.Gov) {
	once.Do(build)
	if buildErr != nil {
		tb.Fatalf("apptest: template: %v", buildErr)
	}
	app, err := tests.NewTestAppWithConfig(core.BaseAppConfig{DataDir: template})
	if err != nil {
		tb.Fatalf("apptest: clone: %v", err)
	}
	g, err := hooks.Register(app, hooks.Options{Demo: &demo})
	if err != nil {
		tb.Fatalf("apptest: register: %v", err)
	}
	g.SetDemo(demo)
	return app, g
}

// Factory is a tests.ApiScenario TestAppFactory over New.
func Factory(tb testing.TB) *tests.TestApp {
	app, _ := New(tb)
	return app
}

// Token is a valid token of a demo account in every clone.
func Token(tb testing.TB, username string) string {
	tb.Helper()
	once.Do(build)
	t, ok := tokens[username]
	if !ok {
		tb.Fatalf("apptest: no demo account %q", username)
	}
	return t
}

// Auth is the Authorization header of a demo account.
func Auth(tb testing.TB, username string) map[string]string {
	return map[string]string{"Authorization": Token(tb, username)}
}

// UserID is the record id of a demo account (the same in every clone).
func UserID(tb testing.TB, username string) string {
	tb.Helper()
	once.Do(build)
	return ids[username]
}

// UnitID finds a unit id by its exact name.
func UnitID(tb testing.TB, app core.App, name string) string {
	tb.Helper()
	r, err := app.FindFirstRecordByData("units", "name", name)
	if err != nil {
		tb.Fatalf("apptest: no unit %q", name)
	}
	return r.Id
}

// Serve runs app's full route table (its OnServe hooks) on a loopback test
// server and returns its base URL; for flows of several requests, which a
// tests.ApiScenario cannot make. The server closes before app is cleaned up.
func Serve(tb testing.TB, app *tests.TestApp) string {
	tb.Helper()
	router, err := apis.NewRouter(app)
	if err != nil {
		tb.Fatalf("apptest: router: %v", err)
	}
	var srv *httptest.Server
	se := &core.ServeEvent{App: app, Router: router}
	err = app.OnServe().Trigger(se, func(e *core.ServeEvent) error {
		mux, err := e.Router.BuildMux()
		if err != nil {
			return err
		}
		srv = httptest.NewServer(mux) // 127.0.0.1:0
		return nil
	})
	if err != nil {
		tb.Fatalf("apptest: serve: %v", err)
	}
	tb.Cleanup(srv.Close)
	return srv.URL
}
