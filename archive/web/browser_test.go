package web

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"io/fs"
	"log/slog"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/emersion/go-message"

	"praxis/archive"
	"praxis/archive/index"
	"praxis/archive/mbox"
	"praxis/archive/render"
	"praxis/archive/web/browsertest"
	"praxis/listserv"
	"praxis/listserv/request"
	"praxis/listserv/store"
	"praxis/templates"
)

// A reader's journey through the archive in a real browser: the list
// of lists, a list, a search, a hit, its thread, a permalink. Each step
// checks what the reader sees, saves a full-page screenshot, and fails
// on any console error or CSP violation; the list and the thread are
// also shown on a 360 px phone, where nothing may scroll sideways.
func TestBrowserJourney(t *testing.T) {
	f := newArchiveFixture(t)
	b := newBrowser(t)
	origin := f.ts.URL
	shots := browsertest.ScreenshotDir(t)
	start := time.Now()

	// 1. The list of lists.
	if st := b.Open(origin + "/"); st != 200 {
		t.Fatalf("/: status %d", st)
	}
	if h := b.text("h1"); h != "Communities" {
		t.Errorf("home h1 = %q", h)
	}
	if !b.visible(`main a[href="/l/cop@example.org/"]`) || !strings.Contains(b.text("main"), "People who make things.") {
		t.Errorf("home does not show the Makers list: %q", b.text("main"))
	}
	if strings.Contains(b.text("body"), "Inner circle") {
		t.Error("home shows the private list to a visitor")
	}
	b.Screenshot(shots, "1-home")
	b.Check("home", origin)

	// 2. The cop list.
	b.Follow("following the list link", chromedp.Click(chromedp.CSS(`main a[href="/l/cop@example.org/"]`)))
	if u := b.Location(); u != origin+"/l/cop@example.org/" {
		t.Fatalf("list link led to %s", u)
	}
	if h := b.text("h1"); h != "Makers" {
		t.Errorf("list h1 = %q", h)
	}
	if !b.visible("svg.chart") || !b.visible("ol.threads li a") {
		t.Error("list page: no activity chart or no threads shown")
	}
	if n := browsertest.Eval[int](b.Browser, `document.querySelectorAll("ol.threads > li").length`); n != 2 {
		t.Errorf("list page shows %d threads, want 2", n)
	}
	if th := b.text("ol.threads"); !strings.Contains(th, "How to calibrate the lathe?") || !strings.Contains(th, "2 posts") {
		t.Errorf("threads: %q", th)
	}
	b.Screenshot(shots, "2-list")
	b.Phone()
	b.noSideScroll("list page at 360 px")
	b.Screenshot(shots, "2-list-phone-360")
	b.Desktop()
	b.Check("list", origin)

	// 3. The search form: type a query, submit.
	b.Do("typing a query", chromedp.SendKeys(chromedp.CSS(`form.search input[name="q"]`), "lathe"))
	b.Follow("submitting the search", chromedp.Click(chromedp.CSS(`form.search button[type="submit"]`)))
	if u := b.Location(); u != origin+"/l/cop@example.org/search?q=lathe" {
		t.Errorf("search went to %s", u)
	}
	if h := b.text("h1"); h != "Search Makers" {
		t.Errorf("search h1 = %q", h)
	}
	if !b.visible("ol.hits mark") {
		t.Fatal("no highlighted <mark> in the hits")
	}
	marks := browsertest.Eval[[]string](b.Browser, `[...document.querySelectorAll("ol.hits mark")].map(m => m.textContent.toLowerCase())`)
	for _, m := range marks {
		if m != "lathe" && m != "lathes" {
			t.Errorf("highlighted %q for the query lathe", m)
		}
	}
	if v := browsertest.Eval[string](b.Browser, `document.querySelector('form.search input[name="q"]').value`); v != "lathe" {
		t.Errorf("the search box holds %q after the search", v)
	}
	if st := b.text(`p[role="status"]`); !strings.HasPrefix(st, "2 found") {
		t.Errorf("search status %q, want 2 found", st)
	}
	b.Screenshot(shots, "3-search")
	b.Check("search", origin)

	// 4. A hit.
	hit := b.text("ol.hits > li > a")
	b.Follow("opening the first hit", chromedp.Click(chromedp.CSS("ol.hits > li > a")))
	if u := b.Location(); !strings.HasPrefix(u, origin+"/m/") {
		t.Fatalf("the hit led to %s", u)
	}
	if h := b.text("h1"); h != hit {
		t.Errorf("hit page h1 = %q, the hit said %q", h, hit)
	}
	if !b.visible("dl.headers") || !b.visible("article.post pre.text") {
		t.Error("the post page shows no headers or no text")
	}
	b.Screenshot(shots, "4-hit")
	b.Check("hit", origin)

	// 5. Its thread: a tree with the quote folded away.
	b.Follow("opening the thread", chromedp.Click(chromedp.CSS(`p.actions a[href^="/l/cop@example.org/t/"]`)))
	if u := b.Location(); u != origin+"/l/cop@example.org/t/q1@example.net" {
		t.Errorf("thread link led to %s", u)
	}
	if h := b.text("h1"); h != "How to calibrate the lathe?" {
		t.Errorf("thread h1 = %q", h)
	}
	if n := browsertest.Eval[int](b.Browser, `document.querySelectorAll("ol.tree > li > article.post").length`); n != 2 {
		t.Errorf("thread shows %d posts, want 2", n)
	}
	if !strings.Contains(b.text("ol.tree"), "Tighten the gib screws first.") {
		t.Error("the reply's text is not shown")
	}
	if open := browsertest.Eval[bool](b.Browser, `document.querySelector("details.quote").open`); open {
		t.Error("the quote is unfolded")
	}
	if b.visible("details.quote > pre") {
		t.Error("the quoted text shows although its <details> is closed")
	}
	if s := b.text("details.quote > summary"); !strings.HasPrefix(s, "Quoted text (1 line") {
		t.Errorf("quote summary %q", s)
	}
	if b.visible("details.sig > pre") {
		t.Error("the signature shows unfolded")
	}
	if d := browsertest.Eval[int](b.Browser, `document.querySelector("ol.tree > li.d1") ? 1 : 0`); d != 1 {
		t.Error("the reply is not indented under its parent")
	}
	b.Screenshot(shots, "5-thread")
	b.Phone()
	b.noSideScroll("thread page at 360 px")
	b.Screenshot(shots, "5-thread-phone-360")
	b.Desktop()
	// Unfolding the quote needs no script.
	b.Do("unfolding the quote", chromedp.Click(chromedp.CSS("details.quote > summary")))
	if !b.visible("details.quote > pre") || !strings.Contains(b.text("details.quote > pre"), "My lathe drifts.") {
		t.Error("clicking the summary does not show the quote")
	}
	b.Screenshot(shots, "5-thread-quote-open")
	b.Check("thread", origin)

	// 6. The first post's permalink.
	b.Follow("opening a permalink", chromedp.Click(chromedp.CSS(`ol.tree > li:first-child a[title="Permalink"]`)))
	if u := b.Location(); u != origin+"/m/q1@example.net" {
		t.Errorf("permalink is %s", u)
	}
	if h := b.text("h1"); h != "How to calibrate the lathe?" {
		t.Errorf("permalink h1 = %q", h)
	}
	if id := b.text("dl.headers code"); id != "q1@example.net" {
		t.Errorf("permalink shows Message-ID %q", id)
	}
	if !strings.Contains(b.text("article.post pre.text"), "My lathe drifts.") {
		t.Errorf("permalink text %q", b.text("article.post"))
	}
	b.Screenshot(shots, "6-permalink")
	b.Check("permalink", origin)

	// 7. The hostile post: shown as text and harmless markup.
	b.Open(origin + "/m/" + url.PathEscape("evil/1@example.com"))
	if !b.visible("p.note") || !strings.Contains(b.text("main"), "Remote images in this message were not loaded.") {
		t.Error("the hostile post does not say its remote images were dropped")
	}
	if h := b.text("h1"); h != "shiny <b>offer</b>" {
		t.Errorf("hostile subject shown as %q, want the markup as text", h)
	}
	checkSafe(t, b, "hostile post", pageSafety(t, b))
	b.Screenshot(shots, "7-hostile")
	b.Check("hostile post", origin)
	t.Logf("journey: 7 pages, screenshots in %s, %v", shots, time.Since(start).Round(time.Millisecond))
}

