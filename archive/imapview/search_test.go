package imapview

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/mail"
	"net/textproto"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/emersion/go-imap"

	"praxis/archive"
	"praxis/archive/index"
	"praxis/archive/query"
	"praxis/listserv/mailmsg"
	"praxis/listserv/store"
)

// searchFixture is a real store and index holding one list's posts, with
// what the oracle needs to judge a search by brute force.
type searchFixture struct {
	st    *store.Store
	idx   *index.Index
	list  *store.List
	other *store.List // a second list, whose posts must never appear
	ids   []uint32    // the list's UIDs, ascending
}

// openStoreIndex opens a real store and a real Bleve index in dir,
// closed when the test ends.
func openStoreIndex(tb testing.TB, dir string) (*store.Store, *index.Index) {
	tb.Helper()
	st, err := store.Open(context.Background(), dir+"/store", store.Options{})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { st.Close() })
	idx, err := index.Open(dir+"/index", index.Options{})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { idx.Close() })
	return st, idx
}

// indexAll puts every post the index lacks into it, as serve's indexer
// does.
func indexAll(tb testing.TB, st *store.Store, idx *index.Index) {
	tb.Helper()
	if _, err := archive.NewIndexer(st, idx, slog.New(slog.NewTextHandler(io.Discard, nil))).CatchUp(context.Background()); err != nil {
		tb.Fatal(err)
	}
}

