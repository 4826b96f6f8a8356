// Package hooks wires the application's domain packages onto a PocketBase
// app: the authorizer, sessions, every module's hooks, and the route table
// (routes.go). The same wiring runs under `serve` and under tests.TestApp.
package hooks

import (
	"net/http"

	"github.com/pocketbase/pocketbase/core"

	"govcollab/hooks/api"
	"govcollab/hooks/org"
	"govcollab/hooks/security"
	"govcollab/migrations"
	"govcollab/policies"
)

// Options are the serve-time switches main reads from flags.
type Options struct {
	// Demo, when it points to true at serve time, seeds the demo province
	// into an empty database and lets demo accounts log in.
	Demo *bool
}

// Gov is the wired application.
type Gov struct {
	*api.App
	Sessions *security.Sessions
	Org      *org.Module
}

// Register wires everything onto app and returns the wired application.
func Register(app core.App, opts Options) (*Gov, error) {
	var types []policies.ObjectType
	types = append(types, org.ObjectTypes()...)
	authz, err := policies.New(app, migrations.Roles, types...)
	if err != nil {
		return nil, err
	}
	a := api.NewApp(app, authz)
	g := &Gov{App: a}
	g.Sessions = security.NewSessions(a, security.NewSettingsStore(app))
	g.Org = org.New(a, g.Sessions.EndAll)

	app.OnServe().BindFunc(func(se *core.ServeEvent) error {
		// No browser installer: its token has no session, and superusers are
		// created deliberately from the command line (README).
		se.InstallerFunc = nil
		if err := authz.LoadStored(); err != nil {
			app.Logger().Error("stored policy refused", "error", err.Error())
		}
		if opts.Demo != nil && *opts.Demo {
			a.SetDemo(true)
			if err := Seed(a); err != nil {
				return err
			}
		}
		bindRoutes(se, g)
		return se.Next()
	})
	return g, nil
}

// Seed fills an empty database with the demo province and every module's
// demo content. It does nothing on a database that already has units.
func Seed(a *api.App) error {
	return org.SeedDemo(a)
}

// Info is GET /api/gov/info: what the login page may know before login.
type Info struct {
	Name string `json:"name"`
	Demo bool   `json:"demo"`
}

func (g *Gov) handleInfo(e *core.RequestEvent) error {
	return e.JSON(http.StatusOK, Info{Name: "政务协同", Demo: g.Demo()})
}
