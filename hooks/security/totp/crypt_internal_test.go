package totp

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestSealBindsUserAndKey(t *testing.T) {
	t.Setenv(envKey, strings.Repeat("ab", 32))
	t.Setenv(envKeyFile, "")
	master, err := masterKey(t.TempDir())
	if err != nil || len(master) != 32 {
		t.Fatalf("hex env key: %v %d", err, len(master))
	}
	s, _ := newSealer(master)
	sealed, err := s.seal("user1", "JBSWY3DPEHPK3PXP")
	if err != nil || !strings.HasPrefix(sealed, sealPrefix) || strings.Contains(sealed, "JBSWY3DPEHPK3PXP") {
		t.Fatalf("sealed %q %v", sealed, err)
	}
	if got, err := s.open("user1", sealed); err != nil || got != "JBSWY3DPEHPK3PXP" {
		t.Fatalf("open: %q %v", got, err)
	}
	if _, err := s.open("user2", sealed); err == nil {
		t.Fatal("a secret opened for another user")
	}
	other, _ := newSealer([]byte(strings.Repeat("cd", 32)))
	if _, err := other.open("user1", sealed); err == nil {
		t.Fatal("a secret opened with another key")
	}
	t.Setenv(envKey, "short")
	if _, err := masterKey(t.TempDir()); err == nil {
		t.Fatal("a short key was accepted")
	}
}

func TestKeyFileGeneratedOnce(t *testing.T) {
	t.Setenv(envKey, "")
	t.Setenv(envKeyFile, "")
	dir := t.TempDir()
	a, err := masterKey(dir)
	if err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(filepath.Join(dir, keyFile))
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("key file: %v %v", st, err)
	}
	b, _ := masterKey(dir)
	if string(a) != string(b) || len(a) != 32 {
		t.Fatal("the key changed between loads")
	}
}

func TestRecoveryHash(t *testing.T) {
	c, err := newRecoveryCode()
	if err != nil || len(c) != 11 {
		t.Fatalf("%q %v", c, err)
	}
	h, _ := hashRecovery(c)
	h2, _ := hashRecovery(c)
	if h == h2 || strings.Contains(h, strings.ReplaceAll(c, "-", "")) {
		t.Fatal("recovery hashes are not salted")
	}
	if !matchRecovery(h, strings.ToUpper(strings.ReplaceAll(c, "-", " "))) || matchRecovery(h, "aaaaa-aaaaa") {
		t.Fatal("recovery match")
	}
}
