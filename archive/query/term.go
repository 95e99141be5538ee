package query

import (
	"strings"
	"unicode"
	"unicode/utf8"

	bquery "github.com/blevesearch/bleve/v2/search/query"
)

// minPrefixLen is the shortest stem a trailing wildcard may have: "a*"
// would expand to a large part of the term dictionary.
const minPrefixLen = 3

// maxFuzziness is the largest edit distance Bleve's fuzzy search accepts;
// beyond it nearly every short word matches every other.
const maxFuzziness = 2

// maxWordLen caps, in characters, each run of letters and digits in a
// term. No word people search for is this long (a SHA-256 in hex is 64),
// and a pasted blob is not something anyone finds a post by.
const maxWordLen = 100

// maxExpandLen caps, in characters, a fuzzy word (without its ~N) and the
// stem before a wildcard. Bleve builds a Levenshtein automaton for each
// fuzzy word on each field it is looked for in, at a cost that grows with
// the word's length and its edits: 64 words of 600 letters with ~2 took
// seconds of CPU on any index, however small. Forty letters hold every
// real word and most identifiers, and keep a fuzzy word to milliseconds.
const maxExpandLen = 40

// minFuzzyLen is the fewest characters each part of a fuzzy word needs
// per edit allowed, plus one: "ab~1" or "abcd~2" would match a large part
// of the term dictionary, as "a*" would. So word~1 needs 3 and word~2
// needs 5, much as Lucene's AUTO fuzziness gives 2 edits only to longer
// words.
func minFuzzyLen(edits int) int { return 2*edits + 1 }

// term builds the query for one word, phrase or prefixed value.
func (p *parser) term(t token) (bquery.Query, error) {
	p.terms++
	if p.terms > p.opts.MaxTerms {
		return nil, errorf(t.off, "the query has more than %d terms; use fewer words", p.opts.MaxTerms)
	}
	n := countWords(t.text)
	if n > p.opts.MaxPhraseWords {
		what := "this word has"
		if t.phrase {
			what = "this phrase has"
		}
		return nil, errorf(t.off, "%s %d words, more than %d; search for a shorter part of it", what, n, p.opts.MaxPhraseWords)
	}
	p.words += n
	if p.words > p.opts.MaxWords {
		return nil, errorf(t.off, "the query has more than %d words; use fewer", p.opts.MaxWords)
	}
	pre := prefix{kind: kindText, fields: freeFields}
	if t.prefix != "" {
		pre, _ = lookupPrefix(t.prefix)
	}
	switch pre.kind {
	case kindDate:
		return p.dateQuery(t)
	case kindHas:
		if v := strings.ToLower(t.text); v != "attachment" && v != "attachments" {
			return nil, errorf(t.textOff, "has: knows only has:attachment, not has:%s", t.text)
		}
		q := bquery.NewBoolFieldQuery(true)
		q.SetField(FieldHasAttachment)
		return q, nil
	case kindMessageID:
		// Message-IDs may hold * and ~ (RFC 5322 §3.2.3 atext), so the
		// value is taken literally.
		id := strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(t.text), "<"), ">")
		if id == "" {
			return nil, errorf(t.off, "m: needs a Message-ID, as in m:1234@example.org")
		}
		q := bquery.NewTermQuery(id)
		q.SetField(FieldMessageID)
		return q, nil
	}
	if !hasAlnum(t.text) {
		return nil, errorf(t.off, "%s needs letters or digits to search for", t.prefix+":")
	}
	if at, n := longestRun(t.text); n > maxWordLen {
		what := "this word is"
		if t.phrase || countWords(t.text) > 1 {
			what = "a word here is"
		}
		return nil, errorf(t.textOff+at, "%s %d characters long, more than %d; search for a shorter part of it", what, n, maxWordLen)
	}
	if pre.kind == kindAddress && strings.Contains(t.text, "@") {
		return addressQuery(pre.fields, t.text), nil
	}
	return p.textQuery(pre.fields, t)
}

// expand counts n more fuzzy or wildcard words against the query's cap:
// each one becomes an automaton per field that Bleve builds and runs over
// the term dictionary, far dearer than looking a word up.
func (p *parser) expand(t token, n int) error {
	p.expanding += n
	if p.expanding > p.opts.MaxExpanding {
		return errorf(t.off, "the query has more than %d fuzzy (word~) and wildcard (word*) words; use fewer", p.opts.MaxExpanding)
	}
	return nil
}

// addressQuery matches a whole address. Where the field is From, the
// lower-cased keyword field finds it exactly; the analysed fields are
// searched for the address's words as a phrase, which also finds it
// inside "Name <addr>" and in To/Cc, but not merely a colleague at the same
// domain, as separate words would.
func addressQuery(fields []string, value string) bquery.Query {
	addr := strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(value), "<"), ">")
	var qs []bquery.Query
	for _, f := range fields {
		if f == FieldFrom {
			tq := bquery.NewTermQuery(strings.ToLower(addr))
			tq.SetField(FieldFromAddr)
			qs = append(qs, tq)
		}
		mq := bquery.NewMatchPhraseQuery(addr)
		mq.SetField(f)
		qs = append(qs, mq)
	}
	return or(qs)
}

