package learn

import (
	"math/rand/v2"
	"regexp"
	"slices"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// The readings splitSentences and bulletEnd replaced, kept as the oracle
// they are held to: the same sentences and the same list marks, on the
// usrp-users archive's every line and block of lines (headers, logs,
// code, HTML and base64 with the prose) and on random text.

var bulletOracle = regexp.MustCompile(`^\s*([-*•+]|\(?\d{1,2}[.)]|\(?[a-z][.)])\s+`)

func bulletEndOracle(l string) int {
	m := bulletOracle.FindStringIndex(l)
	if m == nil {
		return -1
	}
	return m[1]
}

func splitSentencesOracle(p string) []string {
	var out []string
	start := 0
	rs := []rune(p)
	for i := 0; i < len(rs); i++ {
		r := rs[i]
		if r != '.' && r != '!' && r != '?' {
			continue
		}
		j := i + 1
		for j < len(rs) && strings.ContainsRune(".!?\"')]’”", rs[j]) {
			j++
		}
		if j < len(rs) && rs[j] != ' ' {
			i = j - 1
			continue
		}
		if r == '.' && j-i == 1 {
			w := lastWordOracle(rs[start:i])
			lw := strings.ToLower(w)
			if abbreviation[lw] || (utf8.RuneCountInString(w) == 1 && unicode.IsUpper([]rune(w)[0])) {
				continue
			}
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

func lastWordOracle(rs []rune) string {
	i := len(rs)
	for i > 0 && !unicode.IsSpace(rs[i-1]) && rs[i-1] != '(' {
		i--
	}
	return strings.TrimLeft(string(rs[i:]), "\"'(")
}

func TestSentencesAsTheOracle(t *testing.T) {
	texts := []string{
		"", ".", "a. b", "Dr. Who is here. He said so!", "approx. 80,000 samples. Then?", "v3.15. the next",
		"J. Smith wrote it.", "É. Zola. Fine", "“Quoted.” Next one.", "It works!” she said. OK", "(a) first (b) second.",
		"Ends with ’. Then", "bad \xff\xfe bytes. Here. \xe2\x80", "é.", "x.\u00a0y. Z", " - item", "•\tdot", "12) twelve", "(3. three",
		"123. no", "a) yes", "(a)no", "A) upper", "-", "- ", "-\v x", "  * star\t", "(", "1", "1.", "1. ", "\u00a0- nbsp",
	}
	if raw := usrpArchive(); raw != "" {
		for block := range strings.SplitSeq(raw, "\n\n") {
			texts = append(texts, strings.ReplaceAll(block, "\n", " "))
			texts = append(texts, strings.Split(block, "\n")...)
		}
	} else if testing.Short() {
		t.Log("no usrp-users archive here: the crafted and random texts only")
	}
	texts = append(texts, randomTexts(1, 24, "a", "B", "é", "É", " ", " ", ".", "!", "?", "\"", "'", ")", "]", "’", "”", "(", "-", "*", "•", "+", "1", "23", "\t", "\n", "e.g", "Dr", "\xff", "\xe2\x80", "\u00a0", "ſ")...)
	bad := 0
	for _, s := range texts {
		if got, want := splitSentences(s), splitSentencesOracle(s); !slices.Equal(got, want) {
			if bad++; bad <= 10 {
				t.Errorf("splitSentences(%q) = %q, the oracle %q", s, got, want)
			}
		}
		if got, want := bulletEnd(s), bulletEndOracle(s); got != want {
			if bad++; bad <= 10 {
				t.Errorf("bulletEnd(%q) = %d, the oracle %d", s, got, want)
			}
		}
	}
	t.Logf("%d texts", len(texts))
}

var modelOracle = regexp.MustCompile(`\b[A-Za-z]{1,4}[0-9]{2,4}[A-Za-z]{0,4}\b`)

// TestModelsAsTheOracle holds models to the expression it replaced.
func TestModelsAsTheOracle(t *testing.T) {
	texts := []string{"", "X310", "x310 and B210mini, N3xx E3", "USRP-X310s", "AB1234CDEF", "ABCDE12", "A1", "A12345", "é310", "éX310", "X310é", "_X310", "X310_", "b200/b210", "rfnoc4"}
	if raw := usrpArchive(); raw != "" {
		texts = append(texts, strings.Split(raw, "\n")...)
	}
	texts = append(texts, randomTexts(3, 16, "a", "X", "1", "23", "_", " ", "-", "é", "\xff", ".", "b2")...)
	bad := 0
	for _, s := range texts {
		var got []string
		models(s, func(m string) bool { got = append(got, m); return true })
		if want := modelOracle.FindAllString(s, -1); !slices.Equal(got, want) {
			if bad++; bad <= 10 {
				t.Errorf("models(%q) = %q, the oracle %q", s, got, want)
			}
		}
	}
}

// randomTexts are 200,000 texts of fewer than pieces pieces of the
// alphabet each, the same for a seed.
func randomTexts(seed uint64, pieces int, alphabet ...string) []string {
	r := rand.New(rand.NewPCG(seed, seed+1))
	out := make([]string, 200000)
	for i := range out {
		var b strings.Builder
		for range r.IntN(pieces) {
			b.WriteString(alphabet[r.IntN(len(alphabet))])
		}
		out[i] = b.String()
	}
	return out
}

// codeWordsOracle is the reading codeWords replaced.
func codeWordsOracle(t string) (code, words int) {
	for w := range strings.FieldsSeq(t) {
		words++
		if strings.ContainsAny(strings.TrimRight(w, ".,:;!?)"), "_()<>=;{}[]/\\:~") {
			code++
		}
	}
	return code, words
}

// TestCodeWordsAsTheOracle holds codeWords to the reading it replaced, on
// the usrp-users archive's every line and on random text with every kind
// of space and closing mark.
func TestCodeWordsAsTheOracle(t *testing.T) {
	texts := []string{"", " ", "foo()", "foo().", "a::b c", "x=y;", "end.)", "(see this)", "path/to/file, and", "a\u00a0b_c", "a\u0085b", "\xff_ \xe2\x80", "tab\tsep_x\vv", "ſ_", "a)\u2003b("}
	if raw := usrpArchive(); raw != "" {
		texts = append(texts, strings.Split(raw, "\n")...)
	}
	texts = append(texts, randomTexts(4, 16, "a", "é", " ", "\t", "\v", "\u00a0", "\u0085", "\u2003", "\u3000", "\xff", "\xe2\x80", "_", "(", ")", ".", ",", "!", ":", "::", "/", "\\", "~", "=", ";", "x")...)
	bad := 0
	for _, s := range texts {
		gc, gw := codeWords(s)
		if wc, ww := codeWordsOracle(s); gc != wc || gw != ww {
			if bad++; bad <= 10 {
				t.Errorf("codeWords(%q) = %d, %d; the oracle %d, %d", s, gc, gw, wc, ww)
			}
		}
	}
}

// TestSignOffAgrees holds the sign-off Pattern to its expression, on the
// usrp-users archive's every line and on random lines made of closings,
// names, cases and the letters (?i) folds.
func TestSignOffAgrees(t *testing.T) {
	texts := []string{"", "Thanks,", "THANKS AGAIN!", "Best regards, Rob", "Grüße", "ſincerely", "\u212aind regards", "Cheers - Ann Lee", "br", "Brian", "tia.", "Regards.", "thanks to you"}
	if raw := usrpArchive(); raw != "" {
		for l := range strings.SplitSeq(raw, "\n") {
			texts = append(texts, strings.TrimSpace(l))
		}
	}
	// Every closing the expression names, as written, in capitals, with
	// a name, and with each 's' and 'k' in turn its other case-fold
	// ('ſ', the Kelvin sign).
	src := signOff.Regexp().String()
	alts := src[strings.Index(src, "(?i:")+len("(?i:") : strings.Index(src, `)\s*`)]
	for a := range strings.SplitSeq(alts, "|") {
		texts = append(texts, a, strings.ToUpper(a)+",", a+" Rob", a+" -- Ann Lee.", a+"x")
		for i, r := range a {
			switch r {
			case 's':
				texts = append(texts, a[:i]+"ſ"+a[i+1:]+",")
			case 'k':
				texts = append(texts, a[:i]+"\u212a"+a[i+1:]+",")
			}
		}
	}
	texts = append(texts, randomTexts(5, 6, "thanks", "Thank you", "best", "Regards", "with ", "kind ", "KIND", "ſ", "\u212a", "ü", "grüße", "br", "Cheers", " ", ",", ".", "!", "-", "Rob", "ann", "x", "in advance")...)
	bad := 0
	for _, s := range texts {
		if got, want := signOff.MatchString(s), signOff.Regexp().MatchString(s); got != want {
			if bad++; bad <= 10 {
				t.Errorf("signOff.MatchString(%q) = %v, the expression %v (needs %q)", s, got, want, signOff.needs)
			}
		}
	}
}

// TestSqueezeAsFields holds squeeze to what it was, the fields joined by
// single spaces, on the usrp-users archive's every line and random text
// with every kind of space.
func TestSqueezeAsFields(t *testing.T) {
	texts := []string{"", " ", "a", " a", "a ", "a  b", "a\tb", "a\u00a0b", "a\u0085b", "\xffb c", "é è", "a b c"}
	if raw := usrpArchive(); raw != "" {
		texts = append(texts, strings.Split(raw, "\n")...)
	}
	texts = append(texts, randomTexts(6, 12, "a", "é", " ", " ", "\t", "\n", "\v", "\u00a0", "\u0085", "\u2003", "\xff", "\xe2\x80", "x")...)
	bad := 0
	for _, s := range texts {
		if got, want := squeeze(s), strings.Join(strings.Fields(s), " "); got != want {
			if bad++; bad <= 10 {
				t.Errorf("squeeze(%q) = %q, want %q", s, got, want)
			}
		}
	}
}
