package web

import (
	"bytes"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"praxis/templates"
)

// The review of the download hardening, each reproduced: posts loaded
// before a slot was taken, slow exports holding the slots of the posts,
// and no word about a reverse proxy left untrusted.

// quietDownloads keeps stalled downloads running for the whole test:
// neither the stall nor the rate floor cuts them.
func (f *archiveFixture) quietDownloads() {
	f.srv.cfg.WriteStall = 10 * time.Minute
	f.srv.cfg.DownloadMinRateAfter = 10 * time.Minute
}

// attachmentURL finds the hostile post's attachment link.
func (f *archiveFixture) attachmentURL(t *testing.T) string {
	t.Helper()
	_, body, _ := get(t, f.client(t), f.ts.URL+"/m/"+url.PathEscape("evil/1@example.com"))
	a := regexp.MustCompile(`href="(/m/[^"]+/a/[^"]+)"`).FindStringSubmatch(body)
	if a == nil {
		t.Fatal("no attachment link")
	}
	return a[1]
}

// A hundred raw requests for a big post used to load it a hundred times
// before all but eight were refused. Now the slot comes first: with the
// post slots full, further raw and attachment requests are refused
// (429 for a client with its two, 503 for another) and load nothing.
func TestRefusedDownloadsLoadNothing(t *testing.T) {
	f := newArchiveFixture(t)
	f.behindProxy()
	f.quietDownloads()
	_, id := f.bigPost(t)
	attach := f.attachmentURL(t)
	ts := f.smallBufferServer(t)
	addr := strings.TrimPrefix(ts.URL, "http://")
	holders := downloadsInAll / downloadsPerClient
	for i := range holders {
		for range downloadsPerClient {
			stalledGet(t, addr, "/m/"+id+"/raw", fmt.Sprintf("198.51.100.%d", i+1))
		}
	}
	waitFor(t, "the post slots held", func() bool { active, _, _ := f.srv.posts.stats(); return active == downloadsInAll })
	if n := f.srv.postLoads.Load(); n != downloadsInAll {
		t.Fatalf("%d posts loaded for %d downloads", n, downloadsInAll)
	}
	holder, other := f.clientFrom(t, "198.51.100.1"), f.clientFrom(t, "198.51.100.200")
	for _, tt := range []struct {
		c    *http.Client
		path string
		want int
	}{
		{holder, "/m/" + id + "/raw", http.StatusTooManyRequests},
		{holder, attach, http.StatusTooManyRequests},
		{other, "/m/" + id + "/raw", http.StatusServiceUnavailable},
		{other, attach, http.StatusServiceUnavailable},
	} {
		if status, _, _ := get(t, tt.c, ts.URL+tt.path); status != tt.want {
			t.Errorf("%s with the slots full: %d, want %d", tt.path, status, tt.want)
		}
	}
	if n := f.srv.postLoads.Load(); n != downloadsInAll {
		t.Errorf("%d posts loaded, want %d: the refused requests loaded theirs", n, downloadsInAll)
	}
	if _, refused, _ := f.srv.posts.stats(); refused != 4 {
		t.Errorf("%d downloads refused, want 4", refused)
	}
}

// Four addresses with two slow exports each used to hold all eight
// download slots, so everyone's raw and attachment links answered 503.
// The exports have their own slots now: with all of them held, another
// export is refused, and a post and an attachment are still served.
func TestPostsServedWhileExportsHeld(t *testing.T) {
	f := newArchiveFixture(t)
	f.behindProxy()
	f.quietDownloads()
	list, _ := f.bigPost(t)
	attach := f.attachmentURL(t)
	ts := f.smallBufferServer(t)
	addr := strings.TrimPrefix(ts.URL, "http://")
	for i := range downloadsInAll / downloadsPerClient {
		for range downloadsPerClient {
			stalledGet(t, addr, "/l/"+list+"/export.mbox.gz", fmt.Sprintf("198.51.100.%d", i+1))
		}
	}
	waitFor(t, "the export slots held", func() bool { active, _, _ := f.srv.exports.stats(); return active == downloadsInAll })
	c := f.clientFrom(t, "198.51.100.200")
	if status, _, _ := get(t, c, ts.URL+"/l/"+list+"/export.mbox.gz"); status != http.StatusServiceUnavailable {
		t.Errorf("another export with the export slots full: %d, want 503", status)
	}
	status, body, _ := get(t, c, ts.URL+"/m/"+url.PathEscape("evil/1@example.com")+"/raw")
	if status != http.StatusOK || !strings.Contains(body, "Message-ID: <evil/1@example.com>") {
		t.Errorf("a raw post with the export slots full: %d, %d bytes", status, len(body))
	}
	status, body, _ = get(t, c, ts.URL+attach)
	if status != http.StatusOK || !strings.Contains(body, "alert(4)") {
		t.Errorf("an attachment with the export slots full: %d, %q", status, body)
	}
}

