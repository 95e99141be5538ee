package web

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

// The browser tests drive a real headless Chromium through the DevTools
// protocol (chromedp): what a reader's browser does with the pages, not
// what a regexp thinks of the HTML. They skip when no Chromium is
// installed, except in CI, where a missing browser is a failure.

// chromiumPath finds a Chromium or Chrome binary; PRAXIS_CHROMIUM names
// one explicitly.
func chromiumPath() string {
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

// browser is one headless Chromium with one tab, and what the tab
// reported: console messages, log entries, exceptions, dialogs and every
// network request.
type browser struct {
	t   *testing.T
	ctx context.Context // the tab's chromedp context

	mu       sync.Mutex
	console  []string // console errors and warnings, log entries of level error or warning
	dialogs  []string
	requests []string // every URL the tab asked for
	blocked  []string // requests the browser blocked, and why

	shots int // screenshots saved
}

// newBrowser starts Chromium, or skips the test when there is none
// (failing instead when CI is set). The browser ends with the test.
func newBrowser(t *testing.T) *browser {
	t.Helper()
	path := chromiumPath()
	if path == "" {
		if os.Getenv("CI") == "" {
			t.Skip("no Chromium found (set PRAXIS_CHROMIUM); browser tests skipped")
		}
		t.Fatal("CI is set but no Chromium was found: install chromium or set PRAXIS_CHROMIUM")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.Flag("headless", true),
		chromedp.NoSandbox, // CI runs the tests as root
		chromedp.Flag("disable-gpu", true),
		chromedp.WindowSize(1280, 900),
		chromedp.Flag("lang", "en-US"),
		// The tests use the loopback server only; nothing else should be
		// contacted, and the checks below would notice if a page did.
		chromedp.Flag("disable-extensions", true),
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
	b := &browser{t: t, ctx: ctx}
	if err := chromedp.Listen(ctx, b.record); err != nil {
		t.Fatal(err)
	}
	// chromedp enables the Network, Log and Runtime domains when it
	// attaches a tab; say so here, since the remote-fetch check depends
	// on the network events.
	if _, err := chromedp.Call(ctx, network.Enable, network.EnableParams{}); err != nil {
		t.Fatal(err)
	}
	if v, err := chromedp.CallBrowser(ctx, cdpbrowser.GetVersion, cdp.Empty{}); err == nil {
		t.Logf("browser: %s (%s)", v.Product, path)
	}
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1280, 900)); err != nil {
		t.Fatal(err)
	}
	return b
}

// record runs in the tab's event loop: it must be quick and must not
// call the browser (see chromedp.Listen).
func (b *browser) record(ev any) {
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
		b.console = append(b.console, "exception: "+ev.ExceptionDetails.Text+" "+exceptionDescription(ev.ExceptionDetails))
	case *log.EventEntryAdded:
		// CSP violations, blocked mixed content, failed loads and
		// deprecations arrive here as entries of the browser's log.
		e := ev.Entry
		// The browser asks for /favicon.ico on its own, and the archive
		// has none: that 404 is not the page's doing.
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
		ctx := b.ctx
		go chromedp.Call(ctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: false})
	case *network.EventRequestWillBeSent:
		b.requests = append(b.requests, ev.Request.URL)
	case *network.EventLoadingFailed:
		if ev.BlockedReason != "" {
			b.blocked = append(b.blocked, fmt.Sprintf("%s: %s (%s)", ev.Type, ev.BlockedReason, ev.ErrorText))
		}
	}
}

func exceptionDescription(d *runtime.ExceptionDetails) string {
	if d.Exception != nil {
		return d.Exception.Description
	}
	return ""
}

// report is what the tab saw since the last call.
type report struct {
	console, dialogs, requests, blocked []string
}

// take returns and forgets what the tab reported so far.
func (b *browser) take() report {
	b.mu.Lock()
	defer b.mu.Unlock()
	r := report{b.console, b.dialogs, b.requests, b.blocked}
	b.console, b.dialogs, b.requests, b.blocked = nil, nil, nil, nil
	return r
}

