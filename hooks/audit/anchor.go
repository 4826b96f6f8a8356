package audit

import (
	"bufio"
	"crypto/hmac"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/emmansun/gmsm/sm3"
	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
)

// The chain shows an edited or deleted row in the middle, but not the newest
// rows cut off the end: what is left still links up. So the head of the
// chain is written, every few minutes, to an append-only file outside the
// database, each line sealed with a keyed SM3 MAC (HMAC-SM3) and linked to
// the line before. Verify then asks that the newest anchored row still be
// there, unchanged; the anchored hash also pins every row before it.

// EnvAnchorDir names the directory of the anchor file. Unset, it is
// <dataDir>/audit_anchor (demo and tests: it then sits beside the database).
const EnvAnchorDir = "GOV_AUDIT_ANCHOR_DIR"

// AnchorFileName is the anchor file inside its directory.
const AnchorFileName = "audit-anchors.log"

// ActionAnchor is the action of the anchor job's own rows (a new anchor
// file, a refused anchor).
const ActionAnchor = "audit.anchor"

// AnchorDir is the anchor directory for dataDir: GOV_AUDIT_ANCHOR_DIR, or
// audit_anchor inside the data directory.
func AnchorDir(dataDir string) string {
	if d := strings.TrimSpace(os.Getenv(EnvAnchorDir)); d != "" {
		return d
	}
	return filepath.Join(dataDir, "audit_anchor")
}

// Anchor is one line of the anchor file: the chain head at At.
type Anchor struct {
	Seq           int64  `json:"seq"`
	ID            string `json:"id"`
	Hash          string `json:"hash"`
	RowTime       string `json:"rowTime"`       // the anchored row's time ("" for a checkpoint head)
	Rows          int64  `json:"rows"`          // rows in the log
	CheckpointSeq int64  `json:"checkpointSeq"` // the newest checkpoint's seq (0: none)
	At            string `json:"at"`            // when written, RFC 3339 UTC
	Prev          string `json:"prev"`          // the previous line's MAC ("" on the first)
	MAC           string `json:"mac"`
}

func (an *Anchor) sum(key []byte) string {
	m := hmac.New(sm3.New, key)
	m.Write([]byte(Encode([]string{"govcollab/audit-anchor/v1", strconv.FormatInt(an.Seq, 10), an.ID, an.Hash,
		an.RowTime, strconv.FormatInt(an.Rows, 10), strconv.FormatInt(an.CheckpointSeq, 10), an.At, an.Prev})))
	return hex.EncodeToString(m.Sum(nil))
}

// TailCheck is the tail part of a verification: does the database still
// hold the newest anchored row, unchanged?
type TailCheck struct {
	OK          bool   `json:"ok"`
	Code        string `json:"code,omitempty"` // stable English name of the problem
	AnchoredID  string `json:"anchoredId"`
	AnchoredSeq int64  `json:"anchoredSeq"`
	AnchoredAt  string `json:"anchoredAt"`
	Message     string `json:"message"`
}

func (t TailCheck) fail(code, format string, args ...any) TailCheck {
	t.OK, t.Code, t.Message = false, code, fmt.Sprintf(format, args...)
	return t
}

// ErrTailBroken refuses a new anchor while the newest one does not match
// the database (or the anchor file was altered): the old anchor stays the
// evidence until someone looks.
var ErrTailBroken = errors.New("audit: tail check failed, no anchor written")

// anchorLog is the anchor file of one app and what this process knows of it.
type anchorLog struct {
	path string
	key  []byte

	// served: this process serves (not a CLI command beside the server),
	// so it anchors at shutdown
	served atomic.Bool

	mu      sync.Mutex
	last    *Anchor // the newest line written or read by this process
	end     int64   // the file's length after last
	alerted string  // the problem last alerted, so the job alerts once
}