// A reader taking a little at a time, never long enough to stall a
// chunk, used to keep its export slot as long as it liked. Now an export
// read more slowly on average than the floor is cut once the floor
// applies. (Scaled down: the reader takes 1 KiB every 20 ms, at most
// 50 KiB/s, under a floor of 256 KiB/s that applies after 200 ms.)
func TestSlowExportCut(t *testing.T) {
	f := newArchiveFixture(t)
	f.srv.cfg.WriteStall = 10 * time.Minute // only the floor cuts
	f.srv.cfg.DownloadMinRate = 256 << 10
	f.srv.cfg.DownloadMinRateAfter = 200 * time.Millisecond
	list, _ := f.bigPost(t)
	ts := f.smallBufferServer(t)
	d := net.Dialer{Control: func(_, _ string, rc syscall.RawConn) error {
		return rc.Control(func(fd uintptr) { syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 4096) })
	}}
	conn, err := d.Dial("tcp", strings.TrimPrefix(ts.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "GET /l/%s/export.mbox.gz HTTP/1.1\r\nHost: archive.test\r\nConnection: close\r\n\r\n", list)
	// Read slowly until the server ends the answer, one way or the
	// other; the export is about 1 MB, so at most ~1,000 reads.
	buf := make([]byte, 1024)
	got := 0
	for i := 0; i < 5000; i++ {
		n, err := conn.Read(buf)
		got += n
		if err != nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if _, _, cut := f.srv.exports.stats(); cut != 1 {
		t.Errorf("a slow export: %d cut, want 1 (the client read %d bytes)", cut, got)
	}
	if got >= 1<<20*3/4 {
		t.Errorf("a slow export sent %d bytes, the whole of it", got)
	}
}

// The floor's deadline: the time at which what was written and the next
// chunk make the floor's average, never within the first minAfter.
func TestFloorDeadline(t *testing.T) {
	start := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		written, size, rate int64
		want                time.Duration
	}{
		{0, 32 << 10, 8 << 10, time.Minute},                                      // 4 s of bytes: the minute first
		{1 << 20, 32 << 10, 8 << 10, 132 * time.Second},                          // 1 MiB + 32 KiB at 8 KiB/s
		{1 << 40, 32 << 10, 1, 365 * 24 * time.Hour},                             // capped, never overflows
		{1 << 20, 0, 0, 100 * 365 * 24 * time.Hour},                              // no floor
		{100 << 20, 32 << 10, 1 << 20, 100*time.Second + 31250*time.Microsecond}, // 100 MiB + 32 KiB at 1 MiB/s
	}
	for _, tt := range tests {
		d := &deadlineWriter{start: start, written: tt.written, minRate: tt.rate, minAfter: time.Minute}
		if got := d.floorDeadline(tt.size).Sub(start); got != tt.want {
			t.Errorf("%d written, %d more at %d B/s: due after %s, want %s", tt.written, tt.size, tt.rate, got, tt.want)
		}
	}
}

// Behind a reverse proxy without --trusted-proxy every user is the
// proxy, and one user's requests refuse everyone's. Serve keeps trusting
// no proxy by default, but says so at start when the base URL is https.
func TestProxyWarning(t *testing.T) {
	proxy := []netip.Prefix{netip.MustParsePrefix("10.0.0.1/32")}
	tests := []struct {
		cfg  Config
		warn bool
	}{
		{Config{Secure: true}, true},
		{Config{Secure: true, TrustedProxies: proxy}, false},
		{Config{}, false},
		{Config{TrustedProxies: proxy}, false},
	}
	tpl := templates.MustParse()
	for _, tt := range tests {
		if got := proxyUnset(tt.cfg); got != tt.warn {
			t.Errorf("Secure %v, %d proxies: warn %v, want %v", tt.cfg.Secure, len(tt.cfg.TrustedProxies), got, tt.warn)
		}
		var logged bytes.Buffer
		New(tt.cfg, Deps{}, tpl, slog.New(slog.NewTextHandler(&logged, nil)))
		if got := strings.Contains(logged.String(), "set --trusted-proxy"); got != tt.warn {
			t.Errorf("Secure %v, %d proxies: New logged %q, want the warning %v", tt.cfg.Secure, len(tt.cfg.TrustedProxies), logged.String(), tt.warn)
		}
	}
}
