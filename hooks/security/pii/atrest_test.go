package pii_test

import (
	"bytes"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/tests"

	"govcollab/hooks/apptest"
	"govcollab/hooks/org"
	"govcollab/hooks/security"
	"govcollab/hooks/security/pii"
)

// TestNoPlaintextAtRest: after a WAL checkpoint, no file of the data
// directory holds a demo user's phone or 身份证号 (nor the digits of the
// ID without its check character), while the API still shows them masked
// and the read path unmasks them for the user themself.
func TestNoPlaintextAtRest(t *testing.T) {
	app, g := apptest.New(t)
	if _, err := app.DB().NewQuery("PRAGMA wal_checkpoint(TRUNCATE)").Execute(); err != nil {
		t.Fatal(err)
	}
	names := org.DemoUsernames()
	var needles []string
	for i := range names {
		id := org.DemoIDNumber(i)
		needles = append(needles, org.DemoPhone(i), id, id[:17], "1380013")
	}
	files, err := filepath.Glob(filepath.Join(app.DataDir(), "*.db*"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no database files in %s: %v", app.DataDir(), err)
	}
	sawDB := false
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if filepath.Base(f) == "data.db" {
			sawDB = len(raw) > 0
			if !bytes.Contains(raw, []byte("sm4gcm:v1:")) {
				t.Errorf("%s holds no ciphertext: the test looks at the wrong file", f)
			}
			if !bytes.Contains(raw, []byte(names[0])) {
				t.Errorf("%s does not hold the demo usernames: the test looks at the wrong file", f)
			}
		}
		for _, n := range needles {
			if bytes.Contains(raw, []byte(n)) {
				t.Errorf("%s holds %q in the clear", filepath.Base(f), n)
			}
		}
	}
	if !sawDB {
		t.Fatal("data.db not found or empty")
	}

	// hashes find the rows; the read path decrypts
	for i, name := range names {
		var got string
		if err := app.DB().NewQuery("SELECT username FROM users WHERE id_number_hash = {:h} AND phone_hash = {:p}").
			Bind(dbx.Params{"h": g.PII.Hash(pii.KindIDNumber, org.DemoIDNumber(i)), "p": g.PII.Hash(pii.KindPhone, org.DemoPhone(i))}).
			Row(&got); err != nil || got != name {
			t.Errorf("lookup by hash of %s = %q, %v", name, got, err)
		}
	}
	self, err := g.Authz.Subject(apptest.UserID(t, "staff.east.tax"))
	if err != nil {
		t.Fatal(err)
	}
	rec, err := app.FindRecordById("users", apptest.UserID(t, "staff.east.tax"))
	if err != nil {
		t.Fatal(err)
	}
	i := indexOf(names, "staff.east.tax")
	if v := org.NewUserView(g.App, self, rec); v.Phone != org.DemoPhone(i) || v.IDNumber != org.DemoIDNumber(i) {
		t.Errorf("own record shows %q %q, want them unmasked", v.Phone, v.IDNumber)
	}
	other, _ := g.Authz.Subject(apptest.UserID(t, "staff.west.tax"))
	if v := org.NewUserView(g.App, other, rec); v.Phone != security.MaskPhone(org.DemoPhone(i)) ||
		v.IDNumber != security.MaskIDNumber(org.DemoIDNumber(i)) {
		t.Errorf("a colleague sees %q %q, want them masked", v.Phone, v.IDNumber)
	}

	s := tests.ApiScenario{
		Name: "the admin list shows masked numbers", Method: http.MethodGet,
		URL: "/api/gov/admin/users?perPage=100", Headers: apptest.Auth(t, "admin.sys"), ExpectedStatus: 200,
		ExpectedContent: []string{
			`"phone":"` + security.MaskPhone(org.DemoPhone(i)) + `"`,
			`"id_number":"` + security.MaskIDNumber(org.DemoIDNumber(i)) + `"`,
		},
		NotExpectedContent: append([]string{"sm4gcm", "_hash"}, needles[:len(needles)-1]...),
		TestAppFactory:     func(testing.TB) *tests.TestApp { return app },
	}
	s.Test(t)
}

func indexOf(names []string, n string) int {
	for i, x := range names {
		if strings.EqualFold(x, n) {
			return i
		}
	}
	return -1
}
