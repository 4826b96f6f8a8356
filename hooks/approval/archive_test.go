package approval_test

import (
	"context"
	"sync"
	"testing"

	"github.com/pocketbase/dbx"
)

// TestArchiveExactlyOnce: eight archivers of one finished document at once
// (the job and retries) leave one bundle, one copy of each file and one
// archive entry on its timeline; so does a rerun after a crash that left
// the objects stored and the document unmarked.
func TestArchiveExactlyOnce(t *testing.T) {
	e := newEnv(t)
	id, _ := signLetter(e, map[string]any{"main_to": []string{unitOf(e, "西城市人民政府")}})
	act(e, 200, "clerk.east", id, map[string]any{"action": "dispatch"})
	count := func(q string) int {
		var n int
		if err := e.App.DB().NewQuery(q).Bind(dbx.Params{"id": id}).Row(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	rows := func() int {
		return count("SELECT COUNT(*) FROM archive_objects WHERE ref_type = 'doc' AND ref_id = {:id}")
	}
	events := func() int { return count("SELECT COUNT(*) FROM doc_events WHERE doc = {:id} AND action = 'archive'") }
	if rows() == 0 || events() != 1 {
		t.Fatalf("after dispatch: %d archived objects, %d archive events", rows(), events())
	}
	want := rows()
	// the crash: objects and rows stored, the document not marked
	if _, err := e.App.DB().NewQuery("UPDATE docs SET archive = '', archived_at = '', status = 'dispatched' WHERE id = {:id}").
		Bind(dbx.Params{"id": id}).Execute(); err != nil {
		t.Fatal(err)
	}
	if _, err := e.App.DB().NewQuery("DELETE FROM doc_events WHERE doc = {:id} AND action = 'archive'").Bind(dbx.Params{"id": id}).Execute(); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	done := make(chan bool, 8)
	for range 8 {
		wg.Go(func() {
			ok, err := e.G.Docs.Archive(context.Background(), id)
			if err != nil {
				t.Error(err)
			}
			done <- ok
		})
	}
	wg.Wait()
	close(done)
	marked := 0
	for ok := range done {
		if ok {
			marked++
		}
	}
	if marked != 1 || rows() != want || events() != 1 {
		t.Fatalf("%d archivers marked it, %d archived objects (want %d), %d archive events", marked, rows(), want, events())
	}
	if count("SELECT COUNT(*) FROM docs WHERE id = {:id} AND status = 'archived' AND archive != ''") != 1 {
		t.Fatal("the document is not archived")
	}
}
