package notices

import (
	"fmt"
	"net/http"
	"sort"
	"strings"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"

	"govcollab/hooks/api"
	"govcollab/hooks/audit"
	"govcollab/hooks/export"
	"govcollab/hooks/org"
	"govcollab/policies"
)

// Counts are receipts counted.
type Counts struct {
	Total     int `json:"total"`
	Read      int `json:"read"`
	Confirmed int `json:"confirmed"`
}

// UnitRollup is one row of a rollup: a unit and everything below it.
type UnitRollup struct {
	Unit     string `json:"unit"`
	Name     string `json:"name"`
	Level    string `json:"level"`
	Self     bool   `json:"self"`     // the drilled unit's own people, not its subtree
	Children bool   `json:"children"` // it can be drilled further
	Counts
}

// Rollup is GET /api/gov/notices/{id}/receipts (API.md shape plus the
// drilled unit).
type Rollup struct {
	Counts
	MustConfirm bool         `json:"must_confirm"`
	Scope       string       `json:"scope"` // all | led (only the units the caller leads)
	At          *UnitRollup  `json:"at"`
	Parent      string       `json:"parent"` // the unit to drill back up to ("" at the top)
	Units       []UnitRollup `json:"units"`
}

// receiptScope is what the caller may count of a notice's receipts: the
// notice and every copy forwarded from it (by chain), all of them for
// those who track it, only their own units' (extra) for leaders of
// targeted units.
type receiptScope struct {
	chains []string
	extra  dbx.Expression // nil: everything
	full   bool
}

// of is the condition over notice_receipts for the chains given (all
// chains of the scope when none is).
func (sc receiptScope) of(chains ...string) dbx.Expression {
	if len(chains) == 0 {
		chains = sc.chains
	}
	w := dbx.Expression(dbx.In("notice_receipts.chain", anySlice(chains)...))
	if sc.extra != nil {
		w = dbx.And(w, sc.extra)
	}
	return w
}

// scopeOf loads the notice for its receipts: 404 when the notice is not
// the caller's to read, 403 when they see no receipts of it.
func (m *Module) scopeOf(e *core.RequestEvent) (*core.Record, receiptScope, error) {
	s, rec, err := api.View(m.app, e, "notice", "read", e.Request.PathValue("id"))
	if err != nil {
		return nil, receiptScope{}, err
	}
	var sc receiptScope
	if err := e.App.DB().Select("chain").From(NoticesTable).Where(subtreeOf("chain", rec.GetString("chain"))).
		OrderBy("chain").Column(&sc.chains); err != nil {
		return nil, sc, err
	}
	if m.tracks(e.App, s, rec) {
		sc.full = true
		return rec, sc, nil
	}
	if !m.app.Authz.Permits(s, "read", "notice_receipt") {
		return nil, sc, api.NewError(http.StatusForbidden, "forbidden", "您无权查看此通知的阅读情况")
	}
	sc.extra = m.app.Authz.Filter(s, "read", "notice_receipt")
	return rec, sc, nil
}

// HandleReceipts is GET /api/gov/notices/{id}/receipts?unit=: read and
// confirm counts, and per unit one level below ?unit (default: the highest
// unit holding all the caller may count), each over its whole subtree.
func (m *Module) HandleReceipts(e *core.RequestEvent) error {
	rec, sc, err := m.scopeOf(e)
	if err != nil {
		return err
	}
	out, err := m.rollup(e.App, sc, e.Request.URL.Query().Get("unit"))
	if err != nil {
		return err
	}
	out.MustConfirm = rec.GetBool("must_confirm")
	out.Scope = "led"
	if sc.full {
		out.Scope = "all"
	}
	return e.JSON(http.StatusOK, out)
}

