package imapview

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/mail"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	bquery "github.com/blevesearch/bleve/v2/search/query"
	"github.com/emersion/go-imap"
	"github.com/emersion/go-message/textproto"

	"praxis/archive/index"
	"praxis/archive/query"
	"praxis/listserv/mailmsg"
	"praxis/listserv/store"
)

// SearchStore is what SEARCH, SORT and THREAD read from the store;
// store.Store implements it.
type SearchStore interface {
	store.IMAPSearch
	ArchiveByIDs(ctx context.Context, ids []int64) ([]*store.ArchivedPost, error)
	IMAPCount(ctx context.Context, listID int64) (int, error)
	IMAPIDAt(ctx context.Context, listID, after int64, n int) (int64, error)
	IMAPPosts(ctx context.Context, listID int64, ids []int64) ([]store.IMAPPost, error)
}

var _ SearchStore = (*store.Store)(nil)

// Searcher answers IMAP SEARCH, SORT and THREAD over one list's archive:
// dates, sizes (RFC822.SIZE, kept when a post is archived), ids and the
// decoded subject and author from the store's columns, the other header
// fields from the stored headers, BODY and TEXT from the full-text index.
// It never holds a list's posts in memory, only the UIDs (4 bytes each)
// of the posts a criterion leaves.
type Searcher struct {
	st  SearchStore
	idx *index.Index
}

// NewSearcher makes a Searcher over a store and the archive's index (nil
// when there is none: BODY and TEXT then fail).
func NewSearcher(st SearchStore, idx *index.Index) *Searcher {
	return &Searcher{st: st, idx: idx}
}

// Bounds on one SEARCH. go-imap parses nested NOT and OR recursively,
// and the server bounds a command's size; these keep what is left cheap:
// a criterion nested deeper than maxSearchDepth, or more than
// maxSearchKeys keys in all, more than maxSearchWords words for the
// index, or more than maxSearchScans keys that may read the header or
// row of every post (a header field other than an ASCII SUBJECT or FROM,
// a sent date), is refused (ErrSearchTooComplex; the server answers NO)
// rather than run: an OR of a thousand TO keys would read the whole list
// a thousand times.
const (
	maxSearchDepth = 64
	maxSearchKeys  = 1024
	maxSearchWords = query.DefaultMaxWords
	maxSearchScans = 16
)

// Errors a SEARCH may end in besides the store's and the index's.
var (
	ErrSearchTooComplex = errors.New("imapview: search: the criteria are too deeply nested or too many")
	ErrSearchNoIndex    = errors.New("imapview: search: BODY and TEXT need the full-text index, which is not open")
)

// headPrefix is how much of a post IMAP SEARCH reads for its header:
// enough for nearly every post; a longer header is read whole, longPage
// posts a query (a kept header block is the header alone, but a post
// archived before imap_headers is read whole, so fewer of them than a
// chunk of heads).
const (
	headPrefix = 8 << 10
	longPage   = 64
)

// searchPage is how many ids a SQL page or a verification chunk holds.
const searchPage = store.IMAPSearchChunk

// Search returns the UIDs (ascending) of list's posts that match c.
// flags returns the flags the session keeps for the given UIDs (nil:
// none).
//
// Semantics (README, "IMAP SEARCH"): header keys (FROM, TO, CC, BCC,
// SUBJECT, HEADER) are case-insensitive substrings of the first such
// field of the stored message, decoded as every reader of the archive
// decodes it (mailmsg.Text: RFC 2047 words in any charset, 8-bit text as
// UTF-8 or Windows-1252, each run of white space one space); an empty
// string asks only that the field be there. BODY and TEXT are words from
// the full-text index. SINCE, BEFORE and ON compare the UTC day of the
// archive date (INTERNALDATE); SENTSINCE, SENTBEFORE and SENTON the day
// the Date field names in its own zone (the archive date when it does not
// parse). LARGER and SMALLER count the message with CRLF line ends, as
// RFC822.SIZE does.
func (s *Searcher) Search(ctx context.Context, list *store.List, c *imap.SearchCriteria, flags func(uids []uint32) map[uint32][]string) ([]uint32, error) {
	if list == nil {
		return nil, errors.New("imapview: search: no list")
	}
	if c == nil {
		c = &imap.SearchCriteria{}
	}
	z, err := measure(c, 0)
	if err != nil {
		return nil, err
	}
	if z.keys > maxSearchKeys || z.words > maxSearchWords || z.scans > maxSearchScans {
		return nil, fmt.Errorf("%w: %d keys (at most %d), %d words (at most %d), %d keys that read every post (at most %d)",
			ErrSearchTooComplex, z.keys, maxSearchKeys, z.words, maxSearchWords, z.scans, maxSearchScans)
	}
	e := &evaluation{ctx: ctx, s: s, list: list, flags: flags}
	out, err := e.eval(c, nil, true, 0)
	if err != nil {
		return nil, err
	}
	if out == nil {
		out = []uint32{}
	}
	return out, nil
}

