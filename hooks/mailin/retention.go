package mailin

import (
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"

	"govcollab/hooks/security/retention"
)

// PurgeRaw is the retention class raw_mail: raw messages older than the
// period are let go (their file rows deleted; the objects follow with the
// files sweep). The ledger rows stay, without their raw message, so a
// message is still known — and never taken in twice — after its bytes are
// gone. Registered 收文 and the WORM archive are not touched.
func PurgeRaw(tx core.App, before time.Time) (int, error) {
	p := dbx.Params{"b": retention.DBTime(before), "now": types.NowDateTime().String()}
	if _, err := tx.DB().NewQuery(`UPDATE mail_messages SET raw_key = '', raw_purged_at = {:now}
		WHERE raw_key != '' AND raw_key IN (SELECT id FROM files WHERE ref_type = 'mail_raw' AND created < {:b})`).Bind(p).Execute(); err != nil {
		return 0, err
	}
	res, err := tx.DB().NewQuery("DELETE FROM files WHERE ref_type = 'mail_raw' AND created < {:b}").Bind(p).Execute()
	if err != nil {
		return 0, err
	}
	n, err := res.RowsAffected()
	return int(n), err
}
