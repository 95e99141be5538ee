package imapview

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/emersion/go-imap"
	sortthread "github.com/emersion/go-imap-sortthread"
	"github.com/emersion/go-message/textproto"

	"praxis/listserv/mailmsg"
	"praxis/listserv/store"
)

// sortKeys are what RFC 5256 §3 sorts one post by.
type sortKeys struct {
	uid              uint32
	arrival, sent    int64 // Unix seconds
	from, to, cc     string
	subject          string
	size             int64
	messageID, topic string // for THREAD: Message-ID and archive thread
	refs             []string
}

// Sort returns the UIDs of list's posts that match c in the order keys
// ask (RFC 5256 §3): ARRIVAL the archive date (INTERNALDATE), DATE the
// Date field (ARRIVAL when it does not parse), FROM, TO and CC the local
// part of the field's first address, SUBJECT the base subject (§2.1),
// SIZE the size with CRLF line ends; strings compare as i;ascii-casemap.
// Posts equal on every key keep UID order, REVERSE or not.
func (s *Searcher) Sort(ctx context.Context, list *store.List, keys []sortthread.SortCriterion, c *imap.SearchCriteria, flags func([]uint32) map[uint32][]string) ([]uint32, error) {
	uids, err := s.Search(ctx, list, c, flags)
	if err != nil {
		return nil, err
	}
	var need keyNeeds
	for _, k := range keys {
		switch k.Field {
		case sortthread.SortTo, sortthread.SortCc:
			need.header = true
		case sortthread.SortSize:
			need.size = true
		case sortthread.SortArrival, sortthread.SortDate, sortthread.SortFrom, sortthread.SortSubject:
		default:
			return nil, fmt.Errorf("imapview: sort: unknown key %q", k.Field)
		}
	}
	ks, err := s.keys(ctx, uids, need)
	if err != nil {
		return nil, err
	}
	slices.SortStableFunc(ks, func(a, b *sortKeys) int {
		for _, k := range keys {
			var d int
			switch k.Field {
			case sortthread.SortArrival:
				d = cmp.Compare(a.arrival, b.arrival)
			case sortthread.SortDate:
				d = cmp.Compare(a.sent, b.sent)
			case sortthread.SortFrom:
				d = strings.Compare(a.from, b.from)
			case sortthread.SortTo:
				d = strings.Compare(a.to, b.to)
			case sortthread.SortCc:
				d = strings.Compare(a.cc, b.cc)
			case sortthread.SortSubject:
				d = strings.Compare(a.subject, b.subject)
			case sortthread.SortSize:
				d = cmp.Compare(a.size, b.size)
			}
			if k.Reverse {
				d = -d
			}
			if d != 0 {
				return d
			}
		}
		return cmp.Compare(a.uid, b.uid)
	})
	out := make([]uint32, len(ks))
	for i, k := range ks {
		out[i] = k.uid
	}
	return out, nil
}

// keyNeeds says what beyond the row a sort or thread reads.
type keyNeeds struct {
	header bool // To and Cc, from the stored header
	size   bool // the CRLF size (RFC822.SIZE), kept when archived
	refs   bool // the references, for THREAD
}

// keys reads the sort keys of uids, a chunk at a time.
func (s *Searcher) keys(ctx context.Context, uids []uint32, need keyNeeds) ([]*sortKeys, error) {
	e := &evaluation{ctx: ctx, s: s}
	out := make([]*sortKeys, 0, len(uids))
	for start := 0; start < len(uids); start += searchPage {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		chunk := uids[start:min(len(uids), start+searchPage)]
		ids := make([]int64, len(chunk))
		for i, u := range chunk {
			ids[i] = int64(u)
		}
		posts, err := s.st.ArchiveByIDs(ctx, ids)
		if err != nil {
			return nil, fmt.Errorf("imapview: sort: %w", err)
		}
		var heads map[int64]textproto.Header
		if need.header {
			if heads, err = e.heads(ids); err != nil {
				return nil, err
			}
		}
		var refs map[int64][]string
		if need.refs {
			if refs, err = s.st.IMAPRefs(ctx, ids); err != nil {
				return nil, fmt.Errorf("imapview: thread: %w", err)
			}
		}
		var sizes map[int64]int64
		if need.size && len(posts) > 0 {
			// The uids are one list's (the search that found them).
			if sizes, err = s.crlfSizes(ctx, posts[0].ListID, ids); err != nil {
				return nil, fmt.Errorf("imapview: sort: %w", err)
			}
		}
		for _, p := range posts {
			base, _ := sortthread.GetBaseSubject(p.Subject)
			k := &sortKeys{
				uid: uint32(p.ID), arrival: p.Date.Unix(), sent: sentTime(p).Unix(),
				from: asciiLower(localPart(p.FromAddr)), subject: asciiLower(base),
				messageID: p.MessageID, topic: p.ThreadID, refs: refs[p.ID],
			}
			if need.header {
				h := heads[p.ID]
				k.to = asciiLower(localPart(firstAddress(h, "To")))
				k.cc = asciiLower(localPart(firstAddress(h, "Cc")))
			}
			if need.size {
				k.size = sizes[p.ID]
			}
			out = append(out, k)
		}
	}
	return out, nil
}

