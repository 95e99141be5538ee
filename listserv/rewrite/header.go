package rewrite

import (
	"bytes"
	"strings"

	"praxis/listserv/mailmsg"
)

const (
	crlf = "\r\n"
	lf   = "\n"
)

// split is a raw message cut into its header block and its body; the
// cut is mailmsg's, so the copy has the header every reader sees.
type split struct {
	header []byte // well-formed header fields only, each ending in a line break, plus the blank line
	body   []byte // everything after the header; a sub-slice of raw, never copied
	eol    string // the line ending the message uses in its header: crlf or lf
}

func splitMessage(raw []byte) split {
	p := mailmsg.Split(raw)
	return split{header: p.Header, body: p.Body, eol: p.EOL}
}

// bodyEOL is the line ending used inside body, falling back to fallback when
// the body has no line break.
func bodyEOL(body []byte, fallback string) string {
	i := bytes.IndexByte(body, '\n')
	if i < 0 {
		return fallback
	}
	if i > 0 && body[i-1] == '\r' {
		return crlf
	}
	return lf
}

// withEOL converts CRLF line breaks, as go-message stores raw fields, to eol.
func withEOL(b []byte, eol string) []byte {
	if eol == crlf {
		return b
	}
	return bytes.ReplaceAll(b, []byte(crlf), []byte(lf))
}

const (
	// RFC 5322 §2.1.1: lines SHOULD be no more than 78 characters.
	foldSoft = 78
)

// foldField formats "name: value" folded at blanks so that lines stay within
// 78 characters where the value allows it (RFC 5322 §2.2.3). Folding only
// inserts a line break before an existing blank, so unfolding gives back the
// value exactly. A word longer than a line is left whole: breaking inside it
// would change it (and inside <> would break a URL, RFC 2369 §2).
func foldField(name, value, eol string) []byte {
	value = strings.TrimRight(value, " \t")
	line := name + ": " + value
	var b strings.Builder
	b.Grow(len(line) + 8)
	minBreak := len(name) + 2 // never leave the first line with the name alone
	for len(line) > foldSoft {
		i := breakAt(line, minBreak)
		if i < 0 {
			break
		}
		b.WriteString(line[:i])
		b.WriteString(eol)
		line = line[i:]
		minBreak = 1 // a continuation line starts with the blank we broke before
	}
	b.WriteString(line)
	b.WriteString(eol)
	return []byte(b.String())
}

// breakAt picks the blank to fold line before: the last one within the soft
// limit, else the first one after it, and never one that would leave a line
// of blanks only (RFC 5322 §2.2.3 forbids those). It returns -1 when line
// cannot be folded.
func breakAt(line string, minBreak int) int {
	// The first non-blank at or after minBreak-1 must come before the break.
	start := minBreak
	for start < len(line) && line[start-1] == ' ' {
		start++
	}
	if start >= len(line) {
		return -1
	}
	if i := strings.LastIndexByte(line[:foldSoft+1], ' '); i >= start {
		return i
	}
	if start < foldSoft+1 {
		start = foldSoft + 1
	}
	j := strings.IndexByte(line[start:], ' ')
	if j < 0 {
		return -1
	}
	return start + j
}
