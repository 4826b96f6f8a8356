package audit_test

import (
	"bytes"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"

	"govcollab/hooks/apptest"
	"govcollab/hooks/audit"
)

func anchorPath(app core.App) string {
	return filepath.Join(audit.AnchorDir(app.DataDir()), audit.AnchorFileName)
}

func anchorLines(tb testing.TB, app core.App) [][]byte {
	tb.Helper()
	b, err := os.ReadFile(anchorPath(app))
	if err != nil {
		tb.Fatal(err)
	}
	lines := bytes.SplitAfter(b, []byte("\n"))
	return lines[:len(lines)-1] // after the last newline
}

func mustAnchor(tb testing.TB, app core.App, now time.Time) *audit.Anchor {
	tb.Helper()
	an, err := gov.Audit.Anchor(app, now)
	if err != nil || an == nil {
		tb.Fatalf("anchor: %+v, %v", an, err)
	}
	return an
}

func expectTail(tb testing.TB, v audit.Verification, code string, mention ...string) {
	tb.Helper()
	if v.OK || v.Tail == nil || v.Tail.OK || v.Tail.Code != code {
		tb.Fatalf("verify = %+v (tail %+v), want a failed tail %s", v, v.Tail, code)
	}
	for _, m := range mention {
		if !strings.Contains(v.Tail.Message, m) {
			tb.Errorf("tail message %q does not name %q", v.Tail.Message, m)
		}
	}
}

// The newest rows deleted in SQL leave a chain that still links up; the
// anchor names them, and no newer anchor is written over the evidence.
func TestAnchorDetectsCutTail(t *testing.T) {
	app, g := apptest.New(t)
	defer app.Cleanup()
	gov = g
	rs := logN(t, app, 6)
	an := mustAnchor(t, app, time.Now())
	first := rows(t, app, audit.ActionAnchor)
	if len(first) != 1 || !strings.Contains(first[0].Detail, "新建审计锚点文件") || an.ID != first[0].ID {
		t.Fatalf("a first anchor is announced and covers its own row: %+v, anchor %+v", first, an)
	}
	if v := verifyNow(t, app); !v.OK || v.Tail == nil || !v.Tail.OK || v.Tail.AnchoredID != an.ID {
		t.Fatalf("verify of an anchored chain: %+v (tail %+v)", v, v.Tail)
	}

	// the anchor row and the last two events go
	mustExec(t, app, "DELETE FROM audit_log WHERE seq >= {:s}", dbx.Params{"s": rs[4].Seq})
	v := verifyNow(t, app)
	if v.FirstBroken != nil || v.Checked == 0 {
		t.Errorf("the chain itself still links up: %+v", v)
	}
	expectTail(t, v, "tail_deleted", an.ID, "数据库只到序号")

	for range 2 {
		if _, err := g.Audit.Anchor(app, time.Now()); !errors.Is(err, audit.ErrTailBroken) {
			t.Fatalf("anchor over a cut tail: %v", err)
		}
	}
	if n := len(anchorLines(t, app)); n != 1 {
		t.Errorf("%d anchor lines, want the one before the cut", n)
	}
	alerts := rows(t, app, audit.ActionAnchor)
	if len(alerts) != 1 || alerts[0].Result != audit.ResultFailed || !strings.Contains(alerts[0].Detail, an.ID) {
		t.Errorf("the refused anchor is alerted once: %+v", alerts)
	}
	// rows appended since do not hide the cut: the anchored seq now holds
	// another row
	logN(t, app, 5)
	expectTail(t, verifyNow(t, app), "anchored_row_changed", an.ID)
}

func TestAnchorDetectsReplacedRowsAndCounts(t *testing.T) {
	app, g := apptest.New(t)
	defer app.Cleanup()
	gov = g
	rs := logN(t, app, 4)
	an := mustAnchor(t, app, time.Now())

	// the whole chain re-hashed from an edited row on: every link is valid,
	// but the anchored row's hash moved
	mustExec(t, app, "UPDATE audit_log SET detail = 'nothing happened' WHERE id = {:id}", dbx.Params{"id": rs[1].ID})
	prev := rs[0].Hash
	for _, r := range rows(t, app, "") {
		if r.Seq <= rs[0].Seq {
			continue
		}
		r.PrevHash = prev
		r.Hash = r.Sum()
		prev = r.Hash
		mustExec(t, app, "UPDATE audit_log SET prev_hash = {:p}, hash = {:h} WHERE id = {:id}",
			dbx.Params{"p": r.PrevHash, "h": r.Hash, "id": r.ID})
	}
	v := verifyNow(t, app)
	if v.FirstBroken != nil {
		t.Fatalf("the re-hashed chain links up: %+v", v)
	}
	expectTail(t, v, "anchored_row_changed", an.ID)
}

