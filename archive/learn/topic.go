package learn

import (
	"cmp"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Topic is one conversation: a question or announcement and the replies
// to it. Most threads are one topic; a thread holds more when, inside
// it, the subject is changed to a new matter or someone else asks a
// question of their own in a thread long gone quiet (see Reading.Topics).
// Thread ids, permalinks and IMAP threads stay those of the thread: a
// topic is how summaries read it.
type Topic struct {
	Thread *Thread
	Start  *Post   // the topic's first post
	Posts  []*Post // oldest first, Start first

	// Confirmed's answer, computed once (every section asks for it)
	confirmed            bool
	answer, confirmation *Post
	models               map[string]bool // the models Start names (newModel)
	help                 int8            // HelpRequest's answer: 0 not yet read, 1 yes, -1 no
	announce             int8            // announces' answer, the same way
	// joinStrays' reading of the topic, worked out beside the other
	// threads' (Topics): its subject as strays are matched to it, and
	// whether it is a stray.
	subjectKey string
	stray      bool
}

// Asker is the topic's author key.
func (t *Topic) Asker() string { return t.Start.Who() }

// FirstReply is the topic's first post by someone other than its asker.
func (t *Topic) FirstReply() *Post {
	for _, q := range t.Posts[1:] {
		if q.Who() != t.Asker() {
			return q
		}
	}
	return nil
}

// Opens tells whether the topic opens a conversation in the archive: it
// starts inside a thread, or it is a thread's first post that is not a
// reply to a post the archive does not have.
func (t *Topic) Opens() bool { return t.Start != t.Thread.Root || StartsThread(t.Start.Subject) }

// Quiet is how long a thread must have been quiet for a newcomer's own
// question in it to be a topic of its own: someone reviving a months-old
// thread with their problem is asking anew, while in a live thread a
// newcomer's question is most often about the matter being discussed.
const Quiet = 21 * 24 * time.Hour

// Topics are the conversations of every thread, oldest first, computed
// once. A post belongs to the topic of the post it replies to (the
// previous post of its thread when that is not in the thread) unless it
// starts one of its own:
//   - its subject is a new matter: not its parent's subject with reply
//     markers, tags, "(was: …)" or small edits, sharing less than a
//     third of its words with it; and its author is new to the thread
//     or the post asks (one who answered renaming the thread as they
//     answer again, "UHD num_recv_frames, etc", carries it on); or
//   - its author has not posted in the thread before, it asks for help
//     on its own account (a sentence in the first person that asks or
//     reports trouble, not a suggestion), it does not answer from its
//     author's own case ("In my case, I had hyphens in uhd.conf": see
//     tellsFix), and either the thread had been quiet for Quiet before
//     it, or it reports trouble like the topic's with a model the
//     topic's first post does not name ("I have a similar problem with
//     an E320" in a thread about an X310): the same error on the same
//     device is a "me too", on another it is a question of its own,
//     unless it says it is the same problem ("I have the same problem
//     with my X310", a "me too" whatever the device); or
//   - its author has not posted in the thread before, the topic is an
//     announcement that asks nothing (a release, an event) and the post
//     asks or reports trouble ("Has the LO sharing API changed in 4.1?"):
//     a question in reply to news is not a follow-up on a question.
func (r *Reading) Topics() []*Topic {
	if r.topics != nil {
		return r.topics
	}
	ids := make([]string, 0, len(r.Threads))
	for id := range r.Threads {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	// Each thread is read on its own, so threads are read side by side;
	// their topics are then put together in the order of their ids.
	of := make([][]*Topic, len(ids))
	each(len(ids), func(i int) {
		of[i] = r.threadTopics(r.Threads[ids[i]])
		for _, tp := range of[i] {
			r.readStray(tp)
		}
	})
	topics, posts := 0, 0
	for _, tps := range of {
		topics += len(tps)
		for _, tp := range tps {
			posts += len(tp.Posts)
		}
	}
	r.topics = make([]*Topic, 0, topics)
	for _, tps := range of {
		r.topics = append(r.topics, tps...)
	}
	// The map of posts to topics is made beside the sort (at a hundred
	// times the usrp archive's traffic, 21,400 posts and some 5,000
	// topics, each about 2 ms on its own).
	var wg sync.WaitGroup
	wg.Go(func() { sortTopics(r.topics) })
	r.topicOf = make(map[*Post]*Topic, posts)
	for _, tps := range of {
		for _, tp := range tps {
			for _, q := range tp.Posts {
				r.topicOf[q] = tp
			}
		}
	}
	wg.Wait()
	r.joinStrays()
	return r.topics
}

// sortTopics sorts topics by their first posts (ComparePosts), stably,
// on copies of what the comparison reads: the posts' dates and ids, read
// once each, rather than through two pointers for every comparison.
func sortTopics(topics []*Topic) {
	type key struct {
		sec  int64
		nsec int
		id   int64
		tp   *Topic
	}
	keys := make([]key, len(topics))
	for i, tp := range topics {
		keys[i] = key{tp.Start.Date.Unix(), tp.Start.Date.Nanosecond(), tp.Start.ID, tp}
	}
	slices.SortStableFunc(keys, func(x, y key) int {
		if c := cmp.Compare(x.sec, y.sec); c != 0 {
			return c
		}
		if c := cmp.Compare(x.nsec, y.nsec); c != 0 {
			return c
		}
		return cmp.Compare(x.id, y.id)
	})
	for i, k := range keys {
		topics[i] = k.tp
	}
}

// threadTopics are the topics of one thread, in the order they start
// (see Topics).
func (r *Reading) threadTopics(th *Thread) []*Topic {
	var out []*Topic
	topicOf := make(map[*Post]*Topic, len(th.Posts))
	seen := map[string]bool{}
	var last *Post
	for _, q := range th.Posts {
		var tp *Topic
		if last != nil {
			// Most replies answer the post before them. When the posts
			// were read in order, the post byID holds under that id is
			// then that one, or another under the same id (the archive
			// allows it) later in the order: in another thread, or not
			// yet read here. Both fall back to the post before, so it is
			// not looked up; the lookups were a tenth of reading the
			// threads (the ids' bytes are spread over all the posts').
			parent := last
			if !r.inOrder || q.ParentID != last.MessageID {
				if p := r.byID[q.ParentID]; p != nil && p.ThreadID == th.ID && topicOf[p] != nil {
					parent = p
				}
			}
			tp = topicOf[parent]
			if r.newSubject(parent.Subject, q.Subject) && (!seen[q.Who()] || q.Body == "" || r.asks(q)) ||
				!seen[q.Who()] && ((q.Date.Sub(last.Date) >= Quiet || (r.alsoMe(q) && !r.sameTrouble(q) && tp.newModel(q))) && r.asksOwn(q) && !r.tellsFix(q) ||
					r.announces(tp) && r.asks(q)) {
				tp = nil
			}
		}
		if tp == nil {
			tp = &Topic{Thread: th, Start: q}
			out = append(out, tp)
		}
		tp.Posts = append(tp.Posts, q)
		topicOf[q] = tp
		seen[q.Who()] = true
		last = q
	}
	return out
}

// each calls f(0) … f(n-1), on as many goroutines as there are
// processors when n is large enough for it to pay; f must be safe to
// call side by side for different i.
func each(n int, f func(i int)) {
	workers := min(runtime.GOMAXPROCS(0), n/eachMin)
	if workers <= 1 {
		for i := range n {
			f(i)
		}
		return
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for i := int(next.Add(1) - 1); i < n; i = int(next.Add(1) - 1) {
				f(i)
			}
		})
	}
	wg.Wait()
}

// eachMin is the fewest items per goroutine each starts one for.
const eachMin = 32

