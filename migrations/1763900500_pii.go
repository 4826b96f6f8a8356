package migrations

import (
	"fmt"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"

	"govcollab/hooks/security/pii"
)

func init() {
	m.Register(upPII, downPII)
}

// upPII encrypts personal numbers at rest: users.phone and users.id_number
// hold SM4-GCM ciphertext, and phone_hash / id_number_hash (hidden,
// indexed) their keyed SM3 hashes for exact lookup. Rows stored before
// this migration are encrypted here, with the key pii.LoadKey finds (the
// same one the application loads at start).
func upPII(app core.App) error {
	vault, err := pii.LoadKey(app.DataDir())
	if err != nil {
		return err
	}
	users, err := app.FindCollectionByNameOrId("users")
	if err != nil {
		return err
	}
	for _, name := range []string{"phone", "id_number"} {
		if f, ok := users.Fields.GetByName(name).(*core.TextField); ok {
			f.Max = 200 // ciphertext is longer than the number
		}
	}
	users.Fields.Add(
		&core.TextField{Name: "phone_hash", Hidden: true, Max: 64},
		&core.TextField{Name: "id_number_hash", Hidden: true, Max: 64},
	)
	users.AddIndex("idx_users_phone_hash", false, "phone_hash", "")
	users.AddIndex("idx_users_id_number_hash", false, "id_number_hash", "")
	if err := app.Save(users); err != nil {
		return err
	}
	return recryptUsers(app, func(id, phone, idNumber string) (dbx.Params, error) {
		p := dbx.Params{}
		for _, f := range []struct{ col, kind, v string }{{"phone", pii.KindPhone, phone}, {"id_number", pii.KindIDNumber, idNumber}} {
			if f.v == "" || pii.Encrypted(f.v) {
				continue
			}
			c, h, err := vault.Seal(f.kind, f.v)
			if err != nil {
				return nil, err
			}
			p[f.col], p[f.col+"_hash"] = c, h
		}
		return p, nil
	})
}

// downPII puts the numbers back in the clear and drops the hashes.
func downPII(app core.App) error {
	vault, err := pii.LoadKey(app.DataDir())
	if err != nil {
		return err
	}
	err = recryptUsers(app, func(id, phone, idNumber string) (dbx.Params, error) {
		p := dbx.Params{}
		for _, f := range []struct{ col, v string }{{"phone", phone}, {"id_number", idNumber}} {
			if !pii.Encrypted(f.v) {
				continue
			}
			plain, err := vault.Decrypt(f.v)
			if err != nil {
				return nil, fmt.Errorf("users/%s %s: %w", id, f.col, err)
			}
			p[f.col] = plain
		}
		return p, nil
	})
	if err != nil {
		return err
	}
	users, err := app.FindCollectionByNameOrId("users")
	if err != nil {
		return err
	}
	users.RemoveIndex("idx_users_phone_hash")
	users.RemoveIndex("idx_users_id_number_hash")
	users.Fields.RemoveByName("phone_hash")
	users.Fields.RemoveByName("id_number_hash")
	return app.Save(users)
}

// recryptUsers updates each user row with the columns fn returns (raw SQL:
// no record hooks, no audit; a schema step).
func recryptUsers(app core.App, fn func(id, phone, idNumber string) (dbx.Params, error)) error {
	var rows []struct {
		ID       string `db:"id"`
		Phone    string `db:"phone"`
		IDNumber string `db:"id_number"`
	}
	if err := app.DB().NewQuery("SELECT id, phone, id_number FROM users WHERE phone != '' OR id_number != ''").All(&rows); err != nil {
		return err
	}
	for _, r := range rows {
		p, err := fn(r.ID, r.Phone, r.IDNumber)
		if err != nil {
			return err
		}
		if len(p) == 0 {
			continue
		}
		if _, err := app.DB().Update("users", p, dbx.HashExp{"id": r.ID}).Execute(); err != nil {
			return err
		}
	}
	return nil
}
