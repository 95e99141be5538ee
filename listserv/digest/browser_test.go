package digest

import (
	"bytes"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/mail"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"praxis/archive/web/browsertest"
)

// The summary's HTML part in a real headless Chromium, driven through the
// DevTools protocol (chromedp), the way the archive's browser tests in
// archive/web do it: what a browser makes of the markup, not what a
// regexp thinks of it (checkSafeHTML does that). The test skips when no
// Chromium is installed, except in CI, where a missing browser fails it.
// The browser is browsertest's, as the archive's tests use it.

// summaryDOM is what summaryDOMJS finds in the parsed page.
type summaryDOM struct {
	Elements  int           `json:"elements"`
	Scripts   int           `json:"scripts"`
	Handlers  []string      `json:"handlers"`  // on* attributes
	Embeds    []string      `json:"embeds"`    // elements that fetch, embed or run
	URLAttrs  []string      `json:"urlAttrs"`  // src, srcset, background… on any element
	StyleURLs []string      `json:"styleURLs"` // url( and the like in style attributes
	BgImages  []string      `json:"bgImages"`  // computed background images
	Resources []string      `json:"resources"` // what the Resource Timing API saw fetched
	Links     []summaryLink `json:"links"`
	Title     string        `json:"title"`
	H1        []string      `json:"h1"`
	Masthead  string        `json:"masthead"` // the text of the cell that holds the h1
	Text      string        `json:"text"`
	Lang      string        `json:"lang"`
}

type summaryLink struct {
	Href string `json:"href"` // the attribute, as the browser parsed it
	Abs  string `json:"abs"`  // resolved
	Text string `json:"text"`
}

const summaryDOMJS = `(() => {
	const out = {elements: 0, scripts: document.scripts.length, handlers: [], embeds: [], urlAttrs: [], styleURLs: [], bgImages: [],
		resources: performance.getEntriesByType("resource").map(e => e.name),
		links: [...document.querySelectorAll("a[href]")].map(a => ({href: a.getAttribute("href"), abs: a.href, text: a.innerText.trim()})),
		title: document.title, h1: [...document.querySelectorAll("h1")].map(h => h.innerText.trim()),
		masthead: (() => { const h = document.querySelector("h1"); const c = h && h.closest("td"); return c ? c.innerText : ""; })(),
		text: document.body.innerText, lang: document.documentElement.lang};
	const fetchAttrs = new Set(["src", "srcset", "background", "poster", "data", "lowsrc", "dynsrc", "ping", "action", "formaction",
		"manifest", "codebase", "archive", "icon", "imagesrcset", "longdesc", "usemap", "xlink:href"]);
	const say = (el, a) => el.localName + " " + a.name + "=" + JSON.stringify(a.value.slice(0, 80));
	for (const el of document.querySelectorAll("*")) {
		out.elements++;
		for (const a of el.attributes) {
			const n = a.name.toLowerCase();
			if (n.startsWith("on")) out.handlers.push(say(el, a));
			if (fetchAttrs.has(n) || (n === "href" && !["a", "area"].includes(el.localName))) out.urlAttrs.push(say(el, a));
			if (n === "style" && /url\s*\(|@import|image-set|expression\s*\(/i.test(a.value)) out.styleURLs.push(say(el, a));
		}
		if (["img", "link", "iframe", "object", "embed", "video", "audio", "source", "track", "picture", "image", "frame", "frameset",
			"applet", "portal", "fencedframe", "script", "style", "base", "svg", "math", "form", "input", "button", "meta"].includes(el.localName) &&
			!(el.localName === "meta" && (el.getAttribute("name") === "viewport" || (el.getAttribute("http-equiv") || "").toLowerCase() === "content-type"))) {
			out.embeds.push(el.outerHTML.slice(0, 100));
		}
		const bg = getComputedStyle(el).backgroundImage;
		if (bg && bg !== "none") out.bgImages.push(el.localName + ": " + bg.slice(0, 80));
	}
	return out;
})()`

// summaryLayout is how the page lays out in the viewport shown.
type summaryLayout struct {
	Viewport    int      `json:"viewport"`    // documentElement.clientWidth
	ScrollWidth int      `json:"scrollWidth"` // documentElement.scrollWidth
	Height      int      `json:"height"`
	Card        float64  `json:"card"`     // width of the 600 px content table
	CardLeft    float64  `json:"cardLeft"` // and where it starts
	Outside     []string `json:"outside"`  // elements sticking out of the viewport sideways
	Clipped     []string `json:"clipped"`  // elements whose overflow hides part of their content
	Ellipsis    []string `json:"ellipsis"` // text cut with an ellipsis
	MinFont     float64  `json:"minFont"`  // smallest font size of any text shown, CSS px
	MinFontAt   string   `json:"minFontAt"`
}

