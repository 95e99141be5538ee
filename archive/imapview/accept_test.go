package imapview

import (
	"bufio"
	"context"
	"io"
	"log/slog"
	"net"
	"os"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// outOfFiles fails its first n Accepts as the kernel does when the
// process has run out of file descriptors for a moment (EMFILE, which
// is no timeout), then accepts.
type outOfFiles struct {
	net.Listener
	n      atomic.Int32
	failed atomic.Int32
}

func (l *outOfFiles) Accept() (net.Conn, error) {
	if l.n.Add(-1) >= 0 {
		l.failed.Add(1)
		return nil, &net.OpError{Op: "accept", Net: "tcp", Err: os.NewSyscallError("accept4", syscall.EMFILE)}
	}
	return l.Listener.Accept()
}

// TestAcceptOutOfFiles: failed accepts that are no timeout do not end
// the server (serve would stop every list's mail with it): it pauses,
// accepts again, and a client then gets its greeting.
func TestAcceptOutOfFiles(t *testing.T) {
	st, idx := openStoreIndex(t, t.TempDir())
	srv := New(Config{Addr: "127.0.0.1:0", Poll: time.Second}, Deps{Store: st, Auth: fakeAuth{}, Search: NewSearcher(st, idx)},
		slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err := srv.Listen(); err != nil {
		t.Fatal(err)
	}
	ln := &outOfFiles{Listener: srv.ln}
	ln.n.Store(5)
	srv.ln = ln
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Run(ctx) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run = %v", err)
		}
	}()
	c, err := net.DialTimeout("tcp", ln.Addr().String(), 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetReadDeadline(time.Now().Add(30 * time.Second))
	greeting, err := bufio.NewReader(c).ReadString('\n')
	if err != nil || !strings.HasPrefix(greeting, "* OK") {
		select {
		case err := <-done:
			t.Fatalf("Run ended after failed accepts: %v", err)
		default:
		}
		t.Fatalf("greeting %q, %v", greeting, err)
	}
	if n := ln.failed.Load(); n != 5 {
		t.Errorf("%d accepts failed, want 5", n)
	}
}