// offsite returns the requests that went anywhere but origin (the test
// server); data: and about: URLs fetch nothing.
func (r report) offsite(origin string) []string {
	var out []string
	for _, u := range r.requests {
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

// check fails the test when the tab reported console errors, dialogs,
// blocked requests or requests to other hosts since the last take.
func (b *browser) check(where, origin string) report {
	b.t.Helper()
	r := b.take()
	for _, c := range r.console {
		b.t.Errorf("%s: %s", where, c)
	}
	for _, d := range r.dialogs {
		b.t.Errorf("%s: a %s opened", where, d)
	}
	for _, u := range r.offsite(origin) {
		b.t.Errorf("%s: remote fetch of %s", where, u)
	}
	for _, bl := range r.blocked {
		b.t.Errorf("%s: the browser blocked a request: %s", where, bl)
	}
	return r
}

// open navigates to u and returns the HTTP status of the page.
func (b *browser) open(u string) int64 {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	resp, err := chromedp.Run(ctx, chromedp.NavigateResponse(u))
	if err != nil {
		b.t.Fatalf("navigating to %s: %v", u, err)
	}
	if resp == nil {
		return 0
	}
	return resp.Status
}

// follow runs steps that make the page navigate (a click, a submit) and
// waits for the new page; it returns the new page's status.
func (b *browser) follow(what string, steps ...chromedp.Action[chromedp.Void]) int64 {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	resp, err := chromedp.RunResponse(ctx, steps...)
	if err != nil {
		b.t.Fatalf("%s: %v", what, err)
	}
	if resp == nil {
		return 0
	}
	return resp.Status
}

// do runs steps that return nothing, failing the test on an error.
func (b *browser) do(what string, steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		b.t.Fatalf("%s: %v", what, err)
	}
}

// eval evaluates a JavaScript expression in the page and decodes its
// value into T. The expression comes from DevTools, not from the page,
// so the page's Content-Security-Policy (no script at all) does not stop
// it.
func eval[T any](b *browser, expr string) T {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		b.t.Fatalf("evaluating %.60q: %v", expr, err)
	}
	return v
}

// location is the URL of the page shown.
func (b *browser) location() string {
	b.t.Helper()
	u, err := chromedp.Run(b.ctx, chromedp.Location())
	if err != nil {
		b.t.Fatal(err)
	}
	return u
}

// screenshotDir is where screenshots go: PRAXIS_SCREENSHOTS when set (to
// keep them after the test), else a temporary directory.
func screenshotDir(t *testing.T) string {
	if d := os.Getenv("PRAXIS_SCREENSHOTS"); d != "" {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		return d
	}
	return t.TempDir()
}

// screenshot saves a full-page PNG of the page shown as dir/name.png.
func (b *browser) screenshot(dir, name string) string {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		b.t.Fatalf("screenshot %s: %v", name, err)
	}
	path := filepath.Join(dir, name+".png")
	if err := os.WriteFile(path, png, 0o644); err != nil {
		b.t.Fatal(err)
	}
	b.shots++
	b.t.Logf("screenshot %s", path)
	return path
}

// phone and desktop switch the tab's viewport: a 360 CSS px wide
// phone (touch, mobile meta-viewport rules) or a 1280 px desktop.
func (b *browser) phone() {
	b.t.Helper()
	b.do("phone viewport", chromedp.EmulateViewport(360, 740, chromedp.EmulateMobile, chromedp.EmulateTouch, chromedp.EmulatePortrait))
}

func (b *browser) desktop() {
	b.t.Helper()
	b.do("desktop viewport", chromedp.EmulateViewport(1280, 900))
}

// overflow is how the page's content overflows the viewport sideways:
// scroll width against viewport width, and the widest elements that
// stick out (to find the culprit).
type overflow struct {
	ScrollWidth int      `json:"scrollWidth"`
	Viewport    int      `json:"viewport"`
	Culprits    []string `json:"culprits"`
}

const overflowJS = `(() => {
	const vw = document.documentElement.clientWidth;
	const culprits = [];
	for (const el of document.body.querySelectorAll('*')) {
		const r = el.getBoundingClientRect();
		if (r.right > vw + 1 && culprits.length < 5) {
			let name = el.tagName.toLowerCase();
			if (el.id) name += '#' + el.id;
			if (el.className && typeof el.className === 'string') name += '.' + el.className.trim().split(/\s+/).join('.');
			culprits.push(name + ' right=' + Math.round(r.right));
		}
	}
	return {scrollWidth: document.documentElement.scrollWidth, viewport: vw, culprits};
})()`

// noSideScroll fails the test when the page is wider than the viewport.
func (b *browser) noSideScroll(where string) {
	b.t.Helper()
	o := eval[overflow](b, overflowJS)
	if o.ScrollWidth > o.Viewport {
		b.t.Errorf("%s: the page scrolls sideways: %d px wide in a %d px viewport; sticking out: %v", where, o.ScrollWidth, o.Viewport, o.Culprits)
	}
}

// visible tells whether the first element matching a CSS selector is
// rendered (not display:none, not inside a closed <details>).
func (b *browser) visible(sel string) bool {
	b.t.Helper()
	return eval[bool](b, fmt.Sprintf(`(() => { const e = document.querySelector(%q); return !!e && e.checkVisibility(); })()`, sel))
}

// text is the rendered text (innerText) of the first element matching
// sel, or "" when there is none.
func (b *browser) text(sel string) string {
	b.t.Helper()
	return eval[string](b, fmt.Sprintf(`(() => { const e = document.querySelector(%q); return e ? e.innerText : ""; })()`, sel))
}
