package bounce

import (
	"bytes"
	"io"
	"mime"
	"regexp"
	"strings"

	"github.com/emersion/go-message"
	_ "github.com/emersion/go-message/charset" // every charset decodes
	"github.com/emersion/go-message/textproto"
	"golang.org/x/net/html"
)

// Limits on what one message may make Parse do. A bounce carries the
// returned message, which may be large; only its header is needed.
const (
	maxDepth     = 8       // nested multiparts
	maxParts     = 128     // parts in the whole message
	maxTextBytes = 1 << 20 // decoded bytes kept of one part
)

// part is one leaf of the message that Parse looks at, decoded to UTF-8 text
// with LF line ends.
type part struct {
	mediaType  string
	attachment bool // Content-Disposition: attachment
	text       string
}

// mailMessage is what readMessage keeps of a message.
type mailMessage struct {
	header    textproto.Header
	subject   string // decoded, one line
	from      string // decoded
	mediaType string
	params    map[string]string
	texts     []part // text/plain and text/html, outside the returned message
	reports   []part // message/delivery-status, feedback-report, disposition-notification
	originals []textproto.Header
	nparts    int
}

// readMessage reads raw as leniently as it can: a part that does not parse
// ends that part, never the message.
func readMessage(raw []byte) *mailMessage {
	h, body := readHeader(raw)
	m := &mailMessage{header: h}
	mh := message.Header{Header: h}
	m.subject = oneLine(headerText(mh, "Subject"))
	m.from = oneLine(headerText(mh, "From"))
	m.mediaType, m.params = contentType(h.Get("Content-Type"))
	m.walk(h, body, 0)
	return m
}

// headerText decodes RFC 2047 encoded words; an unknown charset leaves the
// field as it is.
func headerText(h message.Header, key string) string {
	s, err := h.Text(key)
	if err != nil {
		return h.Get(key)
	}
	return s
}

func (m *mailMessage) walk(h textproto.Header, body []byte, depth int) {
	mt, params := contentType(h.Get("Content-Type"))
	if mt == "" {
		mt = "text/plain" // RFC 2045 §5.2
	}
	disp, _, _ := mime.ParseMediaType(h.Get("Content-Disposition"))
	leaf := func(text string) part {
		return part{mediaType: mt, attachment: disp == "attachment", text: text}
	}
	switch {
	case strings.HasPrefix(mt, "multipart/"):
		if depth < maxDepth {
			if parts := splitMultipart(body, params["boundary"]); len(parts) > 0 {
				for _, p := range parts {
					if m.nparts >= maxParts {
						return
					}
					m.nparts++
					m.walk(p.header, p.body, depth+1)
				}
				return
			}
		}
		// A multipart without a boundary that works: what there is, is text.
		m.texts = append(m.texts, part{mediaType: "text/plain", text: toText(body)})
	case mt == "message/rfc822" || mt == "message/global" ||
		strings.HasSuffix(mt, "rfc822-headers") || mt == "text/rfc822-header" || mt == "message/global-headers":
		// The returned message (RFC 6522 §3, RFC 6533 §6.3): its header is
		// all Parse needs, and its body must not be mistaken for the notice.
		oh, _ := readHeader(decodeBody(h, mt, params, body))
		m.originals = append(m.originals, oh)
	case isReportType(mt):
		m.reports = append(m.reports, leaf(toText(decodeBody(h, mt, params, body))))
	case mt == "text/html":
		m.texts = append(m.texts, leaf(htmlToText(decodeBody(h, mt, params, body))))
	case strings.HasPrefix(mt, "text/"):
		m.texts = append(m.texts, leaf(toText(decodeBody(h, mt, params, body))))
	}
}

func isReportType(mt string) bool {
	switch mt {
	case "message/delivery-status", "message/global-delivery-status", "text/delivery-status",
		"message/feedback-report",
		"message/disposition-notification", "message/global-disposition-notification":
		return true
	}
	return false
}

