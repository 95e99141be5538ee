package digest

import (
	"maps"
	"math"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"praxis/archive"
	"praxis/archive/learn"
)

// Options tune Summarize. The zero value gives the defaults.
type Options struct {
	// BaseURL is where the archive is served ("https://lists.example.org");
	// links are BASE/l/LIST/t/THREAD and BASE/m/MESSAGE-ID.
	BaseURL string
	// Top is how many threads to feature (default 5).
	Top int
	// MaxUnanswered, MaxResources, MaxThanks and MaxNewcomers bound the
	// other sections (defaults 8, 15, 5, 10).
	MaxUnanswered, MaxResources, MaxThanks, MaxNewcomers int
	// UnansweredAfter is how long a question waits before it counts as
	// unanswered (default 24 h); UnansweredWithin how far back from the
	// period's end questions are looked for (default 14 days, so a
	// question from last week that nobody took up is shown again; Load
	// reads posts whole for Recent, 28 days, so more has no effect on a
	// period it loaded).
	UnansweredAfter, UnansweredWithin time.Duration
	// HalfLife is the recency decay of the engagement score (default 7 days).
	HalfLife time.Duration
	// GistSentences and GistChars bound an answer's gist (defaults 2, 360).
	GistSentences, GistChars int
	// Member, when set, makes the summary personal (see Summary.For).
	Member *Member
}

func (o Options) withDefaults() Options {
	def := func(v *int, d int) {
		if *v <= 0 {
			*v = d
		}
	}
	def(&o.Top, 5)
	def(&o.MaxUnanswered, 8)
	def(&o.MaxResources, 15)
	def(&o.MaxThanks, 5)
	def(&o.MaxNewcomers, 10)
	def(&o.GistSentences, 2)
	def(&o.GistChars, 360)
	if o.UnansweredAfter <= 0 {
		o.UnansweredAfter = 24 * time.Hour
	}
	if o.UnansweredWithin <= 0 {
		o.UnansweredWithin = 14 * 24 * time.Hour
	}
	if o.HalfLife <= 0 {
		o.HalfLife = 7 * 24 * time.Hour
	}
	o.BaseURL = strings.TrimRight(o.BaseURL, "/")
	return o
}

// Summary is the learning summary of a period: what RenderText,
// RenderHTML and Compose show. Summarize fills everything but the
// personal parts; For makes a member's copy (safe to call from many
// goroutines: it only reads the summary).
type Summary struct {
	List       List
	Start, End time.Time
	ArchiveURL string // the list's archive page
	Numbers    Numbers
	Top        []TopThread
	// Active is every thread with a post in the period, the most engaged
	// first: the ranking the top threads come from.
	Active         []ThreadStat
	Unanswered     []Question
	MoreUnanswered int // questions waiting beyond those shown
	// AnsweredSince are the questions the previous summary listed as
	// waiting that got their first answer in this period, the oldest
	// first (at most MaxUnanswered).
	AnsweredSince     []Since
	MoreAnsweredSince int
	Resources         []Resource
	MoreResources     int
	Thanks            []Helper
	Newcomers         []Newcomer // first posts in the period
	MoreNewcomers     int
	Joined            []Newcomer // members who joined in the period
	MoreJoined        int
	// Member is the reader of a personal summary (nil: the list's copy).
	Member *Member
	// Unsubscribe is the reader's one-click unsubscribe link, shown in
	// the footer (Compose sets it from the envelope).
	Unsubscribe string

	opts       Options
	unanswered []Question // all of them, for For to order
}

// Numbers are the period's figures.
type Numbers struct {
	Posts          int
	Threads        int // threads with a post in the period
	ThreadsStarted int // threads whose first post is in the period
	ActiveMembers  int // distinct authors
	NewMembers     int // members who joined in the period
	// FirstTimePosters counts the authors whose first post in the archive
	// is in the period (they may have posted before the archive began:
	// the summaries say "for the first time in this archive").
	FirstTimePosters int
	// Replied counts the threads started in the period that someone
	// other than their author answered before the period's end;
	// MedianFirstReply is the median wait for that first answer.
	Replied          int
	MedianFirstReply time.Duration
	// Questions counts the help requests made in the period (topics
	// started in it, new threads or inside one, that ask for help;
	// learn.Reading.HelpRequest); Answered those of them that got a reply
	// from someone else before the period's end.
	Questions, Answered int
}

