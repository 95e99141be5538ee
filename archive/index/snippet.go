package index

import (
	"html"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2/analysis"
	bquery "github.com/blevesearch/bleve/v2/search/query"

	"praxis/archive/query"
)

// Snippets are made here rather than by Bleve's highlighter: that one
// needs the whole body stored with term vectors, which would double the
// index and cost more per hit than the search itself. The index instead
// stores the first previewBytes of the body, unindexed, and a snippet is
// the first window of it holding a word the query looked for.
const (
	previewBytes = 4096
	snippetRunes = 200
)

// stems are the analysed forms of the words a query looks for in the
// subject and body, the words of NOT clauses left out: what a snippet
// marks.
func stems(q bquery.Query, an analysis.Analyzer) []string {
	var out []string
	add := func(field, text string) {
		if field != query.FieldBody && field != query.FieldSubject {
			return
		}
		for _, tok := range an.Analyze([]byte(text)) {
			out = append(out, string(tok.Term))
		}
	}
	var walk func(q bquery.Query)
	walk = func(q bquery.Query) {
		switch q := q.(type) {
		case *bquery.BooleanQuery:
			walk(q.Must)
			walk(q.Should)
		case *bquery.ConjunctionQuery:
			for _, c := range q.Conjuncts {
				walk(c)
			}
		case *bquery.DisjunctionQuery:
			for _, d := range q.Disjuncts {
				walk(d)
			}
		case *bquery.MatchQuery:
			add(q.FieldVal, q.Match)
		case *bquery.MatchPhraseQuery:
			add(q.FieldVal, q.MatchPhrase)
		case *bquery.PrefixQuery:
			if q.FieldVal == query.FieldBody || q.FieldVal == query.FieldSubject {
				out = append(out, strings.ToLower(q.Prefix))
			}
		case *bquery.FuzzyQuery:
			add(q.FieldVal, q.Term)
		}
	}
	walk(q)
	return out
}

// snippet returns the first window of text around a word that starts with
// one of the stems, as escaped HTML with the matching words in <mark>; ""
// when no word matches.
func snippet(text string, stems []string) string {
	if len(stems) == 0 {
		return ""
	}
	type word struct{ start, end int }
	var marks []word
	first := -1
	for i := 0; i < len(text); {
		r, n := utf8.DecodeRuneInString(text[i:])
		if !isWordRune(r) {
			i += n
			continue
		}
		j := i + n
		for j < len(text) {
			r, n := utf8.DecodeRuneInString(text[j:])
			if !isWordRune(r) {
				break
			}
			j += n
		}
		w := strings.ToLower(text[i:j])
		for _, s := range stems {
			if strings.HasPrefix(w, s) {
				marks = append(marks, word{i, j})
				if first < 0 {
					first = i
				}
				break
			}
		}
		i = j
		if first >= 0 && i-first > 4*snippetRunes {
			break
		}
	}
	if first < 0 {
		return ""
	}
	// A window that starts a little before the first match, at a word
	// boundary, and runs about snippetRunes.
	start := first
	for back := 0; start > 0 && back < snippetRunes/4; back++ {
		_, n := utf8.DecodeLastRuneInString(text[:start])
		start -= n
	}
	for start > 0 && start < first && !unicode.IsSpace(rune(text[start-1])) {
		start++
	}
	end := start
	for k := 0; end < len(text) && k < snippetRunes; k++ {
		_, n := utf8.DecodeRuneInString(text[end:])
		end += n
	}
	for end < len(text) && !unicode.IsSpace(rune(text[end])) && end-start < 2*snippetRunes {
		end++
	}
	var b strings.Builder
	if start > 0 {
		b.WriteString("…")
	}
	at := start
	for _, m := range marks {
		if m.start < start || m.end > end {
			continue
		}
		b.WriteString(html.EscapeString(oneLine(text[at:m.start])))
		b.WriteString("<mark>")
		b.WriteString(html.EscapeString(text[m.start:m.end]))
		b.WriteString("</mark>")
		at = m.end
	}
	b.WriteString(html.EscapeString(oneLine(text[at:end])))
	if end < len(text) {
		b.WriteString("…")
	}
	return b.String()
}

func isWordRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsDigit(r) || r == '_'
}

// oneLine puts a snippet on one line.
var oneLine = strings.NewReplacer("\r\n", " ", "\n", " ", "\r", " ", "\t", " ").Replace

// preview is the start of a body, cut at a character boundary, that the
// index stores for snippets.
func preview(body string) string {
	if len(body) <= previewBytes {
		return body
	}
	cut := previewBytes
	for cut > 0 && !utf8.RuneStart(body[cut]) {
		cut--
	}
	return body[:cut]
}
