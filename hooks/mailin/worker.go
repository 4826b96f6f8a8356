package mailin

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"
)

// Each active mailbox has one worker: it connects, logs in, selects the
// folder, takes in what is new, then waits in IDLE (restarted every
// IdleRestart, as RFC 2177 advises) or, without IDLE, polls. Anything that
// goes wrong ends the session; the worker reconnects after a backoff
// (1 s doubling to 5 min, with jitter). All its state is in the database,
// so a restart of the server picks up where it stopped.

// Tuning of the workers (tests shorten them).
type Tuning struct {
	PollEvery   time.Duration // without IDLE
	IdleRestart time.Duration
	Timeout     time.Duration // one command, and dialing
	MinBackoff  time.Duration
	MaxBackoff  time.Duration
	PollOnly    bool // ignore IDLE (servers whose IDLE misbehaves)
}

// DefaultTuning is what `serve` runs with.
func DefaultTuning() Tuning {
	return Tuning{PollEvery: time.Minute, IdleRestart: 25 * time.Minute, Timeout: 30 * time.Second,
		MinBackoff: time.Second, MaxBackoff: 5 * time.Minute}
}

type runner struct {
	s      *Service
	tuning Tuning

	mu      sync.Mutex
	ctx     context.Context
	workers map[string]context.CancelFunc
	wg      sync.WaitGroup

	// afterCommit, in tests, runs between a message's commit and its move
	// (a crash there must not double the message).
	afterCommit func(uid uint32) error
}

func newRunner(s *Service) *runner {
	return &runner{s: s, tuning: DefaultTuning(), workers: map[string]context.CancelFunc{}}
}

// SetTuning changes the workers' timings (before Start).
func (s *Service) SetTuning(t Tuning) { s.run.tuning = t }

// Start runs a worker for every active mailbox until ctx ends or Stop.
func (s *Service) Start(ctx context.Context) error {
	r := s.run
	r.mu.Lock()
	r.ctx = ctx
	r.mu.Unlock()
	var ids []string
	if err := s.app.DB().Select("id").From(MailboxesTable).Where(dbx.HashExp{"active": true}).Column(&ids); err != nil {
		return err
	}
	for _, id := range ids {
		r.sync(id)
	}
	return nil
}

// Stop ends every worker and waits for them.
func (s *Service) Stop() {
	r := s.run
	r.mu.Lock()
	for id, cancel := range r.workers {
		cancel()
		delete(r.workers, id)
	}
	r.ctx = nil
	r.mu.Unlock()
	r.wg.Wait()
}

// sync (re)starts the worker of mailbox id after a change, or stops it
// when the mailbox is gone or inactive. Nothing runs before Start.
func (r *runner) sync(id string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if cancel, ok := r.workers[id]; ok {
		cancel()
		delete(r.workers, id)
	}
	if r.ctx == nil {
		return
	}
	box, err := r.s.app.FindRecordById(MailboxesTable, id)
	if err != nil || !box.GetBool("active") {
		return
	}
	ctx, cancel := context.WithCancel(r.ctx)
	r.workers[id] = cancel
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		r.loop(ctx, id)
	}()
}

func (r *runner) loop(ctx context.Context, id string) {
	backoff := r.tuning.MinBackoff
	for ctx.Err() == nil {
		started := time.Now()
		err := r.session(ctx, id)
		if ctx.Err() != nil {
			r.s.setState(id, "stopped", "")
			return
		}
		r.s.setState(id, "error", describeIMAP(err))
		r.s.app.Logger().Warn("mailin: mailbox session ended", "mailbox", id, "error", fmt.Sprint(err))
		if time.Since(started) > 2*r.tuning.MaxBackoff {
			backoff = r.tuning.MinBackoff // it had been working: try again soon
		}
		wait := backoff + time.Duration(rand.Int64N(int64(backoff)/2+1))
		select {
		case <-ctx.Done():
			r.s.setState(id, "stopped", "")
			return
		case <-time.After(wait):
		}
		backoff = min(backoff*2, r.tuning.MaxBackoff)
	}
}

