package query

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

type tokenKind int

const (
	tokTerm   tokenKind = iota // a word or phrase, perhaps with a prefix
	tokLParen                  // (
	tokRParen                  // )
	tokAnd                     // AND
	tokOr                      // OR
	tokNot                     // NOT
	tokMinus                   // - written against the next term
	tokPlus                    // + written against the next term
)

type token struct {
	kind    tokenKind
	off     int    // byte offset where the token starts
	prefix  string // lower-case prefix name without the colon; "" for none
	text    string // the word, or the phrase without its quotes
	textOff int    // byte offset where text starts
	phrase  bool   // text was written in double quotes
}

// lexer splits a query into tokens. Words end at white space, parentheses
// and double quotes; everything else, punctuation included, stays in the
// word and is left to the field's analyser.
type lexer struct {
	src  string
	pos  int
	toks []token
}

func lex(src string) ([]token, error) {
	l := &lexer{src: src}
	for {
		l.skipSpace()
		if l.pos >= len(l.src) {
			return l.toks, nil
		}
		if err := l.next(); err != nil {
			return nil, err
		}
	}
}

func (l *lexer) skipSpace() {
	for l.pos < len(l.src) {
		r, n := utf8.DecodeRuneInString(l.src[l.pos:])
		if !unicode.IsSpace(r) {
			return
		}
		l.pos += n
	}
}

func (l *lexer) emit(t token) { l.toks = append(l.toks, t) }

// next reads one token starting at l.pos, which is not white space.
func (l *lexer) next() error {
	start := l.pos
	switch c := l.src[start]; c {
	case '(':
		l.pos++
		l.emit(token{kind: tokLParen, off: start})
		return nil
	case ')':
		l.pos++
		l.emit(token{kind: tokRParen, off: start})
		return nil
	case '"':
		text, err := l.phrase()
		if err != nil {
			return err
		}
		// A phrase of nothing but punctuation cannot match anything
		// under any analyser; dropping it keeps it from silently
		// emptying a conjunction.
		if hasAlnum(text) {
			l.emit(token{kind: tokTerm, off: start, text: text, textOff: start + 1, phrase: true})
		}
		return nil
	case '-', '+':
		// A sign is an operator only when written against what it
		// applies to. "--verbose" and "C++" style words, and a lone
		// "-" between words, stay text.
		if start+1 < len(l.src) {
			next := l.src[start+1]
			if next != c && next != ')' && !isSpaceAt(l.src, start+1) {
				l.pos++
				kind := tokMinus
				if c == '+' {
					kind = tokPlus
				}
				l.emit(token{kind: kind, off: start})
				return nil
			}
		}
	}
	return l.word()
}

// phrase reads a double-quoted phrase; l.pos is at the opening quote.
func (l *lexer) phrase() (string, error) {
	open := l.pos
	end := strings.IndexByte(l.src[open+1:], '"')
	if end < 0 {
		return "", errorf(open, `this quote is never closed; add the closing "`)
	}
	text := l.src[open+1 : open+1+end]
	l.pos = open + 1 + end + 1
	// Lucene-style "a b"~3 asks for proximity, which Bleve's phrase
	// query cannot express; refusing beats quietly searching for "3".
	if l.pos < len(l.src) && l.src[l.pos] == '~' {
		return "", errorf(l.pos, `phrases cannot take ~ (no proximity or fuzzy phrases); remove the ~ after the closing quote`)
	}
	return text, nil
}

// word reads a bare word and sorts it into an operator, a prefixed term or
// a plain term.
func (l *lexer) word() error {
	start := l.pos
	for l.pos < len(l.src) {
		c := l.src[l.pos]
		if c == '(' || c == ')' || c == '"' || isSpaceAt(l.src, l.pos) {
			break
		}
		_, n := utf8.DecodeRuneInString(l.src[l.pos:])
		l.pos += n
	}
	w := l.src[start:l.pos]
	switch w {
	case "AND":
		l.emit(token{kind: tokAnd, off: start})
		return nil
	case "OR":
		l.emit(token{kind: tokOr, off: start})
		return nil
	case "NOT":
		l.emit(token{kind: tokNot, off: start})
		return nil
	}

	if colon := strings.IndexByte(w, ':'); colon > 0 && isLetters(w[:colon]) {
		name := strings.ToLower(w[:colon])
		rest := w[colon+1:]
		valueOff := start + colon + 1
		// "std::vector" and "https://…" are text, not prefixes.
		if strings.HasPrefix(rest, ":") || strings.HasPrefix(rest, "//") {
			return l.plain(start, w)
		}
		quoted := rest == "" && l.pos < len(l.src) && l.src[l.pos] == '"'
		p, known := lookupPrefix(name)
		switch {
		case !known && rest == "" && !quoted:
			// "Re:" or "Note:" pasted from a subject: nothing follows
			// the colon, so it cannot be meant as a prefix.
			return l.plain(start, w)
		case !known:
			return errorf(start, "unknown prefix %q; the prefixes are %s (or put the text in quotes to search for it as words)", name+":", prefixList())
		case quoted:
			text, err := l.phrase()
			if err != nil {
				return err
			}
			l.emit(token{kind: tokTerm, off: start, prefix: p.name, text: text, textOff: valueOff + 1, phrase: true})
			return nil
		case rest == "":
			return errorf(start, "%s needs a word or a quoted phrase right after the colon, as in %s", name+":", example(p))
		}
		l.emit(token{kind: tokTerm, off: start, prefix: p.name, text: rest, textOff: valueOff})
		return nil
	}
	return l.plain(start, w)
}

// plain emits an unprefixed word, dropping words with no letter or digit:
// no analyser makes a searchable term of them, and a term that matches
// nothing would empty the whole AND it stands in.
func (l *lexer) plain(start int, w string) error {
	if hasAlnum(w) {
		l.emit(token{kind: tokTerm, off: start, text: w, textOff: start})
	}
	return nil
}

func isSpaceAt(s string, i int) bool {
	r, _ := utf8.DecodeRuneInString(s[i:])
	return unicode.IsSpace(r)
}

func isLetters(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c < 'a' || c > 'z') && (c < 'A' || c > 'Z') {
			return false
		}
	}
	return s != ""
}

func hasAlnum(s string) bool {
	for _, r := range s {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			return true
		}
	}
	return false
}

func prefixList() string {
	var b strings.Builder
	for i, p := range prefixes {
		if i > 0 {
			b.WriteString(", ")
		}
		if p.kind == kindHas {
			b.WriteString(p.about)
			continue
		}
		b.WriteString(p.name + ": (" + p.about + ")")
	}
	return b.String()
}

func example(p prefix) string {
	switch p.kind {
	case kindDate:
		return "d:2026-01-01..2026-03-31"
	case kindHas:
		return "has:attachment"
	case kindMessageID:
		return "m:1234@example.org"
	}
	return p.name + `:word or ` + p.name + `:"two words"`
}
