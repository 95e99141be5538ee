package smtpin

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"sync"
	"testing"

	"praxis/listserv/inbound"
)

// memReceiver is an in-memory inbound.Receiver: the adapter is tested on
// its own, without a store, as go-smtp tests its server against a backend
// of its own.
type memReceiver struct {
	mu       sync.Mutex
	got      []string // "route kind: first line of the body"
	failWith error    // Receive's error, if set
}

func (r *memReceiver) Resolve(_ context.Context, rcpt string) (inbound.Route, error) {
	route, ok := inbound.ParseRoute(rcpt)
	switch {
	case !strings.HasSuffix(strings.ToLower(strings.Trim(rcpt, "<>")), "@example.org"):
		return inbound.Route{}, fmt.Errorf("%s: %w", rcpt, inbound.ErrRelayDenied)
	case !ok || route.List != "cop@example.org":
		return inbound.Route{}, fmt.Errorf("%s: %w", rcpt, inbound.ErrNoSuchAddress)
	}
	return route, nil
}

func (r *memReceiver) Receive(_ context.Context, env inbound.Envelope, routes []inbound.Route, raw []byte) error {
	if r.failWith != nil {
		return r.failWith
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, rt := range routes {
		r.got = append(r.got, rt.Kind+" from "+env.MailFrom+": "+string(raw[:strings.IndexByte(string(raw), '\r')]))
	}
	return nil
}

var _ inbound.Receiver = (*memReceiver)(nil)

// TestReceiverContract drives the adapter over a real SMTP conversation
// and checks what it hands over and how each core error is answered.
func TestReceiverContract(t *testing.T) {
	cases := []struct {
		name     string
		failWith error
		code     int
		enhanced string
	}{
		{"accepted", nil, 250, ""},
		{"two From fields", fmt.Errorf("receive: 2 From fields: %w", inbound.ErrAmbiguousAuthor), 550, "5.7.1"},
		// The spam refusals (RFC 7208 §8.4, RFC 7372 §3.2 for SPF); their
		// reasons (zones, scores) go to the log, not to the client.
		{"SPF fail", fmt.Errorf("cop@example.org: SPF fail for disk on fire: %w", inbound.ErrSPFFail), 550, "5.7.23"},
		{"blocklisted", fmt.Errorf("cop@example.org: disk on fire (127.0.0.2): %w", inbound.ErrBlocklisted), 550, "5.7.1"},
		{"spam content", fmt.Errorf("cop@example.org: spamd scored disk on fire: %w", inbound.ErrSpamContent), 550, "5.7.1"},
		{"store trouble", errors.New("disk on fire"), 451, "4.3.0"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rcv := &memReceiver{failWith: tc.failWith}
			srv := start(t, rcv, Config{})
			cv := dial(t, srv.Addr().String())
			cv.cmd(250, "", "EHLO client.example.net")
			cv.cmd(250, "", "MAIL FROM:<alice@example.net>")
			cv.cmd(550, "5.7.1", "RCPT TO:<victim@example.com>")
			cv.cmd(550, "5.1.1", "RCPT TO:<nobody@example.org>")
			cv.cmd(250, "", "RCPT TO:<cop@example.org>")
			cv.cmd(250, "", "RCPT TO:<cop-request@example.org>")
			cv.cmd(354, "", "DATA")
			if err := cv.c.PrintfLine("Subject: hi\r\n\r\nhello\r\n."); err != nil {
				t.Fatal(err)
			}
			msg := cv.expect(tc.code, tc.enhanced)
			if strings.Contains(msg, "disk on fire") {
				t.Errorf("the reply leaks the core's error: %q", msg)
			}
			rcv.mu.Lock()
			defer rcv.mu.Unlock()
			want := []string{"post from alice@example.net: Subject: hi", "request from alice@example.net: Subject: hi"}
			if tc.failWith != nil {
				want = nil
			}
			if fmt.Sprint(rcv.got) != fmt.Sprint(want) {
				t.Errorf("handed over %q, want %q", rcv.got, want)
			}
		})
	}
}

// envReceiver keeps the envelopes it is handed.
type envReceiver struct {
	memReceiver
	envs []inbound.Envelope
}

func (r *envReceiver) Receive(ctx context.Context, env inbound.Envelope, routes []inbound.Route, raw []byte) error {
	r.mu.Lock()
	r.envs = append(r.envs, env)
	r.mu.Unlock()
	return r.memReceiver.Receive(ctx, env, routes, raw)
}

// TestEnvelopeClient: the spam checks are handed the client's address and
// HELO name, except for a rate-exempt client (a front MTA on loopback),
// whose address is not the sender's.
func TestEnvelopeClient(t *testing.T) {
	for _, tc := range []struct {
		name   string
		exempt []netip.Prefix
		lmtp   bool
		want   string
	}{
		{"a client", []netip.Prefix{}, false, "127.0.0.1"},
		{"the front MTA", nil, false, "invalid IP"},
		// An LMTP client is the front MTA wherever it is.
		{"LMTP", []netip.Prefix{}, true, "invalid IP"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rcv := &envReceiver{}
			srv := start(t, rcv, Config{RateExempt: tc.exempt, LMTP: tc.lmtp})
			cv := dial(t, srv.Addr().String())
			hello := "EHLO"
			if tc.lmtp {
				hello = "LHLO"
			}
			cv.cmd(250, "", "%s client.example.net", hello)
			cv.cmd(250, "", "MAIL FROM:<alice@example.net>")
			cv.cmd(250, "", "RCPT TO:<cop@example.org>")
			cv.cmd(354, "", "DATA")
			cv.cmd(250, "", "Subject: hi\r\n\r\nhello\r\n.")
			rcv.mu.Lock()
			defer rcv.mu.Unlock()
			if len(rcv.envs) != 1 || rcv.envs[0].Client.String() != tc.want || rcv.envs[0].HELO != "client.example.net" {
				t.Errorf("envelopes %+v, want the client %s and its HELO", rcv.envs, tc.want)
			}
		})
	}
}
