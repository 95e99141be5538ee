package query

import (
	"strings"
	"time"

	bquery "github.com/blevesearch/bleve/v2/search/query"
)

// Options tune Parse. The zero value is ready to use.
type Options struct {
	// Now is the clock that relative dates (d:yesterday,
	// d:2.weeks.ago..) count back from; nil means time.Now.
	Now func() time.Time
	// MaxTerms caps the words, phrases and prefixed values in one query,
	// so that a pasted essay cannot make one search walk half the index.
	// Zero or less means DefaultMaxTerms.
	MaxTerms int
	// MaxPhraseWords caps the words of one term: a quoted phrase (or a
	// word the analyser splits, "a-b-c") becomes one searcher per word per
	// field, and Bleve checks their positions in every post holding them
	// all, so a pasted page of text costs seconds of CPU while counting as
	// a single term. Zero or less means DefaultMaxPhraseWords.
	MaxPhraseWords int
	// MaxWords caps the words of the whole query, all terms together.
	// Zero or less means DefaultMaxWords.
	MaxWords int
	// MaxExpanding caps the fuzzy (word~N) and wildcard (word*) words of
	// the whole query. Each becomes an automaton per field that Bleve
	// builds and runs over the term dictionary, costing milliseconds even
	// on a tiny index where a plain word costs microseconds. A fuzzy word
	// the analyser splits counts once per part. Zero or less means
	// DefaultMaxExpanding.
	MaxExpanding int
}

// The default caps. Nobody quotes more than a sentence to find a post,
// and a query of 128 words is a paragraph: both are far above what people
// type and far below what makes a search slow.
const (
	DefaultMaxTerms       = 64
	DefaultMaxPhraseWords = 32
	DefaultMaxWords       = 128
	DefaultMaxExpanding   = 4
)

// maxDepth caps how deeply parentheses nest; nobody writes more by hand,
// and the parser recurses once per level.
const maxDepth = 32

// Parse turns a query in the archive's language into a Bleve query on the
// fields this package names. A refused query returns an *Error.
//
// The grammar, loosest binding first:
//
//	query   = or
//	or      = and { "OR" and }
//	and     = unary { [ "AND" ] unary }
//	unary   = { "NOT" | "-" | "+" } primary
//	primary = "(" or ")" | [ prefix ":" ] ( word | '"' phrase '"' )
//
// Choices where public-inbox, Lucene and plain habit differ:
//   - A free word or phrase is looked for in subject, body, from and
//     attachment names, as one MatchQuery (MatchPhraseQuery) per field
//     joined by OR, so each field's own analyser reads the word. Quoted
//     text is left out, as every reply quotes its parent; q: asks for it.
//   - A word the analyser splits ("x-310") must match all its pieces.
//   - AND, OR and NOT are operators only in upper case; "and" is a word.
//   - The signs - and + count only when written against a term ("-word",
//     "+(a b)"); + changes nothing, as terms are required already.
//   - A word with no letter or digit ("-", "&&") is dropped, since no
//     analyser would keep it. "Re:" (nothing after the colon) is a word,
//     as are "std::vector" and "https://…"; any other unknown prefix is an
//     error that lists the known ones.
//   - A trailing * asks for a prefix of 3 to 40 characters; word~ and
//     word~N (N ≤ 2) ask for fuzzy matching of a word of at most 40
//     characters, each part of it at least 2N+1 long. A query holds at
//     most Options.MaxExpanding such words. A leading *, a * inside a
//     word, /regex/ and "phrase"~N are refused.
//   - No run of letters and digits may be longer than 100 characters.
//   - An address (a value with @) given to f:, t: or a: is matched whole:
//     exactly on from_addr, and as a phrase on the text fields.
//   - m: takes the Message-ID literally, angle brackets optional.
func Parse(q string, opts Options) (bquery.Query, error) {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.MaxTerms <= 0 {
		opts.MaxTerms = DefaultMaxTerms
	}
	if opts.MaxPhraseWords <= 0 {
		opts.MaxPhraseWords = DefaultMaxPhraseWords
	}
	if opts.MaxWords <= 0 {
		opts.MaxWords = DefaultMaxWords
	}
	if opts.MaxExpanding <= 0 {
		opts.MaxExpanding = DefaultMaxExpanding
	}
	if strings.TrimSpace(q) == "" {
		return nil, errorf(0, "the query is empty; type some words to search for")
	}
	toks, err := lex(q)
	if err != nil {
		return nil, err
	}
	if len(toks) == 0 {
		return nil, errorf(0, "the query has no letters or digits to search for")
	}
	p := &parser{src: q, toks: toks, opts: opts}
	n, err := p.parseOr()
	if err != nil {
		return nil, err
	}
	if t, ok := p.peek(); ok {
		// parseOr stops only at the end or at a ')' it did not open.
		return nil, errorf(t.off, "this ) has no ( to close; remove it or add the (")
	}
	return build(n), nil
}

