package files

import (
	"context"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
	"github.com/minio/minio-go/v7/pkg/s3utils"
)

// Default deadlines of S3Store calls whose context has none.
const (
	defaultS3DataTimeout = 30 * time.Second // Put, Open (idle), Walk (idle)
	defaultS3CallTimeout = 10 * time.Second // Stat, Delete, SignedURL, setup
	s3MaxRetries         = 2
)

// S3Store keeps objects in one MinIO/S3 bucket. A locked store's bucket has
// object locking (and so versioning) enabled; its objects are written in
// COMPLIANCE mode with a retain-until date.
type S3Store struct {
	client   *minio.Client
	public   *minio.Client // presigns; == client without PublicEndpoint
	bucket   string
	locked   bool
	endpoint string
	// dataTimeout bounds Put and is the idle timeout of Open/Walk;
	// callTimeout bounds the other calls (both only when ctx has no
	// deadline).
	dataTimeout time.Duration
	callTimeout time.Duration
}

var _ Store = (*S3Store)(nil)

// NewS3Store connects to cfg.Endpoint and opens cfg.Bucket, or, when locked,
// cfg.ArchiveBucket (default cfg.Bucket+"-archive"), creating the bucket if
// missing (with object locking when locked). A locked store refuses an
// existing bucket without object locking.
func NewS3Store(ctx context.Context, cfg S3Config, locked bool) (*S3Store, error) {
	bucket := cfg.Bucket
	if locked {
		bucket = cfg.ArchiveBucket
		if bucket == "" && cfg.Bucket != "" {
			bucket = cfg.Bucket + "-archive"
		}
	}
	if err := s3utils.CheckValidBucketName(bucket); err != nil {
		return nil, fmt.Errorf("files: s3 bucket %q: %w", bucket, err)
	}
	if cfg.Region == "" {
		cfg.Region = DefaultS3Region
	}
	client, err := newMinioClient(cfg, cfg.Endpoint)
	if err != nil {
		return nil, err
	}
	s := &S3Store{
		client:      client,
		public:      client,
		bucket:      bucket,
		locked:      locked,
		endpoint:    cfg.Endpoint,
		dataTimeout: defaultS3DataTimeout,
		callTimeout: defaultS3CallTimeout,
	}
	if cfg.Timeout > 0 {
		s.dataTimeout, s.callTimeout = cfg.Timeout, cfg.Timeout
	}
	if cfg.PublicEndpoint != "" {
		if s.public, err = newMinioClient(cfg, cfg.PublicEndpoint); err != nil {
			return nil, err
		}
	}
	if err := s.waitForBucket(ctx, cfg.Region, cfg.StartupWait); err != nil {
		return nil, err
	}
	return s, nil
}

// DefaultS3StartupWait is how long a start waits for an object store that
// is itself starting: a MinIO started beside the app answers "server not
// initialized" (or refuses connections) for a while.
const DefaultS3StartupWait = 60 * time.Second

// waitForBucket retries ensureBucket while the store is unavailable, with
// backoff, up to wait; any other error (or a cancelled ctx) ends it at once.
func (s *S3Store) waitForBucket(ctx context.Context, region string, wait time.Duration) error {
	if wait <= 0 {
		wait = DefaultS3StartupWait
	}
	deadline := time.Now().Add(wait)
	for delay := 250 * time.Millisecond; ; delay = min(delay*2, 5*time.Second) {
		err := s.ensureBucket(ctx, region)
		if err == nil || !errors.Is(err, ErrUnavailable) || time.Now().Add(delay).After(deadline) {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(delay):
		}
	}
}

