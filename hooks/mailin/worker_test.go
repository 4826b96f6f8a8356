package mailin_test

import (
	"errors"
	"testing"
	"time"

	"github.com/pocketbase/dbx"

	"govcollab/hooks/apptest"
	"govcollab/hooks/mailin"
)

var goodMail = []string{"gbk.eml", "gb2312.eml", "utf8_nested.eml", "html_only.eml", "big5.eml"}

// ledger counts a mailbox's ledger rows and mail-in queue items.
func ledger(t testing.TB, e *apptest.Env, box string) (rows, items int) {
	p := dbx.Params{"b": box}
	return countSQL(t, e, "SELECT COUNT(*) FROM mail_messages WHERE mailbox = {:b}", p),
		countSQL(t, e, "SELECT COUNT(*) FROM inbound WHERE mailbox = {:b} AND source = 'mail'", p)
}

// TestExactlyOnce: messages are taken in once each across new mail while
// idling, a restart of the workers, and a rebuilt mailbox (new
// UIDVALIDITY) holding the same messages again; each lands in its folder.
func TestExactlyOnce(t *testing.T) {
	e := newEnv(t)
	srv := startIMAP(t)
	e.G.Mail.SetTuning(fastTuning(false))
	for _, f := range goodMail[:3] {
		srv.Append(t, "INBOX", corpusFile(t, f))
	}
	box := addMailbox(t, e, srv, true)
	started(t, e)
	waitFor(t, "the first three messages", 10*time.Second, func() bool { r, i := ledger(t, e, box); return r == 3 && i == 3 })

	// new mail while the worker idles, one of them classified
	srv.Append(t, "INBOX", corpusFile(t, goodMail[3]))
	srv.Append(t, "INBOX", corpusFile(t, "classified.eml"))
	waitFor(t, "mail that arrived during IDLE", 10*time.Second, func() bool { r, i := ledger(t, e, box); return r == 5 && i == 5 })
	waitFor(t, "the folders", 5*time.Second, func() bool {
		return srv.Count(t, "INBOX") == 0 && srv.Count(t, "Processed") == 4 && srv.Count(t, "Quarantine") == 1
	})
	var reason string
	_ = e.App.DB().NewQuery("SELECT reason FROM inbound WHERE mailbox = {:b} AND status = 'quarantined'").Bind(dbx.Params{"b": box}).Row(&reason)
	if reason == "" {
		t.Fatal("the classified message was not quarantined with a reason")
	}

	// restart: nothing new, nothing twice
	e.G.Mail.Stop()
	started(t, e)
	time.Sleep(500 * time.Millisecond)
	if r, i := ledger(t, e, box); r != 5 || i != 5 {
		t.Fatalf("after a restart: %d ledger rows, %d items", r, i)
	}

	// the mailbox rebuilt: new UIDVALIDITY, the same messages again, one new
	if err := srv.User.Delete("INBOX"); err != nil {
		t.Fatal(err)
	}
	if err := srv.User.Create("INBOX", nil); err != nil {
		t.Fatal(err)
	}
	for _, f := range append(goodMail[:4:4], "classified.eml", goodMail[4]) {
		srv.Append(t, "INBOX", corpusFile(t, f))
	}
	waitFor(t, "the rebuilt mailbox", 15*time.Second, func() bool {
		r, i := ledger(t, e, box)
		return r == 6 && i == 6 && srv.Count(t, "INBOX") == 0
	})
	if n := countSQL(t, e, "SELECT COUNT(DISTINCT uidvalidity) FROM mail_messages WHERE mailbox = {:b}", dbx.Params{"b": box}); n != 1 {
		t.Fatalf("known messages keep %d UIDVALIDITYs; their new place was not written", n)
	}
}