// Waiting is how many of the period's help requests nobody else had
// answered by its end.
func (n Numbers) Waiting() int { return n.Questions - n.Answered }

// AnsweredPercent is the share of questions answered, in percent
// (rounded; 0 when nothing was asked).
func (n Numbers) AnsweredPercent() int {
	if n.Questions == 0 {
		return 0
	}
	return int(math.Round(100 * float64(n.Answered) / float64(n.Questions)))
}

// ThreadStat is a thread's engagement in the period.
type ThreadStat struct {
	ThreadID     string
	Subject      string
	Posts        int       // posts in the period
	Replies      int       // posts in the period other than the thread's first
	Participants int       // distinct authors in the period
	Solved       bool      // the asker thanked someone for an answer (before the period's end)
	LastPost     time.Time // the latest post in the period
	Score        float64
}

// Score is the engagement score of a thread in a period:
//
//	(replies + 2·(participants − 1) + 3·solved) · 0.5^(idle / halfLife)
//
// replies counts the period's posts other than the thread's first, and
// participants the distinct authors among them: a thread that draws many
// people weighs more than a two-person exchange of the same length, as
// each newcomer to it brings knowledge the others lacked. solved (1 or 0)
// rewards a question its asker confirmed as answered — the outcome a
// learning summary exists to spread. idle is the time from the thread's
// last post in the period to the period's end: like Discourse's "hot"
// ranking and Hacker News's gravity, activity decays, here gently (a
// thread quiet for a whole week counts half), so a summary leads with what
// is still alive without burying the week's big discussion from Monday.
func Score(replies, participants int, solved bool, idle, halfLife time.Duration) float64 {
	s := float64(replies) + 2*float64(max(participants-1, 0))
	if solved {
		s += 3
	}
	if halfLife <= 0 {
		return s
	}
	return s * math.Pow(0.5, idle.Hours()/halfLife.Hours())
}

// TopThread is a featured thread.
type TopThread struct {
	ThreadStat
	URL      string
	RootID   string // the Message-ID of the thread's first post
	Asker    string
	Asked    time.Time
	Question string   // what was asked, in one or two sentences of the first post
	Answer   *Answer  // the most useful answer; nil when there is none
	Terms    []string // key terms

	qsents []string // the sentences of Question
}

// Answer is the most useful answer of a thread, in brief.
type Answer struct {
	By        string
	Date      time.Time
	MessageID string
	URL       string // the post's permalink
	Gist      string // its most central sentences
	Thanked   bool   // the asker thanked its author afterwards
	Self      bool   // the asker's own post: they solved it alone

	sents []string // the sentences of Gist
}

// Question is a question still waiting for an answer.
type Question struct {
	ThreadID string
	Subject  string
	URL      string
	By       string
	Asked    time.Time
	Excerpt  string
	// Matches are the reader's expertise terms the question mentions.
	Matches []string
	// Related are the list's earlier answered threads that asked the
	// same (archive/related), with their links.
	Related []RelatedLink

	terms []string // the question's stemmed words, in order
}

// RelatedLink is an earlier answered thread shown beside a question.
type RelatedLink struct {
	Subject string
	URL     string
	Date    time.Time
	Posts   int
}

// Since is a question that was waiting at the period's start and got
// its first answer in the period.
type Since struct {
	Subject    string
	URL        string
	By         string
	Asked      time.Time
	AnsweredBy string
	Answered   time.Time
	AnswerURL  string
}

// Resource is a link or a file shared in the period.
type Resource struct {
	Kind      string // "link" or "file"
	Value     string // the URL or the file name
	By        string
	Date      time.Time
	Subject   string // of the thread it was shared in
	ThreadURL string
	PostURL   string
}

// Helper is a member to thank.
type Helper struct {
	Name      string
	Address   string // for the caller; the templates do not show it
	Thanked   int    // answers the askers thanked them for
	Threads   int    // threads started by others they answered in
	Replies   int
	FollowUps int // distinct people who replied to their answers
	For       []Ref

	key string
}

