package archive

import (
	"regexp"
	"strings"
)

// urlPattern finds http and https URLs in text. The end is trimmed after
// matching (see trimURL), as prose puts punctuation right after links.
var urlPattern = regexp.MustCompile(`https?://[^\s<>"'\x60{}|\\^\[\]]+`)

// Links returns the http(s) URLs a post's own text shares, in order, each
// once: what the resources page lists. The text is a post's body as Text
// gives it (quotes and signature already out); a mailing-list footer, which
// every post carries, is left out too.
func Links(body string) []string {
	body = withoutFooter(body)
	var out []string
	seen := map[string]bool{}
	for _, m := range urlPattern.FindAllString(body, -1) {
		u := trimURL(m)
		if len(u) <= len("https://x") || len(u) > 2000 || seen[u] {
			continue
		}
		seen[u] = true
		out = append(out, u)
	}
	return out
}

// trimURL drops what ends a sentence rather than the URL: trailing
// punctuation, and a closing bracket that has no opening one inside.
func trimURL(u string) string {
	for len(u) > 0 {
		last := u[len(u)-1]
		switch {
		case strings.IndexByte(".,;:!?*'\"", last) >= 0:
			u = u[:len(u)-1]
		case last == ')' && strings.Count(u, "(") < strings.Count(u, ")"):
			u = u[:len(u)-1]
		default:
			return u
		}
	}
	return u
}

// withoutFooter cuts a Mailman-style footer: a line of underscores
// followed, within a few lines, by "mailing list" or a listinfo link.
func withoutFooter(body string) string {
	lines := strings.Split(body, "\n")
	for i, l := range lines {
		t := strings.TrimSpace(l)
		if len(t) < 20 || strings.Trim(t, "_") != "" {
			continue
		}
		for j := i + 1; j < len(lines) && j <= i+4; j++ {
			lj := strings.ToLower(lines[j])
			if strings.Contains(lj, "mailing list") || strings.Contains(lj, "listinfo") || strings.Contains(lj, "unsubscribe") {
				return strings.Join(lines[:i], "\n")
			}
		}
	}
	return body
}
