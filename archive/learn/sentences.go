package learn

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// A sentence is the unit a summary quotes: whole, never cut mid-word,
// taken from the author's own prose.

// maxSentence is the longest sentence a summary quotes; longer ones are
// usually run-on logs or pasted text.
const maxSentence = 400

var (
	urlInText    = mustPattern(`(?i)\b(https?://|www\.)\S+`)
	emailInText  = mustPattern(`\S+@\S+\.\S+`)
	abbreviation = map[string]bool{
		"e.g": true, "i.e": true, "eg": true, "ie": true, "etc": true, "vs": true, "mr": true, "mrs": true, "ms": true,
		"dr": true, "prof": true, "fig": true, "approx": true, "incl": true, "cf": true, "al": true, "no": true,
		"sec": true, "min": true, "max": true, "ver": true, "rev": true, "st": true, "jr": true, "sr": true, "inc": true, "ltd": true,
	}
)

// para is a block of prose. cut says a code or log line ended it, so its
// last sentence may be a fragment that ran on into the code.
type para struct {
	text string
	cut  bool
}

// paragraphs splits prose into blocks that sentences never cross: blank
// lines, list items, and lines that look like code or logs end a block.
// Code and log lines are dropped.
func paragraphs(prose string) []para {
	var out []para
	var cur []string
	flush := func(cut bool) {
		if len(cur) > 0 {
			out = append(out, para{text: strings.Join(cur, " "), cut: cut})
			cur = nil
		}
	}
	prev := ""
	for _, l := range strings.Split(prose, "\n") {
		t := strings.TrimSpace(l)
		// A short line that does not end a sentence, followed by one that
		// starts like a sentence, was a line of its own (a table row, a
		// title), not hard-wrapped prose.
		broken := prev != "" && len(prev) < 45 && !strings.ContainsAny(prev[len(prev)-1:], ".,;:!?") && t != "" && startsUpper(t)
		prev = t
		if broken {
			flush(false)
		}
		switch {
		case t == "":
			flush(false)
		case !proseLine(l):
			flush(true)
		case bulletEnd(l) >= 0:
			flush(false)
			cur = append(cur, strings.TrimSpace(l[bulletEnd(l):]))
		default:
			cur = append(cur, t)
		}
	}
	flush(false)
	return out
}

// proseLine tells a line of prose from code, logs, tables and commands.
func proseLine(l string) bool {
	t := strings.TrimSpace(l)
	if t == "" {
		return false
	}
	// Indented by four or more (code), or starting like a log line,
	// a shell prompt or a compiler message.
	if strings.HasPrefix(l, "    ") || strings.HasPrefix(l, "\t") {
		return false
	}
	switch t[0] {
	case '[', '$', '#', '{', '}', '<', '|', '/', '(':
		if t[0] != '(' || !strings.Contains(t, " ") {
			return false
		}
	}
	letters, others := 0, 0
	for _, r := range urlInText.ReplaceAllString(t, "") {
		switch {
		case unicode.IsLetter(r):
			letters++
		case r == ' ' || r == ',' || r == '.' || r == '\'' || r == '?' || r == '!' || r == '-' || r == '’':
		default:
			others++
		}
	}
	if letters < 3 || others*3 > letters {
		return false
	}
	// Code: foo(), a::b, x = y;, a->b, paths and key=value pairs.
	if strings.Contains(t, "::") || strings.HasSuffix(t, ";") || strings.HasSuffix(t, "{") || strings.Contains(t, ");") || strings.Contains(t, "->") {
		return false
	}
	code, words := codeWords(t)
	return code < 2 || code*2 < words
}

