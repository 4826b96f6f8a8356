package approval_test

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"testing"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"

	"govcollab/hooks"
	"govcollab/hooks/apptest"
)

// Environment of the child process of TestSignKilledMidway.
const (
	killDir   = "GOV_TEST_KILL_DIR"
	killDoc   = "GOV_TEST_KILL_DOC"
	killToken = "GOV_TEST_KILL_TOKEN"
	killCode  = 3
)

// TestSignKilledMidway: the process dies during 签发, right after the
// number was taken inside the transaction; reopening the data directory
// shows the previous state whole — no number without a document — and the
// next sign-off gets number 1.
func TestSignKilledMidway(t *testing.T) {
	if dir := os.Getenv(killDir); dir != "" {
		signAndDie(t, dir)
		return
	}
	if testing.Short() {
		t.Skip("starts a child process")
	}
	e := newEnv(t) // a clone in a temporary directory on disk
	id := lettersAtSign(e, 1)[0]
	cmd := exec.Command(os.Args[0], "-test.run=^TestSignKilledMidway$", "-test.count=1")
	cmd.Env = append(os.Environ(), killDir+"="+e.App.DataDir(), killDoc+"="+id, killToken+"="+apptest.Token(t, "leader.east"))
	out, err := cmd.CombinedOutput()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != killCode {
		t.Fatalf("child: %v\n%s", err, out)
	}
	// a fresh app on the same files: what a restarted server finds
	re := core.NewBaseApp(core.BaseAppConfig{DataDir: e.App.DataDir()})
	if err := re.Bootstrap(); err != nil {
		t.Fatal(err)
	}
	defer re.ResetBootstrapState()
	var st, number string
	var numbers, seqs int
	office := unitOf(e, "东城市人民政府办公室")
	if err := re.DB().NewQuery("SELECT status, number FROM docs WHERE id = {:d}").Bind(dbx.Params{"d": id}).Row(&st, &number); err != nil {
		t.Fatal(err)
	}
	_ = re.DB().NewQuery("SELECT COUNT(*) FROM doc_numbers WHERE unit = {:u}").Bind(dbx.Params{"u": office}).Row(&numbers)
	_ = re.DB().NewQuery("SELECT COUNT(*) FROM doc_sequences WHERE unit = {:u}").Bind(dbx.Params{"u": office}).Row(&seqs)
	if st != "review" || number != "" || numbers != 0 || seqs != 0 {
		t.Fatalf("after the kill: status %s number %q, %d numbers, %d sequences", st, number, numbers, seqs)
	}
	out2 := act(e, 200, "leader.east", id, map[string]any{"action": "sign"})
	if want := fmt.Sprintf("东政办函〔%d〕1号", year()); out2["number"] != want {
		t.Fatalf("sign-off after the restart: %v, want %s", out2["number"], want)
	}
}

// signAndDie is the child: the full app on dir, killed right after the
// number is taken (its timeline entry is the next write).
func signAndDie(t *testing.T, dir string) {
	app := core.NewBaseApp(core.BaseAppConfig{DataDir: dir})
	if err := app.Bootstrap(); err != nil {
		t.Fatal(err)
	}
	demo := true
	g, err := hooks.Register(app, hooks.Options{Demo: &demo})
	if err != nil {
		t.Fatal(err)
	}
	g.SetDemo(true)
	app.OnRecordCreate("doc_events").BindFunc(func(re *core.RecordEvent) error {
		if re.Record.GetString("action") == "number" {
			var n int
			_ = re.App.DB().NewQuery("SELECT COUNT(*) FROM doc_numbers").Row(&n)
			if n > 0 { // the number row exists inside the transaction
				os.Exit(killCode)
			}
		}
		return re.Next()
	})
	router, err := apis.NewRouter(app)
	if err != nil {
		t.Fatal(err)
	}
	var srv *httptest.Server
	err = app.OnServe().Trigger(&core.ServeEvent{App: app, Router: router}, func(se *core.ServeEvent) error {
		mux, err := se.Router.BuildMux()
		srv = httptest.NewServer(mux)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest("POST", srv.URL+"/api/gov/docs/"+os.Getenv(killDoc)+"/actions", bytes.NewReader([]byte(`{"action":"sign"}`)))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", os.Getenv(killToken))
	res, err := http.DefaultClient.Do(req)
	if err == nil {
		res.Body.Close()
		t.Fatalf("the sign-off finished: %d", res.StatusCode)
	}
	t.Fatal(err)
}
