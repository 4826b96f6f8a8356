// Package audit owns the audit log (等保 2.0 level 3): every security and
// business event as one append-only row, hash-chained with SM3 so that any
// edit or deletion shows in the chain check; the head anchors outside the
// database that show a cut-off tail; the retention purge and its
// checkpoints; and the auditor's routes to read, verify and export it.
package audit

import (
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"

	"govcollab/hooks/api"
	"govcollab/hooks/security"
)

// Collections this package owns.
const (
	LogTable        = "audit_log"
	CheckpointTable = "audit_checkpoints"
)

// Results of an event.
const (
	ResultOK     = "ok"
	ResultFailed = "failed"
	ResultDenied = "denied"
)

// Entry is one event to record. Only Action is required.
type Entry struct {
	Actor     string // user (or superuser) id; empty for system jobs
	ActorName string // looked up from Actor when empty; for failed logins, what was typed
	Unit      string // the actor's unit id; looked up from Actor when empty
	UnitName  string // looked up from Unit when empty
	IP        string
	Action    string // domain.verb: unit.update, auth.login, case.publish, file.download
	Object    string // "collection/id" or what else names the object
	Result    string // ok (default), failed or denied
	Detail    string
	Before    any // snapshots of a change, stored as JSON
	After     any
}

// Row is one stored audit row, its text fields as stored (escaped).
type Row struct {
	ID        string `db:"id" json:"id"`
	Seq       int64  `db:"seq" json:"seq"`
	Time      string `db:"time" json:"time"`
	Actor     string `db:"actor" json:"actor"`
	ActorName string `db:"actor_name" json:"actor_name"`
	Unit      string `db:"unit" json:"unit"`
	UnitName  string `db:"unit_name" json:"unit_name"`
	IP        string `db:"ip" json:"ip"`
	Action    string `db:"action" json:"action"`
	Object    string `db:"object" json:"object"`
	Result    string `db:"result" json:"result"`
	Detail    string `db:"detail" json:"detail"`
	Before    string `db:"before" json:"before"`
	After     string `db:"after" json:"after"`
	PrevHash  string `db:"prev_hash" json:"prev_hash"`
	Hash      string `db:"hash" json:"hash"`
}

// rowColumns are the stored columns, in the order they are hashed.
var rowColumns = []string{"id", "seq", "time", "actor", "actor_name", "unit", "unit_name", "ip",
	"action", "object", "result", "detail", "before", "after", "prev_hash", "hash"}

// fields are what the hash covers: everything but the hashes themselves
// (prev_hash enters the hash as the chain link).
func (r *Row) fields() []string {
	return []string{r.ID, strconv.FormatInt(r.Seq, 10), r.Time, r.Actor, r.ActorName, r.Unit, r.UnitName,
		r.IP, r.Action, r.Object, r.Result, r.Detail, r.Before, r.After}
}

// Sum is the hash r's fields and prev_hash give: SM3(prev_hash ‖ Encode(fields)).
// An archive re-checks an export with it.
func (r *Row) Sum() string { return chainHash(r.PrevHash, r.fields()) }

var insertSQL = "INSERT INTO " + LogTable + " (" + strings.Join(rowColumns, ", ") + ") VALUES ({:" +
	strings.Join(rowColumns, "}, {:") + "})"

func (r *Row) params() dbx.Params {
	return dbx.Params{"id": r.ID, "seq": r.Seq, "time": r.Time, "actor": r.Actor, "actor_name": r.ActorName,
		"unit": r.Unit, "unit_name": r.UnitName, "ip": r.IP, "action": r.Action, "object": r.Object,
		"result": r.Result, "detail": r.Detail, "before": r.Before, "after": r.After,
		"prev_hash": r.PrevHash, "hash": r.Hash}
}

// Audit appends to and reads the audit log of one app.
type Audit struct {
	app      *api.App
	settings *security.SettingsStore

	// mu serializes appends; together with the append running in a write
	// transaction (SQLite has one writer) it keeps the chain from forking.
	mu sync.Mutex
	// headTx and head remember the row a database transaction appended
	// last: no one else writes while it holds the writer, so a batch of
	// appends in one transaction skips the head query. Holding headTx keeps
	// its address from being reused by a later transaction.
	headTx dbx.Builder
	head   link
	insert *dbx.Query // prepared in headTx

	anchors *anchorLog // the head anchors outside the database; nil: off
}

