package migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"
)

func init() {
	m.Register(upMailin, downMailin)
}

// upMailin adds mail-in (收文 by e-mail):
//   - mailboxes: one IMAP mailbox per receiving office; the password is
//     stored SM4-encrypted (secret_enc), never returned by the API.
//   - mail_messages: the ingestion ledger. A message is known by (mailbox,
//     uidvalidity, uid) and by the sha256 of its raw bytes; both are unique
//     per mailbox, so a re-fetch after a crash or a UIDVALIDITY change
//     finds the row and ingests nothing twice. raw_key names the .eml in
//     the object store until the raw_mail retention purges it.
//   - inbound gains the mail's text, sender address and its ledger row;
//     files of an inbound item are attached to it (ref_type "inbound").
func upMailin(app core.App) error {
	mb := core.NewBaseCollection("mailboxes")
	mb.Fields.Add(
		&core.TextField{Name: "unit", Required: true, Max: 15},
		&core.TextField{Name: "unit_path", Required: true, Max: 400},
		&core.TextField{Name: "name", Required: true, Max: 100},
		&core.TextField{Name: "host", Required: true, Max: 255},
		&core.NumberField{Name: "port", OnlyInt: true},
		&core.SelectField{Name: "security", Required: true, MaxSelect: 1, Values: []string{"tls", "starttls", "none"}},
		&core.TextField{Name: "username", Required: true, Max: 255},
		&core.TextField{Name: "secret_enc", Max: 2000},
		&core.TextField{Name: "folder", Required: true, Max: 200},
		&core.TextField{Name: "processed_folder", Max: 200},
		&core.TextField{Name: "quarantine_folder", Max: 200},
		&core.BoolField{Name: "active"},
		&core.NumberField{Name: "uidvalidity", OnlyInt: true},
		&core.TextField{Name: "state", Max: 20}, // idle|polling|connecting|error|stopped
		&core.TextField{Name: "last_error", Max: 2000},
		&core.DateField{Name: "last_ok"},
		&core.TextField{Name: "updated_by", Max: 15},
		&core.AutodateField{Name: "created", OnCreate: true},
		&core.AutodateField{Name: "updated", OnCreate: true, OnUpdate: true},
	)
	mb.AddIndex("idx_mailboxes_unit", false, "unit", "")
	if err := app.Save(mb); err != nil {
		return err
	}

	mm := core.NewBaseCollection("mail_messages")
	mm.Fields.Add(
		&core.TextField{Name: "mailbox", Required: true, Max: 15},
		&core.NumberField{Name: "uidvalidity", OnlyInt: true},
		&core.NumberField{Name: "uid", OnlyInt: true},
		&core.TextField{Name: "message_id", Max: 998},
		&core.TextField{Name: "sha256", Required: true, Max: 64},
		&core.TextField{Name: "raw_key", Max: 200},
		&core.NumberField{Name: "size", OnlyInt: true},
		&core.SelectField{Name: "status", Required: true, MaxSelect: 1, Values: []string{"ingested", "quarantined"}},
		&core.TextField{Name: "reason", Max: 2000},
		&core.TextField{Name: "inbound", Max: 15},
		&core.DateField{Name: "raw_purged_at"},
		&core.AutodateField{Name: "created", OnCreate: true},
	)
	mm.AddIndex("idx_mail_messages_hash", true, "mailbox, sha256", "")
	mm.AddIndex("idx_mail_messages_uid", true, "mailbox, uidvalidity, uid", "")
	mm.AddIndex("idx_mail_messages_created", false, "created", "")
	if err := app.Save(mm); err != nil {
		return err
	}

	in, err := app.FindCollectionByNameOrId("inbound")
	if err != nil {
		return err
	}
	in.Fields.Add(
		&core.TextField{Name: "body", Max: 200000},
		&core.TextField{Name: "sender_addr", Max: 320},
		&core.TextField{Name: "mailbox", Max: 15},
		&core.TextField{Name: "mail", Max: 15},
	)
	return app.Save(in)
}

func downMailin(app core.App) error {
	in, err := app.FindCollectionByNameOrId("inbound")
	if err == nil {
		for _, f := range []string{"body", "sender_addr", "mailbox", "mail"} {
			in.Fields.RemoveByName(f)
		}
		if err := app.Save(in); err != nil {
			return err
		}
	}
	return dropCollections(app, "mail_messages", "mailboxes")
}
