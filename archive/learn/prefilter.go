package learn

import (
	"regexp"
	"regexp/syntax"
	"slices"
	"strings"
	"unicode/utf8"
)

// Pattern is a regular expression that first looks, far faster than Go's
// regexp runs, for words every match must hold: the judgements of a post
// ask a dozen patterns of long alternations of every sentence of every
// post archived, and most sentences hold none of their words. The words
// are worked out from the expression itself (required), never kept by
// hand, so a pattern changed cannot go out of step with them.
type Pattern struct {
	re *regexp.Regexp
	// needs: lower-case strings one of which every match holds; nil
	// when the expression has none (then every string is matched).
	needs []string
	// byPair holds the needs of two bytes or more by their first two,
	// so that a text is read once, whatever the number of needs; one
	// byte long are looked for alone.
	byPair map[uint16][]string
	single []string
	// hasPair marks the pairs byPair holds: a bit is far cheaper to
	// look at than a map, and most pairs of a text start no need.
	hasPair [1 << 16 / 8]uint8
	// parts: for a long alternation, the same expression cut into
	// alternations short enough for Go's backtracker, each with needs of
	// its own (see splitPattern); MatchString asks them in turn. nil for
	// an expression short enough already.
	parts []*Pattern
}

// MustPattern compiles expr as regexp.MustCompile does, working out the
// words a match needs (for patterns asked of much text elsewhere: the
// links a post shares).
func MustPattern(expr string) *Pattern { return mustPattern(expr) }

// Regexp is the expression itself, without the words looked for first.
func (p *Pattern) Regexp() *regexp.Regexp { return p.re }

// mustPattern compiles expr as regexp.MustCompile does.
func mustPattern(expr string) *Pattern {
	p := &Pattern{re: regexp.MustCompile(expr)}
	if tree, err := syntax.Parse(expr, syntax.Perl); err == nil {
		p.needs = required(tree.Simplify())
		p.parts = splitPattern(tree)
	}
	p.index()
	return p
}

// index files the needs by their first two bytes (byPair, hasPair) or
// alone (single).
func (p *Pattern) index() {
	p.byPair = map[uint16][]string{}
	for _, n := range p.needs {
		if len(n) == 1 {
			p.single = append(p.single, n)
			continue
		}
		k := pair(n, 0)
		p.byPair[k] = append(p.byPair[k], n)
		p.hasPair[k/8] |= 1 << (k % 8)
	}
}

func pair(s string, i int) uint16 { return uint16(s[i])<<8 | uint16(s[i+1]) }

// MatchString tells whether s holds a match of the pattern.
func (p *Pattern) MatchString(s string) bool {
	if p.parts == nil {
		if p.needs != nil && !p.mayHold(s) {
			return false
		}
		return p.re.MatchString(s)
	}
	if ok, ascii := p.holdsFolded(s); ascii {
		if p.needs != nil && !ok {
			return false
		}
		for _, q := range p.parts {
			if ok, _ := q.holdsFolded(s); (q.needs == nil || ok) && q.re.MatchString(s) {
				return true
			}
		}
		return false
	}
	if strings.ContainsRune(s, 'ſ') {
		return p.re.MatchString(s)
	}
	l := strings.ToLower(s)
	if p.needs != nil && !p.holds(l) {
		return false
	}
	for _, q := range p.parts {
		if (q.needs == nil || q.holds(l)) && q.re.MatchString(s) {
			return true
		}
	}
	return false
}

// backtrackInsts bounds the program of each part of a split pattern: Go
// runs an expression of up to 500 instructions with its backtracker, on
// texts up to 256K/instructions bytes long, several times faster than
// with its NFA (which a long alternation of phrases gets); a fifth of it
// keeps sentences of 1,300 bytes on the fast path.
const backtrackInsts = 200

