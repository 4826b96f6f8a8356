package audit_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"govcollab/hooks/api"
	"govcollab/hooks/apptest"
	"govcollab/hooks/audit"
)

func setAuditRetention(t testing.TB, app core.App, days int) {
	t.Helper()
	col, err := app.FindCollectionByNameOrId("security_settings")
	if err != nil {
		t.Fatal(err)
	}
	r := core.NewRecord(col)
	r.Set("data", fmt.Sprintf(`{"retention_days":{"audit":%d}}`, days))
	if err := app.Save(r); err != nil {
		t.Fatal(err)
	}
}

func TestPurgeLeavesCheckpoint(t *testing.T) {
	app, g := apptest.New(t)
	defer app.Cleanup()
	gov = g
	logN(t, app, 10)
	now := time.Now()

	if cp, err := g.Audit.Purge(app, now); err != nil || cp != nil {
		t.Fatalf("purge within retention: %+v, %v", cp, err)
	}
	setAuditRetention(t, app, 30) // below the floor: still 180 days
	if got := g.Audit.RetentionDays(app); got != audit.MinRetentionDays {
		t.Errorf("retention %d, want the 180-day floor", got)
	}
	if cp, err := g.Audit.Purge(app, now.AddDate(0, 0, 179)); err != nil || cp != nil {
		t.Fatalf("purge at 179 days: %+v, %v", cp, err)
	}

	old := rows(t, app, "")
	last := old[len(old)-1]
	cp, err := g.Audit.Purge(app, now.AddDate(0, 0, 181))
	if err != nil || cp == nil {
		t.Fatalf("purge past retention: %+v, %v", cp, err)
	}
	if cp.Seq != last.Seq || cp.Hash != last.Hash || cp.Deleted != int64(len(old)) {
		t.Errorf("checkpoint %+v, want seq %d hash %s deleted %d", cp, last.Seq, last.Hash, len(old))
	}
	var stored []struct {
		Seq  int64  `db:"seq"`
		Hash string `db:"hash"`
	}
	if err := app.DB().Select("seq", "hash").From(audit.CheckpointTable).All(&stored); err != nil || len(stored) != 1 ||
		stored[0].Seq != cp.Seq || stored[0].Hash != cp.Hash {
		t.Errorf("stored checkpoints %+v, %v", stored, err)
	}
	left := rows(t, app, "")
	if len(left) != 1 || left[0].Action != audit.ActionPurge || left[0].Seq != last.Seq+1 || left[0].PrevHash != last.Hash {
		t.Fatalf("rows after purge: %+v", left)
	}
	if v := verifyNow(t, app); !v.OK || v.Checked != 1 {
		t.Errorf("verify after purge: %+v", v)
	}
	logN(t, app, 3)
	if v := verifyNow(t, app); !v.OK || v.Checked != 4 {
		t.Errorf("verify after more rows: %+v", v)
	}

	// the checkpoint is attested by the purge row: deleting that row breaks the chain
	mustExec(t, app, "DELETE FROM audit_log WHERE action = {:a}", dbx.Params{"a": audit.ActionPurge})
	if v := verifyNow(t, app); v.OK {
		t.Errorf("verify without the purge row: %+v", v)
	}
}

func TestPurgeRetentionSetting(t *testing.T) {
	app, g := apptest.New(t)
	defer app.Cleanup()
	gov = g
	logN(t, app, 3)
	setAuditRetention(t, app, 365)
	now := time.Now()
	if cp, err := g.Audit.Purge(app, now.AddDate(0, 0, 200)); err != nil || cp != nil {
		t.Fatalf("purge at 200 of 365 days: %+v, %v", cp, err)
	}
	if cp, err := g.Audit.Purge(app, now.AddDate(0, 0, 366)); err != nil || cp == nil {
		t.Fatalf("purge past 365 days: %+v, %v", cp, err)
	}
	// a second purge removes the first purge's row and moves the checkpoint on
	logN(t, app, 2)
	cp, err := g.Audit.Purge(app, now.AddDate(0, 0, 800))
	if err != nil || cp == nil || cp.Deleted != 3 {
		t.Fatalf("second purge: %+v, %v", cp, err)
	}
	if v := verifyNow(t, app); !v.OK || v.Checked != 1 {
		t.Errorf("verify after two purges: %+v", v)
	}
}

func TestPurgeRefusesBrokenChain(t *testing.T) {
	app, g := apptest.New(t)
	defer app.Cleanup()
	gov = g
	rs := logN(t, app, 4)
	mustExec(t, app, "UPDATE audit_log SET actor_name = 'someone else' WHERE id = {:id}", dbx.Params{"id": rs[1].ID})
	before := len(rows(t, app, ""))
	if _, err := g.Audit.Purge(app, time.Now().AddDate(1, 0, 0)); !errors.Is(err, audit.ErrChainBroken) {
		t.Fatalf("purge of a broken chain: %v", err)
	}
	after := rows(t, app, "")
	if len(after) != before+1 || after[len(after)-1].Action != audit.ActionPurge || after[len(after)-1].Result != audit.ResultFailed {
		t.Errorf("rows after a refused purge: %d (was %d), last %+v", len(after), before, after[len(after)-1])
	}
}

