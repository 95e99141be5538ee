package mbox

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"time"
)

// asctimeLayout is the separator date of RFC 4155 Appendix A: C's asctime()
// in UTC, the day padded with a space.
const asctimeLayout = "Mon Jan _2 15:04:05 2006"

// Writer writes mboxrd (From-quoting of ">*From " lines, RFC 4155's mboxrd
// variant).
//
// mboxrd is chosen because its quoting is the only one that can be undone
// exactly: every line matching ">*From " gains one ">", and a reader takes
// one away, so a body that said ">From" comes back as ">From". Messages keep
// their own line endings, although RFC 4155 Appendix A asks for LF only,
// because an export must give back the stored bytes; the separator line
// itself always ends in LF.
type Writer struct {
	w   *bufio.Writer
	err error // sticky, as bufio.Writer's is
}

// NewWriter returns a Writer that buffers its output to w. Close flushes it;
// closing w stays the caller's job.
func NewWriter(w io.Writer) *Writer {
	return &Writer{w: bufio.NewWriterSize(w, bufSize)}
}

// Write writes "From <from or MAILER-DAEMON> <asctime UTC>\n", the quoted
// message, and a blank line; it ensures the message ends with a newline and
// keeps the message's own line endings.
//
// A sender with blanks or control characters has them replaced by "-", as
// qmail's mbox(5) does, since the separator allows one word only. A zero
// date, or one outside the years 1 to 9999 that asctime can show, is
// written as the Unix epoch: readers expect some date there.
func (w *Writer) Write(from string, date time.Time, raw []byte) error {
	if w.err != nil {
		return w.err
	}
	eol := lineEnding(raw)
	bw := w.w
	bw.WriteString("From ")
	bw.WriteString(envelopeSender(from))
	bw.WriteByte(' ')
	bw.WriteString(separatorDate(date))
	bw.WriteByte('\n')
	for rest := raw; len(rest) > 0; {
		ln := rest
		if i := bytes.IndexByte(rest, '\n'); i >= 0 {
			ln = rest[:i+1]
		}
		rest = rest[len(ln):]
		if needsQuote(ln) {
			bw.WriteByte('>')
		}
		bw.Write(ln)
	}
	if len(raw) > 0 && raw[len(raw)-1] != '\n' {
		bw.WriteString(eol)
	}
	// The empty line that ends every message (RFC 4155 Appendix A), also
	// after the last one, so files can be concatenated.
	if _, err := bw.WriteString(eol); err != nil {
		w.err = fmt.Errorf("mbox: writing: %w", err)
	}
	return w.err
}

// Close flushes buffered output. It does not close the underlying writer.
func (w *Writer) Close() error {
	if w.err != nil {
		return w.err
	}
	if err := w.w.Flush(); err != nil {
		w.err = fmt.Errorf("mbox: writing: %w", err)
	}
	return w.err
}

// needsQuote reports whether line matches ">*From ", the mboxrd rule: every
// such line gains a ">", so that no body line can pass for a separator and
// the reader's ">+From " rule restores it.
func needsQuote(line []byte) bool {
	i := 0
	for i < len(line) && line[i] == '>' {
		i++
	}
	return bytes.HasPrefix(line[i:], fromPrefix)
}

// lineEnding returns the message's line ending, judged by its first line,
// for the newline Write may add and the empty line after the message.
func lineEnding(raw []byte) string {
	if i := bytes.IndexByte(raw, '\n'); i > 0 && raw[i-1] == '\r' {
		return "\r\n"
	}
	return "\n"
}

// envelopeSender makes from fit the separator's one-word sender field.
func envelopeSender(from string) string {
	if from == "" {
		return "MAILER-DAEMON"
	}
	b := []byte(from)
	for i, c := range b {
		if !validEnvelopeByte(c) {
			b[i] = '-'
		}
	}
	return string(b)
}

// separatorDate formats date for the separator line.
func separatorDate(date time.Time) string {
	date = date.UTC()
	if date.IsZero() || date.Year() < 1 || date.Year() > 9999 {
		date = time.Unix(0, 0).UTC()
	}
	return date.Format(asctimeLayout)
}
