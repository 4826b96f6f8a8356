package approval

import (
	"fmt"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"govcollab/hooks/api"
)

// typeChars is the character a document type adds to the issuing unit's
// short code in its number (东政办 + 发 → 东政办发〔2026〕5号).
var typeChars = map[string]string{"发文": "发", "函": "函", "请示": "请", "签报": "签", "纪要": "纪", "收文": "收"}

// FormatNumber is a document number in GB/T 9704 form: 代字, the year in
// hexagonal brackets 〔〕, the sequence without leading zeros and without 第.
func FormatNumber(prefix string, year, seq int) string {
	return fmt.Sprintf("%s〔%d〕%d号", prefix, year, seq)
}

// nextNumber takes the next number of (unit, type, year) inside tx and
// records it as used by doc. The sequence row is bumped in the same
// transaction as the document it numbers, so a rollback (or a crash before
// commit) gives the number back: no gap, no number without a document.
// SQLite's single writer makes concurrent sign-offs take turns.
func nextNumber(tx core.App, unitID, docType, doc, actor string, at time.Time) (number string, year, seq int, err error) {
	ch, ok := typeChars[docType]
	if !ok {
		return "", 0, 0, fmt.Errorf("approval: type %q takes no number", docType)
	}
	var short string
	if err := tx.DB().Select("short").From("units").Where(dbx.HashExp{"id": unitID}).Row(&short); err != nil {
		return "", 0, 0, err
	}
	if short == "" {
		return "", 0, 0, api.NewError(409, "no_short_code", "发文单位未设置代字（单位简称），无法编号；请系统管理员在单位管理中设置")
	}
	year = at.In(api.Shanghai).Year()
	err = tx.DB().NewQuery(`INSERT INTO doc_sequences (id, unit, dtype, year, next)
		VALUES (substr(lower(hex(randomblob(8))), 1, 15), {:u}, {:t}, {:y}, 1)
		ON CONFLICT (unit, dtype, year) DO UPDATE SET next = next + 1
		RETURNING next`).Bind(dbx.Params{"u": unitID, "t": docType, "y": year}).Row(&seq)
	if err != nil {
		return "", 0, 0, err
	}
	number = FormatNumber(short+ch, year, seq)
	col, err := tx.FindCachedCollectionByNameOrId("doc_numbers")
	if err != nil {
		return "", 0, 0, err
	}
	r := core.NewRecord(col)
	r.Load(map[string]any{"unit": unitID, "dtype": docType, "year": year, "seq": seq, "number": number,
		"doc": doc, "state": "used", "actor": actor})
	return number, year, seq, tx.Save(r)
}
