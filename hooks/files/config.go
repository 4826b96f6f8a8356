package files

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// S3Config says how to reach a MinIO/S3 object store.
type S3Config struct {
	// Endpoint is host[:port], optionally with an http:// or https://
	// scheme (the scheme then decides TLS and overrides UseTLS).
	Endpoint  string
	AccessKey string
	SecretKey string
	// Bucket holds ordinary objects; ArchiveBucket the locked (WORM)
	// store. NewS3Store(…, locked=true) opens ArchiveBucket.
	Bucket        string
	ArchiveBucket string
	// Region is set explicitly on the client so that no call (in
	// particular presigning) asks the server for the bucket location.
	Region string
	// PublicEndpoint, when set, is the host[:port] (optionally with a
	// scheme) that browsers reach the store under: signed URLs are made
	// for it instead of Endpoint.
	PublicEndpoint string
	UseTLS         bool
	// CAFile is a PEM bundle trusted in addition to the system roots.
	CAFile string
	// Timeout is the deadline applied to calls whose context has none
	// (zero: 30s for Put/Open, 10s for the others).
	Timeout time.Duration
	// StartupWait bounds how long opening the store waits for a server
	// that is still starting (zero: DefaultS3StartupWait).
	StartupWait time.Duration
}

// Defaults used by S3ConfigFromEnv and NewS3Store.
const (
	DefaultS3Bucket = "govcollab"
	DefaultS3Region = "us-east-1"
)

// S3ConfigFromEnv reads the GOV_S3_* variables. ok is false when
// GOV_S3_ENDPOINT is unset or empty (use the local store then).
//
//	GOV_S3_ENDPOINT        host:port or http(s)://host:port (required)
//	GOV_S3_ACCESS_KEY      required
//	GOV_S3_SECRET_KEY      required
//	GOV_S3_BUCKET          default "govcollab"
//	GOV_S3_ARCHIVE_BUCKET  default <bucket>-archive
//	GOV_S3_REGION          default "us-east-1"
//	GOV_S3_TLS             true/false; default from the endpoint's scheme, else false
//	GOV_S3_CA_FILE         extra CA certificates (PEM) for TLS
//	GOV_S3_PUBLIC_ENDPOINT endpoint used in signed URLs (default: GOV_S3_ENDPOINT)
//	GOV_S3_TIMEOUT         Go duration, e.g. 30s
//	GOV_S3_STARTUP_WAIT    Go duration the start waits for a store still starting (default 60s)
func S3ConfigFromEnv() (S3Config, bool, error) {
	return s3ConfigFrom(os.Getenv)
}

func s3ConfigFrom(getenv func(string) string) (S3Config, bool, error) {
	get := func(k string) string { return strings.TrimSpace(getenv(k)) }
	cfg := S3Config{Endpoint: get("GOV_S3_ENDPOINT")}
	if cfg.Endpoint == "" {
		return S3Config{}, false, nil
	}
	_, tls, hasScheme, err := splitEndpoint(cfg.Endpoint)
	if err != nil {
		return S3Config{}, true, fmt.Errorf("GOV_S3_ENDPOINT: %w", err)
	}
	cfg.UseTLS = tls
	if v := get("GOV_S3_TLS"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return S3Config{}, true, fmt.Errorf("GOV_S3_TLS: want true or false, got %q", v)
		}
		if hasScheme && b != tls {
			return S3Config{}, true, fmt.Errorf("GOV_S3_TLS=%v contradicts the scheme of GOV_S3_ENDPOINT %q", b, cfg.Endpoint)
		}
		cfg.UseTLS = b
	}
	cfg.AccessKey = get("GOV_S3_ACCESS_KEY")
	if cfg.AccessKey == "" {
		return S3Config{}, true, fmt.Errorf("GOV_S3_ACCESS_KEY is required when GOV_S3_ENDPOINT is set")
	}
	cfg.SecretKey = getenv("GOV_S3_SECRET_KEY")
	if cfg.SecretKey == "" {
		return S3Config{}, true, fmt.Errorf("GOV_S3_SECRET_KEY is required when GOV_S3_ENDPOINT is set")
	}
	cfg.Bucket = get("GOV_S3_BUCKET")
	if cfg.Bucket == "" {
		cfg.Bucket = DefaultS3Bucket
	}
	cfg.ArchiveBucket = get("GOV_S3_ARCHIVE_BUCKET")
	if cfg.ArchiveBucket == "" {
		cfg.ArchiveBucket = cfg.Bucket + "-archive"
	}
	if cfg.ArchiveBucket == cfg.Bucket {
		return S3Config{}, true, fmt.Errorf("GOV_S3_ARCHIVE_BUCKET must differ from GOV_S3_BUCKET (%q)", cfg.Bucket)
	}
	cfg.Region = get("GOV_S3_REGION")
	if cfg.Region == "" {
		cfg.Region = DefaultS3Region
	}
	cfg.CAFile = get("GOV_S3_CA_FILE")
	if cfg.CAFile != "" {
		if _, err := os.Stat(cfg.CAFile); err != nil {
			return S3Config{}, true, fmt.Errorf("GOV_S3_CA_FILE: %w", err)
		}
	}
	cfg.PublicEndpoint = get("GOV_S3_PUBLIC_ENDPOINT")
	if cfg.PublicEndpoint != "" {
		if _, _, _, err := splitEndpoint(cfg.PublicEndpoint); err != nil {
			return S3Config{}, true, fmt.Errorf("GOV_S3_PUBLIC_ENDPOINT: %w", err)
		}
	}
	if v := get("GOV_S3_TIMEOUT"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			return S3Config{}, true, fmt.Errorf("GOV_S3_TIMEOUT: want a positive Go duration such as 30s, got %q", v)
		}
		cfg.Timeout = d
	}
	if v := get("GOV_S3_STARTUP_WAIT"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d < 0 {
			return S3Config{}, true, fmt.Errorf("GOV_S3_STARTUP_WAIT: want a Go duration such as 60s, got %q", v)
		}
		cfg.StartupWait = d
	}
	return cfg, true, nil
}

// splitEndpoint accepts host[:port] or http(s)://host[:port][/] and returns
// the host part, whether the scheme asks for TLS and whether there was one.
func splitEndpoint(ep string) (host string, tls, hasScheme bool, err error) {
	ep = strings.TrimSpace(ep)
	switch {
	case strings.HasPrefix(strings.ToLower(ep), "https://"):
		host, tls, hasScheme = ep[len("https://"):], true, true
	case strings.HasPrefix(strings.ToLower(ep), "http://"):
		host, hasScheme = ep[len("http://"):], true
	case strings.Contains(ep, "://"):
		return "", false, false, fmt.Errorf("unsupported scheme in %q (want http:// or https://)", ep)
	default:
		host = ep
	}
	host = strings.TrimSuffix(host, "/")
	if host == "" || strings.ContainsAny(host, "/?#@ ") {
		return "", false, false, fmt.Errorf("want host[:port] optionally prefixed by http:// or https://, got %q", ep)
	}
	return host, tls, hasScheme, nil
}