// rollup counts per chain, each with the chain fixed so that the rollup
// index is read in unit order (no sort), and folds the counts into the
// children of the drilled unit.
func (m *Module) rollup(app core.App, sc receiptScope, unitID string) (*Rollup, error) {
	out := &Rollup{Units: []UnitRollup{}}
	var top string
	if unitID != "" {
		u, err := findUnit(app, unitID)
		if err != nil {
			return nil, api.BadField("unit", "unknown_unit", "单位不存在")
		}
		top = u.Path
	} else {
		lo, hi := "", ""
		for _, c := range sc.chains {
			// one aggregate per query: SQLite then seeks the index's ends
			var a, b string
			table, where := ReceiptsTable, sc.of(c)
			if sc.extra == nil {
				table, where = CountsTable, dbx.HashExp{"chain": c}
			}
			if err := app.DB().Select("COALESCE(MIN(unit_path), '')").From(table).Where(where).Row(&a); err != nil {
				return nil, err
			}
			if err := app.DB().Select("COALESCE(MAX(unit_path), '')").From(table).Where(where).Row(&b); err != nil {
				return nil, err
			}
			if a != "" && (lo == "" || a < lo) {
				lo = a
			}
			if b > hi {
				hi = b
			}
		}
		top = commonUnit(lo, hi)
	}
	if top == "" {
		return out, nil
	}
	type unitCount struct {
		Path      string `db:"unit_path"`
		Total     int    `db:"total"`
		Read      int    `db:"nread"`
		Confirmed int    `db:"nconfirmed"`
	}
	var perUnit []unitCount
	for _, c := range sc.chains {
		var part []unitCount
		q := app.DB().Select("notice_receipts.unit_path", "COUNT(*) AS total",
			"SUM(notice_receipts.read_at != '') AS nread", "SUM(notice_receipts.confirmed_at != '') AS nconfirmed").
			From(ReceiptsTable).Where(dbx.And(sc.of(c), subtreeOf("notice_receipts.unit_path", top))).
			GroupBy("notice_receipts.unit_path")
		if sc.extra == nil {
			// everything: the kept per-unit counts, one row per unit
			q = app.DB().Select("unit_path", "SUM(total) AS total", "SUM(nread) AS nread", "SUM(nconfirmed) AS nconfirmed").
				From(CountsTable).Where(dbx.And(dbx.HashExp{"chain": c}, subtreeOf("unit_path", top))).GroupBy("unit_path")
		}
		err := q.All(&part)
		if err != nil {
			return nil, err
		}
		perUnit = append(perUnit, part...)
	}
	type fold struct {
		Prefix                 string
		Total, Read, Confirmed int
		Deeper                 int
	}
	step := len(top) + org.SegmentWidth + 1
	var rows []*fold
	index := map[string]*fold{}
	for _, u := range perUnit {
		prefix, deeper := u.Path, 0
		if len(u.Path) > step {
			prefix, deeper = u.Path[:step], 1
		}
		f := index[prefix]
		if f == nil {
			f = &fold{Prefix: prefix}
			index[prefix] = f
			rows = append(rows, f)
		}
		f.Total += u.Total
		f.Read += u.Read
		f.Confirmed += u.Confirmed
		f.Deeper = max(f.Deeper, deeper)
	}
	// the drilled unit's own people first, then its children in tree order
	// (top sorts before every path below it)
	sort.Slice(rows, func(i, j int) bool { return rows[i].Prefix < rows[j].Prefix })
	paths := []any{top}
	for _, r := range rows {
		paths = append(paths, r.Prefix)
	}
	var units []unitRow
	if err := app.DB().Select("id", "name", "path", "level").From("units").Where(dbx.In("path", paths...)).All(&units); err != nil {
		return nil, err
	}
	byPath := map[string]unitRow{}
	for _, u := range units {
		byPath[u.Path] = u
	}
	at := byPath[top]
	out.At = &UnitRollup{Unit: at.ID, Name: at.Name, Level: at.Level}
	if a := policies.Ancestors(top); len(a) > 1 {
		if p, ok := byPathOf(app, a[len(a)-2]); ok {
			out.Parent = p
		}
	}
	for _, r := range rows {
		u := byPath[r.Prefix]
		row := UnitRollup{Unit: u.ID, Name: u.Name, Level: u.Level, Children: r.Deeper > 0,
			Counts: Counts{Total: r.Total, Read: r.Read, Confirmed: r.Confirmed}}
		if r.Prefix == top {
			row.Self, row.Children, row.Name = true, false, u.Name+"（本级）"
		}
		out.Total += r.Total
		out.Read += r.Read
		out.Confirmed += r.Confirmed
		out.Units = append(out.Units, row)
	}
	out.At.Counts = out.Counts
	return out, nil
}

