package migrations

import (
	"testing"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"

	"govcollab/hooks/security/pii"
)

// TestPIIMigration: down puts numbers back in the clear; up encrypts the
// plaintext rows it finds (and leaves encrypted ones alone), with hashes.
func TestPIIMigration(t *testing.T) {
	t.Setenv(pii.EnvKey, "")
	t.Setenv(pii.EnvKeyFile, "")
	app, err := tests.NewTestAppWithConfig(core.BaseAppConfig{DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer app.Cleanup()
	vault, err := pii.LoadKey(app.DataDir()) // the key the migration made
	if err != nil {
		t.Fatal(err)
	}
	sealed, _ := vault.Encrypt("13900000001")
	mk := func(name, phone, id string) {
		users, err := app.FindCollectionByNameOrId("users")
		if err != nil {
			t.Fatal(err)
		}
		r := core.NewRecord(users)
		r.Set("username", name)
		r.Set("unit", "u")
		r.Set("phone", phone)
		r.Set("id_number", id)
		r.SetPassword("Password-2026!")
		if err := app.SaveNoValidate(r); err != nil {
			t.Fatal(err)
		}
	}
	mk("already", sealed, "")
	if err := downPII(app); err != nil {
		t.Fatal(err)
	}
	if r, _ := app.FindFirstRecordByData("users", "username", "already"); r.GetString("phone") != "13900000001" {
		t.Fatalf("down left phone %q", r.GetString("phone"))
	}
	mk("legacy", "13900000002", "11010119900307123x")
	if err := upPII(app); err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string][2]string{
		"already": {"13900000001", ""},
		"legacy":  {"13900000002", "11010119900307123x"},
	} {
		r, err := app.FindFirstRecordByData("users", "username", name)
		if err != nil {
			t.Fatal(err)
		}
		for i, f := range []struct{ field, kind string }{{"phone", pii.KindPhone}, {"id_number", pii.KindIDNumber}} {
			stored := r.GetString(f.field)
			if want[i] == "" {
				if stored != "" || r.GetString(f.field+"_hash") != "" {
					t.Errorf("%s.%s = %q, want empty", name, f.field, stored)
				}
				continue
			}
			got, err := vault.Decrypt(stored)
			if err != nil || got != want[i] || r.GetString(f.field+"_hash") != vault.Hash(f.kind, want[i]) {
				t.Errorf("%s.%s = %q → %q, %v", name, f.field, stored, got, err)
			}
		}
	}
	if r, _ := app.FindFirstRecordByData("users", "username", "legacy"); r.GetString("id_number_hash") !=
		vault.Hash(pii.KindIDNumber, "11010119900307123X") {
		t.Error("the hash of a lower-case x does not match the upper-case one")
	}
}