// Ref is a link to a thread or post.
type Ref struct {
	Subject, URL string
}

// Newcomer is someone new: a first-time poster or a member who joined.
type Newcomer struct {
	Name  string
	Date  time.Time
	First *Ref // their first post, for a first-time poster
}

// Summarize builds the learning summary of a period. It reads only the
// posts dated before the period's end.
func Summarize(p *Period, opts Options) *Summary {
	o := opts.withDefaults()
	an := newAnalysis(p, o)
	// Every topic's confirmation and whether it asks for help are asked
	// for by several sections (solved threads, thanks, questions): worked
	// out side by side first, so that the sections, which then only read
	// them, run side by side too. A confirmation is asked only of the
	// topics the period touches (judged): of the Recent days' others,
	// whether they ask, which is read from their kept features.
	an.judgeEach()
	p = an.p
	s := &Summary{List: p.List, Start: p.Start, End: p.End, opts: o}
	s.ArchiveURL = o.BaseURL + "/l/" + url.PathEscape(p.List.Address) + "/"
	var wg sync.WaitGroup
	wg.Go(func() {
		s.Active = an.active()
		for _, st := range s.Active {
			if len(s.Top) == o.Top || st.Score <= 0 {
				break
			}
			s.Top = append(s.Top, an.top(st))
		}
	})
	wg.Go(func() { s.Numbers = an.numbers() })
	wg.Go(func() { s.unanswered = an.unanswered() })
	wg.Go(func() { s.AnsweredSince, s.MoreAnsweredSince = an.answeredSince() })
	wg.Go(func() { s.Resources, s.MoreResources = an.resources() })
	wg.Go(func() { s.Thanks = an.helpers() })
	wg.Go(func() { s.Newcomers, s.MoreNewcomers, s.Joined, s.MoreJoined = an.newcomers() })
	wg.Wait()
	return s.For(o.Member)
}

// For returns the summary as a member reads it: the questions waiting
// that match their expertise first, with the terms that matched. A nil
// member gives the list's copy. The summary itself is not changed, so
// one Summarize serves every member.
func (s *Summary) For(m *Member) *Summary {
	c := *s
	c.Member = m
	qs := make([]Question, len(s.unanswered))
	copy(qs, s.unanswered)
	if m != nil {
		for i := range qs {
			qs[i].Matches = matchTerms(qs[i].terms, m.Expertise)
		}
	}
	sort.SliceStable(qs, func(i, j int) bool {
		if len(qs[i].Matches) != len(qs[j].Matches) {
			return len(qs[i].Matches) > len(qs[j].Matches)
		}
		return qs[i].Asked.Before(qs[j].Asked)
	})
	c.MoreUnanswered = max(0, len(qs)-c.opts.MaxUnanswered)
	c.Unanswered = qs[:min(len(qs), c.opts.MaxUnanswered)]
	return &c
}

// ExpertiseMatches counts the questions shown that match the reader's
// expertise.
func (s *Summary) ExpertiseMatches() int {
	n := 0
	for _, q := range s.Unanswered {
		if len(q.Matches) > 0 {
			n++
		}
	}
	return n
}

// matchTerms returns the expertise terms found in a text's words: each
// term's words, stemmed, in a row, case-insensitively.
func matchTerms(words []string, expertise []string) []string {
	var out []string
	for _, e := range expertise {
		ts := learn.Tokens(e)
		if len(ts) == 0 {
			// A term with no word the tokenizer keeps ("C++", "IO")
			// is matched as written.
			ts = []learn.Token{{Term: strings.ToLower(strings.TrimSpace(e))}}
		}
	outer:
		for i := 0; i+len(ts) <= len(words); i++ {
			for j, t := range ts {
				if words[i+j] != t.Term {
					continue outer
				}
			}
			out = append(out, e)
			break
		}
	}
	return out
}

