package mailmsg

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// HideAddresses hides the addresses in text from a reader who may not
// see them, as an archive does for visitors: "Ann <ann@example.org>"
// becomes "Ann", and any other address keeps only its local part
// ("ann@…"), enough to tell people apart and useless to a harvester. It
// works on plain text and on escaped HTML alike (&lt; &gt; are read as
// brackets, and nothing it writes needs escaping).
//
// It reads what addressRE and namedRE describe, by hand: from each "@"
// outwards. Those patterns, run over every search hit's 4 KB preview for
// a visitor, backtracked at every byte and took half of a search page's
// time; TestHideAddressesAgreesWithThePatterns checks the two agree.
func HideAddresses(text string) string {
	at := strings.IndexByte(text, '@')
	if at < 0 {
		return text
	}
	var b strings.Builder
	done := 0  // text[:done] is written (or dropped)
	named := 0 // the end of the last name's bracket dropped
	for at >= 0 {
		start, end := addressAround(text, done, at)
		if end < 0 {
			next := strings.IndexByte(text[at+1:], '@')
			if next < 0 {
				break
			}
			at += 1 + next
			continue
		}
		// The name may end an address hidden just before ("a@b.c <d@e.f>"
		// loses the bracket too): names are read in the text as it came.
		if cut, ok := namedBracket(text, named, start, end); ok && cut >= done {
			// "Ann <ann@…>": the bracket and the space before it go.
			b.WriteString(text[done:cut])
			end = bracketEnd(text, end)
			named = end
		} else {
			b.WriteString(text[done:start])
			b.WriteString(text[start:at])
			b.WriteString("@…")
		}
		done = end
		next := strings.IndexByte(text[done:], '@')
		if next < 0 {
			break
		}
		at = done + next
	}
	if done == 0 {
		return text
	}
	b.WriteString(text[done:])
	return b.String()
}

// isAtom tells the characters of an address's local part (a dot-atom's,
// without the dots).
func isAtom(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	return strings.IndexByte("!#$%&'*+/=?^_{|}~-", c) >= 0
}

func isAlnum(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
}

// addressAround finds the address whose "@" is at at, not reaching back
// before from: its local part is the longest dot-atom ending at the "@",
// its domain the most labels (letters, digits and inner hyphens) joined
// by dots after it, two at least. end is -1 when there is none.
func addressAround(text string, from, at int) (start, end int) {
	if at == from || !isAtom(text[at-1]) {
		return 0, -1
	}
	start = at - 1
	for start > from {
		c := text[start-1]
		if isAtom(c) {
			start--
			continue
		}
		if c == '.' && start-1 > from && isAtom(text[start-2]) {
			start--
			continue
		}
		break
	}
	labels, p := 0, at+1
	end = -1
	for {
		q := p
		for q < len(text) && (isAlnum(text[q]) || text[q] == '-') {
			q++
		}
		last := q
		for last > p && text[last-1] == '-' {
			last--
		}
		if last == p || !isAlnum(text[p]) {
			break
		}
		labels++
		if labels >= 2 {
			end = last
		}
		if last != q || q+1 >= len(text) || text[q] != '.' || !isAlnum(text[q+1]) {
			break
		}
		p = q + 1
	}
	if labels < 2 {
		return 0, -1
	}
	return start, end
}

// namedBracket tells whether the address at [start, end) stands in angle
// brackets ("<…>" or "&lt;…&gt;") after a name: spaces or tabs, and before
// them a letter, digit, quote, closing parenthesis or bracket, or dot, not
// before from. cut is where the spaces start.
func namedBracket(text string, from, start, end int) (cut int, ok bool) {
	open := start
	switch {
	case open-1 >= from && text[open-1] == '<':
		open--
	case open-4 >= from && text[open-4:open] == "&lt;":
		open -= 4
	default:
		return 0, false
	}
	if !(strings.HasPrefix(text[end:], ">") || strings.HasPrefix(text[end:], "&gt;")) {
		return 0, false
	}
	cut = open
	for cut > from && (text[cut-1] == ' ' || text[cut-1] == '\t') {
		cut--
	}
	if cut == from {
		return 0, false
	}
	r, _ := utf8.DecodeLastRuneInString(text[from:cut])
	if !(unicode.IsLetter(r) || unicode.IsNumber(r) || strings.ContainsRune(`"')].`, r)) {
		return 0, false
	}
	return cut, true
}

// bracketEnd is the end of the closing bracket after an address ending
// at end.
func bracketEnd(text string, end int) int {
	if strings.HasPrefix(text[end:], "&gt;") {
		return end + 4
	}
	return end + 1
}
