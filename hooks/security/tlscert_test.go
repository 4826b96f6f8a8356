package security

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// issue writes a certificate for govcollab.test signed by ca (self-signed
// when ca is nil) and its key as PEM files; it returns the certificate.
func issue(t *testing.T, dir string, serial int64, ca *x509.Certificate, caKey *ecdsa.PrivateKey) (*x509.Certificate, *ecdsa.PrivateKey) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: "govcollab.test"},
		DNSNames: []string{"govcollab.test"}, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	parent, signer := tmpl, key
	if ca == nil {
		tmpl.IsCA, tmpl.BasicConstraintsValid = true, true
	} else {
		parent, signer = ca, caKey
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, &key.PublicKey, signer)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	if dir != "" {
		write := func(name, typ string, b []byte) {
			if err := os.WriteFile(filepath.Join(dir, name), pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: b}), 0o600); err != nil {
				t.Fatal(err)
			}
		}
		write("cert.pem", "CERTIFICATE", der)
		write("key.pem", "EC PRIVATE KEY", kder)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return cert, key
}

// TestCertFiles: HTTPS is served with the organisation's own pair, and a
// renewed pair is served after the next look without a restart.
func TestCertFiles(t *testing.T) {
	dir := t.TempDir()
	ca, caKey := issue(t, "", 1, nil, nil)
	issue(t, dir, 100, ca, caKey)
	c, err := NewCertFiles(filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem"))
	if err != nil {
		t.Fatal(err)
	}
	clock := time.Now()
	c.now = func() time.Time { return clock }
	l, err := tls.Listen("tcp", "127.0.0.1:0", c.TLSConfig())
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		for {
			conn, err := l.Accept()
			if err != nil {
				return
			}
			_ = conn.(*tls.Conn).Handshake()
			conn.Close()
		}
	}()
	pool := x509.NewCertPool()
	pool.AddCert(ca)
	served := func() int64 {
		t.Helper()
		conn, err := tls.Dial("tcp", l.Addr().String(), &tls.Config{RootCAs: pool, ServerName: "govcollab.test"})
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		return conn.ConnectionState().PeerCertificates[0].SerialNumber.Int64()
	}
	if got := served(); got != 100 {
		t.Fatalf("serial %d, want 100", got)
	}
	time.Sleep(10 * time.Millisecond) // a new modification time
	issue(t, dir, 200, ca, caKey)
	if got := served(); got != 100 {
		t.Fatalf("reloaded before the next look: %d", got)
	}
	clock = clock.Add(CertReloadEvery)
	if got := served(); got != 200 {
		t.Fatalf("serial %d after renewal, want 200", got)
	}
	// a half-written renewal keeps the pair in use
	if err := os.WriteFile(filepath.Join(dir, "key.pem"), []byte("-----BEGIN"), 0o600); err != nil {
		t.Fatal(err)
	}
	clock = clock.Add(CertReloadEvery)
	if got := served(); got != 200 {
		t.Fatalf("serial %d after a broken renewal, want 200 still", got)
	}
}

// TestOwnCertificateConfig: a key that does not match, a missing file, or
// one of the two settings alone stops the start with a clear error.
func TestOwnCertificateConfig(t *testing.T) {
	dir := t.TempDir()
	issue(t, dir, 1, nil, nil)
	other := t.TempDir()
	issue(t, other, 2, nil, nil)
	if _, err := NewCertFiles(filepath.Join(dir, "cert.pem"), filepath.Join(other, "key.pem")); err == nil {
		t.Fatal("a key of another certificate was accepted")
	}
	if _, err := NewCertFiles(filepath.Join(dir, "nope.pem"), filepath.Join(dir, "key.pem")); err == nil {
		t.Fatal("a missing certificate file was accepted")
	}
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	err := OwnCertificate(env(map[string]string{"GOV_TLS_CERT_FILE": filepath.Join(dir, "cert.pem")}))(nil)
	if err == nil || !strings.Contains(err.Error(), "GOV_TLS_KEY_FILE") {
		t.Fatalf("one setting alone: %v", err)
	}
}