const summaryLayoutJS = `(() => {
	const vw = document.documentElement.clientWidth;
	const name = el => {
		let s = el.localName;
		const t = (el.innerText || "").trim().replace(/\s+/g, " ").slice(0, 40);
		return t ? s + " " + JSON.stringify(t) : s;
	};
	const card = document.querySelector("table[width='600']");
	const r = card ? card.getBoundingClientRect() : {width: 0, left: 0};
	const out = {viewport: vw, scrollWidth: document.documentElement.scrollWidth, height: document.documentElement.scrollHeight,
		card: r.width, cardLeft: r.left, outside: [], clipped: [], ellipsis: [], minFont: 1e9, minFontAt: ""};
	for (const el of document.body.querySelectorAll("*")) {
		const b = el.getBoundingClientRect();
		if ((b.right > vw + 1 || b.left < -1) && out.outside.length < 8) out.outside.push(name(el) + " left=" + Math.round(b.left) + " right=" + Math.round(b.right));
		const cs = getComputedStyle(el);
		const hides = v => v === "hidden" || v === "clip";
		if ((hides(cs.overflowX) && el.scrollWidth > el.clientWidth + 1) || (hides(cs.overflowY) && el.scrollHeight > el.clientHeight + 1)) out.clipped.push(name(el));
		if (cs.textOverflow === "ellipsis") out.ellipsis.push(name(el));
		const ownText = [...el.childNodes].some(n => n.nodeType === Node.TEXT_NODE && n.textContent.trim());
		if (ownText && el.checkVisibility()) {
			const f = parseFloat(cs.fontSize);
			if (f < out.minFont) { out.minFont = f; out.minFontAt = name(el); }
		}
	}
	return out;
})()`

// htmlPart returns the decoded text/html part of a composed message.
func htmlPart(t *testing.T, raw []byte) string {
	t.Helper()
	m, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	mt, params, err := mime.ParseMediaType(m.Header.Get("Content-Type"))
	if err != nil || !strings.HasPrefix(mt, "multipart/") {
		t.Fatalf("composed summary is %q (%v), want multipart", mt, err)
	}
	mr := multipart.NewReader(m.Body, params["boundary"])
	for {
		p, err := mr.NextPart() // decodes quoted-printable
		if err == io.EOF {
			t.Fatal("no text/html part in the composed summary")
		}
		if err != nil {
			t.Fatal(err)
		}
		if ct, _, _ := mime.ParseMediaType(p.Header.Get("Content-Type")); ct == "text/html" {
			b, err := io.ReadAll(p)
			if err != nil {
				t.Fatal(err)
			}
			return strings.ReplaceAll(string(b), "\r\n", "\n")
		}
	}
}