// The parser builds a small tree first and Bleve queries from it after,
// so that nested ANDs and ORs can be flattened and negations gathered into
// the AND they belong to.
type nodeOp int

const (
	opLeaf nodeOp = iota
	opAnd
	opOr
	opNot
)

type node struct {
	op   nodeOp
	kids []*node
	leaf bquery.Query
}

func negate(n *node) *node {
	if n.op == opNot {
		return n.kids[0]
	}
	return &node{op: opNot, kids: []*node{n}}
}

type parser struct {
	src   string
	toks  []token
	pos   int
	depth int
	terms int
	words int
	// expanding counts fuzzy and wildcard words, for Options.MaxExpanding.
	expanding int
	opts      Options
}

func (p *parser) peek() (token, bool) {
	if p.pos >= len(p.toks) {
		return token{}, false
	}
	return p.toks[p.pos], true
}

// startsOperand says whether t can begin an operand of AND.
func startsOperand(t token) bool {
	switch t.kind {
	case tokTerm, tokLParen, tokNot, tokMinus, tokPlus:
		return true
	}
	return false
}

// parseOr: and ( OR and )*
func (p *parser) parseOr() (*node, error) {
	first, err := p.parseAnd()
	if err != nil {
		return nil, err
	}
	kids := []*node{first}
	for {
		t, ok := p.peek()
		if !ok || t.kind != tokOr {
			break
		}
		p.pos++
		if next, ok := p.peek(); !ok || !startsOperand(next) {
			return nil, errorf(t.off, "OR needs a term after it")
		}
		n, err := p.parseAnd()
		if err != nil {
			return nil, err
		}
		kids = append(kids, n)
	}
	if len(kids) == 1 {
		return first, nil
	}
	return &node{op: opOr, kids: kids}, nil
}

// parseAnd: unary ( [AND] unary )*; terms side by side are ANDed.
func (p *parser) parseAnd() (*node, error) {
	first, err := p.parseUnary()
	if err != nil {
		return nil, err
	}
	kids := []*node{first}
	for {
		t, ok := p.peek()
		if !ok {
			break
		}
		if t.kind == tokAnd {
			p.pos++
			if next, ok := p.peek(); !ok || !startsOperand(next) {
				return nil, errorf(t.off, "AND needs a term after it")
			}
		} else if !startsOperand(t) {
			break
		}
		n, err := p.parseUnary()
		if err != nil {
			return nil, err
		}
		kids = append(kids, n)
	}
	if len(kids) == 1 {
		return first, nil
	}
	return &node{op: opAnd, kids: kids}, nil
}

