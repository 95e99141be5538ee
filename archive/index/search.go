package index

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"html"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis/lang/en"
	"github.com/blevesearch/bleve/v2/search"
	bquery "github.com/blevesearch/bleve/v2/search/query"
	index "github.com/blevesearch/bleve_index_api"

	"praxis/archive/query"
	"praxis/listserv/mailmsg"
)

// Facet sizes: a sidebar shows the busiest authors, and a month list long
// enough for a decade of a busy list.
const (
	authorFacetSize = 10
	monthFacetSize  = 120
	defaultSize     = 20
	maxSize         = 1000
)

// SearchOptions tune one Search.
type SearchOptions struct {
	// Size is the page size; zero means 20, and it is capped at 1000.
	Size int
	// Newest sorts by date, newest first; otherwise by relevance.
	Newest bool
	// After is the previous page's last Hit.Sort; nil for the first page.
	After []string
	// Highlight fills Hit.Snippet.
	Highlight bool
	// Facets fills Result.Authors and Result.Months.
	Facets bool
	// Estimate lets a newest-first search of more than EstimateAbove()
	// hits estimate its total (Result.Estimated) and count its facets
	// among its newest hits (Result.FacetSample) instead of visiting
	// every hit: the web's pages. The page of hits is exact either way.
	// The command line and IMAP leave it off: their counts are exact.
	Estimate bool
	// HideAddresses shows hits and facets to a reader who may not see
	// addresses: authors by name, and the addresses in subjects and
	// snippets cut (mailmsg.HideAddresses) before any word is marked.
	HideAddresses bool
}

// Hit is one post in a result page: what a hit list shows.
type Hit struct {
	ID, List, MessageID, Thread, Subject, From string
	Date                                       time.Time
	Score                                      float64
	// Snippet is a fragment of the body, or else the subject, as HTML: the
	// text is escaped and the matched words are wrapped in <mark>.
	Snippet string
	// Sort is the hit's sort key; pass the last hit's as After to get the
	// next page.
	Sort []string
}

// Result is one page of a search.
type Result struct {
	// Total counts all matching posts, not just this page; an estimate
	// when Estimated.
	Total     uint64
	Estimated bool
	// FacetSample, when not 0, is how many of the newest hits the facets
	// counted (an estimated search's), rather than all.
	FacetSample int
	Hits        []Hit
	Authors     []Facet // by From address, most posts first
	Months      []Facet // "2021-03", oldest first
	Took        time.Duration
}

// Facet is one value of a facet and how many matching posts have it.
type Facet struct {
	Term  string
	Count int
	// Name is, for an author, their display name (the latest post's), or
	// the address hidden when they have none.
	Name string
}

// ErrBadCursor means SearchOptions.After is not a Hit.Sort this index
// made for the same order: a reader edited a page's after= by hand. It is
// the reader's mistake, not the server's.
var ErrBadCursor = errors.New("index: search: the page cursor (after) is not one this search made")

// Search runs q with no deadline; SearchContext is the same with one.
func (x *Index) Search(q bquery.Query, o SearchOptions) (*Result, error) {
	return x.SearchContext(context.Background(), q, o)
}