func TestConcurrentAppendsNeverFork(t *testing.T) {
	app, g := apptest.New(t)
	defer app.Cleanup()
	gov = g
	start := len(rows(t, app, ""))
	const workers, each = 8, 40
	var wg sync.WaitGroup
	errs := make(chan error, workers*each)
	for w := range workers {
		wg.Go(func() {
			for i := range each {
				var err error
				switch (w + i) % 3 {
				case 0: // a plain app: Log opens its own transaction
					_, err = g.Audit.Log(app, audit.Entry{Action: "test.plain"})
				case 1: // a change through Apply: OnChange inside its transaction
					_, err = g.Apply("", "test.apply", func(core.App, *api.Change) error { return nil })
				default: // a module's own transaction
					err = app.RunInTransaction(func(tx core.App) error {
						_, err := g.Audit.Log(tx, audit.Entry{Action: "test.tx"})
						return err
					})
				}
				if err != nil {
					errs <- err
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	all := rows(t, app, "")
	if len(all) != start+workers*each {
		t.Fatalf("%d rows, want %d", len(all), start+workers*each)
	}
	for i, r := range all {
		if r.Seq != int64(i+1) {
			t.Fatalf("row %d has seq %d", i, r.Seq)
		}
	}
	if v := verifyNow(t, app); !v.OK || v.Checked != len(all) {
		t.Errorf("verify %+v", v)
	}
}

// TestStoredValuesEscaped: what a user typed never reaches the table (or a
// log viewer) as a raw control, line-break or bidi character.
func TestStoredValuesEscaped(t *testing.T) {
	app, g := apptest.New(t)
	defer app.Cleanup()
	gov = g
	before := map[string]any{"name": "旧\r\n名\u0085", "note": "\u202eevil\x7f", "n": 3.0}
	_, err := g.Audit.Log(app, audit.Entry{ActorName: "x\x00y", IP: "1.2.3.4\n", Action: "test.escape",
		Object: "units/a\tb", Detail: "第一行\n伪造的第二行\u2028", Before: before, After: "\xff"})
	if err != nil {
		t.Fatal(err)
	}
	r := rows(t, app, "test.escape")[0]
	want := map[string]string{"ActorName": `x\x00y`, "IP": `1.2.3.4\n`, "Object": `units/a\tb`,
		"Detail": `第一行\n伪造的第二行\u2028`}
	v := reflect.ValueOf(r)
	for f, w := range want {
		if got := v.FieldByName(f).String(); got != w {
			t.Errorf("%s stored as %q, want %q", f, got, w)
		}
	}
	for i := range v.NumField() {
		if s, ok := v.Field(i).Interface().(string); ok {
			if c, ok := printable(s); !ok {
				t.Errorf("%s holds %U: %q", v.Type().Field(i).Name, c, s)
			}
		}
	}
	var back map[string]any
	if err := json.Unmarshal([]byte(r.Before), &back); err != nil || !reflect.DeepEqual(back, before) {
		t.Errorf("before %s decodes to %v, %v", r.Before, back, err)
	}
	if r.After != `"\ufffd"` {
		t.Errorf("after %q", r.After)
	}
}

func TestAuthEventsAudited(t *testing.T) {
	app, g := apptest.New(t)
	defer app.Cleanup()
	gov = g
	uid := apptest.UserID(t, "staff.east.tax")
	g.Sessions.Emit(app, securityEvent("nobody"))
	g.Sessions.Emit(app, securityEventOf(uid, "auth.lockout", "denied"))
	rs := rows(t, app, "")
	a, b := rs[len(rs)-2], rs[len(rs)-1]
	if a.Action != "auth.login" || a.Result != "failed" || a.ActorName != "nobody" || a.Actor != "" || a.IP != "10.1.2.3" {
		t.Errorf("failed login row %+v", a)
	}
	if b.Action != "auth.lockout" || b.Actor != uid || b.ActorName != "staff.east.tax" || b.UnitName != "东城市税务局" {
		t.Errorf("lockout row %+v", b)
	}
}

// TestHundredThousandEvents appends 100k events in batches of 1000 per
// transaction and verifies the whole chain.
func TestHundredThousandEvents(t *testing.T) {
	if testing.Short() {
		t.Skip("100k appends")
	}
	app, g := apptest.New(t)
	defer app.Cleanup()
	gov = g
	const total, batch = 100_000, 1000
	t0 := time.Now()
	for done := 0; done < total; done += batch {
		err := app.RunInTransaction(func(tx core.App) error {
			for i := range batch {
				if _, err := g.Audit.Log(tx, audit.Entry{Actor: "u0000000000001", ActorName: "staff.east.tax",
					Unit: "unit0000000001", IP: "10.0.0.1", Action: "case.read",
					Object: fmt.Sprintf("cases/%014d", done+i), Detail: "查看经验案例"}); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	appended := time.Since(t0)
	t1 := time.Now()
	v := verifyNow(t, app)
	verified := time.Since(t1)
	n := len(rows(t, app, ""))
	if !v.OK || v.Checked != n || n < total {
		t.Fatalf("verify %+v over %d rows", v, n)
	}
	t.Logf("appended %d events in %v (%v/event), verified %d rows in %v", total, appended,
		appended/total, v.Checked, verified)
}