// parseUnary: ( NOT | - | + )* primary. It loops instead of recursing so
// that a long run of NOTs costs no stack; + changes nothing because terms
// are required already, but people type it.
func (p *parser) parseUnary() (*node, error) {
	negated := false
	for {
		t, ok := p.peek()
		if !ok {
			break
		}
		if t.kind != tokNot && t.kind != tokMinus && t.kind != tokPlus {
			break
		}
		p.pos++
		if t.kind != tokPlus {
			negated = !negated
		}
		if next, ok := p.peek(); !ok || !startsOperand(next) {
			switch t.kind {
			case tokNot:
				return nil, errorf(t.off, "NOT needs a term after it")
			case tokMinus:
				return nil, errorf(t.off, "- needs a term right after it, as in -word")
			default:
				return nil, errorf(t.off, "+ needs a term right after it, as in +word")
			}
		}
	}
	n, err := p.parsePrimary()
	if err != nil {
		return nil, err
	}
	if negated {
		n = negate(n)
	}
	return n, nil
}

// parsePrimary: ( or ) | term
func (p *parser) parsePrimary() (*node, error) {
	t, ok := p.peek()
	if !ok {
		return nil, errorf(len(p.src), "the query ends where a term was expected")
	}
	switch t.kind {
	case tokTerm:
		p.pos++
		q, err := p.term(t)
		if err != nil {
			return nil, err
		}
		return &node{op: opLeaf, leaf: q}, nil
	case tokLParen:
		p.pos++
		if p.depth >= maxDepth {
			return nil, errorf(t.off, "parentheses nest deeper than %d levels", maxDepth)
		}
		if next, ok := p.peek(); ok && next.kind == tokRParen {
			return nil, errorf(t.off, "these parentheses are empty; put terms inside or remove them")
		}
		p.depth++
		n, err := p.parseOr()
		p.depth--
		if err != nil {
			return nil, err
		}
		if next, ok := p.peek(); !ok || next.kind != tokRParen {
			return nil, errorf(t.off, "this ( is never closed; add the )")
		}
		p.pos++
		return n, nil
	case tokRParen:
		return nil, errorf(t.off, "this ) has no ( to close; remove it or add the (")
	case tokAnd:
		return nil, errorf(t.off, "AND needs a term before it")
	case tokOr:
		return nil, errorf(t.off, "OR needs a term before it")
	}
	// parseUnary consumed every NOT, - and +, so nothing else is left.
	return nil, errorf(t.off, "a term was expected here")
}

// build turns the tree into Bleve queries.
//
// AND and OR become BooleanQuery values made with
// NewBooleanQueryForQueryString. That mode makes Bleve skip an operand
// whose analysed text came out empty (a stop word such as "the" under the
// English analyser) instead of letting that operand match nothing and so
// empty the whole AND, which is what a person typing "the b200" means.
func build(n *node) bquery.Query {
	switch n.op {
	case opLeaf:
		return n.leaf
	case opNot:
		return and(nil, []bquery.Query{build(n.kids[0])})
	case opOr:
		var kids []bquery.Query
		collectOr(n, &kids)
		return or(kids)
	}
	var pos, neg []bquery.Query
	collectAnd(n, &pos, &neg)
	return and(pos, neg)
}

func collectAnd(n *node, pos, neg *[]bquery.Query) {
	for _, k := range n.kids {
		switch k.op {
		case opAnd:
			collectAnd(k, pos, neg)
		case opNot:
			*neg = append(*neg, build(k.kids[0]))
		default:
			*pos = append(*pos, build(k))
		}
	}
}

func collectOr(n *node, kids *[]bquery.Query) {
	for _, k := range n.kids {
		if k.op == opOr {
			collectOr(k, kids)
			continue
		}
		*kids = append(*kids, build(k))
	}
}

// and requires every query in pos and none in neg. With nothing required
// it starts from every document, so "-spam" alone still means something.
func and(pos, neg []bquery.Query) bquery.Query {
	if len(neg) == 0 && len(pos) == 1 {
		return pos[0]
	}
	if len(pos) == 0 {
		pos = []bquery.Query{bquery.NewMatchAllQuery()}
	}
	return bquery.NewBooleanQueryForQueryString(pos, nil, neg)
}

// or matches any of qs.
func or(qs []bquery.Query) bquery.Query {
	if len(qs) == 1 {
		return qs[0]
	}
	return bquery.NewBooleanQueryForQueryString(nil, qs, nil)
}
