package imapview

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/emersion/go-imap"
	sortthread "github.com/emersion/go-imap-sortthread"
	"github.com/emersion/go-imap/backend"

	"praxis/listserv/store"
)

// Delimiter is the hierarchy delimiter. The archive has no hierarchy; a
// list address never holds a "/".
const Delimiter = "/"

// pageSize is how many posts a FETCH, STORE or SEARCH reads at a time.
const pageSize = 200

// mailbox is one list's archive as one session sees it.
type mailbox struct {
	u    *user
	list *store.List
	// readOnly: opened with EXAMINE, so that a FETCH of a body does not
	// set \Seen (RFC 3501 §6.4.5).
	readOnly bool
}

var (
	_ backend.Mailbox          = (*mailbox)(nil)
	_ backend.MoveMailbox      = (*mailbox)(nil)
	_ backend.MailboxPoller    = (*mailbox)(nil)
	_ sortthread.SortMailbox   = (*mailbox)(nil)
	_ sortthread.ThreadMailbox = (*mailbox)(nil)
	_ sortthread.ThreadBackend = (*serverBackend)(nil)
	_ backend.User             = (*user)(nil)
)

// systemFlags are the flags a post can carry; \Deleted is not among them
// (nothing can be expunged) and \Recent is the server's.
var systemFlags = []string{imap.SeenFlag, imap.AnsweredFlag, imap.FlaggedFlag, imap.DraftFlag}

func (m *mailbox) ctx() (context.Context, context.CancelFunc) {
	return context.WithTimeout(m.u.b.ctx, opTimeout)
}

// Name is backend.Mailbox's: the list's address.
func (m *mailbox) Name() string { return m.list.Address }

// Info is backend.Mailbox's.
func (m *mailbox) Info() (*imap.MailboxInfo, error) {
	return &imap.MailboxInfo{Attributes: []string{imap.HasNoChildrenAttr}, Delimiter: Delimiter, Name: m.list.Address}, nil
}

// member is the address whose flags the store keeps, or "" for an
// anonymous session.
func (m *mailbox) member() string { return m.u.addr }

// stillVisible checks, before each command on a selected list, that the
// session may still read it: a member removed, or a public list made
// private, loses the archive at once, not at the next SELECT. The list is
// read again for that: its policy as of SELECT may be stale.
func (m *mailbox) stillVisible(ctx context.Context) error {
	l, err := m.u.b.deps.Store.ListByID(ctx, m.list.ID)
	if errors.Is(err, store.ErrNotFound) {
		return errNoMailbox
	}
	if err != nil {
		return err
	}
	ok, err := m.u.mayRead(ctx, l)
	if err != nil {
		return err
	}
	if !ok {
		return errNoMailbox
	}
	return nil
}

// newest returns the list's newest post id (0 when it has none).
func (m *mailbox) newest(ctx context.Context) (int64, error) {
	return m.u.b.deps.Store.IMAPMaxID(ctx, m.list.ID)
}

// Status is backend.Mailbox's (STATUS, and SELECT through selectStatus).
func (m *mailbox) Status(items []imap.StatusItem) (*imap.MailboxStatus, error) {
	for _, it := range items {
		switch it {
		case imap.StatusMessages, imap.StatusRecent, imap.StatusUnseen, imap.StatusUidNext, imap.StatusUidValidity:
		default:
			return nil, &imap.ErrStatusResp{Resp: &imap.StatusResp{Type: imap.StatusRespBad, Info: fmt.Sprintf("Unknown STATUS item %.40q", string(it))}}
		}
	}
	ctx, cancel := m.ctx()
	defer cancel()
	st, err := m.status(ctx, items)
	if err != nil {
		return nil, m.fail("status", err)
	}
	return st, nil
}