func newMinioClient(cfg S3Config, endpoint string) (*minio.Client, error) {
	host, tls, hasScheme, err := splitEndpoint(endpoint)
	if err != nil {
		return nil, fmt.Errorf("files: s3 endpoint: %w", err)
	}
	if !hasScheme {
		tls = cfg.UseTLS
	}
	if cfg.AccessKey == "" || cfg.SecretKey == "" {
		return nil, errors.New("files: s3: access key and secret key are required")
	}
	tr, err := minio.DefaultTransport(tls)
	if err != nil {
		return nil, fmt.Errorf("files: s3 transport: %w", err)
	}
	tr.ResponseHeaderTimeout = 0 // contexts carry the deadlines
	if tls && cfg.CAFile != "" {
		pem, err := os.ReadFile(cfg.CAFile)
		if err != nil {
			return nil, fmt.Errorf("files: s3 CA file: %w", err)
		}
		pool, err := x509.SystemCertPool()
		if err != nil || pool == nil {
			pool = x509.NewCertPool()
		}
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("files: s3 CA file %s: no PEM certificates", cfg.CAFile)
		}
		tr.TLSClientConfig.RootCAs = pool
	}
	c, err := minio.New(host, &minio.Options{
		Creds:      credentials.NewStaticV4(cfg.AccessKey, cfg.SecretKey, ""),
		Secure:     tls,
		Transport:  tr,
		Region:     cfg.Region,
		MaxRetries: s3MaxRetries,
	})
	if err != nil {
		return nil, fmt.Errorf("files: s3 client for %s: %w", host, err)
	}
	return c, nil
}

func (s *S3Store) ensureBucket(ctx context.Context, region string) error {
	ctx, cancel := s.withTimeout(ctx, s.callTimeout)
	defer cancel()
	ok, err := s.client.BucketExists(ctx, s.bucket)
	if err != nil {
		return s.mapErr(ctx, "bucket exists", "", err)
	}
	if !ok {
		err := s.client.MakeBucket(ctx, s.bucket, minio.MakeBucketOptions{Region: region, ObjectLocking: s.locked})
		if err != nil {
			code := minio.ToErrorResponse(err).Code
			if code != "BucketAlreadyOwnedByYou" && code != "BucketAlreadyExists" {
				return s.mapErr(ctx, "make bucket", "", err)
			}
		}
	}
	if !s.locked {
		return nil
	}
	enabled, _, _, _, err := s.client.GetObjectLockConfig(ctx, s.bucket)
	if err != nil {
		if minio.ToErrorResponse(err).Code == "ObjectLockConfigurationNotFoundError" {
			return fmt.Errorf("files: s3 archive bucket %q exists without object locking; "+
				"object locking can only be enabled at creation: create a new bucket with object locking (e.g. `mc mb --with-lock`) or point GOV_S3_ARCHIVE_BUCKET elsewhere", s.bucket)
		}
		return s.mapErr(ctx, "object lock config", "", err)
	}
	if enabled != "Enabled" {
		return fmt.Errorf("files: s3 archive bucket %q: object locking is %q, want Enabled", s.bucket, enabled)
	}
	return nil
}

// Client is the underlying minio-go client (tests, benchmarks).
func (s *S3Store) Client() *minio.Client { return s.client }

// Bucket is the store's bucket.
func (s *S3Store) Bucket() string { return s.bucket }

// Kind is "s3".
func (s *S3Store) Kind() string { return "s3" }

// Locked reports whether this is a WORM store.
func (s *S3Store) Locked() bool { return s.locked }

// withTimeout applies d unless ctx already has a deadline.
func (s *S3Store) withTimeout(ctx context.Context, d time.Duration) (context.Context, context.CancelFunc) {
	if _, ok := ctx.Deadline(); ok {
		return context.WithCancel(ctx)
	}
	return context.WithTimeoutCause(ctx, d, fmt.Errorf("files: s3 call exceeded %s: %w", d, context.DeadlineExceeded))
}

// errIdle is the cancel cause of an idle timer.
var errIdle = errors.New("files: s3 stream idle too long")

// idleCtx is a context cancelled when idle for d (only when the parent has
// no deadline); touch restarts the timer, pause stops it.
type idleCtx struct {
	context.Context
	cancel context.CancelCauseFunc
	mu     sync.Mutex
	timer  *time.Timer
	d      time.Duration
}

func (s *S3Store) newIdle(parent context.Context, d time.Duration) *idleCtx {
	ctx, cancel := context.WithCancelCause(parent)
	ic := &idleCtx{Context: ctx, cancel: cancel, d: d}
	if _, ok := parent.Deadline(); !ok {
		ic.timer = time.AfterFunc(d, func() { cancel(fmt.Errorf("%w (%s): %w", errIdle, d, context.DeadlineExceeded)) })
	}
	return ic
}

