// Package pii owns personal numbers at rest: 身份证号 and phone numbers are
// stored encrypted with SM4-GCM, with a keyed SM3 hash (HMAC-SM3) beside
// them for exact lookup and duplicate checks. The key comes from the
// environment or a key file, never from the database.
//
// Key sources, in order (LoadKey):
//
//   - GOV_DATA_KEY: 64 hex characters (a 32-byte master key);
//   - GOV_DATA_KEY_FILE: a file holding the same hex key, readable by its
//     owner only (group or world permissions are refused);
//   - neither: <dataDir>/data.key, generated with mode 0600 on first start.
//     This is for the demo and tests only: the key then sits beside the
//     database (and in PocketBase backups of the data directory), so
//     production must set GOV_DATA_KEY_FILE to a file outside it.
//
// The SM4 key and the HMAC-SM3 key are derived from the master key with the
// SM3 key derivation function of GB/T 32918.4 (gmsm/kdf), one label each.
package pii

import (
	"bytes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/emmansun/gmsm/kdf"
	"github.com/emmansun/gmsm/sm3"
	"github.com/emmansun/gmsm/sm4"
	"github.com/pocketbase/pocketbase/core"
)

// Environment variables naming the key.
const (
	EnvKey     = "GOV_DATA_KEY"
	EnvKeyFile = "GOV_DATA_KEY_FILE"
)

// KeyFileName is the generated key's name inside the data directory.
const KeyFileName = "data.key"

// KeySize is the master key's length in bytes (hex: twice as many characters).
const KeySize = 32

// Prefix marks an encrypted value (format version 1).
const Prefix = "sm4gcm:v1:"

// Kinds of personal numbers, the domain separator of Hash.
const (
	KindPhone    = "phone"
	KindIDNumber = "id_number"
)

// Source says where a key came from.
type Source string

const (
	SourceEnv       Source = "env"       // GOV_DATA_KEY
	SourceFile      Source = "file"      // GOV_DATA_KEY_FILE
	SourceDataDir   Source = "datadir"   // an existing <dataDir>/data.key
	SourceGenerated Source = "generated" // <dataDir>/data.key, made just now
)

// InDataDir reports whether the key lives beside the database (demo/test only).
func (s Source) InDataDir() bool { return s == SourceDataDir || s == SourceGenerated }

// Vault encrypts, decrypts and hashes personal numbers with one key.
type Vault struct {
	aead    cipher.AEAD
	macKey  []byte
	master  []byte
	source  Source
	keyPath string
}

// DeriveKey is a 32-byte key for another purpose (e.g. signing download
// URLs), derived from the master key with SM3-KDF under label, so every
// secret follows the one data key and its rotation.
func (v *Vault) DeriveKey(label string) []byte {
	return kdf.Kdf(sm3.New, append(bytes.Clone(v.master), ("govcollab/"+label)...), 32)
}

// Source says where the vault's key came from; Path is the key file, if any.
func (v *Vault) Source() Source { return v.source }

// Path is the key file the vault was loaded from ("" for GOV_DATA_KEY).
func (v *Vault) Path() string { return v.keyPath }

// NewVault builds a vault from a 32-byte master key.
func NewVault(master []byte) (*Vault, error) {
	if len(master) != KeySize {
		return nil, fmt.Errorf("pii: the data key must be %d bytes (%d hex characters), got %d bytes", KeySize, 2*KeySize, len(master))
	}
	encKey := kdf.Kdf(sm3.New, append(bytes.Clone(master), "govcollab/pii/sm4-gcm/v1"...), 16)
	macKey := kdf.Kdf(sm3.New, append(bytes.Clone(master), "govcollab/pii/hmac-sm3/v1"...), 32)
	block, err := sm4.NewCipher(encKey)
	if err != nil {
		return nil, fmt.Errorf("pii: sm4: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("pii: gcm: %w", err)
	}
	return &Vault{aead: aead, macKey: macKey, master: bytes.Clone(master)}, nil
}

// LoadKey finds the master key for the data directory dataDir (see the
// package comment) and builds the vault. A configured key that is unusable
// (bad hex, wrong length, unreadable or too open a file) is an error, never
// a silent fallback.
func LoadKey(dataDir string) (*Vault, error) {
	env, file := strings.TrimSpace(os.Getenv(EnvKey)), strings.TrimSpace(os.Getenv(EnvKeyFile))
	switch {
	case env != "" && file != "":
		return nil, fmt.Errorf("pii: set only one of %s and %s", EnvKey, EnvKeyFile)
	case env != "":
		master, err := parseHex(env)
		if err != nil {
			return nil, fmt.Errorf("pii: %s: %w", EnvKey, err)
		}
		v, err := NewVault(master)
		if err != nil {
			return nil, err
		}
		v.source = SourceEnv
		return v, nil
	case file != "":
		v, err := loadFile(file)
		if err != nil {
			return nil, fmt.Errorf("pii: %s: %w", EnvKeyFile, err)
		}
		v.source = SourceFile
		return v, nil
	}
	if dataDir == "" {
		return nil, fmt.Errorf("pii: no data key: set %s or %s", EnvKeyFile, EnvKey)
	}
	path := filepath.Join(dataDir, KeyFileName)
	v, err := loadFile(path)
	if errors.Is(err, errTooOpen) {
		// A copied data directory (a test clone, a restored backup) loses
		// the mode; this key is demo/test only, so tighten it and go on.
		if err = os.Chmod(path, 0o600); err == nil {
			v, err = loadFile(path)
		}
	}
	if err == nil {
		v.source = SourceDataDir
		return v, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("pii: %s: %w", path, err)
	}
	if err := generate(path); err != nil {
		return nil, fmt.Errorf("pii: generate %s: %w", path, err)
	}
	v, err = loadFile(path)
	if err != nil {
		return nil, fmt.Errorf("pii: %s: %w", path, err)
	}
	v.source = SourceGenerated
	return v, nil
}

func parseHex(s string) ([]byte, error) {
	b, err := hex.DecodeString(strings.TrimSpace(s))
	if err != nil {
		return nil, errors.New("the key is not valid hex")
	}
	if len(b) != KeySize {
		return nil, fmt.Errorf("the key must be %d hex characters (%d bytes), got %d bytes", 2*KeySize, KeySize, len(b))
	}
	return b, nil
}

var errTooOpen = errors.New("key file too open")

func loadFile(path string) (*Vault, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, errors.New("not a regular file")
	}
	if runtime.GOOS != "windows" && st.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("%w: permissions %04o let the group or others read it; run chmod 600", errTooOpen, st.Mode().Perm())
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	master, err := parseHex(string(raw))
	if err != nil {
		return nil, err
	}
	v, err := NewVault(master)
	if err != nil {
		return nil, err
	}
	v.keyPath = path
	return v, nil
}

