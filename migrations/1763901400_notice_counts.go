package migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"
)

func init() {
	m.Register(upNoticeCounts, downNoticeCounts)
}

// upNoticeCounts adds notice_unit_counts: per notice and recipient unit,
// how many received, read and confirmed it — kept in the transactions that
// write receipts, reads and confirmations, so a publisher's rollup over a
// hundred thousand receipts reads one row per unit.
func upNoticeCounts(app core.App) error {
	c := core.NewBaseCollection("notice_unit_counts")
	c.Fields.Add(
		&core.TextField{Name: "notice", Required: true, Max: 15},
		&core.TextField{Name: "chain", Required: true, Max: 400},
		&core.TextField{Name: "unit", Required: true, Max: 15},
		&core.TextField{Name: "unit_path", Required: true, Max: 400},
		&core.NumberField{Name: "total", OnlyInt: true},
		&core.NumberField{Name: "nread", OnlyInt: true},
		&core.NumberField{Name: "nconfirmed", OnlyInt: true},
	)
	if id, ok := c.Fields.GetByName("id").(*core.TextField); ok {
		id.Max = 40
	}
	c.AddIndex("idx_notice_unit_counts_key", true, "notice, unit", "")
	c.AddIndex("idx_notice_unit_counts_chain", false, "chain, unit_path", "")
	if err := app.Save(c); err != nil {
		return err
	}
	// notices published before: counted from their receipts
	_, err := app.DB().NewQuery(`INSERT INTO notice_unit_counts (id, notice, chain, unit, unit_path, total, nread, nconfirmed)
		SELECT substr(lower(hex(randomblob(8))), 1, 15), notice, chain, unit, unit_path, COUNT(*),
			SUM(read_at != ''), SUM(confirmed_at != '')
		FROM notice_receipts GROUP BY notice, unit`).Execute()
	return err
}

func downNoticeCounts(app core.App) error {
	return dropCollections(app, "notice_unit_counts")
}
