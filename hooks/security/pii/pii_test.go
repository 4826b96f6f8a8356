package pii

import (
	"encoding/base64"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func testVault(t testing.TB) *Vault {
	t.Helper()
	v, err := NewVault(make([]byte, KeySize))
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestEncryptDecrypt(t *testing.T) {
	v := testVault(t)
	for _, plain := range []string{"13800131000", "11010119750101100X", "0571-87654321", "x", "身份证"} {
		c, err := v.Encrypt(plain)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(c, Prefix) || (len(plain) > 5 && strings.Contains(c, plain)) || len(c) > 200 {
			t.Errorf("Encrypt(%q) = %q", plain, c)
		}
		c2, _ := v.Encrypt(plain)
		if c == c2 {
			t.Errorf("Encrypt(%q) twice gave the same ciphertext (nonce reuse)", plain)
		}
		if got, err := v.Decrypt(c); err != nil || got != plain {
			t.Errorf("Decrypt(Encrypt(%q)) = %q, %v", plain, got, err)
		}
	}
	if c, _ := v.Encrypt(""); c != "" {
		t.Errorf("Encrypt(\"\") = %q", c)
	}
	for _, bad := range []string{"13800131000", Prefix, Prefix + "!!!", Prefix + "AAAA", "sm4gcm:v2:AAAA"} {
		if _, err := v.Decrypt(bad); err == nil {
			t.Errorf("Decrypt(%q) accepted", bad)
		}
	}
	other, _ := NewVault([]byte(strings.Repeat("k", KeySize)))
	c, _ := v.Encrypt("13800131000")
	if _, err := other.Decrypt(c); err == nil {
		t.Error("another key decrypted the value")
	}
	if got, _ := v.Open("13800131000"); got != "13800131000" {
		t.Errorf("Open(legacy plaintext) = %q", got)
	}
}

func TestHash(t *testing.T) {
	v := testVault(t)
	tests := []struct {
		kind, a, b string
		same       bool
	}{
		{KindIDNumber, "11010119750101100x", " 11010119750101100X ", true},
		{KindPhone, "138-0013-1000", "13800131000", true},
		{KindPhone, "0571-87654321", "057187654321", true},
		{KindPhone, "13800131000", "13800131001", false},
		{KindIDNumber, "13800131000", "13800131000", true},
	}
	for _, tt := range tests {
		if got := v.Hash(tt.kind, tt.a) == v.Hash(tt.kind, tt.b); got != tt.same {
			t.Errorf("Hash(%s, %q) == Hash(%q): %v, want %v", tt.kind, tt.a, tt.b, got, tt.same)
		}
	}
	if v.Hash(KindPhone, "13800131000") == v.Hash(KindIDNumber, "13800131000") {
		t.Error("the kind does not separate hashes")
	}
	if h := v.Hash(KindPhone, "13800131000"); len(h) != 64 || strings.Contains(h, "13800131000") {
		t.Errorf("hash = %q", h)
	}
	if v.Hash(KindPhone, "") != "" || v.Hash(KindPhone, "--") != "" {
		t.Error("empty value hashed")
	}
	other, _ := NewVault([]byte(strings.Repeat("k", KeySize)))
	if other.Hash(KindPhone, "13800131000") == v.Hash(KindPhone, "13800131000") {
		t.Error("hash does not depend on the key")
	}
}

func FuzzRoundTrip(f *testing.F) {
	for _, s := range []string{"13800131000", "11010119750101100X", "", "\x00", "很长的字符串"} {
		f.Add(s, uint(0), byte(1))
	}
	v := testVault(f)
	f.Fuzz(func(t *testing.T, plain string, pos uint, flip byte) {
		c, err := v.Encrypt(plain)
		if err != nil {
			t.Fatal(err)
		}
		got, err := v.Decrypt(c)
		if err != nil || got != plain {
			t.Fatalf("Decrypt(Encrypt(%q)) = %q, %v", plain, got, err)
		}
		if plain == "" || flip == 0 {
			return
		}
		// flip bits of one byte of the sealed bytes: the tag must refuse it
		raw := []byte(c[len(Prefix):])
		dec, _ := decodeB64(string(raw))
		i := int(pos % uint(len(dec)))
		dec[i] ^= flip
		if _, err := v.Decrypt(Prefix + encodeB64(dec)); err == nil {
			t.Fatalf("tampered ciphertext of %q accepted (byte %d ^ %#x)", plain, i, flip)
		}
		// and a cut one
		if _, err := v.Decrypt(c[:len(c)-1]); err == nil && len(c) > len(Prefix)+1 {
			if g, _ := v.Decrypt(c[:len(c)-1]); g == plain {
				t.Fatalf("truncated ciphertext of %q accepted", plain)
			}
		}
	})
}

func TestLoadKey(t *testing.T) {
	good := hex.EncodeToString([]byte(strings.Repeat("a", KeySize)))
	t.Run("env", func(t *testing.T) {
		t.Setenv(EnvKey, good)
		t.Setenv(EnvKeyFile, "")
		v, err := LoadKey(t.TempDir())
		if err != nil || v.Source() != SourceEnv {
			t.Fatalf("LoadKey = %v, %v", v, err)
		}
	})
	for _, bad := range []string{"zz", good[:62], good + "00"} {
		t.Run("env bad "+bad[:2], func(t *testing.T) {
			t.Setenv(EnvKey, bad)
			t.Setenv(EnvKeyFile, "")
			if _, err := LoadKey(t.TempDir()); err == nil || !strings.Contains(err.Error(), EnvKey) {
				t.Fatalf("bad key accepted or unclear error: %v", err)
			}
		})
	}
	t.Run("both", func(t *testing.T) {
		t.Setenv(EnvKey, good)
		t.Setenv(EnvKeyFile, "/nonexistent")
		if _, err := LoadKey(t.TempDir()); err == nil {
			t.Fatal("both accepted")
		}
	})
	t.Run("file", func(t *testing.T) {
		p := filepath.Join(t.TempDir(), "k")
		if err := os.WriteFile(p, []byte(good+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		t.Setenv(EnvKey, "")
		t.Setenv(EnvKeyFile, p)
		v, err := LoadKey(t.TempDir())
		if err != nil || v.Source() != SourceFile || v.Path() != p {
			t.Fatalf("LoadKey = %v, %v", v, err)
		}
		// the same key as through the environment
		t.Setenv(EnvKeyFile, "")
		t.Setenv(EnvKey, good)
		ev, _ := LoadKey("")
		c, _ := v.Encrypt("13800131000")
		if got, err := ev.Decrypt(c); err != nil || got != "13800131000" {
			t.Fatalf("env and file keys differ: %q, %v", got, err)
		}
		if err := os.Chmod(p, 0o640); err != nil {
			t.Fatal(err)
		}
		t.Setenv(EnvKey, "")
		t.Setenv(EnvKeyFile, p)
		if _, err := LoadKey(""); err == nil || !strings.Contains(err.Error(), "chmod 600") {
			t.Fatalf("group-readable key file accepted: %v", err)
		}
		t.Setenv(EnvKeyFile, p+".missing")
		if _, err := LoadKey(t.TempDir()); err == nil {
			t.Fatal("missing key file accepted (must not fall back to the data directory)")
		}
	})
	t.Run("datadir", func(t *testing.T) {
		t.Setenv(EnvKey, "")
		t.Setenv(EnvKeyFile, "")
		dir := filepath.Join(t.TempDir(), "pb_data")
		v, err := LoadKey(dir)
		if err != nil || v.Source() != SourceGenerated {
			t.Fatalf("LoadKey = %v, %v", v, err)
		}
		st, err := os.Stat(filepath.Join(dir, KeyFileName))
		if err != nil || st.Mode().Perm() != 0o600 {
			t.Fatalf("key file: %v, %v", st, err)
		}
		again, err := LoadKey(dir)
		if err != nil || again.Source() != SourceDataDir {
			t.Fatalf("second LoadKey = %v, %v", again, err)
		}
		c, _ := v.Encrypt("x")
		if got, _ := again.Decrypt(c); got != "x" {
			t.Fatal("the generated key changed between loads")
		}
		if _, err := LoadKey(""); err == nil {
			t.Fatal("no key and no data directory accepted")
		}
		// a copied data directory loses the mode: the demo key is tightened
		if err := os.Chmod(filepath.Join(dir, KeyFileName), 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := LoadKey(dir); err != nil {
			t.Fatal(err)
		}
		if st, _ := os.Stat(filepath.Join(dir, KeyFileName)); st.Mode().Perm() != 0o600 {
			t.Fatalf("data-dir key left at %04o", st.Mode().Perm())
		}
	})
}

func decodeB64(s string) ([]byte, error) { return b64.DecodeString(s) }
func encodeB64(b []byte) string          { return b64.EncodeToString(b) }

var b64 = base64.RawStdEncoding