// JudgeEach works out Confirmed and HelpRequest for each of topics side
// by side; both then answer from what they kept, and may be asked side
// by side: a summary asks them of every topic of the period's threads,
// on a busy week most of its time.
func (r *Reading) JudgeEach(topics []*Topic) {
	r.Topics()
	each(len(topics), func(i int) {
		r.Confirmed(topics[i])
		r.HelpRequest(topics[i])
	})
}

// Rejoin is how far back a reply that came without reply headers is
// matched to the conversation its subject names.
const Rejoin = 60 * 24 * time.Hour

// joinStrays puts back into their conversation the threads that are
// replies sent without reply headers (a web interface's posts, a reply to
// a digest, the days a list moved to new software): a thread whose first
// post says "Re:" and answers no post read joins the latest earlier topic
// with the same subject, of two words at least, started within Rejoin.
// The archive keeps them apart; a summary reads one conversation.
func (r *Reading) joinStrays() {
	bySubject := map[string]*Topic{}
	grown := map[*Topic]bool{}
	kept := r.topics[:0]
	for _, tp := range r.topics {
		key, stray := tp.subjectKey, tp.stray
		if into := bySubject[key]; stray && into != nil && len(Tokens(key)) >= 2 && tp.Start.Date.Sub(into.Start.Date) <= Rejoin {
			for _, q := range tp.Posts {
				r.topicOf[q] = into
			}
			into.Posts = append(into.Posts, tp.Posts...)
			grown[into] = true
			continue
		}
		kept = append(kept, tp)
		if !stray {
			bySubject[key] = tp
		}
	}
	r.topics = kept
	// Sorted once each at the end: only a topic's Start is read above.
	for tp := range grown {
		slices.SortStableFunc(tp.Posts, ComparePosts)
	}
}

// readStray works out what joinStrays reads of a topic: the subject
// strays are matched by, and whether the topic is one. Safe side by side
// for different topics: it writes only tp.
func (r *Reading) readStray(tp *Topic) {
	tp.subjectKey = statusTag.ReplaceAllString(strings.ToLower(r.CleanSubject(tp.Start.Subject)), "")
	tp.stray = tp.Start == tp.Thread.Root && !StartsThread(tp.Start.Subject) && r.byID[tp.Start.ParentID] == nil
}

// statusTag is what an asker adds to the subject to say where the matter
// stands ("RFNoC OTT Block on E320 - FIXED", "[SOLVED] B210 not found",
// "X310 timeouts (resolved)"): a stray under it is still the matter's.
var statusTag = mustPattern(`^\s*[\[(]?(solved|fixed|resolved|closed)[\])]?\s*[:-]?\s+|\s+[-:]?\s*[\[(]?(solved|fixed|resolved|closed)[\])]?\s*$`)

// TopicStarts are the posts of one thread (oldest first) that start a
// topic inside it, by Message-ID: what the archive's thread page marks.
// A post whose Body is empty is judged by its headers alone (its subject).
func TopicStarts(thread []*Post) map[string]bool {
	out := map[string]bool{}
	if len(thread) == 0 {
		return out
	}
	end := thread[len(thread)-1].Date.Add(time.Second)
	for _, q := range thread {
		if !q.Date.Before(end) {
			end = q.Date.Add(time.Second)
		}
	}
	for _, tp := range Read(thread, end).Topics() {
		if tp.Start != tp.Thread.Root {
			out[tp.Start.MessageID] = true
		}
	}
	return out
}

// TopicOf is the topic a post belongs to (nil for a post not read).
func (r *Reading) TopicOf(q *Post) *Topic {
	r.Topics()
	return r.topicOf[q]
}

// announces tells whether a topic is an announcement: its first post
// opened its thread under a subject of news ("[UHD] Announcing 4.0",
// "UHD 4.1.0.0 released!") and asks nothing itself (not "Possibly
// misplaced files in the 3.9.7-release repository?"; see questions).
func (r *Reading) announces(t *Topic) bool {
	if t.announce == 0 {
		t.announce = -1
		if t.Start == t.Thread.Root && StartsThread(t.Start.Subject) && announcement.MatchString(r.CleanSubject(t.Start.Subject)) && !r.questions(t.Start) {
			t.announce = 1
		}
	}
	return t.announce > 0
}

// questions tells whether a post asks a question (release notes name
// errors and failures, those they fixed, and say how to do things).
func (r *Reading) questions(q *Post) bool {
	for _, s := range r.Sentences(q) {
		if IsQuestionSentence(s) {
			return true
		}
	}
	return false
}

// asks tells whether a post has a sentence that asks or reports trouble
// and does not suggest (see asksOwn).
func (r *Reading) asks(q *Post) bool {
	return r.judged(q, FeatRaises, func(sents []string) bool { raised, _ := raises(sents); return raised })
}

// asksOwn tells a reply that asks for help on its own account: a
// sentence in the first person that asks or reports trouble and does not
// suggest ("I get the following error", "I am also trying to get this
// working on an X310", not "Perhaps try a lower rate?").
func (r *Reading) asksOwn(q *Post) bool {
	return r.judged(q, FeatRaisesOwn, func(sents []string) bool { _, own := raises(sents); return own })
}

// raises tells whether a sentence asks or reports trouble and does not
// suggest (raised), and whether one such is in the first person (own):
// in one pass, and the person asked only of such a sentence (Judge asks
// both of every post archived).
func raises(sents []string) (raised, own bool) {
	for _, s := range sents {
		if (IsQuestionSentence(s) || stuck.MatchString(s) || asking.MatchString(s)) && !suggests.MatchString(s) {
			raised = true
			if firstPersonIn(s) {
				return true, true
			}
		}
	}
	return raised, false
}

// asksOf tells whether a first post with this subject and these
// sentences asks for help (see HelpRequest; the help request), and what
// raises tells, in one reading of the sentences, as Judge asks all three
// of every post archived: each sentence's words of trouble and of asking
// are looked for once, not by each (helpText, in the tests, reads the
// help request alone).
func asksOf(subject string, sents []string) (help, raised, own bool) {
	subj := CleanSubject(subject)
	news := announcement.MatchString(subj)
	if !news && (IsQuestionSentence(subj) || interrogative.MatchString(subj) || stuck.MatchString(subj)) {
		help = true
	}
	helpDone := help || news
	for _, s := range sents {
		q := IsQuestionSentence(s)
		troubled := stuck.MatchString(s) || asking.MatchString(s)
		if !helpDone && (troubled || q && !rhetorical.MatchString(s) || asksPlainly.MatchString(s)) {
			help, helpDone = true, true
		}
		if (q || troubled) && !suggests.MatchString(s) {
			raised = true
			if firstPersonIn(s) {
				own = true
			}
		}
		if helpDone && own {
			break
		}
	}
	return help, raised, own
}

// firstPersonIn is firstPerson.MatchString(s), read by hand: a word
// (a run of ASCII letters, digits and '_', as the expression's \b
// parts them) that is "i", "we", "my" or "our" in any case ("i'm",
// "i've" and "we're" begin with one).
func firstPersonIn(s string) bool {
	word := func(c byte) bool {
		return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_'
	}
	for i := 0; i < len(s); {
		if !word(s[i]) {
			i++
			continue
		}
		j := i
		for j < len(s) && word(s[j]) {
			j++
		}
		if w := s[i:j]; len(w) <= 3 && (strings.EqualFold(w, "i") || strings.EqualFold(w, "we") || strings.EqualFold(w, "my") || strings.EqualFold(w, "our")) {
			return true
		}
		i = j
	}
	return false
}

// tellsFix tells a post that answers from its author's own experience
// and asks nothing: it says what the cause or the fix was ("In my case, I
// had hyphens instead of underscores", "The issue was that the X310
// detects the PPS on the falling edge"), and no sentence of it asks, asks
// for help or pleads ("In my case the device is not found at all. Any
// help would be appreciated." is a question of its own).
// (Asked only of a newcomer's post that asks on its own account in a
// thread gone quiet or about another model: not judged as it is
// archived.)
func (r *Reading) tellsFix(q *Post) bool {
	fix := false
	for _, s := range r.Sentences(q) {
		if IsQuestionSentence(s) || asking.MatchString(s) || helpWanted.MatchString(s) || plea.MatchString(s) {
			return false
		}
		fix = fix || ownCase.MatchString(s) || narrates.MatchString(s)
	}
	return fix
}

