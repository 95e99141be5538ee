package learn

import (
	"math"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Terms, weights and similarity. A term is a word reduced by a light
// stemmer (plural and verb endings), so "overflows" and "overflow" count
// as one; stop words and numbers are not terms. Weights are TF-IDF:
// a term counts for more the more often a text uses it and the fewer
// posts of the list's archive use it.

// Token is one word of a text: its term (stem) and the form written.
type Token struct {
	Term, Word string
}

// Tokens splits text into words of letters, digits and inner '_' or '-'
// (rx_samples_to_file, usrp-users), drops links, addresses, stop words
// and numbers, and stems the rest. (A hand-written scanner: this runs
// over every post of a year's archive, where regular expressions cost
// more than the rest of a summary.)
func Tokens(text string) []Token {
	var out []Token
	for len(text) > 0 {
		// The next whitespace-separated chunk.
		i := strings.IndexFunc(text, func(r rune) bool { return !unicode.IsSpace(r) })
		if i < 0 {
			break
		}
		text = text[i:]
		j := strings.IndexFunc(text, unicode.IsSpace)
		if j < 0 {
			j = len(text)
		}
		chunk := text[:j]
		text = text[j:]
		if strings.Contains(chunk, "://") || strings.Contains(chunk, "@") || strings.HasPrefix(strings.ToLower(chunk), "www.") {
			continue // a link or an address
		}
		out = appendWords(out, chunk)
	}
	return out
}

func isWordRune(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) || r == '_' }

// appendWords adds the words of a chunk without spaces.
func appendWords(out []Token, chunk string) []Token {
	for len(chunk) > 0 {
		i := strings.IndexFunc(chunk, isWordRune)
		if i < 0 {
			return out
		}
		chunk = chunk[i:]
		// A word runs on through letters, digits, '_', and a '-' between
		// two of them.
		j := 0
		for j < len(chunk) {
			r, n := utf8.DecodeRuneInString(chunk[j:])
			if isWordRune(r) {
				j += n
				continue
			}
			if r == '-' && j > 0 && j+1 < len(chunk) {
				if r2, _ := utf8.DecodeRuneInString(chunk[j+1:]); isWordRune(r2) {
					j += n
					continue
				}
			}
			break
		}
		w := strings.Trim(chunk[:j], "_-")
		chunk = chunk[j:]
		if len(w) < 2 || len(w) > 40 {
			continue
		}
		lw := strings.ToLower(w)
		if stopWords[lw] || !hasLetter(lw) || hexLike(lw) {
			continue
		}
		out = append(out, Token{Term: stem(lw), Word: w})
	}
	return out
}

func hasLetter(s string) bool {
	for _, r := range s {
		if unicode.IsLetter(r) {
			return true
		}
	}
	return false
}

// hexLike tells a hash, address or id ("0x1f", "a3f9c0e1") from a word.
func hexLike(s string) bool {
	if strings.HasPrefix(s, "0x") {
		return true
	}
	if len(s) < 8 {
		return false
	}
	digits := 0
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			digits++
		case r >= 'a' && r <= 'f':
		default:
			return false
		}
	}
	return digits > 0
}

// stem removes the common English inflections, and only those: a light
// stemmer keeps product names (b210, rfnoc, gnuradio) intact and words
// recognisable, which a summary shows to people. A final "e" goes too, so
// "configure", "configured" and "configuring" meet at "configur".
func stem(w string) string {
	n := len(w)
	if n <= 3 || !isASCII(w) {
		return w
	}
	switch {
	case strings.HasSuffix(w, "ies") && n > 4:
		w = w[:n-3] + "y"
	case strings.HasSuffix(w, "sses"):
		w = w[:n-2]
	case strings.HasSuffix(w, "ing") && n > 5:
		w = undouble(w[:n-3])
	case strings.HasSuffix(w, "ed") && n > 4 && !strings.HasSuffix(w, "eed"):
		w = undouble(w[:n-2])
	case strings.HasSuffix(w, "es") && n > 4 && strings.ContainsAny(w[n-3:n-2], "sxz"):
		w = w[:n-2]
	case strings.HasSuffix(w, "s") && !strings.HasSuffix(w, "ss") && !strings.HasSuffix(w, "us") && !strings.HasSuffix(w, "is"):
		w = w[:n-1]
	}
	if len(w) > 4 && w[len(w)-1] == 'e' {
		w = w[:len(w)-1]
	}
	return w
}