// SearchContext runs q and returns one page of hits. When ctx ends, Bleve
// stops collecting (it looks every 1,024 documents) and the search returns
// ctx's error: a query that costs more than its deadline is cut, not run
// to the end while others wait for the core.
//
// Paging is by search_after rather than from/size: a deep "from" makes
// Bleve collect and throw away every earlier hit, while search_after costs
// the same on every page. Both orders end with fieldOrder, which is unique,
// so pages neither repeat nor skip ties.
func (x *Index) SearchContext(ctx context.Context, q bquery.Query, o SearchOptions) (*Result, error) {
	size := o.Size
	if size <= 0 {
		size = defaultSize
	}
	size = min(size, maxSize)
	if err := checkCursor(o); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("index: search: %w", err)
	}
	var marks []string
	if o.Highlight {
		if an := x.b.Mapping().AnalyzerNamed(en.AnalyzerName); an != nil {
			marks = stems(q, an)
		}
	}
	var (
		res       *bleve.SearchResult
		total     uint64
		estimated bool
		sampled   int
	)
	if o.Newest {
		np, err := x.newest(ctx, q, o, size)
		if err != nil {
			return nil, fmt.Errorf("index: search: %w", err)
		}
		res, total, estimated, sampled = np.res, np.total, np.estimated, np.sampled
		res.Facets = np.facets
	} else {
		var err error
		if res, err = x.b.SearchInContext(ctx, x.request(q, o, size)); err != nil {
			return nil, fmt.Errorf("index: search: %w", err)
		}
		total = res.Total
	}
	out := &Result{Total: total, Estimated: estimated, FacetSample: sampled, Took: res.Took, Hits: make([]Hit, 0, len(res.Hits))}
	for _, h := range res.Hits {
		out.Hits = append(out.Hits, hit(h, o, marks))
	}
	if o.Facets {
		out.Authors = facet(res.Facets[query.FieldFromAddr])
		for i := range out.Authors {
			out.Authors[i].Name = x.authorName(ctx, out.Authors[i].Term)
		}
		out.Months = facet(res.Facets[fieldMonth])
		slices.SortFunc(out.Months, func(a, b Facet) int { return cmp.Compare(a.Term, b.Term) })
	}
	return out, nil
}

func sortKeys(newest bool) int {
	if newest {
		return 1
	}
	return 2
}

// checkCursor tells whether o.After has the shape of a Hit.Sort of o's
// order: a document key for newest first, a score and a document key by
// relevance. Bleve takes anything, and fails or misbehaves later.
func checkCursor(o SearchOptions) error {
	if len(o.After) == 0 {
		return nil
	}
	if len(o.After) != sortKeys(o.Newest) {
		return fmt.Errorf("%w: %d values, want %d", ErrBadCursor, len(o.After), sortKeys(o.Newest))
	}
	if !o.Newest {
		f, err := strconv.ParseFloat(o.After[0], 64)
		if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
			return fmt.Errorf("%w: %q is not a score", ErrBadCursor, o.After[0])
		}
	}
	if _, ok := keyNanos(o.After[len(o.After)-1]); !ok {
		return fmt.Errorf("%w: %q is not a document key", ErrBadCursor, o.After[len(o.After)-1])
	}
	return nil
}

// request builds the search request for one page of q.
func (x *Index) request(q bquery.Query, o SearchOptions, size int) *bleve.SearchRequest {
	req := bleve.NewSearchRequestOptions(q, size, 0, false)
	req.Fields = storedFields
	if o.Highlight {
		req.Fields = append(slices.Clip(storedFields), fieldPreview)
	}
	// The document ID leads with the order key (docKey). (Sorted on
	// fieldKey's doc values instead, a search at 100x decoded a chunk of
	// them in every segment: 5 ms more.)
	byOrder := &search.SortDocID{Desc: true}
	if o.Newest {
		// Dates order the hits, so scoring them is wasted work.
		req.Score = bleve.ScoreNone
		req.SortByCustom(search.SortOrder{byOrder})
	} else {
		req.SortByCustom(search.SortOrder{&search.SortScore{Desc: true}, byOrder})
	}
	if len(o.After) > 0 {
		req.SetSearchAfter(o.After)
	}
	if o.Facets {
		req.AddFacet(query.FieldFromAddr, bleve.NewFacetRequest(query.FieldFromAddr, authorFacetSize))
		req.AddFacet(fieldMonth, bleve.NewFacetRequest(fieldMonth, monthFacetSize))
	}
	return req
}

