package web

import (
	"fmt"
	"testing"

	"praxis/archive/web/browsertest"
)

// The browser tests drive a real headless Chromium (package browsertest);
// these are the checks of the archive's pages on top of it.

// browser is a browsertest.Browser with the archive pages' own checks.
type browser struct{ *browsertest.Browser }

func newBrowser(t *testing.T) browser { return browser{browsertest.New(t)} }

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
func (b browser) noSideScroll(where string) {
	b.T.Helper()
	o := browsertest.Eval[overflow](b.Browser, overflowJS)
	if o.ScrollWidth > o.Viewport {
		b.T.Errorf("%s: the page scrolls sideways: %d px wide in a %d px viewport; sticking out: %v", where, o.ScrollWidth, o.Viewport, o.Culprits)
	}
}

// visible tells whether the first element matching a CSS selector is
// rendered (not display:none, not inside a closed <details>).
func (b browser) visible(sel string) bool {
	b.T.Helper()
	return browsertest.Eval[bool](b.Browser, fmt.Sprintf(`(() => { const e = document.querySelector(%q); return !!e && e.checkVisibility(); })()`, sel))
}

// text is the rendered text (innerText) of the first element matching
// sel, or "" when there is none.
func (b browser) text(sel string) string {
	b.T.Helper()
	return browsertest.Eval[string](b.Browser, fmt.Sprintf(`(() => { const e = document.querySelector(%q); return e ? e.innerText : ""; })()`, sel))
}
