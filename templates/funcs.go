package templates

import (
	"fmt"
	"html"
	htmltemplate "html/template"
	"net/url"
	"regexp"
	"strings"
	"time"

	"praxis/listserv/mailmsg"
)

// Paths of the web archive. Message-IDs and thread ids may hold any
// character, '/' included, so each is one escaped path segment. The web
// server and the pages both build links with these.
func ListPath(list string) string { return "/l/" + url.PathEscape(list) + "/" }

// ThreadPath is a thread's page.
func ThreadPath(list, thread string) string {
	return "/l/" + url.PathEscape(list) + "/t/" + url.PathEscape(thread)
}

// MessagePath is a post's permalink.
func MessagePath(id string) string { return "/m/" + url.PathEscape(id) }

// webFuncs are the functions the page templates call.
var webFuncs = htmltemplate.FuncMap{
	"listpath":   ListPath,
	"threadpath": ThreadPath,
	"msgpath":    MessagePath,
	// Dates are absolute and in UTC, so a page reads the same anywhere.
	"day":  func(t time.Time) string { return t.UTC().Format("2006-01-02") },
	"when": func(t time.Time) string { return t.UTC().Format("2006-01-02 15:04 UTC") },
	"iso":  func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
	"size": func(n int) string {
		switch {
		case n >= 1<<20:
			return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
		case n >= 1<<10:
			return fmt.Sprintf("%.0f KB", float64(n)/(1<<10))
		}
		return fmt.Sprintf("%d bytes", n)
	},
	"add": func(a, b int) int { return a + b },
	"plural": func(n int, one, many string) string {
		if n == 1 {
			return one
		}
		return many
	},
	"linkify": linkify,
	"title":   Title,
	"subject": Subject,
	// safesnippet passes a search snippet through unescaped: the index
	// builds it from escaped text and adds only <mark> elements
	// (archive/index/snippet.go).
	"safesnippet": func(s string) htmltemplate.HTML { return htmltemplate.HTML(s) },
}

// Title is a subject as the archive's pages show it: what it is about,
// without the list's tag and reply markers (mailmsg.Topic), and "(no
// subject)" rather than nothing, so that every link has a text.
func Title(subject string) string {
	if t := mailmsg.Topic(subject); t != "" {
		return t
	}
	return "(no subject)"
}

// replyRE tells a reply's subject: a reply marker first, after any list
// tags ("[cop] Re: …", "AW: …").
var replyRE = regexp.MustCompile(`(?i)^\s*(\[[^\]]{1,40}\]\s*)*(re|aw|sv|antw|vs|odp|回复|答复)(\[\d+\]|\(\d+\))?\s*[:：]`)

// Subject is one post's subject in a list of posts: its Title, with
// "Re: " before it when it is a reply, so that a question and its answers
// are told apart.
func Subject(subject string) string {
	if replyRE.MatchString(subject) && mailmsg.Topic(subject) != "" {
		return "Re: " + Title(subject)
	}
	return Title(subject)
}

// linkify escapes plain text and makes its http(s) URLs (as
// mailmsg.URLSpans finds them) links that tell the browser to send no
// referrer and open nothing with access back.
func linkify(text string) htmltemplate.HTML {
	var b strings.Builder
	at := 0
	for _, sp := range mailmsg.URLSpans(text) {
		u := text[sp[0]:sp[1]]
		b.WriteString(html.EscapeString(text[at:sp[0]]))
		b.WriteString(`<a href="` + html.EscapeString(u) + `" rel="nofollow noopener noreferrer">` + html.EscapeString(u) + `</a>`)
		at = sp[1]
	}
	b.WriteString(html.EscapeString(text[at:]))
	return htmltemplate.HTML(b.String())
}