func byPathOf(app core.App, path string) (string, bool) {
	var ids []string
	if err := app.DB().Select("id").From("units").Where(dbx.HashExp{"path": path}).Column(&ids); err != nil || len(ids) == 0 {
		return "", false
	}
	return ids[0], true
}

// commonUnit is the path of the deepest unit above (or at) both paths.
func commonUnit(a, b string) string {
	n := 0
	for n < len(a) && n < len(b) && a[n] == b[n] {
		n++
	}
	p := a[:n]
	if i := strings.LastIndexByte(p, '/'); i >= 0 {
		return p[:i+1]
	}
	return ""
}

// Person is one recipient in the people list.
type Person struct {
	User        string `json:"user"`
	Name        string `json:"name"`
	Unit        string `json:"unit"`
	UnitName    string `json:"unit_name"`
	ReadAt      string `json:"read_at"`
	ConfirmedAt string `json:"confirmed_at"`
	Late        bool   `json:"late"`
	Reply       string `json:"reply"`
}

// HandlePeople is GET /api/gov/notices/{id}/receipts/people?unit=&status=
// unread|unconfirmed|read|confirmed: who, under a unit, has (not) read or
// confirmed — the list a leader chases.
func (m *Module) HandlePeople(e *core.RequestEvent) error {
	_, sc, err := m.scopeOf(e)
	if err != nil {
		return err
	}
	q := e.Request.URL.Query()
	where, err := narrow(e.App, sc.of(), q.Get("unit"), q.Get("status"))
	if err != nil {
		return err
	}
	page, perPage, err := api.Paging(q, 100)
	if err != nil {
		return err
	}
	var total int
	if err := e.App.DB().Select("COUNT(*)").From(ReceiptsTable).Where(where).Row(&total); err != nil {
		return err
	}
	people, err := m.people(e.App, where, perPage, (page-1)*perPage)
	if err != nil {
		return err
	}
	return e.JSON(http.StatusOK, api.Page[Person]{Page: page, PerPage: perPage, TotalItems: total,
		TotalPages: (total + perPage - 1) / perPage, Items: people})
}

// narrow adds the ?unit subtree and ?status to a receipt condition.
func narrow(app core.App, where dbx.Expression, unitID, status string) (dbx.Expression, error) {
	if unitID != "" {
		u, err := findUnit(app, unitID)
		if err != nil {
			return nil, api.BadField("unit", "unknown_unit", "单位不存在")
		}
		where = dbx.And(where, subtreeOf("notice_receipts.unit_path", u.Path))
	}
	switch status {
	case "", "all":
	case "unread":
		where = dbx.And(where, dbx.HashExp{"notice_receipts.read_at": ""})
	case "read":
		where = dbx.And(where, dbx.NewExp("notice_receipts.read_at != ''"))
	case "unconfirmed":
		where = dbx.And(where, dbx.HashExp{"notice_receipts.confirmed_at": ""})
	case "confirmed":
		where = dbx.And(where, dbx.NewExp("notice_receipts.confirmed_at != ''"))
	default:
		return nil, api.BadField("status", "invalid", "status 须为 unread、unconfirmed、read、confirmed 或 all")
	}
	return where, nil
}

func (m *Module) people(app core.App, where dbx.Expression, limit, offset int) ([]Person, error) {
	var rows []struct {
		User        string `db:"user"`
		Name        string `db:"name"`
		Unit        string `db:"unit"`
		UnitName    string `db:"unit_name"`
		ReadAt      string `db:"read_at"`
		ConfirmedAt string `db:"confirmed_at"`
		Late        bool   `db:"late"`
		Reply       string `db:"reply"`
	}
	q := app.DB().Select("notice_receipts.user", "users.name", "notice_receipts.unit", "units.name AS unit_name",
		"notice_receipts.read_at", "notice_receipts.confirmed_at", "notice_receipts.late", "notice_receipts.reply").
		From(ReceiptsTable).InnerJoin("users", dbx.NewExp("users.id = notice_receipts.user")).
		InnerJoin("units", dbx.NewExp("units.id = notice_receipts.unit")).Where(where).
		OrderBy("notice_receipts.unit_path", "users.name", "notice_receipts.user")
	if limit > 0 {
		q = q.Limit(int64(limit)).Offset(int64(offset))
	}
	if err := q.All(&rows); err != nil {
		return nil, err
	}
	out := make([]Person, 0, len(rows))
	for _, r := range rows {
		out = append(out, Person(r))
	}
	return out, nil
}

