package approval_test

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"govcollab/hooks/apptest"
)

// lettersAtSign drafts and submits n 函 so that each waits for leader.east's 签发.
func lettersAtSign(e *apptest.Env, n int) []string {
	e.T.Helper()
	flow := template(e, "东城市人民政府", "市政府函")
	ids := make([]string, n)
	for i := range ids {
		ids[i] = draft(e, "clerk.east", "函", flow, map[string]any{"title": fmt.Sprintf("并发签发测试函之%d", i+1)})
		act(e, 200, "clerk.east", ids[i], map[string]any{"action": "submit"})
	}
	return ids
}

// TestConcurrentSignOffNumbersGapFree: 50 sign-offs of one unit and type at
// once take exactly the numbers 1..50, each once, each on its document.
func TestConcurrentSignOffNumbersGapFree(t *testing.T) {
	e := newEnv(t)
	const n = 50
	ids := lettersAtSign(e, n)
	token := apptest.Token(t, "leader.east")
	codes := make([]int, n)
	var start, wg sync.WaitGroup
	start.Add(1)
	for i, id := range ids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			start.Wait()
			code, _, _, _, err := callToken(e, token, "POST", "/api/gov/docs/"+id+"/actions", map[string]any{"action": "sign"})
			if err != nil {
				code = -1
			}
			codes[i] = code
		}()
	}
	start.Done()
	wg.Wait()
	for i, c := range codes {
		if c != 200 {
			t.Errorf("sign-off %d: %d", i, c)
		}
	}
	got := numbersOf(e, unitOf(e, "东城市人民政府办公室"), "函")
	if len(got) != n {
		t.Fatalf("%d numbers given, want %d", len(got), n)
	}
	seen := map[string]bool{}
	for i, r := range got {
		if r.Seq != i+1 || r.State != "used" || r.Number != fmt.Sprintf("东政办函〔%d〕%d号", year(), i+1) {
			t.Fatalf("number %d: %+v", i+1, r)
		}
		if seen[r.Doc] || !slices.Contains(ids, r.Doc) || docField(e, r.Doc, "number") != r.Number {
			t.Fatalf("number %s on doc %s (doc says %q)", r.Number, r.Doc, docField(e, r.Doc, "number"))
		}
		seen[r.Doc] = true
	}
	var next int
	_ = e.App.DB().NewQuery("SELECT next FROM doc_sequences WHERE unit = {:u} AND dtype = '函'").
		Bind(dbx.Params{"u": unitOf(e, "东城市人民政府办公室")}).Row(&next)
	if next != n {
		t.Fatalf("sequence at %d, want %d", next, n)
	}
}

// TestTwoCandidatesOneSlot: two leaders of one unit hold the same slot; of
// two approvals at once exactly one wins.
func TestTwoCandidatesOneSlot(t *testing.T) {
	e := newEnv(t)
	second := addPerson(e, "leader2.east.tax", "东城市税务局", "leader")
	id := countersigned(e)
	act(e, 200, "clerk.east", id, map[string]any{"action": "submit"})
	if got := pendingUsers(e, id); !slices.Equal(got, []string{"leader.east.tax", "leader2.east.tax", "staff.east.hr"}) {
		t.Fatalf("pending: %v", got)
	}
	tokens := []string{apptest.Token(t, "leader.east.tax"), second.token}
	codes := make([]int, 2)
	var start, wg sync.WaitGroup
	start.Add(1)
	for i, tok := range tokens {
		wg.Add(1)
		go func() {
			defer wg.Done()
			start.Wait()
			codes[i], _, _, _, _ = callToken(e, tok, "POST", "/api/gov/docs/"+id+"/actions", map[string]any{"action": "approve", "comment": "同意"})
		}()
	}
	start.Done()
	wg.Wait()
	slices.Sort(codes)
	if codes[0] != 200 || codes[1] != 409 {
		t.Fatalf("codes %v, want one 200 and one 409 (the other acted first)", codes)
	}
	var done, cancelled int
	for _, tk := range tasksOf(e, id) {
		if tk.Slot == "0.0" && tk.Status == "done" {
			done++
		}
		if tk.Slot == "0.0" && tk.Status == "cancelled" {
			cancelled++
		}
	}
	if done != 1 || cancelled != 1 {
		t.Fatalf("slot 0.0: %d done, %d cancelled: %+v", done, cancelled, tasksOf(e, id))
	}
	if got := pendingUsers(e, id); !slices.Equal(got, []string{"staff.east.hr"}) {
		t.Fatalf("pending after the race: %v", got)
	}
}

// TestSignFailureLeavesNoNumber: a sign-off that fails after its number
// was taken (here: the timeline write of the number) leaves the previous
// state whole — no number row, no sequence bump — and the next sign-off
// gets number 1.
func TestSignFailureLeavesNoNumber(t *testing.T) {
	for _, failOn := range []string{"number", "signed"} {
		t.Run(failOn, func(t *testing.T) {
			e := newEnv(t)
			var fail atomic.Bool
			fail.Store(true)
			e.App.OnRecordCreate("doc_events").BindFunc(func(re *core.RecordEvent) error {
				if fail.Load() && re.Record.GetString("action") == failOn {
					return errors.New("simulated crash during 签发")
				}
				return re.Next()
			})
			ids := lettersAtSign(e, 1)
			code, _, raw := e.Call("leader.east", "POST", "/api/gov/docs/"+ids[0]+"/actions", map[string]any{"action": "sign"})
			if code < 500 {
				t.Fatalf("failing sign-off: %d %s", code, raw)
			}
			office := unitOf(e, "东城市人民政府办公室")
			if st, num := docField(e, ids[0], "status"), docField(e, ids[0], "number"); st != "review" || num != "" {
				t.Fatalf("after the failure: %s %q", st, num)
			}
			var seqs, events int
			_ = e.App.DB().NewQuery("SELECT COUNT(*) FROM doc_sequences WHERE unit = {:u}").Bind(dbx.Params{"u": office}).Row(&seqs)
			_ = e.App.DB().NewQuery("SELECT COUNT(*) FROM doc_events WHERE doc = {:d} AND action IN ('sign', 'number', 'signed')").
				Bind(dbx.Params{"d": ids[0]}).Row(&events)
			if got := numbersOf(e, office, "函"); len(got) != 0 || seqs != 0 || events != 0 {
				t.Fatalf("left behind: numbers %+v, sequences %d, events %d", got, seqs, events)
			}
			if got := pendingUsers(e, ids[0]); !slices.Equal(got, []string{"leader.east"}) {
				t.Fatalf("the signer's task after the failure: %v", got)
			}
			fail.Store(false)
			out := act(e, 200, "leader.east", ids[0], map[string]any{"action": "sign"})
			if want := fmt.Sprintf("东政办函〔%d〕1号", year()); out["number"] != want {
				t.Fatalf("next sign-off: %v, want %s", out["number"], want)
			}
		})
	}
}
