package inbound

import (
	"bufio"
	"bytes"
	"io"
	"strings"

	"github.com/emersion/go-message"
)

// StripReplyMarkers removes leading Re:/AW:/SV:/Fwd: markers and list tags
// from a subject, so "Re: subscribe" is the subscribe command.
func StripReplyMarkers(s string) string {
	for {
		t := strings.TrimSpace(s)
		lower := strings.ToLower(t)
		switch {
		case strings.HasPrefix(lower, "re:"), strings.HasPrefix(lower, "aw:"), strings.HasPrefix(lower, "sv:"):
			s = t[3:]
		case strings.HasPrefix(lower, "fwd:"):
			s = t[4:]
		case strings.HasPrefix(t, "["):
			if i := strings.IndexByte(t, ']'); i > 0 {
				s = t[i+1:]
				continue
			}
			return t
		default:
			return t
		}
	}
}

// FirstTextLines returns up to n lines of the first text/plain part,
// decoded (transfer encoding and charset); HTML-only mail gives none.
func FirstTextLines(raw []byte, n int) []string {
	ent, err := message.Read(bytes.NewReader(raw))
	if ent == nil {
		return nil
	}
	if err != nil && !message.IsUnknownCharset(err) && !message.IsUnknownEncoding(err) {
		return nil
	}
	var text io.Reader
	var walk func(e *message.Entity, depth int)
	walk = func(e *message.Entity, depth int) {
		if text != nil || depth > 5 {
			return
		}
		mt, _, _ := e.Header.ContentType()
		if mr := e.MultipartReader(); mr != nil {
			for {
				p, err := mr.NextPart()
				if err != nil || p == nil {
					return
				}
				walk(p, depth+1)
				if text != nil {
					return
				}
			}
		}
		if mt == "" || mt == "text/plain" {
			text = e.Body
		}
	}
	walk(ent, 0)
	if text == nil {
		return nil
	}
	sc := bufio.NewScanner(io.LimitReader(text, 64<<10))
	var lines []string
	for sc.Scan() && len(lines) < n {
		lines = append(lines, strings.TrimRight(sc.Text(), "\r"))
	}
	return lines
}
