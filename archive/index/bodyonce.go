package index

import (
	"bytes"

	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/analysis/lang/en"
	"github.com/blevesearch/bleve/v2/document"
	"github.com/blevesearch/bleve/v2/mapping"

	"praxis/archive/query"
)

// The body is indexed twice: as words (FieldBody, Bleve's "en") and as
// pairs of neighbouring words (fieldBodyPairs, "en" and then the pairs
// filter). Left to the mapping, each field runs the whole analyser over
// the text, so a body was split into words, stop-listed and stemmed
// twice: a fifth of the index's analysis. bodyOnce has both fields read
// one analysis of it. The terms are the same as before (the pairs
// analyser is "en" with a last filter; TestBodyOnceSameTerms), so an
// index written either way answers the same.

// bodyAnalysers are the two analysers of a mapping whose fields bodyOnce
// takes over; nil when the index's mapping (kept in the index since it
// was made) analyses them otherwise, and then the mapping's stay.
type bodyAnalysers struct {
	words, pairs analysis.Analyzer
}

func bodyAnalysersOf(m mapping.IndexMapping) *bodyAnalysers {
	words, pairs := m.AnalyzerNamed(en.AnalyzerName), m.AnalyzerNamed(pairsAnalyzer)
	if words == nil || pairs == nil {
		return nil
	}
	return &bodyAnalysers{words: words, pairs: pairs}
}

// bodyText is one document's body, analysed once for its two fields:
// by whichever is analysed first, and handed to the other. Bleve
// analyses one document's fields one after another on one goroutine, so
// it needs no lock. The tokens are let go once both fields have them:
// the document stays in its batch until the whole batch is indexed, and
// a 100 KB body's tokens are a megabyte.
type bodyText struct {
	words  analysis.Analyzer
	tokens analysis.TokenStream
	given  int // how many fields have the tokens
}

func (b *bodyText) analyse(in []byte) analysis.TokenStream {
	if b.given == 0 {
		b.tokens = b.words.Analyze(in)
	}
	ts := b.tokens
	if b.given++; b.given == 2 {
		// Both have them; a field analysed again analyses anew.
		b.tokens, b.given = nil, 0
	}
	return ts
}

// bodyWords and bodyPairs are the per-document analysers of the two
// fields. The pairs filter makes new tokens and only reads the words',
// which the words' field then counts as they are.
type bodyWords struct{ *bodyText }
type bodyPairs struct{ *bodyText }

func (w bodyWords) Analyze(in []byte) analysis.TokenStream { return w.analyse(in) }
func (p bodyPairs) Analyze(in []byte) analysis.TokenStream { return pairs{}.Filter(p.analyse(in)) }

// share gives the body's two fields of doc (as the mapping made them)
// one analysis. A field is taken over only when the mapping gave it the
// analyser expected of it, and only when both are there; the field's
// name, value and options stay as the mapping set them.
func (a *bodyAnalysers) share(doc *document.Document) {
	if a == nil {
		return
	}
	words, pairs := -1, -1
	for i, f := range doc.Fields {
		tf, ok := f.(*document.TextField)
		if !ok {
			continue
		}
		switch {
		case tf.Name() == query.FieldBody && tf.Analyzer() == a.words:
			words = i
		case tf.Name() == fieldBodyPairs && tf.Analyzer() == a.pairs:
			pairs = i
		}
	}
	if words < 0 || pairs < 0 {
		return
	}
	w, p := doc.Fields[words].(*document.TextField), doc.Fields[pairs].(*document.TextField)
	if !bytes.Equal(w.Value(), p.Value()) {
		return
	}
	body := &bodyText{words: a.words}
	doc.Fields[words] = document.NewTextFieldCustom(w.Name(), w.ArrayPositions(), w.Value(), w.Options(), bodyWords{body})
	doc.Fields[pairs] = document.NewTextFieldCustom(p.Name(), p.ArrayPositions(), p.Value(), p.Options(), bodyPairs{body})
}