// splitPattern cuts an expression whose program is too long for Go's
// backtracker at its widest alternation, (pre)(A|B|…)(post), into
// expressions (pre)(A|…)(post), (pre)(C|…)(post) of up to backtrackInsts
// instructions each: a text holds a match of the whole exactly when it
// holds one of a part (MatchString's question; not where the match is,
// which the whole answers). nil when it is short enough or has no
// alternation to cut.
func splitPattern(tree *syntax.Regexp) []*Pattern {
	if insts(tree) <= 500 {
		return nil
	}
	// The widest alternation at the top, or as one part of a top
	// concatenation (through a capture).
	var alt *syntax.Regexp
	var rebuild func(*syntax.Regexp) *syntax.Regexp
	switch peel(tree).Op {
	case syntax.OpAlternate:
		alt, rebuild = peel(tree), func(a *syntax.Regexp) *syntax.Regexp { return a }
	case syntax.OpConcat:
		cat := peel(tree)
		at := -1
		for i, sub := range cat.Sub {
			if a := peel(sub); a.Op == syntax.OpAlternate && (at < 0 || len(a.Sub) > len(peel(cat.Sub[at]).Sub)) {
				at = i
			}
		}
		if at < 0 {
			return nil
		}
		alt = peel(cat.Sub[at])
		rebuild = func(a *syntax.Regexp) *syntax.Regexp {
			c := *cat
			c.Sub = append([]*syntax.Regexp(nil), cat.Sub...)
			c.Sub[at] = a
			return &c
		}
	default:
		return nil
	}
	var parts []*Pattern
	var branches []*syntax.Regexp
	whole := func(bs []*syntax.Regexp) *syntax.Regexp {
		a := *alt
		a.Sub = bs
		return rebuild(&a)
	}
	flush := func() {
		if len(branches) > 0 {
			expr := whole(branches).String()
			q := &Pattern{re: regexp.MustCompile(expr)}
			if t, err := syntax.Parse(expr, syntax.Perl); err == nil {
				q.needs = required(t.Simplify())
			}
			q.index()
			parts = append(parts, q)
			branches = nil
		}
	}
	for _, b := range alt.Sub {
		if len(branches) > 0 && insts(whole(append(append([]*syntax.Regexp(nil), branches...), b))) > backtrackInsts {
			flush()
		}
		branches = append(branches, b)
	}
	flush()
	if len(parts) < 2 {
		return nil
	}
	return parts
}

// peel is an expression without the captures around it.
func peel(re *syntax.Regexp) *syntax.Regexp {
	for re.Op == syntax.OpCapture {
		re = re.Sub[0]
	}
	return re
}

// insts is the length of an expression's program.
func insts(re *syntax.Regexp) int {
	prog, err := syntax.Compile(re.Simplify())
	if err != nil {
		return 1 << 30
	}
	return len(prog.Inst)
}

// LastEnd is where the last match in s ends; -1 when there is none.
func (p *Pattern) LastEnd(s string) int {
	if p.needs != nil && !p.mayHold(s) {
		return -1
	}
	m := p.re.FindAllStringIndex(s, -1)
	if m == nil {
		return -1
	}
	return m[len(m)-1][1]
}

// LastStart is where the last match in s starts; len(s) when there is
// none.
func (p *Pattern) LastStart(s string) int {
	if p.needs != nil && !p.mayHold(s) {
		return len(s)
	}
	m := p.re.FindAllStringIndex(s, -1)
	if m == nil {
		return len(s)
	}
	return m[len(m)-1][0]
}

// ReplaceAllString is regexp's, for a text that may hold a match.
func (p *Pattern) ReplaceAllString(s, repl string) string {
	if p.needs != nil && !p.mayHold(s) {
		return s
	}
	return p.re.ReplaceAllString(s, repl)
}

// mayHold tells whether s holds one of the needs, in any case. Go's (?i)
// also folds 'ſ' (U+017F) to 's', which lower-casing does not: a text
// with one is always given to the expression.
func (p *Pattern) mayHold(s string) bool {
	if ok, ascii := p.holdsFolded(s); ascii {
		return ok
	}
	if strings.ContainsRune(s, 'ſ') {
		return true
	}
	return p.holds(strings.ToLower(s))
}

// holdsFolded is holds of s lower-cased, for an ASCII s, without making
// the lower-case copy (most sentences are ASCII, and the copies were an
// eighth of what judging a post cost); ascii is false, and ok
// meaningless, when s is not ASCII (then strings.ToLower's Unicode
// folding is the one to ask).
func (p *Pattern) holdsFolded(s string) (ok, ascii bool) {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false, false
		}
	}
	return p.scan(s, &lowerASCII), true
}

// lowerASCII maps each byte to its lower case in ASCII (strings.ToLower
// of an ASCII string), sameByte each to itself.
var lowerASCII, sameByte = func() (lower, same [256]byte) {
	for i := range lower {
		lower[i], same[i] = byte(i), byte(i)
		if i >= 'A' && i <= 'Z' {
			lower[i] = byte(i) + 'a' - 'A'
		}
	}
	return lower, same
}()

// holds tells whether l, lower case, holds one of the needs.
func (p *Pattern) holds(l string) bool { return p.scan(l, &sameByte) }

// scan tells whether s, each byte read through fold, holds one of the
// needs: the text read once, whatever the number of needs.
func (p *Pattern) scan(s string, fold *[256]byte) bool {
	for i := 0; i < len(s); i++ {
		c := fold[s[i]]
		for _, n := range p.single {
			if c == n[0] {
				return true
			}
		}
		if i+1 == len(s) {
			break
		}
		k := uint16(c)<<8 | uint16(fold[s[i+1]])
		if p.hasPair[k/8]&(1<<(k%8)) == 0 {
			continue
		}
	needs:
		for _, n := range p.byPair[k] {
			if len(s)-i < len(n) {
				continue
			}
			for j := 2; j < len(n); j++ {
				if fold[s[i+j]] != n[j] {
					continue needs
				}
			}
			return true
		}
	}
	return false
}

