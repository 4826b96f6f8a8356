package audit

import (
	"database/sql"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"
)

// Verification is GET /api/gov/audit/verify. Tail is the comparison with
// the newest anchor outside the database (absent when anchors are off).
type Verification struct {
	OK          bool       `json:"ok"`
	Checked     int        `json:"checked"`
	FirstBroken *string    `json:"firstBroken"`
	Tail        *TailCheck `json:"tail,omitempty"`
}

func broken(v Verification, id string) Verification {
	v.OK, v.FirstBroken = false, &id
	return v
}

// Problem says in a sentence why v failed ("" when it passed).
func (v Verification) Problem() string {
	var parts []string
	if v.FirstBroken != nil {
		parts = append(parts, "审计链校验未通过，首个异常记录："+*v.FirstBroken)
	}
	if v.Tail != nil && !v.Tail.OK {
		parts = append(parts, v.Tail.Message)
	}
	return strings.Join(parts, "；")
}

// Verify walks the chain from the newest checkpoint (or the genesis) to the
// last row: every row must follow its predecessor by seq and prev_hash, and
// its hash must match its fields. The first row that does not is named: an
// edited row itself, or the row after a deleted one. The newest checkpoint
// must be attested by its purge row, so a forged checkpoint cannot hide rows.
// Then the tail: the newest anchor's row must still be there (checkTail).
func (a *Audit) Verify(app core.App) (Verification, error) {
	// the anchor file first: every head it holds was committed before the
	// snapshot below starts, so a fresh anchor never looks like a cut tail
	var anchored *Anchor
	tail := TailCheck{OK: true}
	if a.anchors != nil {
		anchored, tail = a.anchors.newest()
	}
	var db dbx.Builder = app.DB()
	if cdb, ok := app.ConcurrentDB().(*dbx.DB); ok && !app.IsTransactional() {
		// one read snapshot: a purge committing meanwhile must not look like a gap
		tx, err := cdb.Begin()
		if err != nil {
			return Verification{}, err
		}
		defer tx.Rollback()
		db = tx
	}
	v, err := verifyUpTo(db, math.MaxInt64)
	if err != nil || a.anchors == nil {
		return v, err
	}
	if tail.OK {
		if tail, err = checkTail(db, anchored, time.Now()); err != nil {
			return v, err
		}
	}
	v.Tail = &tail
	v.OK = v.OK && tail.OK
	return v, nil
}

const verifyBatch = 5000

func verifyUpTo(db dbx.Builder, upto int64) (Verification, error) {
	v := Verification{OK: true}
	start := link{Hash: GenesisHash}
	var cps []link
	if err := db.NewQuery("SELECT id, seq, hash FROM " + CheckpointTable + " ORDER BY seq DESC LIMIT 1").All(&cps); err != nil {
		return v, fmt.Errorf("audit: verify: %w", err)
	}
	if len(cps) == 1 {
		start = cps[0]
	}
	attested := len(cps) == 0
	prev, next := start.Hash, start.Seq+1
	q := db.Select(rowColumns...).From(LogTable).
		Where(dbx.NewExp("seq > {:after} AND seq <= {:upto}")).OrderBy("seq").Limit(verifyBatch)
	for {
		var rows []Row
		if err := q.Bind(dbx.Params{"after": next - 1, "upto": upto}).All(&rows); err != nil {
			return v, fmt.Errorf("audit: verify: %w", err)
		}
		for i := range rows {
			r := &rows[i]
			v.Checked++
			if r.Seq != next || r.PrevHash != prev || r.Sum() != r.Hash {
				return broken(v, r.ID), nil
			}
			if !attested && r.Action == ActionPurge && r.Object == CheckpointTable+"/"+start.ID &&
				strings.Contains(r.After, `"through_hash":"`+start.Hash+`"`) {
				attested = true
			}
			prev, next = r.Hash, next+1
		}
		if len(rows) < verifyBatch {
			break
		}
	}
	if !attested && upto == math.MaxInt64 {
		return broken(v, start.ID), nil
	}
	return v, nil
}

// ActionPurge is the action of the purge's own audit row.
const ActionPurge = "audit.purge"

// MinRetentionDays is the least the log is kept (等保 2.0: at least six months).
const MinRetentionDays = 180

// RetentionDays is how long rows are kept: the secadmin's setting, never
// less than MinRetentionDays.
func (a *Audit) RetentionDays(app core.App) int {
	return max(MinRetentionDays, a.settings.Get(app).Retention["audit"])
}

