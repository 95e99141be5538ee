package learn

import (
	"math"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"
)

// Reading is a list's posts read as conversations: threads, who replied
// to whom, and each post's quotable sentences (computed once, as every
// question about a thread asks for them again).
type Reading struct {
	Threads  map[string]*Thread // by thread id
	byID     map[string]*Post   // by Message-ID
	children map[string][]*Post // by parent Message-ID
	topics   []*Topic
	topicOf  map[*Post]*Topic
	inOrder  bool // the posts were read oldest first (ComparePosts)

	// What is worked out once a post or subject, asked for by the
	// threads read side by side (Topics, JudgeEach): under mu (see
	// once).
	mu       sync.Mutex
	sents    map[*Post][]string
	said     map[*Post][]string // Said's
	feats    map[*Post]Features
	subjects map[string]*subjectInfo // newSubject's, by subject
	cleaned  map[string]string       // CleanSubject's, by subject
}

// Read reads the posts dated before end as conversations; posts should
// be oldest first.
func Read(posts []*Post, end time.Time) *Reading {
	r := &Reading{byID: make(map[string]*Post, len(posts)), children: make(map[string][]*Post, len(posts)), sents: map[*Post][]string{}, said: map[*Post][]string{}, feats: map[*Post]Features{}, subjects: map[string]*subjectInfo{}, cleaned: map[string]string{}}
	// The threads are grouped beside the maps by Message-ID: each is a
	// map of every post, and a summary of a week a hundred times as busy
	// as usrp-users' reads 21,400.
	var wg sync.WaitGroup
	wg.Go(func() { r.Threads = Threads(posts, end) })
	r.inOrder = slices.IsSortedFunc(posts, ComparePosts)
	for _, q := range posts {
		if !q.Date.Before(end) {
			continue
		}
		r.byID[q.MessageID] = q
		if q.ParentID != "" {
			r.children[q.ParentID] = append(r.children[q.ParentID], q)
		}
	}
	wg.Wait()
	return r
}

// CleanSubject is CleanSubject(s), worked out once a Reading: a
// thread's posts mostly repeat one or two subjects, and what reads the
// conversations asks it of a thread's first post for each of its posts
// (at a hundred times the usrp archive's traffic the expressions were a
// sixth of a summary's analysis).
func (r *Reading) CleanSubject(s string) string {
	return once(&r.mu, r.cleaned, s, func() string { return CleanSubject(s) })
}

// Post is the post with the Message-ID id, nil when it was not read.
func (r *Reading) Post(id string) *Post { return r.byID[id] }

// Replies are the posts that reply to the post with the Message-ID id.
func (r *Reading) Replies(id string) []*Post { return r.children[id] }

// Prose is a post's own text without greeting and sign-off.
func (r *Reading) Prose(q *Post) string { return ProseText(q.Body, q.Author()) }

// Sentences returns a post's quotable sentences: of its prose (own text
// without greeting and sign-off).
func (r *Reading) Sentences(q *Post) []string {
	return once(&r.mu, r.sents, q, func() []string { return Sentences(ProseText(q.Body, q.Author())) })
}

// once is m[k], worked out by work the first time it is asked for and
// kept; mu guards m, not work, so that goroutines reading side by side
// work out different keys at once (two that ask for one key at once may
// both work it out, the same).
func once[K comparable, V any](mu *sync.Mutex, m map[K]V, k K, work func() V) V {
	mu.Lock()
	v, ok := m[k]
	mu.Unlock()
	if ok {
		return v
	}
	v = work()
	mu.Lock()
	m[k] = v
	mu.Unlock()
	return v
}

// StartsThread tells whether a thread's first post, by its subject,
// opens a conversation rather than answering a post the archive does not
// have: its subject is no reply's ("Re: …"). Its reply headers are not
// asked: mail clients keep them on a new message written by replying to
// an old one or to a digest ("Low power mode", In-Reply-To a post of
// another list).
func StartsThread(subject string) bool {
	return !isReply(subject)
}

// replySubject is a reply's subject: tags, then a reply marker ("Re:",
// "AW:", "SV:", "Antw:", "VS:", "Re[2]:").
var replySubject = regexp.MustCompile(`(?i)^\s*((\[[^\]]*\]\s*)*)(re|aw|sv|antw|vs)\s*(\[\d+\])?\s*:`)

// isReply is replySubject.MatchString, read by hand: a summary asks it of
// every thread of its weeks, and the expression was a tenth of a busy
// week's analysis. A subject with 'ſ', which (?i) folds to 's', is left
// to the expression.
func isReply(s string) bool {
	if strings.ContainsRune(s, 'ſ') {
		return replySubject.MatchString(s)
	}
	i := skipSpace(s, 0)
	// Tags, each closed ("[USRP-users] [EXTERNAL] "): an unclosed '['
	// leaves no marker after it.
	for i < len(s) && s[i] == '[' {
		j := strings.IndexByte(s[i+1:], ']')
		if j < 0 {
			return false
		}
		i = skipSpace(s, i+j+2)
	}
	n := 0
	for _, m := range []string{"antw", "re", "aw", "sv", "vs"} {
		if len(s)-i >= len(m) && strings.EqualFold(s[i:i+len(m)], m) {
			n = len(m)
			break
		}
	}
	if n == 0 {
		return false
	}
	i = skipSpace(s, i+n)
	// A count ("Re[2]:"): digits in brackets.
	if i < len(s) && s[i] == '[' {
		j := i + 1
		for j < len(s) && '0' <= s[j] && s[j] <= '9' {
			j++
		}
		if j > i+1 && j < len(s) && s[j] == ']' {
			i = skipSpace(s, j+1)
		}
	}
	return i < len(s) && s[i] == ':'
}