// undouble turns "stopp" (from "stopped") into "stop".
func undouble(w string) string {
	n := len(w)
	if n >= 3 && w[n-1] == w[n-2] && !strings.ContainsRune("lsz", rune(w[n-1])) {
		return w[:n-1]
	}
	return w
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// DocFreq counts, for each term, how many posts of a list use it: the
// IDF side of TF-IDF. Build it from a long window of the archive (Load
// uses the 52 weeks before the period's end) so common words of the
// community ("usrp" on a USRP list) weigh little.
type DocFreq struct {
	Docs  int
	Count map[string]int
}

// NewDocFreq returns an empty table.
func NewDocFreq() *DocFreq { return &DocFreq{Count: map[string]int{}} }

// Add counts one document.
func (d *DocFreq) Add(text string) { d.AddTerms(TermSet(text)) }

func (d *DocFreq) AddTerms(terms []string) {
	d.Docs++
	for _, t := range terms {
		d.Count[t]++
	}
}

// AddEach counts one document whose terms each calls its argument with
// (store.PostFeatures.EachTerm), as AddTerms counts a list of them.
func (d *DocFreq) AddEach(each func(yield func(string))) {
	d.Docs++
	each(func(t string) { d.Count[t]++ })
}

// TermSet lists a text's distinct terms.
func TermSet(text string) []string {
	ts := Tokens(text)
	seen := make(map[string]bool, len(ts))
	out := make([]string, 0, len(ts))
	for _, t := range ts {
		if !seen[t.Term] {
			seen[t.Term] = true
			out = append(out, t.Term)
		}
	}
	return out
}

// IDF is the smoothed inverse document frequency of a term:
// ln((N+1)/(df+1)) + 1, never zero so a term seen everywhere still counts
// a little.
func (d *DocFreq) IDF(term string) float64 {
	if d == nil {
		return 1
	}
	return math.Log(float64(d.Docs+1)/float64(d.Count[term]+1)) + 1
}

// Vector is a sparse TF-IDF Vector.
type Vector map[string]float64

// TFIDF weighs a text's terms: (1 + ln tf) · idf, the sublinear TF that
// keeps one word repeated in a log from dominating.
func TFIDF(ts []Token, df *DocFreq) Vector {
	tf := map[string]int{}
	for _, t := range ts {
		tf[t.Term]++
	}
	v := Vector{}
	for term, n := range tf {
		v[term] = (1 + math.Log(float64(n))) * df.IDF(term)
	}
	return v
}

func (v Vector) norm() float64 {
	s := 0.0
	for _, x := range v {
		s += x * x
	}
	return math.Sqrt(s)
}

// cosine is the cosine similarity of two vectors (0 when either is empty).
// Similarity is the cosine of two texts' TF-IDF vectors: 1 for the same
// words in the same proportions, 0 for none in common.
func Similarity(a, b Vector) float64 { return cosine(a, b) }

func cosine(a, b Vector) float64 {
	if len(a) > len(b) {
		a, b = b, a
	}
	dot := 0.0
	for k, x := range a {
		dot += x * b[k]
	}
	na, nb := a.norm(), b.norm()
	if na == 0 || nb == 0 {
		return 0
	}
	return dot / (na * nb)
}

// KeyTerms returns up to n terms of a text with the highest TF-IDF, each
// in the form the text writes it most. A term must occur twice, or in
// the subject, to count: a word said once in a long thread is noise.
// Words in skip (the participants' names) and vagueWords are left out.
func KeyTerms(subject, text string, df *DocFreq, skip map[string]bool, n int) []string {
	return keyTerms(subject, text, df, skip, n, 2)
}

// QueryTerms returns up to n terms of a question that say best what it is
// about, to look for it elsewhere: KeyTerms' choice, where a word said
// once counts too (a question is short).
func QueryTerms(subject, text string, df *DocFreq, n int) []string {
	return keyTerms(subject, text, df, nil, n, 1)
}

func keyTerms(subject, text string, df *DocFreq, skip map[string]bool, n, minTF int) []string {
	inSubject := map[string]bool{}
	for _, t := range Tokens(subject) {
		inSubject[t.Term] = true
	}
	all := append(Tokens(subject), Tokens(text)...)
	tf := map[string]int{}
	forms := map[string]map[string]int{}
	for _, t := range all {
		if skip[strings.ToLower(t.Word)] || skip[t.Term] || vagueWords[t.Term] || vagueWords[strings.ToLower(t.Word)] {
			continue
		}
		tf[t.Term]++
		if forms[t.Term] == nil {
			forms[t.Term] = map[string]int{}
		}
		forms[t.Term][t.Word]++
	}
	type scored struct {
		term  string
		score float64
	}
	var cands []scored
	for term, c := range tf {
		if c < minTF && !inSubject[term] {
			continue
		}
		if len(term) < 3 && !inSubject[term] {
			continue
		}
		cands = append(cands, scored{term, (1 + math.Log(float64(c))) * df.IDF(term)})
	}
	sort.Slice(cands, func(i, j int) bool {
		if cands[i].score != cands[j].score {
			return cands[i].score > cands[j].score
		}
		return cands[i].term < cands[j].term
	})
	var out []string
	for _, c := range cands {
		if len(out) == n {
			break
		}
		out = append(out, bestForm(forms[c.term]))
	}
	return out
}

// bestForm picks the written form used most (ties: the one that sorts
// first, for stable output).
func bestForm(forms map[string]int) string {
	best, bn := "", -1
	for f, n := range forms {
		if n > bn || (n == bn && f < best) {
			best, bn = f, n
		}
	}
	return best
}

// vagueWords say nothing of what a thread is about, however often a
// thread repeats them: the vocabulary of every technical conversation
// (rate, test, value, error, version), of time (minute, later), and of
// file paths pasted in logs (mnt, usr, lib). They stay searchable and
// matchable; they are only never key terms.
var vagueWords = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(`
rate rates test tests testing tested value values sink source plug plugged minute minutes hour hours second seconds day days
week weeks today tomorrow yesterday later earlier soon ago time times moment start started end ended stop stopped run runs
running ran work works worked working issue issues problem problems error errors fail fails failed failure version versions
set sets setting settings change changes changed default option options example examples case cases point number numbers
result results output outputs input inputs part parts side top bottom level levels line lines file files code step steps
look looks looked find found show shows shown give gives given call called check checked idea ideas reason way ways
mnt usr lib lib64 local opt tmp home dev src bin include share etc var proc sys
`) {
		m[w] = true
		m[stem(w)] = true
	}
	return m
}()

