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
	bullet       = regexp.MustCompile(`^\s*([-*•+]|\(?\d{1,2}[.)]|\(?[a-z][.)])\s+`)
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
		broken := prev != "" && len(prev) < 45 && !strings.ContainsAny(prev[len(prev)-1:], ".,;:!?") && t != "" && unicode.IsUpper([]rune(t)[0])
		prev = t
		if broken {
			flush(false)
		}
		switch {
		case t == "":
			flush(false)
		case !proseLine(l):
			flush(true)
		case bullet.MatchString(l):
			flush(false)
			cur = append(cur, strings.TrimSpace(bullet.ReplaceAllString(l, "")))
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
	words := strings.Fields(t)
	code := 0
	for _, w := range words {
		if strings.ContainsAny(strings.TrimRight(w, ".,:;!?)"), "_()<>=;{}[]/\\:~") {
			code++
		}
	}
	return code < 2 || code*2 < len(words)
}

// splitSentences splits a paragraph at sentence ends: '.', '!' or '?'
// followed by a space and not closing an abbreviation or an initial.
func splitSentences(p string) []string {
	var out []string
	start := 0
	rs := []rune(p)
	for i := 0; i < len(rs); i++ {
		r := rs[i]
		if r != '.' && r != '!' && r != '?' {
			continue
		}
		// Run of closing punctuation: "?!", "...", `."`, ".)".
		j := i + 1
		for j < len(rs) && strings.ContainsRune(".!?\"')]’”", rs[j]) {
			j++
		}
		if j < len(rs) && rs[j] != ' ' {
			i = j - 1
			continue
		}
		if r == '.' && j-i == 1 {
			w := lastWord(rs[start:i])
			lw := strings.ToLower(w)
			if abbreviation[lw] || (utf8.RuneCountInString(w) == 1 && unicode.IsUpper([]rune(w)[0])) {
				continue
			}
			// The next word starts lower case: not a sentence end
			// ("approx. 80,000", "v3.15. the").
			k := j
			for k < len(rs) && rs[k] == ' ' {
				k++
			}
			if k < len(rs) && unicode.IsLower(rs[k]) {
				continue
			}
		}
		s := strings.TrimSpace(string(rs[start:j]))
		if s != "" {
			out = append(out, s)
		}
		start = j
		i = j - 1
	}
	if s := strings.TrimSpace(string(rs[start:])); s != "" {
		out = append(out, s)
	}
	return out
}

func lastWord(rs []rune) string {
	i := len(rs)
	for i > 0 && !unicode.IsSpace(rs[i-1]) && rs[i-1] != '(' {
		i--
	}
	return strings.TrimLeft(string(rs[i:]), "\"'(")
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
func squeeze(s string) string { return strings.Join(strings.Fields(s), " ") }
