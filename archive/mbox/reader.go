package mbox

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
)

// Warnings that Message.Malformed carries, joined with "; " when there are
// several. They describe the file, not the message, so an importer can log
// them with the offset and carry on.
const (
	warnNoSeparator    = `no "From " separator line before this text`
	warnNoDate         = "separator line has no date"
	warnNoBlank        = "separator not preceded by an empty line (accepted because a header field follows)"
	warnNoFinalNewline = "message does not end with a newline (truncated file?)"
	warnBOM            = "byte order mark before the first separator skipped"
)

// bufSize is the read buffer: long enough that almost every line of mail
// (RFC 5322 §2.1.1 allows 998 octets) is handed out without copying.
const bufSize = 64 << 10

// keepScratch is the largest scratch buffer kept between messages; a rare
// multi-megabyte line should not pin its memory for the rest of the import.
const keepScratch = 1 << 20

// keepBody is the largest message buffer kept between messages: at most
// this much stays held after a big message, for the rest of the file.
const keepBody = 4 << 20

var (
	gzipMagic = []byte{0x1f, 0x8b}       // RFC 1952 §2.3.1, ID1 and ID2
	utf8BOM   = []byte{0xef, 0xbb, 0xbf} // U+FEFF encoded in UTF-8
)

// Message is one message read from an mbox.
type Message struct {
	// Raw is the message as stored, after mboxrd unquoting, with the
	// file's own line endings, without its separator line and without
	// the one empty line that the format puts before the next separator.
	// It may be empty. The caller owns it.
	Raw []byte
	// From is the envelope sender on the separator line; "" for the null
	// sender ("MAILER-DAEMON", "-", "<>") and when there was no separator.
	From string
	// Date is the date on the separator line, in UTC; zero when there was
	// none or it could not be parsed.
	Date time.Time
	// Offset is the byte offset of the separator line in the stream
	// (after gzip decompression), or of the message's first line when it
	// had no separator.
	Offset int64
	// Line is the 1-based line number that goes with Offset.
	Line int
	// Malformed is non-empty when something about the file around this
	// message was off, such as text before the first separator or a
	// separator without a date. The message is returned all the same;
	// this is a warning for the importer to log.
	Malformed string
}

// Reader reads messages one at a time from an mbox stream, never holding
// more than one message in memory, besides a bounded look-ahead and a
// buffer it gathers messages in (at most keepBody).
type Reader struct {
	br     *bufio.Reader
	off    int64 // stream offset of the next byte br hands out
	lineNo int   // lines handed out so far
	srcEOF bool  // br has reported io.EOF; never read it again
	err    error // sticky: io.EOF after the last message, or a read error

	started bool
	bom     bool // a byte order mark was skipped; tell the first message

	// la is a line read ahead to decide on a separator candidate and not
	// yet consumed. It is a copy: the bufio buffer moves on.
	la     line
	haveLA bool

	// sepEnv and friends describe the separator that ended the previous
	// message and starts the next.
	sepEnv  envelope
	sepOff  int64
	sepLine int
	sepWarn string
	haveSep bool

	// lead is the first line of text found before any separator.
	lead     line
	haveLead bool

	// body is where a message is gathered, kept from one message to the
	// next (up to keepBody): a message is then allocated once, at its
	// size, and never regrown or zeroed.
	body []byte

	cand []byte // a candidate separator, copied while the line after it is read
	long []byte // a line longer than br's buffer, assembled
}

// line is one line of the stream with its ending, and where it was.
type line struct {
	b   []byte
	off int64
	no  int
}

// NewReader wraps r; it detects gzip by its magic bytes (1f 8b) and
// decompresses transparently. A text mbox does not start with those bytes:
// 0x1f is a control character and 0x8b cannot follow it in UTF-8.
func NewReader(r io.Reader) (*Reader, error) {
	src := bufio.NewReaderSize(r, bufSize)
	magic, err := src.Peek(len(gzipMagic))
	if err != nil && err != io.EOF {
		return nil, fmt.Errorf("mbox: reading: %w", err)
	}
	if bytes.Equal(magic, gzipMagic) {
		zr, err := gzip.NewReader(src)
		if err != nil {
			return nil, fmt.Errorf("mbox: gzip: %w", err)
		}
		// Multistream stays on: "cat a.gz b.gz" is a valid gzip file and
		// a natural way to join monthly archives.
		return &Reader{br: bufio.NewReaderSize(zr, bufSize)}, nil
	}
	return &Reader{br: src}, nil
}

