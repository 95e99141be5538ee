package imapview

import (
	"cmp"
	"context"
	"net/mail"
	"net/textproto"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/emersion/go-imap"
	sortthread "github.com/emersion/go-imap-sortthread"

	"praxis/listserv/mailmsg"
)

// oracleSortKey computes a post's RFC 5256 sort key from its parsed
// header, apart from the Searcher's own reading of the columns.
func oracleSortKey(o *oracle, u uint32, field sortthread.SortField) any {
	h := o.heads[u]
	first := func(key string) string {
		vs := h[key]
		if len(vs) == 0 {
			return ""
		}
		addr := ""
		if as, ok := mailmsg.ParseAddresses(vs[0]); ok && len(as) > 0 {
			addr = as[0].Address
		} else {
			addr = mailmsg.LooseAddress(vs[0])
		}
		if i := strings.LastIndexByte(addr, '@'); i >= 0 {
			addr = addr[:i]
		}
		return lowerASCII(addr)
	}
	switch field {
	case sortthread.SortArrival:
		return o.posts[u].Date.Unix()
	case sortthread.SortDate:
		if vs := h["Date"]; len(vs) > 0 {
			if d, err := mail.ParseDate(strings.TrimSpace(vs[0])); err == nil {
				return d.Unix()
			}
		}
		return o.posts[u].Date.Unix()
	case sortthread.SortFrom:
		return first("From")
	case sortthread.SortTo:
		return first("To")
	case sortthread.SortCc:
		return first("Cc")
	case sortthread.SortSubject:
		var subj string
		if vs := h["Subject"]; len(vs) > 0 {
			subj = mailmsg.Text(vs[0])
		}
		base, _ := sortthread.GetBaseSubject(subj)
		return lowerASCII(base)
	case sortthread.SortSize:
		return o.sizes[u]
	}
	panic("unknown sort field " + string(field))
}

// lowerASCII lower-cases ASCII letters only (i;ascii-casemap).
func lowerASCII(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 32
		}
	}
	return string(b)
}

func compareKeys(a, b any) int {
	switch a := a.(type) {
	case int64:
		return cmp.Compare(a, b.(int64))
	case string:
		return strings.Compare(a, b.(string))
	}
	panic("unknown key type")
}

// checkSorted checks that got is uids in the order keys ask, ties in UID
// order.
func checkSorted(t *testing.T, o *oracle, keys []sortthread.SortCriterion, uids, got []uint32) {
	t.Helper()
	if !slices.Equal(slices.Sorted(slices.Values(got)), uids) {
		t.Fatalf("SORT %v returned %d UIDs, not the %d SEARCH found", keys, len(got), len(uids))
	}
	for i := 1; i < len(got); i++ {
		a, b := got[i-1], got[i]
		d := 0
		for _, k := range keys {
			if d = compareKeys(oracleSortKey(o, a, k.Field), oracleSortKey(o, b, k.Field)); k.Reverse {
				d = -d
			}
			if d != 0 {
				break
			}
		}
		if d > 0 || (d == 0 && a > b) {
			t.Fatalf("SORT %v: %d before %d at %d", keys, a, b, i)
		}
	}
}

// checkThreads checks that threads hold each of uids once and no other,
// that each child references its parent (or is a root of the same
// archive thread under its earliest root), and that siblings and
// threads are in Date order, then UID order.
func checkThreads(t *testing.T, o *oracle, uids []uint32, threads []*sortthread.Thread) {
	t.Helper()
	seen := map[uint32]bool{}
	sent := func(u uint32) int64 { return oracleSortKey(o, u, sortthread.SortDate).(int64) }
	before := func(a, b *sortthread.Thread) int {
		if d := cmp.Compare(sent(a.Id), sent(b.Id)); d != 0 {
			return d
		}
		return cmp.Compare(a.Id, b.Id)
	}
	if !slices.IsSortedFunc(threads, before) {
		t.Errorf("threads are not in the Date order of their roots")
	}
	refs := func(u uint32) []string {
		var out []string
		for _, k := range []string{"In-Reply-To", "References"} {
			for _, v := range o.heads[u][k] {
				out = append(out, v)
			}
		}
		return out
	}
	stack := slices.Clone(threads)
	for len(stack) > 0 {
		n := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if seen[n.Id] {
			t.Fatalf("UID %d appears twice", n.Id)
		}
		seen[n.Id] = true
		if !slices.IsSortedFunc(n.Children, before) {
			t.Errorf("the children of %d are not in Date order", n.Id)
		}
		for _, c := range n.Children {
			parentID := o.posts[n.Id].MessageID
			linked := slices.ContainsFunc(refs(c.Id), func(v string) bool { return strings.Contains(v, "<"+parentID+">") })
			sameThread := o.posts[c.Id].ThreadID == o.posts[n.Id].ThreadID && before(n, c) <= 0
			if !linked && !sameThread {
				t.Errorf("%d is a child of %d, which it neither references nor shares a thread with", c.Id, n.Id)
			}
			stack = append(stack, c)
		}
	}
	if len(seen) != len(uids) {
		t.Errorf("threads hold %d posts, want %d", len(seen), len(uids))
	}
	for _, u := range uids {
		if !seen[u] {
			t.Errorf("UID %d is in no thread", u)
		}
	}
}