// searchSize is what a criteria tree asks of the store and the index.
type searchSize struct {
	keys  int // every key
	words int // words for the index
	scans int // keys that may read every post's header or row
}

// measure sizes a criteria tree, refusing one nested deeper than
// maxSearchDepth before recursing further, or grown past the bounds.
func measure(c *imap.SearchCriteria, depth int) (searchSize, error) {
	var z searchSize
	if depth > maxSearchDepth {
		return z, fmt.Errorf("%w: nested deeper than %d", ErrSearchTooComplex, maxSearchDepth)
	}
	if c == nil {
		return z, nil
	}
	z.keys = 1 + len(c.Body) + len(c.Text) + len(c.WithFlags) + len(c.WithoutFlags)
	for k, vs := range c.Header {
		z.keys += len(vs)
		for _, v := range vs {
			if n := needle(v); n == "" || !sqlDecides(k, n) {
				z.scans++
			}
		}
	}
	if !c.SentSince.IsZero() || !c.SentBefore.IsZero() {
		z.scans++
	}
	for _, b := range c.Body {
		z.words += len(indexWords(b))
	}
	for _, t := range c.Text {
		z.words += len(indexWords(t))
	}
	// A sequence or UID set counts once, however many ranges it has:
	// clients send long ones, and ranges cost a sort, not a query each.
	add := func(sub *imap.SearchCriteria) error {
		sz, err := measure(sub, depth+1)
		z.keys, z.words, z.scans = z.keys+sz.keys, z.words+sz.words, z.scans+sz.scans
		if err == nil && (z.keys > maxSearchKeys || z.words > maxSearchWords || z.scans > maxSearchScans) {
			err = fmt.Errorf("%w: %d keys (at most %d), %d words (at most %d), %d keys that read every post (at most %d)",
				ErrSearchTooComplex, z.keys, maxSearchKeys, z.words, maxSearchWords, z.scans, maxSearchScans)
		}
		return err
	}
	for _, n := range c.Not {
		if err := add(n); err != nil {
			return z, err
		}
	}
	for _, o := range c.Or {
		for _, sub := range o {
			if err := add(sub); err != nil {
				return z, err
			}
		}
	}
	return z, nil
}

// evaluation is one Search: the list, the session's flags and what is
// worth reading once (the list's ids, its count and last id).
type evaluation struct {
	ctx   context.Context
	s     *Searcher
	list  *store.List
	flags func([]uint32) map[uint32][]string

	universe    []uint32
	hasUniverse bool
	count       int
	hasCount    bool
	maxID       int64
	hasMaxID    bool
	// words holds the index's answers by the BODY and TEXT strings that
	// asked them.
	words map[string][]uint32
}

// eval returns the posts among within (all of the list's when all is
// true) that match c. Cheap narrowing comes first (the index, then SQL),
// then what reads rows or headers, on what is left; OR and NOT last, on
// the fewest posts.
func (e *evaluation) eval(c *imap.SearchCriteria, within []uint32, all bool, depth int) ([]uint32, error) {
	if depth > maxSearchDepth {
		return nil, ErrSearchTooComplex
	}
	if err := e.ctx.Err(); err != nil {
		return nil, err
	}
	cur := within
	if !all && len(cur) == 0 {
		return nil, nil
	}
	// 1. Words, from the index.
	fromIndex := false
	if q := wordsQuery(c); q != nil {
		// The same words under several ORs and NOTs ask the index once.
		key := fmt.Sprintf("%q %q", c.Body, c.Text)
		hits, ok := e.words[key]
		if !ok {
			var err error
			if hits, err = e.indexMatches(q); err != nil {
				return nil, err
			}
			if e.words == nil {
				e.words = map[string][]uint32{}
			}
			e.words[key] = hits
		}
		if !all {
			hits = intersect(hits, cur)
		}
		cur, all, fromIndex = hits, false, true
	}
	// 2. Ids, dates, sizes and column patterns, in SQL. Hits from the
	// index go through it too: the index may still hold posts of a
	// deleted list of the same address.
	f, exact, err := e.filter(c)
	if err != nil {
		return nil, err
	}
	if f != nil || fromIndex {
		if f == nil {
			f = &store.IMAPFilter{}
		}
		if cur, err = e.sqlFilter(f, exact, cur, all); err != nil {
			return nil, err
		}
		all = false
	}
	// 3. What needs the rows, the headers or the session's flags.
	if v := newVerifier(c); v != nil {
		if all {
			if cur, err = e.all(); err != nil {
				return nil, err
			}
			all = false
		}
		if cur, err = e.verify(v, cur); err != nil {
			return nil, err
		}
	}
	// 4. OR and NOT, on what is left.
	for _, pair := range c.Or {
		a, err := e.eval(pair[0], cur, all, depth+1)
		if err != nil {
			return nil, err
		}
		b, err := e.eval(pair[1], cur, all, depth+1)
		if err != nil {
			return nil, err
		}
		cur, all = union(a, b), false
	}
	for _, n := range c.Not {
		if all {
			if cur, err = e.all(); err != nil {
				return nil, err
			}
			all = false
		}
		m, err := e.eval(n, cur, false, depth+1)
		if err != nil {
			return nil, err
		}
		cur = minus(cur, m)
	}
	if all {
		return e.all()
	}
	return cur, nil
}

