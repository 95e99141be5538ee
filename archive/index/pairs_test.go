package index

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"praxis/archive/query"
)

// TestPairsArePhrases: a two-word phrase of the body, read as one word of
// the pairs field, finds the posts Bleve's phrase searcher finds from the
// words' places: words side by side, not across a stop word left out, not
// in the other order, stemmed and lower-cased alike, not across the
// quoted text.
func TestPairsArePhrases(t *testing.T) {
	x, err := Open(filepath.Join(t.TempDir(), "idx"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	bodies := []string{
		"set the time source to external",    // 0: side by side
		"the time of the source",             // 1: "of the" between: no
		"Time-Source: GPSDO",                 // 2: side by side, after the tokenizer
		"sources timed out",                  // 3: the other order, stems
		"what time? source code",             // 4: side by side across punctuation
		"time\n\nsource",                     // 5: across lines
		"time",                               // 6: one word
		"the sampling rates of the b210",     // 7: stems: "sampl rate"
		"a sample, a rate",                   // 8: "a" between: no
		"source time and the time source",    // 9: both orders
		"the usrp's clock is the usrp clock", // 10: possessive
	}
	for i, b := range bodies {
		d := Doc{ID: fmt.Sprint(i), List: "l", MessageID: fmt.Sprintf("m%d@x", i), Subject: "s", Body: b, Quoted: "time source",
			FromAddr: "a@x", Date: time.Date(2021, 1, 2+i, 0, 0, 0, 0, time.UTC)}
		if err := x.Put(d); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range []struct {
		q     string
		want  uint64
		pairs bool // read as a word of the pairs field
	}{
		{`b:"time source"`, 5, true}, {`b:"source time"`, 2, true}, {`b:"sample rate"`, 1, true}, {`b:"sampling rate"`, 1, true},
		{`b:"sample rates"`, 1, true}, {`b:"usrp clock"`, 1, true}, {`b:"usrp's clock"`, 1, true}, {`b:"sources timed"`, 2, true},
		{`b:"timed gpsdo"`, 0, true}, {`b:"external gpsdo"`, 0, true}, {`b:"code time"`, 0, true},
		// A stop word between (a gap): the places are read.
		{`b:"time of source"`, 0, false}, {`b:"time of the source"`, 1, false}, {`b:"sample a rate"`, 1, false},
		// Quoted text has no pairs.
		{`q:"time source"`, 11, false},
	} {
		p, err := query.Parse(c.q, query.Options{})
		if err != nil {
			t.Fatal(err)
		}
		_, positional := lean(p, x.b.Mapping(), x.latest.Load()).(*phraseQuery)
		if positional == c.pairs {
			t.Errorf("%s: read as a pair %v, want %v", c.q, !positional, c.pairs)
		}
		countsAgree(t, x, c.q, c.want)
	}
}

// TestQuotedHead: quoted text is indexed up to quotedBytes, cut before a
// word, or before a character when there is no space to cut at.
func TestQuotedHead(t *testing.T) {
	word := "abcdefg "
	long := strings.Repeat(word, quotedBytes/len(word)+10)
	runes := strings.Repeat("é", quotedBytes) // two bytes each, no spaces
	for _, c := range []struct {
		name, in string
		want     func(string) bool
	}{
		{"short", "> time source", func(s string) bool { return s == "> time source" }},
		{"exactly the bound", long[:quotedBytes], func(s string) bool { return s == long[:quotedBytes] }},
		{"words", long, func(s string) bool {
			return len(s) <= quotedBytes && len(s) > quotedBytes-len(word) && strings.HasSuffix(s, "abcdefg") && strings.HasPrefix(long, s)
		}},
		{"no spaces", runes, func(s string) bool {
			return len(s) <= quotedBytes && len(s) >= quotedBytes-1 && utf8.ValidString(s) && strings.HasPrefix(runes, s)
		}},
	} {
		if got := quotedHead(c.in); !c.want(got) {
			t.Errorf("%s: quotedHead gave %d bytes ending %q", c.name, len(got), got[max(0, len(got)-12):])
		}
	}
}
