package smtpin

import (
	"context"
	"net"
	"net/textproto"
	"testing"
	"time"

	"praxis/listserv/inbound"
)

// stuckReceiver is a receiver whose store stopped answering (the network
// lost it without a word): its calls return only when their context
// ends.
type stuckReceiver struct {
	memReceiver
	stuckResolve, stuckReceive bool
}

func (r *stuckReceiver) Resolve(ctx context.Context, rcpt string) (inbound.Route, error) {
	if r.stuckResolve {
		<-ctx.Done()
		return inbound.Route{}, ctx.Err()
	}
	return r.memReceiver.Resolve(ctx, rcpt)
}

func (r *stuckReceiver) Receive(ctx context.Context, env inbound.Envelope, routes []inbound.Route, raw []byte) error {
	if r.stuckReceive {
		<-ctx.Done()
		return ctx.Err()
	}
	return r.memReceiver.Receive(ctx, env, routes, raw)
}

// TestStoreStuckGets451: when the store stops answering, RCPT and the
// end of DATA are answered 451 4.3.0 once StoreTimeout has passed, not
// left waiting on the store. The client's generous deadline only turns
// a server that never answers into a failure rather than a hang.
func TestStoreStuckGets451(t *testing.T) {
	for _, tc := range []struct {
		name string
		rcv  *stuckReceiver
	}{
		{"RCPT", &stuckReceiver{stuckResolve: true}},
		{"DATA", &stuckReceiver{stuckReceive: true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := start(t, tc.rcv, Config{StoreTimeout: 50 * time.Millisecond})
			c, err := net.Dial("tcp", srv.Addr().String())
			must(t, err)
			t.Cleanup(func() { c.Close() })
			must(t, c.SetDeadline(time.Now().Add(time.Minute)))
			cv := &conv{t, textproto.NewConn(c)}
			cv.expect(220, "")
			cv.cmd(250, "", "EHLO client.example.net")
			cv.cmd(250, "", "MAIL FROM:<ann@example.net>")
			if tc.rcv.stuckResolve {
				cv.cmd(451, "4.3.0", "RCPT TO:<cop@example.org>")
				return
			}
			cv.cmd(250, "", "RCPT TO:<cop@example.org>")
			cv.cmd(354, "", "DATA")
			cv.cmd(451, "4.3.0", "Subject: x\r\n\r\nbody\r\n.")
		})
	}
}