// Next returns the next message's raw bytes (CRLF or LF as in the file,
// without the "From " separator line), its envelope sender and date from the
// separator when parsable, and io.EOF at the end. After an error other than
// io.EOF the Reader is stuck on that error: the stream cannot be resynchronised
// reliably once bytes are missing.
func (r *Reader) Next() (*Message, error) {
	if r.err != nil {
		return nil, r.err
	}
	if cap(r.long) > keepScratch {
		r.long = nil
	}
	if cap(r.cand) > keepScratch {
		r.cand = nil
	}
	if cap(r.la.b) > keepScratch && !r.haveLA {
		r.la.b = nil
	}
	if !r.started {
		r.started = true
		if err := r.begin(); err != nil {
			r.err = err
			return nil, err
		}
	}

	m := &Message{}
	var (
		warns      []string
		raw        = r.body[:0]
		lastStart  = -1    // where the last line appended to raw begins
		afterBlank = false // the separator line itself is not blank
	)
	switch {
	case r.haveSep:
		r.haveSep = false
		m.From, m.Date = r.sepEnv.from, r.sepEnv.date
		m.Offset, m.Line = r.sepOff, r.sepLine
		if r.bom {
			r.bom = false
			warns = append(warns, warnBOM)
		}
		if r.sepWarn != "" {
			warns = append(warns, r.sepWarn)
		}
	case r.haveLead:
		r.haveLead = false
		m.Offset, m.Line = r.lead.off, r.lead.no
		warns = append(warns, warnNoSeparator)
		lastStart = 0
		raw = appendUnquoted(raw, r.lead.b)
		r.lead.b = nil // read once
	default:
		r.err = io.EOF
		return nil, io.EOF
	}

	for {
		b, off, no, err := r.nextLine()
		if err == io.EOF {
			break
		}
		if err != nil {
			r.err = err
			return nil, err
		}
		if bytes.HasPrefix(b, fromPrefix) {
			var isSep bool
			b, isSep, err = r.trySeparator(b, off, no, afterBlank)
			if err != nil {
				r.err = err
				return nil, err
			}
			if isSep {
				break
			}
		}
		lastStart = len(raw)
		raw = appendUnquoted(raw, b)
		afterBlank = isBlank(b)
	}

	// RFC 4155 Appendix A: the empty line before a separator belongs to
	// the format, not to the message. Exactly one is removed, so a
	// message that itself ends in empty lines keeps the rest; at the end
	// of the file the same holds, since writers (this package's too) end
	// the last message with the empty line as well.
	if lastStart >= 0 && isBlank(raw[lastStart:]) {
		raw = raw[:lastStart]
	}
	if !r.haveSep && len(raw) > 0 && raw[len(raw)-1] != '\n' {
		warns = append(warns, warnNoFinalNewline)
	}
	// Gathered in body and copied out at its size: a message made of
	// appends was regrown a quarter at a time (thirty copies of an
	// attachment of megabytes), and zeroed when it was made. Reading the
	// usrp archive's 105 MB took 570-790 ms that way, and kept 186 MB.
	// Never nil, even for an empty message (bytes.Clone would give nil):
	// a nil slice is stored as NULL. A buffer too big to keep is handed
	// out as it is: a copy would hold the message twice at once (three
	// times, with a line longer than br's buffer), and what doubling left
	// unused of it was never written.
	if cap(raw) > keepBody {
		m.Raw, r.body = raw, nil
	} else {
		m.Raw, r.body = append([]byte{}, raw...), raw[:0]
	}
	m.Malformed = strings.Join(warns, "; ")
	return m, nil
}