// codeWords counts the words of t (as strings.Fields splits it) and those
// of them that look like code: a character of codeByte in the word, its
// closing punctuation (trailByte) aside. Read byte by byte, as
// paragraphs asks it of every line of every post a summary reads, and
// splitting each line into words and trimming each word were a tenth
// of a summary's analysis.
func codeWords(t string) (code, words int) {
	for i := 0; i < len(t); {
		// A word runs from start to the next space.
		start := i
		for i < len(t) {
			space, n := spaceAt(t, i)
			if space {
				break
			}
			i += n
		}
		if i > start {
			words++
			end := i
			for end > start && trailByte[t[end-1]] {
				end--
			}
			for k := start; k < end; k++ {
				if codeByte[t[k]] {
					code++
					break
				}
			}
		}
		// Past the spaces.
		for i < len(t) {
			space, n := spaceAt(t, i)
			if !space {
				break
			}
			i += n
		}
	}
	return code, words
}

// spaceAt tells whether the character at s[i] is a space, as
// unicode.IsSpace (and so strings.Fields) has it, and its width in bytes.
func spaceAt(s string, i int) (space bool, width int) {
	if c := s[i]; c < utf8.RuneSelf {
		return asciiSpace[c], 1
	}
	r, n := utf8.DecodeRuneInString(s[i:])
	return unicode.IsSpace(r), n
}

// byteSet is a set of ASCII characters, for reading text a byte at a time.
type byteSet [256]bool

func newByteSet(chars string) *byteSet {
	var s byteSet
	for i := 0; i < len(chars); i++ {
		s[chars[i]] = true
	}
	return &s
}

var (
	// asciiSpace: the ASCII characters unicode.IsSpace holds spaces.
	asciiSpace = newByteSet("\t\n\v\f\r ")
	// codeByte: characters that mark a word as code (foo(), a::b, x=y,
	// paths); trailByte: the punctuation a word of prose may end with.
	codeByte  = newByteSet("_()<>=;{}[]/\\:~")
	trailByte = newByteSet(".,:;!?)")
)

// bulletEnd is the length of the list item's mark (and the spaces around
// it) that l starts with, -1 when it starts with none: bullet's match,
// read by hand, as paragraphs asks it of every line of every post a
// summary reads.
func bulletEnd(l string) int {
	i := 0
	for i < len(l) && isRESpace(l[i]) {
		i++
	}
	j := -1
	switch {
	case i == len(l):
	case l[i] == '-' || l[i] == '*' || l[i] == '+':
		j = i + 1
	case strings.HasPrefix(l[i:], "•"):
		j = i + len("•")
	default:
		k := i
		if l[k] == '(' {
			k++
		}
		switch {
		case k < len(l) && l[k] >= '0' && l[k] <= '9':
			k++
			if k < len(l) && l[k] >= '0' && l[k] <= '9' {
				k++
			}
		case k < len(l) && l[k] >= 'a' && l[k] <= 'z':
			k++
		default:
			return -1
		}
		if k < len(l) && (l[k] == '.' || l[k] == ')') {
			j = k + 1
		}
	}
	if j < 0 || j == len(l) || !isRESpace(l[j]) {
		return -1
	}
	for j < len(l) && isRESpace(l[j]) {
		j++
	}
	return j
}

// isRESpace is a regular expression's \s: ASCII white space but '\v'.
func isRESpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r'
}

// splitSentences splits a paragraph at sentence ends: '.', '!' or '?'
// followed by a space and not closing an abbreviation or an initial.
// It reads the paragraph's bytes (the marks are ASCII), not a copy of its
// runes: it is asked of every paragraph of every post a summary reads.
func splitSentences(p string) []string {
	if !utf8.ValidString(p) {
		// As reading it as runes did: each byte that is no UTF-8 a
		// U+FFFD.
		p = string([]rune(p))
	}
	var out []string
	start := 0
	for i := 0; i < len(p); i++ {
		c := p[i]
		if c != '.' && c != '!' && c != '?' {
			continue
		}
		// Run of closing punctuation: "?!", "...", `."`, ".)".
		j := i + 1
		for j < len(p) {
			r, n := utf8.DecodeRuneInString(p[j:])
			if !strings.ContainsRune(".!?\"')]’”", r) {
				break
			}
			j += n
		}
		if j < len(p) && p[j] != ' ' {
			i = j - 1
			continue
		}
		if c == '.' && j-i == 1 {
			w := lastWordOf(p[start:i])
			lw := strings.ToLower(w)
			if abbreviation[lw] {
				continue
			}
			if r, n := utf8.DecodeRuneInString(w); n == len(w) && n > 0 && unicode.IsUpper(r) {
				continue
			}
			// The next word starts lower case: not a sentence end
			// ("approx. 80,000", "v3.15. the").
			k := j
			for k < len(p) && p[k] == ' ' {
				k++
			}
			if r, _ := utf8.DecodeRuneInString(p[k:]); k < len(p) && unicode.IsLower(r) {
				continue
			}
		}
		if s := strings.TrimSpace(p[start:j]); s != "" {
			out = append(out, s)
		}
		start = j
		i = j - 1
	}
	if s := strings.TrimSpace(p[start:]); s != "" {
		out = append(out, s)
	}
	return out
}