// analysis holds what the sections share.
type analysis struct {
	*learn.Reading // the period's conversations, read once
	p              *Period
	o              Options
	df             *learn.DocFreq
	linksMu        sync.Mutex
	links          map[*learn.Post][]string // a post's shared links (see linksOf), under linksMu
	// judged are the topics whose confirmation judgeEach worked out:
	// those with a post in the period or of a thread with one, and the
	// topic a thread with one starts in (a reply sent without reply
	// headers joins an older conversation: top reads its best answer).
	// The sections ask Confirmed of no other (it is not safe side by
	// side until worked out).
	judged map[*learn.Topic]bool
	// inPeriod are the threads with a post in the period, by id;
	// touched holds the same threads.
	inPeriod []*learn.Thread
	touched  map[*learn.Thread]bool
}

// judgeEach works out, side by side, the confirmation and the help
// request of every topic the period touches, and the help request of the
// others: at a hundred times the usrp archive's traffic, the Recent days
// before the period hold as many topics as it, and confirming them was
// half of the judging.
func (a *analysis) judgeEach() {
	a.judged = map[*learn.Topic]bool{}
	for _, t := range a.inPeriod {
		a.judged[a.TopicOf(t.Root)] = true
	}
	var touched, rest []*learn.Topic
	for _, tp := range a.Topics() {
		if a.judged[tp] || a.touched[tp.Thread] || slices.ContainsFunc(tp.Posts, func(q *learn.Post) bool { return a.p.In(q.Date) }) {
			a.judged[tp] = true
			touched = append(touched, tp)
		} else {
			rest = append(rest, tp)
		}
	}
	a.JudgeEach(touched)
	for _, tp := range rest {
		a.HelpRequest(tp)
	}
}

// linksOf are the links q's own text shares (archive.Links): those found
// when it was archived, else found here once (the resources and the
// habitual links both ask).
func (a *analysis) linksOf(q *learn.Post) []string {
	if q.Links != nil {
		return q.Links
	}
	a.linksMu.Lock()
	defer a.linksMu.Unlock()
	ls, ok := a.links[q]
	if !ok {
		ls = archive.Links(q.Body)
		a.links[q] = ls
	}
	return ls
}

// newAnalysis reads the period's posts, oldest first whatever order the
// caller gave, as conversations.
func newAnalysis(p *Period, o Options) *analysis {
	// Load gives them in order; a Period made otherwise is sorted on a
	// copy.
	if !slices.IsSortedFunc(p.Posts, learn.ComparePosts) {
		sorted := *p
		sorted.Posts = slices.Clone(p.Posts)
		slices.SortStableFunc(sorted.Posts, learn.ComparePosts)
		p = &sorted
	}
	df := p.DF
	if df == nil {
		df = learn.NewDocFreq()
		for _, q := range p.Posts {
			df.Add(q.Subject + "\n" + q.Body)
		}
	}
	a := &analysis{p: p, o: o, df: df, Reading: learn.Read(p.Posts, p.End), links: map[*learn.Post][]string{}, touched: map[*learn.Thread]bool{}}
	for _, t := range a.Threads {
		if slices.ContainsFunc(t.Posts, func(q *learn.Post) bool { return p.In(q.Date) }) {
			a.touched[t] = true
		}
	}
	a.inPeriod = byID(a.touched)
	return a
}

// byID are the threads of a set, sorted by id.
func byID(set map[*learn.Thread]bool) []*learn.Thread {
	return slices.SortedFunc(maps.Keys(set), func(x, y *learn.Thread) int { return strings.Compare(x.ID, y.ID) })
}

func (a *analysis) threadURL(id string) string {
	return a.o.BaseURL + "/l/" + url.PathEscape(a.p.List.Address) + "/t/" + url.PathEscape(id)
}

func (a *analysis) postURL(id string) string { return a.o.BaseURL + "/m/" + url.PathEscape(id) }