// required returns strings, lower case, one of which every match of re
// holds; nil when it cannot tell (a match may be empty, or made of
// classes alone). Lower case whatever the expression's case flags: a
// text is lower-cased before it is looked at, so this can only let more
// through.
func required(re *syntax.Regexp) []string { return infoOf(re).needs() }

// maxExact bounds the strings an exact set holds: past it, a part of an
// expression is taken as not exact.
const maxExact = 64

// info is what a part of an expression tells of the strings it matches:
// exact, all of them (lower case; "" among them when it may match
// nothing), when they are few; else need, strings one of which each of
// its matches holds, or nil.
type info struct {
	exact   []string
	exactOK bool
	need    []string
}

func (i info) needs() []string {
	if i.exactOK {
		for _, s := range i.exact {
			if s == "" {
				return nil
			}
		}
		return i.exact
	}
	return i.need
}

func exactly(ss ...string) info { return info{exact: dedup(ss), exactOK: true} }

func infoOf(re *syntax.Regexp) info {
	switch re.Op {
	case syntax.OpLiteral:
		return exactly(strings.ToLower(string(re.Rune)))
	case syntax.OpCharClass:
		var rs []string
		for i := 0; i+1 < len(re.Rune); i += 2 {
			if re.Rune[i+1]-re.Rune[i] > 4 {
				return info{}
			}
			for r := re.Rune[i]; r <= re.Rune[i+1]; r++ {
				rs = append(rs, strings.ToLower(string(r)))
			}
		}
		if len(dedup(rs)) > 4 {
			return info{}
		}
		return exactly(rs...)
	case syntax.OpEmptyMatch, syntax.OpBeginLine, syntax.OpEndLine, syntax.OpBeginText, syntax.OpEndText,
		syntax.OpWordBoundary, syntax.OpNoWordBoundary:
		return exactly("")
	case syntax.OpCapture:
		return infoOf(re.Sub[0])
	case syntax.OpQuest:
		if sub := infoOf(re.Sub[0]); sub.exactOK {
			return exactly(append(sub.exact, "")...)
		}
		return info{}
	case syntax.OpPlus:
		return info{need: infoOf(re.Sub[0]).needs()}
	case syntax.OpRepeat:
		if re.Min >= 1 {
			return info{need: infoOf(re.Sub[0]).needs()}
		}
		return info{}
	case syntax.OpAlternate:
		subs := make([]info, len(re.Sub))
		all, n := true, 0
		for k, sub := range re.Sub {
			subs[k] = infoOf(sub)
			all = all && subs[k].exactOK
			n += len(subs[k].exact)
		}
		if all && n <= maxExact {
			var ss []string
			for _, sub := range subs {
				ss = append(ss, sub.exact...)
			}
			return exactly(ss...)
		}
		var need []string
		for _, sub := range subs {
			nd := sub.needs()
			if nd == nil {
				return info{}
			}
			need = append(need, nd...)
		}
		return info{need: dedup(need)}
	case syntax.OpConcat:
		// Runs of exact parts make the cross product of their strings
		// (while it stays small); every part must match, so the best
		// of the runs and the other parts' strings will do: the set
		// whose shortest string is longest, fewest on a tie.
		var best []string
		consider := func(nd []string) {
			if nd != nil && better(nd, best) {
				best = nd
			}
		}
		run, inRun, whole := []string{""}, false, true
		flush := func() {
			if inRun {
				consider(exactly(run...).needs())
			}
			run, inRun = []string{""}, false
		}
		for _, sub := range re.Sub {
			si := infoOf(sub)
			if si.exactOK && len(run)*len(si.exact) <= maxExact {
				var next []string
				for _, a := range run {
					for _, b := range si.exact {
						next = append(next, a+b)
					}
				}
				run, inRun = dedup(next), true
				continue
			}
			whole = false
			flush()
			if si.exactOK {
				run, inRun = si.exact, true
				continue
			}
			consider(si.needs())
		}
		if whole {
			return exactly(run...)
		}
		flush()
		return info{need: best}
	}
	return info{}
}

// dedup sorts ss and drops repeats.
func dedup(ss []string) []string {
	slices.Sort(ss)
	return slices.Compact(ss)
}

func better(a, b []string) bool {
	if b == nil {
		return true
	}
	la, lb := shortest(a), shortest(b)
	if la != lb {
		return la > lb
	}
	return len(a) < len(b)
}

func shortest(ss []string) int {
	n := len(ss[0])
	for _, s := range ss[1:] {
		n = min(n, len(s))
	}
	return n
}
