package rewrite

import (
	"bufio"
	"bytes"
	"strings"

	"github.com/emersion/go-message/textproto"
)

const (
	crlf = "\r\n"
	lf   = "\n"
)

// split is the result of cutting a raw message into its header block and
// its body without trusting it to be well formed.
type split struct {
	header []byte // well-formed header fields only, each ending in a line break, plus the blank line
	body   []byte // everything after the header; a sub-slice of raw, never copied
	eol    string // the line ending the message uses in its header: crlf or lf
}

// splitMessage separates raw into header and body the way a tolerant mail
// reader does (Python's email package, and so Mailman, behave alike):
//
//   - an mbox "From " envelope line at the very start is dropped, it belongs
//     to the hop and is not a header field (RFC 4155 §2);
//   - the header ends at the first empty line (RFC 5322 §2.1);
//   - it also ends at the first line that is neither a field nor a
//     continuation, and that line starts the body; this is how a message
//     without the blank separator line is still relayed whole;
//   - continuation lines before any field are dropped, as they continue
//     nothing (RFC 5322 §2.2.3).
//
// The returned header holds only lines that go-message's textproto.ReadHeader
// accepts, so reading it cannot fail on content.
func splitMessage(raw []byte) split {
	s := split{eol: detectEOL(raw)}
	var hdr bytes.Buffer
	hdr.Grow(min(len(raw), 4096))

	pos := 0
	if first := raw[:lineEnd(raw, 0)]; bytes.HasPrefix(first, []byte("From ")) && !validFieldStart(first) {
		pos = len(first)
	}
	inField := false
	for pos < len(raw) {
		end := lineEnd(raw, pos)
		line := raw[pos:end]
		content := bytes.TrimRight(line, "\r\n")
		switch {
		case len(content) == 0 && (len(line) == 0 || line[len(line)-1] == '\n'):
			// The blank line that separates header and body (RFC 5322 §2.1).
			s.body = raw[end:]
			s.header = finishHeader(&hdr, s.eol)
			return s
		case len(content) == 0:
			// Only carriage returns, at the end of the input: not a field.
			s.body = raw[pos:]
			s.header = finishHeader(&hdr, s.eol)
			return s
		case content[0] == ' ' || content[0] == '\t':
			if inField {
				hdr.Write(line)
				if line[len(line)-1] != '\n' {
					hdr.WriteString(s.eol)
				}
			}
			// A continuation of nothing is dropped.
		case validFieldStart(content):
			hdr.Write(line)
			if line[len(line)-1] != '\n' {
				hdr.WriteString(s.eol)
			}
			inField = true
		default:
			// Not a header field: the header is over and this line is the
			// first line of the body.
			s.body = raw[pos:]
			s.header = finishHeader(&hdr, s.eol)
			return s
		}
		pos = end
	}
	// Header without a body.
	s.body = raw[len(raw):]
	s.header = finishHeader(&hdr, s.eol)
	return s
}

func finishHeader(hdr *bytes.Buffer, eol string) []byte {
	hdr.WriteString(eol)
	return hdr.Bytes()
}

// lineEnd returns the index just past the line break of the line starting at
// pos, or len(b) for a last line without one.
func lineEnd(b []byte, pos int) int {
	i := bytes.IndexByte(b[pos:], '\n')
	if i < 0 {
		return len(b)
	}
	return pos + i + 1
}

// validFieldStart reports whether line begins a header field: a field name of
// printable US-ASCII except colon, then a colon (RFC 5322 §2.2). Blanks
// between name and colon are tolerated, as go-message does, because they occur
// in real mail.
func validFieldStart(line []byte) bool {
	colon := bytes.IndexByte(line, ':')
	if colon <= 0 {
		return false
	}
	name := bytes.TrimRight(line[:colon], " \t")
	if len(name) == 0 {
		return false
	}
	for _, c := range name {
		if c < 33 || c > 126 {
			return false
		}
	}
	return true
}

// detectEOL tells whether the message writes CRLF or bare LF line breaks,
// from its first line, so that the header lines we add match it.
func detectEOL(raw []byte) string {
	i := bytes.IndexByte(raw, '\n')
	if i > 0 && raw[i-1] == '\r' {
		return crlf
	}
	if i < 0 {
		// No line break at all: use the canonical form (RFC 5322 §2.1).
		return crlf
	}
	return lf
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

// ReadHeader reads a message's header as tolerantly as Prepare does: an mbox
// "From " line is skipped and the header ends at the first line that is not
// a field. strict reports whether the header was well formed as it stood.
// Listings and checks use it so that they see the same header the copy has.
func ReadHeader(raw []byte) (h textproto.Header, strict bool) {
	_, err := textproto.ReadHeader(bufio.NewReader(bytes.NewReader(raw)))
	sp := splitMessage(raw)
	h, lerr := textproto.ReadHeader(bufio.NewReader(bytes.NewReader(sp.header)))
	if lerr != nil {
		// splitMessage keeps only lines ReadHeader accepts; should it ever
		// fail, an empty header is the honest answer.
		return textproto.Header{}, false
	}
	return h, err == nil
}