func (a *analysis) numbers() Numbers {
	var n Numbers
	authors := map[string]bool{}
	for _, q := range a.p.Posts {
		if a.p.In(q.Date) {
			n.Posts++
			authors[q.Who()] = true
		}
	}
	n.ActiveMembers = len(authors)
	for addr := range authors {
		if f, ok := a.p.FirstPost[addr]; ok && a.p.In(f) {
			n.FirstTimePosters++
		}
	}
	for _, m := range a.p.Members {
		if a.p.In(m.Joined) {
			n.NewMembers++
		}
	}
	var waits []time.Duration
	for _, t := range a.inPeriod {
		n.Threads++
		if !a.p.In(t.Root.Date) || !learn.StartsThread(t.Root.Subject) {
			continue
		}
		n.ThreadsStarted++
		if first := a.TopicOf(t.Root).FirstReply(); first != nil {
			n.Replied++
			waits = append(waits, first.Date.Sub(t.Root.Date))
		}
	}
	for _, tp := range a.Topics() {
		if !a.p.In(tp.Start.Date) || !a.HelpRequest(tp) {
			continue
		}
		n.Questions++
		if tp.FirstReply() != nil {
			n.Answered++
		}
	}
	n.MedianFirstReply = median(waits)
	return n
}

// topicsOf are a thread's topics, oldest first.
func (a *analysis) topicsOf(t *learn.Thread) []*learn.Topic {
	var out []*learn.Topic
	for _, q := range t.Posts {
		if tp := a.TopicOf(q); tp.Start == q {
			out = append(out, tp)
		}
	}
	return out
}

// solved tells whether an asker of a thread confirmed an answer before
// the period's end.
func (a *analysis) solved(t *learn.Thread) bool {
	for _, tp := range a.topicsOf(t) {
		if _, conf := a.Confirmed(tp); conf != nil {
			return true
		}
	}
	return false
}

func median(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
	m := len(ds) / 2
	if len(ds)%2 == 1 {
		return ds[m]
	}
	return (ds[m-1] + ds[m]) / 2
}

// active scores every thread with a post in the period, the highest first.
func (a *analysis) active() []ThreadStat {
	var out []ThreadStat
	for _, t := range a.inPeriod {
		st := ThreadStat{ThreadID: t.ID, Subject: a.CleanSubject(t.Root.Subject)}
		authors := map[string]bool{}
		for _, q := range t.Posts {
			if !a.p.In(q.Date) {
				continue
			}
			st.Posts++
			if q != t.Root {
				st.Replies++
			}
			authors[q.Who()] = true
			st.LastPost = q.Date
		}
		if st.Posts == 0 {
			continue
		}
		st.Participants = len(authors)
		st.Solved = a.solved(t)
		st.Score = Score(st.Replies, st.Participants, st.Solved, a.p.End.Sub(st.LastPost), a.o.HalfLife)
		out = append(out, st)
	}
	less := func(x, y *ThreadStat) bool {
		switch {
		case x.Score != y.Score:
			return x.Score > y.Score
		case x.Posts != y.Posts:
			return x.Posts > y.Posts
		case !x.LastPost.Equal(y.LastPost):
			return x.LastPost.After(y.LastPost)
		}
		return x.ThreadID < y.ThreadID
	}
	// (The slices package's stable sort is sort.SliceStable's, without
	// its reflection: the same order.)
	slices.SortStableFunc(out, func(x, y ThreadStat) int {
		switch {
		case less(&x, &y):
			return -1
		case less(&y, &x):
			return 1
		}
		return 0
	})
	return out
}

// keyTermPosts bounds the posts of a featured thread whose words its key
// terms are picked from: the first, and the latest of the others.
const keyTermPosts = 40