// sameTrouble tells a post that calls its trouble the thread's own ("I
// have the same problem with DPDK"), a "me too" on any device; not one
// that says it is not ("I don't think it is the same issue").
func (r *Reading) sameTrouble(q *Post) bool { return r.judged(q, FeatSameTrouble, sameTrouble) }

func sameTrouble(sents []string) bool {
	for _, s := range sents {
		if sameAsThread.MatchString(s) && !notSame.MatchString(s) {
			return true
		}
	}
	return false
}

// sameAsThread is narrower than sameProblem (thread.go), which also
// takes "a similar problem" for a "me too": here a similar problem on
// another device is a question of its own, the same one is not.
var (
	sameAsThread = mustPattern(`(?i)\b(exact )?same (problem|issue|error)s?\b`)
	notSame      = mustPattern(`(?i)\b(not|no|never|\w+n't|different)\b.{0,40}\bsame (problem|issue|error)`)
)

// ownCase: words that tell what the cause or the fix of a trouble was, in
// a post that answers from its author's experience (in the past tense:
// "The problem is that my N310 will not boot" tells a trouble).
var ownCase = mustPattern(`(?i)\b(in (my|our) case,? (i|we|it) (had|was|were|needed|turned out)|the (issue|problem|cause|culprit) (was|turned out to be)|the (fix|solution|workaround) (is|was)|what (fixed|solved) it)\b`)

// alsoMe tells a post whose author reports the trouble of a thread as
// theirs too.
func (r *Reading) alsoMe(q *Post) bool {
	if q.Features.Has(featJudged) {
		return q.Features.Has(FeatAlsoMe)
	}
	return alsoMe.MatchString(q.Body)
}

// alsoMe: someone reporting the trouble of a thread as theirs too.
var alsoMe = mustPattern(`(?i)\b(similar (problem|issue)|same (problem|issue|error|thing)|me too|(i|we)('m| am| are)? also|also (trying|having|seeing|getting))\b`)

// models calls f with each product name s holds, in order, until f
// returns false: a word of letters and digits with both ("X310", "E320",
// "B210mini"; "N3xx" is not one), that is 1-4 ASCII letters, 2-4 digits
// and up to 4 letters, the whole of a run of ASCII word characters. It
// is `\b[A-Za-z]{1,4}[0-9]{2,4}[A-Za-z]{0,4}\b`, read by hand: newModel
// asks it of every reply by someone new to a topic, and the expression
// was a twentieth of a busy week's analysis.
func models(s string, f func(string) bool) {
	for i := 0; i < len(s); {
		if !isWordByte(s[i]) {
			i++
			continue
		}
		j := i
		for j < len(s) && isWordByte(s[j]) {
			j++
		}
		if isModel(s[i:j]) && !f(s[i:j]) {
			return
		}
		i = j
	}
}

// isModel tells whether a word is shaped as models says.
func isModel(w string) bool {
	i := 0
	run := func(in func(byte) bool) int {
		n := 0
		for i < len(w) && in(w[i]) {
			i, n = i+1, n+1
		}
		return n
	}
	letters := run(isASCIILetter)
	digits := run(isDigit)
	after := run(isASCIILetter)
	return i == len(w) && letters >= 1 && letters <= 4 && digits >= 2 && digits <= 4 && after <= 4
}

func isWordByte(c byte) bool { return isASCIILetter(c) || isDigit(c) || c == '_' }

func isASCIILetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// newModel tells whether a post names a model the topic's first post
// does not (whose models are read once: many replies ask this of it).
func (t *Topic) newModel(q *Post) bool {
	if t.models == nil {
		t.models = map[string]bool{}
		models(t.Start.Subject+" "+t.Start.Body, func(m string) bool {
			t.models[strings.ToLower(m)] = true
			return true
		})
	}
	found := false
	models(q.Body, func(m string) bool {
		found = !t.models[strings.ToLower(m)]
		return !found
	})
	return found
}

var wasSubject = regexp.MustCompile(`(?i)[(\[]\s*was\s*:?[^)\]]*[)\]]?\s*$|\s+was\s*:.*$`)

// newSubject tells whether a reply's subject changes the matter: a
// "(was: old)" marks it so; otherwise the two subjects, cleaned of reply
// markers and tags, must share less than a third of their words. An
// empty or missing subject changes nothing.
func (r *Reading) newSubject(parent, reply string) bool {
	if parent == reply {
		// Most replies: nothing to read (the words were most of the
		// topics' time on a busy week).
		return false
	}
	a, b := r.subject(parent), r.subject(reply)
	if b.was && !a.was {
		return true
	}
	// The words of the subjects' bracketed tags say nothing of the
	// matter: the list's own name, which its tag holds ("[USRP-users]"),
	// is in half its subjects ("USRP Calibration"), and a tag such as
	// "[SOLVED]" or "[N310]" marks, it does not name a new matter.
	tagged := func(w string) bool { return a.tags[w] || b.tags[w] }
	na, nb, common := 0, 0, 0
	for w := range a.words {
		if !tagged(w) {
			na++
		}
	}
	for w := range b.words {
		if !tagged(w) {
			nb++
			if a.words[w] {
				common++
			}
		}
	}
	if na == 0 || nb == 0 {
		return false
	}
	return common*3 < min(na, nb)
}

// subjectInfo is what newSubject reads of one subject: whether it says
// "(was: …)", the words of its cleaned text and those of its bracketed
// tags.
type subjectInfo struct {
	was   bool
	words map[string]bool
	tags  map[string]bool
}

// subject reads a subject for newSubject once a Reading: a thread's
// replies mostly repeat one or two forms of it ("Re: [list] …"), and the
// expressions were most of a busy week's topics.
func (r *Reading) subject(s string) *subjectInfo {
	return once(&r.mu, r.subjects, s, func() *subjectInfo {
		in := &subjectInfo{was: wasSubject.MatchString(s), words: subjectWords(s), tags: map[string]bool{}}
		for _, tag := range subjectTag.FindAllStringSubmatch(s, -1) {
			for _, t := range Tokens(tagSeparators.Replace(tag[1])) {
				in.tags[t.Term] = true
			}
		}
		return in
	})
}

// subjectTag finds the bracketed tags of a subject ("[USRP-users]"), and
// tagSeparators parts a tag's words ("USRP users").
var (
	subjectTag    = regexp.MustCompile(`\[([^\]]{1,40})\]`)
	tagSeparators = strings.NewReplacer("-", " ", "_", " ")
)

func subjectWords(s string) map[string]bool {
	s = CleanSubject(s)
	if s == "(no subject)" {
		return nil
	}
	out := map[string]bool{}
	for _, t := range Tokens(s) {
		out[t.Term] = true
	}
	return out
}

// HelpRequest tells whether a topic's first post asks the list for help,
// information or advice: IsQuestion's '?' and question-like subjects, and
// also what people write when they are stuck without a question mark ("I
// get the following error", "stuck at 8 Msps", "it does not work", "any
// idea"). Announcements (releases, events, jobs, calls for papers) are
// not, nor is a reply to a post the archive does not have.
func (r *Reading) HelpRequest(t *Topic) bool {
	if t.help == 0 {
		t.help = -1
		if t.Opens() && r.Features(t.Start).Has(FeatAsks) {
			t.help = 1
		}
	}
	return t.help > 0
}

