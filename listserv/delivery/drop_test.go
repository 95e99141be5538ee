package delivery

import (
	"bufio"
	"context"
	"io"
	"log/slog"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"praxis/listserv"
	"praxis/listserv/delivery/transport"
	"praxis/listserv/store"
	"praxis/templates"
)

// dropper is a raw SMTP server that takes whole messages but, for the
// second one on a connection, hangs up after the final dot without a reply:
// the one case where the remote may have the copy although we saw an error.
type dropper struct {
	mu       sync.Mutex
	received int // complete messages read
}

func (d *dropper) serve(t *testing.T, ln net.Listener) {
	for {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		go d.conn(c)
	}
}

func (d *dropper) conn(c net.Conn) {
	defer c.Close()
	r := bufio.NewReader(c)
	say := func(s string) { io.WriteString(c, s+"\r\n") }
	say("220 dropper.test ESMTP")
	inConn := 0
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		cmd := strings.ToUpper(strings.TrimSpace(line))
		switch {
		case strings.HasPrefix(cmd, "EHLO"):
			say("250-dropper.test")
			say("250 8BITMIME")
		case strings.HasPrefix(cmd, "MAIL"), strings.HasPrefix(cmd, "RCPT"), cmd == "RSET", cmd == "NOOP":
			say("250 2.0.0 ok")
		case cmd == "DATA":
			say("354 go ahead")
			for {
				l, err := r.ReadString('\n')
				if err != nil {
					return
				}
				if l == ".\r\n" {
					break
				}
			}
			d.mu.Lock()
			d.received++
			d.mu.Unlock()
			inConn++
			if inConn == 2 {
				return // hang up: no reply to the final dot
			}
			say("250 2.0.0 queued")
		case cmd == "QUIT":
			say("221 bye")
			return
		default:
			say("502 5.5.2 what")
		}
	}
}

func TestNoImmediateResendAfterFinalDot(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, t.TempDir(), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	svc, err := listserv.New(ctx, st, listserv.Config{BaseURL: "http://lists.test", Hostname: "lists.test"}, templates.MustParse(), log)
	if err != nil {
		t.Fatal(err)
	}
	must(t, svc.CreateList(ctx, &listserv.List{Address: "cop@lists.test", Name: "CoP", SubscribePolicy: "confirm", PostPolicy: "open", ArchivePolicy: "public"}))
	must(t, svc.AddMember(ctx, "cop@lists.test", &listserv.Member{Address: "a@x.test"}))
	must(t, svc.AddMember(ctx, "cop@lists.test", &listserv.Member{Address: "b@x.test"}))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	d := &dropper{}
	go d.serve(t, ln)
	tr, err := transport.Parse("smtp://"+ln.Addr().String()+"?tls=none", transport.Options{Hostname: "lists.test"})
	if err != nil {
		t.Fatal(err)
	}
	// One worker: the second copy goes over the connection of the first.
	q := New(Config{Concurrency: 1, Poll: 20 * time.Millisecond}, svc, tr, log)
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { q.Run(runCtx); close(done) }()
	defer func() { cancel(); <-done }()

	r, err := svc.Inbound().Resolve(ctx, "cop@lists.test")
	must(t, err)
	must(t, svc.Inbound().Receive(ctx, listserv.Envelope{MailFrom: "author@example.net"}, []listserv.Route{r}, []byte("Subject: hi\r\n\r\nbody\r\n")))
	must(t, svc.ProcessReceived(ctx))

	deadline := time.Now().Add(10 * time.Second)
	for {
		var attempts int
		ds, err := st.DeliveryStates(ctx, "")
		must(t, err)
		for _, d := range ds {
			attempts += d.Attempts
		}
		if attempts >= 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the copies were never attempted")
		}
		time.Sleep(10 * time.Millisecond)
	}
	time.Sleep(300 * time.Millisecond)
	d.mu.Lock()
	got := d.received
	d.mu.Unlock()
	if got != 2 {
		t.Errorf("the server received %d messages for 2 copies: a copy that may have been delivered was sent again at once", got)
	}
	var queued int
	ds, err := st.DeliveryStates(ctx, "")
	must(t, err)
	for _, d := range ds {
		if d.State == "queued" && d.Attempts == 1 {
			queued++
		}
	}
	if queued != 1 {
		t.Errorf("%d copies waiting for their retry, want the one whose reply was lost", queued)
	}
}