// noticeText is the human-readable text of the message: its plain-text parts,
// else its HTML parts, else text attachments.
func (m *mailMessage) noticeText() string {
	pick := func(ok func(part) bool) string {
		var b strings.Builder
		for _, p := range m.texts {
			if ok(p) {
				b.WriteString(p.text)
				b.WriteString("\n\n")
			}
		}
		return b.String()
	}
	if s := pick(func(p part) bool { return !p.attachment && p.mediaType != "text/html" }); strings.TrimSpace(s) != "" {
		return s
	}
	if s := pick(func(p part) bool { return !p.attachment }); strings.TrimSpace(s) != "" {
		return s
	}
	return pick(func(part) bool { return true })
}

// reInlineCopy finds where a notice starts quoting the returned message, as
// qmail ("--- Below this line is a copy of the message."), Exim ("------ This
// is a copy of the message, including all the headers. ------"), Sendmail,
// Gmail and Exchange ("Original message headers:") do.
var reInlineCopy = regexp.MustCompile(`(?im)^[ \t]*(?:-{2,}[ \t]*(?:below this line is a copy of the message|this is a copy of (?:the|your) message|the body of the message is|original message|unsent message follows|message header follows|returned message|undelivered message|forwarded message)|original message headers:|-{5,}[ \t]*original[ \t]+message[ \t]*-{5,})`)

// splitInlineCopy cuts a notice where it starts quoting the returned message:
// addresses there are the original's, not the failed recipients.
func splitInlineCopy(text string) (notice, inlineCopy string) {
	if loc := reInlineCopy.FindStringIndex(text); loc != nil {
		return text[:loc[0]], text[loc[0]:]
	}
	return text, ""
}

var reMessageIDField = regexp.MustCompile(`(?im)^message-id[ \t]*:[ \t]*(?:\n[ \t]+)?(\S[^\n]*)$`)

// originalMessageID is the Message-ID of the returned message: from an
// attached copy, else from one quoted inline.
func (m *mailMessage) originalMessageID(inlineCopy string) string {
	for _, h := range m.originals {
		if id := messageID(h.Get("Message-Id")); id != "" {
			return id
		}
	}
	if mm := reMessageIDField.FindStringSubmatch(inlineCopy); mm != nil {
		return messageID(mm[1])
	}
	return ""
}

// referencedID is the message a notice is about when it carries no copy of
// it: an MDN's Original-Message-ID (RFC 8098 §3.2.5), else In-Reply-To
// (RFC 3834 §3.1.5 asks automatic responses to set it; Gmail and Exchange
// set it on bounces), else the last of References (Exim's delay warnings).
func (m *mailMessage) referencedID() string {
	if id := m.mdnOriginalID(); id != "" {
		return id
	}
	if id := messageID(m.header.Get("In-Reply-To")); id != "" {
		return id
	}
	refs := strings.Fields(strings.ReplaceAll(m.header.Get("References"), ">", "> "))
	for i := len(refs) - 1; i >= 0; i-- {
		if strings.HasPrefix(refs[i], "<") {
			if id := messageID(refs[i]); id != "" {
				return id
			}
		}
	}
	return ""
}

// messageID returns the first msg-id in v without its angle brackets
// (RFC 5322 §3.6.4), or v's first word when it has none.
func messageID(v string) string {
	v = strings.TrimSpace(v)
	if i := strings.IndexByte(v, '<'); i >= 0 {
		if j := strings.IndexByte(v[i:], '>'); j > 0 {
			v = v[i+1 : i+j]
		} else {
			v = v[i+1:]
		}
	}
	f := strings.Fields(v)
	if len(f) == 0 || strings.ContainsAny(f[0], "<>") || len(f[0]) > 998 { // RFC 5322 §2.1.1
		return ""
	}
	return f[0]
}

