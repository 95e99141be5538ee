package imapin

import (
	"fmt"
	"net"
	"strconv"
	"sync"
)

// literalGuard is the connection as go-imap's client reads it, watched
// for literal announcements ({N} at the end of a line, RFC 3501 §4.3).
// go-imap v1.2.1 allocates a literal's whole length before reading it and
// its client offers no limit, so a server announcing {4000000000} would
// make this process allocate 4 GB. The guard fails the read instead: the
// session ends with an error, and the announced bytes are never handed
// to the client. The content of literals within the limit is skipped, so
// a message that merely contains "{123}" in its text is no announcement.
type literalGuard struct {
	net.Conn
	max  int64
	skip int64  // bytes of literal content still to pass through
	tail []byte // the end of the current line, enough for "{N+}\r"
	mu   sync.Mutex
	err  error // set by the reading goroutine, read by the session
}

// failure is why the guard stopped the connection, if it did.
func (g *literalGuard) failure() error {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.err
}

// tailLen keeps enough of a line for "{" + 20 digits + "+}" + CR.
const tailLen = 32

func (g *literalGuard) Read(p []byte) (int, error) {
	if err := g.failure(); err != nil {
		return 0, err
	}
	n, err := g.Conn.Read(p)
	for i := 0; i < n; i++ {
		if g.skip > 0 {
			k := min(int64(n-i), g.skip)
			g.skip -= k
			i += int(k) - 1
			continue
		}
		b := p[i]
		if b != '\n' {
			g.tail = append(g.tail, b)
			if len(g.tail) > tailLen {
				g.tail = g.tail[len(g.tail)-tailLen:]
			}
			continue
		}
		size, ok := announced(g.tail)
		g.tail = g.tail[:0]
		if !ok {
			continue
		}
		if size > g.max {
			// Hand over nothing of this read: the client must not see
			// the announcement.
			err := fmt.Errorf("the server announced a literal of %d bytes, over the %d allowed", size, g.max)
			g.mu.Lock()
			g.err = err
			g.mu.Unlock()
			return 0, err
		}
		g.skip = size
	}
	return n, err
}

// announced reads a literal's length from the end of a line (without its
// LF): "…{123}\r" or "…{123+}\r".
func announced(line []byte) (int64, bool) {
	l := len(line)
	if l > 0 && line[l-1] == '\r' {
		l--
	}
	if l < 3 || line[l-1] != '}' {
		return 0, false
	}
	end := l - 1
	if line[end-1] == '+' {
		end--
	}
	start := end
	for start > 0 && line[start-1] >= '0' && line[start-1] <= '9' {
		start--
	}
	if start == end || start == 0 || line[start-1] != '{' {
		return 0, false
	}
	n, err := strconv.ParseInt(string(line[start:end]), 10, 64)
	if err != nil {
		// More digits than an int64: over any limit.
		return 1<<63 - 1, true
	}
	return n, true
}
