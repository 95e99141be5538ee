// Package browsertest drives a real headless Chromium through the DevTools
// protocol (chromedp) for tests: what a reader's browser does with a page,
// not what a regexp thinks of its HTML. A Browser records what its tab
// reports (console errors, log entries, exceptions, dialogs, every
// request) so a test can fail on a script that ran or a fetch that left
// the machine. Tests skip when no Chromium is installed, except in CI,
// where a missing browser is a failure. Only tests import this package.
package browsertest

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	cdpbrowser "github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// Chromium finds a Chromium or Chrome binary; PRAXIS_CHROMIUM names one
// explicitly. "" when there is none.
func Chromium() string {
	if p := os.Getenv("PRAXIS_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"/usr/bin/chromium", "chromium", "chromium-browser", "google-chrome-stable", "google-chrome", "headless-shell"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// Browser is one headless Chromium with one tab, and what the tab
// reported since the last Take.
type Browser struct {
	T   *testing.T
	Ctx context.Context // the tab's chromedp context

	mu       sync.Mutex
	console  []string // console errors and warnings, log entries of level error or warning
	dialogs  []string
	requests []string // every URL the tab asked for
	blocked  []string // requests the browser blocked, and why
}

// timeout bounds every step, so a hung page fails the test.
const timeout = 30 * time.Second

// New starts Chromium at a 1280×900 viewport, or skips the test when there
// is none (failing instead when CI is set). The browser ends with the
// test. Every host but the loopback test server fails to resolve, so
// nothing leaves the machine even if a page asks; the request is still
// announced, so Check sees it.
func New(t *testing.T) *Browser {
	t.Helper()
	path := Chromium()
	if path == "" {
		if os.Getenv("CI") == "" {
			t.Skip("no Chromium found (set PRAXIS_CHROMIUM); browser tests skipped")
		}
		t.Fatal("CI is set but no Chromium was found: install chromium or set PRAXIS_CHROMIUM")
	}
	// Chromium keeps its singleton lock and socket in a directory of
	// its own under TMPDIR and leaves it behind: one a browser, in
	// /tmp, on every run of the tests. The test's own temporary
	// directory goes with the test (after the browser, whose cleanup
	// was registered later and so runs first).
	tmp := t.TempDir()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.Env("TMPDIR="+tmp),
		chromedp.Flag("headless", true),
		chromedp.NoSandbox, // CI runs the tests as root
		chromedp.Flag("disable-gpu", true),
		chromedp.WindowSize(1280, 900),
		chromedp.Flag("lang", "en-US"),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("host-resolver-rules", "MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(allocCtx)
	t.Cleanup(func() {
		cancel()
		cancelAlloc()
	})
	// The first Do starts the browser; it must have no deadline, or the
	// deadline would end the browser.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("starting %s: %v", path, err)
	}
	b := &Browser{T: t, Ctx: ctx}
	if err := chromedp.Listen(ctx, b.record); err != nil {
		t.Fatal(err)
	}
	// The remote-fetch check depends on the network events: make sure
	// the Network domain is on.
	if _, err := chromedp.Call(ctx, network.Enable, network.EnableParams{}); err != nil {
		t.Fatal(err)
	}
	if v, err := chromedp.CallBrowser(ctx, cdpbrowser.GetVersion, cdp.Empty{}); err == nil {
		t.Logf("browser: %s (%s)", v.Product, path)
	}
	b.Desktop()
	return b
}

// record runs in the tab's event loop: it must be quick and must not call
// the browser (see chromedp.Listen).
func (b *Browser) record(ev any) {
	b.mu.Lock()
	defer b.mu.Unlock()
	switch ev := ev.(type) {
	case *runtime.EventConsoleAPICalled:
		if ev.Type == runtime.ConsoleAPICalledTypeError || ev.Type == runtime.ConsoleAPICalledTypeWarning || ev.Type == runtime.ConsoleAPICalledTypeAssert {
			var args []string
			for _, a := range ev.Args {
				args = append(args, string(a.Value)+a.Description)
			}
			b.console = append(b.console, fmt.Sprintf("console.%s: %s", ev.Type, strings.Join(args, " ")))
		}
	case *runtime.EventExceptionThrown:
		// No page runs script, so any exception means one did.
		d := ev.ExceptionDetails
		desc := ""
		if d.Exception != nil {
			desc = d.Exception.Description
		}
		b.console = append(b.console, "exception: "+d.Text+" "+desc)
	case *log.EventEntryAdded:
		// CSP violations, blocked mixed content, failed loads and
		// deprecations arrive here as entries of the browser's log.
		e := ev.Entry
		// The browser asks for /favicon.ico on its own: that is not the
		// page's doing.
		if e.Source == log.EntrySourceNetwork && strings.HasSuffix(e.URL, "/favicon.ico") {
			return
		}
		if e.Level == log.EntryLevelError || e.Level == log.EntryLevelWarning {
			b.console = append(b.console, fmt.Sprintf("log %s/%s: %s %s", e.Source, e.Level, e.Text, e.URL))
		}
	case *page.EventJavascriptDialogOpening:
		b.dialogs = append(b.dialogs, fmt.Sprintf("%s dialog %q on %s", ev.Type, ev.Message, ev.URL))
		// A dialog blocks the page until someone answers; answer it from
		// another goroutine so the test fails instead of hanging.
		ctx := b.Ctx
		go chromedp.Call(ctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: false})
	case *network.EventRequestWillBeSent:
		b.requests = append(b.requests, ev.Request.URL)
	case *network.EventLoadingFailed:
		if ev.BlockedReason != "" {
			b.blocked = append(b.blocked, fmt.Sprintf("%s: %s (%s)", ev.Type, ev.BlockedReason, ev.ErrorText))
		}
	}
}

// Report is what the tab reported between two Takes.
type Report struct {
	Console, Dialogs, Requests, Blocked []string
}

// Take returns and forgets what the tab reported so far.
func (b *Browser) Take() Report {
	b.mu.Lock()
	defer b.mu.Unlock()
	r := Report{b.console, b.dialogs, b.requests, b.blocked}
	b.console, b.dialogs, b.requests, b.blocked = nil, nil, nil, nil
	return r
}

// Offsite returns the requests that went anywhere but origin (the test
// server); about:, data: and blob: URLs fetch nothing.
func (r Report) Offsite(origin string) []string {
	var out []string
	for _, u := range r.Requests {
		pu, err := url.Parse(u)
		if err != nil {
			out = append(out, u)
			continue
		}
		switch pu.Scheme {
		case "about", "data", "blob":
			continue
		}
		if pu.Scheme+"://"+pu.Host != origin {
			out = append(out, u)
		}
	}
	return out
}

// Check fails the test when the tab reported console errors, dialogs,
// blocked requests or requests to other hosts since the last Take.
func (b *Browser) Check(where, origin string) Report {
	b.T.Helper()
	r := b.Take()
	for _, c := range r.Console {
		b.T.Errorf("%s: %s", where, c)
	}
	for _, d := range r.Dialogs {
		b.T.Errorf("%s: a %s opened", where, d)
	}
	for _, u := range r.Offsite(origin) {
		b.T.Errorf("%s: remote fetch of %s", where, u)
	}
	for _, bl := range r.Blocked {
		b.T.Errorf("%s: the browser blocked a request: %s", where, bl)
	}
	return r
}

// Navigate loads u and returns the response (nil when there was none).
func (b *Browser) Navigate(u string) *network.Response {
	b.T.Helper()
	ctx, cancel := context.WithTimeout(b.Ctx, timeout)
	defer cancel()
	resp, err := chromedp.Run(ctx, chromedp.NavigateResponse(u))
	if err != nil {
		b.T.Fatalf("navigating to %s: %v", u, err)
	}
	return resp
}

// Open loads u and returns the HTTP status of the page.
func (b *Browser) Open(u string) int64 {
	b.T.Helper()
	if resp := b.Navigate(u); resp != nil {
		return resp.Status
	}
	return 0
}

// Follow runs steps that make the page navigate (a click, a submit) and
// waits for the new page; it returns the new page's status.
func (b *Browser) Follow(what string, steps ...chromedp.Action[chromedp.Void]) int64 {
	b.T.Helper()
	ctx, cancel := context.WithTimeout(b.Ctx, timeout)
	defer cancel()
	resp, err := chromedp.RunResponse(ctx, steps...)
	if err != nil {
		b.T.Fatalf("%s: %v", what, err)
	}
	if resp == nil {
		return 0
	}
	return resp.Status
}

// Do runs steps that return nothing, failing the test on an error.
func (b *Browser) Do(what string, steps ...chromedp.Action[chromedp.Void]) {
	b.T.Helper()
	ctx, cancel := context.WithTimeout(b.Ctx, timeout)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		b.T.Fatalf("%s: %v", what, err)
	}
}