// Edited, removed or cut anchor lines are seen: each carries its MAC and
// its predecessor's.
func TestAnchorFileTampering(t *testing.T) {
	for _, c := range []struct {
		name, code string
		damage     func(lines [][]byte) [][]byte
	}{
		{"a line edited", "anchor_file_altered", func(ls [][]byte) [][]byte {
			ls[0] = bytes.Replace(ls[0], []byte(`"rows":`), []byte(`"rows":1`), 1)
			return ls
		}},
		{"a line removed", "anchor_file_altered", func(ls [][]byte) [][]byte { return ls[1:] }},
		{"lines swapped", "anchor_file_altered", func(ls [][]byte) [][]byte { return [][]byte{ls[1], ls[0], ls[2]} }},
		{"the newest line cut", "anchor_file_truncated", func(ls [][]byte) [][]byte { return ls[:2] }},
		{"the file deleted", "anchor_file_missing", func([][]byte) [][]byte { return nil }},
	} {
		t.Run(c.name, func(t *testing.T) {
			app, g := apptest.New(t)
			defer app.Cleanup()
			gov = g
			for range 3 {
				logN(t, app, 2)
				mustAnchor(t, app, time.Now())
			}
			lines := c.damage(anchorLines(t, app))
			if lines == nil {
				if err := os.Remove(anchorPath(app)); err != nil {
					t.Fatal(err)
				}
			} else if err := os.WriteFile(anchorPath(app), bytes.Join(lines, nil), 0o600); err != nil {
				t.Fatal(err)
			}
			expectTail(t, verifyNow(t, app), c.code)
			// the job reads only what it has not read yet (and the length):
			// it may append, but never makes the damage pass
			logN(t, app, 1)
			_, _ = g.Audit.Anchor(app, time.Now())
			expectTail(t, verifyNow(t, app), c.code)
		})
	}
}

func TestAnchorFollowsNormalAppends(t *testing.T) {
	app, g := apptest.New(t)
	defer app.Cleanup()
	gov = g
	logN(t, app, 3)
	first := mustAnchor(t, app, time.Now())
	if again, err := g.Audit.Anchor(app, time.Now()); err != nil || again != nil {
		t.Errorf("an unchanged head is not anchored twice: %+v, %v", again, err)
	}
	rs := logN(t, app, 4)
	if v := verifyNow(t, app); !v.OK || !v.Tail.OK || v.Tail.AnchoredID != first.ID {
		t.Fatalf("verify after appends: %+v (tail %+v)", v, v.Tail)
	}
	second := mustAnchor(t, app, time.Now())
	if second.ID != rs[3].ID || second.Prev != first.MAC || second.Rows != first.Rows+4 {
		t.Errorf("second anchor %+v after first %+v", second, first)
	}
	if v := verifyNow(t, app); !v.OK || v.Tail.AnchoredID != second.ID {
		t.Errorf("verify: %+v (tail %+v)", v, v.Tail)
	}
	if n := len(anchorLines(t, app)); n != 2 {
		t.Errorf("%d anchor lines, want 2", n)
	}
}

func TestAnchorAcrossPurge(t *testing.T) {
	app, g := apptest.New(t)
	defer app.Cleanup()
	gov = g
	logN(t, app, 10)
	now := time.Now()
	mustAnchor(t, app, now)
	cp, err := g.Audit.Purge(app, now.AddDate(0, 0, 181))
	if err != nil || cp == nil {
		t.Fatalf("purge past retention: %+v, %v", cp, err)
	}
	purge := rows(t, app, audit.ActionPurge)
	v := verifyNow(t, app)
	if !v.OK || v.Tail == nil || !v.Tail.OK || v.Tail.AnchoredID != purge[0].ID {
		t.Fatalf("verify after a purge, anchored at its row: %+v (tail %+v)", v, v.Tail)
	}
	logN(t, app, 2)
	mustAnchor(t, app, time.Now())
	if v := verifyNow(t, app); !v.OK {
		t.Errorf("verify after more rows: %+v (tail %+v)", v, v.Tail)
	}
}

// A purge forged in SQL (checkpoint and an attesting purge row, all hashes
// valid) to hide recent rows: the chain passes, the anchor does not, as the
// anchored row is far younger than any retention.
func TestAnchorSeesForgedPurge(t *testing.T) {
	app, g := apptest.New(t)
	defer app.Cleanup()
	gov = g
	logN(t, app, 5)
	an := mustAnchor(t, app, time.Now())
	mustExec(t, app, "DELETE FROM audit_log WHERE seq <= {:s}", dbx.Params{"s": an.Seq})
	mustExec(t, app, "INSERT INTO audit_checkpoints (id, seq, hash) VALUES ('forgedcheckpnt', {:s}, {:h})",
		dbx.Params{"s": an.Seq, "h": an.Hash})
	if _, err := g.Audit.Log(app, audit.Entry{Action: audit.ActionPurge, Object: audit.CheckpointTable + "/forgedcheckpnt",
		After: map[string]any{"through_seq": an.Seq, "through_hash": an.Hash}}); err != nil {
		t.Fatal(err)
	}
	v := verifyNow(t, app)
	if v.FirstBroken != nil {
		t.Fatalf("the forged chain links up: %+v", v)
	}
	expectTail(t, v, "anchored_row_purged_early", an.ID)
}

