package mailin

import (
	"time"

	"github.com/pocketbase/pocketbase/core"

	"govcollab/hooks/api"
	"govcollab/hooks/files"
	"govcollab/hooks/security/pii"
	"govcollab/policies"
)

// Service is the wired mail-in module: mailbox settings, the workers and
// ingestion.
type Service struct {
	app    *api.App
	files  *files.Module
	vault  *pii.Vault
	limits Limits
	now    func() time.Time
	run    *runner
}

// New wires mail-in: raw messages are downloaded by those who may handle
// their queue item.
func New(app *api.App, fm *files.Module, vault *pii.Vault) *Service {
	s := &Service{app: app, files: fm, vault: vault, limits: DefaultLimits(), now: time.Now}
	s.run = newRunner(s)
	fm.RegisterOwner(RawRef, func(a core.App, sub *policies.Subject, f *core.Record) (bool, error) {
		in, err := a.FindRecordById(InboundTable, f.GetString("ref_id"))
		if err != nil {
			return false, nil
		}
		ok, _ := app.Authz.Can(sub, "handle", in)
		return ok, nil
	})
	return s
}

// ObjectTypes are mail-in's policy object types: a mailbox's settings
// belong to its unit.
func ObjectTypes() []policies.ObjectType {
	return []policies.ObjectType{{
		Name: "mailbox", Table: MailboxesTable,
		Actions: []string{"read", "manage"},
		Unit:    "unit", UnitPath: "unit_path",
	}}
}