// UseAnchors makes the audit log anchor its head in dir (created 0700 if
// missing; an unusable directory stops the start) under key, every five
// minutes, after a passing verify or purge, and when a served app shuts
// down.
func (a *Audit) UseAnchors(dir string, key []byte) error {
	app := a.app
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("audit: anchor directory: %w", err)
	}
	a.anchors = &anchorLog{path: filepath.Join(dir, AnchorFileName), key: key}
	if strings.TrimSpace(os.Getenv(EnvAnchorDir)) == "" {
		app.Logger().Warn("the audit anchor file is " + a.anchors.path + ", inside the data directory; production should set " +
			EnvAnchorDir + " to an append-only directory on another volume (README, Audit log)")
	}
	app.Cron().MustAdd("govAuditAnchor", "*/5 * * * *", func() { a.anchorJob(app) })
	app.OnServe().BindFunc(func(e *core.ServeEvent) error {
		a.anchors.served.Store(true)
		return e.Next()
	})
	app.OnTerminate().BindFunc(func(e *core.TerminateEvent) error {
		if a.anchors.served.Load() {
			a.anchorJob(e.App)
		}
		return e.Next()
	})
	return nil
}

func (a *Audit) anchorJob(app core.App) {
	if _, err := a.Anchor(app, time.Now()); err != nil && !errors.Is(err, ErrTailBroken) {
		app.Logger().Error("audit anchor failed", "error", err.Error())
	}
}

// Anchor appends the chain head as of now to the anchor file, unless it is
// unchanged since the last anchor or the tail check fails (ErrTailBroken,
// alerted once as an audit.anchor row). A first anchor of a log that
// already has rows is itself recorded, so a deleted anchor file shows. It
// returns the anchor written, nil when none was needed or anchors are off.
func (a *Audit) Anchor(app core.App, now time.Time) (*Anchor, error) {
	return a.anchor(app, now, true)
}

func (a *Audit) anchor(app core.App, now time.Time, announce bool) (*Anchor, error) {
	al := a.anchors
	if al == nil || app.IsTransactional() {
		return nil, nil
	}
	al.mu.Lock()
	defer al.mu.Unlock()
	last, t, err := al.tail(app.DB(), now)
	if err != nil {
		return nil, err
	}
	if !t.OK {
		a.alertTail(app, al, t)
		return nil, ErrTailBroken
	}
	al.alerted = ""
	head, err := readHead(app.DB())
	if err != nil {
		return nil, err
	}
	if head.Seq == 0 || (last != nil && last.Seq == head.Seq && last.Hash == head.Hash) {
		return nil, nil
	}
	if last == nil && announce {
		if _, err := a.Log(app, Entry{Action: ActionAnchor, Object: LogTable, Detail: fmt.Sprintf(
			"新建审计锚点文件 %s；此前的 %d 条记录没有锚点", al.path, head.Rows)}); err != nil {
			return nil, err
		}
		if head, err = readHead(app.DB()); err != nil {
			return nil, err
		}
	}
	head.At = now.UTC().Format(time.RFC3339Nano)
	if last != nil {
		head.Prev = last.MAC
	}
	head.MAC = head.sum(al.key)
	if err := al.append(&head); err != nil {
		return nil, err
	}
	return &head, nil
}

// tail reads the anchors this process has not read yet (all of them the
// first time) and checks the newest against the database.
func (al *anchorLog) tail(db dbx.Builder, now time.Time) (*Anchor, TailCheck, error) {
	last, end, t := al.read(al.end, al.last, al.last != nil, nil)
	if !t.OK {
		return nil, t, nil
	}
	al.last, al.end = last, end
	t, err := checkTail(db, last, now)
	return last, t, err
}

// newest reads the whole file, every line checked, for a verify: a file cut
// back to before the line this process last wrote or read shows too.
func (al *anchorLog) newest() (*Anchor, TailCheck) {
	al.mu.Lock()
	defer al.mu.Unlock()
	seen := al.last == nil
	last, _, t := al.read(0, nil, al.last != nil, func(an *Anchor) {
		seen = seen || an.MAC == al.last.MAC
	})
	if t.OK && !seen {
		t = t.fail("anchor_file_truncated", "审计锚点文件被截断或替换：本进程最后写入或读到的锚点（序号 %d，%s）已不在文件中",
			al.last.Seq, al.last.At)
	}
	return last, t
}

