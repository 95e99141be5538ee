package imapin_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"praxis/listserv/imapin"
	"praxis/listserv/imapin/imapintest"
	"praxis/listserv/inbound"
	"praxis/listserv/store"
	"praxis/listserv/store/pgtest"
)

// onePG is two nodes on one PostgreSQL database, each with a store and a
// spool of its own, over one Dovecot, with one list.
func onePG(t *testing.T) (a, b *fixture) {
	t.Helper()
	url := pgtest.URL(t)
	dc := imapintest.Start(t)
	open := func() *store.Store {
		st, err := store.Open(context.Background(), "", store.Options{DB: url})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		return st
	}
	stA, stB := open(), open()
	l := &store.List{Address: "cop@example.org", Name: "CoP", SubscribePolicy: store.SubscribeConfirm, PostPolicy: store.PostOpen, ArchivePolicy: store.ArchivePublic}
	if err := stA.CreateList(context.Background(), l); err != nil {
		t.Fatal(err)
	}
	a = &fixture{t: t, st: stA, list: l, dc: dc, recv: inbound.New(stA, nil, "")}
	b = &fixture{t: t, st: stB, list: l, dc: dc, recv: inbound.New(stB, nil, "")}
	return a, b
}

// passLog records, in order, which node made each pass.
type passLog struct {
	mu    sync.Mutex
	nodes []string
}

func (p *passLog) as(node string, lease time.Duration) func(*imapin.Config) {
	return func(c *imapin.Config) {
		c.Node, c.Lease = node, lease
		counted := c.Passed
		c.Passed = func() {
			// Logged before it is counted: a test that waits for the
			// count then finds the pass in the log.
			p.mu.Lock()
			p.nodes = append(p.nodes, node)
			p.mu.Unlock()
			counted()
		}
	}
}

// handedOver checks that the passes were first's only, then second's
// only: never the two at once.
func (p *passLog) handedOver(t *testing.T, first, second string) {
	t.Helper()
	p.mu.Lock()
	defer p.mu.Unlock()
	i := 0
	for i < len(p.nodes) && p.nodes[i] == first {
		i++
	}
	if i == 0 || i == len(p.nodes) {
		t.Fatalf("passes %v: want %s's, then %s's", p.nodes, first, second)
	}
	for _, n := range p.nodes[i:] {
		if n != second {
			t.Fatalf("passes %v: %s passed after %s took over", p.nodes, n, second)
		}
	}
}

// The test's lease: short, so that a takeover comes soon, and long
// enough that a renewal every third of it keeps up on a busy machine.
const testLease = 1500 * time.Millisecond

// TestIngestLeaseTakeover: two nodes on one PostgreSQL are given the same
// mailbox of a real Dovecot. One takes it, the other stands by and
// never passes over it; when the holder stops, the other takes over and
// takes what arrives after. Every message is posted exactly once.
func TestIngestLeaseTakeover(t *testing.T) {
	fa, fb := onePG(t)
	for i := 1; i <= 20; i++ {
		fa.dc.Append("INBOX", mail(i, ""))
	}
	var log passLog
	url := fa.dc.URL("INBOX", fa.list.Address, "")
	ra := fa.start(url, log.as("node-a", testLease))
	fa.waitSpooled(20)
	rb := fb.start(url, log.as("node-b", testLease))
	// b stands by: a few more of a's passes (new mail, woken by IDLE)
	// while b tries the lease every third of it, and b never passes.
	for i := 21; i <= 25; i++ {
		fa.dc.Append("INBOX", mail(i, ""))
		fa.waitSpooled(i)
	}
	if n := rb.passes.Load(); n != 0 {
		t.Fatalf("the standby node made %d passes while the holder held the mailbox", n)
	}
	ra.stop()
	for i := 26; i <= 40; i++ {
		fa.dc.Append("INBOX", mail(i, ""))
	}
	onceEach(t, fb.waitSpooled(40), 40)
	// The posts are spooled inside b's pass, whose Passed comes at its
	// end: on a busy machine the count can be read before it.
	rb.waitPasses(t, 1)
	log.handedOver(t, "node-a", "node-b")
}

// cutOff is a node's store that the test cuts off from its leases, as
// when the node loses the database: every lease call fails from then on.
type cutOff struct {
	imapin.Store
	cut atomic.Bool
}

var errCut = errors.New("cut off from the database")

func (c *cutOff) TakeLease(ctx context.Context, name, holder string, d time.Duration) (bool, error) {
	if c.cut.Load() {
		return false, errCut
	}
	return c.Store.TakeLease(ctx, name, holder, d)
}

func (c *cutOff) ReleaseLease(ctx context.Context, name, holder string) error {
	if c.cut.Load() {
		return errCut
	}
	return c.Store.ReleaseLease(ctx, name, holder)
}

// TestIngestLeaseHolderCutOff: a holder that can no longer renew its
// lease (it cannot release it either) leaves the mailbox before the lease
// runs out, and the other node takes over once it has: the two never
// pass over the mailbox at once, and every message is posted once.
func TestIngestLeaseHolderCutOff(t *testing.T) {
	fa, fb := onePG(t)
	cut := &cutOff{Store: fa.st}
	fa.ingestStore = cut
	var log passLog
	url := fa.dc.URL("INBOX", fa.list.Address, "")
	fa.dc.Append("INBOX", mail(1, ""))
	fa.start(url, log.as("node-a", testLease))
	fa.waitSpooled(1)
	rb := fb.start(url, log.as("node-b", testLease))
	fa.dc.Append("INBOX", mail(2, ""))
	fa.waitSpooled(2)
	cut.cut.Store(true)
	rb.waitPasses(t, 1)
	for i := 3; i <= 20; i++ {
		fa.dc.Append("INBOX", mail(i, ""))
	}
	onceEach(t, fb.waitSpooled(20), 20)
	log.handedOver(t, "node-a", "node-b")
}
