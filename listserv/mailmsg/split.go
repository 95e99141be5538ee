package mailmsg

import (
	"bufio"
	"bytes"

	"github.com/emersion/go-message/textproto"
)

// Line endings a message may use.
const (
	CRLF = "\r\n"
	LF   = "\n"
)

// Parts is a raw message cut into its header block and its body without
// trusting it to be well formed.
type Parts struct {
	// Header holds the well-formed header fields only, each ending in a
	// line break, plus the blank line.
	Header []byte
	// Body is everything after the header: a sub-slice of raw, never
	// copied, so relaying it relays the bytes that arrived.
	Body []byte
	// EOL is the line ending the message uses in its header: CRLF or LF.
	EOL string
}

// Split separates raw into header and body the way a tolerant mail reader
// does (Python's email package, and so Mailman, behave alike):
//
//   - a UTF-8 byte order mark at the very start is dropped;
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
func Split(raw []byte) Parts {
	s := Parts{EOL: detectEOL(raw)}
	var hdr bytes.Buffer
	hdr.Grow(min(len(raw), 4096))

	pos := 0
	if bytes.HasPrefix(raw, bom) {
		// A byte order mark some Windows tools write before the first
		// field: it is no part of the field name.
		pos = len(bom)
	}
	if first := raw[pos:LineEnd(raw, pos)]; bytes.HasPrefix(first, []byte("From ")) && !validFieldStart(first) {
		pos += len(first)
	}
	inField := false
	for pos < len(raw) {
		end := LineEnd(raw, pos)
		line := raw[pos:end]
		content := bytes.TrimRight(line, "\r\n")
		switch {
		case len(content) == 0 && (len(line) == 0 || line[len(line)-1] == '\n'):
			// The blank line that separates header and body (RFC 5322 §2.1).
			s.Body = raw[end:]
			s.Header = finishHeader(&hdr, s.EOL)
			return s
		case len(content) == 0:
			// Only carriage returns, at the end of the input: not a field.
			s.Body = raw[pos:]
			s.Header = finishHeader(&hdr, s.EOL)
			return s
		case content[0] == ' ' || content[0] == '\t':
			if inField {
				hdr.Write(line)
				if line[len(line)-1] != '\n' {
					hdr.WriteString(s.EOL)
				}
			}
			// A continuation of nothing is dropped.
		case validFieldStart(content):
			hdr.Write(line)
			if line[len(line)-1] != '\n' {
				hdr.WriteString(s.EOL)
			}
			inField = true
		default:
			// Not a header field: the header is over and this line is the
			// first line of the body.
			s.Body = raw[pos:]
			s.Header = finishHeader(&hdr, s.EOL)
			return s
		}
		pos = end
	}
	// Header without a body.
	s.Body = raw[len(raw):]
	s.Header = finishHeader(&hdr, s.EOL)
	return s
}

var bom = []byte("\uFEFF")

func finishHeader(hdr *bytes.Buffer, eol string) []byte {
	hdr.WriteString(eol)
	return hdr.Bytes()
}

// LineEnd returns the index just past the line break of the line starting
// at pos, or len(b) for a last line without one.
func LineEnd(b []byte, pos int) int {
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
// from its first line, so that the header lines a rewriter adds match it.
func detectEOL(raw []byte) string {
	i := bytes.IndexByte(raw, '\n')
	if i > 0 && raw[i-1] == '\r' {
		return CRLF
	}
	if i < 0 {
		// No line break at all: use the canonical form (RFC 5322 §2.1).
		return CRLF
	}
	return LF
}

// ReadHeader reads a message's header as tolerantly as Split cuts it: an
// mbox "From " line is skipped and the header ends at the first line that
// is not a field. strict reports whether the header was well formed as it
// stood. The relay, the checks, the listings and the archive all read this
// header, so that they see the same fields the relayed copy has.
func ReadHeader(raw []byte) (h textproto.Header, strict bool) {
	_, err := textproto.ReadHeader(bufio.NewReader(bytes.NewReader(raw)))
	return HeaderOf(raw), err == nil
}

// HeaderOf is ReadHeader's header without the strict reading, which
// parses the header a second time: what most callers ask (a post's
// header was read three to six times over on its way into the archive).
func HeaderOf(raw []byte) textproto.Header {
	sp := Split(raw)
	h, err := textproto.ReadHeader(bufio.NewReader(bytes.NewReader(sp.Header)))
	if err != nil {
		// Split keeps only lines ReadHeader accepts; should it ever fail,
		// an empty header is the honest answer.
		return textproto.Header{}
	}
	return h
}
