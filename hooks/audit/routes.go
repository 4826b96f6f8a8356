package audit

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/hook"
	"github.com/pocketbase/pocketbase/tools/router"

	"govcollab/hooks/api"
	"govcollab/policies"
)

// ObjectAudit is the policy object of the audit log.
const ObjectAudit = "audit"

// ObjectTypes are the policy objects this package owns. The log has no unit
// or owner columns: only scope all applies (the auditor reads everything).
func ObjectTypes() []policies.ObjectType {
	return []policies.ObjectType{{Name: ObjectAudit, Table: LogTable, Actions: []string{"read", "export"}}}
}

// RowView is one row in the list and the JSON export.
type RowView struct {
	ID        string          `json:"id"`
	Seq       int64           `json:"seq"`
	Time      string          `json:"time"`
	Actor     string          `json:"actor"`
	ActorName string          `json:"actor_name"`
	Unit      string          `json:"unit"`
	UnitName  string          `json:"unit_name"`
	IP        string          `json:"ip"`
	Action    string          `json:"action"`
	Object    string          `json:"object"`
	Result    string          `json:"result"`
	Detail    string          `json:"detail"`
	Before    json.RawMessage `json:"before"`
	After     json.RawMessage `json:"after"`
	PrevHash  string          `json:"prev_hash"`
	Hash      string          `json:"hash"`
}

func rawJSON(s string) json.RawMessage {
	if s == "" || !json.Valid([]byte(s)) {
		return json.RawMessage("null")
	}
	return json.RawMessage(s)
}

func (r *Row) view() RowView {
	return RowView{ID: r.ID, Seq: r.Seq, Time: r.Time, Actor: r.Actor, ActorName: r.ActorName, Unit: r.Unit,
		UnitName: r.UnitName, IP: r.IP, Action: r.Action, Object: r.Object, Result: r.Result, Detail: r.Detail,
		Before: rawJSON(r.Before), After: rawJSON(r.After), PrevHash: r.PrevHash, Hash: r.Hash}
}

func recordRow(r *core.Record) *Row {
	return &Row{ID: r.Id, Seq: int64(r.GetInt("seq")), Time: r.GetString("time"), Actor: r.GetString("actor"),
		ActorName: r.GetString("actor_name"), Unit: r.GetString("unit"), UnitName: r.GetString("unit_name"),
		IP: r.GetString("ip"), Action: r.GetString("action"), Object: r.GetString("object"),
		Result: r.GetString("result"), Detail: r.GetString("detail"), Before: r.GetString("before"),
		After: r.GetString("after"), PrevHash: r.GetString("prev_hash"), Hash: r.GetString("hash")}
}

// prefixOrExact matches column = v, or with v "unit" or "unit.*" also every
// value under it ("unit.update"); sep is the hierarchy separator.
func prefixOrExact(column, name, v, sep string) dbx.Expression {
	v = Escape(strings.TrimSuffix(strings.TrimSuffix(v, "*"), sep))
	like := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(v) + sep + "%"
	return dbx.NewExp("([["+column+"]] = {:"+name+"} OR [["+column+"]] LIKE {:"+name+"_like} ESCAPE '\\')",
		dbx.Params{name: v, name + "_like": like})
}

// listFilters are the named filters the list and the export share; action
// and object are prefix-or-exact (built by prefixOrExact).
var listFilters = []api.FilterParam{
	{Name: "from", Kind: api.FilterFrom, Columns: []string{"time"}},
	{Name: "to", Kind: api.FilterTo, Columns: []string{"time"}},
	{Name: "actor", Kind: api.FilterEq, Columns: []string{"actor"}},
	{Name: "result", Kind: api.FilterEq, Columns: []string{"result"}},
	{Name: "q", Kind: api.FilterContains, Columns: []string{"actor_name", "unit_name", "object", "detail", "ip", "before", "after"}},
}

