package imapview

import (
	"context"
	"time"

	"github.com/emersion/go-imap"
	"github.com/emersion/go-imap/backend"
)

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

// pollNow looks at once (NOOP) and waits until the sessions that selected
// list were told of its new posts, so that NOOP's OK comes after.
func (c *core) pollNow(ctx context.Context, list int64) {
	for _, u := range c.check(ctx) {
		if u.list != list {
			continue
		}
		for _, d := range u.done {
			select {
			case <-d:
			case <-ctx.Done():
				return
			case <-time.After(5 * time.Second):
				return
			}
		}
	}
}

// announced is what one check told, per list.
type announced struct {
	list int64
	done []chan struct{}
}

// check compares each list's newest post with what was last announced and
// sends an update for every list that changed.
func (c *core) check(ctx context.Context) []announced {
	c.pollMu.Lock()
	defer c.pollMu.Unlock()
	qctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	st := c.deps.Store
	newest, err := st.IMAPMaxIDs(qctx)
	if err != nil {
		if ctx.Err() == nil {
			c.log.Warn("imap: poll", "err", err)
		}
		return nil
	}
	first := c.newest == nil
	if first {
		c.newest, c.counts = newest, make(map[int64]int)
		return nil
	}
	var out []announced
	for list, id := range newest {
		if id == c.newest[list] {
			continue
		}
		c.newest[list] = id
		l, err := st.ListByID(qctx, list)
		if err != nil {
			continue // deleted meanwhile
		}
		n, err := st.IMAPCount(qctx, list)
		if err != nil {
			c.log.Warn("imap: poll count", "list", l.Address, "err", err)
			continue
		}
		c.counts[list] = n
		status := imap.NewMailboxStatus(l.Address, []imap.StatusItem{imap.StatusMessages})
		status.Messages = uint32(n)
		a := announced{list: list}
		c.mu.Lock()
		backends := append([]*serverBackend(nil), c.backends...)
		c.mu.Unlock()
		for _, b := range backends {
			up := &backend.MailboxUpdate{Update: backend.NewUpdate("", l.Address), MailboxStatus: status}
			// Done makes its channel on first call: before the server
			// can close it.
			done := up.Done()
			select {
			case b.updates <- up:
				a.done = append(a.done, done)
			case <-ctx.Done():
				return out
			}
		}
		out = append(out, a)
	}
	return out
}