// Checkpoint is what a purge leaves: the last purged row's seq and hash.
type Checkpoint struct {
	ID      string `json:"id"`
	Seq     int64  `json:"seq"`
	Hash    string `json:"hash"`
	Deleted int64  `json:"deleted"`
}

// ErrChainBroken refuses a purge of rows whose chain does not verify: the
// evidence stays for the auditor.
var ErrChainBroken = errors.New("audit: chain broken, nothing purged")

// Purge deletes the rows older than the retention period as of now, in one
// transaction: it checks their chain first, leaves a checkpoint of the last
// purged row and appends its own row (audit.purge) attesting it. It returns
// nil when nothing is old enough.
func (a *Audit) Purge(app core.App, now time.Time) (*Checkpoint, error) {
	days := a.RetentionDays(app)
	cutoff := now.UTC().AddDate(0, 0, -days).Format(types.DefaultDateLayout)
	var cp *Checkpoint
	err := app.RunInTransaction(func(tx core.App) error {
		var err error
		cp, err = a.purgeTx(tx, cutoff, now, days)
		return err
	})
	if errors.Is(err, ErrChainBroken) {
		_, _ = a.Log(app, Entry{Action: ActionPurge, Result: ResultFailed, Detail: "审计链校验未通过，未清理任何记录"})
	}
	if err == nil && cp != nil {
		// anchor the new head at once, so the next verify compares with a
		// row this purge left (a failure is alerted by anchor); a first
		// anchor is announced by the job, not here
		if _, aerr := a.anchor(app, now, false); aerr != nil && !errors.Is(aerr, ErrTailBroken) {
			app.Logger().Error("audit anchor after purge failed", "error", aerr.Error())
		}
	}
	return cp, err
}

func (a *Audit) purgeTx(tx core.App, cutoff string, now time.Time, days int) (*Checkpoint, error) {
	// the last row to go: just before the first row still kept, so a clock
	// that once stepped back never takes a row inside the period
	var bound struct {
		Keep sql.NullInt64 `db:"keep"`
		Last sql.NullInt64 `db:"last"`
	}
	err := tx.DB().NewQuery("SELECT (SELECT MIN(seq) FROM " + LogTable + " WHERE time >= {:cutoff}) AS keep, " +
		"(SELECT MAX(seq) FROM " + LogTable + ") AS last").Bind(dbx.Params{"cutoff": cutoff}).One(&bound)
	if err != nil {
		return nil, fmt.Errorf("audit: purge: %w", err)
	}
	through := bound.Last.Int64
	if bound.Keep.Valid {
		through = bound.Keep.Int64 - 1
	}
	head, _, err := newestCheckpoint(tx)
	if err != nil {
		return nil, err
	}
	if !bound.Last.Valid || through <= head.Seq {
		return nil, nil
	}
	v, err := verifyUpTo(tx.DB(), through)
	if err != nil {
		return nil, err
	}
	if !v.OK {
		return nil, ErrChainBroken
	}
	var last link
	if err := tx.DB().NewQuery("SELECT id, seq, hash FROM " + LogTable + " WHERE seq = {:s}").
		Bind(dbx.Params{"s": through}).One(&last); err != nil {
		return nil, fmt.Errorf("audit: purge: %w", err)
	}
	res, err := tx.DB().NewQuery("DELETE FROM " + LogTable + " WHERE seq <= {:s}").Bind(dbx.Params{"s": through}).Execute()
	if err != nil {
		return nil, fmt.Errorf("audit: purge: %w", err)
	}
	deleted, _ := res.RowsAffected()
	a.forgetHead()
	cp := &Checkpoint{ID: core.GenerateDefaultRandomId(), Seq: last.Seq, Hash: last.Hash, Deleted: deleted}
	if _, err := tx.DB().Insert(CheckpointTable, dbx.Params{"id": cp.ID, "seq": cp.Seq, "hash": cp.Hash,
		"time": types.NowDateTime().String(), "cutoff": cutoff, "deleted": deleted}).Execute(); err != nil {
		return nil, fmt.Errorf("audit: checkpoint: %w", err)
	}
	_, err = a.appendTx(tx, Entry{Action: ActionPurge, Object: CheckpointTable + "/" + cp.ID,
		Detail: fmt.Sprintf("清理保存期（%d 天）以前的审计记录 %d 条", days, deleted),
		After: map[string]any{"through_seq": cp.Seq, "through_hash": cp.Hash, "deleted": deleted,
			"retention_days": days, "cutoff": cutoff, "as_of": now.UTC().Format(time.RFC3339)}})
	return cp, err
}
