// Package miniotest runs a real MinIO server for tests.
//
// The binary comes from $GOV_MINIO_BIN, else <repo root>/.cache/tools/minio
// (`make minio` builds it). Without a binary the tests skip loudly — except
// when $CI is set, where they fail: CI must never skip them.
//
// Two ways to get a server:
//
//   - Start(t): a private server, stopped by t.Cleanup. Use it for tests
//     that stop or restart the server.
//
//   - Shared(t): one server per test binary, started on first use. A test
//     binary that uses it should stop it from TestMain:
//
//     func TestMain(m *testing.M) { code := m.Run(); miniotest.StopShared(); os.Exit(code) }
//
//     Without that, the server still dies with the test binary (Linux
//     Pdeathsig), but its temporary data directory is left behind.
//
// This package must not import govcollab/hooks/files (whose tests import
// it); callers build their S3Config from the Server's fields.
package miniotest

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// StartTimeout bounds waiting for the server to answer its health check.
const StartTimeout = 60 * time.Second

// Server is a running MinIO server.
type Server struct {
	// Endpoint is host:port (plain HTTP).
	Endpoint  string
	AccessKey string
	SecretKey string
	// Dir is the data directory (the parent of the drives when Drives is set).
	Dir string
	// Drives are the drive directories of an erasure-coded server
	// (StartDrives); nil for a single-directory server.
	Drives []string

	bin     string
	console string
	home    string
	ownDir  string // removed by Stop when set (shared server)

	mu     sync.Mutex
	cmd    *exec.Cmd
	out    *syncBuffer
	waited chan struct{}
}

// URL is "http://" + Endpoint.
func (s *Server) URL() string { return "http://" + s.Endpoint }

// Binary finds the minio binary: $GOV_MINIO_BIN, else
// <repo root>/.cache/tools/minio. It returns "" when there is none.
func Binary() string {
	if b := os.Getenv("GOV_MINIO_BIN"); b != "" {
		if isExec(b) {
			return b
		}
		return ""
	}
	root := repoRoot()
	if root == "" {
		return ""
	}
	b := filepath.Join(root, ".cache", "tools", "minio")
	if isExec(b) {
		return b
	}
	return ""
}

func isExec(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0
}