// firstAddress is the address of a field's first mailbox, "" when there
// is none (RFC 5256 §3: the empty string sorts first).
func firstAddress(h textproto.Header, key string) string {
	if !h.Has(key) {
		return ""
	}
	if as, ok := mailmsg.Addresses(h, key); ok && len(as) > 0 {
		return as[0].Address
	}
	return mailmsg.LooseAddress(h.Get(key))
}

// localPart is an address's addr-mailbox: what comes before its last @.
func localPart(addr string) string {
	if i := strings.LastIndexByte(addr, '@'); i >= 0 {
		return addr[:i]
	}
	return addr
}

// asciiLower folds ASCII letters only: RFC 5256 compares with
// i;ascii-casemap.
func asciiLower(s string) string {
	return strings.Map(func(r rune) rune {
		if 'A' <= r && r <= 'Z' {
			return r + 'a' - 'A'
		}
		return r
	}, s)
}

// Thread returns the threads of list's posts that match c
// (THREAD=REFERENCES, RFC 5256 §2.2), from the archive's own threading:
//
//   - a post's parent is the closest post among its references (the
//     archive keeps them, closest first) that also matched; a post with
//     none is a root;
//   - the roots of one archive thread (which the archive joined through a
//     common missing ancestor, or a Re: subject) are one thread under the
//     earliest of them, where RFC 5256 would put a dummy parent that
//     go-imap-sortthread's Thread cannot express;
//   - siblings are ordered by their Date (ARRIVAL when it does not
//     parse), then UID, and threads by their root's.
//
// RFC 5256's subject step merges threads of equal base subject that the
// archive keeps apart (it joins a Re: without references to a thread of
// the same subject only within store.SubjectWindow); this follows the
// archive, so a reader sees the threads the web shows.
func (s *Searcher) Thread(ctx context.Context, list *store.List, c *imap.SearchCriteria, flags func([]uint32) map[uint32][]string) ([]*sortthread.Thread, error) {
	uids, err := s.Search(ctx, list, c, flags)
	if err != nil {
		return nil, err
	}
	ks, err := s.keys(ctx, uids, keyNeeds{refs: true})
	if err != nil {
		return nil, err
	}
	return buildThreads(ks), nil
}

// buildThreads links posts into threads as Thread describes, without
// recursion, so a reply chain of any length costs no stack.
func buildThreads(ks []*sortKeys) []*sortthread.Thread {
	byMsgID := make(map[string]int, len(ks))
	for i, k := range ks {
		if j, ok := byMsgID[k.messageID]; !ok || ks[j].uid > k.uid {
			byMsgID[k.messageID] = i
		}
	}
	parent := make([]int, len(ks))
	for i, k := range ks {
		parent[i] = -1
		for _, r := range k.refs {
			if j, ok := byMsgID[r]; ok && j != i {
				parent[i] = j
				break
			}
		}
	}
	// A reference loop (a forged or broken References field) would leave
	// posts no root reaches: cut each loop at the post that closes it.
	state := make([]uint8, len(ks)) // 0 unseen, 1 on the current path, 2 done
	for i := range ks {
		var path []int
		j := i
		for j >= 0 && state[j] == 0 {
			state[j] = 1
			path = append(path, j)
			j = parent[j]
		}
		if j >= 0 && state[j] == 1 {
			parent[j] = -1 // j's ancestors lead back to j
		}
		for _, p := range path {
			state[p] = 2
		}
	}
	before := func(a, b int) int {
		if d := cmp.Compare(ks[a].sent, ks[b].sent); d != 0 {
			return d
		}
		return cmp.Compare(ks[a].uid, ks[b].uid)
	}
	// The earliest root of each archive thread heads it.
	head := map[string]int{}
	for i := range ks {
		if parent[i] >= 0 {
			continue
		}
		if h, ok := head[ks[i].topic]; !ok || before(i, h) < 0 {
			head[ks[i].topic] = i
		}
	}
	for i := range ks {
		if parent[i] < 0 {
			if h := head[ks[i].topic]; h != i {
				parent[i] = h
			}
		}
	}
	nodes := make([]*sortthread.Thread, len(ks))
	for i, k := range ks {
		nodes[i] = &sortthread.Thread{Id: k.uid}
	}
	children := make([][]int, len(ks))
	var roots []int
	for i := range ks {
		if parent[i] < 0 {
			roots = append(roots, i)
		} else {
			children[parent[i]] = append(children[parent[i]], i)
		}
	}
	for i, cs := range children {
		slices.SortFunc(cs, before)
		for _, c := range cs {
			nodes[i].Children = append(nodes[i].Children, nodes[c])
		}
	}
	slices.SortFunc(roots, before)
	out := make([]*sortthread.Thread, len(roots))
	for i, r := range roots {
		out[i] = nodes[r]
	}
	return out
}
