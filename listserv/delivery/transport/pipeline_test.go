package transport

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// lazyServer is a hand-written SMTP server that answers MAIL only once the
// RCPT after it has arrived: a client that waits for each reply before its
// next command never gets one, so a transaction that completes proves the
// client pipelined its envelope (RFC 2920). It offers CHUNKING when told
// to, refuses recipients whose address begins with "refuse", and closes
// with 421 at a sender beginning with "closing"; to a sender beginning
// with "endless" it answers with "250-" lines until the client goes.
type lazyServer struct {
	addr     string
	chunking bool
	endless  atomic.Int64 // bytes of endless reply written

	mu       sync.Mutex
	commands []string // every command line, in order
	messages [][]byte // bodies taken with a 250
}

func startLazyServer(t *testing.T, chunking bool) *lazyServer {
	t.Helper()
	k := &lazyServer{chunking: chunking}
	k.addr = serveLoopback(t, k.serve)
	return k
}

func (k *lazyServer) log(line string) {
	k.mu.Lock()
	k.commands = append(k.commands, line)
	k.mu.Unlock()
}

func (k *lazyServer) serve(c net.Conn) {
	c.SetDeadline(time.Now().Add(time.Minute))
	r := bufio.NewReader(c)
	w := bufio.NewWriter(c)
	reply := func(s ...string) {
		for _, l := range s {
			w.WriteString(l + "\r\n")
		}
		w.Flush()
	}
	reply("220 lazy.test ESMTP")
	var mailReply string // held until the RCPT comes
	var rcpts int
	var chunks bytes.Buffer
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		line = strings.TrimRight(line, "\r\n")
		k.log(line)
		verb, arg, _ := strings.Cut(line, " ")
		switch strings.ToUpper(verb) {
		case "EHLO":
			ext := []string{"250-lazy.test", "250-PIPELINING", "250-8BITMIME", "250-SIZE 50000000"}
			if k.chunking {
				ext = append(ext, "250-CHUNKING")
			}
			reply(append(ext, "250 ENHANCEDSTATUSCODES")...)
		case "MAIL":
			if strings.HasPrefix(arg, "FROM:<endless") {
				line := []byte("250-" + strings.Repeat("x", 400) + "\r\n")
				for {
					if _, err := c.Write(line); err != nil {
						return
					}
					k.endless.Add(int64(len(line)))
				}
			}
			if strings.HasPrefix(arg, "FROM:<closing") {
				reply("421 4.3.2 shutting down")
				return
			}
			mailReply, rcpts = "250 2.1.0 ok", 0
		case "RCPT":
			if mailReply == "" {
				reply("503 5.5.1 MAIL first")
				continue
			}
			rcptReply := "250 2.1.5 ok"
			if strings.HasPrefix(arg, "TO:<refuse") {
				rcptReply = "550 5.1.1 no such user"
			} else {
				rcpts++
			}
			reply(mailReply, rcptReply)
		case "DATA":
			if rcpts == 0 {
				reply("554 5.5.1 no valid recipients")
				continue
			}
			reply("354 go on")
			var body bytes.Buffer
			for {
				l, err := r.ReadString('\n')
				if err != nil {
					return
				}
				if l == ".\r\n" {
					break
				}
				body.WriteString(strings.TrimPrefix(l, "."))
			}
			k.take(body.Bytes())
			reply("250 2.0.0 taken")
			mailReply, rcpts = "", 0
		case "BDAT":
			n, _ := strconv.Atoi(strings.Fields(arg)[0])
			chunks.Grow(n)
			if _, err := io.CopyN(&chunks, r, int64(n)); err != nil {
				return
			}
			switch {
			case rcpts == 0:
				reply("554 5.5.1 no valid recipients")
			case strings.HasSuffix(arg, " LAST"):
				k.take(bytes.Clone(chunks.Bytes()))
				reply("250 2.0.0 taken")
			default:
				reply("250 2.0.0 chunk")
				continue
			}
			chunks.Reset()
			mailReply, rcpts = "", 0
		case "RSET":
			mailReply, rcpts = "", 0
			chunks.Reset()
			reply("250 2.0.0 reset")
		case "QUIT":
			reply("221 2.0.0 bye")
			return
		default:
			reply("502 5.5.2 what")
		}
	}
}

func (k *lazyServer) take(b []byte) {
	k.mu.Lock()
	k.messages = append(k.messages, b)
	k.mu.Unlock()
}

func (k *lazyServer) seen() ([]string, [][]byte) {
	k.mu.Lock()
	defer k.mu.Unlock()
	return append([]string(nil), k.commands...), append([][]byte(nil), k.messages...)
}

// dotted is a message whose lines begin with dots, the lines DATA stuffs
// and BDAT must not.
const dotted = "From: a@example.org\r\nSubject: dots\r\n\r\n.\r\n..two\r\n.x\r\nend\r\n"

