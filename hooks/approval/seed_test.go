package approval_test

import (
	"strings"
	"testing"

	"github.com/pocketbase/dbx"

	"govcollab/hooks/apptest"
)

// TestSeedDocs: the demo has documents in every state — archived ones
// numbered 东政办发〔YYYY〕1号 and 2号, one signed awaiting dispatch (3号), one
// in countersign, a returned 签报, a draft, an archived 函 — and 西城市's
// office has registered a 收文.
func TestSeedDocs(t *testing.T) {
	e := apptest.NewEnv(t)
	var n int
	if err := e.App.DB().NewQuery("SELECT COUNT(*) FROM docs").Row(&n); err != nil {
		t.Fatal(err)
	}
	if n == 0 {
		if err := e.G.Docs.SeedDocs(); err != nil {
			t.Fatal(err)
		}
	}
	var rows []struct {
		Type   string `db:"type"`
		Status string `db:"status"`
		Number string `db:"number"`
	}
	if err := e.App.DB().NewQuery("SELECT type, status, number FROM docs ORDER BY created").All(&rows); err != nil {
		t.Fatal(err)
	}
	got := map[string]int{}
	var numbers []string
	for _, r := range rows {
		got[r.Type+"/"+r.Status]++
		if r.Number != "" {
			numbers = append(numbers, r.Number)
		}
	}
	for k, want := range map[string]int{"发文/archived": 2, "发文/signed": 1, "发文/review": 1, "函/archived": 1,
		"签报/returned": 1, "签报/draft": 1, "收文/review": 3} { // 收文: one by exchange, two by mail (hooks/mailin)
		if got[k] != want {
			t.Errorf("%s: %d, want %d (all: %v)", k, got[k], want, got)
		}
	}
	joined := strings.Join(numbers, " ")
	for _, want := range []string{"东政办发〔", "〕1号", "〕3号", "东政办函〔", "西政办收〔"} {
		if !strings.Contains(joined, want) {
			t.Errorf("numbers %s lack %s", joined, want)
		}
	}
	var archived int
	if err := e.App.DB().Select("COUNT(*)").From("archive_objects").Where(dbx.HashExp{"ref_type": "doc"}).Row(&archived); err != nil || archived < 3 {
		t.Errorf("archived objects: %d %v", archived, err)
	}
}
