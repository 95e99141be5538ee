package smtpin

import (
	"io"
)

// dataEnd finds the ends of DATA that go-smtp's reader misses.
//
// go-smtp's DATA reader (data.go, v0.25.1 and v0.26.0) follows net/textproto's
// state machine, which drops its "just read CR" state on a second CR: after
// "\r\r\n" it no longer stands at a line start. So "\r\r\n.\r\n", which holds
// the end of data CRLF "." CRLF of RFC 5321 §4.1.1.4 (and which nullmailer
// writes when a line already ends in CR), reads as data, and the session
// waits for an end the client has already sent. For the same reason a
// dot-stuffed line after "\r\r\n" keeps its stuffing dot (RFC 5321 §4.5.2).
//
// dataEnd reads what go-smtp's reader passes on and mirrors that reader's
// state over those bytes. Where go-smtp missed a line start, dataEnd does
// the RFC's work itself: it drops the stuffing dot of a line, and at "."
// CRLF it reports the end of the message (io.EOF). The caller then cuts
// go-smtp's wait for a later end with a read deadline (see readMessage).
// Bytes a client pipelined after such an end are lost with the wait; a
// client that waits for the reply to its data, as RFC 2920 §3.1 lets it do
// and as every MTA does, loses nothing.
type dataEnd struct {
	r io.Reader
	// gs is go-smtp's reader state as the bytes it returned show it.
	gs int
	// prevCR: the last byte go-smtp returned was a CR.
	prevCR bool
	// at is where dataEnd stands in a line go-smtp did not see begin.
	at int
	// found is set once the end of data was read.
	found bool
}

// go-smtp's states, as far as they show in its output.
const (
	gsBegin = iota // at a line start
	gsCR           // just after a CR
	gsData         // inside a line
)

// Where dataEnd stands in a line whose start go-smtp missed.
const (
	atNone  = iota // not in such a line, or past its first bytes
	atStart        // at its start
	atDot          // after its leading "."
	atDotCR        // after its leading "." CR
)

// Read fills p with the message bytes; p must hold at least two bytes
// (a CR held back from the previous call may come out before the byte
// that shows it was data).
func (d *dataEnd) Read(p []byte) (int, error) {
	if d.found {
		return 0, io.EOF
	}
	if len(p) < 2 {
		return 0, io.ErrShortBuffer
	}
	// A CR held back after a leading "." may need to be written back
	// before the first byte read now: read one byte short to leave room.
	off := 0
	if d.at == atDotCR {
		off = 1
	}
	n, err := d.r.Read(p[off:])
	w := 0
	for i := off; i < off+n; i++ {
		c := p[i]
		emit := true
		switch d.at {
		case atStart:
			if c == '.' {
				d.at, emit = atDot, false
			} else {
				d.at = atNone
			}
		case atDot:
			// A leading dot followed by more is transparency stuffing:
			// it is dropped (RFC 5321 §4.5.2).
			if c == '\r' {
				d.at, emit = atDotCR, false
			} else {
				d.at = atNone
			}
		case atDotCR:
			if c == '\n' {
				// "." CRLF on a line of its own: the end of data.
				d.found = true
				return w, io.EOF
			}
			p[w] = '\r'
			w++
			d.at = atNone
		}
		d.track(c)
		if emit {
			p[w] = c
			w++
		}
	}
	return w, err
}

// track follows go-smtp's state over one byte it returned, and notes a
// line start it missed: an LF after CR CR leaves go-smtp inside a line.
func (d *dataEnd) track(c byte) {
	switch d.gs {
	case gsBegin:
		if c == '\r' {
			d.gs = gsCR
		} else {
			d.gs = gsData
		}
	case gsCR:
		if c == '\n' {
			d.gs = gsBegin
		} else {
			d.gs = gsData
		}
	case gsData:
		if c == '\r' {
			d.gs = gsCR
		} else if c == '\n' && d.prevCR {
			// CRLF ends a line (RFC 5321 §2.3.8), but go-smtp stays
			// inside one.
			d.at = atStart
		}
	}
	d.prevCR = c == '\r'
}