// TestPipelinedTransactions: against a server that answers MAIL only once
// RCPT has come, every transaction completes (its envelope was pipelined);
// a message goes by BDAT as it is where CHUNKING is offered, dot-stuffed
// by DATA where not, and in both a refused recipient leaves the session
// in step for the next copy.
func TestPipelinedTransactions(t *testing.T) {
	big := strings.Repeat("x", 120) + "\r\n"
	big = "Subject: big\r\n\r\n" + strings.Repeat(big, oneWriteMax/len(big)+10) + ".lead\r\n"
	for _, tc := range []struct {
		name     string
		chunking bool
		msg      string
		verb     string // the command that carried the message
	}{
		{"bdat", true, dotted, "BDAT"},
		{"data", false, dotted, "DATA"},
		{"bdat after the envelope's replies", true, big, "BDAT"},
		{"data big", false, big, "DATA"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			k := startLazyServer(t, tc.chunking)
			o := testOptions().withDefaults()
			// A client that waited for the MAIL reply would wait this long.
			o.CommandTimeout = 30 * time.Second
			s, err := connect(testCtx(t), &o, dialParams{addr: k.addr, mode: tlsNone})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			if s.pipe == nil {
				t.Fatal("PIPELINING offered but not used")
			}
			ctx := context.Background()
			if err := s.Send(ctx, "list-bounces@example.org", "alice@example.net", []byte(tc.msg)); err != nil {
				t.Fatalf("first copy: %v", err)
			}
			err = s.Send(ctx, "list-bounces@example.org", "refuse@example.net", []byte(tc.msg))
			var e *Error
			if !errors.As(err, &e) || e.Code != 550 || e.Enhanced != "5.1.1" || e.Op != "RCPT TO" || e.Temporary {
				t.Fatalf("refused recipient: got %#v, want a permanent 550 5.1.1 at RCPT TO", err)
			}
			if err := s.Send(ctx, "list-bounces@example.org", "bob@example.net", []byte(tc.msg)); err != nil {
				t.Fatalf("copy after a refused one: %v", err)
			}
			if err := s.Close(); err != nil {
				t.Fatalf("QUIT: %v", err)
			}
			cmds, msgs := k.seen()
			if len(msgs) != 2 {
				t.Fatalf("server took %d messages, want 2; commands %q", len(msgs), cmds)
			}
			for i, m := range msgs {
				if string(m) != tc.msg {
					t.Errorf("message %d arrived as %q…, want the bytes sent", i, m[:min(len(m), 80)])
				}
			}
			var carried, rsets int
			for _, c := range cmds {
				carried += strings.Count(strings.ToUpper(c), tc.verb)
				if c == "RSET" {
					rsets++
				}
			}
			if carried < 2 || rsets != 1 {
				t.Errorf("commands %q: want the message by %s, and one RSET after the refusal", cmds, tc.verb)
			}
			if tc.msg == big && tc.chunking && carried != 2 {
				t.Errorf("commands %q: a big message's chunk was sent to a refused recipient", cmds)
			}
		})
	}
}

// TestPipelinedServerClosing: a 421 in reply to MAIL breaks the session
// (no reply to the RCPT after it will come), and the next Send fails at
// once with a temporary error rather than wait on a dead connection.
func TestPipelinedServerClosing(t *testing.T) {
	for _, chunking := range []bool{true, false} {
		t.Run(fmt.Sprint("chunking=", chunking), func(t *testing.T) {
			k := startLazyServer(t, chunking)
			o := testOptions().withDefaults()
			s, err := connect(testCtx(t), &o, dialParams{addr: k.addr, mode: tlsNone})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			err = s.Send(context.Background(), "closing@example.org", "alice@example.net", []byte(dotted))
			var e *Error
			if !errors.As(err, &e) || e.Code != 421 || !e.Temporary || e.Op != "MAIL FROM" {
				t.Fatalf("got %#v, want a temporary 421 at MAIL FROM", err)
			}
			err = s.Send(context.Background(), "list@example.org", "alice@example.net", []byte(dotted))
			if !errors.As(err, &e) || !e.Temporary || e.Code != 0 {
				t.Fatalf("send on a closed session: got %v, want a temporary error without a reply", err)
			}
		})
	}
}

// TestPipelinedEndlessReply: a server that answers with continuation lines
// without end is given up after a bounded reply, not read into memory
// until the command's timeout.
func TestPipelinedEndlessReply(t *testing.T) {
	k := startLazyServer(t, true)
	o := testOptions().withDefaults()
	o.CommandTimeout = 30 * time.Second
	s, err := connect(testCtx(t), &o, dialParams{addr: k.addr, mode: tlsNone})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	err = s.Send(context.Background(), "endless@example.org", "alice@example.net", []byte(dotted))
	var e *Error
	if !errors.As(err, &e) || !e.Temporary {
		t.Fatalf("got %v, want a temporary error", err)
	}
	s.Close()
	// What the server wrote before the client hung up: the reply's bound
	// and what the socket buffers held, not 30 seconds of lines.
	if n := k.endless.Load(); n > 16<<20 {
		t.Errorf("the server wrote %d bytes of one reply before the client gave up", n)
	}
}
