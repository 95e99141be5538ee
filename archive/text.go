package archive

import (
	"bufio"
	"bytes"
	"io"
	"strings"

	"github.com/emersion/go-message"
	"github.com/emersion/go-message/mail"
	xhtml "golang.org/x/net/html"
)

// maxText bounds the text read from one post for the index.
const maxText = 256 << 10

// Text returns what the index searches of a post: its To and Cc, its own
// text and the text it quotes ("> " lines), from the first text/plain part,
// decoded; the signature (after "-- ") is left out.
func Text(raw []byte) (to, body, quoted string) {
	ent, err := message.Read(bytes.NewReader(raw))
	if ent == nil {
		return "", "", ""
	}
	_ = err // unknown charsets and encodings still give a readable entity
	mh := mail.Header{Header: ent.Header}
	var tos []string
	for _, f := range []string{"To", "Cc"} {
		if as, err := mh.AddressList(f); err == nil {
			for _, a := range as {
				tos = append(tos, strings.TrimSpace(a.Name+" "+a.Address))
			}
		}
	}
	var text, html io.Reader
	var walk func(e *message.Entity, depth int)
	walk = func(e *message.Entity, depth int) {
		if text != nil || depth > 5 {
			return
		}
		if mr := e.MultipartReader(); mr != nil {
			for text == nil {
				p, err := mr.NextPart()
				if err != nil || p == nil {
					return
				}
				walk(p, depth+1)
			}
			return
		}
		mt, _, _ := e.Header.ContentType()
		if disp, _, _ := e.Header.ContentDisposition(); disp == "attachment" {
			return
		}
		switch {
		case mt == "" || mt == "text/plain":
			text = e.Body
		case mt == "text/html" && html == nil:
			// Read now: the multipart reader moves on past this part.
			b, _ := io.ReadAll(io.LimitReader(e.Body, maxText))
			html = bytes.NewReader(b)
		}
	}
	walk(ent, 0)
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
