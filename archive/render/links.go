package render

import (
	"strings"

	"praxis/listserv/mailmsg"
)

// CutFooter returns plain text without the mailing-list footer at its
// end, if it has one (see footerStart).
func CutFooter(text string) string {
	lines := strings.Split(text, "\n")
	if i := footerStart(lines); i >= 0 {
		return strings.Join(lines[:i], "\n")
	}
	return text
}

// links collects the links of the author's own text in a rendered
// message: Plain blocks of text parts and the unquoted text and links of
// HTML parts. A forwarded message's parts count: forwarding is sharing.
func (m *Message) links() []string {
	var out []string
	seen := map[string]bool{}
	add := func(us []string) {
		for _, u := range us {
			if !seen[u] {
				seen[u] = true
				out = append(out, u)
			}
		}
	}
	for _, p := range m.Parts {
		if p.HTML != "" || p.RemoteContent {
			add(p.links)
			continue
		}
		for _, b := range p.Blocks {
			if b.Kind == Plain {
				add(mailmsg.URLs(b.Text))
			}
		}
	}
	return out
}
