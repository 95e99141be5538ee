// Package answers keeps a list's answers library: every thread whose
// question got an answer the community accepted, shown as the question in
// a few lines, the best answer's gist, who answered and when, key terms
// and a link to the whole thread (/l/LIST/answers).
//
// An entry is judged from the thread's posts with the summaries' rules
// (archive/learn): the thread's first post asks for help, its asker
// confirmed an answer (said it worked, or closed the matter with thanks),
// and that answer is someone else's. The library brings itself up to
// date from the posts archived since it last looked (Update), so an
// imported archive gets its library the first time it is asked for, and
// a thread is judged again when a post joins it.
package answers

import (
	"context"
	"fmt"
	"math"
	"runtime"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/sync/errgroup"

	"praxis/archive/learn"
	"praxis/listserv/mailmsg"
	"praxis/listserv/store"
)

// Store is what the library reads and writes.
type Store interface {
	AnswersUpTo(ctx context.Context, listID int64) (int64, error)
	ArchiveThreadsAfter(ctx context.Context, listID, after int64, limit int) ([]string, int64, error)
	ArchiveThread(ctx context.Context, listID int64, threadID string) ([]*store.ArchivedPost, error)
	PostFeatures(ctx context.Context, ids []int64, text bool) (map[int64]*store.PostFeatures, error)
	ArchiveRaw(ctx context.Context, hash string) ([]byte, error)
	AnswerEdits(ctx context.Context, listID int64, threadID string) ([]store.AnswerEdit, error)
	PutAnswers(ctx context.Context, listID, upto int64, judged []store.Judged) error
}

// window is how many posts' threads Update reads at a time, and chunk
// how many of those threads it judges per transaction. A thread is
// judged once a window, however many of the window's posts joined it:
// judged once per 500 posts as before, the hundreds of posts a long
// thread gained in an imported archive had it read hundreds of times
// (at a hundred times the usrp archive, the first visit to the library
// waited minutes). A window's threads are judged side by side, and the
// window's end is kept as judged only when all of them are: a process
// stopped midway judges at most one window again.
const (
	window = 20000
	chunk  = 256
)

// Update judges again the threads of the posts archived since the
// library last looked, side by side on up to four cores, and returns how
// many threads it judged.
func Update(ctx context.Context, st Store, l *store.List) (int, error) {
	return UpdateOn(ctx, st, l, min(runtime.GOMAXPROCS(0), 4))
}

// UpdateOn is Update judging at most workers threads at once (serve's
// web leaves cores to its readers).
func UpdateOn(ctx context.Context, st Store, l *store.List, workers int) (int, error) {
	after, err := st.AnswersUpTo(ctx, l.ID)
	if err != nil {
		return 0, err
	}
	judged := 0
	for ctx.Err() == nil {
		threads, last, err := st.ArchiveThreadsAfter(ctx, l.ID, after, window)
		if err != nil {
			return judged, err
		}
		if last == after {
			return judged, nil
		}
		for len(threads) > 0 {
			n := min(len(threads), chunk)
			js, err := judgeAll(ctx, st, l, threads[:n], workers)
			if err != nil {
				return judged, err
			}
			threads = threads[n:]
			upto := after // the window's end only with its last chunk
			if len(threads) == 0 {
				upto = last
			}
			if err := st.PutAnswers(ctx, l.ID, upto, js); err != nil {
				return judged, err
			}
			judged += n
		}
		after = last
	}
	return judged, ctx.Err()
}

