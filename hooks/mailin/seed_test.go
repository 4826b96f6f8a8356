package mailin_test

import (
	"testing"

	"github.com/pocketbase/dbx"

	"govcollab/hooks/apptest"
)

// TestDemoSeed: the demo has a switched-off mailbox, registered mail 收文
// and one quarantined message, all visible to 西城市's clerk.
func TestDemoSeed(t *testing.T) {
	e := apptest.NewEnv(t)
	n := func(q string) int { return countSQL(t, e, q, dbx.Params{}) }
	if n("SELECT COUNT(*) FROM mailboxes WHERE active = FALSE") != 1 {
		t.Fatal("no demo mailbox")
	}
	if got := n("SELECT COUNT(*) FROM inbound WHERE source = 'mail' AND status = 'registered' AND doc != ''"); got != 2 {
		t.Fatalf("%d registered mail items, want 2", got)
	}
	if got := n("SELECT COUNT(*) FROM inbound WHERE source = 'mail' AND status = 'quarantined' AND reason LIKE '%机密%'"); got != 1 {
		t.Fatalf("%d quarantined, want 1", got)
	}
	out := e.Must(200, "clerk.west", "GET", "/api/gov/inbound?source=mail", nil)
	if len(out["items"].([]any)) != 4 {
		t.Fatalf("the clerk's mail queue: %v", out["items"])
	}
}
