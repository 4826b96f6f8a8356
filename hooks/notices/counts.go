package notices

import (
	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
)

// CountsTable keeps, per notice and recipient unit, how many received,
// read and confirmed it. Every statement that writes receipts, reads or
// confirmations updates it in the same transaction; Recount rebuilds a
// notice's rows from its receipts (after a bulk load, or to repair).
const CountsTable = "notice_unit_counts"

// addCounts adds the receipts of notice id that match where (over
// notice_receipts, "" for all) to its unit counts.
func addCounts(tx core.App, id, where string, params dbx.Params) error {
	p := dbx.Params{"cnotice": id}
	for k, v := range params {
		p[k] = v
	}
	if where != "" {
		where = " AND " + where
	}
	_, err := tx.DB().NewQuery(`INSERT INTO notice_unit_counts (id, notice, chain, unit, unit_path, total, nread, nconfirmed)
		SELECT substr(lower(hex(randomblob(8))), 1, 15), notice, chain, unit, unit_path, COUNT(*),
			SUM(read_at != ''), SUM(confirmed_at != '')
		FROM notice_receipts WHERE notice = {:cnotice}` + where + `
		GROUP BY unit
		ON CONFLICT (notice, unit) DO UPDATE SET total = total + excluded.total,
			nread = nread + excluded.nread, nconfirmed = nconfirmed + excluded.nconfirmed`).Bind(p).Execute()
	return err
}

// Recount rebuilds the unit counts of notice id from its receipts.
func Recount(tx core.App, id string) error {
	if _, err := tx.DB().Delete(CountsTable, dbx.HashExp{"notice": id}).Execute(); err != nil {
		return err
	}
	return addCounts(tx, id, "", nil)
}

// bump moves one receipt's unit count: read and/or confirmed by one.
func bump(tx core.App, notice, unit string, read, confirmed bool) error {
	if !read && !confirmed {
		return nil
	}
	_, err := tx.DB().NewQuery(`UPDATE notice_unit_counts SET nread = nread + {:r}, nconfirmed = nconfirmed + {:c}
		WHERE notice = {:n} AND unit = {:u}`).Bind(dbx.Params{"r": b2i(read), "c": b2i(confirmed), "n": notice, "u": unit}).Execute()
	return err
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}