// safety is what pageSafetyJS finds in a page.
type safety struct {
	Elements  int      `json:"elements"`
	Scripts   int      `json:"scripts"`
	Handlers  []string `json:"handlers"`
	JSURLs    []string `json:"jsURLs"`
	Embeds    []string `json:"embeds"`
	Remote    []string `json:"remote"`
	Resources []string `json:"resources"`
	Forms     int      `json:"forms"`
	HTMLParts int      `json:"htmlParts"`
	Articles  []string `json:"articles"`
}

// pageSafetyJS inspects the live DOM, after the browser parsed the page
// the way it parses it (which is what counts, not what a regexp sees):
// scripts, event handler attributes, script URLs, frames and plugins,
// anything that would fetch from another origin, and form controls
// inside posts.
const pageSafetyJS = `(() => {
	const origin = location.origin;
	const out = {elements: 0, scripts: document.scripts.length, handlers: [], jsURLs: [], embeds: [], remote: [], resources: [], forms: 0,
		htmlParts: document.querySelectorAll("article .html").length,
		articles: [...document.querySelectorAll("article.post")].map(a => a.id)};
	const urlAttrs = new Set(["href", "src", "srcset", "action", "formaction", "poster", "background", "data", "lowsrc", "dynsrc",
		"xlink:href", "ping", "cite", "longdesc", "usemap", "manifest", "codebase", "archive", "profile", "icon", "imagesrcset"]);
	const fetchAttrs = new Set(["src", "srcset", "poster", "background", "data", "lowsrc", "dynsrc", "ping", "manifest",
		"codebase", "archive", "icon", "imagesrcset"]);
	const offsite = v => {
		try { const u = new URL(v, document.baseURI); return !["about:", "data:", "blob:"].includes(u.protocol) && u.origin !== origin; }
		catch (e) { return false; }
	};
	const say = (el, a) => el.tagName.toLowerCase() + " " + a.name + "=" + JSON.stringify(a.value.slice(0, 80));
	for (const el of document.querySelectorAll("*")) {
		out.elements++;
		const tag = el.localName.toLowerCase();
		for (const a of el.attributes) {
			const n = a.name.toLowerCase();
			const v = a.value.replace(/[\u0000-\u0020]+/g, "").toLowerCase();
			if (n.startsWith("on")) out.handlers.push(say(el, a));
			if (/^(javascript|vbscript|livescript):/.test(v) || (urlAttrs.has(n) && v.startsWith("data:text/html"))) out.jsURLs.push(say(el, a));
			let fetches = fetchAttrs.has(n) || ((n === "href" || n === "xlink:href") && tag !== "a" && tag !== "area");
			if (tag === "link" && n === "href" && !/\bstylesheet\b|\bicon\b|\bpreload\b|\bprefetch\b|\bpreconnect\b|\bdns-prefetch\b|\bmodulepreload\b|\bmanifest\b/i.test(el.getAttribute("rel") || "")) fetches = false;
			if (fetches) {
				const urls = (n === "srcset" || n === "imagesrcset") ? a.value.split(",").map(s => s.trim().split(/\s+/)[0]) : a.value.split(/\s+/);
				if (urls.some(u => u && offsite(u))) out.remote.push(say(el, a));
			}
			if (n === "style" && /url\s*\(|@import|expression\s*\(|image-set/i.test(a.value)) out.remote.push(say(el, a));
		}
		if (["iframe", "frame", "frameset", "object", "embed", "applet", "portal", "fencedframe", "base", "script", "style", "video", "audio", "source", "track", "img", "picture", "image"].includes(tag) ||
			(tag === "meta" && el.hasAttribute("http-equiv"))) {
			out.embeds.push(tag);
		}
	}
	out.forms = document.querySelectorAll("article .html :is(form, input, button, textarea, select, label)").length;
	out.resources = performance.getEntriesByType("resource").map(e => e.name).filter(offsite);
	return out;
})()`