// readHeader splits b into a header and a body, leniently: a leading mbox
// "From " line and a byte order mark are skipped, folded lines are unfolded
// (RFC 5322 §2.2.3), and a line that is not a field ends the header (as if
// the blank line were missing). When b does not start with a field at all,
// the whole of it is body.
func readHeader(b []byte) (textproto.Header, []byte) {
	var h textproto.Header
	b = bytes.TrimPrefix(b, []byte("\xef\xbb\xbf"))
	var name string
	var value strings.Builder
	flush := func() {
		if name != "" {
			h.Add(name, strings.TrimSpace(value.String()))
		}
		name = ""
		value.Reset()
	}
	rest := b
	for first := true; len(rest) > 0; first = false {
		line, next := cutLine(rest)
		switch {
		case len(bytes.TrimSpace(line)) == 0:
			flush()
			return h, next
		case first && bytes.HasPrefix(line, []byte("From ")):
			// mbox separator
		case line[0] == ' ' || line[0] == '\t':
			if first {
				return h, b
			}
			if name != "" {
				value.WriteByte(' ')
				value.Write(bytes.TrimSpace(line))
			}
		default:
			k, v, ok := fieldLine(string(line))
			if !ok {
				flush()
				if first {
					return h, b
				}
				return h, rest
			}
			flush()
			name = k
			value.WriteString(v)
		}
		rest = next
	}
	flush()
	return h, nil
}

// cutLine returns b's first line without its line end, and what follows.
func cutLine(b []byte) (line, rest []byte) {
	i := bytes.IndexByte(b, '\n')
	if i < 0 {
		return bytes.TrimSuffix(b, []byte("\r")), nil
	}
	return bytes.TrimSuffix(b[:i], []byte("\r")), b[i+1:]
}

// fieldLine splits "Name: value". RFC 5322 §2.2: the name is printable
// US-ASCII except the colon; spaces before the colon are seen in the wild.
func fieldLine(line string) (name, value string, ok bool) {
	i := strings.IndexByte(line, ':')
	if i <= 0 {
		return "", "", false
	}
	name = strings.TrimRight(line[:i], " \t")
	if name == "" || len(name) > 76 {
		return "", "", false
	}
	for j := 0; j < len(name); j++ {
		if c := name[j]; c <= ' ' || c > '~' {
			return "", "", false
		}
	}
	return name, strings.TrimSpace(line[i+1:]), true
}

// contentType parses a Content-Type value. When mime.ParseMediaType refuses
// it (a duplicate parameter, a stray semicolon), the type and the parameters
// that can be read are kept: the boundary of a bounce matters more than its
// correctness.
func contentType(v string) (string, map[string]string) {
	mt, params, err := mime.ParseMediaType(v)
	if err == nil {
		if !strings.Contains(mt, "/") {
			return "", params // RFC 2045 §5.2: as if there were none
		}
		return mt, params
	}
	params = map[string]string{}
	pieces := strings.Split(v, ";")
	mt = strings.ToLower(strings.TrimSpace(pieces[0]))
	if !strings.Contains(mt, "/") || strings.ContainsAny(mt, " \t\"") {
		mt = ""
	}
	for _, p := range pieces[1:] {
		k, val, ok := strings.Cut(p, "=")
		if !ok {
			continue
		}
		k = strings.ToLower(strings.TrimSpace(k))
		val = strings.TrimSpace(val)
		if len(val) >= 2 && val[0] == '"' && val[len(val)-1] == '"' {
			val = val[1 : len(val)-1]
		}
		if _, seen := params[k]; !seen && k != "" {
			params[k] = val
		}
	}
	return mt, params
}

// rawPart is one part of a multipart body: its header, and its body still
// transfer-encoded.
type rawPart struct {
	header textproto.Header
	body   []byte
}

// splitMultipart returns the parts of a multipart body. go-message's reader
// is tried first; where it stops at something malformed (a broken part
// header, a missing final boundary, text between parts), the parts are found
// again line by line.
func splitMultipart(body []byte, boundary string) []rawPart {
	if boundary == "" {
		return nil
	}
	var parts []rawPart
	mr := textproto.NewMultipartReader(bytes.NewReader(body), boundary)
	for len(parts) < maxParts {
		p, err := mr.NextPart()
		if err == io.EOF {
			return parts
		}
		if err != nil {
			break
		}
		b, err := io.ReadAll(p)
		parts = append(parts, rawPart{header: p.Header, body: b})
		if err != nil {
			break
		}
	}
	if lenient := splitLenient(body, boundary); len(lenient) >= len(parts) {
		return lenient
	}
	return parts
}

