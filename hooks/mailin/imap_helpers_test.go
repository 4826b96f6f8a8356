package mailin_test

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/pocketbase/dbx"

	"govcollab/hooks/apptest"
	"govcollab/hooks/mailin"
	"govcollab/hooks/mailin/imaptest"
)

// imapServer is the test server (hooks/mailin/imaptest).
type imapServer = imaptest.Server

const imapPassword = imaptest.Password

func startIMAP(t testing.TB) *imapServer { return imaptest.Start(t) }

func corpusFile(t testing.TB, name string) []byte {
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// fastTuning makes reconnects and polls quick.
func fastTuning(pollOnly bool) mailin.Tuning {
	return mailin.Tuning{PollEvery: 200 * time.Millisecond, IdleRestart: 2 * time.Second, Timeout: 5 * time.Second,
		MinBackoff: 50 * time.Millisecond, MaxBackoff: 400 * time.Millisecond, PollOnly: pollOnly}
}

// addMailbox configures the server's account as 西城市人民政府办公室's
// mailbox through the API, as its clerk.
func addMailbox(t testing.TB, e *apptest.Env, s *imapServer, moveTo bool) string {
	t.Helper()
	return addMailboxActive(t, e, s, moveTo, true)
}

// addMailboxActive is addMailbox, switched on or off from the start (an
// active one is taken in at once: the app's workers run).
func addMailboxActive(t testing.TB, e *apptest.Env, s *imapServer, moveTo, active bool) string {
	t.Helper()
	office, err := e.App.FindFirstRecordByData("units", "name", "西城市人民政府办公室")
	if err != nil {
		t.Fatal(err)
	}
	host, port, _ := net.SplitHostPort(s.Addr)
	var p int
	for _, c := range port {
		p = p*10 + int(c-'0')
	}
	body := map[string]any{"unit": office.Id, "name": "收文邮箱", "host": host, "port": p, "security": "none",
		"username": "shouwen", "password": imapPassword, "folder": "INBOX", "active": active}
	if moveTo {
		body["processed_folder"], body["quarantine_folder"] = "Processed", "Quarantine"
	}
	out := e.Must(201, "clerk.west", "POST", "/api/gov/mailboxes", body)
	return out["id"].(string)
}

// waitFor polls cond until it holds or the deadline passes.
func waitFor(t testing.TB, what string, d time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func countSQL(t testing.TB, e *apptest.Env, q string, p dbx.Params) int {
	t.Helper()
	var n int
	if err := e.App.DB().NewQuery(q).Bind(p).Row(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// started runs the workers until the test ends.
func started(t testing.TB, e *apptest.Env) {
	t.Helper()
	if err := e.G.Mail.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(e.G.Mail.Stop)
}

// newEnv is the demo app without the demo's mail (its mailbox, ledger,
// queue items and their files), so a test counts only its own.
func newEnv(t testing.TB) *apptest.Env {
	t.Helper()
	e := apptest.NewEnv(t)
	for _, q := range []string{
		"DELETE FROM files WHERE ref_type = 'mail_raw' OR (ref_type = 'inbound' AND ref_id IN (SELECT id FROM inbound WHERE source = 'mail'))",
		"DELETE FROM inbound WHERE source = 'mail'",
		"DELETE FROM mail_messages",
		"DELETE FROM mailboxes",
	} {
		if _, err := e.App.DB().NewQuery(q).Execute(); err != nil {
			t.Fatal(err)
		}
	}
	return e
}