func (m *mailbox) status(ctx context.Context, items []imap.StatusItem) (*imap.MailboxStatus, error) {
	st := imap.NewMailboxStatus(m.list.Address, items)
	st.Flags = systemFlags
	st.PermanentFlags = []string{}
	if m.member() != "" && !m.readOnly {
		st.PermanentFlags = append(slices.Clone(systemFlags), imap.TryCreateFlag)
	}
	count := -1
	needCount := func() (int, error) {
		if count < 0 {
			n, err := m.u.b.deps.Store.IMAPCount(ctx, m.list.ID)
			if err != nil {
				return 0, err
			}
			count = n
		}
		return count, nil
	}
	for _, it := range items {
		switch it {
		case imap.StatusMessages:
			n, err := needCount()
			if err != nil {
				return nil, err
			}
			st.Messages = uint32(n)
		case imap.StatusRecent:
			// No post is new to a session: the archive is everyone's.
			st.Recent = 0
		case imap.StatusUnseen:
			n, err := needCount()
			if err != nil {
				return nil, err
			}
			seen, err := m.seenCount(ctx)
			if err != nil {
				return nil, err
			}
			st.Unseen = uint32(max(n-seen, 0))
		case imap.StatusUidNext:
			// The newest post's UID plus one, removed posts' counted: it
			// changes only when this list gets a post (RFC 3501
			// §2.3.1.1), and a list's next post gets an archive id at
			// least that high.
			next, err := m.u.b.deps.Store.IMAPUIDNext(ctx, m.list.ID)
			if err != nil {
				return nil, err
			}
			st.UidNext = uint32(next)
		case imap.StatusUidValidity:
			// The list's id: it changes only when a list is made again.
			st.UidValidity = uint32(m.list.ID)
		}
	}
	return st, nil
}

// selectStatus is what SELECT and EXAMINE answer: the status, and the
// sequence number of the first post not \Seen (RFC 3501 §6.3.1); and the
// index log's position the count was read at (the session is told of
// the removals after it).
func (m *mailbox) selectStatus() (*imap.MailboxStatus, store.IndexPos, error) {
	ctx, cancel := m.ctx()
	defer cancel()
	st, err := m.status(ctx, []imap.StatusItem{imap.StatusRecent, imap.StatusUidNext, imap.StatusUidValidity})
	if err != nil {
		return nil, store.IndexPos{}, m.fail("select", err)
	}
	n, since, err := m.u.b.deps.Store.IMAPCountAt(ctx, m.list.ID)
	if err != nil {
		return nil, store.IndexPos{}, m.fail("select", err)
	}
	st.Items[imap.StatusMessages], st.Messages = nil, uint32(n)
	if st.Messages > 0 {
		first, err := m.firstUnseen(ctx)
		if err != nil {
			return nil, store.IndexPos{}, m.fail("select", err)
		}
		st.UnseenSeqNum = first
	}
	return st, since, nil
}

func (m *mailbox) seenCount(ctx context.Context) (int, error) {
	if m.member() == "" {
		return m.u.session.seen(m.list.ID), nil
	}
	return m.u.b.deps.Store.IMAPSeenCount(ctx, m.list.ID, m.member())
}

// firstUnseen returns the sequence number of the first post not \Seen, 0
// when every post is.
func (m *mailbox) firstUnseen(ctx context.Context) (uint32, error) {
	st := m.u.b.deps.Store
	if m.member() != "" {
		id, err := st.IMAPFirstUnseen(ctx, m.list.ID, m.member())
		if err != nil || id == 0 {
			return 0, err
		}
		n, err := st.IMAPCountRange(ctx, m.list.ID, 0, id)
		return uint32(n), err
	}
	// An anonymous session has seen only what it flagged: walk from the
	// start (it stops at the first post it has not marked).
	var after int64
	seq := uint32(0)
	for {
		ids, err := st.IMAPIDs(ctx, m.list.ID, after, math.MaxInt64, pageSize)
		if err != nil || len(ids) == 0 {
			return 0, err
		}
		flags := m.u.session.get(m.list.ID, ids)
		for _, id := range ids {
			seq++
			if !hasFlag(flags[id], imap.SeenFlag) {
				return seq, nil
			}
		}
		after = ids[len(ids)-1]
	}
}

// SetSubscribed is backend.Mailbox's: subscriptions are not kept (LSUB
// lists every readable list), so it succeeds and changes nothing.
func (m *mailbox) SetSubscribed(bool) error { return nil }