// rhetorical: a question that tells news rather than asks ("Perhaps you
// saw that UHD 4.1 was merged…?", "Did you know…?").
var rhetorical = regexp.MustCompile(`(?i)^(perhaps |maybe )?(you (may |might )?(have )?(saw|seen|heard|noticed|read)|did you (know|see|hear|notice)|(have|had) you (seen|heard|noticed))\b`)

var (
	// announcement: subjects of news, not requests: a tag or first word
	// that says so ("[ANN]", "Release…", "Job…"), a digest's subject, or
	// words of news anywhere ("… now available", "Programme ready").
	announcement = mustPattern(`(?i)^\s*[\[(]?(ann|announce|announcement|release[sd]?|job|jobs|hiring|cfp|call for|webinar|workshop|event|news)\b|\bdigest, vol\b|\bdigest vol\b|(?i)\b(released?|now available|announc\w*|programme|program ready|newsdr|grcon|conference|symposium|webinar|workshop|summer school|open position|internship|we are hiring|call for (papers|participation|proposals))\b`)
	// stuck: words of trouble.
	stuck = mustPattern(`(?i)\b(errors?|fail(s|ed|ing|ure)?|crash(es|ed|ing)?|segfault(s|ed|ing)?|segmentation fault|exception|overflows?|underflows?|underruns?|timeouts?|timed out|stuck|hangs?|freez(e|es|ing)|not (work|working|detected|found|recogni[sz]ed|responding|able)|(does|do|did)( not|n'?t) (work|seem|show|find|detect|respond|get|see|receive|transmit|compile|build|boot|load|run|start|match)|can ?not|can'?t|unable to|won'?t|problems?|issues?|trouble|wrong|strange|weird|odd behaviou?r|unexpected|bug|broken|help)\b`)
	// asking: ways of asking without a question mark.
	asking = mustPattern(`(?i)\b(any (idea|ideas|help|advice|suggestions?|hints?|pointers?|thoughts)|(i|we)( would|'d) (like|love) to (know|ask|understand)|(i|we)( am|'m| are|'re) (also )?(wondering|looking for|trying to|not sure)|(tell|show) me (if|whether|how|what|where)|i wonder|please (help|advise|let me know|suggest)|(could|can|would) (you|someone|anyone)|does anyone|has anyone|is there (a|any)|how (to|do|can|should)|(need|want) (some )?(help|advice|guidance)|appreciate (any|your|some)|(thanks|thank you) in advance|tia)\b`)
)

var (
	// confirms: the asker saying the answer worked or made things clear
	// ("I ended up getting it to work", "I built it successfully"; not
	// "I'm having trouble getting it to work", nor an answer to "did you
	// build it right?": "I believe I have compiled it correctly").
	confirms = mustPattern(`(?i)\b((managed|able) to get ([a-z0-9]+ ){0,4}(working|running|to work)|(never ?mind|nvm),? (i|we) (got|figured|found|fixed|solved) it|(it|that|everything) (finally )?(built|compiled|booted)|(get|got|work|worked) around (it|this|that|the (problem|issue))|(was|were) able to (fix|solve|resolve)|(could|can) (finally |now )?(fix|solve|resolve)|(working|works|running) again|(is|are) (now )?(working|running) (now|fine|properly|correctly|again)|managed to (fix|solve|resolve|get it)|seems? to be (solved|resolved|fixed|gone)|(solved|resolved|fixed) now|that (did it|did the trick|worked|works|fixed|solved|resolved|helped|helps|answers my question|was it|was the (problem|issue|culprit)|makes sense)|(seemed|seems) to (do|have done) the trick|(actually|ok|okay|anyway),? (i|we) (got|figured|found|fixed|solved) it|(the )?(problem|issue|mistake|error|fault) (was|is),? ((of course|obviously|clearly),? )?(mine|on my (side|end))|my (bad|mistake|fault)\b|(this|it|which|everything|all) (is )?(works?|worked|working)( now| fine| great| perfectly| well)?|works now|working now|now (it )?works|(now|finally) (i can|i am able|i'm able|it is working|it's working)|got it (working|to work|running)|(problem|issue|error|it)('s| is| was| has been| got) (now )?(solved|resolved|fixed|gone|sorted)|^(the )?(problem|issue|error)( now)? (solved|resolved|fixed|gone|sorted)|(solved|fixed|resolved|cleared up|clear up) (it|the|my|this)|(up and|up an) running|seems? to (be )?work(s|ing)?|working (ok|fine|well|great|now)|^success\b|(i|we) (can|could|am able to|are able to) now|(i'm|i am|we are) now able|(is|it's) (now )?clear|makes (more )?sense now|i see now|that explains|(works|worked) (like a charm|perfectly|great|fine|well)|you('re| are| were) right|now i (understand|understood|get it)|i (understand|understood) now|(i|we) (finally |eventually )?(figured|worked) (it|this|that) out|(is|was) (exactly |just |precisely |more or less )?what i (needed|was looking for|wanted)|(was|were) able to successfully|(i|we)( have|'ve)?( finally| eventually)? managed to|(i|we) did (fix|solve|resolve) (it|the|my|this|that)|answers my question|(built|compiles|compiled|installed|ran|runs|booted|boots|streams|connects|connected|detected|recognized|recognised) (fine|ok|okay|successfully|correctly|properly|without (any )?(problems?|issues?|errors?))|no more (errors|overflows|underruns|problems|issues|drops)|(that|this|it)('s| is| was) (indeed |exactly |definitely )?(the|my) (solution|fix|answer)|\w+ (was|were) (indeed |exactly )?the (solution|fix|answer)|(does|did) (now )?(resolve|fix|solve) (it|the|my|this|that)|(made|makes) (the|this|that|my|these|those) (problems?|issues?|errors?|overflows?|underruns?) (go away|disappear)|(problems?|issues?|errors?|overflows?|underruns?) (went|have gone|has gone) away|(i|we)( have|'ve)?( finally| eventually)? (found|figured out|discovered) (the|a) (solution|fix|workaround|answer)|(i|we) (found|figured out) how to|what('s| is) (now )?working for (me|us)|answered my own question|now (we're|we are|i'm|i am) (working|good|in business)|^(never ?mind|nvm)\b|third time'?s (a|the) charm|(this|that) was it\b|^bingo\b|for now,? (it|this|that|everything|(my|the|our) \w+)('s| is)? (works?|working))\b`)
	// unresolved: words that take a confirmation back.
	unresolved = mustPattern(`(?i)\b(struggl(e|es|ed|ing)|((am|are|is|'m|'re) (still )?having|(have|has) (some )?) ?(trouble|difficulty|difficulties|problems?) (getting|to get|making)|(see|check|test|know|find out|figure out|verify|confirm) (if|whether)|(if|when|once|until) (it|this|that|everything) (works|helps|is working|runs)|still|no luck|not (yet )?(working|solved|resolved|fixed|work)|(doesn'?t|does not|don'?t|do not|didn'?t|did not|won'?t|isn'?t|is not) (work|help|fix|solve|seem)|(\w+n't|not|never) (been )?able to|unable to|but|however|unfortunately|same (problem|issue|error|result)|(\w+n't|not|never|nobody|no one)( has| have| had)? (yet )?(been able to |managed to )?(find|found|figure|figured)|(\w+n't|not) (exactly|quite|really|what))\b`)
	// thanking: thanks for an answer (not "thanks in advance").
	// beforeHelp: thanks for help not yet given ("thanks in advance").
	beforeHelp = mustPattern(`(?i)\b(thanks|thank you|thx)( (so much|a lot))? (in advance|for (any|your) (help|advice|suggestions|input|ideas|time|assistance))\b|\btia\b|` + helpWantedExpr)
	// helpWanted: asking for help in words beforeHelp takes out of
	// thanks ("any help will be much appreciated").
	helpWanted = mustPattern(helpWantedExpr)
	thanking   = mustPattern(`(?i)\b(thanks|thank you|thank u|thx|many thanks|much appreciated|appreciate (it|your|the)|grateful)\b`)
)