// all returns every UID of the list, read once per Search.
func (e *evaluation) all() ([]uint32, error) {
	if e.hasUniverse {
		return e.universe, nil
	}
	ids, err := e.sqlFilter(&store.IMAPFilter{}, nil, nil, true)
	if err != nil {
		return nil, err
	}
	e.universe, e.hasUniverse = ids, true
	return ids, nil
}

func (e *evaluation) postCount() (int, error) {
	if !e.hasCount {
		n, err := e.s.st.IMAPCount(e.ctx, e.list.ID)
		if err != nil {
			return 0, fmt.Errorf("imapview: search: %w", err)
		}
		e.count, e.hasCount = n, true
	}
	return e.count, nil
}

func (e *evaluation) lastID() (int64, error) {
	if !e.hasMaxID {
		id, err := e.s.st.IMAPMaxID(e.ctx, e.list.ID)
		if err != nil {
			return 0, fmt.Errorf("imapview: search: %w", err)
		}
		e.maxID, e.hasMaxID = id, true
	}
	return e.maxID, nil
}

// uidRange is an inclusive range of UIDs.
type uidRange struct{ lo, hi uint32 }

// filter builds the SQL part of c, and the exact UID ranges (nil: any)
// its sequence and UID sets allow, of which SQL gets only the hull. A
// nil filter means c has no SQL part.
func (e *evaluation) filter(c *imap.SearchCriteria) (*store.IMAPFilter, []uidRange, error) {
	f := &store.IMAPFilter{}
	used := false
	var exact []uidRange
	restrict := func(rs []uidRange) {
		if exact == nil {
			exact = rs
		} else {
			exact = intersectRanges(exact, rs)
		}
		used = true
	}
	if c.Uid != nil {
		last, err := e.lastID()
		if err != nil {
			return nil, nil, err
		}
		restrict(uidRanges(c.Uid, uint32(min(last, int64(^uint32(0))))))
	}
	if c.SeqNum != nil {
		rs, err := e.seqRanges(c.SeqNum)
		if err != nil {
			return nil, nil, err
		}
		restrict(rs)
	}
	if used {
		if len(exact) == 0 {
			// Nothing can match: an empty range no id passes.
			f.MinID, f.MaxID = 2, 1
		} else {
			f.MinID, f.MaxID = int64(exact[0].lo), int64(exact[len(exact)-1].hi)
			if f.MinID == 0 {
				f.MinID = 1
			}
		}
	}
	// The UTC day of the archive date (RFC 3501 §6.4.4: time and zone
	// disregarded).
	if !c.Since.IsZero() {
		f.Since, used = day(c.Since).Unix(), true
	}
	if !c.Before.IsZero() {
		f.Before, used = day(c.Before).Unix(), true
		if f.Before == 0 {
			f.Before = -1 // 1-Jan-1970: before it, nothing the archive dates
		}
	}
	// The size with CRLF line ends, kept when the post was archived:
	// SQL decides.
	if c.Larger > 0 {
		f.Larger, used = int64(c.Larger), true
	}
	if c.Smaller > 0 {
		f.Smaller, used = int64(c.Smaller), true
	}
	for key, vs := range c.Header {
		for _, v := range vs {
			n := needle(v)
			if p, ok := headPattern(key, n); ok {
				f.HeadLike, f.HeadBytes, used = append(f.HeadLike, p), headPrefix, true
			}
			if n == "" {
				continue
			}
			switch strings.ToLower(key) {
			case "subject":
				if p, ok, exact := likePattern(n); exact {
					f.SubjectHas, used = append(f.SubjectHas, n), true
				} else if ok {
					f.Subject, used = append(f.Subject, p), true
				}
			case "from":
				// The author's name and address are the From field's
				// words: a needle matching the field has its longest
				// run without separators in one of them.
				piece := authorPiece(n)
				if p, ok, exact := likePattern(piece); exact {
					f.AuthorHas, used = append(f.AuthorHas, piece), true
				} else if ok {
					f.Author, used = append(f.Author, p), true
				}
			}
		}
	}
	if !used {
		return nil, nil, nil
	}
	return f, exact, nil
}

