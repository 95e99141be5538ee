package transport

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"net/textproto"
	"strconv"
	"time"
)

// pipeline runs the transactions of a session whose server offers
// PIPELINING (RFC 2920), and CHUNKING (RFC 3030) when it offers that too.
// go-smtp's client says one command and waits for its reply, four round
// trips a copy with DATA, and stuffs dots into every line of the message
// as it copies it; a fan-out of one post to thousands of members is
// thousands of such transactions on a handful of connections, so the
// round trips and the stuffing, on both ends, are most of its cost. Here
// MAIL, RCPT and BDAT with the whole message go in one write and their
// replies are read after it: one round trip, and the message's bytes as
// they are. go-smtp's client still greets, starts TLS and authenticates;
// from the first transaction on, the connection is this reader's and
// writer's, so no byte is ever buffered where the other would miss it.
type pipeline struct {
	conn net.Conn
	// lim bounds the bytes read for one reply: a server that sends
	// "250-" lines without end would otherwise grow the reply in memory
	// until the command's timeout, minutes later.
	lim      *io.LimitedReader
	r        *textproto.Reader
	w        *bufio.Writer
	chunking bool
	// mailParams follows every MAIL FROM:<…> (BODY=8BITMIME), as
	// go-smtp's client adds it when the server offers it.
	mailParams  string
	size        bool // the server takes SIZE= (RFC 1870)
	cmdTimeout  time.Duration
	dataTimeout time.Duration // see dataReplyTimeout
}

// oneWriteMax is the largest message sent in the same write as its MAIL
// and RCPT: a server that refuses the recipient still reads the chunk
// that follows (RFC 3030 §2), and sending a megabyte for nothing, rarely,
// costs less than a round trip for every copy. A bigger message waits
// for the RCPT reply first.
const oneWriteMax = 1 << 20

// maxReply is the most read for one reply, far above any server's
// (RFC 5321 §4.5.3.1.5: 512 bytes a line, and a few lines).
const maxReply = 64 << 10

func newPipeline(conn net.Conn, chunking, eightBit, size bool, cmdTimeout time.Duration) *pipeline {
	lim := &io.LimitedReader{R: conn}
	p := &pipeline{
		conn:        conn,
		lim:         lim,
		r:           textproto.NewReader(bufio.NewReader(lim)),
		w:           bufio.NewWriterSize(conn, 32<<10),
		chunking:    chunking,
		size:        size,
		cmdTimeout:  cmdTimeout,
		dataTimeout: dataReplyTimeout(cmdTimeout),
	}
	if eightBit {
		p.mailParams = " BODY=8BITMIME"
	}
	return p
}

// reply reads one reply; a code other than want (as textproto.Reader's
// ReadResponse takes it: 25 for any 25x) is an error carrying the reply.
func (p *pipeline) reply(want int, timeout time.Duration) error {
	p.conn.SetReadDeadline(time.Now().Add(timeout))
	p.lim.N = maxReply
	_, _, err := p.r.ReadResponse(want)
	if err != nil && p.lim.N <= 0 {
		return fmt.Errorf("reply longer than %d bytes: %w", maxReply, err)
	}
	return err
}

// closing reports a 421 reply: the server is closing the connection (RFC
// 5321 §3.8), and no reply to the commands after it will come.
func closing(err error) bool {
	var te *textproto.Error
	return errors.As(err, &te) && te.Code == 421
}

func (p *pipeline) flush() error {
	p.conn.SetWriteDeadline(time.Now().Add(p.cmdTimeout))
	return p.w.Flush()
}

// transaction sends msg from from to to. Its error, when the server
// answered, is a *textproto.Error with the reply, and op names the step
// that failed; every reply is read before it returns, so that a refused
// transaction leaves the dialogue in step.
func (p *pipeline) transaction(from, rcpt string, msg []byte, utf8 bool) (op string, err error) {
	fmt.Fprintf(p.w, "MAIL FROM:<%s>%s", from, p.mailParams)
	if p.size {
		fmt.Fprintf(p.w, " SIZE=%d", len(msg))
	}
	if utf8 {
		p.w.WriteString(" SMTPUTF8")
	}
	fmt.Fprintf(p.w, "\r\nRCPT TO:<%s>\r\n", rcpt)
	switch {
	case p.chunking && len(msg) <= oneWriteMax:
		p.bdat(msg)
		if err := p.flush(); err != nil {
			return "MAIL FROM", err
		}
		if op, err := p.envelope(); err != nil {
			if closing(err) {
				return op, err
			}
			// The chunk was sent: its reply (a refusal, as no
			// recipient was taken) comes after the envelope's.
			p.reply(250, p.dataTimeout)
			return op, err
		}
		return OpEndOfData, p.reply(250, p.dataTimeout)
	case p.chunking:
		if err := p.flush(); err != nil {
			return "MAIL FROM", err
		}
		if op, err := p.envelope(); err != nil {
			return op, err
		}
		p.bdat(msg)
		if err := p.flush(); err != nil {
			return "BDAT", err
		}
		return OpEndOfData, p.reply(250, p.dataTimeout)
	}
	p.w.WriteString("DATA\r\n")
	if err := p.flush(); err != nil {
		return "MAIL FROM", err
	}
	op, err = p.envelope()
	if closing(err) {
		return op, err
	}
	dataErr := p.reply(354, p.cmdTimeout)
	if err == nil && dataErr != nil {
		return "DATA", dataErr
	}
	if err != nil {
		if dataErr == nil {
			// A server that takes DATA with no recipient: end the
			// empty message at once, and read what it makes of it.
			p.w.WriteString(".\r\n")
			if p.flush() == nil {
				p.reply(250, p.dataTimeout)
			}
		}
		return op, err
	}
	// RFC 5321 §4.5.2: a line that begins with a dot gets another.
	// msg ends every line in CRLF (see Send).
	dw := textproto.NewWriter(p.w).DotWriter()
	p.conn.SetWriteDeadline(time.Now().Add(p.dataTimeout))
	if _, err := dw.Write(msg); err != nil {
		return "DATA", err
	}
	if err := dw.Close(); err != nil {
		return "DATA", err
	}
	if err := p.w.Flush(); err != nil {
		return "DATA", err
	}
	return OpEndOfData, p.reply(250, p.dataTimeout)
}

// envelope reads the replies to MAIL and RCPT, both of them unless the
// first says the server is closing.
func (p *pipeline) envelope() (string, error) {
	mailErr := p.reply(25, p.cmdTimeout)
	if closing(mailErr) {
		return "MAIL FROM", mailErr
	}
	rcptErr := p.reply(25, p.cmdTimeout)
	if mailErr != nil {
		return "MAIL FROM", mailErr
	}
	if rcptErr != nil {
		return "RCPT TO", rcptErr
	}
	return "", nil
}

func (p *pipeline) bdat(msg []byte) {
	p.w.WriteString("BDAT ")
	p.w.WriteString(strconv.Itoa(len(msg)))
	p.w.WriteString(" LAST\r\n")
	p.w.Write(msg)
}

// command says one command and reads its reply.
func (p *pipeline) command(cmd string, want int) error {
	p.w.WriteString(cmd)
	p.w.WriteString("\r\n")
	if err := p.flush(); err != nil {
		return err
	}
	return p.reply(want, p.cmdTimeout)
}