// splitLenient finds the parts between RFC 2046 §5.1.1 boundary delimiter
// lines ("--boundary", trailing white space allowed), accepting any line end
// and a missing close delimiter.
func splitLenient(body []byte, boundary string) []rawPart {
	delim := []byte("--" + boundary)
	var parts []rawPart
	add := func(b []byte) {
		h, body := readHeader(b)
		parts = append(parts, rawPart{header: h, body: body})
	}
	start := -1
	for off := 0; off < len(body) && len(parts) < maxParts; {
		line, rest := cutLine(body[off:])
		next := len(body) - len(rest)
		if bytes.HasPrefix(line, delim) {
			tail := bytes.TrimRight(line[len(delim):], " \t")
			closing := bytes.Equal(tail, []byte("--"))
			if len(tail) == 0 || closing {
				if start >= 0 {
					add(trimPartEnd(body[start:off]))
				}
				if closing {
					return parts
				}
				start = next
			}
		}
		off = next
	}
	if start >= 0 && start <= len(body) && len(parts) < maxParts {
		add(body[start:])
	}
	return parts
}

// trimPartEnd drops the line end before a delimiter: it belongs to the
// delimiter (RFC 2046 §5.1.1).
func trimPartEnd(b []byte) []byte {
	b = bytes.TrimSuffix(b, []byte("\n"))
	return bytes.TrimSuffix(b, []byte("\r"))
}

// decodeBody undoes the part's Content-Transfer-Encoding and, for text, its
// charset, with go-message. The part's own Content-Type is not given to
// go-message, which would misread one that mime.ParseMediaType refuses; an
// equivalent one is. An unknown encoding or charset leaves the bytes as they
// are; a body that breaks off keeps what decoded.
func decodeBody(h textproto.Header, mt string, params map[string]string, body []byte) []byte {
	var dh textproto.Header
	if cte := strings.TrimSpace(h.Get("Content-Transfer-Encoding")); cte != "" {
		dh.Set("Content-Transfer-Encoding", cte)
	}
	if cs := params["charset"]; strings.HasPrefix(mt, "text/") && cs != "" {
		if ct := mime.FormatMediaType("text/plain", map[string]string{"charset": cs}); ct != "" {
			dh.Set("Content-Type", ct)
		}
	}
	e, _ := message.New(message.Header{Header: dh}, bytes.NewReader(body))
	if e == nil {
		return body
	}
	out, err := io.ReadAll(io.LimitReader(e.Body, maxTextBytes))
	if err != nil && len(out) == 0 {
		return body
	}
	return out
}

// toText makes decoded bytes into valid UTF-8 with LF line ends, at most
// maxTextBytes long.
func toText(b []byte) string {
	if len(b) > maxTextBytes {
		b = b[:maxTextBytes]
	}
	s := strings.ToValidUTF8(string(b), "\uFFFD")
	s = strings.ReplaceAll(s, "\r\n", "\n")
	return strings.ReplaceAll(s, "\r", "\n")
}

// htmlToText keeps the text of an HTML notice (Exchange and Gmail send
// some as HTML only) with a line break at each block element.
func htmlToText(b []byte) string {
	z := html.NewTokenizer(bytes.NewReader(b))
	var out strings.Builder
	skip := 0
	for out.Len() < maxTextBytes {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			return toText([]byte(out.String()))
		case html.TextToken:
			if skip == 0 {
				out.Write(z.Text())
			}
		case html.StartTagToken, html.EndTagToken, html.SelfClosingTagToken:
			name, _ := z.TagName()
			switch string(name) {
			case "script", "style", "head", "title":
				if tt == html.StartTagToken {
					skip++
				} else if tt == html.EndTagToken && skip > 0 {
					skip--
				}
			case "br", "p", "div", "tr", "li", "table", "h1", "h2", "h3", "h4", "h5", "h6", "pre", "blockquote":
				out.WriteByte('\n')
			case "td", "th":
				out.WriteByte(' ')
			}
		}
	}
	return toText([]byte(out.String()))
}

// oneLine collapses white space, line breaks included.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
