package mailmsg

import (
	"net/url"
	"regexp"
	"strings"
)

// Links in a post's text. The web pages make them clickable, the archive
// collects them for the list's resources page, and the summaries count
// them: all find the same ones here.

// urlRE finds http(s) URLs in plain text. A URL ends at white space or
// at a character that cannot be in one unescaped (RFC 3986 §2): quotes,
// angle brackets, backslash, braces, "|" and "^".
var urlRE = regexp.MustCompile(`(?i)\bhttps?://[^\s\p{Z}<>"\\{}|^` + "`" + `]+`)

// URLSpans returns where the http(s) URLs of plain text are, as
// [start, end) byte offsets, each trimmed of the punctuation that ends
// the sentence around it: for making them links in a page.
func URLSpans(text string) [][2]int {
	var out [][2]int
	for _, m := range urlRE.FindAllStringIndex(text, -1) {
		if u := TrimURL(text[m[0]:m[1]]); IsHTTP(u) {
			out = append(out, [2]int{m[0], m[0] + len(u)})
		}
	}
	return out
}

// URLs returns the http(s) URLs of plain text, in order, as URLSpans
// finds them.
func URLs(text string) []string {
	var out []string
	for _, sp := range URLSpans(text) {
		out = append(out, text[sp[0]:sp[1]])
	}
	return out
}

// TrimURL drops trailing characters that belong to the prose around a
// URL rather than to it: sentence punctuation and quotes, and a closing
// bracket whose opening one is not in the URL ("(see https://x.org/a)"
// but "https://en.wikipedia.org/wiki/Foo_(bar)" keeps its own).
func TrimURL(u string) string {
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

// IsHTTP tells whether u is an absolute http or https URL with a host.
func IsHTTP(u string) bool {
	p, err := url.Parse(u)
	if err != nil {
		return false
	}
	s := strings.ToLower(p.Scheme)
	return (s == "http" || s == "https") && p.Host != ""
}
