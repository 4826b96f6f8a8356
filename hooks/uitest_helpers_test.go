package hooks_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"govcollab/hooks"
	"govcollab/hooks/apptest"
)

// Browser tests: the real app (demo-seeded, wired like `serve --demo`)
// behind an httptest server on 127.0.0.1, driven by headless Debian
// Chromium through chromedp. Every step has its own timeout so a broken
// page fails in seconds, not at the suite deadline.

const (
	chromiumPath = "/usr/bin/chromium"
	stepTimeout  = 15 * time.Second
	// browserBudget bounds the whole browser session of one test.
	browserBudget = 3 * time.Minute
)

// startUIServer serves a fresh demo app and returns its base URL and the
// wired application.
func startUIServer(t *testing.T) (string, *hooks.Gov) {
	t.Helper()
	app, g := apptest.New(t)
	t.Cleanup(app.Cleanup)

	return apptest.Serve(t, app), g
}

// findChromium returns the browser binary, or skips (locally) / fails (CI)
// when it is missing.
func findChromium(t *testing.T) string {
	t.Helper()
	if _, err := os.Stat(chromiumPath); err == nil {
		return chromiumPath
	}
	if p, err := exec.LookPath("chromium"); err == nil {
		return p
	}
	msg := "chromium not found at " + chromiumPath + ": the browser tests did NOT run " +
		"(install it: apt-get install chromium fonts-noto-cjk)"
	if os.Getenv("CI") != "" {
		t.Fatal(msg)
	}
	t.Skip("\n\n!!!!!!!! SKIPPED UI TESTS !!!!!!!!\n" + msg + "\n!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n")
	return ""
}

// browser is one headless Chromium tab plus the page's console problems.
type browser struct {
	t   *testing.T
	ctx context.Context

	mu       sync.Mutex
	problems []string
}

// newBrowser starts Chromium with a throwaway profile and one tab.
func newBrowser(t *testing.T) *browser {
	t.Helper()
	exe := findChromium(t)
	profile, err := os.MkdirTemp("", "gov-ui-chromium-")
	if err != nil {
		t.Fatal(err)
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(exe),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("lang", "zh-CN"),
		chromedp.UserDataDir(profile),
		chromedp.WindowSize(1280, 900),
	)
	budget, cancelBudget := context.WithTimeout(context.Background(), browserBudget)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(budget, opts...)
	ctx, cancelCtx := chromedp.NewContext(allocCtx)
	t.Cleanup(func() {
		cancelCtx()
		cancelAlloc() // waits for the browser to exit
		cancelBudget()
		_ = os.RemoveAll(profile)
	})
	// The first call starts the browser; its context must outlive the test
	// (a per-step timeout here would close the browser), so only the overall
	// budget bounds it.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("starting chromium: %v", err)
	}
	b := &browser{t: t, ctx: ctx}
	go b.collectConsole()
	return b
}

// collectConsole records uncaught exceptions and console errors (a CSP
// violation is one). Network entries (the expected 400/401 answers) are not.
func (b *browser) collectConsole() {
	for m, err := range chromedp.Console(b.ctx) {
		if err != nil {
			return
		}
		if m.Source == "network" {
			continue
		}
		if m.Type == chromedp.ConsoleError || m.Type == chromedp.ConsoleException {
			b.mu.Lock()
			b.problems = append(b.problems, fmt.Sprintf("%s (%s:%d)", m.Text, m.URL, m.Line+1))
			b.mu.Unlock()
		}
	}
}

// noConsoleProblems fails the test if the page logged errors so far.
func (b *browser) noConsoleProblems() {
	b.t.Helper()
	time.Sleep(100 * time.Millisecond) // let the last events arrive
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.problems) > 0 {
		b.t.Errorf("the page logged %d error(s):\n  %s", len(b.problems), strings.Join(b.problems, "\n  "))
	}
}

// step runs actions within stepTimeout; on failure it saves a screenshot
// and the page text, then fails the test.
func (b *browser) step(name string, actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		b.failure(name, err)
	}
}

// eval returns the value of a JavaScript expression.
func eval[T any](b *browser, expr string) T {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		b.failure("evaluate "+expr, err)
	}
	return v
}