func generate(path string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	master := make([]byte, KeySize)
	if _, err := rand.Read(master); err != nil {
		return err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		if errors.Is(err, fs.ErrExist) {
			return nil // made meanwhile by another process; load that one
		}
		return err
	}
	if _, err := f.WriteString(hex.EncodeToString(master) + "\n"); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// Encrypted reports whether s is a value Encrypt made (of any key).
func Encrypted(s string) bool { return strings.HasPrefix(s, "sm4gcm:") }

// Encrypt seals plain as "sm4gcm:v1:" + base64(nonce‖ciphertext‖tag) with a
// fresh random nonce. The empty string stays empty (nothing to hide).
func (v *Vault) Encrypt(plain string) (string, error) {
	if plain == "" {
		return "", nil
	}
	nonce := make([]byte, v.aead.NonceSize(), v.aead.NonceSize()+len(plain)+v.aead.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		return "", err
	}
	sealed := v.aead.Seal(nonce, nonce, []byte(plain), []byte(Prefix))
	return Prefix + base64.RawStdEncoding.EncodeToString(sealed), nil
}

// ErrCiphertext is any value Decrypt cannot open: tampered, truncated,
// made with another key, or not made by Encrypt.
var ErrCiphertext = errors.New("pii: value cannot be decrypted")

// Decrypt opens a value made by Encrypt; "" stays "".
func (v *Vault) Decrypt(s string) (string, error) {
	if s == "" {
		return "", nil
	}
	rest, ok := strings.CutPrefix(s, Prefix)
	if !ok {
		return "", ErrCiphertext
	}
	raw, err := base64.RawStdEncoding.DecodeString(rest)
	if err != nil || len(raw) < v.aead.NonceSize()+v.aead.Overhead() {
		return "", ErrCiphertext
	}
	n := v.aead.NonceSize()
	plain, err := v.aead.Open(nil, raw[:n], raw[n:], []byte(Prefix))
	if err != nil {
		return "", ErrCiphertext
	}
	return string(plain), nil
}

// Normalize is the form Hash takes: a 身份证号 trimmed and upper-cased, a
// phone number reduced to its digits.
func Normalize(kind, s string) string {
	switch kind {
	case KindPhone:
		var b strings.Builder
		for _, r := range s {
			if r >= '0' && r <= '9' {
				b.WriteRune(r)
			}
		}
		return b.String()
	case KindIDNumber:
		return strings.ToUpper(strings.TrimSpace(s))
	}
	return strings.TrimSpace(s)
}

// Hash is the hex HMAC-SM3 of kind and the normalized value, for exact
// lookup; an empty value hashes to "".
func (v *Vault) Hash(kind, value string) string {
	n := Normalize(kind, value)
	if n == "" {
		return ""
	}
	m := hmac.New(sm3.New, v.macKey)
	m.Write([]byte(kind))
	m.Write([]byte{0})
	m.Write([]byte(n))
	return hex.EncodeToString(m.Sum(nil))
}

// Seal is Encrypt and Hash of one value: what a record stores.
func (v *Vault) Seal(kind, plain string) (cipherText, hash string, err error) {
	cipherText, err = v.Encrypt(plain)
	if err != nil {
		return "", "", err
	}
	return cipherText, v.Hash(kind, plain), nil
}

// Open decrypts a stored value; a legacy plaintext value (not yet
// migrated) is returned as it is.
func (v *Vault) Open(stored string) (string, error) {
	if stored == "" || !Encrypted(stored) {
		return stored, nil
	}
	return v.Decrypt(stored)
}

const storeKey = "govcollab.pii.vault"

// Attach makes v the vault of app (and of its transactions).
func Attach(app core.App, v *Vault) { app.Store().Set(storeKey, v) }

// For returns the vault attached to app, loading it with LoadKey from the
// app's data directory (and attaching it) if none is.
func For(app core.App) (*Vault, error) {
	if v, ok := app.Store().Get(storeKey).(*Vault); ok && v != nil {
		return v, nil
	}
	v, err := LoadKey(app.DataDir())
	if err != nil {
		return nil, err
	}
	Attach(app, v)
	return v, nil
}