// stopWords are English function words plus the words every mail uses
// (greetings, thanks, mail vocabulary): never key terms.
var stopWords = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(`
a about above after again against all also am an and any are aren't as at be because been before being below between both
but by can can't cannot could couldn't did didn't do does doesn't doing don't down during each few for from further had
hadn't has hasn't have haven't having he he'd he'll he's her here here's hers herself him himself his how how's i i'd i'll
i'm i've if in into is isn't it it's its itself let's me more most mustn't my myself no nor not of off on once only or
other ought our ours ourselves out over own same shan't she she'd she'll she's should shouldn't so some such than that
that's the their theirs them themselves then there there's these they they'd they'll they're they've this those through
to too under until up very was wasn't we we'd we'll we're we've were weren't what what's when when's where where's which
while who who's whom why why's with won't would wouldn't you you'd you'll you're you've your yours yourself yourselves
im ive dont doesnt didnt cant wont isnt thats theres youre id ill
just like get got also would one two use used using way well still even much many may might must shall will yes yeah
ok okay really actually thing things something anything nothing everything someone anyone everyone lot bit make made
know think see seem seems want need try tried trying sure able now new time however though since via per etc eg ie
hi hello hey dear thanks thank thx regards best cheers sincerely please wrote writes sent mail email message reply
list question questions answer help regard hope following follow let kind good great first second another back
re fw fwd subject date cc bcc mailto http https www com org net html htm
`) {
		m[w] = true
	}
	return m
}()