func (b *browser) failure(name string, err error) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 5*time.Second)
	defer cancel()
	text, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body ? document.body.innerText : ''`))
	if png, serr := chromedp.Run(ctx, chromedp.FullScreenshot(100)); serr == nil {
		path := filepath.Join(screenshotDir(b.t), "FAILED-"+fileSafe(b.t.Name())+".png")
		if os.WriteFile(path, png, 0o644) == nil {
			b.t.Logf("failure screenshot: %s", path)
		}
	}
	b.t.Fatalf("%s: %v\npage text:\n%s", name, err, text)
}

// screenshot saves a PNG as test-output/screenshots/<name>.png: the whole
// page on a desktop; on a phone what the screen shows (a full-page capture
// would draw the fixed tab bar in the middle of a long page).
func (b *browser) screenshot(name string) string {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	shot := chromedp.FullScreenshot(100)
	if eval[float64](b, `window.innerWidth`) <= 600 {
		shot = chromedp.CaptureScreenshot()
	}
	png, err := chromedp.Run(ctx, shot)
	if err != nil {
		b.failure("screenshot "+name, err)
	}
	path := filepath.Join(screenshotDir(b.t), name+".png")
	if err := os.WriteFile(path, png, 0o644); err != nil {
		b.t.Fatal(err)
	}
	b.t.Logf("screenshot: %s", path)
	return path
}

// viewport sets the CSS width and height of the page (phones at 2× density).
func viewport(width, height int64) chromedp.Action[chromedp.Void] {
	scale := 1.0
	if width <= 600 {
		scale = 2
	}
	return chromedp.EmulateViewport(width, height, chromedp.EmulateScale(scale))
}

// waitText waits until the element's visible text contains want.
func waitText(selector, want string) chromedp.Action[chromedp.Void] {
	return chromedp.Poll[chromedp.Void](fmt.Sprintf(
		`(() => { const el = document.querySelector(%s); return !!el && el.innerText.includes(%s); })()`,
		jsString(selector), jsString(want)),
		chromedp.WithPollingInterval(50*time.Millisecond), chromedp.WithPollingTimeout(stepTimeout))
}

// waitJS waits until a JavaScript expression is truthy.
func waitJS(expr string) chromedp.Action[chromedp.Void] {
	return chromedp.Poll[chromedp.Void](expr,
		chromedp.WithPollingInterval(50*time.Millisecond), chromedp.WithPollingTimeout(stepTimeout))
}

// typeInto replaces an input's value by typing, as a user would.
func typeInto(id, text string) chromedp.Action[chromedp.Void] {
	return func(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
		// SetValue cannot set an empty value (it reads the value back), so clear with script.
		clear := fmt.Sprintf(`document.getElementById(%s).value = ''`, jsString(id))
		if _, err := chromedp.Evaluate[chromedp.Void](clear)(ctx, t); err != nil {
			return chromedp.Void{}, err
		}
		return chromedp.SendKeys(chromedp.ID(id), text)(ctx, t)
	}
}

func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

func fileSafe(s string) string {
	return strings.NewReplacer("/", "_", " ", "_").Replace(s)
}

// screenshotDir is test-output/screenshots at the repository root (the
// directory holding go.mod).
func screenshotDir(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("go.mod not found above the test directory")
		}
		dir = parent
	}
	out := filepath.Join(dir, "test-output", "screenshots")
	if err := os.MkdirAll(out, 0o755); err != nil {
		t.Fatal(err)
	}
	return out
}

// phone shows the page at 375 px once ready is visible, checks that nothing
// is wider than the phone, saves <name>-375 and returns to the desktop size.
func (b *browser) phone(name, ready string) {
	b.t.Helper()
	b.step(name+" on a phone", viewport(375, 812), chromedp.WaitVisible(chromedp.CSS(ready)),
		chromedp.Evaluate[chromedp.Void](`document.activeElement.blur(); window.scrollTo(0, 0)`))
	fitsPhone(b.t, b, name)
	b.screenshot(name + "-375")
	b.step("back to desktop", viewport(1280, 900))
}

// shot saves a desktop screenshot of the whole page from its top (a
// scrolled page would draw the sticky top bar in the middle).
func (b *browser) shot(name string) {
	b.t.Helper()
	b.step("scroll to the top", chromedp.Evaluate[chromedp.Void](`window.scrollTo(0, 0)`))
	b.screenshot(name)
}

// registerInbound registers the 收文 queue item row (a JS expression
// finding its <li>) into 市政府收文办理: 登记, choose the workflow, confirm.
func registerInbound(row string) []chromedp.Action[chromedp.Void] {
	return []chromedp.Action[chromedp.Void]{
		waitJS(`(() => { const el = ` + row + `?.querySelector('.inb-register'); if (!el) return false; el.click(); return true; })()`),
		waitJS(row + `.querySelector('select.inb-workflow option[value]:not([value=""])')`),
		chromedp.Evaluate[chromedp.Void](`(() => {
			const sel = ` + row + `.querySelector('select.inb-workflow');
			sel.value = [...sel.options].find(o => o.textContent.startsWith('市政府收文办理')).value;
			` + row + `.querySelector('form button[type="submit"]').click();
		})()`),
	}
}
