package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"praxis/archive/index"
	"praxis/archive/query"
	"praxis/listserv"
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

// search runs a search on one list. A query in error comes back as a
// *query.Error, which the page shows as it is.
func (s *Server) search(l *listserv.List, sr searchRequest, size int, facets bool) (*index.Result, error) {
	if s.cfg.Index == nil {
		return nil, errNoIndex
	}
	parsed, err := query.Parse(sr.Q, query.Options{})
	if err != nil {
		return nil, err
	}
	return s.cfg.Index.Search(query.Scoped(parsed, l.Address), index.SearchOptions{
		Size: size, Newest: sr.Newest, After: sr.After, Highlight: true, Facets: facets})
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
	res, err := s.search(l, sr, hitsPerPage, len(sr.After) == 0)
	if err != nil {
		if _, ok := err.(*query.Error); ok || err == errNoIndex {
			data["Error"] = err.Error()
			s.page(w, r, http.StatusBadRequest, "search.html", data)
			return
		}
		s.fail(w, r, "search", err)
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
	for _, f := range res.Authors {
		authors = append(authors, facetLink{Label: f.Term, Count: f.Count, URL: base + qs(sr.Q+" f:"+f.Term, sr.Newest, nil)})
	}
	for _, f := range res.Months {
		months = append(months, facetLink{Label: f.Term, Count: f.Count, URL: base + qs(sr.Q+" d:"+f.Term, sr.Newest, nil)})
	}
	if len(res.Hits) == hitsPerPage {
		data["Next"] = base + qs(sr.Q, sr.Newest, res.Hits[len(res.Hits)-1].Sort)
	}
	data["Hits"], data["Total"], data["Authors"], data["Months"] = hits, res.Total, authors, months
	data["Took"] = res.Took.Round(10 * time.Microsecond)
	data["SortNewest"] = base + qs(sr.Q, true, nil)
	data["SortRelevance"] = base + qs(sr.Q, false, nil)
	data["Atom"] = base + ".atom" + qs(sr.Q, true, nil)
	data["Mbox"] = base + ".mbox" + qs(sr.Q, true, nil)
	data["Deeper"] = len(sr.After) > 0
	s.page(w, r, http.StatusOK, "search.html", data)
}