// Confirms tells whether a sentence of the asker says an answer worked:
// "that did it", "works now", "problem solved", "it is clear now"; not
// when it says "still", "no luck", or puts the outcome off ("I'll try it
// and see whether it works fine").
//
// A "but" takes back what comes before it only when what follows it is
// trouble: "It works, but the LO still leaks" does not confirm; "It
// failed at first, but now it works" and "That works fine, but I had to
// update UHD" do.
func Confirms(sentence string) bool {
	// An offer to report what may come up says nothing of the outcome
	// ("That fixes it, but I'll let you know if I see anything strange").
	if courtesy.MatchString(sentence) {
		sentence = courtesy.ReplaceAllString(sentence, "")
	}
	if end := takeBack.LastEnd(sentence); end >= 0 {
		head, tail := sentence[:end], sentence[end:]
		switch {
		case confirmsAlone(tail):
			return true
		case unresolved.MatchString(tail) || trouble.MatchString(tail) || putsOff(tail) || doubted.MatchString(tail):
			// "The problem has disappeared, but only when I run it as
			// root."
			return false
		}
		sentence = head[:takeBack.LastStart(head)]
	}
	return confirmsAlone(sentence)
}

func confirmsAlone(s string) bool {
	return (confirms.MatchString(s) ||
		narrates.MatchString(s) && !trouble.MatchString(s) && !hedged.MatchString(s) && !doubted.MatchString(s) ||
		(tellsNow.MatchString(s) || makesSense.MatchString(s)) && !trouble.MatchString(s) && !hedged.MatchString(s) && !doubted.MatchString(s) && !denied.MatchString(s)) &&
		!unresolved.MatchString(s) && !putsOff(s) && !condition.MatchString(s)
}

var (
	// narrates: the asker telling what the fix was ("I figured out the
	// issue", "it helps me to solve…", "the correct solution was…", "I
	// ended up reading…", "exactly the info I needed"); such a sentence
	// confirms only when it tells of no trouble and does not wonder
	// ("The log helped me find where it crashes", "I wonder if the real
	// cause was the cable").
	narrates = mustPattern(`(?i)\b(now (it|the \w+|my \w+) (can|could|is able to) (now )?(recogni[sz]e|detect|see|find|lock|boot|receive|transmit|stream|connect|communicate|ping|run|build|compile|load)|(helps|helped|allowed) (me|us) (out )?(to )?(find|fix|solve|resolve|figure|understand|track down)|(the|my|our) (correct |real |actual |final |proper )?(solution|fix|workaround|cause|culprit) (was|turned out)|(figured|found) out (the|my) (problem|issue|cause|culprit|reason|solution|fix|mistake|bug)|(figured|found) out what was (wrong|happening|going on)|figured out (how|why)|(i|we)( think| believe)?( to)?( have|'ve| had)?( finally| eventually)? found (a|the) (solution|fix|workaround|cause|culprit|root cause|reason)|(i|we) ended up (using|doing|reading|going|writing|building|installing|switching|setting|changing)|(exactly|just) the (info|information|answer|explanation|thing) (i|we) (needed|wanted|was looking for|were looking for))\b`)
	// hedged: a sentence that wonders rather than tells.
	hedged = mustPattern(`(?i)\b(wonder|whether|if|maybe|perhaps|might|not sure)\b`)
	// doubted: a sentence that tells of trouble left in words trouble
	// does not list ("Now the host can ping it and the probe times out",
	// "Now it could detect the board only once, then nothing").
	doubted = mustPattern(`(?i)\b(never|no idea|persists?|remains?|same|times? out|freezes?|drops?|lost|loses|only|nothing|(came|comes) back|reappear(s|ed|ing)?)\b`)
)

// tellsNow: the asker telling, in the present tense or as a result,
// that it works: "That fixes it" (at the sentence's start or after a
// comma, not "a patch that fixes it"), "Commenting it out solves the
// issue", "the problem has disappeared", "you nailed it", "the
// reference now appears locked", "I built it successfully", "I ended up
// getting it to work", "the static parameters are working as
// expected" (ending the sentence: "the TX side is working as expected,
// the RX side shows a DC spike" tells of one part). Present tenses also
// wish, wonder, deny and tell what others say, so such a sentence
// confirms only when it does none of that (denied), tells of no trouble
// and does not doubt.
var tellsNow = mustPattern(`(?i)(^|[,;:!.]\s*|\band\s+)(that|this|it) (fixes|solves|resolves) (it|the (issue|problem|error|bug))\b|^\w+ing\b[^,]{0,80} (fixes|solves|resolves) (the|my|this) (issue|problem|error|bug)\b|\b(problems?|issues?|errors?|overflows?|underruns?) (has |have )?(now )?(disappeared|vanished)\b|\b(you|that|this) nailed it\b|\bnow (appears|seems) (to be )?(locked|working|fine|stable)\b|\b(built|compiled|installed) (it|them|everything) (fine|successfully)\b|\b(ended up|succeeded in|finally) (getting|gotten) (it|this|that|everything) (working|to work|running)\b|\b(working|works|worked|running|runs|behaving|behaves) (now )?as (expected|intended|it should|they should)( now)?[\s.!]*$`)

// denied: words with which a sentence denies, wishes, hopes, supposes or
// reports what others say rather than tells what now holds ("I don't
// think this fixes it", "We need a patch that fixes the issue", "The
// release notes say 4.1 fixes the issue", "Rebooting no longer fixes
// it", "Power cycling sometimes fixes it", "Nobody has built it
// successfully", "The issue disappeared for a while").
var denied = mustPattern(`(?i)\b(not|\w+n't|never|no longer|neither|none|nobody|no one|sometimes|occasionally|temporarily|for a (while|day|moment|bit|few \w+)|hope|hopefully|doubt|think|suppose|guess|need|needs|looking for|want|wants|says?|said|read|heard|which|whether)\b`)

// makesSense: the answer taken in, ending the sentence ("It makes total
// sense."; not "It makes sense to try the external reference first").
var makesSense = regexp.MustCompile(`(?i)^((ok(ay)?|yes|ah|now|i see|got it),? )?(it|that|this|which) makes (total |perfect |complete )?sense( now)?( to me)?[\s.!]*$`)

// condition: a sentence that says what happens under a condition ("If I
// select the first channel, it works correctly") tells no outcome.
var condition = mustPattern(`(?i)^(if|unless|only if)\b`)

// takeBack: the words after which a sentence says what finally holds.
var takeBack = mustPattern(`(?i)\b(but|however|unfortunately|although|though)\b`)

// confirmation tells whether the asker's post confirms an answer: a
// sentence that Confirms with nothing after it that asks again or reports
// trouble.
func confirmation(sents []string) bool {
	// What comes after is read only for a post with a sentence that
	// confirms: most have none, and reading every post's sentences for
	// trouble was a sixth of judging it.
	var again func(j int) bool
	for i, s := range sents {
		if !Confirms(s) || IsQuestionSentence(s) {
			continue
		}
		if again == nil {
			again = asksAgainFrom(sents)
		}
		if !again(i + 1) {
			return true
		}
	}
	return false
}

// acknowledgement tells whether the asker's post is a short one that
// takes an answer in and closes the matter: it opens by saying it is
// understood ("Understood.", "Now I understood.") or by thanking for
// what was told ("OK, thanks for the information", "Thanks Marcus."),
// and nothing in it asks, asks for help again, reports trouble, takes
// the answer back ("Thanks, but…") or puts the outcome off ("I will try
// it tomorrow"). Thanks for a suggestion or a patch ("Thanks for the
// suggestion!") is not: what was suggested is still to be tried.
func acknowledgement(sents []string) bool {
	if len(sents) > 6 {
		return false
	}
	for i, s := range sents {
		if i == 2 {
			break
		}
		if understood.MatchString(s) || gotIt.MatchString(s) || Thanked(s) && !takeBack.MatchString(s) && !untried.MatchString(s) {
			return !Reopens(sents) && !goesOn(sents)
		}
	}
	return false
}

