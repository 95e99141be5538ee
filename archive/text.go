package archive

import (
	"bytes"
	"io"
	"strings"

	"github.com/emersion/go-message/textproto"
	xhtml "golang.org/x/net/html"

	"praxis/listserv/mailmsg"
)

// maxText bounds the text read from one post for the index.
const maxText = 256 << 10

// Text returns what the index searches of a post: its To and Cc, its own
// text and the text it quotes ("> " lines), from the first text/plain part,
// decoded; the signature (after "-- ") is left out.
func Text(raw []byte) (to, body, quoted string) {
	return textOf(mailmsg.HeaderOf(raw), raw)
}

// textOf is Text of a message whose header h was read already.
func textOf(h textproto.Header, raw []byte) (to, body, quoted string) {
	var tos []string
	for _, f := range []string{"To", "Cc"} {
		if as, ok := mailmsg.Addresses(h, f); ok {
			for _, a := range as {
				tos = append(tos, strings.TrimSpace(a.Name+" "+a.Address))
			}
		}
	}
	var text []byte
	var html io.Reader
	mailmsg.Walk(raw, func(p *mailmsg.Part) bool {
		if p.Disposition == "attachment" {
			return true
		}
		switch {
		case p.MediaType == "text/plain":
			// Read now: the walk moves on past this part.
			text, _ = io.ReadAll(io.LimitReader(p.Body, maxText))
			if text == nil {
				text = []byte{}
			}
			return false
		case p.MediaType == "text/html" && html == nil:
			b, _ := io.ReadAll(io.LimitReader(p.Body, maxText))
			html = bytes.NewReader(b)
		}
		return true
	})
	if text == nil && html != nil {
		// HTML-only mail is searchable too: its text, blockquotes as quotes.
		own, quote := htmlText(html)
		return strings.Join(tos, ", "), own, quote
	}
	if text == nil {
		return strings.Join(tos, ", "), "", ""
	}
	own, quote := splitQuoted(text)
	return strings.Join(tos, ", "), own, quote
}

// splitQuoted parts a text's lines (up to a signature's "-- " line)
// into its own and its quoted ("> "), without the quote marks. It reads
// the lines in place: a scanner's buffer and a string for every line
// were a third of what indexing a post allocated.
func splitQuoted(text []byte) (own, quoted string) {
	// No Grow to the text's length: String shares the builder's buffer,
	// so a two-line reply above a long quote would keep the whole
	// length alive with it.
	var o, q strings.Builder
	for rest := text; len(rest) > 0; {
		line := rest
		if i := bytes.IndexByte(rest, '\n'); i >= 0 {
			line, rest = rest[:i], rest[i+1:]
		} else {
			rest = nil
		}
		line = bytes.TrimRight(line, "\r")
		if string(line) == "-- " {
			break
		}
		if len(line) > 0 && line[0] == '>' {
			q.Write(bytes.TrimLeft(line, "> "))
			q.WriteByte('\n')
		} else {
			o.Write(line)
			o.WriteByte('\n')
		}
	}
	return o.String(), q.String()
}

// htmlText extracts the words of an HTML body: text outside script and
// style, a line break per block, text inside <blockquote> as quoted.
func htmlText(r io.Reader) (own, quoted string) {
	var o, q strings.Builder
	z := xhtml.NewTokenizer(r)
	depthQuote, skip := 0, 0
	for {
		switch z.Next() {
		case xhtml.ErrorToken:
			return o.String(), q.String()
		case xhtml.StartTagToken, xhtml.SelfClosingTagToken:
			name, _ := z.TagName()
			switch string(name) {
			case "script", "style", "head", "title":
				skip++
			case "blockquote":
				depthQuote++
			case "br", "p", "div", "li", "tr", "h1", "h2", "h3", "h4", "pre":
				o.WriteByte('\n')
			}
		case xhtml.EndTagToken:
			name, _ := z.TagName()
			switch string(name) {
			case "script", "style", "head", "title":
				skip = max(0, skip-1)
			case "blockquote":
				depthQuote = max(0, depthQuote-1)
			case "p", "div", "li", "tr", "pre":
				o.WriteByte('\n')
			}
		case xhtml.TextToken:
			if skip > 0 {
				continue
			}
			if depthQuote > 0 {
				q.Write(z.Text())
				q.WriteByte(' ')
			} else {
				o.Write(z.Text())
			}
		}
	}
}