// New builds the audit log of app: it refuses every edit or deletion of
// audit rows and checkpoints (only the purge removes rows, with raw SQL
// inside its transaction) and schedules the daily purge. The caller binds
// OnChange and OnAuthEvent (hooks.Register).
func New(app *api.App, settings *security.SettingsStore) *Audit {
	a := &Audit{app: app, settings: settings}
	for _, c := range []string{LogTable, CheckpointTable} {
		app.OnModelCreate(c).BindFunc(refuseModel)
		app.OnModelUpdate(c).BindFunc(refuseModel)
		app.OnModelDelete(c).BindFunc(refuseModel)
		app.OnRecordCreate(c).BindFunc(refuseRecord)
		app.OnRecordUpdate(c).BindFunc(refuseRecord)
		app.OnRecordDelete(c).BindFunc(refuseRecord)
	}
	// nor drops or reshapes them through the collections API (superusers)
	app.OnCollectionDeleteRequest().BindFunc(refuseCollectionChange)
	app.OnCollectionUpdateRequest().BindFunc(refuseCollectionChange)
	app.Cron().MustAdd("govAuditPurge", "47 3 * * *", func() {
		if _, err := a.Purge(app, time.Now()); err != nil {
			app.Logger().Error("audit purge failed", "error", err.Error())
		}
	})
	return a
}

func errImmutable() *api.Error {
	return api.NewError(403, "audit_immutable", "审计记录只能追加，不能修改或删除")
}

func refuseCollectionChange(e *core.CollectionRequestEvent) error {
	if n := e.Collection.Name; n == LogTable || n == CheckpointTable {
		return errImmutable()
	}
	return e.Next()
}

func refuseModel(*core.ModelEvent) error   { return errImmutable() }
func refuseRecord(*core.RecordEvent) error { return errImmutable() }

// Log appends one event. Pass the transaction when inside one, so the row
// commits (or rolls back) with the change it describes; with a plain app
// it runs in a transaction of its own.
func (a *Audit) Log(app core.App, en Entry) (*Row, error) {
	if app.IsTransactional() {
		return a.appendTx(app, en)
	}
	var row *Row
	err := app.RunInTransaction(func(tx core.App) error {
		var err error
		row, err = a.appendTx(tx, en)
		return err
	})
	return row, err
}

// LogRequest appends an event of the request's user, address and unit.
func (a *Audit) LogRequest(e *core.RequestEvent, en Entry) (*Row, error) {
	if e.Auth != nil && en.Actor == "" {
		en.Actor = e.Auth.Id
	}
	if en.IP == "" {
		en.IP = e.RealIP()
	}
	return a.Log(e.App, en)
}

// OnChange records a change applied through api.App.Apply, inside its
// transaction.
func (a *Audit) OnChange(ev *api.ChangeEvent) error {
	c := ev.Change
	if _, err := a.Log(ev.App, Entry{Actor: c.Actor, IP: c.IP, Action: c.Action, Object: c.Object,
		Before: c.Before, After: c.After}); err != nil {
		return fmt.Errorf("audit: change %s: %w", c.Action, err)
	}
	return ev.Next()
}

// OnAuthEvent records a security event (login, logout, lockout, ...).
func (a *Audit) OnAuthEvent(ev *security.AuthEvent) error {
	en := Entry{Actor: ev.UserID, IP: ev.IP, Action: ev.Action, Result: ev.Result, Detail: ev.Detail}
	if ev.UserID == "" {
		en.ActorName = ev.Identity
	}
	if _, err := a.Log(ev.App, en); err != nil {
		return fmt.Errorf("audit: auth event %s: %w", ev.Action, err)
	}
	return ev.Next()
}

const maxText = 2000 // runes of one free-text field

