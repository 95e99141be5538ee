package imapview

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/emersion/go-imap"
	"github.com/emersion/go-imap/responses"
	"github.com/emersion/go-imap/server"
)

// selection is one session's selected mailbox, as the poller sees it:
// where to write, and the count the session was last told (EXISTS never
// goes down without EXPUNGE, RFC 3501 §7.3.1, so a count is told only
// when it is higher).
type selection struct {
	conn  server.Conn
	m     *mailbox
	known atomic.Uint32
	busy  atomic.Bool // a write to conn is under way
}

// selections are the sessions with a mailbox selected, by session.
type selections struct {
	mu sync.Mutex
	by map[*user]*selection
}

// selected records that u's session selected m, which holds count posts.
func (c *core) selected(u *user, conn server.Conn, m *mailbox, count uint32) {
	s := &selection{conn: conn, m: m}
	s.known.Store(count)
	c.sel.mu.Lock()
	defer c.sel.mu.Unlock()
	if c.sel.by == nil {
		c.sel.by = make(map[*user]*selection)
	}
	c.sel.by[u] = s
}

// unselected forgets u's selection (UNSELECT, CLOSE, a failed SELECT,
// logout).
func (c *core) unselected(u *user) {
	c.sel.mu.Lock()
	defer c.sel.mu.Unlock()
	delete(c.sel.by, u)
}

// on returns the selections of a list.
func (c *core) on(list int64) []*selection {
	c.sel.mu.Lock()
	defer c.sel.mu.Unlock()
	var out []*selection
	for _, s := range c.sel.by {
		if s.m.list.ID == list {
			out = append(out, s)
		}
	}
	return out
}

// poll looks for new posts every interval until ctx ends. One poller
// serves every session: it reads the newest archive id of each list (one
// query whose cost grows with the number of lists), which sees posts
// archived by any process or node on the store, and tells the sessions
// that selected a list with new posts its new count (* N EXISTS).
func (c *core) poll(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		c.check(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// check compares each list's newest post with what it saw last and tells
// the sessions on a list that changed its new count, each without
// waiting for the others (a client that does not read holds up only its
// own session).
func (c *core) check(ctx context.Context) {
	c.pollMu.Lock()
	defer c.pollMu.Unlock()
	c.sel.mu.Lock()
	nobody := len(c.sel.by) == 0
	c.sel.mu.Unlock()
	if nobody && c.newest != nil {
		// No session to tell: the next look with one compares with the
		// newest ids seen last, so nothing is missed.
		return
	}
	qctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	st := c.deps.Store
	newest, err := st.IMAPMaxIDs(qctx)
	if err != nil {
		if ctx.Err() == nil {
			c.log.Warn("imap: poll", "err", err)
		}
		return
	}
	if c.newest == nil {
		c.newest, c.counts = newest, make(map[int64]int)
	}
	for list, id := range newest {
		if id != c.newest[list] {
			n, err := st.IMAPCount(qctx, list)
			if err != nil {
				c.log.Warn("imap: poll count", "list_id", list, "err", err)
				continue
			}
			c.newest[list], c.counts[list] = id, n
		}
		n, ok := c.counts[list]
		if !ok {
			continue // unchanged since the poller started: every session knows
		}
		for _, s := range c.on(list) {
			if s.known.Load() >= uint32(n) || !s.busy.CompareAndSwap(false, true) {
				// Told already, or a write is under way: the next look
				// tells it if it still needs telling.
				continue
			}
			s.known.Store(uint32(n))
			go func() {
				defer s.busy.Store(false)
				// WriteResp would wait forever for a session that logged
				// out meanwhile: its writer no longer reads.
				ctx := s.conn.Context()
				select {
				case ctx.Responses <- existsResp(s.m.list.Address, uint32(n)):
				case <-ctx.LoggedOut:
				}
			}()
		}
	}
}

func existsResp(name string, n uint32) *responses.Select {
	st := imap.NewMailboxStatus(name, []imap.StatusItem{imap.StatusMessages})
	st.Messages = n
	return &responses.Select{Mailbox: st}
}

// pollNow is NOOP's: the session is told its list's count, if higher than
// it knows, before NOOP's OK (written from the command's own goroutine).
func (c *core) pollNow(ctx context.Context, u *user, m *mailbox) {
	c.sel.mu.Lock()
	s := c.sel.by[u]
	c.sel.mu.Unlock()
	if s == nil || s.m != m {
		return
	}
	n, err := c.deps.Store.IMAPCount(ctx, m.list.ID)
	if err != nil {
		c.log.Warn("imap: noop count", "list", m.list.Address, "err", err)
		return
	}
	// Wait out the poller's write to this session, if one is under way.
	for i := 0; i < 500 && !s.busy.CompareAndSwap(false, true); i++ {
		time.Sleep(10 * time.Millisecond)
	}
	defer s.busy.Store(false)
	if s.known.Load() < uint32(n) {
		s.known.Store(uint32(n))
		s.conn.WriteResp(existsResp(m.list.Address, uint32(n)))
	}
}