// TestBrowserSummaryHTML opens the HTML part of Ada's summary of the
// golden week (the usrp archive, 2021-04-12..19; her expertise "RFNoC,
// python") in headless Chromium, on a 1024 px desktop and on a 360 px
// phone, saves a full-page screenshot of each, and checks what a mail
// client needs: nothing fetched from anywhere, no script, no handler, no
// embedded or remote content, no console error, no dialog; links only to
// http, https and mailto (the archive, or links shared in the week's
// posts); the list's name in the title and the masthead; and on the
// phone, nothing wider than the screen and no text cut off.
func TestBrowserSummaryHTML(t *testing.T) {
	b := browsertest.New(t)
	start := time.Now()
	_, week := weekSummary(t)
	s := week.For(goldenMember)
	// What the member gets: the HTML part of the composed mail, with
	// their unsubscribe link in the footer.
	raw, err := Compose(s, Envelope{
		From:              FormatAddress("USRP-users", "usrp-users-request@lists.ettus.com"),
		To:                goldenMember.Address,
		ListID:            "USRP-users <usrp-users.lists.ettus.com>",
		Unsubscribe:       goldenBase + "/l/usrp-users@lists.ettus.com/unsubscribe/TOKEN",
		UnsubscribeMailto: "usrp-users-leave@lists.ettus.com",
		Date:              goldenEnd.Add(6 * time.Hour),
	})
	if err != nil {
		t.Fatal(err)
	}
	html := htmlPart(t, raw)
	withUnsub := *s
	withUnsub.Unsubscribe = goldenBase + "/l/usrp-users@lists.ettus.com/unsubscribe/TOKEN"
	if direct, err := RenderHTML(&withUnsub); err != nil {
		t.Fatal(err)
	} else if direct != html {
		t.Errorf("the mail's HTML part differs from RenderHTML's (%d and %d bytes)", len(html), len(direct))
	}
	built := time.Since(start)

	// The page is served as is, with no Content-Security-Policy: a
	// remote fetch must happen (and be seen), not be blocked.
	var (
		smu    sync.Mutex
		served []string
	)
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		smu.Lock()
		served = append(served, r.Method+" "+r.URL.RequestURI())
		smu.Unlock()
		if r.URL.Path != "/summary.html" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		io.WriteString(w, html)
	}))
	t.Cleanup(ts.Close)
	origin := ts.URL
	pageURL := origin + "/summary.html"

	shots := browsertest.ScreenshotDir(t)
	// The links the summary may hold besides the archive's: those shared
	// in the week's posts.
	shared := map[string]bool{}
	for _, r := range s.Resources {
		if r.Kind == "link" {
			shared[r.Value] = true
		}
	}
	archiveURL, _ := url.Parse(goldenBase)

	views := []struct {
		name     string
		width    int
		viewport chromedp.Action[chromedp.Void]
	}{
		{"desktop-1024", 1024, chromedp.EmulateViewport(1024, 800)},
		{"phone-360", 360, chromedp.EmulateViewport(360, 740, chromedp.EmulateMobile, chromedp.EmulateTouch, chromedp.EmulatePortrait)},
	}
	for _, v := range views {
		where := "summary at " + v.name
		b.Take()
		b.Do("setting the viewport", v.viewport)
		resp := b.Navigate(pageURL)
		if resp == nil {
			t.Fatalf("%s: no response", where)
		}
		if resp.Status != 200 || resp.MimeType != "text/html" {
			t.Errorf("%s: status %d, type %q", where, resp.Status, resp.MimeType)
		}
		dom := browsertest.Eval[summaryDOM](b, summaryDOMJS)
		lay := browsertest.Eval[summaryLayout](b, summaryLayoutJS)
		b.Screenshot(shots, "summary-2021-04-12-"+v.name)
		b.Check(where, origin)

		// Safe for a mail client.
		if dom.Elements < 100 {
			t.Errorf("%s: only %d elements: the page did not load", where, dom.Elements)
		}
		if dom.Scripts != 0 {
			t.Errorf("%s: document.scripts.length = %d", where, dom.Scripts)
		}
		for what, bad := range map[string][]string{
			"event handler attributes":                dom.Handlers,
			"embedding, fetching or active elements":  dom.Embeds,
			"attributes that fetch":                   dom.URLAttrs,
			"url(), @import or image-set in a style":  dom.StyleURLs,
			"background images":                       dom.BgImages,
			"resources fetched (Resource Timing API)": dom.Resources,
		} {
			if len(bad) > 0 {
				t.Errorf("%s: %s: %q", where, what, bad)
			}
		}

		// The list's name, and the reader's copy.
		if len(dom.H1) != 1 {
			t.Errorf("%s: %d <h1> elements: %q", where, len(dom.H1), dom.H1)
		}
		if !strings.Contains(dom.Title, s.List.Name) {
			t.Errorf("%s: title %q does not name the list %q", where, dom.Title, s.List.Name)
		}
		// The h1 says "What the community learned"; the list's name is
		// the line above it, in the same masthead cell.
		if !strings.Contains(dom.Masthead, s.List.Name) || !strings.Contains(dom.Masthead, "What the community learned") {
			t.Errorf("%s: masthead %q does not name the list %q", where, dom.Masthead, s.List.Name)
		}
		if dom.Lang == "" {
			t.Errorf("%s: no lang on <html>", where)
		}
		for _, want := range []string{"Hello Ada", "RFNoC, python", "In numbers", "What was discussed most",
			"Still waiting for an answer", "Resources shared", "Change or stop these summaries"} {
			if !strings.Contains(dom.Text, want) {
				t.Errorf("%s: the page does not show %q", where, want)
			}
		}
		if s.ExpertiseMatches() > 0 && !strings.Contains(dom.Text, "your expertise:") {
			t.Errorf("%s: %d questions match Ada's expertise, none is marked", where, s.ExpertiseMatches())
		}
		for _, top := range s.Top {
			if !strings.Contains(dom.Text, top.Subject) {
				t.Errorf("%s: top thread %q not shown", where, top.Subject)
			}
		}

		// Links: http, https or mailto; on the web, the archive's, or a
		// link shared in the week's posts.
		if n := strings.Count(html, "<a href="); len(dom.Links) != n {
			t.Errorf("%s: the browser found %d links, the HTML has %d", where, len(dom.Links), n)
		}
		for _, l := range dom.Links {
			u, err := url.Parse(l.Abs)
			if err != nil {
				t.Errorf("%s: link %q: %v", where, l.Href, err)
				continue
			}
			switch {
			case u.Scheme == "mailto":
			case u.Scheme != "http" && u.Scheme != "https":
				t.Errorf("%s: link %q (%q) is %s:", where, l.Href, l.Text, u.Scheme)
			case u.Host == archiveURL.Host:
				if u.Scheme != archiveURL.Scheme || !(strings.HasPrefix(u.Path, "/l/"+s.List.Address+"/") || strings.HasPrefix(u.Path, "/m/")) {
					t.Errorf("%s: link %q (%q) is not to the list's archive", where, l.Href, l.Text)
				}
			case !shared[l.Href]:
				t.Errorf("%s: link %q (%q) is neither the archive's nor one shared in the week", where, l.Href, l.Text)
			}
			if l.Text == "" {
				t.Errorf("%s: link %q has no text", where, l.Href)
			}
		}

		// Layout. The content is a table with width="600", the usual
		// frame of HTML mail, but its inline style (width:100%;
		// max-width:600px) makes it fluid: on a desktop it is 600 px
		// wide, on a phone it shrinks to the screen, so the page must not
		// scroll sideways there, and nothing may be cut off.
		if v.width >= 700 && (lay.Card < 598 || lay.Card > 602) {
			t.Errorf("%s: the content is %.0f px wide, want 600", where, lay.Card)
		}
		if lay.Viewport != v.width {
			t.Errorf("%s: viewport %d px, want %d (meta viewport ignored?)", where, lay.Viewport, v.width)
		}
		if lay.ScrollWidth > lay.Viewport+2 {
			t.Errorf("%s: the page scrolls sideways: %d px wide in a %d px viewport; sticking out: %v", where, lay.ScrollWidth, lay.Viewport, lay.Outside)
		} else if len(lay.Outside) > 0 {
			t.Errorf("%s: elements outside the viewport: %v", where, lay.Outside)
		}
		if len(lay.Clipped) > 0 {
			t.Errorf("%s: content cut off by overflow: %v", where, lay.Clipped)
		}
		if len(lay.Ellipsis) > 0 {
			t.Errorf("%s: text cut with an ellipsis: %v", where, lay.Ellipsis)
		}
		if lay.MinFont < 12 {
			t.Errorf("%s: text at %.1f px (%s), under 12 px", where, lay.MinFont, lay.MinFontAt)
		}
		t.Logf("%s: %d elements, %d links, page %dx%d px, content %.0f px wide at x=%.0f, smallest text %.0f px (%s)",
			where, dom.Elements, len(dom.Links), lay.ScrollWidth, lay.Height, lay.Card, lay.CardLeft, lay.MinFont, lay.MinFontAt)
	}

	smu.Lock()
	for _, r := range served {
		if r != "GET /summary.html" && r != "GET /favicon.ico" {
			t.Errorf("the page asked the test server for %s", r)
		}
	}
	smu.Unlock()

	// The detectors work: a remote image, a handler, a style url() and a
	// dialog put into the page from DevTools are all seen.
	b.Do("setting the viewport", views[0].viewport)
	b.Navigate(pageURL)
	b.Take()
	browsertest.Eval[int](b, `(() => { const i = new Image(); i.src = "https://remote.invalid/pixel.gif"; document.body.append(i);
		const d = document.createElement("div"); d.setAttribute("onclick", "x()"); d.setAttribute("style", "background:url(https://remote.invalid/bg.png)");
		document.body.append(d); alert("canary"); return 1; })()`)
	var canary browsertest.Report
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		r := b.Take()
		canary.Console = append(canary.Console, r.Console...)
		canary.Dialogs = append(canary.Dialogs, r.Dialogs...)
		canary.Requests = append(canary.Requests, r.Requests...)
		if len(canary.Dialogs) > 0 && len(canary.Offsite(origin)) >= 2 {
			break
		}
	}
	if len(canary.Dialogs) == 0 || len(canary.Offsite(origin)) < 2 {
		t.Errorf("the detectors missed a dialog or remote fetches made on purpose: %+v", canary)
	}
	if dom := browsertest.Eval[summaryDOM](b, summaryDOMJS); len(dom.Handlers) != 1 || len(dom.Embeds) != 1 || len(dom.URLAttrs) != 1 || len(dom.StyleURLs) != 1 || len(dom.BgImages) != 1 {
		t.Errorf("the DOM checks missed markup put there on purpose: %+v", dom)
	}
	t.Logf("summary of %s for %s: %d bytes of HTML, built in %v; browser checks done in %v; screenshots in %s",
		goldenStart.Format(time.DateOnly), goldenMember.Address, len(html), built.Round(time.Millisecond),
		(time.Since(start) - built).Round(time.Millisecond), shots)
}