// session is one connection's life: it returns when the connection fails
// or ctx ends.
func (r *runner) session(ctx context.Context, id string) error {
	box, err := r.s.app.FindRecordById(MailboxesTable, id)
	if err != nil {
		return err
	}
	r.s.setState(id, "connecting", "")
	wake := make(chan struct{}, 1)
	c, err := r.s.connect(box, r.tuning.Timeout, &imapclient.UnilateralDataHandler{
		Mailbox: func(data *imapclient.UnilateralDataMailbox) {
			if data.NumMessages != nil {
				select {
				case wake <- struct{}{}:
				default:
				}
			}
		},
	})
	if err != nil {
		return err
	}
	defer c.Close()
	stop := context.AfterFunc(ctx, func() { c.Close() })
	defer stop()
	idle := c.Caps().Has(imap.CapIdle) && !r.tuning.PollOnly
	for ctx.Err() == nil {
		// selected again each round: a mailbox rebuilt meanwhile shows
		// with its new UIDVALIDITY
		var sel *imap.SelectData
		if err := within(c, r.tuning.Timeout, func() error {
			var err error
			sel, err = c.Select(box.GetString("folder"), nil).Wait()
			return err
		}); err != nil {
			return err
		}
		if err := r.take(ctx, c, box, sel.UIDValidity); err != nil {
			return err
		}
		state := "polling"
		if idle {
			state = "idle"
		}
		r.s.setState(id, state, "")
		if idle {
			err = r.idle(ctx, c, wake)
		} else {
			err = r.poll(ctx, c, wake)
		}
		if err != nil {
			return err
		}
	}
	return ctx.Err()
}

// idle waits in IDLE for new mail, at most IdleRestart; a dead connection
// shows as a failed or timed-out end of IDLE.
func (r *runner) idle(ctx context.Context, c *imapclient.Client, wake chan struct{}) error {
	cmd, err := c.Idle()
	if err != nil {
		return err
	}
	select {
	case <-ctx.Done():
	case <-wake:
	case <-c.Closed():
	case <-time.After(r.tuning.IdleRestart):
	}
	if err := cmd.Close(); err != nil {
		return err
	}
	return within(c, r.tuning.Timeout, cmd.Wait)
}

// poll waits PollEvery, then checks the connection with NOOP (which also
// brings news of new messages).
func (r *runner) poll(ctx context.Context, c *imapclient.Client, wake chan struct{}) error {
	select {
	case <-ctx.Done():
		return nil
	case <-wake:
	case <-c.Closed():
		return errors.New("mailin: connection closed by the server")
	case <-time.After(r.tuning.PollEvery):
	}
	return within(c, r.tuning.Timeout, func() error { return c.Noop().Wait() })
}

// within runs a command's wait, closing the connection when it takes too
// long (a half-open TCP connection never answers).
func within(c *imapclient.Client, d time.Duration, wait func() error) error {
	t := time.AfterFunc(d, func() { c.Close() })
	defer t.Stop()
	return wait()
}

// take ingests every message of the folder not yet in the ledger, in UID
// order, then moves or flags it. Messages the ledger already has but that
// are still in the folder (a crash after commit, before the move) are only
// moved.
func (r *runner) take(ctx context.Context, c *imapclient.Client, box *core.Record, validity uint32) error {
	processed, quarantined := box.GetString("processed_folder"), box.GetString("quarantine_folder")
	var last int64
	_ = r.s.app.DB().NewQuery("SELECT COALESCE(MAX(uid), 0) FROM mail_messages WHERE mailbox = {:b} AND uidvalidity = {:v}").
		Bind(dbx.Params{"b": box.Id, "v": int64(validity)}).Row(&last)
	data, err := c.UIDSearch(&imap.SearchCriteria{}, nil).Wait()
	if err != nil {
		return err
	}
	uids := data.AllUIDs()
	slices.Sort(uids)
	known, err := r.s.knownUIDs(box.Id, validity, uids)
	if err != nil {
		return err
	}
	if validity != uint32(box.GetInt("uidvalidity")) {
		_, _ = r.s.app.DB().NewQuery("UPDATE mailboxes SET uidvalidity = {:v} WHERE id = {:id}").
			Bind(dbx.Params{"v": int64(validity), "id": box.Id}).Execute()
	}
	for _, uid := range uids {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if st, ok := known[uint32(uid)]; ok {
			if processed != "" || quarantined != "" {
				if err := r.place(c, uid, st, processed, quarantined); err != nil {
					return err
				}
			}
			continue
		}
		if processed == "" && quarantined == "" && int64(uid) <= last {
			continue
		}
		raw, arrived, err := r.fetch(c, uid)
		if err != nil {
			return err
		}
		outcome, _, err := r.s.Ingest(ctx, Fetched{Mailbox: box, UIDValidity: validity, UID: uint32(uid), Raw: raw, Arrived: arrived})
		if err != nil {
			return err
		}
		if r.afterCommit != nil {
			if err := r.afterCommit(uint32(uid)); err != nil {
				return err
			}
		}
		st := "ingested"
		if outcome == Quarantined {
			st = "quarantined"
		}
		if err := r.place(c, uid, st, processed, quarantined); err != nil {
			return err
		}
	}
	r.s.markOK(box.Id)
	return nil
}

