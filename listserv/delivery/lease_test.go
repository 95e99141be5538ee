package delivery

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"praxis/listserv/delivery/transport"
)

// slowTransport sends each copy after a pause.
type slowTransport struct {
	transport.Transport
	pause time.Duration
}

func (s slowTransport) Open(ctx context.Context, route string) (transport.Session, error) {
	sess, err := s.Transport.Open(ctx, route)
	if err != nil {
		return nil, err
	}
	return slowSession{Session: sess, pause: s.pause}, nil
}

type slowSession struct {
	transport.Session
	pause time.Duration
}

func (s slowSession) Send(ctx context.Context, from, to string, msg []byte) error {
	time.Sleep(s.pause)
	return s.Session.Send(ctx, from, to, msg)
}

// A batch claimed at once takes longer to send than one lease: the queue
// renews its leases while it works, so a rival node polling all the while
// never takes a copy over, and no member gets two.
func TestLeasesRenewedThroughASlowBatch(t *testing.T) {
	var members []string
	for i := 0; i < 24; i++ {
		members = append(members, fmt.Sprintf("m%02d@d.test", i))
	}
	const lease = 2 * time.Second
	f := setupWith(t, members, Config{Concurrency: 1, Lease: lease, Node: "slow"}, func(q *Queue) {
		// 24 copies one at a time: about twice the lease.
		q.tr = slowTransport{Transport: q.tr, pause: 2 * lease / 24}
	})
	f.post(t, "slow")
	// The queue claims the whole batch before it sends the first copy:
	// from then on the copies are its own.
	eventually(t, "the first copy", func() bool {
		f.mx.mu.Lock()
		defer f.mx.mu.Unlock()
		return len(f.mx.got) > 0
	})
	var rivalTook atomic.Int64
	rivalDone := make(chan struct{})
	stopRival := make(chan struct{})
	go func() {
		defer close(rivalDone)
		for {
			select {
			case <-stopRival:
				return
			case <-time.After(50 * time.Millisecond):
			}
			ds, err := f.st.ClaimDeliveries(context.Background(), "rival", time.Minute, 0, 100)
			if err != nil {
				t.Error(err)
				return
			}
			rivalTook.Add(int64(len(ds)))
		}
	}()
	eventually(t, "every copy", func() bool {
		f.mx.mu.Lock()
		defer f.mx.mu.Unlock()
		return len(f.mx.got) == len(members) || rivalTook.Load() > 0
	})
	close(stopRival)
	<-rivalDone
	if n := rivalTook.Load(); n > 0 {
		t.Errorf("a rival node took over %d copies the queue was still working through", n)
	}
	for _, m := range members {
		if n := f.mx.count(m); n != 1 {
			t.Errorf("%s got %d copies, want 1", m, n)
		}
	}
}