// goesOn tells whether a short reply carries the matter on rather than
// closing it: it sends more material ("here is the flow-graph and a
// diagram", "attached is the log") or holds to what it said before ("As
// stated in my original mail: …").
func goesOn(sents []string) bool {
	for _, s := range sents {
		if moreMaterial.MatchString(s) && !sharesResult.MatchString(s) {
			return true
		}
	}
	return false
}

// sharesResult: material sent along with the result, for others ("Here
// is the corrected script in case someone needs it", "I attached the
// working flowgraph for reference").
var sharesResult = mustPattern(`(?i)\b(working|corrected|fixed|final|patched|finished|updated)\b|\bfor (reference|anyone|others|the record|posterity|the archive)\b|\bin case (someone|anyone|somebody|anybody|others|other people)\b`)

var moreMaterial = mustPattern(`(?i)\b(here (is|are) (the|my|a|an|some)|here's (the|my|a|an|some)|attached (is|are)|please find attached|(i|i've|i have) attached|as (stated|said|mentioned|written|described) in my (original|previous|first|last|earlier) (mail|email|e-mail|message|post))\b`)

const helpWantedExpr = `(?i)\b(any|some) (help|advice|suggestions?|ideas?|hints?|input|pointers?)( \w+){0,3} ((would|will) be|are|is) (much |greatly |highly |very |really )?appreciated?\b`

// untried: thanks for something still to be tried.
var untried = mustPattern(`(?i)\b(for|about) (the|your|both|these|those|all the|all your) (suggestions?|patch(es)?|ideas?|tips?|pointers?|proposals?|recommendations?|scripts?|code|snippets?|examples?)\b`)

// reasks tells whether a later post of the asker's reopens the matter
// (confirms: whether it is a confirmation):
// it says the trouble is still there ("still", "no luck", "does not
// work"), or reports trouble and asks for help again ("now I get a
// ModuleNotFoundError, any idea?"), and does not itself confirm. A side
// question with no trouble in it does not reopen.
func reasks(sents []string, confirms bool) bool {
	if confirms {
		return false
	}
	asks, troubled := false, false
	for _, s := range sents {
		if stillThere(s) {
			return true
		}
		asks = asks || IsQuestionSentence(s) || asking.MatchString(s)
		troubled = troubled || trouble.MatchString(s)
	}
	return asks && troubled
}

// asksAgainFrom: whether sentences after a confirmation take it back:
// they ask about trouble again, say the trouble is still there or that
// the asker is stuck ("I'm really struggling with this"), open with
// "but" and report trouble or ask ("However, I received an error…",
// "But why?"; not "However, I have a proposal for the CMake files"), or
// put the outcome off ("I'll try it on the X310", "let's hope"; not an
// offer to report what may come up, see courtesy), or beg for help after
// trouble ("build have failed / Please help!!"). A side question does
// not ("Why doesn't it work with the DmaFifo?" after "that works fine"
// does: it asks about trouble; "Is there a manual for it?" does not),
// nor do trouble words alone ("it came from an unrelated issue"
// explains).
//
// It tells that for each j, of sents[j:], reading each sentence once: a
// post of thousands of sentences that each confirm ("It works now." over
// and over) costs a pass, not the square of it.
func asksAgainFrom(sents []string) func(j int) bool {
	// From the end: whether a sentence from j on takes it back by
	// itself (hit), asks for help (needs trouble somewhere from j on to
	// take it back), and reports trouble.
	n := len(sents)
	hit, asks, troubled := make([]bool, n+1), make([]bool, n+1), make([]bool, n+1)
	for k := n - 1; k >= 0; k-- {
		s := sents[k]
		tr := trouble.MatchString(s)
		q, but := IsQuestionSentence(s), butStart.MatchString(s)
		// Putting something off in a sentence that itself says it works
		// ("If I have time, I will try to prove this, but for now my
		// block is working") puts off no outcome.
		hit[k] = hit[k+1] || (q || but) && tr || q && but || stillThere(s) || stillStuck.MatchString(s) || handedOn.MatchString(s) || putsOff(s) && !Confirms(s)
		asks[k] = asks[k+1] || helpWanted.MatchString(s) || plea.MatchString(s)
		troubled[k] = troubled[k+1] || tr
	}
	return func(j int) bool { return hit[j] || asks[j] && troubled[j] }
}

// stillThere tells whether a sentence says the trouble is still there
// (notYet), not counting a "still" about the asker's learning or about
// what still works ("old flowgraphs still working."), nor the same
// trouble someone else may meet ("for anyone with the same problem", "if
// you build against zeus you will hit the same issue"; but "I still have
// the same problem, in case you want to reproduce it" is the asker's).
func stillThere(s string) bool {
	s = s[:forOthers.LastStart(s)] // what is said before the others come in
	if !notYet.MatchString(s) {
		return false
	}
	for _, p := range []*Pattern{stillLearning, stillWorks, othersSame} {
		s = p.ReplaceAllString(s, "")
	}
	if !denied.MatchString(s) && !trouble.MatchString(s) && !doubted.MatchString(s) {
		s = stillFine.ReplaceAllString(s, "")
	}
	return notYet.MatchString(s)
}

var (
	// stillFine: what still does its work well, said at more length
	// than stillWorks reads ("omitting GUI=1 will still output the
	// results correctly", "the old image still boots as expected"): a
	// verb of work done, in a sentence that denies or doubts nothing
	// (denied: "I doubt it still boots as expected") and tells of no
	// trouble or of the same as before ("I still get the same error as
	// before", "it still crashes even with the clock configured
	// properly").
	stillFine = mustPattern(`(?i)\bstill (outputs?|produces?|generates?|gives|returns?|shows?|boots?|runs?|streams?|works?|builds?|compiles?|loads?|locks?|syncs?|receives?|transmits?)( [\w"'./=-]+){0,6} (correctly|properly|fine|as (expected|before|it should))[\s.!]*$`)
)

// Reopens tells whether sentences ask again (a question, or for help:
// "any help will be much appreciated"), report trouble or put the
// outcome off.
func Reopens(sents []string) bool {
	for _, s := range sents {
		if IsQuestionSentence(s) || asking.MatchString(s) || helpWanted.MatchString(s) || stillThere(s) || handedOn.MatchString(s) || trouble.MatchString(s) || putsOff(s) || butStart.MatchString(s) {
			return true
		}
	}
	return false
}

