package query

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	bquery "github.com/blevesearch/bleve/v2/search/query"
)

// String renders a query tree as compact, deterministic text, for tests
// and logs; Bleve's own JSON is long and hides the shape. It knows the
// query types this package builds and names any other by its Go type.
//
//	AND(x, y)       every operand; NOT(x) inside it is a must-not
//	OR(x, y)        any operand
//	field:word      MatchQuery (~n: fuzzy)
//	field:"a b"     MatchPhraseQuery
//	field=term      TermQuery, exact
//	field:stem*     PrefixQuery
//	field:[a,b)     DateRangeQuery; * is an open end
//	field=true      BoolFieldQuery
//	ALL, NONE       MatchAllQuery, MatchNoneQuery
func String(q bquery.Query) string {
	var b strings.Builder
	render(&b, q)
	return b.String()
}

func render(b *strings.Builder, q bquery.Query) {
	switch q := q.(type) {
	case nil:
		b.WriteString("<nil>")
	case *bquery.BooleanQuery:
		renderBoolean(b, q)
	case *bquery.ConjunctionQuery:
		renderList(b, "AND", q.Conjuncts)
	case *bquery.DisjunctionQuery:
		renderList(b, "OR", q.Disjuncts)
	case *bquery.MatchQuery:
		b.WriteString(q.FieldVal + ":" + q.Match)
		if q.Fuzziness > 0 {
			b.WriteString("~" + strconv.Itoa(q.Fuzziness))
		}
	case *bquery.MatchPhraseQuery:
		b.WriteString(q.FieldVal + ":" + strconv.Quote(q.MatchPhrase))
		if q.Fuzziness > 0 {
			b.WriteString("~" + strconv.Itoa(q.Fuzziness))
		}
	case *bquery.TermQuery:
		b.WriteString(q.FieldVal + "=" + q.Term)
	case *bquery.PrefixQuery:
		b.WriteString(q.FieldVal + ":" + q.Prefix + "*")
	case *bquery.DateRangeQuery:
		open, closing := "[", ")"
		if q.InclusiveStart != nil && !*q.InclusiveStart {
			open = "("
		}
		if q.InclusiveEnd != nil && *q.InclusiveEnd {
			closing = "]"
		}
		b.WriteString(q.FieldVal + ":" + open + renderTime(q.Start.Time) + "," + renderTime(q.End.Time) + closing)
	case *bquery.BoolFieldQuery:
		b.WriteString(q.FieldVal + "=" + strconv.FormatBool(q.Bool))
	case *bquery.MatchAllQuery:
		b.WriteString("ALL")
	case *bquery.MatchNoneQuery:
		b.WriteString("NONE")
	default:
		fmt.Fprintf(b, "%T", q)
	}
}

// renderBoolean shows a BooleanQuery as the AND or OR it stands for: the
// must operands and NOT(…) for each must-not one, or, with only should
// operands, their OR.
func renderBoolean(b *strings.Builder, q *bquery.BooleanQuery) {
	if q.Must == nil && q.MustNot == nil && q.Filter == nil && q.Should != nil {
		render(b, q.Should)
		return
	}
	var parts []string
	if q.Must != nil {
		parts = append(parts, operands(q.Must, func(q bquery.Query) []bquery.Query {
			if c, ok := q.(*bquery.ConjunctionQuery); ok {
				return c.Conjuncts
			}
			return nil
		})...)
	}
	if q.Should != nil {
		parts = append(parts, "SHOULD("+String(q.Should)+")")
	}
	if q.MustNot != nil {
		for _, s := range operands(q.MustNot, func(q bquery.Query) []bquery.Query {
			if d, ok := q.(*bquery.DisjunctionQuery); ok {
				return d.Disjuncts
			}
			return nil
		}) {
			parts = append(parts, "NOT("+s+")")
		}
	}
	if q.Filter != nil {
		parts = append(parts, "FILTER("+String(q.Filter)+")")
	}
	b.WriteString("AND(" + strings.Join(parts, ",") + ")")
}

// operands renders the children split from q, or q itself when split
// finds none.
func operands(q bquery.Query, split func(bquery.Query) []bquery.Query) []string {
	kids := split(q)
	if kids == nil {
		return []string{String(q)}
	}
	out := make([]string, len(kids))
	for i, k := range kids {
		out[i] = String(k)
	}
	return out
}

func renderList(b *strings.Builder, name string, qs []bquery.Query) {
	b.WriteString(name + "(")
	for i, q := range qs {
		if i > 0 {
			b.WriteByte(',')
		}
		render(b, q)
	}
	b.WriteByte(')')
}

func renderTime(t time.Time) string {
	if t.IsZero() {
		return "*"
	}
	t = t.UTC()
	if t.Hour() == 0 && t.Minute() == 0 && t.Second() == 0 && t.Nanosecond() == 0 {
		return t.Format("2006-01-02")
	}
	return t.Format(time.RFC3339Nano)
}