// repoRoot walks up from the working directory to the directory holding
// go.mod.
func repoRoot() string {
	dir, err := os.Getwd()
	if err != nil {
		return ""
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
}

// binaryOrSkip returns the binary or ends the test: Fatal under CI, Skip
// otherwise.
func binaryOrSkip(t testing.TB) string {
	t.Helper()
	b := Binary()
	if b != "" {
		return b
	}
	where := "$GOV_MINIO_BIN=" + os.Getenv("GOV_MINIO_BIN")
	if os.Getenv("GOV_MINIO_BIN") == "" {
		where = filepath.Join(repoRoot(), ".cache", "tools", "minio")
	}
	if os.Getenv("CI") != "" {
		t.Fatalf("MinIO tests cannot run: no minio binary at %s (CI must not skip them; run `make minio` first)", where)
	}
	t.Skipf("\n*** SKIPPING MinIO tests: no minio binary at %s; run `make minio` ***", where)
	return ""
}

// Start runs a private server for t, stopped (and its data removed) by
// t.Cleanup.
func Start(t testing.TB) *Server {
	t.Helper()
	bin := binaryOrSkip(t)
	dir := t.TempDir()
	s, err := start(bin, filepath.Join(dir, "data"), filepath.Join(dir, "home"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Stop)
	return s
}

// StartDrives runs a private erasure-coded server over n drive
// directories (n ≥ 4), as a distributed deployment spreads each object's
// data and parity shards over its drives.
func StartDrives(t testing.TB, n int) *Server {
	t.Helper()
	bin := binaryOrSkip(t)
	dir := t.TempDir()
	s := &Server{Dir: filepath.Join(dir, "data")}
	for i := 1; i <= n; i++ {
		s.Drives = append(s.Drives, filepath.Join(s.Dir, fmt.Sprintf("d%d", i)))
	}
	s, err := startServer(bin, s, filepath.Join(dir, "home"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Stop)
	return s
}

var (
	sharedMu  sync.Mutex
	shared    *Server
	sharedErr error
)

// Shared returns the test binary's shared server, starting it on first
// use. Stop it with StopShared (from TestMain); tests must not Stop or
// Restart it.
func Shared(t testing.TB) *Server {
	t.Helper()
	bin := binaryOrSkip(t)
	sharedMu.Lock()
	defer sharedMu.Unlock()
	if shared == nil && sharedErr == nil {
		dir, err := os.MkdirTemp("", "miniotest-")
		if err != nil {
			sharedErr = err
		} else if shared, err = start(bin, filepath.Join(dir, "data"), filepath.Join(dir, "home")); err != nil {
			sharedErr = err
			os.RemoveAll(dir)
		} else {
			shared.ownDir = dir
		}
	}
	if sharedErr != nil {
		t.Fatalf("shared MinIO: %v", sharedErr)
	}
	return shared
}

// StopShared stops the shared server, if one was started, and removes its
// data. Safe to call more than once.
func StopShared() {
	sharedMu.Lock()
	defer sharedMu.Unlock()
	if shared != nil {
		shared.Stop()
		shared = nil
	}
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// freePort finds a free TCP port on 127.0.0.1.
func freePort() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

func start(bin, dataDir, home string) (*Server, error) {
	return startServer(bin, &Server{Dir: dataDir}, home)
}

func startServer(bin string, s *Server, home string) (*Server, error) {
	for _, d := range append([]string{s.Dir, home}, s.Drives...) {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return nil, err
		}
	}
	s.AccessKey, s.SecretKey = "mt"+randomHex(8), randomHex(20)
	s.bin, s.home = bin, home
	var lastErr error
	for attempt := 0; attempt < 3; attempt++ { // a grabbed port is retried
		var err error
		if s.Endpoint, err = freePort(); err != nil {
			return nil, err
		}
		if s.console, err = freePort(); err != nil {
			return nil, err
		}
		if lastErr = s.launch(); lastErr == nil {
			return s, nil
		}
	}
	return nil, lastErr
}

// launch runs the binary on s's address and waits for it to be live.
func (s *Server) launch() error {
	dirs := []string{s.Dir}
	if len(s.Drives) > 0 {
		dirs = s.Drives
	}
	args := append(append([]string{"server"}, dirs...), "--address", s.Endpoint, "--console-address", s.console, "--quiet")
	cmd := exec.Command(s.bin, args...)
	cmd.Env = append(os.Environ(),
		"MINIO_ROOT_USER="+s.AccessKey,
		"MINIO_ROOT_PASSWORD="+s.SecretKey,
		"MINIO_BROWSER=off",
		"MINIO_CI_CD=on",
		"MINIO_UPDATE=off",
		"HOME="+s.home,
	)
	out := &syncBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	cmd.SysProcAttr = sysProcAttr()
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("miniotest: start %s: %w", s.bin, err)
	}
	waited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(waited) }()
	s.mu.Lock()
	s.cmd, s.out, s.waited = cmd, out, waited
	s.mu.Unlock()

	client := &http.Client{Timeout: 2 * time.Second}
	deadline := time.Now().Add(StartTimeout)
	for time.Now().Before(deadline) {
		select {
		case <-waited:
			return fmt.Errorf("miniotest: minio exited during start (%v); output:\n%s", cmd.ProcessState, out.String())
		default:
		}
		// ready answers before the object layer takes writes; cluster
		// answers 200 only once it has write quorum
		if healthy(client, "http://"+s.Endpoint+"/minio/health/ready") && healthy(client, "http://"+s.Endpoint+"/minio/health/cluster") {
			return nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	s.kill()
	return fmt.Errorf("miniotest: minio not live at %s after %s; output:\n%s", s.Endpoint, StartTimeout, out.String())
}

func healthy(client *http.Client, url string) bool {
	resp, err := client.Get(url)
	if err != nil {
		return false
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

// kill stops the process group and waits.
func (s *Server) kill() {
	s.mu.Lock()
	cmd, waited := s.cmd, s.waited
	s.cmd = nil
	s.mu.Unlock()
	if cmd == nil {
		return
	}
	killGroup(cmd)
	select {
	case <-waited:
	case <-time.After(10 * time.Second):
	}
}

// Stop kills the server and waits for it. The data directory stays (for
// Restart) unless this is the shared server. Safe to call twice.
func (s *Server) Stop() {
	s.kill()
	if s.ownDir != "" {
		os.RemoveAll(s.ownDir)
	}
}

// Restart starts a stopped server again on the same address and data.
func (s *Server) Restart(t testing.TB) {
	t.Helper()
	s.kill()
	var err error
	for i := 0; i < 50; i++ { // the port may linger briefly
		if err = s.launch(); err == nil {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatal(err)
}

// Output is what the server has printed so far.
func (s *Server) Output() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.out == nil {
		return ""
	}
	return s.out.String()
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.b.Len() > 1<<20 {
		return len(p), nil
	}
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}
