package web

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"praxis/listserv/store"
	"strconv"
	"strings"
	"time"

	"praxis/archive/index"
	"praxis/archive/query"
)

func itoa(n int) string     { return strconv.Itoa(n) }
func itoa64(n int64) string { return strconv.FormatInt(n, 10) }
func parseInt(s string) (int64, error) {
	return strconv.ParseInt(s, 10, 64)
}

// searchRequest is a search as the page and the API take it.
type searchRequest struct {
	Q      string
	Newest bool
	After  []string
}

func readSearch(r *http.Request) searchRequest {
	q := r.URL.Query()
	sr := searchRequest{Q: strings.TrimSpace(q.Get("q")), Newest: q.Get("sort") != "relevance"}
	if a := q.Get("after"); a != "" {
		sr.After = strings.Split(a, ",")
	}
	return sr
}

// defaultSearchTimeout bounds one search: a search of a big archive
// takes tens of milliseconds, so one that runs for seconds is a query
// built to be slow, and it gives its core back.
const defaultSearchTimeout = 5 * time.Second

// search runs a search on one list, within the search deadline. A query
// in error comes back as a *query.Error, which the page shows as it is.
func (s *Server) search(r *http.Request, l *store.List, sr searchRequest, size int, facets bool) (*index.Result, error) {
	return s.searchList(r.Context(), l, sr.Q, index.SearchOptions{
		Size: size, Newest: sr.Newest, After: sr.After, Highlight: true, Facets: facets, Estimate: true,
		HideAddresses: !s.who(r).seesAddresses(l)})
}

// searchList runs the query q over l's posts with the options o, within
// the search deadline.
func (s *Server) searchList(ctx context.Context, l *store.List, q string, o index.SearchOptions) (*index.Result, error) {
	if s.cfg.Index == nil {
		return nil, errNoIndex
	}
	parsed, err := query.Parse(q, query.Options{})
	if err != nil {
		return nil, err
	}
	timeout := s.cfg.SearchTimeout
	if timeout <= 0 {
		timeout = defaultSearchTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	return s.cfg.Index.SearchContext(ctx, query.Scoped(parsed, l.Address), o)
}

// searchFailure is the status and message a failed search answers with:
// the reader's mistakes (a query refused, a page cursor edited by hand)
// are a 400 that says what is wrong, a search cut by its deadline a 503
// that says how to ask for less, anything else a 500 that is logged.
func (s *Server) searchFailure(r *http.Request, err error) (int, string) {
	var qerr *query.Error
	switch {
	case errors.As(err, &qerr):
		return http.StatusBadRequest, err.Error()
	case errors.Is(err, index.ErrBadCursor):
		return http.StatusBadRequest, "this page of results is not one the search gave (its after= was changed); start the search again"
	case errors.Is(err, errNoIndex):
		return http.StatusServiceUnavailable, err.Error()
	case errors.Is(err, context.DeadlineExceeded):
		s.log.Warn("search cut by its deadline", "path", r.URL.Path, "remote", s.client(r))
		return http.StatusServiceUnavailable, "the search took too long and was stopped; add words, a field (s:, f:) or a date range (d:) to ask for less"
	}
	s.log.Error("search", "path", r.URL.Path, "remote", s.client(r), "err", err)
	return http.StatusInternalServerError, "something went wrong on our side; please try again in a minute"
}

type searchError string

func (e searchError) Error() string { return string(e) }

const errNoIndex = searchError("search is not available on this server right now")

type hitView struct {
	index.Hit
	Path       string
	ThreadPath string
}

type facetLink struct {
	Label string
	Count int
	URL   string
	On    bool
}

// totalLabel says how many posts a search found: the count, or "about"
// an estimate rounded to two figures ("about 12,000"), since its last
// digits would claim a precision it does not have.
func totalLabel(n uint64, estimated bool) string {
	if !estimated {
		return strconv.FormatUint(n, 10)
	}
	// Rounded once, at the second figure: rounding figure by figure
	// would carry (1,049,999 to 1,100,000).
	r := n
	if digits := len(strconv.FormatUint(n, 10)); digits > 2 {
		unit := uint64(1)
		for range digits - 2 {
			unit *= 10
		}
		r = (n + unit/2) / unit * unit
	}
	return "about " + thousands(r)
}

// thousands writes n with commas between its groups of three digits.
func thousands(n uint64) string {
	s := strconv.FormatUint(n, 10)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

// searchPage is the archive's search: the query language, facets as
// links that narrow the query, newest first or by relevance, paged.
func (s *Server) searchPage(w http.ResponseWriter, r *http.Request) {
	l, ok := s.readableList(w, r)
	if !ok {
		return
	}
	sr := readSearch(r)
	data := map[string]any{"Title": "Search " + l.Name, "List": l, "Q": sr.Q, "Newest": sr.Newest}
	if sr.Q == "" {
		s.page(w, r, http.StatusOK, "search.html", data)
		return
	}
	data["Title"] = sr.Q + " · " + l.Name
	res, err := s.search(r, l, sr, hitsPerPage, len(sr.After) == 0)
	if err != nil {
		status, msg := s.searchFailure(r, err)
		data["Error"] = msg
		s.page(w, r, status, "search.html", data)
		return
	}
	base := listPath(l.Address) + "search"
	qs := func(q string, newest bool, after []string) string {
		v := url.Values{"q": {q}}
		if !newest {
			v.Set("sort", "relevance")
		}
		if len(after) > 0 {
			v.Set("after", strings.Join(after, ","))
		}
		return "?" + v.Encode()
	}
	hits := make([]hitView, len(res.Hits))
	for i, h := range res.Hits {
		hits[i] = hitView{Hit: h, Path: messagePath(h.MessageID), ThreadPath: threadPath(l.Address, h.Thread)}
	}
	var authors, months []facetLink
	sees := s.who(r).seesAddresses(l)
	for _, f := range res.Authors {
		// Counted by address; shown by name, and narrowed by the name
		// (a phrase of the From field) for those who may not see the
		// address, so that not even the link holds it.
		link := facetLink{Label: f.Name, Count: f.Count, URL: base + qs(sr.Q+" f:"+f.Term, sr.Newest, nil)}
		if sees && !strings.Contains(f.Name, "@") {
			link.Label = f.Name + " <" + f.Term + ">"
		} else if sees {
			link.Label = f.Term
		} else {
			link.URL = base + qs(sr.Q+` f:"`+strings.ReplaceAll(f.Name, `"`, "")+`"`, sr.Newest, nil)
		}
		authors = append(authors, link)
	}
	for _, f := range res.Months {
		months = append(months, facetLink{Label: f.Term, Count: f.Count, URL: base + qs(sr.Q+" d:"+f.Term, sr.Newest, nil)})
	}
	if len(res.Hits) == hitsPerPage {
		data["Next"] = base + qs(sr.Q, sr.Newest, res.Hits[len(res.Hits)-1].Sort)
	}
	data["Hits"], data["Total"], data["Authors"], data["Months"] = hits, totalLabel(res.Total, res.Estimated), authors, months
	data["FacetSample"] = res.FacetSample
	data["Took"] = res.Took.Round(10 * time.Microsecond)
	data["SortNewest"] = base + qs(sr.Q, true, nil)
	data["SortRelevance"] = base + qs(sr.Q, false, nil)
	data["Atom"] = base + ".atom" + qs(sr.Q, true, nil)
	data["Mbox"] = base + ".mbox" + qs(sr.Q, true, nil)
	data["Deeper"] = len(sr.After) > 0
	s.page(w, r, http.StatusOK, "search.html", data)
}