// skipSpace is the index of the first byte from i that is not space as
// regexp's \s has it.
func skipSpace(s string, i int) int {
	for i < len(s) && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\f' || s[i] == '\r') {
		i++
	}
	return i
}

// CleanSubject strips reply markers and bracketed tags from the front of
// a subject: "Re: [USRP-users] Re: [EXTERNAL] Re: B210 overflow" becomes
// "B210 overflow".
func CleanSubject(s string) string {
	s = squeeze(s)
	for {
		// The junk is a bracketed tag or a marker ending in a colon: a
		// subject without either at its front is clean, and most are.
		if !strings.HasPrefix(s, "[") && !strings.Contains(s, ":") {
			break
		}
		t := strings.TrimSpace(subjectJunk.ReplaceAllString(s, ""))
		if t == s {
			break
		}
		s = t
	}
	if s == "" {
		return "(no subject)"
	}
	return s
}

var subjectJunk = regexp.MustCompile(`(?i)^\s*(\[[^\]]*\]|(re|aw|sv|antw|vs|fw|fwd|wg|tr)\s*(\[\d+\]|\(\d+\))?\s*:)`)

// BestAnswer chooses a topic's most useful answer: the one the asker
// confirmed (Confirmed; the asker's own post when they say they solved it
// themselves); else the reply by someone other than the asker
// with the highest 2·(distinct people who replied to it) + (1 when the
// asker thanked its author in reply) + min(length of its quotable
// sentences/400, 3): an answer that others built on, or a substantial
// one; the earlier on ties. Replies that report the poster's own similar
// trouble or mostly ask ("I have the same problem", "which UHD?") and
// replies without a sentence worth quoting are never credited. The second
// result tells an answer the asker confirmed.
func (r *Reading) BestAnswer(t *Topic) (*Post, bool) {
	if ans, _ := r.Confirmed(t); ans != nil {
		// The asker's own post only when they solved it alone (credit):
		// then nobody else's answer is credited either.
		return ans, true
	}
	var best *Post
	bestScore := -1.0
	for _, q := range t.Posts[1:] {
		if !r.answers(q, t) {
			continue
		}
		prose := 0
		for _, s := range r.Sentences(q) {
			prose += len(s)
		}
		followers := map[string]bool{}
		thanked := 0.0
		for _, c := range r.children[q.MessageID] {
			if c.Who() == q.Who() || r.topicOf[c] != t {
				continue
			}
			followers[c.Who()] = true
			if c.Who() == t.Asker() && r.Features(c).Has(FeatThanks) {
				thanked = 1
			}
		}
		sc := 2*float64(len(followers)) + thanked + math.Min(float64(prose)/400, 3)
		if sc > bestScore {
			best, bestScore = q, sc
		}
	}
	return best, false
}

// sameProblem: someone telling of the trouble as theirs too ("I have
// the same problem", "same error here"); not a comparison ("the drawing
// revision isn't the same thing as a hardware revision").
var sameProblem = mustPattern(`(?i)\b(similar (problem|issue)|(have|had|has|see|saw|get|got|having|seeing|getting|experiencing|facing|hit|hitting) (exactly |just )?(the |a )?(same|similar) (problem|issue|error|thing|behaviou?r)|same (problem|issue|error|thing) (here|for me|happens)|me too|i also (have|see|get)|i'?m (also )?(seeing|having) the same)\b`)

// suggests: a question that proposes a fix ("Perhaps try setting the
// SPP?") rather than asks.
var suggests = mustPattern(`(?i)\b(try|tried|trying|perhaps|maybe|might|suggest|consider|instead|see (if|whether)|what happens (if|when))\b`)

// metoo tells a reply that reports the same trouble, mostly asks, or
// only promises to look into it ("I'll have to bug some R&D people and
// get back to you") from one that answers.
func metoo(sents []string) bool {
	q, promised := 0, 0
	for _, s := range sents {
		if IsQuestionSentence(s) && !suggests.MatchString(s) {
			q++
		}
		if promises.MatchString(s) {
			promised++
		}
	}
	return q*2 > len(sents) || promised == len(sents) || sameProblem.MatchString(strings.Join(sents, " "))
}

// promises: a sentence that puts the answer off to later, the poster's
// own looking into it.
var promises = mustPattern(`(?i)\b((i|we)('ll| will| shall)( have to| need to)? (bug|ask|check|look|dig|find out|investigate|get back|try to find|see what)|(get|come) back to you|let you know|keep you posted|(i'm|i am|we're|we are) (looking|checking|digging) into)\b`)

// QuestionText is what a first post asks, in its own words: its first
// sentences with a '?' (with the sentence before, when the question alone
// is too short to stand: "Any ideas?"), else its first two sentences. At
// most two sentences.
func QuestionText(sents []string) []string {
	var pick []int
	for i, s := range sents {
		if !IsQuestionSentence(s) {
			continue
		}
		if len(s) < 50 && i > 0 && (len(pick) == 0 || pick[len(pick)-1] != i-1) {
			pick = append(pick, i-1)
		}
		pick = append(pick, i)
		if len(pick) >= 2 {
			break
		}
	}
	if len(pick) == 0 {
		for i := range sents {
			if i == 2 {
				break
			}
			pick = append(pick, i)
		}
	}
	if len(pick) > 2 {
		pick = pick[:2]
	}
	parts := make([]string, len(pick))
	for i, j := range pick {
		parts[i] = sents[j]
	}
	return parts
}
