package imapview

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"math"
	"slices"
	"sync"
	"time"

	"github.com/emersion/go-imap"
	"github.com/emersion/go-imap/responses"
	"github.com/emersion/go-imap/server"

	"praxis/listserv/store"
)

// selection is one session's selected mailbox, as the poller and the
// member's other sessions see it: where to write, what the session was
// told, and what it is still to be told. Whoever has news for the session
// records it (tell) and goes on: a goroutine of the selection's writes it,
// so that a session that does not read, or logged out meanwhile, holds up
// no one else.
type selection struct {
	conn server.Conn
	m    *mailbox

	// write is held while news is handed to the session's writer: one
	// batch at a time, in order, and NOOP waits for the one under way.
	write sync.Mutex

	mu sync.Mutex // guards the fields below
	// known is the count the session was told, less the removals still
	// to tell it (EXISTS never goes down without EXPUNGE, RFC 3501
	// §7.3.1, so a count is told only when it is higher); exists is a
	// higher one still to tell.
	known, exists uint32
	// since is the index log's position up to which the session knows
	// of the removals (store.IMAPRemovals): its SELECT's count left out
	// those before it, and it has been told of those after it up to
	// there. expunge are the sequence numbers of removed posts still to
	// tell, in the order to tell them. RFC 3501 §7.4.1 forbids EXPUNGE
	// when no command is in progress: they are told while the session
	// idles (idling), or at its NOOP; the count after them waits with
	// them.
	since   store.IndexPos
	expunge []uint32
	idling  bool
	// flags are the member's other sessions' flag changes still to tell,
	// by UID: the newest change of a post wins.
	flags map[uint32]flagChange
	// flushing: the goroutine that writes the news runs.
	flushing bool
	// gone: the session left the mailbox; nothing more is told.
	gone bool
}

// flagChange is a post's flags after a STORE, and its sequence number.
type flagChange struct {
	seq, uid uint32
	flags    []string
}

// selections are the sessions with a mailbox selected, by session.
type selections struct {
	mu sync.Mutex
	by map[*user]*selection
}

// selected records that u's session selected m, which held count posts
// at the index log's position since. The caller then looks for the
// removals made since (catchUp), which the poller may have read before
// the session was recorded.
func (c *core) selected(u *user, conn server.Conn, m *mailbox, count uint32, since store.IndexPos) *selection {
	s := &selection{conn: conn, m: m, known: count, since: since}
	c.sel.mu.Lock()
	defer c.sel.mu.Unlock()
	if c.sel.by == nil {
		c.sel.by = make(map[*user]*selection)
	}
	c.sel.by[u] = s
	return s
}

// unselected forgets u's selection (UNSELECT, CLOSE, SELECT, logout):
// the session is told nothing more of it. A command that leaves the
// mailbox waits (wait) for news being handed to the session's writer, so
// that none of the old mailbox follows the command's answer; logout does
// not, as the session's writer may be gone.
func (c *core) unselected(u *user, wait bool) {
	c.sel.mu.Lock()
	s := c.sel.by[u]
	delete(c.sel.by, u)
	c.sel.mu.Unlock()
	if s == nil {
		return
	}
	if wait {
		s.write.Lock()
		defer s.write.Unlock()
	}
	s.drop()
}

// drop tells the session nothing more of the selection.
func (s *selection) drop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.gone, s.exists, s.flags, s.expunge = true, 0, nil, nil
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

// tellFlags tells the member's other sessions on a list the flags a STORE
// of from's session left, and records them for from's session too when
// self; it returns from's selection then, for the command to write them.
// An anonymous session's flags are its own: no one else is told.
func (c *core) tellFlags(from *user, list int64, changes []flagChange, self bool) *selection {
	if len(changes) == 0 {
		return nil
	}
	var own *selection
	for _, s := range c.on(list) {
		switch u := s.m.u; {
		case u == from && self:
			s.mu.Lock()
			s.add(0, changes)
			s.mu.Unlock()
			own = s
		case u != from && from.addr != "" && u.addr != "" && u.key == from.key:
			s.tell(0, changes)
		}
	}
	return own
}

