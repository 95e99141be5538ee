package mailmsg

import (
	"net/url"
	"regexp"
	"strings"
)

// Links in a post's text. The web pages make them clickable, the archive
// collects them for the list's resources page, and the summaries count
// them: all find the same ones here.

// urlAt finds an http(s) URL at the start of a text. A URL ends at white
// space or at a character that cannot be in one unescaped (RFC 3986 §2):
// quotes, angle brackets, backslash, braces, "|" and "^". URLSpans finds
// where URLs may start itself and anchors this there: unanchored and
// case-insensitive, the pattern had nothing literal for the regexp
// engine to look for, so it tried every byte of every body (the busiest
// part of a week's summary).
var urlAt = regexp.MustCompile(`^(?i:https?://)[^\s\p{Z}<>"\\{}|^` + "`" + `]+`)

// URLSpans returns where the http(s) URLs of plain text are, as
// [start, end) byte offsets, each trimmed of the punctuation that ends
// the sentence around it: for making them links in a page.
func URLSpans(text string) [][2]int {
	var out [][2]int
	for i := 0; i < len(text); {
		// The next "http", in any case, at a word's start (urlRE's \b:
		// an ASCII word character may not come before it).
		j := strings.IndexAny(text[i:], "hH")
		if j < 0 {
			break
		}
		k := i + j
		if len(text)-k < len("http://") || !strings.EqualFold(text[k:k+4], "http") || (k > 0 && isWordByte(text[k-1])) {
			i = k + 1
			continue
		}
		m := urlAt.FindStringIndex(text[k:])
		if m == nil {
			i = k + 1
			continue
		}
		if u := TrimURL(text[k : k+m[1]]); IsHTTP(u) {
			out = append(out, [2]int{k, k + len(u)})
		}
		i = k + m[1]
	}
	return out
}

// isWordByte is RE2's \w: an ASCII letter, digit or underscore.
func isWordByte(b byte) bool {
	return b == '_' || ('0' <= b && b <= '9') || ('a' <= b && b <= 'z') || ('A' <= b && b <= 'Z')
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
//
// A bracketed image name glued to its end ("…/td8647.html[Image.jpeg]",
// "…/page[image: logo.png]") is what a mail client writes for a picture
// beside the link when it turns HTML into text: not the URL's.
//
// Nor are a footnote's mark ("…/td10183.html[1]"), Markdown's "](…)"
// after a link written as "[url](url)", or a word glued to a file name's
// extension ("…/Datasheet-5.pdfOn": the "On Mon, … wrote:" that came
// after the link in the HTML, joined by a client without a space).
func TrimURL(u string) string {
	// Underline and bold marks closing together after the link, as a
	// client writes an HTML mail's <b><u> in text ("…/Discovery_Issues_*"):
	// neither is the URL's. Not a name's own underscores ("…#object.__init__*").
	if t := strings.TrimRight(u, ".,;:!?"); strings.HasSuffix(t, "_*") && !strings.HasSuffix(t, "__*") {
		u = t[:len(t)-2]
	}
	if strings.HasSuffix(u, "]") {
		if i := strings.LastIndexByte(u, '['); i > 0 && glued.MatchString(u[i+1:len(u)-1]) {
			u = u[:i]
		}
	}
	// Markdown's "[https://x.org/a](https://x.org/a)", which web forms
	// and Mailman 3's archive send as text: the link ends at "](".
	if i := strings.Index(u, "]("); i > 0 {
		u = u[:i]
	}
	// What is glued on comes before the sentence's punctuation
	// ("…/a.pdfThanks,"): that goes first, then what was glued, then
	// the punctuation before it.
	u = trimPunct(u)
	if m := gluedWord.FindStringSubmatchIndex(u); m != nil && !strings.ContainsAny(u, "?#") {
		u = u[:m[2]]
	}
	// A footnote's mark glued to the link ("…/td10183.html[1]"), as a
	// client writes the links of HTML it turns into text.
	if m := footnote.FindStringIndex(u); m != nil {
		u = u[:m[0]]
	}
	return trimPunct(u)
}

// trimPunct drops the sentence punctuation and the unmatched closing
// brackets at the end of a URL (see TrimURL).
func trimPunct(u string) string {
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

// glued: what a mail client puts in brackets for a picture.
var glued = regexp.MustCompile(`(?i)^(image|cid:|[^\]]*\.(jpe?g|png|gif|bmp|svg|webp))`)

// footnote: a footnote's mark at the end of a URL ("[1]").
var footnote = regexp.MustCompile(`\[\d{1,3}\]$`)

// gluedWord: a capitalised word right after a file name's extension (its
// first group is where the word starts).
var gluedWord = regexp.MustCompile(`\.(?i:pdf|html?|zip|gz|tgz|txt|png|jpe?g|gif|py|grc|md|docx?|xlsx?|pptx?|ya?ml|json|xml|cpp|hpp|sv|vhd|sh|bit|rst)([A-Z][a-z]{1,15})$`)

// IsHTTP tells whether u is an absolute http or https URL with a host.
func IsHTTP(u string) bool {
	p, err := url.Parse(u)
	if err != nil {
		return false
	}
	s := strings.ToLower(p.Scheme)
	return (s == "http" || s == "https") && p.Host != ""
}
