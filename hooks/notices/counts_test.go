package notices_test

import (
	"testing"
	"time"

	"github.com/pocketbase/dbx"

	"govcollab/hooks/apptest"
	"govcollab/hooks/notices"
)

// TestUnitCountsFollowReceipts: after publishing, reading, confirming (a
// double confirm included), forwarding and a later joiner, the kept
// per-unit counts equal the counts of the receipts themselves, and
// Recount rebuilds the same rows.
func TestUnitCountsFollowReceipts(t *testing.T) {
	e := apptest.NewEnv(t)
	east := unit(e, "东城市人民政府")
	out := e.Must(201, "leader.east", "POST", "/api/gov/notices", map[string]any{
		"title": "计数一致性", "must_confirm": true, "deadline": time.Now().Add(48 * time.Hour).Format(time.RFC3339),
		"audience": map[string]any{"units": []map[string]any{{"id": east, "subtree": true}}}})
	id := out["id"].(string)
	e.Must(200, "staff.east.tax", "GET", "/api/gov/notices/"+id, nil)
	e.Must(200, "staff.east.tax", "GET", "/api/gov/notices/"+id, nil)
	e.Must(200, "staff.east.hr", "POST", "/api/gov/notices/"+id+"/confirm", map[string]any{})
	e.Must(200, "staff.east.hr", "POST", "/api/gov/notices/"+id+"/confirm", map[string]any{})
	e.Must(200, "staff.east.tax", "POST", "/api/gov/notices/"+id+"/confirm", map[string]any{})
	// a later joiner of 东城市税务局
	e.Must(201, "admin.sys", "POST", "/api/gov/admin/users", map[string]any{"username": "joiner.count", "name": "新同事",
		"unit": unit(e, "东城市税务局"), "roles": []string{"staff"}})
	type row struct {
		Unit string `db:"unit"`
		N    int    `db:"n"`
		R    int    `db:"r"`
		C    int    `db:"c"`
	}
	kept := func() []row {
		var rows []row
		if err := e.App.DB().NewQuery(`SELECT unit, total AS n, nread AS r, nconfirmed AS c FROM notice_unit_counts
			WHERE notice = {:n} ORDER BY unit`).Bind(dbx.Params{"n": id}).All(&rows); err != nil {
			t.Fatal(err)
		}
		return rows
	}
	var want []row
	if err := e.App.DB().NewQuery(`SELECT unit, COUNT(*) AS n, SUM(read_at != '') AS r, SUM(confirmed_at != '') AS c
		FROM notice_receipts WHERE notice = {:n} GROUP BY unit ORDER BY unit`).Bind(dbx.Params{"n": id}).All(&want); err != nil {
		t.Fatal(err)
	}
	got := kept()
	if toJSON(got) != toJSON(want) {
		t.Fatalf("kept counts %v, receipts say %v", got, want)
	}
	reads, confirms := 0, 0
	for _, r := range want {
		reads, confirms = reads+r.R, confirms+r.C
	}
	if reads != 2 || confirms != 2 {
		t.Fatalf("reads %d confirms %d, want 2 and 2", reads, confirms)
	}
	if err := notices.Recount(e.App, id); err != nil {
		t.Fatal(err)
	}
	if toJSON(kept()) != toJSON(want) {
		t.Fatalf("recount %v, want %v", kept(), want)
	}
}
