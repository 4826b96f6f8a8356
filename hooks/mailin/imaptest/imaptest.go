// Package imaptest runs go-imap's own in-memory IMAP server on 127.0.0.1
// for tests: one account (shouwen / Password) holding INBOX, Processed and
// Quarantine.
package imaptest

import (
	"bytes"
	"io"
	"log"
	"net"
	"strconv"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/emersion/go-imap/v2/imapserver"
	"github.com/emersion/go-imap/v2/imapserver/imapmemserver"
)

// Account and Password log in to the server.
const (
	Account  = "shouwen"
	Password = "imap-Secret-2026"
)

// Server is a running server.
type Server struct {
	Addr string
	User *imapmemserver.User

	fetched imap.UID
}

// Start runs a server until the test ends.
func Start(t testing.TB) *Server {
	t.Helper()
	mem := imapmemserver.New()
	user := imapmemserver.NewUser(Account, Password)
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
	return &Server{Addr: ln.Addr().String(), User: user}
}

// Port is the server's port.
func (s *Server) Port() int {
	_, p, _ := net.SplitHostPort(s.Addr)
	n, _ := strconv.Atoi(p)
	return n
}

// Append delivers a message into folder.
func (s *Server) Append(t testing.TB, folder string, raw []byte) {
	t.Helper()
	if _, err := s.User.Append(folder, bytes.NewReader(raw), &imap.AppendOptions{Time: time.Now()}); err != nil {
		t.Fatal(err)
	}
}

// Count is how many messages a folder holds.
func (s *Server) Count(t testing.TB, folder string) uint32 {
	t.Helper()
	st, err := s.User.Status(folder, &imap.StatusOptions{NumMessages: true})
	if err != nil {
		t.Fatal(err)
	}
	return *st.NumMessages
}

// FetchNew reads every message above the last one it read, as a client
// that only fetches would, and says how long that took.
func (s *Server) FetchNew(t testing.TB, folder string) time.Duration {
	t.Helper()
	start := time.Now()
	c, err := imapclient.DialInsecure(s.Addr, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Login(Account, Password).Wait(); err != nil {
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
