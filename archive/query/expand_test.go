package query

import (
	"errors"
	"math/rand"
	"strings"
	"testing"
)

// letters returns n pseudo-random lower-case letters, the same for the
// same seed, like the words of the security test's attack.
func letters(r *rand.Rand, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte('a' + r.Intn(26))
	}
	return string(b)
}

// fuzzyAttack is the reported attack: n different words of size letters,
// each with ~2, ORed. Each becomes a Levenshtein automaton per field,
// which Bleve builds at a cost that grows with the word's length, however
// small the index: 64 words of 600 letters took seconds of CPU.
func fuzzyAttack(n, size int, suffix string) string {
	r := rand.New(rand.NewSource(5))
	ws := make([]string, n)
	for i := range ws {
		ws[i] = letters(r, size) + suffix
	}
	return strings.Join(ws, " OR ")
}

// TestFuzzyAndWildcardCostBounds checks the caps on the words that Bleve
// expands with an automaton (word~N and word*), and on the length of any
// word, while the fuzzy and wildcard words people type still pass.
func TestFuzzyAndWildcardCostBounds(t *testing.T) {
	r := rand.New(rand.NewSource(7))
	w40, w41, w100, w101 := letters(r, 40), letters(r, 41), letters(r, 100), letters(r, 101)
	tests := []struct {
		name   string
		in     string
		offset int    // where the error points; -1 for anywhere
		msg    string // a part of the message; "" for accepted
	}{
		// Accepted: what people type.
		{"fuzzy one edit", "overfow~", 0, ""},
		{"fuzzy two edits", "overfow~2", 0, ""},
		{"fuzzy three letters", "uhd~1", 0, ""},
		{"fuzzy five letters two edits", "fpgas~2", 0, ""},
		{"fuzzy zero edits is plain", "ab~0", 0, ""},
		{"prefix", "synchron*", 0, ""},
		{"prefixed fuzzy", "s:overfow~2", 0, ""},
		{"four fuzzy words", "alpha~2 OR bravo~2 OR charlie~2 OR delta~2", 0, ""},
		{"two fuzzy two prefix", "alpha~1 bravo~2 syn* -fpg*", 0, ""},
		{"split fuzzy word of two parts", "abc-def~1", 0, ""},
		{"fuzzy word of 40 letters", w40 + "~2", 0, ""},
		{"prefix of 40 letters", w40 + "*", 0, ""},
		{"plain word of 100 letters", w100, 0, ""},
		{"phrase of long words", `"` + w100 + " " + w100 + `"`, 0, ""},
		{"long URL of short words", "https://example.org/" + strings.Repeat("a-long-path/", 8) + "x.html", 0, ""},
		{"long Message-ID", "m:" + w101 + w101 + "@example.org", 0, ""},
		{"64 plain words", strings.TrimSpace(strings.Repeat("lathe ", 64)), 0, ""},

		// The attack and its variants.
		{"the attack", fuzzyAttack(64, 600, "~2"), 0, "600 characters long, more than 100"},
		{"the attack with one edit", fuzzyAttack(64, 600, "~1"), 0, "more than 100"},
		{"the attack without fuzziness", fuzzyAttack(64, 600, ""), 0, "more than 100"},
		{"the attack as prefixes", fuzzyAttack(64, 600, "*"), 0, "more than 100"},
		{"the attack with short words", fuzzyAttack(64, 30, "~2"), 4 * 36, "more than 4 fuzzy (word~) and wildcard (word*) words"},
		{"five fuzzy words", "alpha~2 bravo~2 charlie~2 delta~2 echoes~2", 34, "more than 4 fuzzy"},
		{"five negated fuzzy words", "x -alpha~1 -bravo~1 -charlie~1 -delta~1 -echo~1", 41, "more than 4 fuzzy"},
		{"five prefixes", "alp* bra* cha* del* ech*", 20, "more than 4 fuzzy"},
		{"fuzzy and prefixes", "alpha~1 bra* cha* del* echo~1", 23, "more than 4 fuzzy"},
		{"a split fuzzy word counts per part", "abc-def-ghi-jkl-mno~1", 0, "more than 4 fuzzy"},
		{"fuzzy word of 41 letters", w41 + "~2", 0, "at most 40 letters, not 41"},
		{"fuzzy word of 41 letters one edit", "s:" + w41 + "~1", 2, "at most 40 letters, not 41"},
		{"prefix of 41 letters", w41 + "*", 0, "at most 40 letters before the *, not 41"},
		{"fuzzy word too short for one edit", "ab~1", 0, "word~1 needs at least 3 letters"},
		{"fuzzy word too short for two edits", "x abcd~2", 2, "word~2 needs at least 5 letters"},
		{"fuzzy split word with a short part", "x-310~1", 0, "word~1 needs at least 3"},
		{"fuzzy split word points at the short part", "fpga-x7~2", 5, "word~2 needs at least 5"},
		{"fuzziness above Bleve's", "overfow~3", 7, "at most 2 edits"},
		{"word of 101 letters", w101, 0, "this word is 101 characters long, more than 100"},
		{"long run inside a word", "foo-" + w101, 4, "a word here is 101 characters long"},
		{"long word in a phrase", `"gib ` + w101 + `"`, 5, "a word here is 101 characters long"},
		{"long word after a prefix", "b:" + w101, 2, "more than 100"},
		{"long word in an address", "f:" + w101 + "@example.org", 2, "more than 100"},
	}
	for _, tt := range tests {
		q, err := Parse(tt.in, testOptions())
		if tt.msg == "" {
			if err != nil {
				t.Errorf("%s: Parse(%.60q…): %v, want it accepted", tt.name, tt.in, err)
			}
			continue
		}
		var perr *Error
		if !errors.As(err, &perr) {
			t.Errorf("%s: Parse(%.60q…) = %s, %v; want an *Error saying %q", tt.name, tt.in, String(q), err, tt.msg)
			continue
		}
		if !strings.Contains(perr.Msg, tt.msg) || (tt.offset >= 0 && perr.Offset != tt.offset) {
			t.Errorf("%s: Parse(%.60q…)\n got offset %d %q\nwant offset %d, message containing %q", tt.name, tt.in, perr.Offset, perr.Msg, tt.offset, tt.msg)
		}
	}
}

// TestMaxExpandingOption checks that Options.MaxExpanding sets the cap and
// that its zero value means the default.
func TestMaxExpandingOption(t *testing.T) {
	words := func(n int) string {
		return strings.TrimSpace(strings.Repeat("overfow~1 ", n))
	}
	tests := []struct {
		max, n int
		ok     bool
	}{
		{0, DefaultMaxExpanding, true},
		{0, DefaultMaxExpanding + 1, false},
		{1, 1, true},
		{1, 2, false},
		{8, 8, true},
		{8, 9, false},
	}
	for _, tt := range tests {
		opts := testOptions()
		opts.MaxExpanding = tt.max
		_, err := Parse(words(tt.n), opts)
		if (err == nil) != tt.ok {
			t.Errorf("MaxExpanding %d, %d fuzzy words: %v, want accepted %v", tt.max, tt.n, err, tt.ok)
		}
	}
}
