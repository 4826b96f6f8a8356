package migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"
)

func init() {
	m.Register(upSecurity, downSecurity)
}

// upSecurity adds the secadmin-kept security settings (one row) and the
// steps a session still owes before its token is unrestricted.
func upSecurity(app core.App) error {
	settings := core.NewBaseCollection("security_settings")
	settings.Fields.Add(
		&core.JSONField{Name: "data", MaxSize: 1 << 16},
		&core.TextField{Name: "updated_by", Max: 15},
		&core.AutodateField{Name: "updated", OnCreate: true, OnUpdate: true},
	)
	if err := app.Save(settings); err != nil {
		return err
	}
	sessions, err := app.FindCollectionByNameOrId("sessions")
	if err != nil {
		return err
	}
	sessions.Fields.Add(&core.JSONField{Name: "pending", MaxSize: 1000})
	return app.Save(sessions)
}

func downSecurity(app core.App) error {
	c, err := app.FindCollectionByNameOrId("security_settings")
	if err != nil {
		return err
	}
	if err := app.Delete(c); err != nil {
		return err
	}
	sessions, err := app.FindCollectionByNameOrId("sessions")
	if err != nil {
		return err
	}
	sessions.Fields.RemoveByName("pending")
	return app.Save(sessions)
}
