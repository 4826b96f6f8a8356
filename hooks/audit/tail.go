package audit

import (
	"fmt"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/tools/types"
)

// readHead is the chain head as an (unsealed) anchor: the last row, or
// after a purge of everything the newest checkpoint; Seq 0 for an empty log.
func readHead(db dbx.Builder) (Anchor, error) {
	var head Anchor
	var last []struct {
		ID   string `db:"id"`
		Seq  int64  `db:"seq"`
		Hash string `db:"hash"`
		Time string `db:"time"`
	}
	if err := db.NewQuery("SELECT id, seq, hash, time FROM " + LogTable + " ORDER BY seq DESC LIMIT 1").All(&last); err != nil {
		return head, fmt.Errorf("audit: anchor head: %w", err)
	}
	cps, err := checkpointsFrom(db, 0)
	if err != nil {
		return head, err
	}
	if len(cps) > 0 {
		head.CheckpointSeq = cps[0].Seq
		head.ID, head.Seq, head.Hash = cps[0].ID, cps[0].Seq, cps[0].Hash
	}
	if len(last) == 1 {
		head.ID, head.Seq, head.Hash, head.RowTime = last[0].ID, last[0].Seq, last[0].Hash, last[0].Time
	}
	if err := db.NewQuery("SELECT COUNT(*) FROM " + LogTable).Row(&head.Rows); err != nil {
		return head, fmt.Errorf("audit: anchor head: %w", err)
	}
	return head, nil
}

// checkpointsFrom is the newest checkpoint, if any, and the one of seq
// (when seq > 0 and it exists).
func checkpointsFrom(db dbx.Builder, seq int64) ([]link, error) {
	var cps []link
	err := db.NewQuery("SELECT id, seq, hash FROM (SELECT id, seq, hash FROM " + CheckpointTable +
		" ORDER BY seq DESC LIMIT 1) UNION SELECT id, seq, hash FROM " + CheckpointTable +
		" WHERE seq = {:s} ORDER BY seq DESC").Bind(dbx.Params{"s": seq}).All(&cps)
	if err != nil {
		return nil, fmt.Errorf("audit: checkpoint: %w", err)
	}
	return cps, nil
}

// checkTail compares the newest anchor with the database as of now. The
// anchored row must still be there with its id and hash, and the log must
// not hold fewer rows than then (unless a purge ran since). It may be gone
// only behind a purge checkpoint, and only when it is older than the
// shortest retention: an anchored row of last week was not purged, however
// the checkpoints in the database read.
func checkTail(db dbx.Builder, an *Anchor, now time.Time) (TailCheck, error) {
	t := TailCheck{OK: true, Message: "尚无锚点"}
	if an == nil {
		return t, nil
	}
	t.AnchoredID, t.AnchoredSeq, t.AnchoredAt, t.Message = an.ID, an.Seq, an.At, "与最新锚点一致"
	var state struct {
		ID   string `db:"id"`
		Hash string `db:"hash"`
		Last int64  `db:"last"`
		Rows int64  `db:"rows"`
	}
	err := db.NewQuery("SELECT COALESCE((SELECT id FROM " + LogTable + " WHERE seq = {:s}), '') AS id, " +
		"COALESCE((SELECT hash FROM " + LogTable + " WHERE seq = {:s}), '') AS hash, " +
		"COALESCE((SELECT MAX(seq) FROM " + LogTable + "), 0) AS last, " +
		"(SELECT COUNT(*) FROM " + LogTable + ") AS rows").Bind(dbx.Params{"s": an.Seq}).One(&state)
	if err != nil {
		return t, fmt.Errorf("audit: tail: %w", err)
	}
	cps, err := checkpointsFrom(db, an.Seq)
	if err != nil {
		return t, err
	}
	var newestCP int64
	if len(cps) > 0 {
		newestCP = cps[0].Seq
	}
	switch {
	case state.ID != "":
		if state.ID != an.ID || state.Hash != an.Hash {
			return t.fail("anchored_row_changed", "锚定的记录（序号 %d，%s）已被改动或替换", an.Seq, an.ID), nil
		}
		if newestCP <= an.CheckpointSeq && state.Rows < an.Rows {
			return t.fail("rows_missing", "审计记录只剩 %d 条，少于锚定时（%s）的 %d 条", state.Rows, an.At, an.Rows), nil
		}
		return t, nil
	case an.RowTime == "" && anchoredCheckpoint(cps, an):
		return t, nil // the head was a checkpoint (a log emptied by a purge), still there
	case an.Seq > state.Last:
		return t.fail("tail_deleted", "审计日志末尾的记录被删除：锚点（%s）记到序号 %d（%s），数据库只到序号 %d",
			an.At, an.Seq, an.ID, state.Last), nil
	case an.Seq <= newestCP && an.RowTime != "" &&
		an.RowTime < now.UTC().AddDate(0, 0, -MinRetentionDays).Format(types.DefaultDateLayout):
		return t, nil // purged past retention
	case an.Seq <= newestCP:
		return t.fail("anchored_row_purged_early", "锚定的记录（序号 %d，%s，%s）未到保存期却已被清理",
			an.Seq, an.ID, an.RowTime), nil
	}
	return t.fail("anchored_row_missing", "锚定的记录（序号 %d，%s）缺失", an.Seq, an.ID), nil
}

func anchoredCheckpoint(cps []link, an *Anchor) bool {
	for _, cp := range cps {
		if cp.Seq == an.Seq && cp.ID == an.ID && cp.Hash == an.Hash {
			return true
		}
	}
	return false
}
