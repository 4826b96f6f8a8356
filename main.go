// Command govcollab is 政务协同: a collaboration and knowledge-sharing
// intranet for government staff. main only wires; the application lives in
// hooks/, the schema in migrations/, the policy in policies/.
package main

import (
	"log"
	"os"

	"github.com/pocketbase/pocketbase"

	"govcollab/hooks"
	"govcollab/hooks/security"
	_ "govcollab/migrations"
)

// version is set at release build time (make release).
var version = "dev"

func main() {
	app := pocketbase.New()
	app.RootCmd.Version = version

	var demo bool
	app.RootCmd.PersistentFlags().BoolVar(&demo, "demo", false,
		"seed the demo province into an empty database and allow demo accounts to log in")

	g, err := hooks.Register(app, hooks.Options{Demo: &demo})
	if err != nil {
		log.Fatal(err)
	}
	app.RootCmd.AddCommand(g.Files.Commands()...)
	// serve --https with the intranet's own certificate (README, Deployment)
	app.OnServe().BindFunc(security.OwnCertificate(os.Getenv))
	app.OnBootstrap().BindFunc(security.TrustProxy(os.Getenv))
	if err := app.Start(); err != nil {
		log.Fatal(err)
	}
}
