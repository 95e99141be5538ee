package web

import (
	"context"
	"errors"
	"slices"
	"sync"
)

// admission is the queue of the CPU-heavy requests (search in every form,
// thread and list pages and their API): as many run at once as there are
// cores, since time-slicing sixteen searches on two makes every one of
// them slow while taking turns lets most finish at once.
//
// The turns are shared out by client, not by arrival: one client may run
// at most perClientRunning requests and hold at most perClient running
// and waiting together (beyond that it is refused at once), and a freed
// core goes to the waiting client with the fewest running, in a round
// among equals. So sixty requests from one client are mostly refused,
// the few that wait do so behind nobody else's, and everyone else's wait
// behind at most one of them each.
type admission struct {
	mu               sync.Mutex
	slots            int // requests running at once
	perClientRunning int
	perClient        int // running + waiting, per client
	maxWaiting       int // waiting, all clients together
	running, waiting int
	clients          map[string]*clientTurns
	// round holds the clients with requests waiting; next is where the
	// round goes on.
	round []*clientTurns
	next  int
}

type clientTurns struct {
	key     string
	running int
	queue   []*turn
}

type turn struct {
	ready   chan struct{}
	granted bool
}

var (
	// errClientBusy: this client has its share in the queue already.
	errClientBusy = errors.New("web: too many heavy requests from this client at once")
	// errServerBusy: the queue is full.
	errServerBusy = errors.New("web: too many heavy requests waiting")
)

func newAdmission(slots int) *admission {
	slots = max(1, slots)
	return &admission{
		slots: slots,
		// Never all the cores to one client, so another is served at
		// once even while one client's long downloads or searches run.
		perClientRunning: max(1, slots/2),
		perClient:        max(1, slots/2) + 3,
		maxWaiting:       64 * slots,
		clients:          map[string]*clientTurns{},
	}
}

// acquire waits for a turn of key's and returns the function that ends
// it, or refuses at once with errClientBusy or errServerBusy, or returns
// ctx's error when the client gave up waiting.
func (a *admission) acquire(ctx context.Context, key string) (release func(), err error) {
	a.mu.Lock()
	c := a.clients[key]
	if c == nil {
		c = &clientTurns{key: key}
		a.clients[key] = c
	}
	switch {
	case c.running+len(c.queue) >= a.perClient:
		a.forget(c)
		a.mu.Unlock()
		return nil, errClientBusy
	case a.running < a.slots && c.running < a.perClientRunning:
		c.running++
		a.running++
		a.mu.Unlock()
		return a.releaser(c), nil
	case a.waiting >= a.maxWaiting:
		a.forget(c)
		a.mu.Unlock()
		return nil, errServerBusy
	}
	t := &turn{ready: make(chan struct{})}
	if len(c.queue) == 0 {
		a.round = append(a.round, c)
	}
	c.queue = append(c.queue, t)
	a.waiting++
	a.mu.Unlock()

	select {
	case <-t.ready:
		return a.releaser(c), nil
	case <-ctx.Done():
	}
	a.mu.Lock()
	if t.granted {
		// Granted while giving up: hand the turn on.
		a.mu.Unlock()
		a.releaser(c)()
		return nil, ctx.Err()
	}
	c.queue = slices.DeleteFunc(c.queue, func(x *turn) bool { return x == t })
	a.waiting--
	if len(c.queue) == 0 {
		a.leaveRound(c)
	}
	a.forget(c)
	a.mu.Unlock()
	return nil, ctx.Err()
}

func (a *admission) releaser(c *clientTurns) func() {
	var once sync.Once
	return func() {
		once.Do(func() {
			a.mu.Lock()
			defer a.mu.Unlock()
			c.running--
			a.running--
			a.dispatch()
			a.forget(c)
		})
	}
}

// dispatch gives free cores to waiting requests: each to the waiting
// client with the fewest requests running, the first such in the round
// from where it went on last, skipping those at their share.
func (a *admission) dispatch() {
	for a.running < a.slots && len(a.round) > 0 {
		best := -1
		for i := range len(a.round) {
			j := (a.next + i) % len(a.round)
			c := a.round[j]
			if c.running < a.perClientRunning && (best < 0 || c.running < a.round[best].running) {
				best = j
			}
		}
		if best < 0 {
			return
		}
		c := a.round[best]
		t := c.queue[0]
		c.queue = c.queue[1:]
		c.running++
		a.running++
		a.waiting--
		t.granted = true
		close(t.ready)
		a.next = best + 1
		if len(c.queue) == 0 {
			a.leaveRound(c)
		}
	}
}

func (a *admission) leaveRound(c *clientTurns) {
	i := slices.Index(a.round, c)
	if i < 0 {
		return
	}
	a.round = slices.Delete(a.round, i, i+1)
	if a.next > i {
		a.next--
	}
	if len(a.round) > 0 {
		a.next %= len(a.round)
	} else {
		a.next = 0
	}
}

// forget drops a client with nothing running or waiting.
func (a *admission) forget(c *clientTurns) {
	if c.running == 0 && len(c.queue) == 0 {
		delete(a.clients, c.key)
	}
}

// counts reports what runs and waits, for tests.
func (a *admission) counts() (running, waiting int) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.running, a.waiting
}
