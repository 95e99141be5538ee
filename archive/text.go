package archive

import (
	"bufio"
	"bytes"
	"io"
	"strings"

	"github.com/emersion/go-message"
	"github.com/emersion/go-message/mail"
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
	var text io.Reader
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
		if mt, _, _ := e.Header.ContentType(); mt == "" || mt == "text/plain" {
			text = e.Body
		}
	}
	walk(ent, 0)
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
