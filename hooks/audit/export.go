package audit

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"

	"govcollab/hooks/api"
)

// csvHeader names the CSV columns for the archive (UTF-8 with BOM so that
// spreadsheet software reads the Chinese).
var csvHeader = []string{"序号", "时间（UTC）", "用户ID", "用户", "单位ID", "单位", "IP地址", "操作", "对象",
	"结果", "详情", "变更前", "变更后", "前序哈希", "哈希", "记录ID"}

func (r *Row) csvRecord() []string {
	return []string{strconv.FormatInt(r.Seq, 10), r.Time, r.Actor, cell(r.ActorName), r.Unit, cell(r.UnitName),
		cell(r.IP), cell(r.Action), cell(r.Object), cell(r.Result), cell(r.Detail), cell(r.Before), cell(r.After),
		r.PrevHash, r.Hash, r.ID}
}

// cell keeps a spreadsheet from running a typed value as a formula; the
// JSON export carries the stored values exactly, for re-checking the chain.
func cell(s string) string {
	if s != "" && strings.ContainsRune("=+-@", rune(s[0])) {
		return "'" + s
	}
	return s
}

// exportBatch is how many rows are read per query while streaming.
const exportBatch = 2000

// HandleExport answers GET /api/gov/audit/export?format=csv|json&from=&to=
// (the list's filters apply too): the matching rows oldest first as a CSV
// (Chinese headers, UTF-8 BOM) or as {"items": [...]} with the hashes, for
// an external archive. The export is audited before the first byte goes
// out; it holds the rows before its own.
func (a *Audit) HandleExport(e *core.RequestEvent) error {
	s, err := a.app.Require(e, "export", ObjectAudit)
	if err != nil {
		return err
	}
	q := e.Request.URL.Query()
	format := q.Get("format")
	if format == "" {
		format = "csv"
	}
	if format != "csv" && format != "json" {
		return api.BadField("format", "invalid_format", "导出格式应为 csv 或 json")
	}
	where, err := exportWhere(e, q)
	if err != nil {
		return err
	}
	where = dbx.And(a.app.Authz.Filter(s, "export", ObjectAudit), where)
	var count int
	if err := e.App.DB().Select("COUNT(*)").From(LogTable).Where(where).Row(&count); err != nil {
		return fmt.Errorf("audit: export count: %w", err)
	}
	mark, err := a.LogRequest(e, Entry{Actor: s.ID, Action: "audit.export", Object: LogTable,
		Detail: fmt.Sprintf("导出审计记录 %d 条（%s）", count, format), After: map[string]any{
			"format": format, "rows": count, "filters": exportFilters(q)}})
	if err != nil {
		return err
	}
	where = dbx.And(where, dbx.NewExp("seq < {:mark}", dbx.Params{"mark": mark.Seq}))

	name := "audit-" + time.Now().UTC().Format("20060102-150405") + "." + format
	h := e.Response.Header()
	h.Set("Content-Disposition", `attachment; filename="`+name+`"`)
	h.Set("Cache-Control", "private, no-store")
	w := bufio.NewWriterSize(e.Response, 64<<10)
	if format == "csv" {
		h.Set("Content-Type", "text/csv; charset=utf-8")
		e.Response.WriteHeader(http.StatusOK)
		return a.streamCSV(e.App, w, where)
	}
	h.Set("Content-Type", "application/json; charset=utf-8")
	e.Response.WriteHeader(http.StatusOK)
	return a.streamJSON(e.App, w, where)
}

// exportWhere builds the list's filters for the export: api.List keeps its
// filter builder to itself, so the few kinds used here are repeated.
func exportWhere(e *core.RequestEvent, q url.Values) (dbx.Expression, error) {
	conds := []dbx.Expression{}
	for _, f := range []struct{ param, op string }{{"from", ">="}, {"to", "<"}} {
		raw := strings.TrimSpace(q.Get(f.param))
		if raw == "" {
			continue
		}
		t, err := parseBound(raw, f.param == "to")
		if err != nil {
			return nil, api.BadField(f.param, "invalid_date", "日期格式应为 2026-11-23 或 RFC 3339")
		}
		conds = append(conds, dbx.NewExp("[[time]] "+f.op+" {:export_"+f.param+"}", dbx.Params{"export_" + f.param: t}))
	}
	for _, col := range []string{"actor", "result"} {
		if v := strings.TrimSpace(q.Get(col)); v != "" {
			conds = append(conds, dbx.HashExp{col: v})
		}
	}
	if v := strings.TrimSpace(q.Get("q")); v != "" {
		if len([]rune(v)) > 100 {
			return nil, api.BadField("q", "too_long", "搜索词不能超过 100 个字")
		}
		var ors []dbx.Expression
		for _, c := range listFilters[len(listFilters)-1].Columns {
			ors = append(ors, dbx.Like(c, v))
		}
		conds = append(conds, dbx.Or(ors...))
	}
	hier, err := hierarchyFilters(e)
	if err != nil {
		return nil, err
	}
	if hier != nil {
		conds = append(conds, hier)
	}
	return dbx.And(conds...), nil
}

// parseBound reads RFC 3339, or a day in Asia/Shanghai (to: up to its end),
// as stored UTC text, like the list's from/to.
func parseBound(raw string, end bool) (string, error) {
	if t, err := time.Parse(time.RFC3339, raw); err == nil {
		return t.UTC().Format(types.DefaultDateLayout), nil
	}
	d, err := time.ParseInLocation("2006-01-02", raw, api.Shanghai)
	if err != nil {
		return "", err
	}
	if end {
		d = d.AddDate(0, 0, 1)
	}
	return d.UTC().Format(types.DefaultDateLayout), nil
}

func exportFilters(q url.Values) map[string]string {
	out := map[string]string{}
	for _, k := range []string{"from", "to", "actor", "action", "object", "result", "q"} {
		if v := q.Get(k); v != "" {
			out[k] = v
		}
	}
	return out
}

// eachRow reads the matching rows oldest first, a batch at a time.
func eachRow(app core.App, where dbx.Expression, fn func(*Row) error) error {
	after := int64(-1)
	for {
		var rows []Row
		err := app.DB().Select(rowColumns...).From(LogTable).
			Where(dbx.And(where, dbx.NewExp("seq > {:after_seq}", dbx.Params{"after_seq": after}))).
			OrderBy("seq").Limit(exportBatch).All(&rows)
		if err != nil {
			return fmt.Errorf("audit: export: %w", err)
		}
		for i := range rows {
			if err := fn(&rows[i]); err != nil {
				return err
			}
			after = rows[i].Seq
		}
		if len(rows) < exportBatch {
			return nil
		}
	}
}

func (a *Audit) streamCSV(app core.App, w *bufio.Writer, where dbx.Expression) error {
	w.WriteString("\ufeff")
	cw := csv.NewWriter(w)
	cw.Write(csvHeader)
	err := eachRow(app, where, func(r *Row) error { return cw.Write(r.csvRecord()) })
	cw.Flush()
	if err == nil {
		err = cw.Error()
	}
	if ferr := w.Flush(); err == nil {
		err = ferr
	}
	return err
}

func (a *Audit) streamJSON(app core.App, w *bufio.Writer, where dbx.Expression) error {
	w.WriteString(`{"items":[`)
	first := true
	err := eachRow(app, where, func(r *Row) error {
		b, err := json.Marshal(r.view())
		if err != nil {
			return err
		}
		if !first {
			w.WriteByte(',')
		}
		first = false
		_, err = w.Write(b)
		return err
	})
	w.WriteString("]}\n")
	if ferr := w.Flush(); err == nil {
		err = ferr
	}
	return err
}