// Eval evaluates a JavaScript expression in the page and decodes its value
// into T. The expression comes from DevTools, not from the page, so the
// page's Content-Security-Policy (no script at all) does not stop it.
func Eval[T any](b *Browser, expr string) T {
	b.T.Helper()
	ctx, cancel := context.WithTimeout(b.Ctx, timeout)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		b.T.Fatalf("evaluating %.60q: %v", expr, err)
	}
	return v
}

// Location is the URL of the page shown.
func (b *Browser) Location() string {
	b.T.Helper()
	u, err := chromedp.Run(b.Ctx, chromedp.Location())
	if err != nil {
		b.T.Fatal(err)
	}
	return u
}

// ScreenshotDir is where screenshots go: PRAXIS_SCREENSHOTS when set (to
// keep them after the test), else a temporary directory.
func ScreenshotDir(t *testing.T) string {
	if d := os.Getenv("PRAXIS_SCREENSHOTS"); d != "" {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		return d
	}
	return t.TempDir()
}

// Screenshot saves a full-page PNG of the page shown as dir/name.png.
func (b *Browser) Screenshot(dir, name string) string {
	b.T.Helper()
	ctx, cancel := context.WithTimeout(b.Ctx, timeout)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)) // 100: PNG
	if err != nil {
		b.T.Fatalf("screenshot %s: %v", name, err)
	}
	path := filepath.Join(dir, name+".png")
	if err := os.WriteFile(path, png, 0o644); err != nil {
		b.T.Fatal(err)
	}
	b.T.Logf("screenshot %s", path)
	return path
}

// Phone and Desktop switch the tab's viewport: a 360 CSS px wide phone
// (touch, mobile meta-viewport rules) or a 1280 px desktop.
func (b *Browser) Phone() {
	b.T.Helper()
	b.Do("phone viewport", chromedp.EmulateViewport(360, 740, chromedp.EmulateMobile, chromedp.EmulateTouch, chromedp.EmulatePortrait))
}

func (b *Browser) Desktop() {
	b.T.Helper()
	b.Do("desktop viewport", chromedp.EmulateViewport(1280, 900))
}
