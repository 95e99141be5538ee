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
func Scoped(q bquery.Query, lists ...string) bquery.Query {
	if len(lists) == 0 {
		return bquery.NewMatchNoneQuery()
	}
	if q == nil {
		q = bquery.NewMatchAllQuery()
	}
	terms := make([]bquery.Query, len(lists))
	for i, l := range lists {
		t := bquery.NewTermQuery(l)
		t.SetField(FieldList)
		terms[i] = t
	}
	return bquery.NewConjunctionQuery([]bquery.Query{q, bquery.NewDisjunctionQuery(terms)})
}