func (ic *idleCtx) touch() {
	if ic.timer != nil {
		ic.mu.Lock()
		ic.timer.Reset(ic.d)
		ic.mu.Unlock()
	}
}

func (ic *idleCtx) pause() {
	if ic.timer != nil {
		ic.mu.Lock()
		ic.timer.Stop()
		ic.mu.Unlock()
	}
}

func (ic *idleCtx) stop() {
	ic.pause()
	ic.cancel(context.Canceled)
}

// mapErr turns a minio-go error into the Store errors: NoSuchKey →
// ErrNotFound, 5xx and every transport failure or deadline →
// ErrUnavailable (with the cause kept in the message and chain).
func (s *S3Store) mapErr(ctx context.Context, op, key string, err error) error {
	if err == nil {
		return nil
	}
	what := "s3 " + op
	if key != "" {
		what += fmt.Sprintf(" %q", key)
	}
	var er minio.ErrorResponse
	if errors.As(err, &er) && (er.Code != "" || er.StatusCode != 0) {
		switch {
		case er.Code == "NoSuchKey" || er.Code == "NoSuchVersion" || (er.StatusCode == http.StatusNotFound && er.Code != "NoSuchBucket"):
			return fmt.Errorf("%w: %s: %w", ErrNotFound, what, err)
		case er.StatusCode >= 500 || er.Code == "ServiceUnavailable" || er.Code == "SlowDown" ||
			er.Code == "XMinioServerNotInitialized" || er.Code == "RequestTimeout":
			return fmt.Errorf("%w: %s at %s: %s %w", ErrUnavailable, what, s.endpoint, er.Code, err)
		case er.Code == "XAmzContentChecksumMismatch" || er.Code == "BadDigest" || er.Code == "InvalidChecksum":
			return fmt.Errorf("%w: %s: %w", ErrChecksum, what, err)
		case er.Code == "PreconditionFailed" && s.locked:
			return fmt.Errorf("%w: %s: %w", ErrExists, what, err)
		case s.locked && isWORMRefusal(er):
			return fmt.Errorf("%w: %s: %w", ErrLocked, what, err)
		}
		return fmt.Errorf("files: %s: %s: %w", what, er.Code, err)
	}
	// The caller cancelled: report that, not an outage.
	if errors.Is(err, context.Canceled) && ctx != nil {
		if cause := context.Cause(ctx); cause != nil && !errors.Is(cause, context.DeadlineExceeded) {
			return fmt.Errorf("files: %s: %w", what, err)
		}
	}
	if ctx != nil {
		if cause := context.Cause(ctx); cause != nil && cause != err && errors.Is(cause, context.DeadlineExceeded) {
			return fmt.Errorf("%w: %s at %s: %w (%w)", ErrUnavailable, what, s.endpoint, err, cause)
		}
	}
	if isTransportErr(err) {
		return fmt.Errorf("%w: %s at %s: %w", ErrUnavailable, what, s.endpoint, err)
	}
	return fmt.Errorf("files: %s: %w", what, err)
}

// isWORMRefusal recognises MinIO's refusal to remove a retained version
// (InvalidRequest or AccessDenied "Object is WORM protected…").
func isWORMRefusal(er minio.ErrorResponse) bool {
	if er.Code == "ObjectLocked" {
		return true
	}
	return (er.Code == "AccessDenied" || er.Code == "InvalidRequest") && strings.Contains(strings.ToLower(er.Message), "worm")
}

// isTransportErr: the request did not get an S3 answer (refused, reset,
// DNS, TLS, timeouts, truncated responses).
func isTransportErr(err error) bool {
	var ue *url.Error
	var ne net.Error
	var oe *net.OpError
	var de *net.DNSError
	var se syscall.Errno
	return errors.As(err, &ue) || errors.As(err, &ne) || errors.As(err, &oe) || errors.As(err, &de) ||
		errors.As(err, &se) || errors.Is(err, context.DeadlineExceeded) ||
		errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF)
}

// streamPartSize is the part size of uploads of unknown length (each
// concurrent stream holds one part in memory).
const streamPartSize = 8 << 20