// storing takes the lock under which a member's STORE on a list changes
// the flags and tells the member's other sessions: they are told in the
// order the store took the changes, so the newest flags come last. It
// returns the unlock.
func (c *core) storing(list int64, u *user) func() {
	if u.addr == "" {
		return func() {} // an anonymous session's flags are its own
	}
	h := fnv.New32a()
	h.Write([]byte(u.key))
	mu := &c.storeMu[(uint64(h.Sum32())^uint64(list))%uint64(len(c.storeMu))]
	mu.Lock()
	return mu.Unlock
}

// tell records news for the session, a higher count or flag changes, and
// starts the goroutine that writes them unless it runs. It never waits
// for the session.
func (s *selection) tell(count uint32, changes []flagChange) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.add(count, changes) && !s.flushing {
		s.flushing = true
		go s.flush()
	}
}

// add records news for the session and tells whether any can be written
// now. s.mu is held.
func (s *selection) add(count uint32, changes []flagChange) bool {
	if s.gone {
		return false
	}
	if count > max(s.known, s.exists) {
		s.exists = count
	}
	for _, ch := range changes {
		if s.flags == nil {
			s.flags = make(map[uint32]flagChange)
		}
		if _, ok := s.flags[ch.uid]; ok || len(s.flags) < maxPendingFlags {
			s.flags[ch.uid] = ch
		}
	}
	// Removals held for the session's NOOP hold the count with them
	// (news): pending is what a flush could write now, or every look
	// would start one that writes nothing.
	if len(s.expunge) > 0 && !s.idling {
		return len(s.flags) > 0
	}
	return s.exists > s.known || len(s.flags) > 0 || len(s.expunge) > 0
}

// maxPendingFlags bounds the flag changes kept for a session that does
// not read them (a STORE 1:* on a large list while its client sleeps):
// past it, changes of further posts are not told; the client sees them
// when it fetches the flags.
const maxPendingFlags = 10_000

// flush writes the session's news until there is none.
func (s *selection) flush() {
	ctx := s.conn.Context()
	for {
		s.write.Lock()
		s.mu.Lock()
		news := s.news(false)
		if len(news) == 0 {
			s.flushing = false
		}
		s.mu.Unlock()
		for _, r := range news {
			// WriteResp would wait forever for a session that logged
			// out meanwhile: its writer no longer reads. Such a session
			// is told nothing more (its logout forgets the selection).
			select {
			case ctx.Responses <- r:
			case <-ctx.LoggedOut:
				s.drop()
				s.write.Unlock()
				return
			}
		}
		s.write.Unlock()
		if len(news) == 0 {
			return
		}
	}
}

// news takes what the session is still to be told: the removals, when
// it may be told them (now: its NOOP; or while it idles), then the new
// count, then the flags of the posts it knows of (one it does not know
// yet it will fetch with its flags). The count waits while removals
// wait: it is the count after them. s.mu is held.
func (s *selection) news(now bool) []imap.WriterTo {
	var out []imap.WriterTo
	if s.gone {
		return nil
	}
	held := len(s.expunge) > 0 && !now && !s.idling
	if len(s.expunge) > 0 && !held {
		seqs := make(chan uint32, len(s.expunge))
		for _, n := range s.expunge {
			seqs <- n
		}
		close(seqs)
		out = append(out, &responses.Expunge{SeqNums: seqs})
		s.expunge = nil
	}
	if !held {
		if s.exists > s.known {
			s.known = s.exists
			out = append(out, existsResp(s.m.list.Address, s.known))
		}
		s.exists = 0
	}
	if len(s.flags) > 0 {
		var msgs []*imap.Message
		for _, ch := range s.flags {
			if ch.seq <= s.known {
				msg := imap.NewMessage(ch.seq, []imap.FetchItem{imap.FetchUid, imap.FetchFlags})
				msg.Uid, msg.Flags = ch.uid, ch.flags
				if msg.Flags == nil {
					msg.Flags = []string{}
				}
				msgs = append(msgs, msg)
			}
		}
		s.flags = nil
		if len(msgs) > 0 {
			slices.SortFunc(msgs, func(a, b *imap.Message) int { return cmp.Compare(a.SeqNum, b.SeqNum) })
			ch := make(chan *imap.Message, len(msgs))
			for _, msg := range msgs {
				ch <- msg
			}
			close(ch)
			out = append(out, &responses.Fetch{Messages: ch})
		}
	}
	return out
}

