package archive

import (
	"strings"

	"praxis/archive/render"
	"praxis/listserv/mailmsg"
)

// Links returns the http(s) URLs a post's own text shares, in order, each
// once: what the resources page lists. The text is a post's body as Text
// gives it (quotes and signature already out); the mailing-list footer,
// which every post carries, is left out too. URLs are found the way the
// pages find them (mailmsg.URLs).
func Links(body string) []string {
	if !strings.Contains(body, "://") {
		return nil // no URL (most posts): the footer need not be looked for
	}
	var out []string
	seen := map[string]bool{}
	for _, u := range mailmsg.URLs(render.CutFooter(body)) {
		if len(u) > 2000 || seen[u] {
			continue
		}
		seen[u] = true
		out = append(out, u)
	}
	return out
}
