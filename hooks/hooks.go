// Package hooks wires the application's domain packages onto a PocketBase
// app: the authorizer, sessions, every module's hooks, and the route table
// (routes.go). The same wiring runs under `serve` and under tests.TestApp.
package hooks

import (
	"context"
	"fmt"
	"net/http"

	"github.com/pocketbase/pocketbase/core"

	"govcollab/hooks/api"
	"govcollab/hooks/approval"
	"govcollab/hooks/audit"
	"govcollab/hooks/calendar"
	"govcollab/hooks/casework"
	"govcollab/hooks/files"
	"govcollab/hooks/finder"
	"govcollab/hooks/mailin"
	"govcollab/hooks/notices"
	"govcollab/hooks/notify"
	"govcollab/hooks/org"
	"govcollab/hooks/search"
	"govcollab/hooks/security"
	"govcollab/hooks/security/pii"
	"govcollab/hooks/security/retention"
	"govcollab/hooks/security/totp"
	"govcollab/hooks/training"
	"govcollab/hooks/workbench"
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
	Auth     *security.Auth
	TOTP     *totp.Module
	Org      *org.Module
	Audit    *audit.Audit
	Files    *files.Module
	Cases    *casework.Module
	Notices  *notices.Module
	Docs     *approval.Module
	Calendar *calendar.Module
	Notify   *notify.Module
	Mail     *mailin.Service
	Training *training.Module
	Finder   *finder.Finder
	Bench    *workbench.Workbench

	// PII encrypts personal numbers at rest; Retention purges expired data
	// (modules register their data classes on it).
	PII       *pii.Vault
	Retention *retention.Job
}

// ObjectTypes are every module's policy object types: the built-in policy
// names them all.
func ObjectTypes() []policies.ObjectType {
	var types []policies.ObjectType
	types = append(types, org.ObjectTypes()...)
	types = append(types, security.ObjectTypes()...)
	types = append(types, audit.ObjectTypes()...)
	types = append(types, files.ObjectTypes()...)
	types = append(types, casework.ObjectTypes()...)
	types = append(types, notices.ObjectTypes()...)
	types = append(types, approval.ObjectTypes()...)
	types = append(types, calendar.ObjectTypes()...)
	types = append(types, mailin.ObjectTypes()...)
	types = append(types, training.ObjectTypes()...)
	types = append(types, finder.ObjectTypes()...)
	return types
}