var levelLabels = map[string]string{"province": "省级", "city": "市级", "county": "县级", "township": "乡镇"}

// HandleExport is GET /api/gov/notices/{id}/receipts/export?format=xlsx|csv
// &unit=: the per-unit table (every unit under ?unit with recipients) and
// who has not read or not confirmed, over the receipts the caller may
// count; audited.
func (m *Module) HandleExport(e *core.RequestEvent) error {
	rec, sc, err := m.scopeOf(e)
	if err != nil {
		return err
	}
	format, err := export.Format(e)
	if err != nil {
		return err
	}
	where, err := narrow(e.App, sc.of(), e.Request.URL.Query().Get("unit"), "")
	if err != nil {
		return err
	}
	var units []struct {
		Name      string `db:"name"`
		Level     string `db:"level"`
		Total     int    `db:"total"`
		Read      int    `db:"nread"`
		Confirmed int    `db:"nconfirmed"`
	}
	err = e.App.DB().Select("units.name", "units.level", "COUNT(*) AS total", "SUM(notice_receipts.read_at != '') AS nread",
		"SUM(notice_receipts.confirmed_at != '') AS nconfirmed").From(ReceiptsTable).
		InnerJoin("units", dbx.NewExp("units.id = notice_receipts.unit")).Where(where).
		GroupBy("notice_receipts.unit").OrderBy("MIN(notice_receipts.unit_path)").All(&units)
	if err != nil {
		return err
	}
	must := rec.GetBool("must_confirm")
	byUnit := export.Sheet{Name: "按单位汇总", Header: []string{"单位", "层级", "应阅人数", "已读", "阅读率"}}
	if must {
		byUnit.Header = append(byUnit.Header, "已确认", "确认率")
	}
	for _, u := range units {
		row := []any{u.Name, levelLabels[u.Level], u.Total, u.Read, rate(u.Read, u.Total)}
		if must {
			row = append(row, u.Confirmed, rate(u.Confirmed, u.Total))
		}
		byUnit.Rows = append(byUnit.Rows, row)
	}
	sheets := []export.Sheet{byUnit}
	lists := []struct{ name, status string }{{"未读人员", "unread"}}
	if must {
		lists = append(lists, struct{ name, status string }{"未确认人员", "unconfirmed"})
	}
	for _, l := range lists {
		w, _ := narrow(e.App, where, "", l.status)
		people, err := m.people(e.App, w, 0, 0)
		if err != nil {
			return err
		}
		sh := export.Sheet{Name: l.name, Header: []string{"姓名", "单位", "阅读时间", "确认时间"}}
		for _, p := range people {
			sh.Rows = append(sh.Rows, []any{p.Name, p.UnitName, localTime(p.ReadAt), localTime(p.ConfirmedAt)})
		}
		sheets = append(sheets, sh)
	}
	if _, err := m.audit.LogRequest(e, audit.Entry{Action: "notice.export", Object: NoticesTable + "/" + rec.Id,
		Result: audit.ResultOK, Detail: format}); err != nil {
		return err
	}
	return export.Write(e, "通知阅读情况-"+rec.GetString("title"), format, sheets...)
}

func rate(n, total int) string {
	if total == 0 {
		return "-"
	}
	return fmt.Sprintf("%.1f%%", float64(n)*100/float64(total))
}

// localTime shows a stored time in business time ("" stays "").
func localTime(s string) string {
	d, err := types.ParseDateTime(s)
	if err != nil || d.IsZero() {
		return ""
	}
	return shanghai(d.Time())
}
