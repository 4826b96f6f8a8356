package migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"
)

func init() {
	m.Register(upTOTP, downTOTP)
}

// upTOTP adds user_totp: one row per account holding a second factor. The
// secrets are encrypted at rest (hooks/security/totp) and the recovery codes
// are kept as salted SM3 hashes. No API rules: only our routes touch it.
func upTOTP(app core.App) error {
	c := core.NewBaseCollection("user_totp")
	c.Fields.Add(
		&core.TextField{Name: "user", Required: true, Max: 15},
		&core.TextField{Name: "secret", Max: 500},         // confirmed secret, encrypted
		&core.TextField{Name: "pending_secret", Max: 500}, // being enrolled, encrypted
		&core.DateField{Name: "confirmed_at"},
		&core.NumberField{Name: "last_step", OnlyInt: true},
		&core.NumberField{Name: "failures", OnlyInt: true},
		&core.JSONField{Name: "recovery", MaxSize: 4000}, // ["salt$sm3", ...], used ones removed
		&core.AutodateField{Name: "created", OnCreate: true},
		&core.AutodateField{Name: "updated", OnCreate: true, OnUpdate: true},
	)
	c.AddIndex("idx_user_totp_user", true, "user", "")
	return app.Save(c)
}

func downTOTP(app core.App) error {
	c, err := app.FindCollectionByNameOrId("user_totp")
	if err != nil {
		return err
	}
	return app.Delete(c)
}
