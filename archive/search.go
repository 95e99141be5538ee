package archive

import (
	"context"
	"time"

	"praxis/archive/index"
	"praxis/archive/query"
)

// SearchResult is SPEC's `praxis search --json` shape.
type SearchResult struct {
	Total uint64      `json:"total"`
	Hits  []SearchHit `json:"hits"`
}

// SearchHit is one post found.
type SearchHit struct {
	MessageID string `json:"message_id"`
	ThreadID  string `json:"thread_id"`
	List      string `json:"list"`
	Subject   string `json:"subject"`
	From      string `json:"from"`
	Date      string `json:"date"`
	Snippet   string `json:"snippet"`
}

// Search runs a query in the public-inbox language over one list's posts:
// the scope is always applied, so no other list's post (private or not)
// can appear.
func Search(idx *index.Index, list, q string, limit int, newest bool) (*SearchResult, error) {
	return SearchContext(context.Background(), idx, list, q, limit, newest)
}

// SearchContext is Search that stops when ctx ends (a deadline bounds
// what one query may cost).
func SearchContext(ctx context.Context, idx *index.Index, list, q string, limit int, newest bool) (*SearchResult, error) {
	parsed, err := query.Parse(q, query.Options{})
	if err != nil {
		return nil, err
	}
	res, err := idx.SearchContext(ctx, query.Scoped(parsed, list), index.SearchOptions{Size: limit, Newest: newest, Highlight: true})
	if err != nil {
		return nil, err
	}
	out := &SearchResult{Total: res.Total, Hits: []SearchHit{}}
	for _, h := range res.Hits {
		out.Hits = append(out.Hits, SearchHit{
			MessageID: h.MessageID, ThreadID: h.Thread, List: h.List, Subject: h.Subject,
			From: h.From, Date: h.Date.UTC().Format(time.RFC3339), Snippet: h.Snippet,
		})
	}
	return out, nil
}
