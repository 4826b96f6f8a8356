package files

import (
	"context"
	"errors"
	"io"
	"time"
)

// Store keeps immutable objects under keys. Two implementations: a local
// directory (LocalStore, the embedded default) and MinIO/S3 (S3Store). An
// archive store is the same type opened with locking: objects are written
// once, carry a retention date and cannot be deleted or overwritten.
//
// Every method honours ctx: callers pass a deadline, and an unreachable
// backend answers ErrUnavailable instead of hanging.
type Store interface {
	// Kind is "local" or "s3" (logs, bench labels).
	Kind() string
	// Locked reports whether this is a WORM archive store.
	Locked() bool
	// Put stores size bytes from r under key. In a locked store an existing
	// key is ErrExists and opt.RetainUntil is required.
	Put(ctx context.Context, key string, r io.Reader, size int64, opt PutOptions) (ObjectInfo, error)
	// Stat describes the current object under key, or ErrNotFound.
	Stat(ctx context.Context, key string) (ObjectInfo, error)
	// Open reads the current object under key, or ErrNotFound.
	Open(ctx context.Context, key string) (io.ReadCloser, error)
	// Delete removes key; a missing key is not an error. In a locked store
	// an object under retention is ErrLocked.
	Delete(ctx context.Context, key string) error
	// SignedURL is a URL that serves key for ttl (≤ 5 minutes), allowing
	// range requests, with the given response headers.
	SignedURL(ctx context.Context, key string, ttl time.Duration, resp ResponseHeaders) (string, error)
	// Walk calls fn for every object whose key starts with prefix.
	Walk(ctx context.Context, prefix string, fn func(ObjectInfo) error) error
}

// PutOptions describe an object being stored.
type PutOptions struct {
	ContentType string
	// SHA256, when set (32 bytes), is the content's hash as the caller
	// computed it: the store refuses content that does not match (S3
	// verifies it server-side as x-amz-checksum-sha256, which also spares
	// the client the payload signing pass).
	SHA256 []byte
	// RetainUntil locks the object until then (locked stores only;
	// COMPLIANCE mode on S3, read-only file plus sidecar date locally).
	RetainUntil time.Time
}

// ObjectInfo describes a stored object.
type ObjectInfo struct {
	Key         string
	Size        int64
	ModTime     time.Time
	VersionID   string    // S3 version of a locked object; "" locally
	RetainUntil time.Time // zero when not locked
}

// ResponseHeaders are what a signed URL answers with.
type ResponseHeaders struct {
	ContentType        string
	ContentDisposition string
}

// MaxURLTTL is the longest a signed URL may live.
const MaxURLTTL = 5 * time.Minute

// Errors every Store returns (wrapped or as is; test with errors.Is).
var (
	ErrNotFound    = errors.New("files: object not found")
	ErrExists      = errors.New("files: object exists in a locked store")
	ErrLocked      = errors.New("files: object is under retention")
	ErrUnavailable = errors.New("files: object store unavailable")
	ErrChecksum    = errors.New("files: content does not match its SHA-256")
)