func hierarchyFilters(e *core.RequestEvent) (dbx.Expression, error) {
	q := e.Request.URL.Query()
	var conds []dbx.Expression
	for _, f := range []struct{ param, sep string }{{"action", "."}, {"object", "/"}} {
		v := strings.TrimSpace(q.Get(f.param))
		if v == "" {
			continue
		}
		if len([]rune(v)) > 200 {
			return nil, api.BadField(f.param, "too_long", "筛选条件不能超过 200 个字")
		}
		conds = append(conds, prefixOrExact(f.param, "audit_"+f.param, v, f.sep))
	}
	if len(conds) == 0 {
		return nil, nil
	}
	return dbx.And(conds...), nil
}

// HandleList answers GET /api/gov/audit: the guarded list, newest first.
// Filters: from, to, actor (user id), action and object (prefix or exact),
// result, q (text in names, object, detail, address, snapshots).
func (a *Audit) HandleList(e *core.RequestEvent) error {
	if _, err := a.app.Require(e, "read", ObjectAudit); err != nil {
		return err
	}
	where, err := hierarchyFilters(e)
	if err != nil {
		return err
	}
	spec := api.ListSpec{
		Object: ObjectAudit, Action: "read",
		Sort:        map[string]string{"seq": "seq", "time": "time"},
		DefaultSort: "-seq",
		Filters:     listFilters,
		Where:       where,
	}
	return api.List(a.app, e, spec, func(_ *policies.Subject, r *core.Record) RowView { return recordRow(r).view() })
}

// HandleVerify answers GET /api/gov/audit/verify → {ok, checked,
// firstBroken, tail}. The check is itself audited: a broken chain or tail
// is an event; a passing check anchors the head.
func (a *Audit) HandleVerify(e *core.RequestEvent) error {
	s, err := a.app.Require(e, "read", ObjectAudit)
	if err != nil {
		return err
	}
	v, err := a.Verify(e.App)
	if err != nil {
		return err
	}
	en := Entry{Actor: s.ID, Action: "audit.verify", Object: LogTable, After: v}
	if !v.OK {
		en.Result, en.Detail = ResultFailed, v.Problem()
	}
	if _, err := a.LogRequest(e, en); err != nil {
		return err
	}
	if v.OK {
		// a passing check anchors the head, its own row included; the check's
		// row already notes a first anchor ("尚无锚点")
		if _, err := a.anchor(e.App, time.Now(), false); err != nil && !errors.Is(err, ErrTailBroken) {
			e.App.Logger().Error("audit anchor after verify failed", "error", err.Error())
		}
	}
	return e.JSON(http.StatusOK, v)
}

// SuperuserMiddleware records every request made with a superuser token
// (superusers are for emergencies only). It runs right after the session
// check (bound after it at the same priority), so e.Auth is final.
func (a *Audit) SuperuserMiddleware() *hook.Handler[*core.RequestEvent] {
	return &hook.Handler[*core.RequestEvent]{
		Id:       "govAuditSuperuser",
		Priority: -1018,
		Func: func(e *core.RequestEvent) error {
			if e.Auth == nil || !e.Auth.IsSuperuser() {
				return e.Next()
			}
			su := e.Auth
			err := e.Next()
			status := statusOf(e, err)
			result := ResultOK
			switch {
			case status == http.StatusUnauthorized || status == http.StatusForbidden:
				result = ResultDenied
			case status >= 400:
				result = ResultFailed
			}
			if _, lerr := a.Log(e.App, Entry{Actor: su.Id, ActorName: su.Email(), IP: e.RealIP(),
				Action: "superuser.request", Object: e.Request.Method + " " + e.Request.URL.Path, Result: result,
				Detail: "HTTP " + strconv.Itoa(status)}); lerr != nil {
				e.App.Logger().Error("superuser request not audited", "path", e.Request.URL.Path, "error", lerr.Error())
			}
			return err
		},
	}
}

func statusOf(e *core.RequestEvent, err error) int {
	if err == nil {
		if st := e.Status(); st != 0 {
			return st
		}
		return http.StatusOK
	}
	var own *api.Error
	if errors.As(err, &own) {
		return own.Status
	}
	var pb *router.ApiError
	if errors.As(err, &pb) {
		return pb.Status
	}
	return http.StatusInternalServerError
}