// newest finds one page of q's hits, newest first, and how many hits
// there are in all.
//
// Sorting by date makes Bleve visit every hit, and a query is evaluated
// again for every request. So the page is looked for among the latest
// posts only: a window back from the newest post (or from the previous
// page's last hit, or from the end of the dates the query names), as
// wide as four pages of posts would be if every post matched, widened by
// what the hits' density in it says until it holds a page or covers
// everything. Every hit outside a window is older than every hit inside
// it, so the page is the one a sort of all the hits would give; and a
// window holds a few pages of hits, not the thousands a sort of every
// hit of a common word had to look up.
//
// The total is the last window's count when it covered everything, and
// otherwise counted (no sort, no scores: cheap) unless o.Estimate, when
// estimateTotal may estimate it instead, and facets then count the
// newest facetSample hits or more: then nothing costs in proportion to
// every hit. Without o.Estimate, facets need every hit, so with them a
// first pass counts everything, and sorts a query of few hits by id.
func (x *Index) newest(ctx context.Context, q bquery.Query, o SearchOptions, size int) (*newestPage, error) {
	// Nothing here is scored: the matches can be plain terms (lean). The
	// query as it came says which dates and list it is of (dateBounds,
	// scopeOf).
	orig := q
	q = lean(q, x.b.Mapping(), x.latest.Load())
	page := o
	page.Facets = false
	out := &newestPage{}
	countAll := o.Facets && !o.Estimate
	// A list of a few thousand posts: the facets of every hit, in a
	// search without a sort, cost little more than those of a sample.
	allFacets := false
	if o.Facets && o.Estimate {
		if n, err := x.termCount(ctx, scopeOf(q)); err == nil && n <= 4*x.estimateAbove {
			allFacets = true
		}
	}
	if countAll {
		first := bleve.NewSearchRequestOptions(q, int(windowMinHits)+1, 0, false)
		first.Score = bleve.ScoreNone
		first.AddFacet(query.FieldFromAddr, bleve.NewFacetRequest(query.FieldFromAddr, authorFacetSize))
		first.AddFacet(fieldMonth, bleve.NewFacetRequest(fieldMonth, monthFacetSize))
		gathered, err := x.b.SearchInContext(ctx, first)
		if err != nil {
			return nil, err
		}
		out.total, out.facets = gathered.Total, gathered.Facets
		if uint64(len(gathered.Hits)) <= windowMinHits {
			if out.res, err = x.byIDs(ctx, gathered, page, size); err != nil {
				return nil, err
			}
			return out, nil
		}
	}
	// Facets of a sample: of a window of facetSample hits or more, in a
	// search of its own (facetWindow).
	sampleFacets := o.Facets && o.Estimate
	// From the newest day of the query's list, not the index's newest
	// post, which may be another list's, years later (scopetop.go).
	last := x.scopeTop(ctx, scopeOf(q))
	top := last
	if len(o.After) > 0 {
		if n, ok := keyNanos(o.After[0]); ok {
			top = n
		}
	}
	// A query that names its dates has no hit after them.
	if _, hi := dateBounds(orig); hi < top {
		top = hi
	}
	need := size
	// The hits are counted first, which costs little (no sort, no ids),
	// up to the estimate's threshold when an estimate will do: a query
	// with no hit is then answered at once, and the hits' own density
	// sizes the windows, so a query of a few hundred hits in ten years is
	// not looked for in windows grown from a day. More hits than the
	// threshold lie densely enough for the list's own density to do.
	counted := false
	var span time.Duration
	// A query of words: its hits from the words' bitmaps, which count
	// them and size its window (bitwindow.go).
	maxCands := uint64(0)
	if o.Estimate {
		maxCands = estimateCandidates
	}
	hb, bits, err := x.hitBitsOf(ctx, q, maxCands)
	if err != nil {
		return nil, err
	}
	if bits {
		defer hb.Close()
	}
	// Its page from the bitmaps too, and its total exact (bitpage.go).
	var fromBits *bleve.SearchResult
	if bits && !countAll {
		var ok bool
		if fromBits, ok, err = x.bitPage(ctx, hb, o, size); err != nil {
			return nil, err
		} else if ok {
			out.total, counted = hb.n, true
		}
	}
	if !countAll && fromBits == nil {
		limit := uint64(0)
		if o.Estimate {
			limit = x.estimateAbove
		}
		var n uint64
		var all bool
		if bits {
			n, all = hb.n, true
			if limit > 0 && n > limit {
				n, all = limit+1, false
			}
		} else if n, all, err = x.countUpTo(ctx, q, limit); err != nil {
			return nil, err
		}
		counted = all
		if all {
			if out.total = n; n == 0 {
				out.res = &bleve.SearchResult{Status: &bleve.SearchStatus{}, Hits: search.DocumentMatchCollection{}}
				return out, nil
			}
			span = x.spanFor(orig, last, need, n)
		}
	}
	if !counted && !bits {
		span = x.firstSpan(ctx, orig, last, need)
	}
	if bits && fromBits == nil {
		s, everything, err := hb.span(ctx, top, x.earliest.Load(), need)
		if err != nil {
			return nil, err
		}
		if span = s; everything {
			span = time.Duration(math.MaxInt64)
		}
	}
	// The page, unless the bitmaps gave it: whole days, up to the newest
	// post's, widened until they hold a page or cover everything; the
	// window is the words of fieldSpan that cover them (a range of the
	// numeric order key is some hundreds of terms, looked up in every
	// segment).
	res := fromBits
	var from time.Time
	covers := false
	for res == nil {
		var wq bquery.Query
		from, covers, wq = x.window(q, top, span)
		r, err := x.b.SearchInContext(ctx, x.request(wq, page, size))
		if err != nil {
			return nil, err
		}
		if len(r.Hits) < size && !covers {
			span = grow(span, r.Total, need)
			continue
		}
		res = r
	}
	out.res = res
	if sampleFacets && bits {
		// The newest facetSample hits' days, or all the hits, counted
		// from the bitmaps (facets.go).
		var since time.Time
		if !allFacets && !(counted && out.total <= 2*facetSample) {
			fspan, everything, err := hb.span(ctx, top, x.earliest.Load(), facetSample)
			if err != nil {
				return nil, err
			}
			if !everything {
				since = time.Unix(0, top).Add(-fspan)
			}
		}
		fr, sampled, ok, err := x.bitFacets(ctx, hb, since)
		if err != nil {
			return nil, err
		}
		if ok {
			if out.facets, out.sampled = fr, sampled; since.IsZero() {
				out.sampled = 0
			}
			sampleFacets = false
		}
	}
	if sampleFacets {
		// From the hits' density where it is known, else the page
		// window's.
		fspan, fhits := span, res.Total
		if counted {
			fspan, fhits = x.spanFor(orig, last, facetSample*3/4, out.total), facetSample
			if out.total <= 2*facetSample {
				fspan = time.Duration(math.MaxInt64)
			}
		}
		if allFacets {
			fspan = time.Duration(math.MaxInt64)
		}
		if out.facets, out.sampled, err = x.facetWindow(ctx, q, top, fspan, fhits); err != nil {
			return nil, err
		}
	}
	switch {
	case countAll, counted:
	case covers:
		// The window was the whole archive (its hits on both sides of
		// any cursor): counted after all.
		out.total = res.Total
	default:
		if out.total, out.estimated, err = x.estimateTotal(ctx, orig, from.UnixNano(), res.Total); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// window is q within the days from span before top to the newest post's
// (whole days; from is the first's start), or q itself when that covers
// the archive.
func (x *Index) window(q bquery.Query, top int64, span time.Duration) (from time.Time, covers bool, wq bquery.Query) {
	from = dayStart(time.Unix(0, top).Add(-span))
	if !from.After(time.Unix(0, x.earliest.Load())) {
		return from, true, q
	}
	return from, false, bquery.NewConjunctionQuery([]bquery.Query{q, spanQuery(from, time.Unix(0, x.latest.Load()))})
}

// facetWindow counts the facets of q's hits in the newest window back
// from top that holds facetSample of them or more (sampled: how many),
// or of all its hits (sampled 0) when no window short of the whole
// archive does. It starts from the page's window, of span, which held
// hits of them (on both sides of any cursor). The page's own search
// does not count them: it sorts every hit of its window by key, and a
// window of a page's hits is far smaller than one of facetSample.
func (x *Index) facetWindow(ctx context.Context, q bquery.Query, top int64, span time.Duration, hits uint64) (search.FacetResults, int, error) {
	if hits < facetSample {
		span = grow(span, hits, facetSample)
	}
	for {
		_, covers, wq := x.window(q, top, span)
		req := bleve.NewSearchRequestOptions(wq, 0, 0, false)
		req.Score = bleve.ScoreNone
		req.AddFacet(query.FieldFromAddr, bleve.NewFacetRequest(query.FieldFromAddr, authorFacetSize))
		req.AddFacet(fieldMonth, bleve.NewFacetRequest(fieldMonth, monthFacetSize))
		res, err := x.b.SearchInContext(ctx, req)
		if err != nil {
			return nil, 0, err
		}
		switch {
		case covers:
			return res.Facets, 0, nil
		case res.Total >= facetSample:
			return res.Facets, int(res.Total), nil
		}
		span = grow(span, res.Total, facetSample)
	}
}

// countUpTo counts q's hits as count does, but stops past limit (0: no
// limit): all tells whether n is every hit.
func (x *Index) countUpTo(ctx context.Context, q bquery.Query, limit uint64) (n uint64, all bool, err error) {
	if limit == 0 {
		n, err = x.count(ctx, q)
		return n, err == nil, err
	}
	r, err := x.reader()
	if err != nil {
		return 0, false, err
	}
	defer r.Close()
	return x.countIn(ctx, r, q, limit)
}

// countIn counts q's hits in reader r, up to limit (0: all).
func (x *Index) countIn(ctx context.Context, r index.IndexReader, q bquery.Query, limit uint64) (n uint64, all bool, err error) {
	lq := lean(q, x.b.Mapping(), x.latest.Load())
	if n, ok, err := bitCount(ctx, r, lq); err != nil || ok {
		if limit > 0 && n > limit {
			return limit + 1, false, err
		}
		return n, err == nil, err
	}
	s, err := lq.Searcher(ctx, r, x.b.Mapping(), search.SearcherOptions{Score: bleve.ScoreNone})
	if err != nil {
		return 0, false, err
	}
	defer s.Close()
	sctx := &search.SearchContext{DocumentMatchPool: search.NewDocumentMatchPool(s.DocumentMatchPoolSize(), 0)}
	for ; limit == 0 || n <= limit; n++ {
		if n%1024 == 0 && ctx.Err() != nil {
			return 0, false, ctx.Err()
		}
		m, err := s.Next(sctx)
		if err != nil {
			return 0, false, err
		}
		if m == nil {
			return n, true, nil
		}
		sctx.DocumentMatchPool.Put(m)
	}
	return n, false, nil
}

// count counts q's hits: no sort, no scores; from the words' bitmaps
// when q is made of words (bitCount).
func (x *Index) count(ctx context.Context, q bquery.Query) (uint64, error) {
	lq := lean(q, x.b.Mapping(), x.latest.Load())
	if bitsReadable(lq) {
		r, err := x.reader()
		if err != nil {
			return 0, err
		}
		n, ok, err := bitCount(ctx, r, lq)
		r.Close()
		if err != nil || ok {
			return n, err
		}
	}
	req := bleve.NewSearchRequestOptions(lq, 0, 0, false)
	req.Score = bleve.ScoreNone
	res, err := x.b.SearchInContext(ctx, req)
	if err != nil {
		return 0, err
	}
	return res.Total, nil
}

// newestPage is what newest found: the page, the total (estimated or
// counted), and the facets (of sampled hits, when not 0: the newest).
type newestPage struct {
	res       *bleve.SearchResult
	total     uint64
	estimated bool
	facets    search.FacetResults
	sampled   int
}

// facetSample is how many of a big result's newest hits its facets count
// when the total is estimated.
const facetSample = 200

// byIDs makes the page of a query whose every hit the first pass of
// newest gathered: their ids sorted newest first (they lead with the
// order key), those after o.After, then the page's documents fetched by
// id.
func (x *Index) byIDs(ctx context.Context, gathered *bleve.SearchResult, o SearchOptions, size int) (*bleve.SearchResult, error) {
	ids := make([]string, 0, len(gathered.Hits))
	for _, h := range gathered.Hits {
		if len(o.After) == 0 || h.ID < o.After[0] {
			ids = append(ids, h.ID)
		}
	}
	slices.SortFunc(ids, func(a, b string) int { return strings.Compare(b, a) })
	ids = ids[:min(len(ids), size)]
	if len(ids) == 0 {
		return &bleve.SearchResult{Took: gathered.Took}, nil
	}
	req := x.request(bquery.NewDocIDQuery(ids), SearchOptions{Newest: true, Highlight: o.Highlight}, len(ids))
	return x.b.SearchInContext(ctx, req)
}

// windowMinHits is the hit count from which newest looks in windows;
// windowStart is the first window's span. Variables for the tests.
var (
	windowMinHits uint64 = 500
	windowStart          = 30 * 24 * time.Hour
)

func ptr(b bool) *bool { return &b }

func hit(h *search.DocumentMatch, o SearchOptions, marks []string) Hit {
	str := func(name string) string {
		s, _ := h.Fields[name].(string)
		return s
	}
	out := Hit{
		ID:        keyID(h.ID),
		List:      str(query.FieldList),
		MessageID: str(query.FieldMessageID),
		Thread:    str(query.FieldThread),
		Subject:   str(query.FieldSubject),
		From:      str(query.FieldFrom),
		Score:     h.Score,
		Sort:      slices.Clone(h.DecodedSort),
	}
	if o.HideAddresses {
		out.Subject = mailmsg.HideAddresses(out.Subject)
		out.From = fromName(out.From)
	} else if i := strings.LastIndexByte(out.From, ' '); i > 0 && strings.Contains(out.From[i+1:], "@") {
		// A From a list munged holds the list's address: the name alone
		// says who wrote it.
		if name := mailmsg.Demunged(out.From[:i]); name != out.From[:i] {
			out.From = name
		}
	}
	if o.Highlight {
		out.Snippet = hitSnippet(h, marks, o.HideAddresses)
	}
	if d, err := time.Parse(time.RFC3339Nano, str(query.FieldDate)); err == nil {
		out.Date = d
	}
	// SortScore's key is the placeholder "_score"; search_after wants the
	// number, which it parses back with ParseFloat.
	if !o.Newest && len(out.Sort) > 0 {
		out.Sort[0] = strconv.FormatFloat(h.Score, 'g', -1, 64)
	}
	return out
}

// hitSnippet picks a window of the body's preview around a word the query
// asked for. A match only in the subject, in quoted text, a name or deep
// in a long body has no window: the body's start stands in, never the
// subject, which the hit shows already above its snippet.
func hitSnippet(h *search.DocumentMatch, marks []string, hide bool) string {
	s, _ := h.Fields[fieldPreview].(string)
	if hide {
		s = mailmsg.HideAddresses(s)
	}
	if frag := snippet(s, marks); frag != "" {
		return frag
	}
	return html.EscapeString(bodyStart(s))
}

// snippetStart is how much of a body's start stands in for a snippet.
const snippetStart = 200

// bodyStart is the start of a body's preview, its white space collapsed,
// cut at a word boundary.
func bodyStart(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) <= snippetStart {
		return s
	}
	cut := snippetStart
	for cut > 0 && s[cut] != ' ' {
		cut--
	}
	if cut == 0 {
		cut = snippetStart
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
	}
	return s[:cut] + " …"
}

// fromName is a hit's author for a reader who may not see addresses: the
// stored "Name address" without its address, or the address hidden when
// there is no name.
func fromName(from string) string {
	if i := strings.LastIndexByte(from, ' '); i > 0 && strings.Contains(from[i+1:], "@") {
		from = from[:i]
	}
	return mailmsg.HideAddresses(mailmsg.Demunged(from))
}

func facet(r *search.FacetResult) []Facet {
	if r == nil || r.Terms == nil {
		return nil
	}
	terms := r.Terms.Terms()
	out := make([]Facet, 0, len(terms))
	for _, t := range terms {
		out = append(out, Facet{Term: t.Term, Count: t.Count})
	}
	return out
}
