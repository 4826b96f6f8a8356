package totp

import (
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/emmansun/gmsm/sm3"
	"github.com/emmansun/gmsm/sm4"
)

// Key handling.
//
// TOTP secrets are sealed with SM4-GCM under a 128-bit key derived by
// HKDF-SM3 (info "govcollab/totp/secret/v1") from the deployment's data
// master key, which never lives in the database. The master key is found
// the way hooks/security/pii finds it (same variables, same file, same hex
// format), without depending on that package:
//
//  1. GOV_DATA_KEY (64 hex characters; any other string of at least 16
//     bytes is used as it is), else
//  2. the contents of the file named by GOV_DATA_KEY_FILE, else
//  3. <data dir>/data.key (hex), created with 32 random bytes and mode 0600
//     if absent — for the demo and tests only, as it sits beside the
//     database and in its backups.
//
// The HKDF info string gives this module its own subkey, so sharing the
// master key with the personal-data vault exposes nothing across modules.
// Losing or changing the master key makes the stored secrets unreadable
// (verification then fails with 500 and is logged); a secadmin resets the
// users concerned (DELETE /api/gov/admin/users/{id}/totp) and they enrol
// again.
const (
	envKey     = "GOV_DATA_KEY"
	envKeyFile = "GOV_DATA_KEY_FILE"
	keyFile    = "data.key"
	hkdfInfo   = "govcollab/totp/secret/v1"
	sealPrefix = "sm4gcm1:"
)

func masterKey(dataDir string) ([]byte, error) {
	if v := strings.TrimSpace(os.Getenv(envKey)); v != "" {
		return keyBytes(v, envKey)
	}
	path := strings.TrimSpace(os.Getenv(envKeyFile))
	create := false
	if path == "" {
		if dataDir == "" {
			return nil, errors.New("totp: no data key: set GOV_DATA_KEY_FILE or GOV_DATA_KEY")
		}
		path, create = filepath.Join(dataDir, keyFile), true
	}
	raw, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) && create {
		if err := generateKeyFile(path); err != nil {
			return nil, fmt.Errorf("totp: key file: %w", err)
		}
		raw, err = os.ReadFile(path)
	}
	if err != nil {
		return nil, fmt.Errorf("totp: key file: %w", err)
	}
	return keyBytes(strings.TrimSpace(string(raw)), path)
}

// keyBytes decodes a hex key, or takes a long enough string as it is.
func keyBytes(v, from string) ([]byte, error) {
	if b, err := hex.DecodeString(v); err == nil && len(b) >= 16 {
		return b, nil
	}
	if len(v) < 16 {
		return nil, fmt.Errorf("totp: the data key in %s is shorter than 16 bytes", from)
	}
	return []byte(v), nil
}

// generateKeyFile writes 32 random bytes as hex, unless another process
// (or the personal-data vault) made the file meanwhile.
func generateKeyFile(path string) error {
	buf := make([]byte, 32)
	if _, err := rand.Read(buf); err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, os.ErrExist) {
		return nil
	}
	if err != nil {
		return err
	}
	if _, err := f.WriteString(hex.EncodeToString(buf) + "\n"); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// sealer encrypts secrets with SM4-GCM, binding each to its user id.
type sealer struct{ aead cipher.AEAD }

func newSealer(master []byte) (*sealer, error) {
	key, err := hkdf.Key(sm3.New, master, nil, hkdfInfo, 16)
	if err != nil {
		return nil, err
	}
	block, err := sm4.NewCipher(key)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &sealer{aead: aead}, nil
}

func (s *sealer) seal(userID, plain string) (string, error) {
	nonce := make([]byte, s.aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return "", err
	}
	out := s.aead.Seal(nonce, nonce, []byte(plain), []byte("user_totp:"+userID))
	return sealPrefix + base64.RawStdEncoding.EncodeToString(out), nil
}

func (s *sealer) open(userID, sealed string) (string, error) {
	if !strings.HasPrefix(sealed, sealPrefix) {
		return "", errors.New("totp: secret not sealed")
	}
	raw, err := base64.RawStdEncoding.DecodeString(sealed[len(sealPrefix):])
	if err != nil || len(raw) < s.aead.NonceSize() {
		return "", errors.New("totp: sealed secret malformed")
	}
	n := s.aead.NonceSize()
	plain, err := s.aead.Open(nil, raw[:n], raw[n:], []byte("user_totp:"+userID))
	if err != nil {
		return "", errors.New("totp: secret does not open with this key")
	}
	return string(plain), nil
}

// Recovery codes: 10 random codes of 10 characters (about 49 bits each),
// shown once as "xxxxx-xxxxx" and kept as salt$SM3(salt||code). A fast
// salted hash is enough for codes with this much entropy; bcrypt would make
// checking ten of them take half a second.

const (
	recoveryCount    = 10
	recoveryAlphabet = "23456789abcdefghjkmnpqrstuvwxyz"
)

func newRecoveryCode() (string, error) {
	buf := make([]byte, 10)
	for i := range buf {
		b := make([]byte, 1)
		for {
			if _, err := rand.Read(b); err != nil {
				return "", err
			}
			if int(b[0]) < 256-256%len(recoveryAlphabet) {
				break
			}
		}
		buf[i] = recoveryAlphabet[int(b[0])%len(recoveryAlphabet)]
	}
	return string(buf[:5]) + "-" + string(buf[5:]), nil
}

// normalizeRecovery drops separators and case: "ABCDE-FGHJK" = "abcdefghjk".
func normalizeRecovery(code string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(code) {
		if r == '-' || r == ' ' {
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

func hashRecovery(code string) (string, error) {
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	return hex.EncodeToString(salt) + "$" + recoveryDigest(salt, normalizeRecovery(code)), nil
}

func recoveryDigest(salt []byte, norm string) string {
	h := sm3.New()
	h.Write(salt)
	h.Write([]byte(norm))
	return hex.EncodeToString(h.Sum(nil))
}

// matchRecovery reports whether code matches the stored hash.
func matchRecovery(stored, code string) bool {
	saltHex, digest, ok := strings.Cut(stored, "$")
	if !ok {
		return false
	}
	salt, err := hex.DecodeString(saltHex)
	if err != nil {
		return false
	}
	got := recoveryDigest(salt, normalizeRecovery(code))
	return subtleEqual(got, digest)
}