func pageSafety(t *testing.T, b browser) safety {
	t.Helper()
	return browsertest.Eval[safety](b.Browser, pageSafetyJS)
}

func checkSafe(t *testing.T, b browser, where string, s safety) {
	t.Helper()
	if s.Elements < 10 {
		t.Errorf("%s: only %d elements: the page did not load", where, s.Elements)
	}
	if s.Scripts != 0 {
		t.Errorf("%s: %d scripts in the page", where, s.Scripts)
	}
	for _, bad := range [][]string{s.Handlers, s.JSURLs, s.Embeds, s.Remote, s.Resources} {
		if len(bad) > 0 {
			t.Errorf("%s: %v", where, bad)
		}
	}
	if s.Forms != 0 {
		t.Errorf("%s: %d form controls inside posts", where, s.Forms)
	}
}

// corpora is where the shared mail corpora are, beside the module.
const corpora = "../../../shared/corpora"

var corpusFixtureDirs = []string{
	"enmime-testdata", "hyperkitty-testdata", "mimekit-testdata",
	"notmuch-corpora", "ruby-mail-fixtures", "spamassassin-tdata",
}

// hasHTMLType tells whether raw mentions text/html, in any case: every
// message with a text/html part does (its Content-Type says so). A
// scan over the slashes, not a regexp: the usrp archive is 100 MB, and
// under -race a regexp over it takes a quarter of a minute.
func hasHTMLType(raw []byte) bool {
	for off := 0; ; {
		i := bytes.IndexByte(raw[off:], '/')
		if i < 0 {
			return false
		}
		i += off
		if i >= 4 && i+5 <= len(raw) && bytes.EqualFold(raw[i-4:i], []byte("text")) && bytes.EqualFold(raw[i+1:i+5], []byte("html")) {
			return true
		}
		off = i + 1
	}
}

type corpusMsg struct {
	where     string
	raw       []byte
	mimeHTML  int // text/html parts in the MIME structure
	htmlParts int // parts the renderer shows as HTML
}

// htmlParts counts the parts of raw that the archive renders as HTML.
func htmlParts(raw []byte) int {
	n := 0
	for _, p := range render.Render(raw).Parts {
		if p.HTML != "" || p.RemoteContent {
			n++
		}
	}
	return n
}

