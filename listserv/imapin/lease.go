package imapin

import (
	"context"
	"errors"
	"time"
)

// One node at a time. Several serve nodes on one database may all be
// given the same --imap-ingest mailbox; only the holder of the source's
// lease (store.TakeLease, "imap-ingest SOURCE") connects to it, so two
// nodes never both fetch, flag, move or delete there. The holder renews
// the lease every third of its length and stops its session when it
// cannot (the database away, or another node has it): by two thirds of
// the lease after its last renewal it is off the mailbox, a third before
// any other node may take over. The others stand by, trying to take the
// lease as often; a holder that stops cleanly releases it, so one of them
// takes over at once, and one that dies is taken over when it runs out.
// The nodes' clocks must agree to within a fraction of the lease, as for
// the delivery queue's leases.

// errLeaseLost ends a session whose lease could not be renewed.
var errLeaseLost = errors.New("the ingest lease was lost")

// leaseName is the source's lease in the store.
func (in *Ingester) leaseName() string { return "imap-ingest " + in.source }

// awaitLease takes the source's lease, trying again every third of the
// lease while another node holds it, and returns when it asked for the
// lease it got; false when ctx ended first.
func (in *Ingester) awaitLease(ctx context.Context) (time.Time, bool) {
	waiting := false
	for {
		asked := time.Now()
		// Bounded: on a connection the network lost without a word, the
		// take would wait until TCP gave up, and this node would stand
		// by all that while, however soon the database came back. A take
		// answered after two thirds of the lease is no use anyway: the
		// session it allowed would end as it began (underLease).
		tctx, cancel := context.WithTimeout(ctx, 2*in.cfg.Lease/3)
		ok, err := in.st.TakeLease(tctx, in.leaseName(), in.cfg.Node, in.cfg.Lease)
		cancel()
		if ctx.Err() != nil {
			return time.Time{}, false
		}
		switch {
		case err != nil:
			in.log.Warn("imap ingest: taking the lease", "err", err)
		case ok:
			if waiting {
				in.log.Info("imap ingest: took the mailbox over", "node", in.cfg.Node)
			}
			// Another node may have moved the source on since this one
			// last read its row.
			in.row = nil
			return asked, true
		case !waiting:
			in.log.Info("imap ingest: another node holds the mailbox; standing by", "node", in.cfg.Node)
			waiting = true
		}
		t := time.NewTimer(in.cfg.Lease / 3)
		select {
		case <-ctx.Done():
			t.Stop()
			return time.Time{}, false
		case <-t.C:
		}
	}
}

// underLease runs session under the lease taken when asked: the lease is
// renewed while session runs, and session's context ends (errLeaseLost)
// two thirds of the lease after the last renewal that got through, by a
// timer of its own, so that a renewal stuck on an unreachable database
// cannot keep the session past that.
func (in *Ingester) underLease(ctx context.Context, asked time.Time, session func(context.Context) (bool, error)) (bool, error) {
	sctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	keep := 2 * in.cfg.Lease / 3
	expire := time.AfterFunc(time.Until(asked.Add(keep)), func() {
		if sctx.Err() == nil {
			in.log.Warn("imap ingest: could not renew the lease in time; leaving the mailbox", "node", in.cfg.Node)
		}
		cancel(errLeaseLost)
	})
	defer expire.Stop()
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(in.cfg.Lease / 3)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-sctx.Done():
				return
			case <-t.C:
			}
			asked := time.Now()
			ok, err := in.st.TakeLease(sctx, in.leaseName(), in.cfg.Node, in.cfg.Lease)
			switch {
			case sctx.Err() != nil:
				return
			case err == nil && ok:
				expire.Reset(time.Until(asked.Add(keep)))
			case err == nil:
				in.log.Warn("imap ingest: another node took the mailbox over", "node", in.cfg.Node)
				cancel(errLeaseLost)
				return
			default:
				in.log.Warn("imap ingest: renewing the lease; retrying", "err", err)
			}
		}
	}()
	healthy, err := session(sctx)
	close(stop)
	<-done
	if ctx.Err() == nil && errors.Is(context.Cause(sctx), errLeaseLost) {
		return healthy, errLeaseLost
	}
	return healthy, err
}

// releaseLease lets another node take the mailbox at once.
func (in *Ingester) releaseLease(ctx context.Context) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if err := in.st.ReleaseLease(ctx, in.leaseName(), in.cfg.Node); err != nil {
		in.log.Warn("imap ingest: releasing the lease", "err", err)
	}
}