var (
	// trouble: a report of something going wrong (narrower than stuck,
	// which also finds a request's "problem" or "issue").
	trouble = mustPattern(`(?i)\b(stop(s|ped)? (to )?work(ing)?|struggl(e|es|ed|ing)|bizarre|errors?|fail(s|ed|ing|ure)?|crash(es|ed|ing)?|segfault(s|ed|ing)?|exception|overflows?|underflows?|timeouts?|timed out|hangs?|not (work|working|detected|found|responding|able)|(does|do|did)( not|n'?t) (work|seem|show|find|detect|respond|get|see|receive|transmit|compile|build|boot|load|run|start|lock|sync|stream|connect)|can ?not|can'?t|unable to|won'?t|wrong|strange|weird|unexpected|broken|concerned|worried|problem is|issue is|another (problem|issue|question))\b`)
	// notYet: the trouble is still there.
	notYet = mustPattern(`(?i)\b(still|no luck|not (yet )?(working|solved|resolved|fixed)|(doesn'?t|does not|didn'?t|did not|isn'?t|is not) (work|help|fix|solve)|same (problem|issue|error|result))\b`)
	// forOthers: a sentence about the others who may meet the trouble.
	forOthers = mustPattern(`(?i)\b(in case|if) (you|someone|anyone|somebody|anybody|others|other people|other users)\b`)
	// stillLearning: "still" that says nothing of the trouble ("still
	// figuring out some of the stuff", "still new to this").
	stillLearning = mustPattern(`(?i)\bstill (figuring|learning|new|getting (used|familiar)|a (beginner|newbie|novice))\b`)
	// othersSame: the same trouble as others' ("for anyone with the same
	// problem", "in case someone has the same issue").
	othersSame = mustPattern(`(?i)\b(anyone|someone|somebody|anybody|others|other people|other users|you)( who)?( has| have| had| is| are| hits?| meets?| runs? into| faces?| facing| hitting| running into| seeing| getting| with| having)+ the same (problem|issue|error|trouble)\b`)
	// stillWorks: what still works, ending its sentence or said to work
	// well ("old flowgraphs still working.", "it still runs fine"; not
	// "it still runs out of memory").
	stillWorks = mustPattern(`(?i)\bstill (works?|working|runs?|running|fine|ok|okay|good|valid)( (fine|ok|okay|well|great|correctly|properly|as (expected|before)))?[\s.!]*$`)
	// later: the outcome put off.
	later = mustPattern(`(?i)\b((i|we)('ll| will| shall) ([a-z]+ ){0,4}(try|test|check|look|give|get back|report|let you know|see)|let me ([a-z]+ ){0,2}(try|test|check)|(i'm|i am|we're|we are) going to ([a-z]+ ){0,3}(try|test|check)|get back to you|keep you posted|(let's|i) hope|meanwhile|in the meantime|yet)\b`)
	// plea: a sentence that only begs for help ("Please help!!").
	plea = regexp.MustCompile(`(?i)^(please|pls|kindly) help( me| us)?[\s.!]*$`)
	// courtesy: an offer to report what may come up later ("I'll let
	// you know if I see anything strange with my own blocks"), which
	// puts off no outcome, unlike "I'll let you know if it works".
	courtesy = mustPattern(`(?i)\blet you know if (i|we) (see|find|notice|run into|hit|meet|get|have) (anything (strange|odd|weird|wrong|else|unusual|unexpected)|something (strange|odd|weird|wrong|else|unusual|unexpected)|(any|more|other|further|new) (issues?|problems?|trouble|errors?|questions?|bugs?))\b`)
	// gotIt: "Got it." or "I got it, thanks", the answer taken in (not "I
	// got it from the Ettus website", "I got it to boot once").
	gotIt = regexp.MustCompile(`(?i)^((ok(ay)?|ah|yes|alright),? )?(i )?got it\s*([.!,;:]|$)`)
	// understood: an answer taken in.
	understood = regexp.MustCompile(`(?i)^((ok(ay)?|anyway|alright|all right),? )?((now )?(i )?understood|i see|makes sense|that('s| is) clear|clear now|perfect|great)\b`)
	// handedOn: the trouble handed on rather than settled: reported as a
	// bug ("Opened an issue on github now"), the device sent back.
	handedOn = mustPattern(`(?i)\b((opened|filed|raised|created|submitted|reported|open|file|raise|submit) (an? |the )?(new )?(issue|bug|ticket|bug report|rma)|(send|sent|sending|return|returned|returning) (it|the (device|unit|board|radio)) (back|for (repair|rma)))\b`)
	// stillStuck: the asker saying they are stuck, in words that are not
	// a report of a fault ("I'm really struggling with this").
	stillStuck = mustPattern(`(?i)\bstruggl(e|es|ing)\b`)
	// butStart: a sentence that opens by taking back what came before.
	butStart = regexp.MustCompile(`(?i)^(but|however|although|though|unfortunately)\b`)
)

// putsOff tells whether a sentence puts the outcome off (later), an
// offer of courtesy aside.
func putsOff(s string) bool {
	return later.MatchString(s) && !(courtesy.MatchString(s) && !later.MatchString(courtesy.ReplaceAllString(s, "")))
}

// Thanked tells whether a post thanks someone (its prose, where a closing
// "Thanks," was taken off with the sign-off; "thanks in advance" does not
// count).
func Thanked(prose string) bool {
	// Most posts thank nobody: the thanks before help are taken out only
	// of one that has a word of thanks.
	return thanking.MatchString(prose) && thanking.MatchString(beforeHelp.ReplaceAllString(prose, ""))
}

// Confirmed finds the asker's confirmation: the first later post of the
// asker's that says it worked (see confirmation) or takes the answer in
// and closes the matter (see acknowledgement), or a later one that says
// a later answer worked, and the answer it
// credits (see credit; nil when that is not among the posts read, as
// when the asker thanks a reply the archive does not have). A topic is
// solved when it has a confirmation.
func (r *Reading) Confirmed(t *Topic) (answer, confirm *Post) {
	if t.confirmed {
		return t.answer, t.confirmation
	}
	t.confirmed = true
	for i, q := range t.Posts {
		if i == 0 || q.Who() != t.Asker() {
			continue
		}
		f := r.Features(q)
		switch {
		case t.confirmation == nil && (f.Has(FeatConfirms) || f.Has(FeatAcknowledges)):
			t.answer, t.confirmation = r.credit(t, i, r.Said(q)), q
		case t.confirmation != nil && f.Has(FeatConfirms):
			// A later confirmation of a later answer than the one
			// credited is what settled it: the asker confirmed one step
			// and then the fix ("I can reset it now" … "That fixes
			// it"); not a "me too", a cheer ("glad it works") or
			// another way that works too.
			said := r.Said(q)
			if a := r.credit(t, i, said); a != nil && a != q && (t.answer == nil || Before(t.answer, a)) && r.answers(a, t) && !r.cheers(a) && !alsoWorks.MatchString(strings.Join(said, " ")) {
				t.answer, t.confirmation = a, q
			}
		case t.confirmation != nil && f.Has(FeatReasks):
			// The asker came back with the trouble: whatever they
			// confirmed before did not settle it.
			t.answer, t.confirmation = nil, nil
		}
	}
	return t.answer, t.confirmation
}

// ConfirmedIn is the asker's confirmation as a period (in) knows it: the
// one Confirmed finds when it is dated in the period; else, when that one
// is older and still stands, the asker's first post in the period that
// says again that it works ("For the record: … the second B210 works
// fine now"), with the answer Confirmed credits. Nil when the period
// holds neither: a topic settled before it is not the period's, nor is a
// later post that only thanks ("Thanks again, Marcus!") or forwards. The
// evaluation's "solved in the week" (digest.Evaluate); the summary's
// helpers need no more than Confirmed, as they thank answers given in the
// period, which a confirmation made again never credits.
func (r *Reading) ConfirmedIn(t *Topic, in func(time.Time) bool) (answer, confirm *Post) {
	answer, confirm = r.Confirmed(t)
	if confirm == nil || in(confirm.Date) {
		return answer, confirm
	}
	for _, q := range t.Posts {
		if q == t.Start || q.Who() != t.Asker() || !in(q.Date) || !Before(confirm, q) {
			continue
		}
		if r.Features(q).Has(FeatConfirms) {
			return answer, q
		}
	}
	return nil, nil
}

// cheers tells whether a post only cheers the asker's success ("Great,
// glad to hear it works"): no answer to credit.
func (r *Reading) cheers(q *Post) bool {
	for i, s := range r.Said(q) {
		if i == 2 {
			break
		}
		if gladTo.MatchString(s) {
			return true
		}
	}
	return false
}

var (
	// gladTo: an answerer's cheer at the asker's success.
	gladTo = mustPattern(`(?i)\b(glad|good|great|happy|nice|pleased) (to hear|that|it('s| is)? work)`)
	// alsoWorks: a confirmation that another way works too ("Thanks
	// Marcus, that works too"): what settled it stays what it was.
	alsoWorks = mustPattern(`(?i)\b(works?|worked|working|fine|solves it|fixes it) (too|as well)\b|\balso (works?|worked|working)\b`)
)