func TestSortSynthetic(t *testing.T) {
	f := openFixture(t, t.TempDir(), syntheticCorpus(), fixtureNow)
	o := newOracle(t, f)
	s := NewSearcher(f.st, f.idx)
	ctx := context.Background()
	for _, keys := range [][]sortthread.SortCriterion{
		{{Field: sortthread.SortArrival}},
		{{Field: sortthread.SortArrival, Reverse: true}},
		{{Field: sortthread.SortDate}},
		{{Field: sortthread.SortFrom}},
		{{Field: sortthread.SortTo, Reverse: true}},
		{{Field: sortthread.SortCc}, {Field: sortthread.SortSubject}},
		{{Field: sortthread.SortSubject, Reverse: true}, {Field: sortthread.SortDate}},
		{{Field: sortthread.SortSize}},
	} {
		got, err := s.Sort(ctx, f.list, keys, &imap.SearchCriteria{}, nil)
		if err != nil {
			t.Fatal(err)
		}
		checkSorted(t, o, keys, f.ids, got)
	}
	// SUBJECT sorts by the base subject: the question and its replies
	// are together.
	got, err := s.Sort(ctx, f.list, []sortthread.SortCriterion{{Field: sortthread.SortSubject}}, &imap.SearchCriteria{Header: textproto.MIMEHeader{"Subject": {"uhd"}}}, nil)
	if err != nil || !slices.Equal(got, []uint32{f.ids[0], f.ids[1]}) {
		t.Errorf("SORT SUBJECT of the UHD question = %v, %v; want %v", got, err, f.ids[:2])
	}
	if _, err := s.Sort(ctx, f.list, []sortthread.SortCriterion{{Field: "DISPLAYFROM"}}, &imap.SearchCriteria{}, nil); err == nil {
		t.Error("an unknown sort key was accepted")
	}
}

func TestThreadSynthetic(t *testing.T) {
	f := openFixture(t, t.TempDir(), syntheticCorpus(), fixtureNow)
	o := newOracle(t, f)
	s := NewSearcher(f.st, f.idx)
	ctx := context.Background()
	threads, err := s.Thread(ctx, f.list, &imap.SearchCriteria{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	checkThreads(t, o, f.ids, threads)
	byID := map[string]uint32{}
	for _, u := range f.ids {
		byID[o.posts[u].MessageID] = u
	}
	find := func(id string) *sortthread.Thread {
		stack := slices.Clone(threads)
		for len(stack) > 0 {
			n := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			if n.Id == byID[id] {
				return n
			}
			stack = append(stack, n.Children...)
		}
		t.Fatalf("%s is in no thread", id)
		return nil
	}
	// The question, its answer, and the answer's answer: a chain.
	q := find("a1@x")
	if len(q.Children) != 1 || q.Children[0].Id != byID["a2@x"] || len(q.Children[0].Children) != 1 || q.Children[0].Children[0].Id != byID["a3@x"] {
		t.Errorf("a1 → a2 → a3 is not a chain: %+v", q)
	}
	// Two children of a missing parent: one thread under the earlier.
	g2 := find("g2@x")
	if len(g2.Children) != 1 || g2.Children[0].Id != byID["g1@x"] {
		t.Errorf("the ghost's children are not one thread under the earlier: %+v", g2)
	}
	// A reference loop still gives every post once (checkThreads).
	// Without the question, its answer heads the thread.
	threads, err = s.Thread(ctx, f.list, &imap.SearchCriteria{Not: []*imap.SearchCriteria{{Header: textproto.MIMEHeader{"Message-Id": {"<a1@x>"}}}}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	checkThreads(t, o, minus(f.ids, []uint32{byID["a1@x"]}), threads)
}

// TestThreadLongChain checks that a reply chain far longer than any
// stack builds without recursion.
func TestThreadLongChain(t *testing.T) {
	const n = 200_000
	ks := make([]*sortKeys, n)
	for i := range ks {
		ks[i] = &sortKeys{uid: uint32(i + 1), sent: int64(i), messageID: "m" + strconv.Itoa(i), topic: "t"}
		if i > 0 {
			ks[i].refs = []string{ks[i-1].messageID}
		}
	}
	threads := buildThreads(ks)
	if len(threads) != 1 {
		t.Fatalf("%d threads, want 1", len(threads))
	}
	depth := 0
	for node := threads[0]; len(node.Children) > 0; node = node.Children[0] {
		depth++
	}
	if depth != n-1 {
		t.Errorf("chain depth %d, want %d", depth, n-1)
	}
}
