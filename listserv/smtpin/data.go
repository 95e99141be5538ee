package smtpin

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"sync"
	"time"
)

// message is one DATA's bytes as they arrive: in memory while the budget
// for arriving mail has room for the message's share, then in an unlinked
// temporary file, so that twenty big posts at once cost disk, not memory.
type message struct {
	mem    *Memory
	dir    string
	max    int64 // the in-memory share of one message
	buf    []byte
	held   int64 // units of mem.arriving taken for buf
	file   *os.File
	size   int64
	denied bool // no room in memory: straight to a file
}

func (m *message) Write(p []byte) (int, error) {
	if m.file == nil && !m.denied && m.held == 0 {
		if m.mem.arriving.tryAcquire(m.max) {
			m.held = m.max
			// Room for a typical post; a bigger one grows by append.
			m.buf = make([]byte, 0, min(m.max, 16<<10))
		} else {
			m.denied = true
		}
	}
	if m.file == nil && m.held > 0 && m.size+int64(len(p)) <= m.held {
		m.buf = append(m.buf, p...)
		m.size += int64(len(p))
		return len(p), nil
	}
	if m.file == nil {
		if err := m.toFile(); err != nil {
			return 0, err
		}
	}
	n, err := m.file.Write(p)
	m.size += int64(n)
	if err != nil {
		return n, fmt.Errorf("smtpin: spool to file: %w", err)
	}
	return n, nil
}

// toFile moves what is in memory to a temporary file. The file is
// unlinked at once: it vanishes with the process whatever happens, and the
// store holds the message once it is committed.
func (m *message) toFile() error {
	f, err := os.CreateTemp(m.dir, "data-*")
	if err != nil {
		return fmt.Errorf("smtpin: spool to file: %w", err)
	}
	os.Remove(f.Name())
	if _, err := f.Write(m.buf); err != nil {
		f.Close()
		return fmt.Errorf("smtpin: spool to file: %w", err)
	}
	m.file = f
	m.buf = nil
	m.mem.arriving.release(m.held)
	m.held = 0
	return nil
}

// bytes returns the whole message in one buffer of its size, once the
// budget for storing has room for it and its copies in the store; release
// gives that room back and must be called once the store is done.
func (m *message) bytes(ctx context.Context) (raw []byte, release func(), err error) {
	units := m.mem.storing.fit(storeCopies * m.size)
	if err := m.mem.storing.acquire(ctx, units); err != nil {
		return nil, func() {}, errNoMemory
	}
	release = func() { m.mem.storing.release(units) }
	if m.file == nil {
		return m.buf, release, nil
	}
	raw = make([]byte, m.size)
	if _, err := io.ReadFull(io.NewSectionReader(m.file, 0, m.size), raw); err != nil {
		release()
		return nil, func() {}, fmt.Errorf("smtpin: read spooled message: %w", err)
	}
	return raw, release, nil
}

// discard frees the message's memory and file.
func (m *message) discard() {
	if m.file != nil {
		m.file.Close()
		m.file = nil
	}
	if m.held > 0 {
		m.mem.arriving.release(m.held)
		m.held = 0
	}
	m.buf = nil
}

// probeEvery is how often a DATA that has gone quiet is looked at for an
// end go-smtp missed (see dataEnd).
const probeEvery = time.Second

// readBufs are readMessage's read buffers, kept between messages: a new
// 32 KB for each DATA was most of the receive path's garbage.
var readBufs = sync.Pool{New: func() any { b := make([]byte, 32<<10); return &b }}

// readMessage reads one message's DATA from r.
//
// go-smtp's reader returns only once the buffer it is given is full, so a
// client that sent an end go-smtp missed, and now waits, would leave its
// last bytes unseen. Reads therefore carry a short deadline: when it
// passes, go-smtp returns what it has, dataEnd looks for the end in it,
// and reading goes on (go-smtp's reader keeps its state across errors)
// until the data deadline, which stays where go-smtp set it: ReadTimeout
// from the DATA command. Once dataEnd found the end, a deadline in the
// past ends go-smtp's wait for the end it looks for, so the reply goes out
// at once.
func (s *session) readMessage(r io.Reader) (*message, error) {
	cfg := &s.srv.cfg
	msg := &message{mem: s.srv.mem, dir: cfg.SpoolDir, max: cfg.MemoryPerMessage}
	src := r
	var conn net.Conn
	// BDAT (RFC 3030) hands over counted chunks through a pipe: no dots,
	// and the connection is read by another goroutine meanwhile.
	if _, bdat := r.(*io.PipeReader); !bdat && s.c != nil {
		conn = s.c.Conn()
	}
	end := &dataEnd{r: r}
	if conn != nil {
		src = end
	}
	deadline := time.Now().Add(cfg.ReadTimeout)
	setDeadline := func(t time.Time) {
		if conn != nil {
			conn.SetReadDeadline(t)
		}
	}
	bufp := readBufs.Get().(*[]byte)
	defer readBufs.Put(bufp)
	buf := *bufp
	var werr error
	for {
		setDeadline(earliest(time.Now().Add(probeEvery), deadline))
		n, err := src.Read(buf)
		if n > 0 && werr == nil {
			_, werr = msg.Write(buf[:n])
		}
		if err == io.EOF {
			if end.found {
				setDeadline(time.Now())
			} else {
				setDeadline(deadline)
			}
			if werr != nil {
				msg.discard()
				return nil, werr
			}
			return msg, nil
		}
		if err != nil {
			if conn != nil && errors.Is(err, os.ErrDeadlineExceeded) && time.Now().Before(deadline) {
				continue
			}
			setDeadline(deadline)
			msg.discard()
			return nil, err
		}
	}
}

func earliest(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}
