package retention_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"

	"govcollab/hooks/apptest"
	"govcollab/hooks/org"
)

// TestGrantEndsByItself: a grant needs no job to end. leader.east holds an
// hr grant at 西城市 ending in three seconds: while it runs, /me lists it and
// the leader may unmask a 西城市 account's numbers; once its end passes,
// with nobody touching anything (no write, no cache invalidation), /me no
// longer lists it and the numbers are masked again.
func TestGrantEndsByItself(t *testing.T) {
	// while it runs, /me lists it (a clone of its own: a test app serves once)
	app, _ := apptest.New(t)
	gr := grantFor(t, app, time.Hour)
	(&tests.ApiScenario{
		Name: "running grant listed", Method: http.MethodGet, URL: "/api/gov/me", Headers: apptest.Auth(t, "leader.east"),
		ExpectedStatus: 200, ExpectedContent: []string{`"grants":[{"id":"` + gr.Id + `"`, `"role":"hr"`},
		TestAppFactory: func(testing.TB) *tests.TestApp { return app },
	}).Test(t)

	app, g := apptest.New(t)
	gr = grantFor(t, app, 3*time.Second) // time enough to start the request under -race
	leaderID := apptest.UserID(t, "leader.east")
	target, err := app.FindRecordById("users", apptest.UserID(t, "staff.west.tax"))
	if err != nil {
		t.Fatal(err)
	}
	unmasked := func(t testing.TB) bool {
		s, err := g.Authz.Subject(leaderID)
		if err != nil {
			t.Fatal(err)
		}
		v := org.NewUserView(g.App, s, target)
		ok, _ := g.Authz.Can(s, "unmask", target)
		if ok != (len(v.Phone) > 3 && v.Phone[3] != '*') {
			t.Fatalf("Can unmask = %v but the view shows %q", ok, v.Phone)
		}
		return ok
	}
	(&tests.ApiScenario{
		Name: "ended grant gone", Method: http.MethodGet, URL: "/api/gov/me", Headers: apptest.Auth(t, "leader.east"),
		BeforeTestFunc: func(t testing.TB, _ *tests.TestApp, _ *core.ServeEvent) {
			if !unmasked(t) { // the subject is now cached with the grant
				t.Fatal("the running hr grant does not let the leader unmask a 西城市 account")
			}
			ends := gr.GetDateTime("ends").Time()
			time.Sleep(time.Until(ends) + 300*time.Millisecond)
		},
		ExpectedStatus: 200, ExpectedContent: []string{`"grants":[]`}, NotExpectedContent: []string{gr.Id},
		AfterTestFunc: func(t testing.TB, _ *tests.TestApp, _ *http.Response) {
			if unmasked(t) {
				t.Error("the ended grant still lets the leader unmask a 西城市 account")
			}
		},
		TestAppFactory: func(testing.TB) *tests.TestApp { return app },
	}).Test(t)
}

// grantFor gives leader.east an hr grant at 西城市 that ends d from now.
func grantFor(t *testing.T, app core.App, d time.Duration) *core.Record {
	t.Helper()
	col, err := app.FindCollectionByNameOrId("grants")
	if err != nil {
		t.Fatal(err)
	}
	gr := core.NewRecord(col)
	gr.Set("user", apptest.UserID(t, "leader.east"))
	gr.Set("unit", apptest.UnitID(t, app, "西城市人民政府"))
	gr.Set("role", "hr")
	gr.Set("kind", "concurrent")
	gr.Set("starts", time.Now().Add(-time.Hour))
	gr.Set("ends", time.Now().Add(d))
	gr.Set("created_by", apptest.UserID(t, "admin.sec"))
	if err := app.Save(gr); err != nil {
		t.Fatal(err)
	}
	return gr
}
