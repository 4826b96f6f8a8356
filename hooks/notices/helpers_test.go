package notices_test

import (
	"bytes"
	"encoding/json"
	"sort"
	"testing"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"

	"govcollab/hooks/apptest"
	"govcollab/hooks/notices"
)

// toJSON is v as JSON text, HTML left unescaped, for substring checks.
func toJSON(v any) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
	return b.String()
}

// seededID is the notice seedNotice stores.
const seededID = "noticeroutes001"

// seedNotice stores a published must-confirm notice of leader.east to the
// whole of 东城市人民政府's subtree, with a pending 主动公开 request, and its
// receipts, straight into the tables as publishing leaves them.
func seedNotice(tb testing.TB, app core.App) {
	tb.Helper()
	unit, err := app.FindFirstRecordByData("units", "name", "东城市人民政府")
	if err != nil {
		tb.Fatal(err)
	}
	col, err := app.FindCollectionByNameOrId("notices")
	if err != nil {
		tb.Fatal(err)
	}
	now := types.NowDateTime()
	deadline, _ := types.ParseDateTime(time.Now().Add(48 * time.Hour).UTC())
	r := core.NewRecord(col)
	r.Load(map[string]any{"id": seededID, "title": "关于路由测试的通知", "body": "路由测试正文", "body_html": "<p>路由测试正文</p>",
		"category": "通知", "urgency": "平件", "must_confirm": true, "deadline": deadline, "remind_hours": 24,
		"status": "published", "publish_at": now, "published_at": now, "public_state": "pending",
		"publisher": apptest.UserID(tb, "leader.east"), "unit": unit.Id, "unit_path": unit.GetString("path"),
		"system": unit.GetString("system"), "root": seededID, "chain": "/" + seededID + "/", "version": 1,
		"audience": map[string]any{"units": []map[string]any{{"id": unit.Id, "subtree": true}}}})
	if err := app.Save(r); err != nil {
		tb.Fatal(err)
	}
	res, err := app.DB().NewQuery(`INSERT INTO notice_receipts
		(id, notice, root, chain, user, unit, unit_path, read_at, confirmed_at, late, reply, reply_files, created)
		SELECT substr(lower(hex(randomblob(8))), 1, 15), {:n}, {:n}, {:c}, users.id, users.unit, units.path, '', '', FALSE, '', '[]', {:now}
		FROM users JOIN units ON units.id = users.unit
		WHERE units.path >= {:p} AND units.path < {:p} || '~' AND users.active
		AND NOT EXISTS (SELECT 1 FROM json_each(users.roles) WHERE json_each.value IN ('sysadmin', 'secadmin', 'auditor'))`).
		Bind(dbx.Params{"n": seededID, "c": "/" + seededID + "/", "now": now.String(), "p": unit.GetString("path")}).Execute()
	if err != nil {
		tb.Fatal(err)
	}
	n, _ := res.RowsAffected()
	if err := notices.Recount(app, seededID); err != nil {
		tb.Fatal(err)
	}
	if _, err := app.DB().NewQuery("UPDATE notices SET recipients = {:k} WHERE id = {:n}").
		Bind(dbx.Params{"k": n, "n": seededID}).Execute(); err != nil {
		tb.Fatal(err)
	}
}

// count runs a COUNT(*) query.
func count(tb testing.TB, app core.App, sql string, params dbx.Params) int {
	tb.Helper()
	var n int
	if err := app.DB().NewQuery(sql).Bind(params).Row(&n); err != nil {
		tb.Fatalf("%s: %v", sql, err)
	}
	return n
}

// column runs a one-column query, sorted.
func column(tb testing.TB, app core.App, sql string, params dbx.Params) []string {
	tb.Helper()
	var out []string
	if err := app.DB().NewQuery(sql).Bind(params).Column(&out); err != nil {
		tb.Fatalf("%s: %v", sql, err)
	}
	sort.Strings(out)
	return out
}

// receiptUsers is the sorted set of users holding a receipt of notice id.
func receiptUsers(tb testing.TB, app core.App, id string) []string {
	return column(tb, app, "SELECT user FROM notice_receipts WHERE notice = {:n}", dbx.Params{"n": id})
}

// notes counts notifications of kind sent to user about link.
func notes(tb testing.TB, app core.App, kind, link string) map[string]int {
	tb.Helper()
	var rows []struct {
		User string `db:"user"`
		N    int    `db:"n"`
	}
	if err := app.DB().NewQuery("SELECT user, COUNT(*) AS n FROM notifications WHERE kind = {:k} AND link = {:l} GROUP BY user").
		Bind(dbx.Params{"k": kind, "l": link}).All(&rows); err != nil {
		tb.Fatal(err)
	}
	out := map[string]int{}
	for _, r := range rows {
		out[r.User] = r.N
	}
	return out
}

func str(v any) string { s, _ := v.(string); return s }