// Check is backend.Mailbox's: nothing to checkpoint.
func (m *mailbox) Check() error { return nil }

// CreateMessage, CopyMessages and MoveMessages would change the archive.
func (m *mailbox) CreateMessage([]string, time.Time, imap.Literal) error { return errReadOnly }
func (m *mailbox) CopyMessages(bool, *imap.SeqSet, string) error         { return errReadOnly }
func (m *mailbox) MoveMessages(bool, *imap.SeqSet, string) error         { return errReadOnly }

// Expunge is backend.Mailbox's. No post can carry \Deleted, so there is
// nothing to remove; the EXPUNGE command itself answers NOPERM (see
// extension), and CLOSE, which calls this, succeeds as it must.
func (m *mailbox) Expunge() error { return nil }

// Poll is backend.MailboxPoller's (NOOP): the poller looks now, and this
// session hears of new posts before NOOP's OK.
func (m *mailbox) Poll() error {
	ctx, cancel := m.ctx()
	defer cancel()
	m.u.b.core.pollNow(ctx, m.u, m)
	return nil
}

// fail logs an unexpected error and gives the client a generic answer;
// the answers meant for the client pass through.
func (m *mailbox) fail(op string, err error) error {
	var resp *imap.ErrStatusResp
	if errors.As(err, &resp) {
		return resp
	}
	if errors.Is(err, ErrSearchTooComplex) {
		return errTooComplex
	}
	if errors.Is(err, store.ErrTooManyFlags) {
		return errFlagLimit
	}
	m.u.b.log.Error("imap: "+op, "list", m.list.Address, "err", err)
	return errServer
}

// span is a range of the list: UIDs lo..hi, or sequence numbers.
type span struct{ lo, hi int64 }

// spans resolves a set to sorted, disjoint ranges: "*" is the largest
// UID or sequence number, and a range n:m is m:n (RFC 3501 §9, seq-range).
func spans(set *imap.SeqSet, star int64) []span {
	if star < 1 {
		return nil // an empty mailbox: no number names anything
	}
	var out []span
	for _, s := range set.Set {
		lo, hi := int64(s.Start), int64(s.Stop)
		if lo == 0 {
			lo = star
		}
		if hi == 0 {
			hi = star
		}
		if lo > hi {
			lo, hi = hi, lo
		}
		if hi < 1 {
			continue
		}
		out = append(out, span{max(lo, 1), hi})
	}
	slices.SortFunc(out, func(a, b span) int { return int(min(max(a.lo-b.lo, -1), 1)) })
	merged := out[:0]
	for _, s := range out {
		if n := len(merged); n > 0 && s.lo <= merged[n-1].hi+1 {
			merged[n-1].hi = max(merged[n-1].hi, s.hi)
			continue
		}
		merged = append(merged, s)
	}
	return merged
}

