package inbound

import (
	"bufio"
	"bytes"
	"strings"

	"praxis/listserv/mailmsg"
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
	text, ok := mailmsg.FirstText(raw, 64<<10)
	if !ok {
		return nil
	}
	sc := bufio.NewScanner(bytes.NewReader(text))
	var lines []string
	for sc.Scan() && len(lines) < n {
		lines = append(lines, strings.TrimRight(sc.Text(), "\r"))
	}
	return lines
}