// Put uploads the object. In a locked store an existing key is ErrExists
// (checked first, and enforced by If-None-Match: * where the server honours
// it) and the object is locked in COMPLIANCE mode until opt.RetainUntil.
func (s *S3Store) Put(ctx context.Context, key string, r io.Reader, size int64, opt PutOptions) (ObjectInfo, error) {
	if err := validateKey(key); err != nil {
		return ObjectInfo{}, err
	}
	if s.locked {
		if opt.RetainUntil.IsZero() {
			return ObjectInfo{}, fmt.Errorf("files: put %q: a locked store needs RetainUntil", key)
		}
		if !opt.RetainUntil.After(time.Now()) {
			return ObjectInfo{}, fmt.Errorf("files: put %q: RetainUntil %s is not in the future", key, opt.RetainUntil.Format(time.RFC3339))
		}
	} else if !opt.RetainUntil.IsZero() {
		return ObjectInfo{}, fmt.Errorf("files: put %q: RetainUntil needs a locked store", key)
	}
	ctx, cancel := s.withTimeout(ctx, s.dataTimeout)
	defer cancel()
	po := minio.PutObjectOptions{ContentType: opt.ContentType}
	if len(opt.SHA256) == sha256.Size {
		po.DisableContentSha256 = true
		po.UserMetadata = map[string]string{"X-Amz-Checksum-Sha256": base64.StdEncoding.EncodeToString(opt.SHA256)}
	}
	if size < 0 {
		// streamed uploads: bounded part buffers instead of minio-go's
		// ~537 MiB default for unknown sizes
		po.PartSize = streamPartSize
	}
	if s.locked {
		_, err := s.client.StatObject(ctx, s.bucket, key, minio.StatObjectOptions{})
		if err == nil {
			return ObjectInfo{}, fmt.Errorf("%w: %q", ErrExists, key)
		}
		if err := s.mapErr(ctx, "stat", key, err); !errors.Is(err, ErrNotFound) {
			return ObjectInfo{}, err
		}
		po.Mode = minio.Compliance
		po.RetainUntilDate = opt.RetainUntil.UTC()
		po.SetMatchETagExcept("*")
	}
	up, err := s.client.PutObject(ctx, s.bucket, key, r, size, po)
	if err != nil {
		return ObjectInfo{}, s.mapErr(ctx, "put", key, err)
	}
	info := ObjectInfo{Key: key, Size: up.Size, ModTime: up.LastModified, VersionID: up.VersionID}
	if info.ModTime.IsZero() {
		info.ModTime = time.Now()
	}
	if s.locked {
		info.RetainUntil = opt.RetainUntil.UTC().Truncate(time.Second)
	}
	return info, nil
}

func (s *S3Store) objectInfo(oi minio.ObjectInfo) ObjectInfo {
	info := ObjectInfo{Key: oi.Key, Size: oi.Size, ModTime: oi.LastModified, VersionID: oi.VersionID}
	if v := oi.Metadata.Get("X-Amz-Object-Lock-Retain-Until-Date"); v != "" {
		if t, err := time.Parse(time.RFC3339, v); err == nil {
			info.RetainUntil = t.UTC()
		}
	}
	return info
}

// Stat describes the current version of key.
func (s *S3Store) Stat(ctx context.Context, key string) (ObjectInfo, error) {
	if err := validateKey(key); err != nil {
		return ObjectInfo{}, err
	}
	ctx, cancel := s.withTimeout(ctx, s.callTimeout)
	defer cancel()
	oi, err := s.client.StatObject(ctx, s.bucket, key, minio.StatObjectOptions{})
	if err != nil {
		return ObjectInfo{}, s.mapErr(ctx, "stat", key, err)
	}
	return s.objectInfo(oi), nil
}

// s3Reader maps read errors and ends the idle context on Close.
type s3Reader struct {
	s   *S3Store
	obj *minio.Object
	ic  *idleCtx
	key string
}

func (r *s3Reader) Read(p []byte) (int, error) {
	r.ic.touch()
	n, err := r.obj.Read(p)
	if err != nil && err != io.EOF {
		err = r.s.mapErr(r.ic, "read", r.key, err)
	}
	return n, err
}