// top details a featured thread.
func (a *analysis) top(st ThreadStat) TopThread {
	t := a.Threads[st.ThreadID]
	// The question is the first post of the conversation the thread's
	// first post belongs to: itself, or, for a reply sent without reply
	// headers, the post it answers (learn joins them).
	tp := a.TopicOf(t.Root)
	root := tp.Start
	tt := TopThread{ThreadStat: st, URL: a.threadURL(t.ID), RootID: t.Root.MessageID, Asker: root.Author(), Asked: root.Date}
	rootSents := a.Sentences(root)
	tt.qsents = learn.QuestionText(rootSents)
	tt.Question = learn.JoinSentences(tt.qsents)
	qvec := learn.TFIDF(learn.Tokens(st.Subject+"\n"+tt.Question+"\n"+strings.Join(rootSents, " ")), a.df)
	if ans, thanked := a.BestAnswer(tp); ans != nil {
		self := ans.Who() == tp.Asker()
		g := learn.Gist(a.Sentences(ans), qvec, a.df, a.o.GistSentences, a.o.GistChars)
		tt.Answer = &Answer{By: ans.Author(), Date: ans.Date, MessageID: ans.MessageID, URL: a.postURL(ans.MessageID),
			Gist: learn.JoinSentences(g), Thanked: thanked && !self, Self: self, sents: g}
	}
	skip := map[string]bool{}
	var text strings.Builder
	for i, q := range t.Posts {
		for _, w := range strings.Fields(strings.ToLower(q.FromName + " " + strings.Split(q.FromAddr, "@")[0])) {
			skip[strings.Trim(w, `"'(),.`)] = true
		}
		// A long thread's terms are those of its question and of where
		// its talk has got to (its latest posts, keyTermPosts in all
		// with the question): reading all of a 700-post thread for five
		// words was a third of a busy week's analysis.
		if i > 0 && i < len(t.Posts)-(keyTermPosts-1) {
			continue
		}
		text.WriteString(strings.Join(a.Sentences(q), "\n"))
		text.WriteByte('\n')
	}
	tt.Terms = learn.KeyTerms(st.Subject, text.String(), a.df, skip, 5)
	return tt
}

// unanswered lists the questions asked between UnansweredWithin and
// UnansweredAfter before the period's end that nobody but their author
// has answered, the oldest first.
func (a *analysis) unanswered() []Question {
	from := a.p.End.Add(-a.o.UnansweredWithin)
	until := a.p.End.Add(-a.o.UnansweredAfter)
	var out []Question
	for _, tp := range a.Topics() {
		r := tp.Start
		if r.Date.Before(from) || !r.Date.Before(until) || tp.FirstReply() != nil || !a.HelpRequest(tp) {
			continue
		}
		sents := a.Sentences(r)
		q := Question{ThreadID: tp.Thread.ID, Subject: a.CleanSubject(r.Subject), URL: a.threadURL(tp.Thread.ID), By: r.Author(), Asked: r.Date, Excerpt: learn.JoinSentences(learn.QuestionText(sents))}
		if r != tp.Thread.Root {
			q.URL = a.postURL(r.MessageID)
		} else {
			for _, rt := range a.p.Related[tp.Thread.ID] {
				q.Related = append(q.Related, RelatedLink{Subject: a.CleanSubject(rt.Subject), URL: a.threadURL(rt.ThreadID), Date: rt.Date, Posts: rt.Posts})
			}
		}
		// Expertise is matched on what the question itself says: its
		// subject and prose, not the logs, code or quotes pasted in it
		// (an X310's boot log in a question about a B210 is no X310
		// question).
		for _, tk := range learn.Tokens(q.Subject + "\n" + strings.Join(sents, "\n")) {
			q.terms = append(q.terms, tk.Term)
		}
		out = append(out, q)
	}
	slices.SortStableFunc(out, func(x, y Question) int { return x.Asked.Compare(y.Asked) })
	return out
}

// answeredSince checks the previous summary's waiting questions: the help
// requests that were waiting at the period's start (asked between
// UnansweredWithin and UnansweredAfter before it, no answer by then) and
// got their first answer in the period.
func (a *analysis) answeredSince() ([]Since, int) {
	from := a.p.Start.Add(-a.o.UnansweredWithin)
	until := a.p.Start.Add(-a.o.UnansweredAfter)
	var out []Since
	for _, tp := range a.Topics() {
		r := tp.Start
		if r.Date.Before(from) || !r.Date.Before(until) || !a.HelpRequest(tp) {
			continue
		}
		first := tp.FirstReply()
		if first == nil || !a.p.In(first.Date) {
			continue
		}
		sn := Since{Subject: a.CleanSubject(r.Subject), URL: a.threadURL(tp.Thread.ID), By: r.Author(), Asked: r.Date,
			AnsweredBy: first.Author(), Answered: first.Date, AnswerURL: a.postURL(first.MessageID)}
		if r != tp.Thread.Root {
			sn.URL = a.postURL(r.MessageID)
		}
		out = append(out, sn)
	}
	more := max(0, len(out)-a.o.MaxUnanswered)
	return out[:min(len(out), a.o.MaxUnanswered)], more
}

