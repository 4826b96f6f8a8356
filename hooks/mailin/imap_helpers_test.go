package mailin_test

import (
	"bytes"
	"context"
	"io"
	"log"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/emersion/go-imap/v2/imapserver"
	"github.com/emersion/go-imap/v2/imapserver/imapmemserver"
	"github.com/pocketbase/dbx"

	"govcollab/hooks/apptest"
	"govcollab/hooks/mailin"
)

// imapServer is go-imap's own in-memory server on 127.0.0.1, with one
// account (shouwen / the password) holding INBOX, Processed and Quarantine.
type imapServer struct {
	addr    string
	user    *imapmemserver.User
	fetched imap.UID
}

const imapPassword = "imap-Secret-2026"

func startIMAP(t testing.TB) *imapServer {
	t.Helper()
	mem := imapmemserver.New()
	user := imapmemserver.NewUser("shouwen", imapPassword)
	for _, box := range []string{"INBOX", "Processed", "Quarantine"} {
		if err := user.Create(box, nil); err != nil {
			t.Fatal(err)
		}
	}
	mem.AddUser(user)
	srv := imapserver.New(&imapserver.Options{
		NewSession: func(*imapserver.Conn) (imapserver.Session, *imapserver.GreetingData, error) {
			return mem.NewSession(), nil, nil
		},
		Caps:         imap.CapSet{imap.CapIMAP4rev1: {}, imap.CapIMAP4rev2: {}},
		InsecureAuth: true,
		Logger:       log.New(io.Discard, "", 0),
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { srv.Close() })
	return &imapServer{addr: ln.Addr().String(), user: user}
}

func (s *imapServer) appendMsg(t testing.TB, folder string, raw []byte) {
	t.Helper()
	if _, err := s.user.Append(folder, bytes.NewReader(raw), &imap.AppendOptions{Time: time.Now()}); err != nil {
		t.Fatal(err)
	}
}

// count is how many messages a folder holds.
func (s *imapServer) count(t testing.TB, folder string) uint32 {
	t.Helper()
	st, err := s.user.Status(folder, &imap.StatusOptions{NumMessages: true})
	if err != nil {
		t.Fatal(err)
	}
	return *st.NumMessages
}

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
	office, err := e.App.FindFirstRecordByData("units", "name", "西城市人民政府办公室")
	if err != nil {
		t.Fatal(err)
	}
	host, port, _ := net.SplitHostPort(s.addr)
	var p int
	for _, c := range port {
		p = p*10 + int(c-'0')
	}
	body := map[string]any{"unit": office.Id, "name": "收文邮箱", "host": host, "port": p, "security": "none",
		"username": "shouwen", "password": imapPassword, "folder": "INBOX", "active": true}
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

// fetchAll reads every message above the last one it read, as a client
// that only fetches would (the baseline of BenchmarkIngest).
func (s *imapServer) fetchAll(t testing.TB, folder string) time.Duration {
	t.Helper()
	start := time.Now()
	c, err := imapclient.DialInsecure(s.addr, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Login("shouwen", imapPassword).Wait(); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Select(folder, &imap.SelectOptions{ReadOnly: true}).Wait(); err != nil {
		t.Fatal(err)
	}
	set := imap.UIDSet{imap.UIDRange{Start: s.fetched + 1, Stop: 0}}
	msgs, err := c.Fetch(set, &imap.FetchOptions{UID: true, BodySection: []*imap.FetchItemBodySection{{Peek: true}}}).Collect()
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range msgs {
		s.fetched = max(s.fetched, m.UID)
	}
	return time.Since(start)
}