// textQuery matches a word or phrase in any of fields, each analysed by
// its own analyser at search time.
func (p *parser) textQuery(fields []string, t token) (bquery.Query, error) {
	qs := make([]bquery.Query, 0, len(fields))
	if t.phrase {
		for _, f := range fields {
			q := bquery.NewMatchPhraseQuery(t.text)
			q.SetField(f)
			qs = append(qs, q)
		}
		return or(qs), nil
	}

	w := t.text
	if len(w) >= 2 && w[0] == '/' && w[len(w)-1] == '/' {
		return nil, errorf(t.textOff, "regular expressions (/…/) are not supported; put the text in quotes to search for its words")
	}
	if star := strings.IndexByte(w, '*'); star >= 0 {
		switch {
		case star == 0:
			return nil, errorf(t.textOff, "a word cannot start with the wildcard *; put it at the end, as in synchron*")
		case star != len(w)-1:
			return nil, errorf(t.textOff+star, "the wildcard * works only at the end of a word, as in synchron*")
		}
		stem := w[:star]
		if utf8.RuneCountInString(stem) < minPrefixLen {
			return nil, errorf(t.textOff, "a wildcard needs at least %d letters before the *, as in syn*", minPrefixLen)
		}
		if n := utf8.RuneCountInString(stem); n > maxExpandLen {
			return nil, errorf(t.textOff, "a wildcard takes at most %d letters before the *, not %d; shorten the word", maxExpandLen, n)
		}
		if err := p.expand(t, 1); err != nil {
			return nil, err
		}
		// A prefix query is not analysed, so it is lower-cased here to
		// meet the lower-cased terms in the index.
		stem = strings.ToLower(stem)
		for _, f := range fields {
			q := bquery.NewPrefixQuery(stem)
			q.SetField(f)
			qs = append(qs, q)
		}
		return or(qs), nil
	}

	fuzz := 0
	if tilde := strings.LastIndexByte(w, '~'); tilde > 0 && allDigits(w[tilde+1:]) {
		digits := w[tilde+1:]
		switch {
		case digits == "":
			fuzz = 1
		case len(digits) > 1 || digits[0]-'0' > maxFuzziness:
			return nil, errorf(t.textOff+tilde, "fuzzy matching allows at most %d edits (word~%d), not %s", maxFuzziness, maxFuzziness, digits)
		default:
			fuzz = int(digits[0] - '0')
		}
		w = w[:tilde]
	}
	if fuzz > 0 {
		if n := utf8.RuneCountInString(w); n > maxExpandLen {
			return nil, errorf(t.textOff, "fuzzy matching (word~) works on words of at most %d letters, not %d; drop the ~ or shorten the word", maxExpandLen, n)
		}
		// The analyser may split the word ("x-310~1"); each part is
		// matched fuzzily on its own, so each must be long enough and
		// each counts against the cap.
		if at, n := shortestRun(w); n < minFuzzyLen(fuzz) {
			return nil, errorf(t.textOff+at, "word~%d needs at least %d letters or digits in each part of the word, as in overfow~%d; use fewer edits or drop the ~", fuzz, minFuzzyLen(fuzz), fuzz)
		}
		if err := p.expand(t, countWords(w)); err != nil {
			return nil, err
		}
	}
	for _, f := range fields {
		q := bquery.NewMatchQuery(w)
		q.SetField(f)
		// A word the analyser splits ("x-310") must match all of its
		// pieces, not any one of them.
		q.SetOperator(bquery.MatchQueryOperatorAnd)
		if fuzz > 0 {
			q.SetFuzziness(fuzz)
		}
		qs = append(qs, q)
	}
	return or(qs), nil
}

// countWords counts the runs of letters and digits in s: what an analyser
// makes terms of, give or take its stop words, so a bound on it is a
// bound on the searchers a term becomes.
func countWords(s string) int {
	n, in := 0, false
	for _, r := range s {
		alnum := unicode.IsLetter(r) || unicode.IsDigit(r)
		if alnum && !in {
			n++
		}
		in = alnum
	}
	return n
}

// longestRun returns the byte offset and length in characters of the
// longest run of letters and digits in s.
func longestRun(s string) (at, n int) {
	best, bestAt := -1, 0
	forRuns(s, func(off, runes int) {
		if runes > best {
			best, bestAt = runes, off
		}
	})
	return bestAt, max(best, 0)
}

// shortestRun returns the byte offset and length in characters of the
// shortest run of letters and digits in s; s holds at least one.
func shortestRun(s string) (at, n int) {
	best, bestAt := -1, 0
	forRuns(s, func(off, runes int) {
		if best < 0 || runes < best {
			best, bestAt = runes, off
		}
	})
	return bestAt, max(best, 0)
}

// forRuns calls f with the byte offset and length in characters of each
// run of letters and digits in s, the same runs countWords counts.
func forRuns(s string, f func(off, runes int)) {
	start, runes := -1, 0
	for i, r := range s {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			if start < 0 {
				start, runes = i, 0
			}
			runes++
			continue
		}
		if start >= 0 {
			f(start, runes)
			start = -1
		}
	}
	if start >= 0 {
		f(start, runes)
	}
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