// each calls f with the posts a set names, in order, a page of at most
// pageSize at a time: ids and their sequence numbers. uid says whether
// set holds UIDs or sequence numbers. Runs of a set that is many small
// pieces (50 scattered UIDs) share a page, so that the posts' rows, flags
// and sizes are read in one query each.
func (m *mailbox) each(ctx context.Context, uid bool, set *imap.SeqSet, f func(ids []int64, seqs []uint32) error) error {
	var ids []int64
	var seqs []uint32
	flush := func() error {
		if len(ids) == 0 {
			return nil
		}
		err := f(ids, seqs)
		ids, seqs = nil, nil
		return err
	}
	err := m.runs(ctx, uid, set, func(run []int64, seq uint32) error {
		for i, id := range run {
			ids, seqs = append(ids, id), append(seqs, seq+uint32(i))
			if len(ids) == pageSize {
				if err := flush(); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	return flush()
}

// smallSpan is the widest span of a UID set that runs asks about UID by
// UID: a client names the posts it wants one at a time ("UID FETCH
// 17,40,95"), and those UIDs are located together, in one query.
const smallSpan = 8

// runs calls f with runs of consecutive posts a set names, in order: the
// first of each run has sequence number seq.
func (m *mailbox) runs(ctx context.Context, uid bool, set *imap.SeqSet, f func(ids []int64, seq uint32) error) error {
	st := m.u.b.deps.Store
	if uid {
		newest, err := m.newest(ctx)
		if err != nil || newest == 0 {
			return err
		}
		// The sequence number of each span's first post is counted from
		// the end of the span before, not from the start of the list:
		// lastID is the last UID counted, lastSeq its sequence number.
		var lastID int64
		var lastSeq uint32
		var few []int64 // UIDs of small spans, not yet located
		locate := func() error {
			if len(few) == 0 {
				return nil
			}
			counts, have, err := st.IMAPRanks(ctx, m.list.ID, lastID, few)
			if err != nil {
				return err
			}
			for i, id := range few {
				lastSeq += uint32(counts[i])
				if have[i] {
					if err := f([]int64{id}, lastSeq); err != nil {
						return err
					}
				}
			}
			lastID, few = few[len(few)-1], few[:0]
			return nil
		}
		for _, s := range spans(set, newest) {
			if s.hi-s.lo < smallSpan {
				for id := s.lo; id <= s.hi; id++ {
					if few = append(few, id); len(few) == pageSize {
						if err := locate(); err != nil {
							return err
						}
					}
				}
				continue
			}
			if err := locate(); err != nil {
				return err
			}
			between, err := st.IMAPCountRange(ctx, m.list.ID, lastID, s.lo-1)
			if err != nil {
				return err
			}
			seq, after := lastSeq+uint32(between)+1, s.lo-1
			for {
				ids, err := st.IMAPIDs(ctx, m.list.ID, after, s.hi, pageSize)
				if err != nil {
					return err
				}
				if len(ids) > 0 {
					if err := f(ids, seq); err != nil {
						return err
					}
					seq += uint32(len(ids))
					after = ids[len(ids)-1]
				}
				if len(ids) < pageSize {
					break // the span's last page
				}
			}
			lastID, lastSeq = s.hi, seq-1
		}
		return locate()
	}
	count, err := st.IMAPCount(ctx, m.list.ID)
	if err != nil || count == 0 {
		return err
	}
	// Each span's first post is found from the end of the span before
	// (lastID, sequence number lastSeq), so a set of many scattered
	// numbers walks the list once, not once a number.
	var lastID, lastSeq int64
	for _, s := range spans(set, int64(count)) {
		if s.lo > int64(count) {
			continue
		}
		hi := min(s.hi, int64(count))
		first, err := st.IMAPIDAt(ctx, m.list.ID, lastID, int(s.lo-lastSeq))
		if errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err != nil {
			return err
		}
		seq, after := s.lo, first-1
		for seq <= hi {
			ids, err := st.IMAPIDs(ctx, m.list.ID, after, math.MaxInt64, int(min(pageSize, hi-seq+1)))
			if err != nil {
				return err
			}
			if len(ids) == 0 {
				break
			}
			if err := f(ids, uint32(seq)); err != nil {
				return err
			}
			seq += int64(len(ids))
			after = ids[len(ids)-1]
		}
		lastID, lastSeq = after, seq-1
	}
	return nil
}

// flags returns the flags this session sees on the given posts.
func (m *mailbox) flags(ctx context.Context, ids []int64) (map[int64][]string, error) {
	if m.member() == "" {
		return m.u.session.get(m.list.ID, ids), nil
	}
	return m.u.b.deps.Store.IMAPFlags(ctx, m.list.ID, m.member(), ids)
}

func (m *mailbox) storeFlags(ctx context.Context, ids []int64, op store.FlagsOp, flags []string) (map[int64][]string, error) {
	if m.member() == "" {
		return m.u.session.store(m.list.ID, ids, op, flags)
	}
	return m.u.b.deps.Store.IMAPStoreFlags(ctx, m.list.ID, m.member(), ids, op, flags)
}

// flagsFunc is the session's flags as the Searcher asks for them.
func (m *mailbox) flagsFunc(ctx context.Context) FlagsFunc {
	return func(uids []uint32) map[uint32][]string {
		ids := make([]int64, len(uids))
		for i, u := range uids {
			ids[i] = int64(u)
		}
		got, err := m.flags(ctx, ids)
		if err != nil {
			m.u.b.log.Error("imap: flags for search", "list", m.list.Address, "err", err)
		}
		out := make(map[uint32][]string, len(got))
		for id, f := range got {
			out[uint32(id)] = f
		}
		return out
	}
}

// UpdateMessagesFlags is backend.Mailbox's. STORE is storeHandler's,
// which answers the session; this changes the flags and tells the
// member's other sessions alone.
func (m *mailbox) UpdateMessagesFlags(uid bool, set *imap.SeqSet, op imap.FlagsOp, flags []string) error {
	return m.storeFlagsOf(uid, set, op, flags, false)
}

// maxKeywordLen bounds a keyword's length, as Dovecot's
// mail_max_keyword_length does.
const maxKeywordLen = 50

// storeFlagsOf is STORE: it changes the flags of the posts set names, a
// page at a time, and tells each page's new flags to the member's other
// sessions on the list and, when answer (not .SILENT), to this session
// before the command's answer. \Deleted and \Recent cannot be stored:
// they are dropped.
//
// This session's FETCHes go the way the other sessions' do (its
// selection), recorded in the order the store took the changes
// (storing): when another session of the member stores on the same post
// at once, the flags the session sees last are the newest.
func (m *mailbox) storeFlagsOf(uid bool, set *imap.SeqSet, op imap.FlagsOp, flags []string, answer bool) error {
	ctx, cancel := m.ctx()
	defer cancel()
	if err := m.stillVisible(ctx); err != nil {
		return m.fail("store", err)
	}
	var keep []string
	for _, f := range flags {
		if len(f) > maxKeywordLen {
			return errFlagLimit
		}
		if f != imap.DeletedFlag && f != imap.RecentFlag {
			keep = append(keep, f)
		}
	}
	sop := store.FlagsSet
	switch op {
	case imap.AddFlags:
		sop = store.FlagsAdd
	case imap.RemoveFlags:
		sop = store.FlagsRemove
	}
	c := m.u.b.core
	err := m.each(ctx, uid, set, func(ids []int64, seqs []uint32) error {
		unlock := c.storing(m.list.ID, m.u)
		changed, err := m.storeFlags(ctx, ids, sop, keep)
		changes := make([]flagChange, 0, len(ids))
		for i, id := range ids {
			if f, ok := changed[id]; ok {
				changes = append(changes, flagChange{seq: seqs[i], uid: uint32(id), flags: f})
			}
		}
		// What was stored is told, also when the page stopped short.
		own := c.tellFlags(m.u, m.list.ID, changes, answer)
		unlock()
		if own != nil {
			own.writeNow(0, false)
		}
		return err
	})
	if err != nil {
		return m.fail("store", err)
	}
	return nil
}

// SearchMessages is backend.Mailbox's (SEARCH, UID SEARCH).
func (m *mailbox) SearchMessages(uid bool, c *imap.SearchCriteria) ([]uint32, error) {
	ctx, cancel := m.ctx()
	defer cancel()
	if err := m.stillVisible(ctx); err != nil {
		return nil, m.fail("search", err)
	}
	uids, err := m.u.b.deps.Search.Search(ctx, m.list, c, m.flagsFunc(ctx))
	if err != nil {
		return nil, m.fail("search", err)
	}
	if uid {
		return uids, nil
	}
	seqs, err := m.seqs(ctx, uids)
	if err != nil {
		return nil, m.fail("search", err)
	}
	return seqs, nil
}

// Sort is sortthread.SortMailbox's (RFC 5256 SORT).
func (m *mailbox) Sort(uid bool, keys []sortthread.SortCriterion, c *imap.SearchCriteria) ([]uint32, error) {
	ctx, cancel := m.ctx()
	defer cancel()
	if err := m.stillVisible(ctx); err != nil {
		return nil, m.fail("sort", err)
	}
	uids, err := m.u.b.deps.Search.Sort(ctx, m.list, keys, c, m.flagsFunc(ctx))
	if err != nil {
		return nil, m.fail("sort", err)
	}
	if uid {
		return uids, nil
	}
	// Sequence numbers in the sorted order.
	sorted := slices.Clone(uids)
	slices.Sort(sorted)
	seqs, err := m.seqs(ctx, sorted)
	if err != nil {
		return nil, m.fail("sort", err)
	}
	bySeq := make(map[uint32]uint32, len(sorted))
	for i, u := range sorted {
		bySeq[u] = seqs[i]
	}
	out := make([]uint32, len(uids))
	for i, u := range uids {
		out[i] = bySeq[u]
	}
	return out, nil
}

// Thread is sortthread.ThreadMailbox's (RFC 5256 THREAD=REFERENCES).
func (m *mailbox) Thread(uid bool, algo sortthread.ThreadAlgorithm, c *imap.SearchCriteria) ([]*sortthread.Thread, error) {
	ctx, cancel := m.ctx()
	defer cancel()
	if err := m.stillVisible(ctx); err != nil {
		return nil, m.fail("thread", err)
	}
	if algo != sortthread.References {
		return nil, errors.New("only THREAD=REFERENCES is offered")
	}
	threads, err := m.u.b.deps.Search.Thread(ctx, m.list, c, m.flagsFunc(ctx))
	if err != nil {
		return nil, m.fail("thread", err)
	}
	if uid {
		return threads, nil
	}
	var uids []uint32
	var walk func(ts []*sortthread.Thread, f func(t *sortthread.Thread))
	walk = func(ts []*sortthread.Thread, f func(t *sortthread.Thread)) {
		for _, t := range ts {
			f(t)
			walk(t.Children, f)
		}
	}
	walk(threads, func(t *sortthread.Thread) {
		if t.Id != 0 {
			uids = append(uids, t.Id)
		}
	})
	slices.Sort(uids)
	uids = slices.Compact(uids)
	seqs, err := m.seqs(ctx, uids)
	if err != nil {
		return nil, m.fail("thread", err)
	}
	bySeq := make(map[uint32]uint32, len(uids))
	for i, u := range uids {
		bySeq[u] = seqs[i]
	}
	walk(threads, func(t *sortthread.Thread) {
		if t.Id != 0 {
			t.Id = bySeq[t.Id]
		}
	})
	return threads, nil
}

// seqs returns the sequence numbers of the given UIDs (ascending, all
// the list's): counted between neighbours when they are few, read off a
// walk of the list when they are many.
func (m *mailbox) seqs(ctx context.Context, uids []uint32) ([]uint32, error) {
	st := m.u.b.deps.Store
	out := make([]uint32, 0, len(uids))
	if len(uids) == 0 {
		return out, nil
	}
	if len(uids) <= 256 {
		ids := make([]int64, len(uids))
		for i, u := range uids {
			ids[i] = int64(u)
		}
		counts, _, err := st.IMAPRanks(ctx, m.list.ID, 0, ids)
		if err != nil {
			return nil, err
		}
		seq := 0
		for _, n := range counts {
			seq += n
			out = append(out, uint32(seq))
		}
		return out, nil
	}
	before, err := st.IMAPCountRange(ctx, m.list.ID, 0, int64(uids[0])-1)
	if err != nil {
		return nil, err
	}
	seq, after, i := uint32(before), int64(uids[0])-1, 0
	last := int64(uids[len(uids)-1])
	for i < len(uids) {
		ids, err := st.IMAPIDs(ctx, m.list.ID, after, last, 2000)
		if err != nil {
			return nil, err
		}
		if len(ids) == 0 {
			break
		}
		for _, id := range ids {
			seq++
			for i < len(uids) && int64(uids[i]) < id {
				i++ // not the list's: skipped
			}
			if i < len(uids) && int64(uids[i]) == id {
				out = append(out, seq)
				i++
			}
		}
		after = ids[len(ids)-1]
	}
	return out, nil
}
