package render

import (
	"net/url"
	"regexp"
	"strings"
)

// urlRE finds http(s) URLs in plain text. A URL ends at white space or
// at a character that cannot be in one unescaped (RFC 3986 §2): quotes,
// angle brackets, backslash, braces, "|" and "^".
var urlRE = regexp.MustCompile(`(?i)\bhttps?://[^\s\p{Z}<>"\\{}|^` + "`" + `]+`)

// textURLs returns the http(s) URLs in s, in order, each trimmed of the
// punctuation that ends the sentence around it.
func textURLs(s string) []string {
	var out []string
	for _, u := range urlRE.FindAllString(s, -1) {
		if u = trimURL(u); isHTTP(u) {
			out = append(out, u)
		}
	}
	return out
}

// trimURL drops trailing characters that belong to the prose around a
// URL rather than to it: sentence punctuation and quotes, and a closing
// bracket whose opening one is not in the URL ("(see https://x.org/a)"
// but "https://en.wikipedia.org/wiki/Foo_(bar)" keeps its own).
func trimURL(u string) string {
	for len(u) > 0 {
		last := u[len(u)-1]
		switch last {
		case '.', ',', ';', ':', '!', '?', '\'', '"', '*':
		case ')':
			if strings.Count(u, "(") >= strings.Count(u, ")") {
				return u
			}
		case ']':
			if strings.Count(u, "[") >= strings.Count(u, "]") {
				return u
			}
		case '>':
			if strings.Count(u, "<") >= strings.Count(u, ">") {
				return u
			}
		default:
			return u
		}
		u = u[:len(u)-1]
	}
	return u
}

// isHTTP tells whether u is an absolute http or https URL with a host.
func isHTTP(u string) bool {
	p, err := url.Parse(u)
	if err != nil {
		return false
	}
	s := strings.ToLower(p.Scheme)
	return (s == "http" || s == "https") && p.Host != ""
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
				add(textURLs(b.Text))
			}
		}
	}
	return out
}