func TestAuditVerifyTail(t *testing.T) {
	auditor := apptest.Auth(t, "admin.audit")
	var anchored string
	scenarios := []tests.ApiScenario{
		{
			Name: "a passing verify anchors the head, its own row included", Method: http.MethodGet,
			URL: "/api/gov/audit/verify", Headers: auditor, TestAppFactory: factory,
			BeforeTestFunc:  func(t testing.TB, app *tests.TestApp, _ *core.ServeEvent) { logN(t, app, 3) },
			ExpectedStatus:  200,
			ExpectedContent: []string{`"ok":true`, `"firstBroken":null`, `"tail":{"ok":true`, `"message":"尚无锚点"`},
			AfterTestFunc: func(t testing.TB, app *tests.TestApp, _ *http.Response) {
				checks := rows(t, app, "audit.verify")
				lines := anchorLines(t, app)
				if len(checks) != 1 || len(lines) != 1 || !bytes.Contains(lines[0], []byte(`"id":"`+checks[0].ID+`"`)) {
					t.Errorf("anchor %s, want the check's row %+v", lines, checks)
				}
				if n := len(rows(t, app, audit.ActionAnchor)); n != 0 {
					t.Errorf("%d audit.anchor rows: the check's row notes the first anchor", n)
				}
			},
		},
		{
			Name: "a cut tail fails the check, audited", Method: http.MethodGet, URL: "/api/gov/audit/verify",
			Headers: auditor, TestAppFactory: factory,
			BeforeTestFunc: func(t testing.TB, app *tests.TestApp, _ *core.ServeEvent) {
				logN(t, app, 3)
				anchored = mustAnchor(t, app, time.Now()).ID
				mustExec(t, app, "DELETE FROM audit_log WHERE id = {:id}", dbx.Params{"id": anchored})
			},
			ExpectedStatus:  200,
			ExpectedContent: []string{`"ok":false`, `"firstBroken":null`, `"code":"tail_deleted"`},
			AfterTestFunc: func(t testing.TB, app *tests.TestApp, res *http.Response) {
				v := decode[audit.Verification](t, res)
				if v.Tail == nil || v.Tail.AnchoredID != anchored {
					t.Errorf("tail %+v, want anchored %s", v.Tail, anchored)
				}
				checks := rows(t, app, "audit.verify")
				if len(checks) != 1 || checks[0].Result != audit.ResultFailed || !strings.Contains(checks[0].Detail, anchored) {
					t.Errorf("the failed check is not audited: %+v", checks)
				}
				if n := len(anchorLines(t, app)); n != 1 {
					t.Errorf("%d anchor lines: a failed check must not anchor", n)
				}
			},
		},
	}
	for _, s := range scenarios {
		s.Test(t)
	}
}

// A served app anchors at shutdown, in GOV_AUDIT_ANCHOR_DIR when set.
func TestAnchorAtShutdown(t *testing.T) {
	dir := t.TempDir()
	t.Setenv(audit.EnvAnchorDir, dir)
	s := tests.ApiScenario{
		Name: "a list request, then shutdown", Method: http.MethodGet, URL: "/api/gov/audit",
		Headers: apptest.Auth(t, "admin.audit"), TestAppFactory: factory,
		BeforeTestFunc: func(t testing.TB, app *tests.TestApp, _ *core.ServeEvent) { logN(t, app, 2) },
		ExpectedStatus: 200, ExpectedContent: []string{`"action":"test.event"`},
		AfterTestFunc: func(t testing.TB, app *tests.TestApp, _ *http.Response) {
			if _, err := os.Stat(filepath.Join(dir, audit.AnchorFileName)); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("anchored before shutdown: %v", err)
			}
			if _, err := os.Stat(filepath.Join(app.DataDir(), "audit_anchor", audit.AnchorFileName)); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("an anchor file in the data directory though %s is set: %v", audit.EnvAnchorDir, err)
			}
		},
	}
	s.Test(t)
	b, err := os.ReadFile(filepath.Join(dir, audit.AnchorFileName))
	if err != nil || bytes.Count(b, []byte("\n")) != 1 || !bytes.Contains(b, []byte(`"mac":"`)) {
		t.Fatalf("anchor file after shutdown: %q, %v", b, err)
	}
}
