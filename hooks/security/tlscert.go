package security

import (
	"crypto/tls"
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/pocketbase/pocketbase/core"
)

// An intranet has no public ACME: `serve --https` takes the organisation's
// own certificate from GOV_TLS_CERT_FILE and GOV_TLS_KEY_FILE (PEM, the
// chain in the certificate file) instead of PocketBase's Let's Encrypt
// manager. A renewed pair is picked up without a restart.

// CertReloadEvery is how often the files are looked at for a renewal.
const CertReloadEvery = time.Minute

// CertFiles serves the key pair in two PEM files, reloading it when either
// file changes.
type CertFiles struct {
	certFile, keyFile string
	now               func() time.Time

	mu      sync.Mutex
	cert    *tls.Certificate
	stamp   string // the files' sizes and modification times when loaded
	checked time.Time
}

// NewCertFiles loads the pair once, so that a wrong path or a key that does
// not match stops the server at start rather than at the first handshake.
func NewCertFiles(certFile, keyFile string) (*CertFiles, error) {
	c := &CertFiles{certFile: certFile, keyFile: keyFile, now: time.Now}
	if _, err := c.load(); err != nil {
		return nil, err
	}
	return c, nil
}

func (c *CertFiles) fileStamp() (string, error) {
	var stamp string
	for _, f := range []string{c.certFile, c.keyFile} {
		fi, err := os.Stat(f)
		if err != nil {
			return "", err
		}
		stamp += fmt.Sprintf("%d/%d;", fi.Size(), fi.ModTime().UnixNano())
	}
	return stamp, nil
}

// load reads the pair if the files changed since it was last read.
func (c *CertFiles) load() (*tls.Certificate, error) {
	stamp, err := c.fileStamp()
	if err != nil {
		return nil, fmt.Errorf("security: tls certificate: %w", err)
	}
	if c.cert != nil && stamp == c.stamp {
		return c.cert, nil
	}
	pair, err := tls.LoadX509KeyPair(c.certFile, c.keyFile)
	if err != nil {
		return nil, fmt.Errorf("security: tls certificate %s / %s: %w", c.certFile, c.keyFile, err)
	}
	c.cert, c.stamp = &pair, stamp
	return c.cert, nil
}

// GetCertificate is tls.Config.GetCertificate. A renewal that cannot be
// read (half-copied files) keeps the pair in use until the next look.
func (c *CertFiles) GetCertificate(*tls.ClientHelloInfo) (*tls.Certificate, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if now := c.now(); now.Sub(c.checked) >= CertReloadEvery {
		c.checked = now
		if cert, err := c.load(); err == nil {
			return cert, nil
		}
	}
	return c.cert, nil
}

// TLSConfig is the server side: TLS 1.2 at least, the pair from the files.
func (c *CertFiles) TLSConfig() *tls.Config {
	return &tls.Config{MinVersion: tls.VersionTLS12, GetCertificate: c.GetCertificate, NextProtos: []string{"h2", "http/1.1"}}
}

// OwnCertificate returns an OnServe handler that, when GOV_TLS_CERT_FILE
// and GOV_TLS_KEY_FILE are set, serves HTTPS with that pair; one set
// without the other is an error. Without them PocketBase's behaviour stays.
func OwnCertificate(getenv func(string) string) func(*core.ServeEvent) error {
	return func(se *core.ServeEvent) error {
		certFile, keyFile := getenv("GOV_TLS_CERT_FILE"), getenv("GOV_TLS_KEY_FILE")
		if certFile == "" && keyFile == "" {
			return se.Next()
		}
		if certFile == "" || keyFile == "" {
			return fmt.Errorf("security: set both GOV_TLS_CERT_FILE and GOV_TLS_KEY_FILE, or neither")
		}
		c, err := NewCertFiles(certFile, keyFile)
		if err != nil {
			return err
		}
		se.Server.TLSConfig = c.TLSConfig()
		return se.Next()
	}
}
