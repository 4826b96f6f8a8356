package migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"
)

func init() {
	m.Register(upAudit, downAudit)
}

// upAudit adds the hash-chained audit log (written only by hooks/audit, read
// only through its auditor routes: no API rules) and the checkpoints the
// retention purge leaves behind, from which the chain check starts.
func upAudit(app core.App) error {
	log := core.NewBaseCollection("audit_log")
	log.Fields.Add(
		&core.NumberField{Name: "seq", OnlyInt: true, Required: true},
		&core.DateField{Name: "time"},
		&core.TextField{Name: "actor"},
		&core.TextField{Name: "actor_name"},
		&core.TextField{Name: "unit"},
		&core.TextField{Name: "unit_name"},
		&core.TextField{Name: "ip"},
		&core.TextField{Name: "action"},
		&core.TextField{Name: "object"},
		&core.TextField{Name: "result"},
		&core.TextField{Name: "detail"},
		&core.TextField{Name: "before"},
		&core.TextField{Name: "after"},
		&core.TextField{Name: "prev_hash"},
		&core.TextField{Name: "hash"},
	)
	log.AddIndex("idx_audit_log_seq", true, "seq", "")
	log.AddIndex("idx_audit_log_time", false, "time", "")
	log.AddIndex("idx_audit_log_actor", false, "actor, seq", "")
	log.AddIndex("idx_audit_log_action", false, "action, seq", "")
	if err := app.Save(log); err != nil {
		return err
	}

	cps := core.NewBaseCollection("audit_checkpoints")
	cps.Fields.Add(
		&core.NumberField{Name: "seq", OnlyInt: true, Required: true},
		&core.TextField{Name: "hash"},
		&core.DateField{Name: "time"},
		&core.DateField{Name: "cutoff"},
		&core.NumberField{Name: "deleted", OnlyInt: true},
	)
	cps.AddIndex("idx_audit_checkpoints_seq", true, "seq", "")
	return app.Save(cps)
}

func downAudit(app core.App) error {
	for _, name := range []string{"audit_checkpoints", "audit_log"} {
		c, err := app.FindCollectionByNameOrId(name)
		if err != nil {
			return err
		}
		if err := app.Delete(c); err != nil {
			return err
		}
	}
	return nil
}
