package query

import bquery "github.com/blevesearch/bleve/v2/search/query"

// Scoped restricts q to posts of the given lists. Every search must pass
// through it, because the index holds private lists' posts next to public
// ones and only this filter keeps them apart.
//
// It fails closed: with no lists it matches nothing. It uses a plain
// ConjunctionQuery, not the query-string mode Parse uses, because that
// mode skips an operand that analyses to nothing, and the list filter must
// never be skipped. A nil q means every post of the lists.
//
// The list's term comes first, and alone (not under an OR) when there is
// one list: Bleve's conjunction leads with its cheapest operand and leaps
// the others forward to that operand's next post, so the reader's own
// list, a single posting list, drives the search and the query's
// searchers are only advanced to posts of it rather than walked over the
// whole index. What a single operand still costs (a phrase is checked in
// the posts between two of the list's) is bounded by Parse's word caps
// and by the deadline of the search.
func Scoped(q bquery.Query, lists ...string) bquery.Query {
	if len(lists) == 0 {
		return bquery.NewMatchNoneQuery()
	}
	terms := make([]bquery.Query, len(lists))
	for i, l := range lists {
		t := bquery.NewTermQuery(l)
		t.SetField(FieldList)
		terms[i] = t
	}
	scope := terms[0]
	if len(terms) > 1 {
		scope = bquery.NewDisjunctionQuery(terms)
	}
	if q == nil {
		return scope
	}
	return bquery.NewConjunctionQuery([]bquery.Query{scope, q})
}