func (a *Audit) appendTx(tx core.App, en Entry) (*Row, error) {
	if en.Action == "" {
		return nil, fmt.Errorf("audit: an event needs an action")
	}
	if en.Result == "" {
		en.Result = ResultOK
	}
	actorName, unit, unitName := en.ActorName, en.Unit, en.UnitName
	if en.Actor != "" && (actorName == "" || unit == "") {
		n, u, un := describeActor(tx, en.Actor)
		if actorName == "" {
			actorName = n
		}
		if unit == "" {
			unit, unitName = u, un
		}
	}
	if unit != "" && unitName == "" {
		unitName = unitNameOf(tx, unit)
	}
	row := &Row{
		ID: core.GenerateDefaultRandomId(), Actor: Escape(clip(en.Actor, 100)),
		ActorName: Escape(clip(actorName, 200)), Unit: Escape(clip(unit, 100)), UnitName: Escape(clip(unitName, 200)),
		IP: Escape(clip(en.IP, 100)), Action: Escape(clip(en.Action, 100)), Object: Escape(clip(en.Object, 500)),
		Result: Escape(clip(en.Result, 20)), Detail: Escape(clip(en.Detail, maxText)),
		Before: safeJSON(en.Before), After: safeJSON(en.After),
	}

	a.mu.Lock()
	defer a.mu.Unlock()
	head := a.head
	if a.headTx != tx.NonconcurrentDB() {
		var err error
		if head, err = chainHead(tx); err != nil {
			return nil, err
		}
		a.headTx, a.insert = tx.NonconcurrentDB(), tx.DB().NewQuery(insertSQL).Prepare()
	}
	row.Seq, row.PrevHash = head.Seq+1, head.Hash
	row.Time = types.NowDateTime().String()
	row.Hash = row.Sum()
	if _, err := a.insert.Bind(row.params()).Execute(); err != nil {
		a.headTx, a.insert = nil, nil
		return nil, fmt.Errorf("audit: append: %w", err)
	}
	a.head = link{ID: row.ID, Seq: row.Seq, Hash: row.Hash}
	return row, nil
}

// forgetHead makes the next append read the chain head from the database
// (after the purge rewrote it).
func (a *Audit) forgetHead() {
	a.mu.Lock()
	a.headTx, a.insert = nil, nil
	a.mu.Unlock()
}

// describeActor snapshots who acted: the username (or a superuser's email)
// and their unit, so the row reads the same after the account changes.
func describeActor(app core.App, id string) (name, unit, unitName string) {
	var u struct {
		Username string `db:"username"`
		Unit     string `db:"unit"`
	}
	err := app.DB().NewQuery("SELECT username, unit FROM users WHERE id = {:id}").Bind(dbx.Params{"id": id}).One(&u)
	if err == nil {
		return u.Username, u.Unit, unitNameOf(app, u.Unit)
	}
	if su, err := app.FindRecordById(core.CollectionNameSuperusers, id); err == nil {
		return su.Email(), "", ""
	}
	return "", "", ""
}

func unitNameOf(app core.App, id string) string {
	var name string
	_ = app.DB().NewQuery("SELECT name FROM units WHERE id = {:id}").Bind(dbx.Params{"id": id}).Row(&name)
	return name
}

// link is a chain position: a row's (or a checkpoint's) seq and hash.
type link struct {
	ID   string `db:"id"`
	Seq  int64  `db:"seq"`
	Hash string `db:"hash"`
}

// chainHead is the last row, or after a purge of everything the newest
// checkpoint, or the genesis.
func chainHead(app core.App) (link, error) {
	var last []link
	err := app.DB().NewQuery("SELECT id, seq, hash FROM " + LogTable + " ORDER BY seq DESC LIMIT 1").All(&last)
	if err != nil {
		return link{}, fmt.Errorf("audit: chain head: %w", err)
	}
	if len(last) == 1 {
		return last[0], nil
	}
	cp, ok, err := newestCheckpoint(app)
	if err != nil {
		return link{}, err
	}
	if ok {
		return cp, nil
	}
	return link{Hash: GenesisHash}, nil
}

func newestCheckpoint(app core.App) (link, bool, error) {
	var cps []link
	err := app.DB().NewQuery("SELECT id, seq, hash FROM " + CheckpointTable + " ORDER BY seq DESC LIMIT 1").All(&cps)
	if err != nil {
		return link{}, false, fmt.Errorf("audit: checkpoint: %w", err)
	}
	if len(cps) == 0 {
		return link{}, false, nil
	}
	return cps[0], true, nil
}
