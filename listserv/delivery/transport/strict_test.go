package transport

import (
	"bufio"
	"fmt"
	"net"
	"strings"
	"sync"
	"testing"

	"praxis/listserv/dns/dnstest"
)

// strictServer is a hand-written SMTP server that, unlike go-smtp's,
// refuses a second EHLO on a connection with 503, as some real servers do
// (RFC 5321 §4.1.4 lets a server accept it, not requires it to). It may
// offer STARTTLS and then refuse it with 454 (RFC 3207 §4).
type strictServer struct {
	addr          string
	offerStartTLS bool

	mu        sync.Mutex
	ehlos     []int // EHLOs per connection, in order of connection
	delivered int   // messages taken with a 250 after the final dot
}

func startStrictServer(t *testing.T, offerStartTLS bool) *strictServer {
	t.Helper()
	k := &strictServer{offerStartTLS: offerStartTLS}
	k.addr = serveLoopback(t, func(c net.Conn) {
		k.mu.Lock()
		k.ehlos = append(k.ehlos, 0)
		n := len(k.ehlos) - 1
		k.mu.Unlock()
		k.serve(c, n)
	})
	return k
}

// serveLoopback accepts connections on a loopback port until the test
// ends, each served by serve on its own goroutine (and closed after), and
// returns the port's address.
func serveLoopback(t *testing.T, serve func(net.Conn)) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	t.Cleanup(func() {
		ln.Close()
		wg.Wait()
	})
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer c.Close()
				serve(c)
			}()
		}
	}()
	return ln.Addr().String()
}

// serve runs one connection; every command gets one reply, and a bounded
// number of commands ends it.
func (k *strictServer) serve(c net.Conn, n int) {
	r := bufio.NewReader(c)
	reply := func(s string) bool {
		_, err := c.Write([]byte(s + "\r\n"))
		return err == nil
	}
	if !reply("220 strict.test ESMTP") {
		return
	}
	helloed := false
	for range 100 {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		verb, _, _ := strings.Cut(strings.TrimRight(line, "\r\n"), " ")
		var ok bool
		switch strings.ToUpper(verb) {
		case "EHLO":
			k.mu.Lock()
			k.ehlos[n]++
			k.mu.Unlock()
			if helloed {
				ok = reply("503 5.5.1 EHLO already given")
				break
			}
			helloed = true
			if k.offerStartTLS {
				ok = reply("250-strict.test\r\n250-STARTTLS\r\n250 8BITMIME")
			} else {
				ok = reply("250-strict.test\r\n250 8BITMIME")
			}
		case "STARTTLS":
			ok = reply("454 4.7.0 TLS not available now")
		case "MAIL", "RCPT", "RSET", "NOOP":
			if !helloed {
				ok = reply("503 5.5.1 EHLO first")
				break
			}
			ok = reply("250 2.0.0 OK")
		case "DATA":
			if !reply("354 go ahead") {
				return
			}
			for {
				l, err := r.ReadString('\n')
				if err != nil {
					return
				}
				if l == ".\r\n" {
					break
				}
			}
			k.mu.Lock()
			k.delivered++
			k.mu.Unlock()
			ok = reply("250 2.0.0 queued")
		case "QUIT":
			reply("221 2.0.0 bye")
			return
		default:
			ok = reply("500 5.5.2 unknown command")
		}
		if !ok {
			return
		}
	}
}

func (k *strictServer) seen() (ehlos []int, delivered int) {
	k.mu.Lock()
	defer k.mu.Unlock()
	return append([]int(nil), k.ehlos...), k.delivered
}

// TestOneEHLOWithoutTLS: on a connection where TLS does not start (not
// offered, refused with 454, or not wanted), the client says EHLO once; a
// strict server answering a second EHLO with 503 gets every copy.
func TestOneEHLOWithoutTLS(t *testing.T) {
	zone := dnstest.Start(t, mxZone())
	tests := []struct {
		name     string
		offerTLS bool
		open     func(t *testing.T, addr string) Session
	}{
		{"smarthost, STARTTLS not offered", false, func(t *testing.T, addr string) Session {
			return openSmarthost(t, "smtp://"+addr, testOptions())
		}},
		{"smarthost, STARTTLS refused", true, func(t *testing.T, addr string) Session {
			return openSmarthost(t, "smtp://"+addr, testOptions())
		}},
		{"smarthost, tls=none", true, func(t *testing.T, addr string) Session {
			return openSmarthost(t, "smtp://"+addr+"?tls=none", testOptions())
		}},
		{"MX, STARTTLS not offered", false, func(t *testing.T, addr string) Session {
			s, err := newTestMX(t, zone.Addr(), addr).Open(testCtx(t), "nomx.test")
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { s.Close() })
			return s
		}},
		{"MX, STARTTLS refused", true, func(t *testing.T, addr string) Session {
			s, err := newTestMX(t, zone.Addr(), addr).Open(testCtx(t), "nomx.test")
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { s.Close() })
			return s
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k := startStrictServer(t, tt.offerTLS)
			s := tt.open(t, k.addr)
			const copies = 3
			for i := range copies {
				msg := fmt.Sprintf("From: list@lists.test\r\nSubject: %d\r\n\r\nbody\r\n", i)
				if err := s.Send(testCtx(t), "list@lists.test", "a@nomx.test", []byte(msg)); err != nil {
					t.Fatalf("Send %d: %v", i, err)
				}
			}
			if err := s.Close(); err != nil {
				t.Errorf("Close: %v", err)
			}
			ehlos, delivered := k.seen()
			if len(ehlos) != 1 || ehlos[0] != 1 {
				t.Errorf("EHLOs per connection %v, want [1]", ehlos)
			}
			if delivered != copies {
				t.Errorf("%d copies delivered, want %d", delivered, copies)
			}
		})
	}
}
