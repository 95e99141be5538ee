package learn

import (
	"math"
	"regexp"
	"strings"
	"time"
)

// Reading is a list's posts read as conversations: threads, who replied
// to whom, and each post's quotable sentences (computed once, as every
// question about a thread asks for them again).
type Reading struct {
	Threads  map[string]*Thread // by thread id
	byID     map[string]*Post   // by Message-ID
	children map[string][]*Post // by parent Message-ID
	sents    map[*Post][]string
}

// Read reads the posts dated before end as conversations; posts should
// be oldest first.
func Read(posts []*Post, end time.Time) *Reading {
	r := &Reading{Threads: Threads(posts, end), byID: map[string]*Post{}, children: map[string][]*Post{}, sents: map[*Post][]string{}}
	for _, q := range posts {
		if !q.Date.Before(end) {
			continue
		}
		r.byID[q.MessageID] = q
		if q.ParentID != "" {
			r.children[q.ParentID] = append(r.children[q.ParentID], q)
		}
	}
	return r
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
	if s, ok := r.sents[q]; ok {
		return s
	}
	s := Sentences(ProseText(q.Body, q.Author()))
	r.sents[q] = s
	return s
}

// StartsThread tells whether a thread's first post opens a conversation
// (rather than answering a post the archive does not have).
func StartsThread(root *Post) bool {
	return root.ParentID == "" && !replySubject.MatchString(root.Subject)
}

var replySubject = regexp.MustCompile(`(?i)^\s*((\[[^\]]*\]\s*)*)(re|aw|sv|antw|vs)\s*(\[\d+\])?\s*:`)

// FirstReply is a thread's first post by someone other than its author.
func FirstReply(t *Thread) *Post {
	for _, q := range t.Posts[1:] {
		if q.Who() != t.Root.Who() {
			return q
		}
	}
	return nil
}

var announcement = regexp.MustCompile(`(?i)^\s*[\[(]?(ann|announce|announcement|release[sd]?|job|jobs|hiring|cfp|call for|webinar|workshop|event|news)\b|\bdigest, vol\b|\bdigest vol\b`)

// IsQuestion tells whether a thread's first post asks something: a '?'
// in its subject or its prose, or a subject that opens like a question
// ("How to…", "Any…", "Help…"). Announcements are not questions.
func (r *Reading) IsQuestion(root *Post) bool {
	subj := CleanSubject(root.Subject)
	if announcement.MatchString(subj) {
		return false
	}
	if IsQuestionSentence(subj) || interrogative.MatchString(subj) {
		return true
	}
	for _, s := range r.Sentences(root) {
		if IsQuestionSentence(s) {
			return true
		}
	}
	return false
}

// CleanSubject strips reply markers and bracketed tags from the front of
// a subject: "Re: [USRP-users] Re: [EXTERNAL] Re: B210 overflow" becomes
// "B210 overflow".
func CleanSubject(s string) string {
	s = squeeze(s)
	for {
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

var (
	thankful    = regexp.MustCompile(`(?i)\b(thanks|thank you|thank u|thx|many thanks|much appreciated|appreciate (it|your|the)|that (worked|works|did it|did the trick|fixed it|solved it|helped)|(it|this) (works|worked|fixed|solved) |works now|working now|solved|resolved|fixed (it|the|my)|problem (is )?gone)`)
	beforeHelp  = regexp.MustCompile(`(?i)\b(thanks|thank you|thx)( (so much|a lot))? (in advance|for (any|your) (help|advice|suggestions|input|ideas|time|assistance))\b|\btia\b`)
	notResolved = regexp.MustCompile(`(?i)\b(still (doesn'?t|does not|not|fails|failing|no luck|see|get|having|have)|didn'?t (work|help|fix|solve)|did not (work|help|fix|solve)|no luck|not (working|solved|resolved|fixed)|same (problem|issue|error))\b`)
)

// Thanks tells whether a post by the asker thanks for an answer or
// reports the problem solved, in its prose: a closing "Thanks," was
// taken off with the sign-off, "thanks in advance" does not count, nor
// thanks that go on to say the problem remains.
func Thanks(prose string) bool {
	t := beforeHelp.ReplaceAllString(prose, "")
	return thankful.MatchString(t) && !notResolved.MatchString(t)
}

// Acknowledged finds the answer the asker thanked: the first post by the
// thread's author, after the first, that thanks (see thanks); the answer
// is the post it replies to when someone else wrote that, else the latest
// post by someone else before it.
func (r *Reading) Acknowledged(t *Thread) (answer, thanksPost *Post) {
	for i, q := range t.Posts {
		if i == 0 || q.Who() != t.Root.Who() || !Thanks(r.Prose(q)) {
			continue
		}
		if par := r.byID[q.ParentID]; par != nil && par.ThreadID == t.ID && par.Who() != t.Root.Who() && Before(par, q) {
			return par, q
		}
		for j := i - 1; j > 0; j-- {
			if t.Posts[j].Who() != t.Root.Who() {
				return t.Posts[j], q
			}
		}
	}
	return nil, nil
}

// BestAnswer chooses a thread's most useful answer: the one the asker
// thanked; else the reply by someone other than the asker with the
// highest 2·(distinct people who replied to it) + min(length of its
// quotable sentences/400, 3), less 2 for a reply that mostly asks or
// reports the same trouble ("I have a similar problem"): an answer that
// others built on, or a substantial one; the earlier on ties. Answers
// without a sentence worth quoting are passed over.
func (r *Reading) BestAnswer(t *Thread) (*Post, bool) {
	if ans, _ := r.Acknowledged(t); ans != nil && len(r.Sentences(ans)) > 0 {
		return ans, true
	}
	var best *Post
	bestScore := -1.0
	for _, q := range t.Posts[1:] {
		if q.Who() == t.Root.Who() {
			continue
		}
		sents := r.Sentences(q)
		if len(sents) == 0 {
			continue
		}
		prose := 0
		for _, s := range sents {
			prose += len(s)
		}
		followers := map[string]bool{}
		for _, c := range r.children[q.MessageID] {
			if c.Who() != q.Who() {
				followers[c.Who()] = true
			}
		}
		sc := 2*float64(len(followers)) + math.Min(float64(prose)/400, 3)
		if metoo(sents) {
			sc -= 2
		}
		if sc > bestScore {
			best, bestScore = q, sc
		}
	}
	return best, false
}

var sameProblem = regexp.MustCompile(`(?i)\b(similar (problem|issue)|same (problem|issue|error|thing)|me too|i also (have|see|get)|i'?m (also )?(seeing|having) the same)\b`)

// metoo tells a reply that reports the same trouble or mostly asks from
// one that answers.
func metoo(sents []string) bool {
	q := 0
	for _, s := range sents {
		if IsQuestionSentence(s) {
			q++
		}
	}
	return q*2 > len(sents) || sameProblem.MatchString(strings.Join(sents, " "))
}

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