// credit is the post a confirmation (the topic's i-th post, whose
// sentences are sents) points at: the asker's own post when it tells how
// they solved it themselves and thanks nobody ("Problem solved: the
// device had a non-default IP"); else the post it replies to when that is
// an answer by someone it names or it names nobody; else the latest
// answer before it by someone it names ("Thanks for the tip, Ron"); else
// the post it replies to; else the latest answer before it; else nil. An answer is
// someone else's post with something to quote that is not a "me too".
func (r *Reading) credit(t *Topic, i int, sents []string) *Post {
	conf := t.Posts[i]
	text := strings.Join(sents, " ")
	if selfSolved.MatchString(text) && !Thanked(text) {
		return conf
	}
	lower := strings.ToLower(text)
	named := func(c *Post) bool {
		first := firstName(c.Author())
		return len(first) > 2 && containsWord(lower, first)
	}
	par := r.byID[conf.ParentID]
	if par != nil && (r.topicOf[par] != t || !Before(par, conf) || par.Who() == t.Asker()) {
		par = nil
	}
	// The post it replies to, by someone it names: even a question
	// ("Are the MTUs the same on both ends?") can be what set it right.
	if par != nil && named(par) && strings.TrimSpace(par.Body) != "" {
		return par
	}
	if par != nil && !r.answers(par, t) {
		par = nil
	}
	for j := i - 1; j > 0; j-- {
		if c := t.Posts[j]; r.answers(c, t) && named(c) {
			return c
		}
	}
	if par != nil {
		return par
	}
	return r.closestAnswer(t, i, text)
}

// closestAnswer is the answer before the topic's i-th post that its
// words (text) point at when it names nobody and replies to no answer:
// the latest, unless an earlier one shares clearly more of its terms
// ("I stopped the network manager and everything worked fine" credits
// the reply that said to stop NetworkManager, not the last one before
// it). With no answer before it: the confirmation itself (the asker
// solved it alone), unless someone wrote a post not read (nil).
func (r *Reading) closestAnswer(t *Topic, i int, text string) *Post {
	var latest, best *Post
	var latestShared, bestShared int
	var said map[string]bool
	for j := i - 1; j > 0; j-- {
		c := t.Posts[j]
		if !r.answers(c, t) {
			continue
		}
		if said == nil {
			// Its words of substance: not the asker's name (answers
			// greet them) nor the words every confirmation and every
			// thread of trouble has ("this solved our issues").
			said = map[string]bool{}
			for _, term := range TermSet(text) {
				said[term] = true
			}
			for _, term := range TermSet(t.Start.Author() + " " + t.Posts[i].Author() + " " + outcomeWords) {
				delete(said, term)
			}
		}
		shared := 0
		for _, term := range TermSet(c.Body) {
			if said[term] {
				shared++
			}
		}
		if latest == nil {
			latest, latestShared, best, bestShared = c, shared, c, shared
		} else if shared > bestShared {
			best, bestShared = c, shared
		}
	}
	if latest != nil {
		if bestShared >= latestShared+2 {
			return best
		}
		return latest
	}
	for _, q := range t.Posts[1:i] {
		if q.Who() != t.Asker() && strings.TrimSpace(q.Body) == "" {
			// Someone answered in a post not read: the asker may
			// not have solved it alone.
			return nil
		}
	}
	// Nobody else answered before it (they asked, or said they would
	// look into it): the asker solved it alone.
	return t.Posts[i]
}

// outcomeWords are what a confirmation says of any fix: they point at no
// answer in particular.
const outcomeWords = "solve solved solves fix fixed fixes issue issues problem problems error errors work works worked working help helped thanks thank regards"

// selfSolved: the asker telling how they solved it themselves.
var selfSolved = mustPattern(`(?i)\b(answered my own question|i('ve| have)? (finally |eventually )?(fixed|solved|resolved|found|figured out)|(i|we) (could|can) (finally |eventually )?(fix|solve|resolve)|my (new )?[a-z]+ (appears|seems) to have (fixed|solved|resolved)|(i|we) (was|were) able to (fix|solve|resolve)|(i|we) managed to (fix|solve|resolve)|problem solved|solved it myself|(turns|turned) out)\b`)

// firstName is the first word of a display name, lower case.
func firstName(author string) string {
	f := strings.Fields(strings.ToLower(author))
	if len(f) == 0 {
		return ""
	}
	return strings.Trim(f[0], `"'.,`)
}

// containsWord tells whether w occurs in s as a whole word.
func containsWord(s, w string) bool {
	for i := 0; ; {
		j := strings.Index(s[i:], w)
		if j < 0 {
			return false
		}
		j += i
		before := j == 0 || !isWordRune(rune(s[j-1]))
		after := j+len(w) == len(s) || !isWordRune(rune(s[j+len(w)]))
		if before && after {
			return true
		}
		i = j + 1
	}
}

// Said is every sentence of a post's own text, however short
// ("Understood.", "Thanks Marcus."), with its greeting and sign-off: a
// later post of an asker's that closes "Thanks, Ann" thanks Ann.
// Worked out once a post: Confirmed asks it of each of an asker's
// replies that confirms, and of the answers a later confirmation may
// credit (cheers). The slice is shared by every caller: read it only.
func (r *Reading) Said(q *Post) []string {
	return once(&r.mu, r.said, q, func() []string { return said(q.Body) })
}

func said(body string) []string {
	var out []string
	for _, p := range paragraphs(signedOff(body)) {
		for _, s := range splitSentences(p.text) {
			// Typographic apostrophes read as plain ones ("I’ll try").
			if s = strings.ReplaceAll(squeeze(s), "’", "'"); s != "" {
				out = append(out, s)
			}
		}
	}
	return out
}

// signedOff is a body up to its sign-off: a closing line (signOff, as
// ProseText reads it: "Regards,", "Best regards, Rob"; not a "Thanks,",
// which may close a reply that goes on) and the line after it (the
// name), both kept. What follows is a signature or a company's
// disclaimer, whose many sentences ("If you are not the addressee…")
// would make a short "Okay, thanks for the information." look like a
// long post that goes on about trouble. (A "-- " signature OwnText has
// cut already.)
func signedOff(body string) string {
	lines := strings.SplitAfter(body, "\n")
	for i, l := range lines {
		if t := strings.TrimSpace(l); i > 0 && len(t) <= 40 && signOff.MatchString(t) && !thanking.MatchString(t) {
			end := i + 1
			for end < len(lines) && strings.TrimSpace(lines[end]) == "" {
				end++
			}
			end = min(end+1, len(lines))
			if rest := strings.Join(lines[end:], ""); postscript.MatchString(rest) || strings.Contains(rest, "?") {
				// The writer's own words below the name: a P.S., or
				// answers written inline below "see my answers
				// inline", which ask; a disclaimer does not.
				return body
			}
			return strings.Join(lines[:end], "")
		}
	}
	return body
}

// postscript: a P.S. line.
var postscript = regexp.MustCompile(`(?im)^\s*p\.?\s?p?\.?\s?s\b`)

// answers tells whether a post of a topic can be credited as an answer:
// someone else's, with words of its own (a line of code will do), not a
// "me too".
func (r *Reading) answers(q *Post, t *Topic) bool {
	if q.Who() == t.Asker() {
		return false
	}
	return strings.TrimSpace(q.Body) != "" && !r.Features(q).Has(FeatMeToo)
}

// AskerThanked finds the asker's first later post in the topic that
// thanks someone.
func (r *Reading) AskerThanked(t *Topic) *Post {
	for _, q := range t.Posts[1:] {
		if q.Who() == t.Asker() && r.Features(q).Has(FeatThanks) {
			return q
		}
	}
	return nil
}