// removed records the removals a look at the index log found (IMAPRemovals,
// up to head), those of this session's list, by ascending UID: the
// sequence number each post has for the session, once told of the ones
// before, for the posts it knows of, and the list's count after them.
// A look older than what the session was told is dropped. s.mu is not
// held.
func (s *selection) removed(head store.IndexPos, rs []store.IMAPRemoval) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.gone || !s.since.Less(head) {
		return
	}
	left := -1
	for _, r := range rs {
		if !s.since.Less(r.Pos) {
			continue // before its SELECT, or told already
		}
		left = r.Left
		// A post past the count it knows (archived and removed since
		// its last EXISTS) it never heard of.
		if seq := uint32(r.Before + 1); seq <= s.known {
			s.expunge = append(s.expunge, seq)
			s.known--
		}
	}
	s.since = head
	if left >= 0 {
		// A count still to tell was read before these removals: the one
		// read with them replaces it.
		s.exists = 0
		if uint32(left) > s.known {
			s.exists = uint32(left)
		}
	}
}

// removalsByList groups removals by list, each list's by ascending UID,
// the order in which removed() numbers them.
func removalsByList(rs []store.IMAPRemoval) map[int64][]store.IMAPRemoval {
	out := make(map[int64][]store.IMAPRemoval)
	for _, r := range rs {
		out[r.ListID] = append(out[r.ListID], r)
	}
	for _, l := range out {
		slices.SortFunc(l, func(a, b store.IMAPRemoval) int { return cmp.Compare(a.ID, b.ID) })
	}
	return out
}

// catchUp reads the removals on s's list since what s knows of and
// records them for s (its SELECT, its NOOP).
func (c *core) catchUp(ctx context.Context, s *selection) error {
	s.mu.Lock()
	since, gone := s.since, s.gone
	s.mu.Unlock()
	if gone {
		return nil
	}
	head, rs, err := c.deps.Store.IMAPRemovals(ctx, since)
	if err != nil {
		return err
	}
	s.removed(head, removalsByList(rs)[s.m.list.ID])
	return nil
}

// removals reads the posts removed from the archives since the last
// look, by any node, and records them for every session (removed), which
// the sessions that idle hear at once. The first look, or the first
// after a time without sessions, reads from the oldest position a session
// knows of. pollMu is held.
func (c *core) removals(ctx context.Context) error {
	var sels []*selection
	c.sel.mu.Lock()
	for _, s := range c.sel.by {
		sels = append(sels, s)
	}
	c.sel.mu.Unlock()
	after := c.removedAt
	if !c.removalsRead {
		after = store.IndexPos{Pos: math.MaxInt64}
		for _, s := range sels {
			s.mu.Lock()
			if s.since.Less(after) {
				after = s.since
			}
			s.mu.Unlock()
		}
	}
	head, rs, err := c.deps.Store.IMAPRemovals(ctx, after)
	if err != nil {
		return err
	}
	if c.removalsRead && !c.removedAt.Less(head) {
		return nil // nothing written to the log since
	}
	c.removedAt, c.removalsRead = head, true
	byList := removalsByList(rs)
	for list, l := range byList {
		if c.counts != nil {
			c.counts[list] = l[0].Left
		}
	}
	for _, s := range sels {
		s.removed(head, byList[s.m.list.ID])
		s.tell(0, nil)
	}
	return nil
}