// mimeHTMLParts counts the text/html parts of raw's MIME tree (0 when
// go-message cannot read it).
func mimeHTMLParts(raw []byte) int {
	e, err := message.Read(bytes.NewReader(raw))
	if e == nil || (err != nil && !message.IsUnknownCharset(err) && !message.IsUnknownEncoding(err)) {
		return 0
	}
	n := 0
	e.Walk(func(_ []int, p *message.Entity, err error) error {
		if err != nil {
			return err
		}
		if t, _, _ := p.Header.ContentType(); t == "text/html" {
			n++
		}
		return nil
	})
	return n
}

// eachMessage calls fn with every message of a corpus file: the file
// itself, or each message of it when it is an mbox.
func eachMessage(t *testing.T, path string, fn func(where string, raw []byte)) {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	rel, _ := filepath.Rel(corpora, path)
	if !bytes.HasPrefix(raw, []byte("From ")) {
		fn(rel, raw)
		return
	}
	r, err := mbox.NewReader(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	for {
		m, err := r.Next()
		if err == io.EOF {
			return
		}
		if err != nil {
			t.Fatalf("%s: %v", rel, err)
		}
		fn(rel+":"+strconv.Itoa(m.Line), m.Raw)
	}
}

// corpusCount is what htmlCorpus found.
type corpusCount struct {
	fixtures     int // fixture messages with an HTML part, all taken
	usrpHTML     int // usrp messages with a text/html part
	usrpShown    int // of those, shown as HTML by the archive, all taken
	usrpSample   int // the others, sampled
	usrpMessages int
}

// htmlCorpus returns every message of the fixture corpora with an HTML
// part (rendered as HTML, or any text/html part at all); and of the
// usrp-users archive every message the archive shows as HTML, plus an
// evenly spread sample of its other messages with a text/html part (the
// HTML alternative of a text/plain one, mostly) so that at most usrpCap
// are taken (no cap when usrpCap < 0).
func htmlCorpus(t *testing.T, usrpCap int) ([]corpusMsg, corpusCount) {
	t.Helper()
	var msgs []corpusMsg
	var c corpusCount
	for _, dir := range corpusFixtureDirs {
		err := filepath.WalkDir(filepath.Join(corpora, dir), func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			if name := d.Name(); name == "SOURCE.md" || name == "README" || name == "README.md" {
				return nil
			}
			eachMessage(t, path, func(where string, raw []byte) {
				n := htmlParts(raw)
				if n > 0 || hasHTMLType(raw) {
					msgs = append(msgs, corpusMsg{where, raw, mimeHTMLParts(raw), n})
				}
			})
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	c.fixtures = len(msgs)
	usrp := filepath.Join(corpora, "usrp-users-archive", "usrp-users-2020-07_2021-12.mbox")
	if _, err := os.Stat(usrp); err != nil || usrpCap == 0 {
		return msgs, c
	}
	var cands []corpusMsg
	eachMessage(t, usrp, func(where string, raw []byte) {
		c.usrpMessages++
		if hasHTMLType(raw) {
			cands = append(cands, corpusMsg{where: "usrp-users" + strings.TrimPrefix(where, "usrp-users-archive/usrp-users-2020-07_2021-12.mbox"), raw: raw})
		}
	})
	c.usrpHTML = len(cands)
	// Render them all (on every core) to find the ones shown as HTML.
	var wg sync.WaitGroup
	workers := runtime.GOMAXPROCS(0)
	for w := range workers {
		wg.Go(func() {
			for i := w; i < len(cands); i += workers {
				cands[i].htmlParts = htmlParts(cands[i].raw)
			}
		})
	}
	wg.Wait()
	for _, m := range cands {
		if m.htmlParts > 0 {
			c.usrpShown++
		}
	}
	step := 1
	if rest := len(cands) - c.usrpShown; usrpCap >= 0 && rest > 0 {
		room := max(usrpCap-c.usrpShown, 1)
		step = (rest + room - 1) / room
	}
	i := 0
	for _, m := range cands {
		take := m.htmlParts > 0
		if !take {
			take = i%step == 0
			i++
			if take {
				c.usrpSample++
			}
		}
		if take {
			m.mimeHTML = mimeHTMLParts(m.raw)
			msgs = append(msgs, m)
		}
	}
	return msgs, c
}

// Every HTML message of the shared corpora, archived and shown on its
// permalink page in a real browser: the page has no script, no event
// handler attribute, no script URL, no frame or plugin, and fetches
// nothing from anywhere but the archive, as the browser itself reports
// (network events, the console, the resource timing list); no dialog
// ever opens. The list pages, the resources pages and searches over the
// same posts are checked the same way.
//
// PRAXIS_BROWSER_USRP sets how many HTML posts of the usrp-users archive
// are taken (default 200, "all" for every one, 0 for none); the ones
// the archive shows as HTML are always among them.
func TestBrowserXSS(t *testing.T) {
	if _, err := os.Stat(corpora); errors.Is(err, fs.ErrNotExist) && os.Getenv("CI") == "" {
		t.Skipf("corpora not present at %s (CI=true makes this a failure)", corpora)
	} else if err != nil {
		t.Fatalf("corpora at %s: %v", corpora, err)
	}
	b := newBrowser(t)
	usrpCap := 200
	if v := os.Getenv("PRAXIS_BROWSER_USRP"); v == "all" {
		usrpCap = -1
	} else if v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			t.Fatalf("PRAXIS_BROWSER_USRP=%q", v)
		}
		usrpCap = n
	}
	start := time.Now()
	msgs, count := htmlCorpus(t, usrpCap)
	mimeParts, shownParts := 0, 0
	for _, m := range msgs {
		mimeParts += m.mimeHTML
		shownParts += m.htmlParts
	}
	t.Logf("corpus: %d messages with an HTML part: all %d of the fixture corpora, and of the usrp-users archive (%d messages, %d with a text/html part) the %d shown as HTML and %d others spread over it (PRAXIS_BROWSER_USRP=%d); %d text/html MIME parts, %d parts shown as HTML; read in %v",
		len(msgs), count.fixtures, count.usrpMessages, count.usrpHTML, count.usrpShown, count.usrpSample, usrpCap, mimeParts, shownParts, time.Since(start).Round(time.Millisecond))
	if len(msgs) < 50 {
		t.Fatalf("only %d HTML messages found in %s", len(msgs), corpora)
	}

	// The archive: one public list holding them all, indexed.
	ctx := context.Background()
	dir := t.TempDir()
	st, err := store.Open(ctx, dir, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	tpl := templates.MustParse()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	svc, err := listserv.New(ctx, st, listserv.Config{BaseURL: "http://archive.test", Hostname: "archive.test"}, tpl, log)
	if err != nil {
		t.Fatal(err)
	}
	l := &listserv.List{Address: "corpus@example.org", Name: "Corpus", ArchivePolicy: listserv.ArchivePublic,
		SubscribePolicy: listserv.SubscribeConfirm, PostPolicy: listserv.PostMembers}
	if err := svc.CreateList(ctx, l); err != nil {
		t.Fatal(err)
	}
	where := map[string]string{} // by content hash
	raws := make([][]byte, len(msgs))
	for i, m := range msgs {
		raws[i] = m.raw
		sum := sha256.Sum256(m.raw)
		h := hex.EncodeToString(sum[:])
		if _, ok := where[h]; !ok {
			where[h] = m.where
		}
	}
	if _, _, err := svc.Archiver().ArchiveMany(ctx, l, raws); err != nil {
		t.Fatal(err)
	}
	idx, err := index.Open(filepath.Join(dir, "index"), index.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { idx.Close() })
	if _, err := archive.NewIndexer(st, idx, log).CatchUp(ctx); err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(New(Config{Index: idx}, depsOf(svc), tpl, log).Handler())
	t.Cleanup(ts.Close)
	origin := ts.URL

	// Which page shows which post: /m/ID shows the oldest post with that
	// Message-ID; posts that share it with different bytes are reached
	// through their thread page.
	var posts []*store.ArchivedPost
	if err := st.ArchiveEach(ctx, l.ID, time.Time{}, func(p *store.ArchivedPost) error {
		posts = append(posts, p)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	first := map[string]int64{}
	for _, p := range posts {
		if id, ok := first[p.MessageID]; !ok || p.ID < id {
			first[p.MessageID] = p.ID
		}
	}
	type visit struct {
		path string
		want []string // article ids the page must hold
	}
	var visits []visit
	byThread := map[string][]string{}
	var threads []string
	for _, p := range posts {
		art := "m-" + strconv.FormatInt(p.ID, 10)
		if first[p.MessageID] == p.ID {
			visits = append(visits, visit{templates.MessagePath(p.MessageID), []string{art}})
			continue
		}
		if _, ok := byThread[p.ThreadID]; !ok {
			threads = append(threads, p.ThreadID)
		}
		byThread[p.ThreadID] = append(byThread[p.ThreadID], art)
	}
	for _, th := range threads {
		visits = append(visits, visit{templates.ThreadPath(l.Address, th), byThread[th]})
	}
	postWhere := map[string]string{}
	for _, p := range posts {
		postWhere["m-"+strconv.FormatInt(p.ID, 10)] = where[p.Hash]
	}
	t.Logf("archive: %d posts (%d distinct Message-IDs) in %v", len(posts), len(first), time.Since(start).Round(time.Millisecond))

	// The detectors work: a violation made on purpose is seen.
	b.Open(origin + "/")
	b.Take()
	browsertest.Eval[int](b.Browser, `(() => { const i = new Image(); i.src = "https://remote.invalid/pixel.gif"; document.body.append(i); alert("canary"); return 1; })()`)
	var canary browsertest.Report
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		r := b.Take()
		canary.Console = append(canary.Console, r.Console...)
		canary.Dialogs = append(canary.Dialogs, r.Dialogs...)
		canary.Requests = append(canary.Requests, r.Requests...)
		canary.Blocked = append(canary.Blocked, r.Blocked...)
		if len(canary.Console) > 0 && len(canary.Dialogs) > 0 {
			break
		}
	}
	if len(canary.Console) == 0 || len(canary.Dialogs) == 0 {
		t.Fatalf("the detectors missed a CSP violation or a dialog made on purpose: %+v", canary)
	}
	t.Logf("canary: console %q, dialogs %q, requests %q, blocked %q", canary.Console, canary.Dialogs, canary.Requests, canary.Blocked)
	// And so are the DOM checks: markup that must never reach a page,
	// put there from DevTools.
	b.Open(origin + "/")
	browsertest.Eval[int](b.Browser, `(() => { const d = document.createElement("div"); d.className = "html";
		d.innerHTML = '<p onclick="x()">a</p><a href=" java\tscript:alert(1)">b</a><iframe></iframe><object></object><svg><a xlink:href="javascript:1">c</a></svg><input name="x">';
		const a = document.createElement("article"); a.append(d); document.body.append(a); return 1; })()`)
	if s := pageSafety(t, b); len(s.Handlers) != 1 || len(s.JSURLs) != 2 || len(s.Embeds) != 2 || s.Forms != 1 {
		t.Fatalf("the DOM checks missed markup put there on purpose: %+v", s)
	}
	b.Open(origin + "/") // a fresh page, without the canaries
	b.Take()

	// Every post, on its page.
	var pages, htmlShown, failed int
	covered := map[string]bool{}
	browse := time.Now()
	for _, v := range visits {
		where := v.path
		if len(v.want) > 0 {
			where += " (" + postWhere[v.want[0]] + ")"
		}
		if st := b.Open(origin + v.path); st != 200 {
			t.Errorf("%s: status %d", where, st)
			failed++
			continue
		}
		s := pageSafety(t, b)
		checkSafe(t, b, where, s)
		b.Check(where, origin)
		have := map[string]bool{}
		for _, a := range s.Articles {
			have[a] = true
		}
		for _, a := range v.want {
			if !have[a] {
				t.Errorf("%s: post %s (%s) is not on the page", v.path, a, postWhere[a])
				continue
			}
			covered[a] = true
		}
		pages++
		htmlShown += s.HTMLParts
	}
	postsTime := time.Since(browse)

	// The pages that list the same posts: every page of the thread list
	// and of the resources, and searches that hit hostile words.
	others := 0
	for _, first := range []string{templates.ListPath(l.Address), templates.ListPath(l.Address) + "resources"} {
		next := first
		for n := 0; next != "" && n < 50; n++ {
			if st := b.Open(origin + next); st != 200 {
				t.Errorf("%s: status %d", next, st)
				break
			}
			checkSafe(t, b, next, pageSafety(t, b))
			b.Check(next, origin)
			others++
			next = browsertest.Eval[string](b.Browser, `(() => { const a = document.querySelector('a[rel="next"]'); return a ? a.getAttribute("href") : ""; })()`)
			if next != "" && !strings.HasPrefix(next, "/") {
				next = first + next
			}
		}
	}
	hits, marks := 0, 0
	for _, q := range []string{"script", "javascript", "alert", "onload", "onclick", "iframe", "img", "style", "html", "href", "src", "http", "body", "div", "font"} {
		p := templates.ListPath(l.Address) + "search?q=" + url.QueryEscape(q)
		if st := b.Open(origin + p); st != 200 {
			t.Errorf("%s: status %d", p, st)
			continue
		}
		checkSafe(t, b, p, pageSafety(t, b))
		b.Check(p, origin)
		others++
		hits += browsertest.Eval[int](b.Browser, `document.querySelectorAll("ol.hits > li").length`)
		marks += browsertest.Eval[int](b.Browser, `document.querySelectorAll("ol.hits mark").length`)
	}

	if len(covered) != len(posts) {
		var missed []string
		for _, p := range posts {
			if a := "m-" + strconv.FormatInt(p.ID, 10); !covered[a] {
				missed = append(missed, postWhere[a])
			}
		}
		sort.Strings(missed)
		t.Errorf("%d of %d posts not checked: %v", len(missed), len(posts), missed)
	}
	t.Logf("browser: %d corpus messages (%d posts) checked on %d pages (%d thread pages for shared Message-IDs), %d HTML parts on them, %d failed; %v (%.0f ms a page); plus %d list, resources and search pages (%d hits, %d highlights); total %v",
		len(msgs), len(covered), pages, len(threads), htmlShown, failed, postsTime.Round(time.Millisecond),
		float64(postsTime.Milliseconds())/float64(max(pages, 1)), others, hits, marks, time.Since(start).Round(time.Millisecond))
}

// a11yJS is an accessibility smoke test of the page shown: it returns
// the problems found.
const a11yJS = `(() => {
	const p = [];
	const count = s => document.querySelectorAll(s).length;
	const desc = el => el.outerHTML.slice(0, 100);
	const named = el => (el.getAttribute("aria-label") || "").trim() ||
		(el.getAttribute("aria-labelledby") || "").split(/\s+/).filter(Boolean).map(id => (document.getElementById(id) || {textContent: ""}).textContent.trim()).join(" ").trim();
	if (!document.documentElement.lang) p.push("no lang on <html>");
	if (!document.title.trim()) p.push("no <title>");
	if (count("main") !== 1) p.push(count("main") + " <main> elements");
	if (count("h1") !== 1) p.push(count("h1") + " <h1> elements");
	if (count("nav") < 1) p.push("no <nav>");
	for (const el of document.querySelectorAll("input:not([type=hidden]), select, textarea")) {
		const byLabel = [...(el.labels || [])].some(l => l.textContent.trim());
		if (!byLabel && !named(el)) p.push("control without a label: " + desc(el));
	}
	for (const el of document.querySelectorAll("button, input[type=submit], input[type=button], input[type=reset]")) {
		if (!(el.textContent.trim() || (el.value || "").trim() || named(el))) p.push("button without a name: " + desc(el));
	}
	for (const el of document.querySelectorAll("img:not([alt]), input[type=image]:not([alt]), area:not([alt])")) p.push("image without alt: " + desc(el));
	for (const el of document.querySelectorAll("svg[role=img]")) {
		const title = el.querySelector(":scope > title");
		if (!named(el) && !(title && title.textContent.trim())) p.push("svg image without a name");
	}
	for (const el of document.querySelectorAll("a[href]")) {
		if (!(el.textContent.trim() || named(el) || el.querySelector("img[alt]:not([alt=''])"))) p.push("link without text: " + desc(el));
	}
	const ids = {};
	for (const el of document.querySelectorAll("[id]")) {
		if (ids[el.id]) p.push("duplicate id " + el.id);
		ids[el.id] = true;
	}
	for (const a of document.querySelectorAll('a[href^="#"]')) {
		const id = decodeURIComponent(a.getAttribute("href").slice(1));
		if (id && !document.getElementById(id)) p.push("link to a missing #" + id);
	}
	let last = 0;
	for (const h of document.querySelectorAll("h1, h2, h3, h4, h5, h6")) {
		const n = +h.tagName[1];
		if (last && n > last + 1) p.push("h" + n + " after h" + last + ": " + h.textContent.trim().slice(0, 40));
		last = n;
	}
	for (const el of document.querySelectorAll("ol, ul")) {
		for (const c of el.children) if (!["li", "script", "template"].includes(c.localName)) { p.push("<" + c.localName + "> directly in a list"); break; }
	}
	return p;
})()`

// Every kind of page passes an accessibility smoke test in the browser:
// one <main>, one <h1>, a <nav>, lang on <html>, a label for every
// control, alt on every image, a name on every link and button, unique
// ids, no skipped heading level; and none scrolls sideways on a 360 px
// phone.
func TestBrowserAccessibility(t *testing.T) {
	f := newArchiveFixture(t)
	b := newBrowser(t)
	origin := f.ts.URL
	ctx := context.Background()
	l, err := f.svc.List(ctx, "cop@example.org")
	if err != nil {
		t.Fatal(err)
	}

	// Links that come by mail: a subscription to confirm, a way out.
	if _, err := f.svc.Subscriptions().Subscribe(ctx, l, "newbie@example.com", "New"); err != nil {
		t.Fatal(err)
	}
	notice := lastMailTo(t, f.svc.Store(), "newbie@example.com")
	confirm := regexp.MustCompile(`/l/cop@example.org/confirm/[0-9a-f]{40}`).Find(notice)
	if confirm == nil {
		t.Fatalf("no confirmation link in:\n%s", notice)
	}
	unsubscribe := listserv.UnsubscribePath("cop@example.org", f.svc.OneClick().UnsubscribeToken("cop@example.org", "alice@example.net"))
	// A held post for the moderator's page.
	raw := post("held1@example.com", "Stranger <s@example.com>", "Please let me in", "Fri, 5 Mar 2021 10:00:00 +0000", "Hello makers.\n")
	m := &store.Message{ListID: l.ID, ListAddress: l.Address, Kind: store.KindPost, MailFrom: "s@example.com",
		Rcpt: l.Address, Raw: raw, MessageID: "held1@example.com", FromAddr: "s@example.com", Subject: "Please let me in"}
	if err := f.svc.Store().Spool(ctx, m); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.Store().Transition(ctx, m.ID, store.StateReceived, store.StateHeld, "non-member", "", nil); err != nil {
		t.Fatal(err)
	}

	// The link the answer to an unsigned `set` carries.
	key, err := f.svc.Store().Secret(ctx, request.SettingsSecret)
	if err != nil {
		t.Fatal(err)
	}
	settingsOnce := request.SettingsOncePath(request.SettingsToken(key, request.SettingsGrant{Address: "alice@example.net", List: "cop@example.org",
		Setting: "delivery", Expires: time.Now().Add(time.Hour)}))

	// An answered question for the answers library, and a member who
	// chose to be listed, for who knows what.
	f.addPosts(t, "cop@example.org", latheConfirmed())
	_, modm, err := f.svc.Member(ctx, "cop@example.org", "mod@example.net")
	if err != nil {
		t.Fatal(err)
	}
	modm.Name, modm.Expertise, modm.Listed = "Mod", "lathes, milling machines", true
	if err := f.svc.SetMember(ctx, listserv.Actor{Who: "test", Via: "cli"}, modm); err != nil {
		t.Fatal(err)
	}

	thread := "/l/cop@example.org/t/" + url.PathEscape("q1@example.net")
	pages := []struct {
		path   string
		status int64
	}{
		{"/", 200},
		{"/l/cop@example.org/", 200},
		{thread, 200},
		{"/m/a1@example.net", 200},
		{"/m/" + url.PathEscape("evil/1@example.com"), 200},
		{"/l/cop@example.org/search", 200},
		{"/l/cop@example.org/search?q=lathe", 200},
		{"/l/cop@example.org/search?q=nothingatall", 200},
		{"/l/cop@example.org/search?q=%2Alathe", 400},
		{"/l/cop@example.org/resources", 200},
		{"/l/cop@example.org/resources?q=nothingatall", 200},
		{"/l/cop@example.org/info", 200},
		{"/l/cop@example.org/answers", 200},
		{"/l/cop@example.org/answers?q=nothingatall&year=2020&sort=date", 200},
		{"/l/cop@example.org/answers?q=%2Alathe", 400},
		{"/l/cop@example.org/people", 200},
		{"/l/cop@example.org/people?q=welding", 200},
		{"/signin", 200},
		{"/signin?list=cop@example.org", 200},
		{"/l/nosuch@example.org/", 404},
		{string(confirm), 200},
		{unsubscribe, 200},
		{settingsOnce, 200},
	}
	checked := 0
	check := func(where string) {
		t.Helper()
		b.Check(where, origin)
		for _, p := range browsertest.Eval[[]string](b.Browser, a11yJS) {
			t.Errorf("%s: %s", where, p)
		}
		b.Phone()
		b.noSideScroll(where + " at 360 px")
		b.Desktop()
		checked++
	}
	for _, p := range pages {
		if st := b.Open(origin + p.path); st != p.status {
			t.Errorf("%s: status %d, want %d", p.path, st, p.status)
		}
		if p.status != 200 {
			// The browser logs an error status as a failed load; that
			// is the page's point here.
			b.Take()
		}
		check(p.path)
	}

	// Signed in, through the browser: the form, the mailed link, its
	// button; then the pages a moderator sees.
	b.Open(origin + "/signin?list=cop@example.org")
	b.Do("typing the address", chromedp.SendKeys(chromedp.CSS("#address"), "mod@example.net"))
	b.Follow("asking for a sign-in link", chromedp.Click(chromedp.CSS(`main form button[type="submit"]`)))
	check("/signin (sent)")
	mail := string(lastMailTo(t, f.svc.Store(), "mod@example.net"))
	link := regexp.MustCompile(`http://archive\.test(/signin/\S+)`).FindStringSubmatch(mail)
	if link == nil {
		t.Fatalf("no link in the sign-in mail:\n%s", mail)
	}
	b.Open(origin + link[1])
	check("/signin/TOKEN")
	b.Follow("using the sign-in link", chromedp.Click(chromedp.CSS(`main form button[type="submit"]`)))
	if u := b.Location(); u != origin+"/l/cop@example.org/" {
		t.Errorf("signed in, the browser is at %s", u)
	}
	if who := b.text(".who"); !strings.Contains(who, "mod@example.net") {
		t.Fatalf("not signed in: %q", who)
	}
	check("/l/cop@example.org/ (moderator)")
	for _, p := range []string{"/", "/l/cop@example.org/admin/held", "/l/cop@example.org/admin/held/" + strconv.FormatInt(m.ID, 10), "/settings",
		"/l/cop@example.org/answers", "/l/cop@example.org/health", thread} {
		if st := b.Open(origin + p); st != 200 {
			t.Errorf("%s signed in: status %d", p, st)
		}
		check(p + " (moderator)")
	}
	if !strings.Contains(b.text("main"), "Tighten the gib") {
		t.Error("signed in, the thread does not show")
	}
	// The checks see what they are there to see.
	browsertest.Eval[int](b.Browser, `(() => { document.querySelector("main").append(document.createElement("input"), document.createElement("img"),
		document.createElement("h1"), Object.assign(document.createElement("div"), {style: "width: 2000px; height: 1em"})); return 1; })()`)
	got := strings.Join(browsertest.Eval[[]string](b.Browser, a11yJS), "\n")
	for _, want := range []string{"control without a label", "image without alt", "2 <h1> elements"} {
		if !strings.Contains(got, want) {
			t.Errorf("the accessibility check misses %q; it found:\n%s", want, got)
		}
	}
	if o := browsertest.Eval[overflow](b.Browser, overflowJS); o.ScrollWidth <= o.Viewport {
		t.Errorf("the overflow check misses a 2000 px element: %+v", o)
	}
	t.Logf("%d pages checked", checked)
}
