package archive

import (
	"bufio"
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
	var text, html io.Reader
	mailmsg.Walk(raw, func(p *mailmsg.Part) bool {
		if p.Disposition == "attachment" {
			return true
		}
		switch {
		case p.MediaType == "text/plain":
			// Read now: the walk moves on past this part.
			b, _ := io.ReadAll(io.LimitReader(p.Body, maxText))
			text = bytes.NewReader(b)
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
	var own, quote strings.Builder
	sc := bufio.NewScanner(io.LimitReader(text, maxText))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := strings.TrimRight(sc.Text(), "\r")
		if line == "-- " {
			break
		}
		if strings.HasPrefix(line, ">") {
			quote.WriteString(strings.TrimLeft(line, "> ") + "\n")
		} else {
			own.WriteString(line + "\n")
		}
	}
	return strings.Join(tos, ", "), own.String(), quote.String()
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