// junkFile tells the files mailers attach by themselves: signatures,
// vCards, TNEF, Outlook's inline logos.
var junkFile = regexp.MustCompile(`(?i)^(signature\.asc|smime\.p7s|winmail\.dat|.*\.vcf|image\d{3}\.(png|jpe?g|gif)|att\d+\.(htm|txt|bin)|ecblank\.gif)$`)

// resources lists the links and files the period's posts shared, each
// once (the first share), with the thread they came in: the links
// archive.Links finds shared in a post's own text (not a footer's, a
// signature's, a mail client's or a pasted log's), but for those its
// author put in three or more posts of the loaded weeks (a signature or
// disclaimer) and the archive's own pages.
func (a *analysis) resources() ([]Resource, int) {
	var out []Resource
	seen := map[string]bool{}
	habitual := a.habitualLinks()
	for _, q := range a.p.Posts {
		if !a.p.In(q.Date) {
			continue
		}
		links := a.linksOf(q)
		if len(links) == 0 && len(q.Attachments) == 0 {
			continue
		}
		subj := a.CleanSubject(a.Threads[q.ThreadID].Root.Subject)
		ref := Resource{By: q.Author(), Date: q.Date, Subject: subj, ThreadURL: a.threadURL(q.ThreadID), PostURL: a.postURL(q.MessageID)}
		for _, u := range links {
			key := "link " + strings.TrimRight(u, "/")
			if seen[key] || habitual[q.Who()+" "+key] || (a.o.BaseURL != "" && strings.HasPrefix(u, a.o.BaseURL)) {
				continue
			}
			seen[key] = true
			r := ref
			r.Kind, r.Value = "link", u
			out = append(out, r)
		}
		for _, f := range q.Attachments {
			key := "file " + q.MessageID + " " + f
			if seen[key] || junkFile.MatchString(f) {
				continue
			}
			seen[key] = true
			r := ref
			r.Kind, r.Value = "file", f
			out = append(out, r)
		}
	}
	slices.SortStableFunc(out, func(x, y Resource) int { return x.Date.Compare(y.Date) })
	more := max(0, len(out)-a.o.MaxResources)
	return out[:min(len(out), a.o.MaxResources)], more
}

// habitualLinks are the links an author put in three or more of the
// loaded posts (keyed "AUTHOR link URL"): what people repeat in every post
// is their signature or their employer's disclaimer, not something shared.
func (a *analysis) habitualLinks() map[string]bool {
	count := map[string]int{}
	for _, q := range a.p.Posts {
		// A link counts once a post, in the form resources compares.
		keys := make([]string, 0, 4)
		for _, u := range a.linksOf(q) {
			keys = append(keys, q.Who()+" link "+strings.TrimRight(u, "/"))
		}
		for _, k := range slices.Compact(slices.Sorted(slices.Values(keys))) {
			count[k]++
		}
	}
	out := map[string]bool{}
	for k, n := range count {
		if n >= 3 {
			out[k] = true
		}
	}
	return out
}

// maxFor is how many of a helper's threads the summary names.
const maxFor = 3