// day is the start of t's calendar day, read in UTC, as go-imap parses a
// search date.
func day(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// uidRanges turns a UID set into ranges, * being the last UID in use
// (RFC 3501 §6.4.8: "n:*" holds the last UID even when n is above it).
func uidRanges(set *imap.SeqSet, last uint32) []uidRange {
	var rs []uidRange
	for _, sq := range set.Set {
		lo, hi := sq.Start, sq.Stop
		if lo == 0 {
			lo = last
		}
		if hi == 0 {
			hi = last
		}
		if lo > hi {
			lo, hi = hi, lo
		}
		if hi == 0 {
			continue
		}
		rs = append(rs, uidRange{max(lo, 1), hi})
	}
	return mergeRanges(rs)
}

// maxSeqQueries is how many sequence ranges are looked up one by one;
// a set of more is answered from the list's ids in one pass.
const maxSeqQueries = 16

// seqRanges turns a sequence set into UID ranges: sequence n is the
// list's n-th post in id order, * the last.
func (e *evaluation) seqRanges(set *imap.SeqSet) ([]uidRange, error) {
	count, err := e.postCount()
	if err != nil {
		return nil, err
	}
	var seqs []uidRange
	for _, sq := range set.Set {
		lo, hi := sq.Start, sq.Stop
		if lo == 0 {
			lo = uint32(count)
		}
		if hi == 0 {
			hi = uint32(count)
		}
		if lo > hi {
			lo, hi = hi, lo
		}
		hi = min(hi, uint32(count))
		if lo == 0 {
			lo = 1
		}
		if lo > hi {
			continue
		}
		seqs = append(seqs, uidRange{lo, hi})
	}
	seqs = mergeRanges(seqs)
	var out []uidRange
	if len(seqs) > maxSeqQueries {
		all, err := e.all()
		if err != nil {
			return nil, err
		}
		for _, r := range seqs {
			if int(r.hi) <= len(all) {
				out = append(out, uidRange{all[r.lo-1], all[r.hi-1]})
			}
		}
		return mergeRanges(out), nil
	}
	// Each range is found from the end of the one before (the ranges
	// are merged, so ascending): the list is stepped through once.
	var prevID int64
	var prevSeq uint32
	for _, r := range seqs {
		lo, err := e.s.st.IMAPIDAt(e.ctx, e.list.ID, prevID, int(r.lo-prevSeq))
		if errors.Is(err, store.ErrNotFound) {
			break // past the last post: so are the ranges after it
		}
		if err != nil {
			return nil, fmt.Errorf("imapview: search: %w", err)
		}
		hi := lo
		if r.hi != r.lo {
			if hi, err = e.s.st.IMAPIDAt(e.ctx, e.list.ID, lo, int(r.hi-r.lo)); errors.Is(err, store.ErrNotFound) {
				if hi, err = e.lastID(); err != nil {
					return nil, err
				}
			} else if err != nil {
				return nil, fmt.Errorf("imapview: search: %w", err)
			}
		}
		prevID, prevSeq = hi, r.hi
		out = append(out, uidRange{uint32(lo), uint32(hi)})
	}
	return mergeRanges(out), nil
}

// sqlFilter runs f over the list (all) or over cur, keeping the ids the
// exact ranges allow.
func (e *evaluation) sqlFilter(f *store.IMAPFilter, exact []uidRange, cur []uint32, all bool) ([]uint32, error) {
	var out []uint32
	keep := func(ids []int64) {
		for _, id := range ids {
			if id <= 0 || id > int64(^uint32(0)) {
				continue
			}
			if exact == nil || inRanges(exact, uint32(id)) {
				out = append(out, uint32(id))
			}
		}
	}
	if all {
		after := int64(0)
		for {
			ids, err := e.s.st.IMAPSearchIDs(e.ctx, e.list.ID, f, after, searchPage*10)
			if err != nil {
				return nil, fmt.Errorf("imapview: search: %w", err)
			}
			keep(ids)
			if len(ids) < searchPage*10 {
				return out, nil
			}
			after = ids[len(ids)-1]
		}
	}
	g := *f
	for start := 0; start < len(cur); start += searchPage {
		chunk := cur[start:min(len(cur), start+searchPage)]
		// Chunks outside the filter's id bounds need no query.
		if (f.MaxID > 0 && int64(chunk[0]) > f.MaxID) || (f.MinID > 0 && int64(chunk[len(chunk)-1]) < f.MinID) {
			continue
		}
		g.In = make([]int64, len(chunk))
		for i, id := range chunk {
			g.In[i] = int64(id)
		}
		ids, err := e.s.st.IMAPSearchIDs(e.ctx, e.list.ID, &g, 0, len(chunk))
		if err != nil {
			return nil, fmt.Errorf("imapview: search: %w", err)
		}
		keep(ids)
	}
	return out, nil
}

// wordsQuery is the index query of c's BODY and TEXT keys, nil when it
// has none (or none with a word in it).
//
// Each string is cut into words at white space; every word must occur.
// BODY looks for a word in the post's own text (the web's b:), TEXT in
// its subject, author, To and Cc, or own text (the web's s:, f:, t: and
// b: together). A word is matched as the web search matches a word
// without wildcards: through the field's analyser (stemmed, lower-cased),
// all the pieces the analyser cuts it into. A word without a letter or
// digit is dropped, as the web drops it; a string of none asks nothing,
// as an empty substring is in every message.
func wordsQuery(c *imap.SearchCriteria) bquery.Query {
	var and []bquery.Query
	add := func(ss []string, fields []string) {
		for _, s := range ss {
			for _, w := range indexWords(s) {
				var or []bquery.Query
				for _, f := range fields {
					q := bquery.NewMatchQuery(w)
					q.SetField(f)
					q.SetOperator(bquery.MatchQueryOperatorAnd)
					or = append(or, q)
				}
				if len(or) == 1 {
					and = append(and, or[0])
				} else {
					and = append(and, bquery.NewBooleanQueryForQueryString(nil, or, nil))
				}
			}
		}
	}
	add(c.Body, []string{query.FieldBody})
	add(c.Text, []string{query.FieldSubject, query.FieldFrom, query.FieldTo, query.FieldBody})
	switch len(and) {
	case 0:
		return nil
	case 1:
		return and[0]
	}
	// Built as archive/query builds the web's: in query-string mode, a
	// word the analyser drops (a stop word) is skipped rather than
	// emptying the AND; alone, it finds nothing, as on the web.
	return bquery.NewBooleanQueryForQueryString(and, nil, nil)
}

// indexWords cuts an IMAP string into the words BODY and TEXT look for.
func indexWords(s string) []string {
	var out []string
	for _, w := range strings.Fields(s) {
		if strings.IndexFunc(w, func(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }) >= 0 {
			out = append(out, w)
		}
	}
	return out
}

// indexMatches returns the UIDs of the list's posts q matches in the
// index, ascending.
func (e *evaluation) indexMatches(q bquery.Query) ([]uint32, error) {
	if e.s.idx == nil {
		return nil, ErrSearchNoIndex
	}
	var out []uint32
	err := e.s.idx.EachMatch(e.ctx, query.Scoped(q, e.list.Address), func(id string) error {
		if n, err := strconv.ParseUint(id, 10, 32); err == nil && n > 0 {
			out = append(out, uint32(n))
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("imapview: search: %w", err)
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}

// verifier holds the keys of one criteria node that are decided post by
// post: header substrings, sent dates and flags.
type verifier struct {
	headers      []headerKey
	sentSince    time.Time
	sentBefore   time.Time
	withFlags    []string
	withoutFlags []string
	needRows     bool
}

// headerKey is one header criterion: the first field named name must
// contain value (folded), or, for an empty value, exist.
type headerKey struct {
	name, value string
	how         keyWay
}

// keyWay is where a header criterion is decided.
type keyWay int

const (
	// byHeader: the stored header is read.
	byHeader keyWay = iota
	// bySubject: the subject column is the decoded field.
	bySubject
	// byAuthor: the author's name or address column holding the needle
	// decides a match; else the stored header is read.
	byAuthor
	// bySQL: the SQL filter decided it exactly.
	bySQL
)

// sqlDecides tells whether IMAPFilter's LIKE pattern for a header key
// gives its answer exactly, so nothing is verified after it: a pattern
// without the _ that stands for a non-ASCII rune, on the subject column
// (the decoded field itself) or, for a needle without separators, on the
// author's name and address (which hold the words of a From field of one
// author: see Search on a From of several).
func sqlDecides(key, n string) bool {
	if _, ok, exact := likePattern(n); !ok || !exact {
		return false
	}
	switch strings.ToLower(key) {
	case "subject":
		return true
	case "from":
		return authorPiece(n) == n
	}
	return false
}

func newVerifier(c *imap.SearchCriteria) *verifier {
	v := &verifier{sentSince: c.SentSince, sentBefore: c.SentBefore, withFlags: c.WithFlags, withoutFlags: c.WithoutFlags}
	keys := slices.Sorted(func(yield func(string) bool) {
		for k := range c.Header {
			if !yield(k) {
				return
			}
		}
	})
	for _, k := range keys {
		for _, val := range c.Header[k] {
			n := needle(val)
			hk := headerKey{name: k, value: fold(n)}
			switch {
			case n == "":
				hk.how = byHeader
			case sqlDecides(k, n):
				continue
			case strings.EqualFold(k, "Subject"):
				hk.how = bySubject
			case strings.EqualFold(k, "From"):
				hk.how = byAuthor
			}
			v.headers = append(v.headers, hk)
			if hk.how == bySubject || hk.how == byAuthor {
				v.needRows = true
			}
		}
	}
	if !v.sentSince.IsZero() || !v.sentBefore.IsZero() {
		v.needRows = true
	}
	if len(v.headers) == 0 && !v.needRows && len(v.withFlags) == 0 && len(v.withoutFlags) == 0 {
		return nil
	}
	return v
}

// verify keeps the posts of cur that pass v, reading them a chunk at a
// time.
func (e *evaluation) verify(v *verifier, cur []uint32) ([]uint32, error) {
	var out []uint32
	for start := 0; start < len(cur); start += searchPage {
		if err := e.ctx.Err(); err != nil {
			return nil, err
		}
		chunk := cur[start:min(len(cur), start+searchPage)]
		ok := make([]bool, len(chunk))
		for i := range ok {
			ok[i] = true
		}
		if len(v.withFlags) > 0 || len(v.withoutFlags) > 0 {
			var fl map[uint32][]string
			if e.flags != nil {
				fl = e.flags(chunk)
			}
			for i, uid := range chunk {
				ok[i] = hasFlags(fl[uid], v.withFlags, v.withoutFlags)
			}
		}
		ids := make([]int64, 0, len(chunk))
		for i, uid := range chunk {
			if ok[i] {
				ids = append(ids, int64(uid))
			}
		}
		pass := map[int64]bool{}
		// open holds, per post, whether a header key is still to be
		// read from the stored header.
		open := map[int64][]bool{}
		for _, id := range ids {
			pass[id] = true
			o := make([]bool, len(v.headers))
			for i, k := range v.headers {
				o[i] = k.how == byHeader || k.how == byAuthor
			}
			open[id] = o
		}
		if v.needRows && len(ids) > 0 {
			posts, err := e.s.st.ArchiveByIDs(e.ctx, ids)
			if err != nil {
				return nil, fmt.Errorf("imapview: search: %w", err)
			}
			found := map[int64]bool{}
			for _, p := range posts {
				found[p.ID] = true
				if pass[p.ID] {
					pass[p.ID] = rowPasses(v, p, open[p.ID])
				}
			}
			for _, id := range ids {
				pass[id] = pass[id] && found[id]
			}
		}
		var left []int64
		for _, id := range ids {
			if pass[id] && slices.Contains(open[id], true) {
				left = append(left, id)
			}
		}
		if len(left) > 0 {
			heads, err := e.heads(left)
			if err != nil {
				return nil, err
			}
			for _, id := range left {
				h, ok := heads[id]
				pass[id] = ok && headerPasses(v, h, open[id])
			}
		}
		for _, id := range ids {
			if pass[id] {
				out = append(out, uint32(id))
			}
		}
	}
	return out, nil
}

// rowPasses checks the keys a post's row decides: the subject and the
// sent date. A From key the author columns hold is decided here (open[i]
// made false); one they do not hold is left to the stored header.
func rowPasses(v *verifier, p *store.ArchivedPost, open []bool) bool {
	for i, h := range v.headers {
		switch h.how {
		case bySubject:
			if !containsFolded(p.Subject, h.value) {
				return false
			}
		case byAuthor:
			if containsFolded(p.FromName, h.value) || containsFolded(p.FromAddr, h.value) {
				open[i] = false
			}
		}
	}
	if !v.sentSince.IsZero() || !v.sentBefore.IsZero() {
		d := sentDay(p)
		if !v.sentSince.IsZero() && d.Before(day(v.sentSince)) {
			return false
		}
		if !v.sentBefore.IsZero() && !d.Before(day(v.sentBefore)) {
			return false
		}
	}
	return true
}

// sentDay is the day a post's Date field names, in the field's own zone
// (RFC 3501 §6.4.4 SENTBEFORE: "disregarding time and timezone"); the
// archive date's UTC day when the field does not parse.
func sentDay(p *store.ArchivedPost) time.Time {
	if p.OrigDate != "" {
		if t, err := mail.ParseDate(p.OrigDate); err == nil {
			y, m, d := t.Date()
			return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
		}
	}
	return day(p.Date.UTC())
}

// sentTime is the instant a post's Date field names, the archive date
// when it does not parse (RFC 5256 §2.2 DATE).
func sentTime(p *store.ArchivedPost) time.Time {
	if p.OrigDate != "" {
		if t, err := mail.ParseDate(p.OrigDate); err == nil {
			return t
		}
	}
	return p.Date
}

// crlfSizes returns posts' sizes with CRLF line endings (RFC822.SIZE)
// by id, as the store kept them when the posts were archived.
func (s *Searcher) crlfSizes(ctx context.Context, listID int64, ids []int64) (map[int64]int64, error) {
	posts, err := s.st.IMAPPosts(ctx, listID, ids)
	if err != nil {
		return nil, err
	}
	out := make(map[int64]int64, len(posts))
	for _, p := range posts {
		out[p.ID] = p.Size
	}
	return out, nil
}

// heads returns the header of each post by id, read from its first
// bytes, or whole when it is longer.
func (e *evaluation) heads(ids []int64) (map[int64]textproto.Header, error) {
	out := make(map[int64]textproto.Header, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	hs, err := e.s.st.IMAPHeads(e.ctx, ids, headPrefix)
	if err != nil {
		return nil, fmt.Errorf("imapview: search: %w", err)
	}
	var long []int64
	for _, h := range hs {
		if !h.Whole && !headerComplete(h.Bytes) {
			long = append(long, h.ID)
			continue
		}
		out[h.ID] = parseHead(h.Bytes)
	}
	// The headers longer than the prefix, whole, a page a query.
	for start := 0; start < len(long); start += longPage {
		whole, err := e.s.st.IMAPHeads(e.ctx, long[start:min(len(long), start+longPage)], 1<<31-1)
		if err != nil {
			return nil, fmt.Errorf("imapview: search: %w", err)
		}
		for _, h := range whole {
			out[h.ID] = parseHead(h.Bytes)
		}
	}
	return out, nil
}

// parseHead reads the header at the start of b as mailmsg.ReadHeader
// does, without its second parse for strictness, which SEARCH has no use
// for.
func parseHead(b []byte) textproto.Header {
	hdr, err := textproto.ReadHeader(bufio.NewReader(bytes.NewReader(mailmsg.Split(b).Header)))
	if err != nil {
		return textproto.Header{}
	}
	return hdr
}

// headerComplete tells whether b holds the blank line that ends a header.
func headerComplete(b []byte) bool {
	return bytes.Contains(b, []byte("\n\n")) || bytes.Contains(b, []byte("\n\r\n"))
}

func headerPasses(v *verifier, h textproto.Header, open []bool) bool {
	for i, k := range v.headers {
		if !open[i] {
			continue
		}
		if k.value == "" {
			if !h.Has(k.name) {
				return false
			}
			continue
		}
		if !h.Has(k.name) || !containsFolded(mailmsg.Text(h.Get(k.name)), k.value) {
			return false
		}
	}
	return true
}

// hasFlags tells whether a post with flags have has every flag of with
// and none of without (flags compare case-insensitively, RFC 3501 §2.3.2).
func hasFlags(have, with, without []string) bool {
	has := func(f string) bool {
		return slices.ContainsFunc(have, func(h string) bool { return strings.EqualFold(h, f) })
	}
	for _, f := range with {
		if !has(f) {
			return false
		}
	}
	for _, f := range without {
		if has(f) {
			return false
		}
	}
	return true
}

// needle is a search string in the form fields are compared in: each run
// of white space or control characters one space, as mailmsg.Text makes
// the field, the ends kept (a leading space asks for a word start).
func needle(s string) string {
	if !utf8.ValidString(s) {
		s = mailmsg.Windows1252(s)
	}
	var b strings.Builder
	space := false
	for _, r := range s {
		if unicode.IsSpace(r) || unicode.IsControl(r) {
			space = true
			continue
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		b.WriteRune(r)
	}
	if space {
		b.WriteByte(' ')
	}
	return b.String()
}

// foldRune maps r to the smallest rune of its simple case-folding orbit
// (Unicode's case-insensitive equivalence, one rune for one), leaving
// ASCII out of the orbits of other runes: ASCII letters fold as ASCII
// (i;ascii-casemap), "Ü" and "ü" alike, but the Kelvin sign and the long
// s stay apart from k and s. So a string of ASCII is answered by the
// database's ASCII folding exactly, and no one misses the two.
func foldRune(r rune) rune {
	if r < utf8.RuneSelf {
		if 'a' <= r && r <= 'z' {
			return r - 'a' + 'A'
		}
		return r
	}
	m := r
	for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
		if f >= utf8.RuneSelf {
			m = min(m, f)
		}
	}
	return m
}

// fold folds every rune of s (see foldRune).
func fold(s string) string {
	return strings.Map(foldRune, s)
}

// containsFolded tells whether s holds the folded needle n,
// case-insensitively.
func containsFolded(s, n string) bool {
	if n == "" {
		return true
	}
	return strings.Contains(fold(s), n)
}

// likePattern is a LIKE pattern (escape \) that every string containing
// n case-insensitively (foldRune) matches: SQLite's LIKE folds ASCII
// letters only, so a non-ASCII rune becomes _, which matches any one
// character. ok is false when the
// pattern would narrow nothing or be too long for SQLite; exact tells
// that no rune became _, so that what matches is what holds n.
func likePattern(n string) (pattern string, ok, exact bool) {
	if n == "" || len(n) > 1000 {
		return "", false, false
	}
	exact = true
	var b strings.Builder
	b.WriteByte('%')
	literal := false
	for _, r := range n {
		switch {
		case r >= utf8.RuneSelf:
			b.WriteByte('_')
			exact = false
		case r == '%' || r == '_' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
			literal = true
		default:
			b.WriteRune(r)
			literal = true
		}
	}
	b.WriteByte('%')
	return b.String(), literal, exact
}

// headPattern is a LIKE pattern for the stored bytes of a post whose
// field key holds n (or, for an empty n, that has the field), for
// IMAPFilter.HeadLike; ok is false when the bytes cannot narrow (or the
// columns do better: SUBJECT and FROM). Decoding changes encoded words,
// 8-bit text and white space only, so the longest run of n of printable
// ASCII is in the bytes as written, ASCII case aside, unless an encoded
// word or a NUL hides it, which HeadLike lets through.
func headPattern(key, n string) (string, bool) {
	switch strings.ToLower(key) {
	case "subject", "from":
		if n != "" {
			return "", false
		}
	}
	piece := key
	if n != "" {
		piece = ""
		for _, p := range strings.FieldsFunc(n, func(r rune) bool { return r <= ' ' || r >= 0x7f }) {
			if len(p) > len(piece) {
				piece = p
			}
		}
	}
	if len(piece) < 2 || len(piece) > 1000 {
		return "", false
	}
	for _, r := range piece {
		if r <= ' ' || r >= 0x7f {
			return "", false // a field name nothing can match: verify decides
		}
	}
	var b strings.Builder
	b.WriteByte('%')
	for _, r := range piece {
		if r == '%' || r == '_' || r == '\\' {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	b.WriteByte('%')
	return b.String(), true
}

// authorSeparators are the characters of a From field that neither the
// author's name nor address column need hold: quotes, brackets, the
// comma between addresses, white space.
const authorSeparators = " \t\"'<>(),;:\\[]"

// authorPiece is the longest run of n without separators, which a From
// field holding n holds within its name or its address.
func authorPiece(n string) string {
	best := ""
	for _, p := range strings.FieldsFunc(n, func(r rune) bool { return strings.ContainsRune(authorSeparators, r) }) {
		if len(p) > len(best) {
			best = p
		}
	}
	return best
}

// Sets of UIDs are sorted, duplicate-free slices.

func intersect(a, b []uint32) []uint32 {
	var out []uint32
	for i, j := 0, 0; i < len(a) && j < len(b); {
		switch {
		case a[i] < b[j]:
			i++
		case a[i] > b[j]:
			j++
		default:
			out = append(out, a[i])
			i, j = i+1, j+1
		}
	}
	return out
}

func union(a, b []uint32) []uint32 {
	out := make([]uint32, 0, len(a)+len(b))
	i, j := 0, 0
	for i < len(a) && j < len(b) {
		switch {
		case a[i] < b[j]:
			out = append(out, a[i])
			i++
		case a[i] > b[j]:
			out = append(out, b[j])
			j++
		default:
			out = append(out, a[i])
			i, j = i+1, j+1
		}
	}
	out = append(out, a[i:]...)
	return append(out, b[j:]...)
}

func minus(a, b []uint32) []uint32 {
	var out []uint32
	j := 0
	for _, x := range a {
		for j < len(b) && b[j] < x {
			j++
		}
		if j < len(b) && b[j] == x {
			continue
		}
		out = append(out, x)
	}
	return out
}

// mergeRanges sorts ranges and joins those that overlap or touch.
func mergeRanges(rs []uidRange) []uidRange {
	slices.SortFunc(rs, func(a, b uidRange) int {
		switch {
		case a.lo < b.lo:
			return -1
		case a.lo > b.lo:
			return 1
		}
		return 0
	})
	var out []uidRange
	for _, r := range rs {
		if n := len(out); n > 0 && uint64(r.lo) <= uint64(out[n-1].hi)+1 {
			out[n-1].hi = max(out[n-1].hi, r.hi)
			continue
		}
		out = append(out, r)
	}
	return out
}

func intersectRanges(a, b []uidRange) []uidRange {
	var out []uidRange
	for i, j := 0, 0; i < len(a) && j < len(b); {
		lo, hi := max(a[i].lo, b[j].lo), min(a[i].hi, b[j].hi)
		if lo <= hi {
			out = append(out, uidRange{lo, hi})
		}
		if a[i].hi < b[j].hi {
			i++
		} else {
			j++
		}
	}
	return out
}

func inRanges(rs []uidRange, id uint32) bool {
	i, _ := slices.BinarySearchFunc(rs, id, func(r uidRange, id uint32) int {
		switch {
		case r.hi < id:
			return -1
		case r.lo > id:
			return 1
		}
		return 0
	})
	return i < len(rs) && rs[i].lo <= id && id <= rs[i].hi
}