// TestCrashAfterCommit: a failure between a message's commit and its move
// (the process dying there) neither loses nor doubles it; the next session
// only moves it.
func TestCrashAfterCommit(t *testing.T) {
	e := newEnv(t)
	srv := startIMAP(t)
	e.G.Mail.SetTuning(fastTuning(false))
	crashes := 0
	mailin.SetAfterCommit(e.G.Mail, func(uid uint32) error {
		if crashes < 2 {
			crashes++
			return errors.New("crash after commit")
		}
		return nil
	})
	for _, f := range goodMail {
		srv.Append(t, "INBOX", corpusFile(t, f))
	}
	box := addMailbox(t, e, srv, true)
	started(t, e)
	waitFor(t, "all moved", 15*time.Second, func() bool { return srv.Count(t, "Processed") == uint32(len(goodMail)) })
	if r, i := ledger(t, e, box); r != len(goodMail) || i != len(goodMail) || crashes != 2 {
		t.Fatalf("%d ledger rows, %d items after %d crashes; want %d", r, i, crashes, len(goodMail))
	}
}

// TestKillMidBatch: the workers stopped in the middle of a batch and
// started again take in every message exactly once.
func TestKillMidBatch(t *testing.T) {
	e := newEnv(t)
	srv := startIMAP(t)
	e.G.Mail.SetTuning(fastTuning(false))
	const n = 40
	for i := range n {
		raw := corpusFile(t, goodMail[i%len(goodMail)])
		// a distinct message each time (another Message-ID and bytes)
		raw = append([]byte("X-Seq: "+string(rune('A'+i%26))+string(rune('a'+i/26))+"\r\n"), raw...)
		srv.Append(t, "INBOX", raw)
	}
	box := addMailbox(t, e, srv, false)
	started(t, e)
	waitFor(t, "a part of the batch", 20*time.Second, func() bool { r, _ := ledger(t, e, box); return r >= 5 })
	e.G.Mail.Stop() // killed mid-batch
	if r, _ := ledger(t, e, box); r == n {
		t.Log("the batch finished before the stop; the restart below still checks duplicates")
	}
	started(t, e)
	waitFor(t, "the whole batch", 30*time.Second, func() bool { r, i := ledger(t, e, box); return r == n && i == n })
	time.Sleep(300 * time.Millisecond)
	if r, i := ledger(t, e, box); r != n || i != n {
		t.Fatalf("%d ledger rows, %d items; want %d", r, i, n)
	}
}

// TestPollWithoutIdle: with IDLE off the worker polls and still finds new
// mail, and its state says so.
func TestPollWithoutIdle(t *testing.T) {
	e := newEnv(t)
	srv := startIMAP(t)
	e.G.Mail.SetTuning(fastTuning(true))
	box := addMailbox(t, e, srv, false)
	started(t, e)
	waitFor(t, "the polling state", 5*time.Second, func() bool {
		return countSQL(t, e, "SELECT COUNT(*) FROM mailboxes WHERE id = {:b} AND state = 'polling'", dbx.Params{"b": box}) == 1
	})
	srv.Append(t, "INBOX", corpusFile(t, "gbk.eml"))
	waitFor(t, "polled mail", 5*time.Second, func() bool { r, i := ledger(t, e, box); return r == 1 && i == 1 })
}

// TestReconnect: a wrong password leaves the mailbox in error with the
// reason, retried with backoff; fixing it brings mail in.
func TestReconnect(t *testing.T) {
	e := newEnv(t)
	srv := startIMAP(t)
	e.G.Mail.SetTuning(fastTuning(false))
	srv.Append(t, "INBOX", corpusFile(t, "gbk.eml"))
	box := addMailbox(t, e, srv, false)
	e.Must(200, "clerk.west", "PATCH", "/api/gov/mailboxes/"+box, map[string]any{"password": "wrong-password"})
	started(t, e)
	waitFor(t, "the login error", 5*time.Second, func() bool {
		return countSQL(t, e, "SELECT COUNT(*) FROM mailboxes WHERE id = {:b} AND state = 'error' AND last_error LIKE '%登录失败%'", dbx.Params{"b": box}) == 1
	})
	e.Must(200, "clerk.west", "PATCH", "/api/gov/mailboxes/"+box, map[string]any{"password": imapPassword})
	waitFor(t, "mail after the fix", 5*time.Second, func() bool { r, _ := ledger(t, e, box); return r == 1 })
}