// helpers ranks the people who answered others in the period: first by
// answers the askers thanked them for, then by threads answered, then by
// how many people replied to their answers, then by replies.
func (a *analysis) helpers() []Helper {
	byAddr := map[string]*Helper{}
	threadsOf := map[string]map[string]bool{}
	get := func(q *learn.Post) *Helper {
		h := byAddr[q.Who()]
		if h == nil {
			h = &Helper{Name: q.Author(), Address: q.FromAddr, key: q.Who()}
			if q.Who() != strings.ToLower(q.FromAddr) {
				// A From the list rewrote: the address is the list's,
				// and the key may be the person's real one (load.go).
				h.Address = ""
				if !strings.HasPrefix(q.Who(), "name:") {
					h.Address = q.Who()
				}
			}
			byAddr[q.Who()] = h
			threadsOf[q.Who()] = map[string]bool{}
		}
		return h
	}
	// The threads read: those with a post in the period (its replies),
	// and those a judged topic starts in (its thanks). A topic may start
	// in a thread the period does not touch and have its answer and
	// confirmation in one it does: a reply sent without reply headers
	// joins the conversation it answers (learn's joinStrays).
	read := maps.Clone(a.touched)
	for tp := range a.judged {
		read[tp.Thread] = true
	}
	for _, t := range byID(read) {
		for _, tp := range a.topicsOf(t) {
			// Thanks go to the answers of the period its askers
			// confirmed in it, never to an asker (a topic the period
			// does not touch has neither in it).
			if !a.judged[tp] {
				continue
			}
			if ans, conf := a.Confirmed(tp); ans != nil && ans.Who() != tp.Asker() && a.p.In(ans.Date) && a.p.In(conf.Date) {
				h := get(ans)
				h.Thanked++
				if len(h.For) < maxFor {
					h.For = append(h.For, Ref{Subject: a.CleanSubject(tp.Start.Subject), URL: a.threadURL(t.ID)})
				}
				threadsOf[ans.Who()][t.ID] = true
			}
		}
		if !a.touched[t] {
			continue
		}
		for _, q := range t.Posts {
			if tp := a.TopicOf(q); !a.p.In(q.Date) || q.Who() == tp.Asker() || q == tp.Start {
				continue
			}
			h := get(q)
			h.Replies++
			followers := map[string]bool{}
			for _, c := range a.Replies(q.MessageID) {
				if c.Who() != q.Who() {
					followers[c.Who()] = true
				}
			}
			h.FollowUps += len(followers)
			if !threadsOf[q.Who()][t.ID] {
				threadsOf[q.Who()][t.ID] = true
				if len(h.For) < maxFor {
					h.For = append(h.For, Ref{Subject: a.CleanSubject(t.Root.Subject), URL: a.threadURL(t.ID)})
				}
			}
		}
	}
	var out []Helper
	for addr, h := range byAddr {
		h.Threads = len(threadsOf[addr])
		out = append(out, *h)
	}
	sort.Slice(out, func(i, j int) bool {
		x, y := out[i], out[j]
		switch {
		case x.Thanked != y.Thanked:
			return x.Thanked > y.Thanked
		case x.Threads != y.Threads:
			return x.Threads > y.Threads
		case x.FollowUps != y.FollowUps:
			return x.FollowUps > y.FollowUps
		case x.Replies != y.Replies:
			return x.Replies > y.Replies
		}
		return x.key < y.key
	})
	return out[:min(len(out), a.o.MaxThanks)]
}

// newcomers lists the first-time posters (by their first post) and the
// members who joined in the period.
func (a *analysis) newcomers() (posters []Newcomer, morePosters int, joined []Newcomer, moreJoined int) {
	seen := map[string]bool{}
	for _, q := range a.p.Posts {
		if !a.p.In(q.Date) || seen[q.Who()] {
			continue
		}
		seen[q.Who()] = true
		if f, ok := a.p.FirstPost[q.Who()]; !ok || !f.Equal(q.Date) {
			continue
		}
		posters = append(posters, Newcomer{Name: q.Author(), Date: q.Date,
			First: &Ref{Subject: a.CleanSubject(a.Threads[q.ThreadID].Root.Subject), URL: a.postURL(q.MessageID)}})
	}
	for _, m := range a.p.Members {
		if a.p.In(m.Joined) {
			joined = append(joined, Newcomer{Name: learn.DisplayName(m.Name, m.Address), Date: m.Joined})
		}
	}
	sort.SliceStable(posters, func(i, j int) bool { return posters[i].Date.Before(posters[j].Date) })
	sort.SliceStable(joined, func(i, j int) bool { return joined[i].Date.Before(joined[j].Date) })
	n := a.o.MaxNewcomers
	morePosters, moreJoined = max(0, len(posters)-n), max(0, len(joined)-n)
	return posters[:min(len(posters), n)], morePosters, joined[:min(len(joined), n)], moreJoined
}
