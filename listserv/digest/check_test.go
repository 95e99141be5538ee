package digest

import (
	"regexp"
	"strings"
	"testing"
)

var (
	remoteRef = regexp.MustCompile(`(?i)\b(src|background|srcset|poster)\s*=\s*["']?\s*(https?:)?//`)
	cssURL    = regexp.MustCompile(`(?i)url\s*\(|@import`)
	scriptURL = regexp.MustCompile(`(?i)\b(href|src|action)\s*=\s*["']?\s*(javascript|vbscript|data):`)
)

// checkSafeHTML checks what a mail client needs of HTML: no script, no
// style block or stylesheet link, nothing fetched from elsewhere.
func checkSafeHTML(t *testing.T, h string) {
	t.Helper()
	lower := strings.ToLower(h)
	for _, bad := range []string{"<script", "<style", "<link", "<iframe", "<object", "<embed", "<form", "<img"} {
		if strings.Contains(lower, bad) {
			t.Errorf("HTML contains %q", bad)
		}
	}
	if m := remoteRef.FindString(h); m != "" {
		t.Errorf("HTML loads a remote resource: %q", m)
	}
	if m := scriptURL.FindString(h); m != "" {
		t.Errorf("HTML links to script: %q", m)
	}
	if m := cssURL.FindString(h); m != "" {
		t.Errorf("HTML style fetches: %q", m)
	}
}