// Register wires everything onto app and returns the wired application.
func Register(app core.App, opts Options) (*Gov, error) {
	authz, err := policies.New(app, migrations.Roles, ObjectTypes()...)
	if err != nil {
		return nil, err
	}
	a := api.NewApp(app, authz)
	g := &Gov{App: a}
	// The data key is loaded once, here: a configured key that is unusable
	// stops the start rather than leave personal numbers unreadable.
	vault, err := pii.LoadKey(app.DataDir())
	if err != nil {
		return nil, fmt.Errorf("个人信息加密密钥不可用 (data key unusable): %w", err)
	}
	pii.Attach(app, vault)
	g.PII = vault
	if vault.Source().InDataDir() {
		app.Logger().Warn("WARNING: the data key is "+vault.Path()+", inside the data directory (and its backups). "+
			"This is for the demo and tests only: production must set "+pii.EnvKeyFile+" to a key file outside the data directory.",
			"source", string(vault.Source()))
	}
	g.Sessions = security.NewSessions(a, security.NewSettingsStore(app))
	g.Auth = security.NewAuth(a, g.Sessions) // lockout, password policy and step
	g.TOTP = totp.New(a, g.Sessions)
	g.Org = org.New(a, g.Sessions.EndAll)
	// every Apply'd change and every security event lands in the audit log,
	// a change's row inside the change's own transaction
	g.Audit = audit.New(a, g.Sessions.Settings)
	if err := g.Audit.UseAnchors(audit.AnchorDir(app.DataDir()), vault.DeriveKey("audit/head-anchor")); err != nil {
		return nil, err
	}
	a.OnChange.BindFunc(g.Audit.OnChange)
	g.Sessions.OnAuthEvent.BindFunc(g.Audit.OnAuthEvent)
	g.Retention = retention.New(a, func() map[string]int { return g.Sessions.Settings.Get(app).Retention })
	g.Retention.Register("sessions", retention.PurgeSessions)
	if g.Files, err = files.New(a, g.Audit, g.Sessions.Settings, vault.DeriveKey("files/url-signing")); err != nil {
		return nil, err
	}
	g.Retention.Register("personal_uploads", files.PurgePending)
	g.Cases = casework.New(a, g.Files, vault, g.Sessions.Settings, g.Audit)
	g.Org.Repathed = append(g.Org.Repathed, g.Cases.Repathed)
	g.Notify = notify.New(a)
	g.Notices = notices.New(a, g.Files, g.Audit)
	g.Docs = approval.New(a, g.Files, g.Audit)
	g.Calendar = calendar.New(a)
	g.Mail = mailin.New(a, g.Files, vault)
	g.Training = training.New(a, g.Files, g.Audit)
	g.Bench = workbench.New(a, g.Docs, g.Notices, g.Cases, g.Training)
	g.Finder = finder.New(a, g.Cases.SearchSource(), g.Notices.SearchSource(), g.Docs.SearchSource(), g.Training.SearchSource())
	g.Retention.Register("raw_mail", mailin.PurgeRaw)
	app.OnTerminate().BindFunc(func(e *core.TerminateEvent) error {
		g.Mail.Stop()
		return e.Next()
	})

	app.OnServe().BindFunc(func(se *core.ServeEvent) error {
		// No browser installer: its token has no session, and superusers are
		// created deliberately from the command line (README).
		se.InstallerFunc = nil
		if err := authz.LoadStored(); err != nil {
			app.Logger().Error("stored policy refused", "error", err.Error())
		}
		// after a migration that changed the index's form
		if err := search.RebuildPending(app, map[string]func(core.App) error{
			casework.DocType: g.Cases.Reindex, notices.DocType: g.Notices.Reindex,
			approval.DocType: g.Docs.Reindex, training.DocType: g.Training.Reindex}); err != nil {
			return err
		}
		groups, err := search.LoadSynonyms(app)
		if err != nil {
			return err
		}
		search.SetSynonyms(groups)
		if opts.Demo != nil && *opts.Demo {
			a.SetDemo(true)
			if err := Seed(g); err != nil {
				return err
			}
		}
		if vault.Source().InDataDir() && (opts.Demo == nil || !*opts.Demo) {
			// logged again after bootstrap, so it lands in the app's logs too
			app.Logger().Error("the data key lies inside the data directory; set " + pii.EnvKeyFile +
				" to a key file outside it (README, Keys)")
		}
		g.Retention.Schedule()
		search.Schedule(app)
		g.Files.Schedule()
		g.Notices.Schedule()
		g.Docs.Schedule()
		if err := g.Mail.Start(context.Background()); err != nil {
			return err
		}
		bindRoutes(se, g)
		return se.Next()
	})
	return g, nil
}

// Seed fills an empty database with the demo province and every module's
// demo content. It does nothing on a database that already has units.
func Seed(g *Gov) error {
	if err := org.SeedDemo(g.App); err != nil {
		return err
	}
	if err := g.Cases.SeedDemo(); err != nil {
		return err
	}
	if err := g.Notices.SeedDemo(); err != nil {
		return err
	}
	if err := g.Docs.SeedDemo(); err != nil {
		return err
	}
	if err := g.Docs.SeedDocs(); err != nil {
		return err
	}
	if err := g.Mail.SeedDemo(g.Docs.RegisterDemo); err != nil {
		return err
	}
	return g.Training.SeedDemo()
}

// Info is GET /api/gov/info: what the login page may know before login.
type Info struct {
	Name string `json:"name"`
	Demo bool   `json:"demo"`
}

func (g *Gov) handleInfo(e *core.RequestEvent) error {
	return e.JSON(http.StatusOK, Info{Name: "政务协同", Demo: g.Demo()})
}