// begin positions the Reader on the first message: past a byte order mark
// and empty lines, on either a separator or the first line of leading text.
func (r *Reader) begin() error {
	// A byte order mark belongs to no mbox variant, but Windows tools put
	// one in front of exports (MimeKit's unmunged.mbox.txt has one). It is
	// skipped only when "From " follows; otherwise it stays in the text.
	want := append(append([]byte{}, utf8BOM...), fromPrefix...)
	p, err := r.br.Peek(len(want))
	if err != nil && err != io.EOF {
		return fmt.Errorf("mbox: reading: %w", err)
	}
	if bytes.Equal(p, want) {
		if _, err := r.br.Discard(len(utf8BOM)); err != nil {
			return fmt.Errorf("mbox: reading: %w", err)
		}
		r.off += int64(len(utf8BOM))
		r.bom = true
	}

	for {
		b, off, no, err := r.readLine()
		if err != nil {
			return err
		}
		// Empty lines before the first message carry nothing; some tools
		// start a file with one, and concatenated files often have them.
		if isBlank(b) {
			continue
		}
		if bytes.HasPrefix(b, fromPrefix) {
			var isSep bool
			b, isSep, err = r.trySeparator(b, off, no, true)
			if err != nil || isSep {
				return err
			}
		}
		r.lead = line{b: append(r.lead.b[:0], b...), off: off, no: no}
		if r.bom {
			// The mark did not introduce a separator after all: give it
			// back to the text it came with.
			r.bom = false
			r.lead.b = append(append([]byte{}, utf8BOM...), r.lead.b...)
			r.lead.off -= int64(len(utf8BOM))
		}
		r.haveLead = true
		return nil
	}
}

// trySeparator decides whether b, a line starting with "From ", separates
// messages. If it does, the separator is recorded for the next message. If
// not, the line to append is returned: b itself, or a copy of it when the
// line after it had to be read (which invalidates b).
func (r *Reader) trySeparator(b []byte, off int64, no int, afterBlank bool) ([]byte, bool, error) {
	env, ok := parseEnvelope(b)
	if !ok {
		return b, false, nil
	}
	headerNext := false
	if needsLookahead(env, afterBlank) {
		r.cand = append(r.cand[:0], b...)
		b = r.cand
		nb, noff, nno, err := r.readLine()
		switch {
		case err == io.EOF:
		case err != nil:
			return nil, false, err
		default:
			r.la = line{b: append(r.la.b[:0], nb...), off: noff, no: nno}
			r.haveLA = true
			headerNext = looksLikeHeader(nb)
		}
	}
	ok, warn := acceptSeparator(env, afterBlank, headerNext)
	if !ok {
		return b, false, nil
	}
	r.sepEnv, r.sepOff, r.sepLine, r.sepWarn = env, off, no, warn
	r.haveSep = true
	return nil, true, nil
}

// nextLine returns the look-ahead line if there is one, else reads a line.
func (r *Reader) nextLine() ([]byte, int64, int, error) {
	if r.haveLA {
		r.haveLA = false
		return r.la.b, r.la.off, r.la.no, nil
	}
	return r.readLine()
}

// readLine reads one line with its ending; the last line of a stream may
// have none. The slice is valid until the next read. At the end it returns
// io.EOF and no bytes; other errors are wrapped with the line number.
func (r *Reader) readLine() ([]byte, int64, int, error) {
	if r.srcEOF {
		return nil, r.off, r.lineNo + 1, io.EOF
	}
	b, err := r.br.ReadSlice('\n')
	if err == bufio.ErrBufferFull {
		r.long = append(r.long[:0], b...)
		for err == bufio.ErrBufferFull {
			b, err = r.br.ReadSlice('\n')
			r.long = append(r.long, b...)
		}
		b = r.long
	}
	if err == io.EOF {
		// Remember it ourselves: not every io.Reader keeps returning
		// io.EOF once it has.
		r.srcEOF = true
		err = nil
		if len(b) == 0 {
			return nil, r.off, r.lineNo + 1, io.EOF
		}
	}
	off := r.off
	r.off += int64(len(b))
	r.lineNo++
	if err != nil {
		return nil, off, r.lineNo, fmt.Errorf("mbox: reading line %d (offset %d): %w", r.lineNo, off, err)
	}
	return b, off, r.lineNo, nil
}

// appendUnquoted appends line to dst, undoing mboxrd quoting: a line that
// matches ">+From " loses exactly one ">".
//
// dst's capacity about doubles when it grows (append grows a big slice by
// a quarter at a time).
func appendUnquoted(dst, line []byte) []byte {
	if len(dst)+len(line) > cap(dst) {
		dst = slices.Grow(dst, max(len(line), cap(dst)))
	}
	if len(line) > 0 && line[0] == '>' {
		i := 1
		for i < len(line) && line[i] == '>' {
			i++
		}
		if bytes.HasPrefix(line[i:], fromPrefix) {
			return append(dst, line[1:]...)
		}
	}
	return append(dst, line...)
}