// lastWordOf is the last word of s: after its last space or '(', without
// opening quotes and brackets.
func lastWordOf(s string) string {
	i := len(s)
	for i > 0 {
		r, n := utf8.DecodeLastRuneInString(s[:i])
		if unicode.IsSpace(r) || r == '(' {
			break
		}
		i -= n
	}
	return strings.TrimLeft(s[i:], "\"'(")
}

// goodSentence tells whether a sentence is worth quoting: prose, of
// reasonable length, with a few words.
func goodSentence(s string) bool {
	if len(s) > maxSentence || len(s) < 12 {
		return false
	}
	words := strings.Fields(s)
	if len(words) < 3 {
		return false
	}
	// Mostly addresses or links: not prose.
	clean := urlInText.ReplaceAllString(s, "")
	clean = emailInText.ReplaceAllString(clean, "")
	return len(strings.Fields(clean))*2 >= len(words)
}

// Sentences returns the quotable sentences of a post's prose, in order.
func Sentences(prose string) []string {
	var out []string
	for _, p := range paragraphs(prose) {
		ss := splitSentences(p.text)
		for i, s := range ss {
			if i == len(ss)-1 && p.cut && !strings.ContainsAny(s[len(s)-1:], ".!?:)\"'”") {
				break // ran on into the code below it
			}
			if goodSentence(s) {
				out = append(out, squeeze(s))
			}
		}
	}
	return out
}

// IsQuestionSentence tells whether a sentence asks: a '?' outside links.
func IsQuestionSentence(s string) bool {
	if !strings.Contains(s, "?") {
		return false
	}
	return strings.Contains(urlInText.ReplaceAllString(s, ""), "?")
}

// asksPlainly: a sentence that is put as a question though it ends
// with a period ("Can I run an X310 with one UBX, or do I need two.",
// "Are there any settings needed to connect through the QSFP+ port.").
var asksPlainly = regexp.MustCompile(`(?i)^(can|could|do|does|did|is|are|should|would|will|must|have|has) (i|we|you|anyone|anybody|someone|somebody|one|there|it|this|that)\b|^(how|why|what|which|where) (do|does|did|can|could|should|would|is|are|to)\b`)

var interrogative = regexp.MustCompile(`(?i)^(how|why|what|when|where|which|who|whom|whose|is|are|was|were|does|do|did|can|could|should|would|will|shall|may|has|have|any|anyone|anybody|has anyone|is there|help|question)\b`)

// squeeze joins lines and squeezes runs of spaces, for display.
func squeeze(s string) string {
	if squeezed(s) {
		// Most sentences are already: a summary squeezes thousands.
		return s
	}
	return strings.Join(strings.Fields(s), " ")
}

// squeezed tells whether squeeze would give s back as it is: no space at
// either end, and every space between words one ASCII ' '.
func squeezed(s string) bool {
	after := true // a space first is not squeezed
	for i := 0; i < len(s); {
		space, n := spaceAt(s, i)
		if space && (s[i] != ' ' || after) {
			return false
		}
		after = space
		i += n
	}
	return !after || s == ""
}

// startsUpper tells whether s starts with an upper-case letter (without
// a copy of its runes: paragraphs asks it of every line).
func startsUpper(s string) bool {
	r, _ := utf8.DecodeRuneInString(s)
	return unicode.IsUpper(r)
}