func (r *s3Reader) Close() error {
	err := r.obj.Close()
	r.ic.stop()
	return err
}

// Open reads the current version of key. Without a deadline on ctx the
// stream is cancelled after the data timeout without progress (rather than
// after a fixed time, so large objects can be read).
func (s *S3Store) Open(ctx context.Context, key string) (io.ReadCloser, error) {
	if err := validateKey(key); err != nil {
		return nil, err
	}
	ic := s.newIdle(ctx, s.dataTimeout)
	obj, err := s.client.GetObject(ic, s.bucket, key, minio.GetObjectOptions{})
	if err == nil {
		_, err = obj.Stat() // surfaces NoSuchKey and outages now
		if err != nil {
			obj.Close()
		}
	}
	if err != nil {
		err = s.mapErr(ic, "open", key, err)
		ic.stop()
		return nil, err
	}
	return &s3Reader{s: s, obj: obj, ic: ic, key: key}, nil
}

// Delete removes key (a missing key is fine). A locked store removes the
// current version by id, without governance bypass, so an object under
// COMPLIANCE retention is ErrLocked.
func (s *S3Store) Delete(ctx context.Context, key string) error {
	if err := validateKey(key); err != nil {
		return err
	}
	ctx, cancel := s.withTimeout(ctx, s.callTimeout)
	defer cancel()
	if !s.locked {
		return s.mapErr(ctx, "delete", key, s.client.RemoveObject(ctx, s.bucket, key, minio.RemoveObjectOptions{}))
	}
	oi, err := s.client.StatObject(ctx, s.bucket, key, minio.StatObjectOptions{})
	if err != nil {
		if err := s.mapErr(ctx, "stat", key, err); !errors.Is(err, ErrNotFound) {
			return err
		}
		return nil
	}
	if oi.VersionID == "" {
		return fmt.Errorf("%w: %q has no version id", ErrLocked, key)
	}
	err = s.client.RemoveObject(ctx, s.bucket, key, minio.RemoveObjectOptions{VersionID: oi.VersionID})
	if err != nil {
		err = s.mapErr(ctx, "delete", key, err)
		if errors.Is(err, ErrNotFound) {
			return nil
		}
		return err
	}
	return nil
}

// SignedURL presigns a GET of key (for PublicEndpoint when configured)
// answering with resp's headers, valid for ttl clamped to [1s, MaxURLTTL].
// No network call is made.
func (s *S3Store) SignedURL(ctx context.Context, key string, ttl time.Duration, resp ResponseHeaders) (string, error) {
	if err := validateKey(key); err != nil {
		return "", err
	}
	ctx, cancel := s.withTimeout(ctx, s.callTimeout)
	defer cancel()
	q := url.Values{}
	if resp.ContentType != "" {
		q.Set("response-content-type", resp.ContentType)
	}
	if resp.ContentDisposition != "" {
		q.Set("response-content-disposition", resp.ContentDisposition)
	}
	u, err := s.public.PresignedGetObject(ctx, s.bucket, key, clampTTL(ttl), q)
	if err != nil {
		return "", s.mapErr(ctx, "presign", key, err)
	}
	return u.String(), nil
}

// Walk lists the current objects under prefix (VersionID and RetainUntil
// are not filled in). Without a deadline on ctx the listing is cancelled
// after the data timeout without progress; time spent in fn does not
// count.
func (s *S3Store) Walk(ctx context.Context, prefix string, fn func(ObjectInfo) error) error {
	ic := s.newIdle(ctx, s.dataTimeout)
	defer ic.stop()
	for oi := range s.client.ListObjects(ic, s.bucket, minio.ListObjectsOptions{Prefix: prefix, Recursive: true}) {
		if oi.Err != nil {
			return s.mapErr(ic, "list", prefix, oi.Err)
		}
		ic.pause()
		err := fn(ObjectInfo{Key: oi.Key, Size: oi.Size, ModTime: oi.LastModified, VersionID: oi.VersionID})
		if err != nil {
			return err
		}
		ic.touch()
	}
	// A cancelled listing closes the channel without an error item.
	if err := ic.Err(); err != nil {
		return s.mapErr(ic, "list", prefix, err)
	}
	return nil
}
