package mailin_test

import (
	"context"
	"testing"
	"time"

	"github.com/pocketbase/dbx"

	"govcollab/hooks/mailin"
)

// TestRawMailRetention: the daily job lets raw messages go after the
// raw_mail period — audited — while the ledger keeps knowing them (the
// same message is not taken in again) and the registered 收文 and its
// attachments stay.
func TestRawMailRetention(t *testing.T) {
	e := newEnv(t)
	srv := startIMAP(t)
	boxID := addMailbox(t, e, srv, false)
	box, err := e.App.FindRecordById("mailboxes", boxID)
	if err != nil {
		t.Fatal(err)
	}
	raw := corpusFile(t, "gbk.eml")
	out, inbound, err := e.G.Mail.Ingest(context.Background(), mailin.Fetched{Mailbox: box, UIDValidity: 7, UID: 1, Raw: raw})
	if err != nil || out != mailin.Ingested {
		t.Fatalf("ingest: %s %v", out, err)
	}
	count := func(q string) int { return countSQL(t, e, q, dbx.Params{"id": inbound}) }
	if count("SELECT COUNT(*) FROM files WHERE ref_type = 'mail_raw' AND ref_id = {:id}") != 1 {
		t.Fatal("no raw message kept")
	}
	// within the period nothing goes
	if _, err := e.G.Retention.RunOnce(time.Now().Add(24 * time.Hour)); err != nil {
		t.Fatal(err)
	}
	if count("SELECT COUNT(*) FROM files WHERE ref_type = 'mail_raw' AND ref_id = {:id}") != 1 {
		t.Fatal("a raw message went before its time")
	}
	// past the period (raw_mail: 90 days by default)
	purges, err := e.G.Retention.RunOnce(time.Now().Add(91 * 24 * time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, p := range purges {
		if p.Class == "raw_mail" && p.Purged == 1 {
			found = true
		}
	}
	if !found {
		t.Fatalf("purges %+v", purges)
	}
	if count("SELECT COUNT(*) FROM files WHERE ref_type = 'mail_raw' AND ref_id = {:id}") != 0 ||
		count("SELECT COUNT(*) FROM mail_messages WHERE inbound = {:id} AND raw_key = '' AND raw_purged_at != ''") != 1 {
		t.Fatal("the raw message was not let go, or its ledger row went with it")
	}
	if count("SELECT COUNT(*) FROM files WHERE ref_type = 'inbound' AND ref_id = {:id}") != 1 {
		t.Fatal("the purge took the 收文's attachment")
	}
	if count("SELECT COUNT(*) FROM audit_log WHERE action = 'retention.purge' AND object = 'retention/raw_mail'") == 0 {
		t.Fatal("the purge was not audited")
	}
	// the same message, fetched again: known by its hash
	if out, _, err := e.G.Mail.Ingest(context.Background(), mailin.Fetched{Mailbox: box, UIDValidity: 8, UID: 3, Raw: raw}); err != nil || out != mailin.Duplicate {
		t.Fatalf("after the purge the message came in again: %s %v", out, err)
	}
}
