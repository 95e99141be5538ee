package index

import (
	"reflect"
	"sync/atomic"
	"testing"
	"time"

	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/document"

	"praxis/archive/query"
)

// TestBodyOnceSameTerms: a body analysed once for both of its fields
// gives each field the terms, counts and places the mapping's own
// analysers give it, on every post of the usrp archive and on texts
// made to catch a pair across a stop word, possessives and empty bodies;
// and it is analysed once, not twice, and its tokens let go after.
func TestBodyOnceSameTerms(t *testing.T) {
	x, err := Open(t.TempDir(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	if x.body == nil {
		t.Fatal("the index's mapping has no body analysers to share")
	}
	docs, _ := corpusDocs(t, 1<<30)
	for i, body := range []string{
		"",
		"the",
		"word",
		"The USRP's FPGA image is not the one in the X310's flash.",
		"sample rate of the sample rate, sample-rate; Sample Rate!",
		"naïve café résumé — 日本語のテキスト and emoji 📡 rx_samples_to_file --rate 200e6",
		"a\nb\n\n> quoted\nc d e f g",
	} {
		docs = append(docs, Doc{ID: "t" + string(rune('a'+i)), List: "l", Subject: "s", Body: body, Date: time.Unix(int64(i), 0)})
	}
	counted := 0
	for i := range docs {
		d := &docs[i]
		plain := document.NewDocument(docKey(d))
		if err := x.b.Mapping().MapDocument(plain, fields(d)); err != nil {
			t.Fatal(err)
		}
		shared := document.NewDocument(docKey(d))
		if err := x.b.Mapping().MapDocument(shared, fields(d)); err != nil {
			t.Fatal(err)
		}
		x.body.share(shared)
		var calls atomic.Int64
		var body *bodyText
		for _, f := range shared.Fields {
			if tf, ok := f.(*document.TextField); ok {
				switch a := tf.Analyzer().(type) {
				case bodyWords: // one bodyText is behind both fields
					a.words = countingAnalyser{a.words, &calls}
					body = a.bodyText
				}
			}
		}
		want, got := analysedFields(plain), analysedFields(shared)
		for _, name := range []string{query.FieldBody, fieldBodyPairs} {
			if !reflect.DeepEqual(want[name], got[name]) {
				t.Fatalf("post %d (%.60q): field %s analysed once differs from the mapping's analysis", i, d.Body, name)
			}
		}
		if d.Body != "" {
			if _, ok := got[query.FieldBody]; !ok {
				t.Fatalf("post %d: no body field", i)
			}
			if calls.Load() != 1 {
				t.Fatalf("post %d: the body was analysed %d times, want once", i, calls.Load())
			}
			// The document waits in its batch: the tokens must not.
			if body == nil || body.tokens != nil {
				t.Fatalf("post %d: the body's tokens are still held after both fields were analysed", i)
			}
			counted++
		}
	}
	if counted < 8 {
		t.Fatalf("only %d bodies checked", counted)
	}

	// And Put goes this way: the pairs field's own analyser, which the
	// mapping would run on every body, never runs.
	pairs, ok := x.body.pairs.(*analysis.DefaultAnalyzer)
	if !ok {
		t.Fatalf("the pairs analyser is a %T", x.body.pairs)
	}
	var runs atomic.Int64
	pairs.Tokenizer = countingTokenizer{pairs.Tokenizer, &runs}
	if err := x.Put(docs...); err != nil {
		t.Fatal(err)
	}
	if runs.Load() != 0 {
		t.Fatalf("Put ran the pairs field's own analyser on %d bodies, want none", runs.Load())
	}
}

// countingTokenizer counts its runs.
type countingTokenizer struct {
	analysis.Tokenizer
	n *atomic.Int64
}

func (c countingTokenizer) Tokenize(in []byte) analysis.TokenStream {
	c.n.Add(1)
	return c.Tokenizer.Tokenize(in)
}

// countingAnalyser counts its analyses.
type countingAnalyser struct {
	analysis.Analyzer
	n *atomic.Int64
}

func (c countingAnalyser) Analyze(in []byte) analysis.TokenStream {
	c.n.Add(1)
	return c.Analyzer.Analyze(in)
}

// analysedFields analyses doc's fields as scorch does and returns each text
// field's token frequencies and length.
func analysedFields(doc *document.Document) map[string]any {
	out := map[string]any{}
	for _, f := range doc.Fields {
		if tf, ok := f.(*document.TextField); ok {
			tf.Analyze()
			out[tf.Name()] = []any{tf.AnalyzedLength(), tf.AnalyzedTokenFrequencies()}
		}
	}
	return out
}