// judgeAll judges threads side by side, workers at a time, and returns
// their judgements in the order of threads. The first failure stops the
// others.
func judgeAll(ctx context.Context, st Store, l *store.List, threads []string, workers int) ([]store.Judged, error) {
	got := make([]store.Judged, len(threads))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(max(1, workers))
	for i, id := range threads {
		g.Go(func() error {
			if err := gctx.Err(); err != nil {
				return err
			}
			j, err := Judge(gctx, st, l, id)
			got[i] = j
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	return got, nil
}

// Judge reads a thread and judges its library entry: none (Entry nil)
// when its question got no accepted answer from someone other than the
// asker. The judgement says how much of the thread it read (its last post
// and correction), so that a judgement that read less is not written over
// it (store.Judged).
func Judge(ctx context.Context, st Store, l *store.List, threadID string) (store.Judged, error) {
	j := store.Judged{ThreadID: threadID}
	// The corrections are read before the posts: a judgement that read
	// more corrections than another mostly read the thread as late too
	// (not always: one may read the corrections before a correction and
	// the posts after a new post; the making that judges the new post
	// then reads both, and is written last).
	edits, err := st.AnswerEdits(ctx, l.ID, threadID)
	if err != nil {
		return j, err
	}
	j.Edits = len(edits)
	posts, err := st.ArchiveThread(ctx, l.ID, threadID)
	if err != nil {
		return j, err
	}
	for _, p := range posts {
		j.PostID = max(j.PostID, p.ID)
	}
	if len(posts) < 2 {
		return j, nil
	}
	j.Entry, err = judge(ctx, st, l, threadID, posts, edits)
	return j, err
}

// judge is Judge's judgement of a thread of two posts or more, read with
// its corrections.
func judge(ctx context.Context, st Store, l *store.List, threadID string, posts []*store.ArchivedPost, edits []store.AnswerEdit) (*store.Answer, error) {
	ids := make([]int64, len(posts))
	for i, p := range posts {
		ids[i] = p.ID
	}
	feats, err := st.PostFeatures(ctx, ids, true)
	if err != nil {
		return nil, err
	}
	lps := make([]*learn.Post, len(posts))
	for i, p := range posts {
		lp := &learn.Post{ID: p.ID, MessageID: p.MessageID, ThreadID: p.ThreadID, ParentID: p.ParentID, Date: p.Date,
			FromAddr: p.FromAddr, FromName: p.FromName, Key: mailmsg.AuthorKey(p.FromAddr, p.FromName), Subject: p.Subject, Attachments: p.Attachments}
		if f := feats[p.ID]; f != nil && f.Version == learn.FeaturesVersion {
			lp.Body, lp.Features = f.Own, learn.Features(f.Flags)
		} else {
			// Archived before its features were kept: read as summaries do.
			raw, err := st.ArchiveRaw(ctx, p.Hash)
			if err != nil {
				return nil, fmt.Errorf("answers: %s: %w", p.MessageID, err)
			}
			lp.Body, _ = learn.PostText(p.Subject, raw)
		}
		lps[i] = lp
	}
	r := learn.Read(lps, time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC))
	root := lps[0]
	tp := r.TopicOf(root)
	var ans *learn.Post
	if tp != nil && tp.Start == root && r.HelpRequest(tp) {
		if a, confirm := r.Confirmed(tp); a != nil && confirm != nil && a.Who() != tp.Asker() {
			ans = a
		}
	}
	// The moderators' corrections, oldest first: they outlast every
	// judgement made again.
	marked, title := ans != nil, ""
	for _, e := range edits {
		switch e.Action {
		case store.EditMark:
			marked = true
		case store.EditUnmark:
			marked = false
		case store.EditPick:
			if p := r.Post(e.Value); p != nil && p != root && p.Who() != root.Who() {
				ans, marked = p, true
			}
		case store.EditRetitle:
			title = e.Value
		}
	}
	if !marked {
		return nil, nil
	}
	if tp == nil {
		tp = &learn.Topic{Start: root, Posts: lps}
	}
	if ans == nil {
		// Marked answered: the answer the thread endorsed most.
		if ans, _ = r.BestAnswer(tp); ans == nil || ans.Who() == root.Who() {
			return nil, nil
		}
	}
	e, err := entry(r, tp, root, ans, l, threadID)
	if e != nil && title != "" {
		e.Title = title
	}
	return e, err
}

// entry makes the library's entry of a thread: its question (root) and
// the answer credited.
func entry(r *learn.Reading, tp *learn.Topic, root, ans *learn.Post, l *store.List, threadID string) (*store.Answer, error) {
	// The words of the thread, weighed against each other: what sets
	// this question and its answer apart within their conversation.
	df := learn.NewDocFreq()
	var text strings.Builder
	for _, q := range tp.Posts {
		df.Add(q.Subject + "\n" + q.Body)
		text.WriteString(strings.Join(r.Sentences(q), "\n"))
		text.WriteByte('\n')
	}
	title := learn.CleanSubject(root.Subject)
	qsents := learn.QuestionText(r.Sentences(root))
	qv := learn.TFIDF(learn.Tokens(title+"\n"+strings.Join(qsents, " ")), df)
	skip := map[string]bool{}
	for _, q := range tp.Posts {
		for _, w := range strings.Fields(strings.ToLower(q.FromName + " " + strings.Split(q.FromAddr, "@")[0])) {
			skip[strings.Trim(w, `"'(),.`)] = true
		}
	}
	gist := learn.JoinSentences(learn.Gist(r.Sentences(ans), qv, df, 2, gistChars))
	if gist == "" {
		// An answer of code or a link, with no sentence to quote: its
		// first words.
		gist = clip(strings.Join(strings.Fields(ans.Body), " "), gistChars)
	}
	question := learn.JoinSentences(qsents)
	if question == "" {
		question = clip(strings.Join(strings.Fields(root.Body), " "), gistChars)
	}
	return &store.Answer{
		ListID: l.ID, ThreadID: threadID, QuestionID: root.MessageID, AnswerID: ans.MessageID,
		Title: title, Question: question, Gist: gist,
		Asker: root.Author(), AnswerBy: ans.Author(), AnswerKey: ans.Who(), Terms: learn.KeyTerms(title, text.String(), df, skip, 5),
		AskedAt: root.Date, AnsweredAt: ans.Date, Score: usefulness(r, tp, ans),
	}, nil
}

// gistChars bounds an entry's question and gist.
const gistChars = 320

// clip cuts s to at most n bytes, at a space, marking the cut.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := strings.LastIndexByte(s[:n], ' ')
	if cut < n/2 {
		cut = n
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
	}
	return s[:cut] + " …"
}

// usefulness orders the library: an answer others built on and thanked,
// in a thread many took part in, comes first; 1 for a plain confirmed
// answer.
func usefulness(r *learn.Reading, tp *learn.Topic, ans *learn.Post) float64 {
	people := map[string]bool{}
	for _, q := range tp.Posts {
		people[q.Who()] = true
	}
	followers := map[string]bool{}
	for _, c := range r.Replies(ans.MessageID) {
		if c.Who() != ans.Who() {
			followers[c.Who()] = true
		}
	}
	return 1 + float64(len(followers)) + math.Log2(float64(len(people)))
}

// Corrector is what a correction writes besides what judging reads.
type Corrector interface {
	Store
	AddAnswerEdit(ctx context.Context, e store.AnswerEdit) error
	ArchiveByMessageID(ctx context.Context, listID int64, messageID string) ([]*store.ArchivedPost, error)
}

// Correct keeps a moderator's correction of a thread's entry and judges
// the thread again at once; it returns the entry as it now stands (nil:
// not in the library).
func Correct(ctx context.Context, st Corrector, l *store.List, e store.AnswerEdit) (*store.Answer, error) {
	e.ListID = l.ID
	if err := st.AddAnswerEdit(ctx, e); err != nil {
		return nil, err
	}
	j, err := Judge(ctx, st, l, e.ThreadID)
	if err != nil {
		return nil, err
	}
	return j.Entry, st.PutAnswers(ctx, l.ID, 0, []store.Judged{j})
}

// Library is the answers library as the robot reaches it: a moderator's
// `solved`, mailed in reply to a post of the thread.
type Library struct{ Store Corrector }

// Solved marks the thread of the post with messageID answered, the post
// itself its best answer when it is a reply by someone other than the
// asker, and says what it did.
func (lib Library) Solved(ctx context.Context, l *store.List, by, messageID string, at time.Time) (string, error) {
	posts, err := lib.Store.ArchiveByMessageID(ctx, l.ID, messageID)
	if err != nil {
		return "", err
	}
	if len(posts) == 0 {
		return "solved: <" + messageID + "> is not in the archive of " + l.Address + ": reply to a post of the thread.", nil
	}
	p := posts[0]
	thread, err := lib.Store.ArchiveThread(ctx, l.ID, p.ThreadID)
	if err != nil || len(thread) == 0 {
		return "", err
	}
	edit := store.AnswerEdit{ThreadID: p.ThreadID, At: at, Actor: by, Action: store.EditMark}
	root := thread[0]
	if p.ID != root.ID && mailmsg.AuthorKey(p.FromAddr, p.FromName) != mailmsg.AuthorKey(root.FromAddr, root.FromName) {
		edit.Action, edit.Value = store.EditPick, p.MessageID
	}
	a, err := Correct(ctx, lib.Store, l, edit)
	if err != nil {
		return "", err
	}
	if a == nil {
		return "The thread \"" + learn.CleanSubject(root.Subject) + "\" is marked answered, but has no reply by someone other than its asker to show.", nil
	}
	return "The thread \"" + a.Title + "\" is in the answers library, with " + a.AnswerBy + "'s answer.", nil
}
