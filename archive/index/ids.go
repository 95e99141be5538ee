package index

import (
	"context"
	"fmt"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/search"
	bquery "github.com/blevesearch/bleve/v2/search/query"
)

// eachPage is how many ids EachMatch asks Bleve for at a time.
var eachPage = 10000

// EachMatch calls f with the ID (Doc.ID) of every document q matches,
// exactly, however many there are: IMAP SEARCH answers with every hit,
// where Search pages and may estimate. Ids come in document-key order
// (by date); nothing is scored, and no stored field is read. Pages are
// cut with search_after on the document key, so each costs the same.
func (x *Index) EachMatch(ctx context.Context, q bquery.Query, f func(id string) error) error {
	var after []string
	for {
		req := bleve.NewSearchRequestOptions(q, eachPage, 0, false)
		req.Score = bleve.ScoreNone
		req.SortByCustom(search.SortOrder{&search.SortDocID{}})
		if after != nil {
			req.SetSearchAfter(after)
		}
		res, err := x.b.SearchInContext(ctx, req)
		if err != nil {
			return fmt.Errorf("index: matches: %w", err)
		}
		for _, h := range res.Hits {
			if err := f(keyID(h.ID)); err != nil {
				return err
			}
		}
		if len(res.Hits) < eachPage {
			return nil
		}
		after = []string{res.Hits[len(res.Hits)-1].ID}
	}
}