// fetch reads one message, at most the size limit plus one byte (a larger
// one is quarantined as oversize without being read whole).
func (r *runner) fetch(c *imapclient.Client, uid imap.UID) ([]byte, time.Time, error) {
	section := &imap.FetchItemBodySection{Peek: true, Partial: &imap.SectionPartial{Offset: 0, Size: r.s.limits.MaxBytes + 1}}
	var msgs []*imapclient.FetchMessageBuffer
	err := within(c, r.tuning.Timeout*4, func() error {
		var err error
		msgs, err = c.Fetch(imap.UIDSetNum(uid), &imap.FetchOptions{UID: true, InternalDate: true, BodySection: []*imap.FetchItemBodySection{section}}).Collect()
		return err
	})
	if err != nil {
		return nil, time.Time{}, err
	}
	for _, m := range msgs {
		if m.UID == uid {
			if b := m.FindBodySection(section); b != nil {
				return b, m.InternalDate, nil
			}
		}
	}
	return nil, time.Time{}, fmt.Errorf("mailin: message %d vanished", uid)
}

// place moves a message to its folder, or marks it seen when none is set.
func (r *runner) place(c *imapclient.Client, uid imap.UID, status, processed, quarantined string) error {
	to := processed
	if status == "quarantined" {
		to = quarantined
	}
	set := imap.UIDSetNum(uid)
	if to == "" {
		return within(c, r.tuning.Timeout, func() error {
			return c.Store(set, &imap.StoreFlags{Op: imap.StoreFlagsAdd, Silent: true, Flags: []imap.Flag{imap.FlagSeen}}, nil).Close()
		})
	}
	return within(c, r.tuning.Timeout, func() error { _, err := c.Move(set, to).Wait(); return err })
}

// knownUIDs are the ledger's statuses of the given UIDs.
func (s *Service) knownUIDs(box string, validity uint32, uids []imap.UID) (map[uint32]string, error) {
	out := map[uint32]string{}
	if len(uids) == 0 {
		return out, nil
	}
	var rows []struct {
		UID    int64  `db:"uid"`
		Status string `db:"status"`
	}
	err := s.app.DB().NewQuery("SELECT uid, status FROM mail_messages WHERE mailbox = {:b} AND uidvalidity = {:v} AND uid >= {:lo} AND uid <= {:hi}").
		Bind(dbx.Params{"b": box, "v": int64(validity), "lo": int64(uids[0]), "hi": int64(uids[len(uids)-1])}).All(&rows)
	for _, r := range rows {
		out[uint32(r.UID)] = r.Status
	}
	return out, err
}

// connect dials, secures and logs in to a mailbox.
func (s *Service) connect(box *core.Record, timeout time.Duration, h *imapclient.UnilateralDataHandler) (*imapclient.Client, error) {
	secret, err := s.secret(box)
	if err != nil {
		return nil, err
	}
	addr := net.JoinHostPort(box.GetString("host"), strconv.Itoa(box.GetInt("port")))
	opts := &imapclient.Options{Dialer: &net.Dialer{Timeout: timeout}, UnilateralDataHandler: h, WordDecoder: wordDecoder}
	var c *imapclient.Client
	switch box.GetString("security") {
	case "tls":
		c, err = imapclient.DialTLS(addr, opts)
	case "starttls":
		c, err = imapclient.DialStartTLS(addr, opts)
	default:
		c, err = imapclient.DialInsecure(addr, opts)
	}
	if err != nil {
		return nil, err
	}
	if err := within(c, timeout, func() error { return c.Login(box.GetString("username"), secret).Wait() }); err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}

// setState records a worker's state on its mailbox (not audited: it is
// the machine's own bookkeeping).
func (s *Service) setState(id, state, lastErr string) {
	_, _ = s.app.DB().NewQuery("UPDATE mailboxes SET state = {:s}, last_error = {:e} WHERE id = {:id}").
		Bind(dbx.Params{"s": state, "e": clip(lastErr, 2000), "id": id}).Execute()
}

func (s *Service) markOK(id string) {
	now, _ := types.ParseDateTime(s.now().UTC())
	_, _ = s.app.DB().NewQuery("UPDATE mailboxes SET last_ok = {:t}, last_error = '' WHERE id = {:id}").
		Bind(dbx.Params{"t": now.String(), "id": id}).Execute()
}

// describeIMAP says in Chinese what went wrong with a mailbox.
func describeIMAP(err error) string {
	var ne net.Error
	var ie *imap.Error
	switch {
	case err == nil:
		return ""
	case errors.As(err, &ie) && ie.Code == imap.ResponseCodeAuthenticationFailed:
		return "邮箱登录失败：用户名或密码错误"
	case errors.As(err, &ie):
		return "邮件服务器拒绝：" + ie.Text
	case errors.As(err, &ne) && ne.Timeout():
		return "连接邮件服务器超时"
	}
	var oe *net.OpError
	if errors.As(err, &oe) {
		return "无法连接邮件服务器：" + oe.Err.Error()
	}
	return "邮箱连接中断：" + err.Error()
}