// idle records that u's session idles (on) or stopped (IDLE's DONE):
// while it idles it is told of removals at once. Stopping waits for news
// being handed to the session's writer, so that none follows IDLE's OK.
func (c *core) idle(u *user, on bool) {
	c.sel.mu.Lock()
	s := c.sel.by[u]
	c.sel.mu.Unlock()
	if s == nil {
		return
	}
	if !on {
		s.write.Lock()
		defer s.write.Unlock()
	}
	s.mu.Lock()
	s.idling = on
	s.mu.Unlock()
	if on {
		s.tell(0, nil)
	}
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
		// newest ids seen last, so nothing is missed; and reads the
		// removals from where its sessions stand.
		c.removalsRead = false
		return
	}
	qctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	st := c.deps.Store
	// Removals first: the counts read after them are the counts after
	// them.
	if err := c.removals(qctx); err != nil && ctx.Err() == nil {
		c.log.Warn("imap: poll removals", "err", err)
	}
	newest, err := st.IMAPMaxIDs(qctx)
	if err != nil {
		if ctx.Err() == nil {
			c.log.Warn("imap: poll", "err", err)
		}
		return
	}
	// The first look takes the newest ids as known, but a session that
	// selected its list before it (a poller started late on a busy
	// machine) may have seen fewer: its list is counted and told.
	first := c.newest == nil
	if first {
		c.newest, c.counts = newest, make(map[int64]int)
	}
	for list, id := range newest {
		if id != c.newest[list] || first && len(c.on(list)) > 0 {
			n, err := st.IMAPCount(qctx, list)
			if err != nil {
				c.log.Warn("imap: poll count", "list_id", list, "err", err)
				continue
			}
			if err := c.dropUnreadable(qctx, list); err != nil {
				c.log.Warn("imap: poll visibility", "list_id", list, "err", err)
				continue // the next look tries again, before anyone is told
			}
			c.newest[list], c.counts[list] = id, n
		}
		n, ok := c.counts[list]
		if !ok {
			continue // unchanged since the poller started: every session knows
		}
		for _, s := range c.on(list) {
			s.tell(uint32(n), nil)
		}
	}
}

// dropUnreadable tells nothing more to the sessions on a list with new
// posts that may no longer read it (a member removed, a list made
// private since their SELECT): they would learn how many posts it has.
func (c *core) dropUnreadable(ctx context.Context, list int64) error {
	sels := c.on(list)
	if len(sels) == 0 {
		return nil
	}
	l, err := c.deps.Store.ListByID(ctx, list)
	if errors.Is(err, store.ErrNotFound) {
		for _, s := range sels {
			s.drop()
		}
		return nil
	}
	if err != nil {
		return fmt.Errorf("list %d: %w", list, err)
	}
	for _, s := range sels {
		ok, err := s.m.u.mayRead(ctx, l)
		if err != nil {
			return err
		}
		if !ok {
			s.drop()
		}
	}
	return nil
}

func existsResp(name string, n uint32) *responses.Select {
	st := imap.NewMailboxStatus(name, []imap.StatusItem{imap.StatusMessages})
	st.Messages = n
	return &responses.Select{Mailbox: st}
}

// pollNow is NOOP's: the session is told its list's count, if higher than
// it knows, and the flags the member's other sessions changed, before
// NOOP's OK (written from the command's own goroutine).
func (c *core) pollNow(ctx context.Context, u *user, m *mailbox) {
	c.sel.mu.Lock()
	s := c.sel.by[u]
	c.sel.mu.Unlock()
	if s == nil || s.m != m {
		return
	}
	if err := m.stillVisible(ctx); err != nil {
		if errors.Is(err, errNoMailbox) {
			s.drop()
		}
		return
	}
	if err := c.catchUp(ctx, s); err != nil {
		c.log.Warn("imap: noop removals", "list", m.list.Address, "err", err)
	}
	n, err := c.deps.Store.IMAPCount(ctx, m.list.ID)
	if err != nil {
		c.log.Warn("imap: noop count", "list", m.list.Address, "err", err)
		n = 0 // the flags are told all the same
	}
	s.writeNow(uint32(n), true)
}

// writeNow writes the session's news from the session's own command,
// before its answer, after the news being handed over by the goroutine
// of tell, if any: the removals when the command may tell them
// (expunge: NOOP), the count when higher than the session knows, and
// the flags recorded.
func (s *selection) writeNow(count uint32, expunge bool) {
	s.write.Lock()
	defer s.write.Unlock()
	s.mu.Lock()
	s.add(count, nil)
	news := s.news(expunge)
	s.mu.Unlock()
	for _, r := range news {
		if err := s.conn.WriteResp(r); err != nil {
			return
		}
	}
}
