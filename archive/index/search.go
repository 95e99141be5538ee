package index

import (
	"cmp"
	"fmt"
	"html"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/search"
	bhtml "github.com/blevesearch/bleve/v2/search/highlight/highlighter/html"
	bquery "github.com/blevesearch/bleve/v2/search/query"

	"praxis/archive/query"
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
	// Total counts all matching posts, not just this page.
	Total   uint64
	Hits    []Hit
	Authors []Facet // by From address, most posts first
	Months  []Facet // "2021-03", oldest first
	Took    time.Duration
}

// Facet is one value of a facet and how many matching posts have it.
type Facet struct {
	Term  string
	Count int
}

// Search runs q and returns one page of hits.
//
// Paging is by search_after rather than from/size: a deep "from" makes
// Bleve collect and throw away every earlier hit, while search_after costs
// the same on every page. Both orders end with the doc ID so that the sort
// key is unique and pages neither repeat nor skip ties.
func (x *Index) Search(q bquery.Query, o SearchOptions) (*Result, error) {
	size := o.Size
	if size <= 0 {
		size = defaultSize
	}
	size = min(size, maxSize)

	req := bleve.NewSearchRequestOptions(q, size, 0, false)
	req.Fields = storedFields
	if o.Newest {
		req.SortByCustom(search.SortOrder{
			// Typed as a date so that search_after's RFC 3339 text is
			// encoded the way the index keeps dates.
			&search.SortField{Field: query.FieldDate, Desc: true, Type: search.SortFieldAsDate},
			&search.SortDocID{},
		})
	} else {
		req.SortByCustom(search.SortOrder{&search.SortScore{Desc: true}, &search.SortDocID{}})
	}
	if len(o.After) > 0 {
		if len(o.After) != len(req.Sort) {
			return nil, fmt.Errorf("index: search: After has %d values, want %d (from a page with the same order)", len(o.After), len(req.Sort))
		}
		req.SetSearchAfter(o.After)
	}
	if o.Highlight {
		req.Highlight = bleve.NewHighlightWithStyle(bhtml.Name)
		req.Highlight.AddField(query.FieldBody)
		req.Highlight.AddField(query.FieldSubject)
	}
	if o.Facets {
		req.AddFacet(query.FieldFromAddr, bleve.NewFacetRequest(query.FieldFromAddr, authorFacetSize))
		req.AddFacet(fieldMonth, bleve.NewFacetRequest(fieldMonth, monthFacetSize))
	}

	res, err := x.b.Search(req)
	if err != nil {
		return nil, fmt.Errorf("index: search: %w", err)
	}

	out := &Result{Total: res.Total, Took: res.Took, Hits: make([]Hit, 0, len(res.Hits))}
	for _, h := range res.Hits {
		out.Hits = append(out.Hits, hit(h, o))
	}
	if o.Facets {
		out.Authors = facet(res.Facets[query.FieldFromAddr])
		out.Months = facet(res.Facets[fieldMonth])
		slices.SortFunc(out.Months, func(a, b Facet) int { return cmp.Compare(a.Term, b.Term) })
	}
	return out, nil
}

func hit(h *search.DocumentMatch, o SearchOptions) Hit {
	str := func(name string) string {
		s, _ := h.Fields[name].(string)
		return s
	}
	out := Hit{
		ID:        h.ID,
		List:      str(query.FieldList),
		MessageID: str(query.FieldMessageID),
		Thread:    str(query.FieldThread),
		Subject:   str(query.FieldSubject),
		From:      str(query.FieldFrom),
		Score:     h.Score,
		Sort:      slices.Clone(h.DecodedSort),
	}
	if o.Highlight {
		out.Snippet = snippet(h)
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

// snippet picks the body's best fragment, else the subject's. A match only
// in quoted text or a name has no fragment; the subject, escaped, stands in
// so that every hit has something to show.
func snippet(h *search.DocumentMatch) string {
	for _, f := range []string{query.FieldBody, query.FieldSubject} {
		// Bleve returns the start of a stored field even where nothing
		// matched in it; only a fragment with a mark says why it is a hit.
		// The text around the marks is escaped, so a "<mark>" is ours.
		for _, frag := range h.Fragments[f] {
			if strings.Contains(frag, "<mark>") {
				return frag
			}
		}
	}
	s, _ := h.Fields[query.FieldSubject].(string)
	return html.EscapeString(s)
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
