package index

import (
	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/analysis/lang/en"
	"github.com/blevesearch/bleve/v2/analysis/token/lowercase"
	"github.com/blevesearch/bleve/v2/analysis/token/porter"
	"github.com/blevesearch/bleve/v2/analysis/tokenizer/unicode"
	"github.com/blevesearch/bleve/v2/registry"
)

// A two-word phrase of the body is one word of fieldBodyPairs: each
// pair of words that stand side by side in a post's own text, as the
// body's analyser reads them (stemmed, stop words left out), is indexed
// as "first second". A phrase search had to read where both words stand
// in every post holding both ("sample rate": 25,000 hits among 60,000
// posts holding both words at 100x, 30 ms to count); a word's postings
// are counted without reading any places.
//
// Pairs are made only of neighbours: where a stop word was left out
// between two words, they are not a pair, as the phrase that names the
// stop word still needs its places (phraseQuery). No positions are kept.
const fieldBodyPairs = "body_pairs"

// Names of the pair filter and of the analyser that ends with it.
const (
	pairsFilter   = "praxis_pairs"
	pairsAnalyzer = "praxis_en_pairs"
)

// pairSep joins a pair's words: a space, which no word of the body's
// analyser holds (the tokenizer splits on it).
const pairSep = " "

// pairs is the token filter: from words at places p and p+1 of one
// value, the word "w(p) w(p+1)".
type pairs struct{}

func (pairs) Filter(in analysis.TokenStream) analysis.TokenStream {
	out := make(analysis.TokenStream, 0, len(in))
	for i := 0; i+1 < len(in); i++ {
		a, b := in[i], in[i+1]
		if b.Position != a.Position+1 {
			continue
		}
		term := make([]byte, 0, len(a.Term)+len(pairSep)+len(b.Term))
		term = append(append(append(term, a.Term...), pairSep...), b.Term...)
		out = append(out, &analysis.Token{Term: term, Position: a.Position, Start: a.Start, End: b.End, Type: analysis.AlphaNumeric})
	}
	return out
}

// pairTerm is the word of fieldBodyPairs for two analysed words.
func pairTerm(a, b string) string { return a + pairSep + b }

func init() {
	if err := registry.RegisterTokenFilter(pairsFilter, func(map[string]interface{}, *registry.Cache) (analysis.TokenFilter, error) {
		return pairs{}, nil
	}); err != nil {
		panic(err)
	}
	// The body's analyser (Bleve's "en": possessives, lower case, stop
	// words, Porter's stems), then the pairs.
	if err := registry.RegisterAnalyzer(pairsAnalyzer, func(_ map[string]interface{}, c *registry.Cache) (analysis.Analyzer, error) {
		tok, err := c.TokenizerNamed(unicode.Name)
		if err != nil {
			return nil, err
		}
		var fs []analysis.TokenFilter
		for _, name := range []string{en.PossessiveName, lowercase.Name, en.StopName, porter.Name, pairsFilter} {
			f, err := c.TokenFilterNamed(name)
			if err != nil {
				return nil, err
			}
			fs = append(fs, f)
		}
		return &analysis.DefaultAnalyzer{Tokenizer: tok, TokenFilters: fs}, nil
	}); err != nil {
		panic(err)
	}
}