// read checks the lines from offset from (where prev ended) to the end,
// passing each to visit: each must carry its MAC and the MAC of the line
// before. A file shorter than this process last saw it was cut; mustExist:
// this process wrote or read it, so it cannot be missing.
func (al *anchorLog) read(from int64, prev *Anchor, mustExist bool, visit func(*Anchor)) (*Anchor, int64, TailCheck) {
	t := TailCheck{OK: true}
	if prev != nil {
		t.AnchoredID, t.AnchoredSeq, t.AnchoredAt = prev.ID, prev.Seq, prev.At
	}
	f, err := os.Open(al.path)
	if errors.Is(err, os.ErrNotExist) {
		if !mustExist {
			return nil, 0, t
		}
		return nil, 0, t.fail("anchor_file_missing", "审计锚点文件被删除：%s", al.path)
	}
	if err != nil {
		return nil, 0, t.fail("anchor_file_unreadable", "审计锚点文件无法读取：%v", err)
	}
	defer f.Close()
	if st, err := f.Stat(); err != nil || st.Size() < from {
		return nil, 0, t.fail("anchor_file_truncated", "审计锚点文件被截断或替换：本进程写到第 %d 字节，文件现在更短", from)
	}
	if _, err := f.Seek(from, io.SeekStart); err != nil {
		return nil, 0, t.fail("anchor_file_unreadable", "审计锚点文件无法读取：%v", err)
	}
	r := bufio.NewReaderSize(f, 64<<10)
	for n, end := 1, from; ; n++ {
		line, err := r.ReadBytes('\n')
		if len(line) == 0 && err == io.EOF {
			return prev, end, t
		}
		if err != nil && err != io.EOF {
			return nil, 0, t.fail("anchor_file_unreadable", "审计锚点文件无法读取：%v", err)
		}
		end += int64(len(line))
		var an Anchor
		if !wholeLine(line) || json.Unmarshal(line, &an) != nil || !hmac.Equal([]byte(an.sum(al.key)), []byte(an.MAC)) {
			return nil, 0, t.fail("anchor_file_altered", "审计锚点文件被改动：第 %d 行（自第 %d 字节起）的校验码不符", n, from)
		}
		if want := macOf(prev); an.Prev != want {
			return nil, 0, t.fail("anchor_file_altered", "审计锚点文件被改动：第 %d 行（自第 %d 字节起）之前的锚点被删除或调换", n, from)
		}
		if visit != nil {
			visit(&an)
		}
		prev = &an
		t.AnchoredID, t.AnchoredSeq, t.AnchoredAt = an.ID, an.Seq, an.At
	}
}

// wholeLine refuses a torn last line (no newline): a write is one line.
func wholeLine(line []byte) bool { return len(line) > 0 && line[len(line)-1] == '\n' }

func macOf(an *Anchor) string {
	if an == nil {
		return ""
	}
	return an.MAC
}

// append writes one line with O_APPEND and syncs it (and, for a new file,
// its directory) before the anchor counts as written.
func (al *anchorLog) append(an *Anchor) error {
	line, err := json.Marshal(an)
	if err != nil {
		return err
	}
	f, err := os.OpenFile(al.path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("audit: anchor: %w", err)
	}
	_, err = f.Write(append(line, '\n'))
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("audit: anchor: %w", err)
	}
	if al.end == 0 {
		if d, err := os.Open(filepath.Dir(al.path)); err == nil {
			_ = d.Sync()
			d.Close()
		}
	}
	al.last, al.end = an, al.end+int64(len(line))+1
	return nil
}

// alertTail records a failed tail check once per problem: as an
// audit.anchor row marked failed (as a failed verify is) and in the logs.
func (a *Audit) alertTail(app core.App, al *anchorLog, t TailCheck) {
	app.Logger().Error("audit tail check failed: no anchor written", "code", t.Code, "problem", t.Message)
	if al.alerted == t.Code+t.AnchoredID {
		return
	}
	al.alerted = t.Code + t.AnchoredID
	if _, err := a.Log(app, Entry{Action: ActionAnchor, Object: LogTable, Result: ResultFailed,
		Detail: "审计日志末尾校验未通过，未写入新锚点：" + t.Message, After: t}); err != nil {
		app.Logger().Error("audit tail alert not recorded", "error", err.Error())
	}
}