// openFixture opens a store and an index in dir, makes the list and
// another one, archives raws into the list (and a few into the other)
// and indexes everything.
func openFixture(tb testing.TB, dir string, raws [][]byte, now time.Time) *searchFixture {
	tb.Helper()
	ctx := context.Background()
	st, idx := openStoreIndex(tb, dir)
	f := &searchFixture{st: st, idx: idx}
	f.list = store.NewList("cop@example.org", "CoP")
	f.other = store.NewList("other@example.org", "Other")
	for _, l := range []*store.List{f.list, f.other} {
		if err := st.CreateList(ctx, l); err != nil {
			tb.Fatal(err)
		}
	}
	put := func(l *store.List, raws [][]byte) {
		for start := 0; start < len(raws); start += 500 {
			batch := raws[start:min(len(raws), start+500)]
			posts := make([]*store.ArchivedPost, len(batch))
			for i, raw := range batch {
				posts[i] = archive.Read(raw, now, "example.org")
				posts[i].ListID = l.ID
			}
			if _, err := st.ArchivePutMany(ctx, posts, batch); err != nil {
				tb.Fatal(err)
			}
		}
	}
	// The other list's posts come first and last, so that its ids
	// surround the list's.
	put(f.other, raws[:min(3, len(raws))])
	put(f.list, raws)
	put(f.other, raws[:min(3, len(raws))])
	indexAll(tb, st, idx)
	err := st.ArchiveEach(ctx, f.list.ID, time.Time{}, func(p *store.ArchivedPost) error {
		f.ids = append(f.ids, uint32(p.ID))
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
	slices.Sort(f.ids)
	return f
}

// oracle judges criteria post by post, from each post's stored bytes,
// independently of the Searcher's narrowing: the brute-force scan the
// issue asks SEARCH to equal.
type oracle struct {
	f     *searchFixture
	posts map[uint32]*store.ArchivedPost
	heads map[uint32]textproto.MIMEHeader
	sizes map[uint32]int64
	words map[string][]uint32 // web query → hits, cached
	// multiFrom holds the posts whose From names several authors: FROM
	// finds them by their first author only (Search's documentation),
	// so results are compared without them when a criterion asks FROM.
	multiFrom map[uint32]bool
	flags     func([]uint32) map[uint32][]string
	// unjudged is set when a BODY or TEXT word is one the web's query
	// language reads as syntax (a parenthesis, a quote, a prefix, a
	// wildcard …): the web has no form for it to compare with.
	unjudged bool
}

func newOracle(tb testing.TB, f *searchFixture) *oracle {
	tb.Helper()
	ctx := context.Background()
	o := &oracle{f: f, posts: map[uint32]*store.ArchivedPost{}, heads: map[uint32]textproto.MIMEHeader{},
		sizes: map[uint32]int64{}, words: map[string][]uint32{}, multiFrom: map[uint32]bool{}}
	for start := 0; start < len(f.ids); start += 500 {
		var ids []int64
		for _, u := range f.ids[start:min(len(f.ids), start+500)] {
			ids = append(ids, int64(u))
		}
		posts, err := f.st.ArchiveByIDs(ctx, ids)
		if err != nil {
			tb.Fatal(err)
		}
		for _, p := range posts {
			raw, err := f.st.ArchiveRaw(ctx, p.Hash)
			if err != nil {
				tb.Fatal(err)
			}
			u := uint32(p.ID)
			o.posts[u] = p
			h, _ := mailmsg.ReadHeader(raw)
			mh := textproto.MIMEHeader{}
			for fields := h.Fields(); fields.Next(); {
				mh[textproto.CanonicalMIMEHeaderKey(fields.Key())] = append(mh[textproto.CanonicalMIMEHeaderKey(fields.Key())], fields.Value())
			}
			o.heads[u] = mh
			if as, ok := mailmsg.Addresses(h, "From"); ok && len(as) > 1 {
				o.multiFrom[u] = true
			}
			crlf := bytes.ReplaceAll(bytes.ReplaceAll(raw, []byte("\r\n"), []byte("\n")), []byte("\n"), []byte("\r\n"))
			// A lone CR stays as it is, in both.
			o.sizes[u] = int64(len(crlf))
		}
	}
	return o
}

// comparable drops the posts FROM cannot judge when c asks FROM
// anywhere.
func (o *oracle) comparable(c *imap.SearchCriteria, uids []uint32) []uint32 {
	if !asksFrom(c, 0) {
		return uids
	}
	return slices.DeleteFunc(slices.Clone(uids), func(u uint32) bool { return o.multiFrom[u] })
}

func asksFrom(c *imap.SearchCriteria, depth int) bool {
	if c == nil || depth > maxSearchDepth {
		return false
	}
	if _, ok := c.Header["From"]; ok {
		return true
	}
	for _, n := range c.Not {
		if asksFrom(n, depth+1) {
			return true
		}
	}
	for _, or := range c.Or {
		if asksFrom(or[0], depth+1) || asksFrom(or[1], depth+1) {
			return true
		}
	}
	return false
}

// search returns what the oracle finds for c, ascending.
func (o *oracle) search(tb testing.TB, c *imap.SearchCriteria) []uint32 {
	tb.Helper()
	out := []uint32{}
	for seq, u := range o.f.ids {
		if o.match(tb, c, u, seq+1) {
			out = append(out, u)
		}
	}
	return out
}

func (o *oracle) match(tb testing.TB, c *imap.SearchCriteria, u uint32, seq int) bool {
	p := o.posts[u]
	n := len(o.f.ids)
	last := o.f.ids[n-1]
	inSet := func(set *imap.SeqSet, v, star uint32) bool {
		for _, s := range set.Set {
			lo, hi := s.Start, s.Stop
			if lo == 0 {
				lo = star
			}
			if hi == 0 {
				hi = star
			}
			if lo > hi {
				lo, hi = hi, lo
			}
			if lo <= v && v <= hi {
				return true
			}
		}
		return false
	}
	if c.SeqNum != nil && !inSet(c.SeqNum, uint32(seq), uint32(n)) {
		return false
	}
	if c.Uid != nil && !inSet(c.Uid, u, last) {
		return false
	}
	dayOf := func(t time.Time) time.Time { return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC) }
	arrival := dayOf(p.Date.UTC())
	if !c.Since.IsZero() && arrival.Before(c.Since) {
		return false
	}
	if !c.Before.IsZero() && !arrival.Before(c.Before) {
		return false
	}
	sent := arrival
	if d, err := mail.ParseDate(p.OrigDate); err == nil {
		sent = dayOf(d)
	}
	if !c.SentSince.IsZero() && sent.Before(c.SentSince) {
		return false
	}
	if !c.SentBefore.IsZero() && !sent.Before(c.SentBefore) {
		return false
	}
	h := o.heads[u]
	for k, vs := range c.Header {
		for _, v := range vs {
			got, ok := h[textproto.CanonicalMIMEHeaderKey(k)]
			if !ok {
				return false
			}
			if nv := needle(v); nv != "" && !foldContains(mailmsg.Text(got[0]), nv) {
				return false
			}
		}
	}
	if c.Larger > 0 && o.sizes[u] <= int64(c.Larger) {
		return false
	}
	if c.Smaller > 0 && o.sizes[u] >= int64(c.Smaller) {
		return false
	}
	for _, b := range c.Body {
		if !slices.Contains(o.web(tb, b, "b"), u) {
			return false
		}
	}
	for _, t := range c.Text {
		if !slices.Contains(o.web(tb, t, "text"), u) {
			return false
		}
	}
	if len(c.WithFlags)+len(c.WithoutFlags) > 0 {
		var have []string
		if o.flags != nil {
			have = o.flags([]uint32{u})[u]
		}
		for _, f := range c.WithFlags {
			if !slices.ContainsFunc(have, func(h string) bool { return strings.EqualFold(h, f) }) {
				return false
			}
		}
		for _, f := range c.WithoutFlags {
			if slices.ContainsFunc(have, func(h string) bool { return strings.EqualFold(h, f) }) {
				return false
			}
		}
	}
	for _, not := range c.Not {
		if o.match(tb, not, u, seq) {
			return false
		}
	}
	for _, or := range c.Or {
		if !o.match(tb, or[0], u, seq) && !o.match(tb, or[1], u, seq) {
			return false
		}
	}
	return true
}

// foldContains is the oracle's own case-insensitive substring test,
// rune by rune: ASCII letters by ASCII case, other runes by
// strings.EqualFold, and never an ASCII rune equal to another (the
// Kelvin sign is not k: README).
func foldContains(s, n string) bool {
	nr := []rune(n)
	sr := []rune(s)
	same := func(a, b rune) bool {
		if a < utf8.RuneSelf || b < utf8.RuneSelf {
			return a == b || (a < utf8.RuneSelf && b < utf8.RuneSelf && strings.EqualFold(string(a), string(b)))
		}
		return strings.EqualFold(string(a), string(b))
	}
outer:
	for i := 0; i+len(nr) <= len(sr); i++ {
		for j := range nr {
			if !same(sr[i+j], nr[j]) {
				continue outer
			}
		}
		return true
	}
	return false
}

// web returns the posts the web search finds for an IMAP string's words:
// b:word for BODY, (s:word OR f:word OR t:word OR b:word) for TEXT, every
// word required; all the hits, paged newest first as the web pages.
func (o *oracle) web(tb testing.TB, s, kind string) []uint32 {
	tb.Helper()
	var terms []string
	for _, w := range strings.Fields(s) {
		if !strings.ContainsFunc(w, isAlnum) {
			continue
		}
		if !plainWord(w) {
			o.unjudged = true
			return nil
		}
		if kind == "b" {
			terms = append(terms, "b:"+w)
		} else {
			terms = append(terms, fmt.Sprintf("(s:%s OR f:%s OR t:%s OR b:%s)", w, w, w, w))
		}
	}
	if len(terms) == 0 {
		return o.f.ids
	}
	qs := strings.Join(terms, " ")
	if hits, ok := o.words[qs]; ok {
		return hits
	}
	q, err := query.Parse(qs, query.Options{})
	var qerr *query.Error
	if errors.As(err, &qerr) {
		// Beyond the web's bounds (a word of more than 100 letters …).
		o.unjudged = true
		return nil
	}
	if err != nil {
		tb.Fatalf("web query %q: %v", qs, err)
	}
	var hits []uint32
	var after []string
	for {
		res, err := o.f.idx.Search(query.Scoped(q, o.f.list.Address), index.SearchOptions{Size: 1000, Newest: true, After: after})
		if err != nil {
			tb.Fatal(err)
		}
		for _, h := range res.Hits {
			var id uint32
			fmt.Sscan(h.ID, &id)
			if slices.Contains(o.f.ids, id) {
				hits = append(hits, id)
			}
		}
		if len(res.Hits) < 1000 {
			break
		}
		after = res.Hits[len(res.Hits)-1].Sort
	}
	slices.Sort(hits)
	o.words[qs] = hits
	return hits
}

// plainWord tells whether the web's query language reads w as a word
// and nothing else.
func plainWord(w string) bool {
	switch w {
	case "AND", "OR", "NOT":
		return false
	}
	if w[0] == '-' || w[0] == '+' {
		return false
	}
	for _, r := range w {
		if !isAlnum(r) && !strings.ContainsRune("-.@_'", r) {
			return false
		}
	}
	return true
}

func isAlnum(r rune) bool {
	return ('a' <= r && r <= 'z') || ('A' <= r && r <= 'Z') || ('0' <= r && r <= '9') || (r >= utf8.RuneSelf && r != utf8.RuneError)
}

// msg builds a message from header lines and a body, with eol line ends.
func msg(eol string, body string, fields ...string) []byte {
	var b strings.Builder
	for _, f := range fields {
		b.WriteString(f)
		b.WriteString(eol)
	}
	b.WriteString(eol)
	b.WriteString(strings.ReplaceAll(body, "\n", eol))
	return []byte(b.String())
}

// syntheticCorpus is a small list made to reach every corner of the
// translation: encoded words in several charsets, the Kelvin sign, LF and
// CRLF messages, repeated fields, a header longer than the prefix SEARCH
// reads, Date fields near midnight in far zones and implausible ones,
// replies, ghosts and a reference loop.
func syntheticCorpus() [][]byte {
	long := "X-Long: " + strings.Repeat("padding ", 1500)
	return [][]byte{
		msg("\r\n", "The sample rate is 20 MHz on the X310.\n", "From: Marcus Müller <marcus.mueller@ettus.com>", "To: cop@example.org", "Subject: UHD sample rate question", "Date: Mon, 4 Jan 2021 10:00:00 +0000", "Message-ID: <a1@x>", "X-Mailer: Mutt"),
		msg("\n", "Try a lower sample rate; the timeout goes away.\n", "From: \"Leech, Marcus\" <mleech@ripnet.com>", "To: cop@example.org", "Cc: Someone <someone@example.net>", "Subject: Re: UHD sample rate question", "Date: Mon, 4 Jan 2021 23:30:00 -0500", "Message-ID: <a2@x>", "In-Reply-To: <a1@x>", "References: <a1@x>"),
		msg("\n", "Thanks!\n", "From: =?ISO-8859-1?Q?J=F6rg_Schr=F6der?= <joerg@example.de>", "To: cop@example.org", "Subject: =?UTF-8?B?UmU6IMOcYmVyc2V0enVuZyBkZXIgRG9rdW1lbnRhdGlvbg==?=", "Date: Tue, 5 Jan 2021 00:30:00 +1300", "Message-ID: <a3@x>", "References: <a1@x> <a2@x>"),
		msg("\r\n", "Kelvin and long lines.\n", "From: kelvin@example.com (The \u212Aelvin Sign)", "To: Group: a@b.c, d@e.f;", "Subject: \u212Aelvin temperature sensors", "Date: Wed, 6 Jan 2021 12:00:00 +0000", "Message-ID: <a4@x>", "X-Mailer: Thunderbird"),
		msg("\n", "first subject wins\n", "From: two@example.com, three@example.com", "To: cop@example.org", "Subject: First subject", "Subject: Second subject", "Date: Thu, 1 Jan 1970 00:00:00 +0000", "Message-ID: <a5@x>"),
		msg("\n", "a header longer than the prefix\n", "From: Long Header <long@example.com>", "To: cop@example.org", long, "Subject: long header post", "Date: Fri, 8 Jan 2021 08:00:00 +0000", "Message-ID: <a6@x>", "X-Mailer: Long"),
		msg("\n", "no date, no subject\n", "From: nobody@example.com", "Message-ID: <a7@x>"),
		msg("\r\n", "loop one\n", "From: loop@example.com", "Subject: loop", "Date: Sat, 9 Jan 2021 08:00:00 +0000", "Message-ID: <l1@x>", "References: <l2@x>"),
		msg("\r\n", "loop two\n", "From: loop@example.com", "Subject: Re: loop", "Date: Sat, 9 Jan 2021 09:00:00 +0000", "Message-ID: <l2@x>", "References: <l1@x>"),
		msg("\n", "a ghost's children\n", "From: ghost@example.com", "Subject: Re: haunted", "Date: Sun, 10 Jan 2021 08:00:00 +0000", "Message-ID: <g1@x>", "References: <ghost@x>"),
		msg("\n", "the other child\n", "From: ghost@example.com", "Subject: Re: haunted", "Date: Sun, 10 Jan 2021 07:00:00 +0000", "Message-ID: <g2@x>", "References: <ghost@x>"),
		msg("\n", "50%_off \\ discount\n", "From: Shop <shop@example.com>", "To: cop@example.org", "Bcc: hidden@example.com", "Subject: 50%_off \\ today", "Date: Mon, 11 Jan 2021 08:00:00 +0000", "Message-ID: <s1@x>"),
		msg("\n", "tabs\tand   spaces\n", "From: Spaces <spaces@example.com>", "Subject: many    spaces\tand\ttabs", "Date: Mon, 11 Jan 2021 09:00:00 +0000", "Message-ID: <s2@x>"),
		msg("\n", "raw 8-bit subject\n", "From: latin@example.com", "Subject: caf\xe9 cr\xe8me", "Date: Mon, 11 Jan 2021 10:00:00 +0000", "Message-ID: <s3@x>"),
		msg("\n", "an encoded To\n", "From: enc@example.com", "To: =?utf-8?b?Q29vcCBMaXN0ZQ==?= <coop@example.org>", "Subject: encoded to", "Date: Wed, 13 Jan 2021 10:00:00 +0000", "Message-ID: <e1@x>"),
		msg("\r\n", "a NUL in the header\n", "From: nul@example.com", "X-Nul: a\x00b", "Cc: nul-cc@example.org", "Subject: nul", "Date: Wed, 13 Jan 2021 11:00:00 +0000", "Message-ID: <n1@x>"),
		msg("\r\n", "x310 timeout again\n", "From: Marcus D. Leech <patchvonbraun@gmail.com>", "To: USRP <cop@example.org>", "Subject: [USRP-users] X310 timeout", "Date: Tue, 12 Jan 2021 10:00:00 -0800", "Message-ID: <t1@x>"),
	}
}

var fixtureNow = time.Date(2022, 1, 1, 0, 0, 0, 0, time.UTC)

func TestSearchSynthetic(t *testing.T) {
	f := openFixture(t, t.TempDir(), syntheticCorpus(), fixtureNow)
	o := newOracle(t, f)
	flagged := map[uint32][]string{f.ids[0]: {`\Seen`, `\Flagged`}, f.ids[2]: {`\seen`}, f.ids[4]: {"$Important"}}
	flags := func(uids []uint32) map[uint32][]string {
		out := map[uint32][]string{}
		for _, u := range uids {
			if fl, ok := flagged[u]; ok {
				out[u] = fl
			}
		}
		return out
	}
	o.flags = flags
	s := NewSearcher(f.st, f.idx)
	hdr := func(kv ...string) textproto.MIMEHeader {
		h := textproto.MIMEHeader{}
		for i := 0; i < len(kv); i += 2 {
			h.Add(kv[i], kv[i+1])
		}
		return h
	}
	day := func(s string) time.Time {
		t, err := time.Parse("2-Jan-2006", s)
		if err != nil {
			panic(err)
		}
		return t
	}
	seq := func(s string) *imap.SeqSet {
		set, err := imap.ParseSeqSet(s)
		if err != nil {
			panic(err)
		}
		return set
	}
	tests := []struct {
		name string
		c    *imap.SearchCriteria
		min  int // the oracle must find at least this many, so a test cannot pass on nothing
	}{
		{"all", &imap.SearchCriteria{}, len(f.ids)},
		{"subject", &imap.SearchCriteria{Header: hdr("Subject", "uhd")}, 2},
		{"subject non-ASCII folded", &imap.SearchCriteria{Header: hdr("Subject", "übersetzung")}, 1},
		{"subject Kelvin sign is not k", &imap.SearchCriteria{Header: hdr("Subject", "KELVIN")}, 0},
		{"subject Kelvin sign", &imap.SearchCriteria{Header: hdr("Subject", "\u212Aelvin")}, 1},
		{"subject first field only", &imap.SearchCriteria{Header: hdr("Subject", "second")}, 0},
		{"subject LIKE specials", &imap.SearchCriteria{Header: hdr("Subject", `50%_off \`)}, 1},
		{"subject spaces collapsed", &imap.SearchCriteria{Header: hdr("Subject", "many spaces and")}, 1},
		{"subject 8-bit", &imap.SearchCriteria{Header: hdr("Subject", "CAFÉ")}, 1},
		{"subject empty is presence", &imap.SearchCriteria{Header: hdr("Subject", "")}, len(f.ids) - 1},
		{"from name", &imap.SearchCriteria{Header: hdr("From", "marcus")}, 3},
		{"from across name and address", &imap.SearchCriteria{Header: hdr("From", "müller <marcus")}, 1},
		{"from encoded", &imap.SearchCriteria{Header: hdr("From", "schröder")}, 1},
		{"from comment", &imap.SearchCriteria{Header: hdr("From", "ELVIN SIGN")}, 1},
		{"from comment, Kelvin sign", &imap.SearchCriteria{Header: hdr("From", "\u212Aelvin sign")}, 1},
		{"from second address", &imap.SearchCriteria{Header: hdr("From", "three@")}, 0},
		{"from first of several", &imap.SearchCriteria{Header: hdr("From", "two@")}, 1},
		{"to", &imap.SearchCriteria{Header: hdr("To", "cop@example")}, 5},
		{"cc", &imap.SearchCriteria{Header: hdr("Cc", "someone")}, 1},
		{"bcc", &imap.SearchCriteria{Header: hdr("Bcc", "hidden")}, 1},
		{"to in base64", &imap.SearchCriteria{Header: hdr("To", "COOP LISTE")}, 1},
		{"cc after a NUL", &imap.SearchCriteria{Header: hdr("Cc", "nul-cc")}, 1},
		{"header after a NUL", &imap.SearchCriteria{Header: hdr("X-Nul", "")}, 1},
		{"header x-mailer present", &imap.SearchCriteria{Header: hdr("X-Mailer", "")}, 3},
		{"header x-mailer value", &imap.SearchCriteria{Header: hdr("X-Mailer", "long")}, 1},
		{"header in a long header", &imap.SearchCriteria{Header: hdr("X-Long", "padding padding")}, 1},
		{"body words", &imap.SearchCriteria{Body: []string{"sample rate"}}, 2},
		{"text words", &imap.SearchCriteria{Text: []string{"timeout", "x310"}}, 1},
		{"text in from", &imap.SearchCriteria{Text: []string{"leech"}}, 2},
		{"body nothing to look for", &imap.SearchCriteria{Body: []string{"-- !!"}}, len(f.ids)},
		{"since before", &imap.SearchCriteria{Since: day("5-Jan-2021"), Before: day("9-Jan-2021")}, 3},
		{"on", &imap.SearchCriteria{Since: day("5-Jan-2021"), Before: day("6-Jan-2021")}, 1},
		{"senton own zone", &imap.SearchCriteria{SentSince: day("4-Jan-2021"), SentBefore: day("5-Jan-2021")}, 2},
		{"sentbefore implausible date", &imap.SearchCriteria{SentBefore: day("1-Jan-1990")}, 1},
		{"larger", &imap.SearchCriteria{Larger: 500}, 1},
		{"smaller", &imap.SearchCriteria{Smaller: 300}, 1},
		{"larger and smaller near crlf", &imap.SearchCriteria{Larger: 200, Smaller: 400}, 1},
		{"uid set", &imap.SearchCriteria{Uid: seq(fmt.Sprintf("%d:%d,%d", f.ids[1], f.ids[3], f.ids[len(f.ids)-1]))}, 4},
		{"uid star", &imap.SearchCriteria{Uid: seq("*")}, 1},
		{"uid star above", &imap.SearchCriteria{Uid: seq(fmt.Sprintf("%d:*", f.ids[len(f.ids)-1]+100))}, 1},
		{"uid none", &imap.SearchCriteria{Uid: seq("1:2")}, 0},
		{"seq", &imap.SearchCriteria{SeqNum: seq("2:4,*")}, 4},
		{"seq many ranges", &imap.SearchCriteria{SeqNum: seq("1,3,5,7,9,11,13,15,2,4,6,8,10,12,14,16,17,18,19,20")}, len(f.ids)},
		{"seq past the end", &imap.SearchCriteria{SeqNum: seq("100:200")}, 0},
		{"seq and uid", &imap.SearchCriteria{SeqNum: seq("1:5"), Uid: seq(fmt.Sprintf("%d:*", f.ids[3]))}, 2},
		{"seen", &imap.SearchCriteria{WithFlags: []string{`\Seen`}}, 2},
		{"unseen", &imap.SearchCriteria{WithoutFlags: []string{`\Seen`}}, len(f.ids) - 2},
		{"keyword", &imap.SearchCriteria{WithFlags: []string{"$important"}}, 1},
		{"not", &imap.SearchCriteria{Not: []*imap.SearchCriteria{{Header: hdr("Subject", "uhd")}}}, len(f.ids) - 2},
		{"or", &imap.SearchCriteria{Or: [][2]*imap.SearchCriteria{{{Header: hdr("From", "ghost")}, {Body: []string{"timeout"}}}}}, 3},
		{"and of or and not", &imap.SearchCriteria{
			Since: day("1-Jan-2021"),
			Or:    [][2]*imap.SearchCriteria{{{Header: hdr("From", "marcus")}, {Header: hdr("Subject", "loop")}}},
			Not:   []*imap.SearchCriteria{{WithFlags: []string{`\Seen`}}},
		}, 2},
	}
	ctx := context.Background()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := o.search(t, tt.c)
			if o.unjudged {
				t.Fatal("the web has no form for these words")
			}
			if len(want) < tt.min {
				t.Fatalf("the oracle finds %d posts, the test expects at least %d: the fixture is not what the test thinks", len(want), tt.min)
			}
			got, err := s.Search(ctx, f.list, tt.c, flags)
			if err != nil {
				t.Fatal(err)
			}
			if got, want := o.comparable(tt.c, got), o.comparable(tt.c, want); !slices.Equal(got, want) {
				t.Errorf("Search = %v, want %v", got, want)
			}
		})
	}
}

func TestSearchDeepNesting(t *testing.T) {
	f := openFixture(t, t.TempDir(), syntheticCorpus(), fixtureNow)
	s := NewSearcher(f.st, f.idx)
	ctx := context.Background()
	// NOT NOT … ALL at the deepest allowed nesting: every post (an even
	// number of NOTs), answered without trouble.
	deep := func(n int) *imap.SearchCriteria {
		c := &imap.SearchCriteria{}
		for range n {
			c = &imap.SearchCriteria{Not: []*imap.SearchCriteria{c}}
		}
		return c
	}
	got, err := s.Search(ctx, f.list, deep(maxSearchDepth), nil)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, f.ids) {
		t.Errorf("NOT×%d ALL = %v, want every post %v", maxSearchDepth, got, f.ids)
	}
	// Deeper: refused, not run; a million levels must not overflow the
	// stack either.
	for _, n := range []int{maxSearchDepth + 1, 100_000} {
		if _, err := s.Search(ctx, f.list, deep(n), nil); !errors.Is(err, ErrSearchTooComplex) {
			t.Errorf("NOT×%d: err = %v, want ErrSearchTooComplex", n, err)
		}
	}
	// A deep OR chain.
	or := &imap.SearchCriteria{Header: textproto.MIMEHeader{"Subject": {"uhd"}}}
	for range maxSearchDepth {
		or = &imap.SearchCriteria{Or: [][2]*imap.SearchCriteria{{or, {Header: textproto.MIMEHeader{"From": {"ghost"}}}}}}
	}
	if got, err := s.Search(ctx, f.list, or, nil); err != nil || len(got) != 4 {
		t.Errorf("deep OR = %v, %v; want the 4 posts of uhd or ghost", got, err)
	}
	// Wide: many keys at one level, and a binary tree of ORs whose
	// depth is allowed but whose keys are too many.
	wide := &imap.SearchCriteria{Header: textproto.MIMEHeader{}}
	for i := range maxSearchKeys + 1 {
		wide.Header.Add("X-Key", fmt.Sprint(i))
	}
	if _, err := s.Search(ctx, f.list, wide, nil); !errors.Is(err, ErrSearchTooComplex) {
		t.Errorf("%d keys: err = %v, want ErrSearchTooComplex", maxSearchKeys+1, err)
	}
	var tree func(d int) *imap.SearchCriteria
	tree = func(d int) *imap.SearchCriteria {
		if d == 0 {
			return &imap.SearchCriteria{Header: textproto.MIMEHeader{"Subject": {"x"}}}
		}
		return &imap.SearchCriteria{Or: [][2]*imap.SearchCriteria{{tree(d - 1), tree(d - 1)}}}
	}
	if _, err := s.Search(ctx, f.list, tree(11), nil); !errors.Is(err, ErrSearchTooComplex) {
		t.Errorf("OR tree of 2^11 leaves: err = %v, want ErrSearchTooComplex", err)
	}
	// Keys that read every post's header: a few are answered, many are
	// refused, as an OR of them reads the list once each.
	scans := func(n int) *imap.SearchCriteria {
		c := &imap.SearchCriteria{Header: textproto.MIMEHeader{"To": {"cop"}}}
		for i := 1; i < n; i++ {
			c = &imap.SearchCriteria{Or: [][2]*imap.SearchCriteria{{c, {Header: textproto.MIMEHeader{"To": {fmt.Sprint("x", i)}}}}}}
		}
		return c
	}
	if _, err := s.Search(ctx, f.list, scans(maxSearchScans), nil); err != nil {
		t.Errorf("%d header scans: %v", maxSearchScans, err)
	}
	if _, err := s.Search(ctx, f.list, scans(maxSearchScans+1), nil); !errors.Is(err, ErrSearchTooComplex) {
		t.Errorf("%d header scans: err = %v, want ErrSearchTooComplex", maxSearchScans+1, err)
	}
	// Too many words for the index.
	if _, err := s.Search(ctx, f.list, &imap.SearchCriteria{Text: []string{strings.Repeat("word ", maxSearchWords+1)}}, nil); !errors.Is(err, ErrSearchTooComplex) {
		t.Errorf("%d words: err = %v, want ErrSearchTooComplex", maxSearchWords+1, err)
	}
	// A huge string is one key: answered.
	huge := strings.Repeat("ü", 1<<20)
	if got, err := s.Search(ctx, f.list, &imap.SearchCriteria{Header: textproto.MIMEHeader{"Subject": {huge}, "To": {huge}}}, nil); err != nil || len(got) != 0 {
		t.Errorf("a 2 MB subject: %v, %v; want nothing", got, err)
	}
}

// TestSearchOtherList checks that a list sees only its own posts, by
// every path: SQL, the index, and the whole list.
func TestSearchOtherList(t *testing.T) {
	f := openFixture(t, t.TempDir(), syntheticCorpus(), fixtureNow)
	s := NewSearcher(f.st, f.idx)
	ctx := context.Background()
	for _, c := range []*imap.SearchCriteria{
		{},
		{Body: []string{"sample"}},
		{Header: textproto.MIMEHeader{"Subject": {"uhd"}}},
		{Not: []*imap.SearchCriteria{{Body: []string{"sample"}}}},
		{Uid: &imap.SeqSet{Set: []imap.Seq{{Start: 1, Stop: 0}}}},
	} {
		got, err := s.Search(ctx, f.list, c, nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, u := range got {
			if !slices.Contains(f.ids, u) {
				t.Errorf("%+v: UID %d is not the list's", c, u)
			}
		}
	}
	// A list without an index answers BODY with an error, not nothing.
	if _, err := NewSearcher(f.st, nil).Search(ctx, f.list, &imap.SearchCriteria{Body: []string{"x"}}, nil); !errors.Is(err, ErrSearchNoIndex) {
		t.Errorf("no index: err = %v, want ErrSearchNoIndex", err)
	}
	// An empty list.
	empty := store.NewList("empty@example.org", "Empty")
	if err := f.st.CreateList(ctx, empty); err != nil {
		t.Fatal(err)
	}
	for _, c := range []*imap.SearchCriteria{{}, {Uid: &imap.SeqSet{Set: []imap.Seq{{Start: 0, Stop: 0}}}}, {SeqNum: &imap.SeqSet{Set: []imap.Seq{{Start: 1, Stop: 0}}}}, {Not: []*imap.SearchCriteria{{}}}} {
		got, err := s.Search(ctx, empty, c, nil)
		if err != nil || len(got) != 0 {
			t.Errorf("empty list %+v: %v, %v", c, got, err)
		}
	}
}

// TestSearchListMadeAgain checks that a list deleted and made again
// under the same address does not find the old list's posts, which the
// index holds until the indexer takes them out.
func TestSearchListMadeAgain(t *testing.T) {
	f := openFixture(t, t.TempDir(), syntheticCorpus(), fixtureNow)
	s := NewSearcher(f.st, f.idx)
	ctx := context.Background()
	before, err := s.Search(ctx, f.list, &imap.SearchCriteria{Body: []string{"sample"}}, nil)
	if err != nil || len(before) == 0 {
		t.Fatalf("before: %v, %v", before, err)
	}
	if err := f.st.DeleteList(ctx, f.list.Address); err != nil {
		t.Fatal(err)
	}
	again := store.NewList(f.list.Address, "CoP again")
	if err := f.st.CreateList(ctx, again); err != nil {
		t.Fatal(err)
	}
	for _, c := range []*imap.SearchCriteria{{}, {Body: []string{"sample"}}, {Text: []string{"timeout"}}, {Header: textproto.MIMEHeader{"Subject": {"uhd"}}}} {
		got, err := s.Search(ctx, again, c, nil)
		if err != nil || len(got) != 0 {
			t.Errorf("%+v on the new list: %v, %v; want nothing", c, got, err)
		}
	}
}

// TestSearchConcurrent runs searches from many sessions at once (run
// with -race): a Searcher keeps no state between calls.
func TestSearchConcurrent(t *testing.T) {
	f := openFixture(t, t.TempDir(), syntheticCorpus(), fixtureNow)
	o := newOracle(t, f)
	s := NewSearcher(f.st, f.idx)
	cs := []*imap.SearchCriteria{
		{Header: textproto.MIMEHeader{"Subject": {"uhd"}}},
		{Body: []string{"sample rate"}},
		{Not: []*imap.SearchCriteria{{Header: textproto.MIMEHeader{"To": {"cop"}}}}},
		{Larger: 300, Or: [][2]*imap.SearchCriteria{{{Header: textproto.MIMEHeader{"From": {"marcus"}}}, {Text: []string{"loop"}}}}},
	}
	want := make([][]uint32, len(cs))
	for i, c := range cs {
		want[i] = o.search(t, c)
	}
	errs := make(chan error, 8)
	for g := range 8 {
		go func() {
			for i := range 20 {
				k := (g + i) % len(cs)
				got, err := s.Search(context.Background(), f.list, cs[k], nil)
				if err == nil && !slices.Equal(got, want[k]) {
					err = fmt.Errorf("criteria %d: %v, want %v", k, got, want[k])
				}
				if err != nil {
					errs <- err
					return
				}
			}
			errs <- nil
		}()
	}
	for range 8 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}

// TestSearchLongSets checks that sets of many ranges, as clients send
// them, are answered, not refused.
func TestSearchLongSets(t *testing.T) {
	f := openFixture(t, t.TempDir(), syntheticCorpus(), fixtureNow)
	o := newOracle(t, f)
	s := NewSearcher(f.st, f.idx)
	uids, seqs := &imap.SeqSet{}, &imap.SeqSet{}
	for i := uint32(1); i < 20_000; i += 2 {
		uids.AddNum(i)
		seqs.AddNum(i)
	}
	for _, c := range []*imap.SearchCriteria{{Uid: uids}, {SeqNum: seqs}, {Uid: uids, SeqNum: seqs}, {Not: []*imap.SearchCriteria{{SeqNum: seqs}}}} {
		got, err := s.Search(context.Background(), f.list, c, nil)
		if err != nil {
			t.Fatal(err)
		}
		if want := o.search(t, c); !slices.Equal(got, want) || (c.Not == nil && c.Uid == nil && len(want) == 0) {
			t.Errorf("%d ranges: %v, want %v", len(c.Format()), got, want)
		}
	}
}

// countingStore counts the header reads a Searcher makes.
type countingStore struct {
	SearchStore
	heads atomic.Int64
}

func (c *countingStore) IMAPHeads(ctx context.Context, ids []int64, max int) ([]store.IMAPHead, error) {
	c.heads.Add(1)
	return c.SearchStore.IMAPHeads(ctx, ids, max)
}

// TestSearchLongHeaders: headers longer than the prefix SEARCH reads are
// read whole a page of posts a query, not a query a post, and the answers
// are still the brute-force scan's.
func TestSearchLongHeaders(t *testing.T) {
	const n = 3*longPage + 5
	var raws [][]byte
	for i := range n {
		// A header longer than headPrefix, whose X-Tag (and, for some,
		// an encoded Cc) comes after the prefix; every third post has
		// no body, so its header is the whole post.
		pad := "X-Pad: " + strings.Repeat(fmt.Sprintf("pad%d ", i), headPrefix/5)
		tag := fmt.Sprintf("X-Tag: tag-%d %s", i, []string{"red", "green", "blue"}[i%3])
		cc := "Cc: plain@example.org"
		if i%4 == 0 {
			cc = "Cc: =?utf-8?q?R=C3=A9sum=C3=A9?= <resume@example.org>"
		}
		body := fmt.Sprintf("post %d\n", i)
		fields := []string{"From: long@example.com", "To: cop@example.org", fmt.Sprintf("Subject: long %d", i), fmt.Sprintf("Message-ID: <long%d@x>", i), "Date: Mon, 4 Jan 2021 10:00:00 +0000", pad, tag, cc}
		m := msg("\n", body, fields...)
		if i%3 == 2 {
			m = []byte(strings.Join(fields, "\n") + "\n") // all header
		}
		raws = append(raws, m)
	}
	// Short posts between, which the prefix answers.
	for i := range 20 {
		raws = append(raws, msg("\r\n", "short\n", "From: short@example.com", fmt.Sprintf("Subject: short %d", i), fmt.Sprintf("Message-ID: <short%d@x>", i), "X-Tag: short red", "Cc: Résumé <r@example.org>"))
	}
	f := openFixture(t, t.TempDir(), raws, fixtureNow)
	o := newOracle(t, f)
	cs := &countingStore{SearchStore: f.st}
	s := NewSearcher(cs, f.idx)
	ctx := context.Background()
	for _, tt := range []struct {
		c   *imap.SearchCriteria
		min int
	}{
		{&imap.SearchCriteria{Header: textproto.MIMEHeader{"X-Tag": {"red"}}}, n/3 + 20},
		{&imap.SearchCriteria{Header: textproto.MIMEHeader{"X-Tag": {"TAG-7 GREEN"}}}, 1},
		{&imap.SearchCriteria{Header: textproto.MIMEHeader{"Cc": {"résumé"}}}, n/4 + 20},
		{&imap.SearchCriteria{Header: textproto.MIMEHeader{"X-Tag": {""}}}, n + 20},
		{&imap.SearchCriteria{Not: []*imap.SearchCriteria{{Header: textproto.MIMEHeader{"X-Tag": {"blue"}}}}}, 2*n/3 + 20},
	} {
		want := o.search(t, tt.c)
		if len(want) < tt.min {
			t.Fatalf("%v: the oracle finds %d posts, the test expects at least %d", tt.c.Format(), len(want), tt.min)
		}
		cs.heads.Store(0)
		got, err := s.Search(ctx, f.list, tt.c, nil)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got, want) {
			t.Errorf("%v: Search finds %d posts, the scan %d; only Search: %v; only the scan: %v",
				tt.c.Format(), len(got), len(want), firstN(minus(got, want), 10), firstN(minus(want, got), 10))
		}
		// One read of the prefixes for the chunk, then one a page of
		// long headers: a query a post would be more than n.
		if calls, most := cs.heads.Load(), int64(1+(n+longPage-1)/longPage); calls > most {
			t.Errorf("%v: %d header reads for %d long headers, want at most %d", tt.c.Format(), calls, n, most)
		}
	}
}
