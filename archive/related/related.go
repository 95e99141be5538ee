// Package related finds, for a new question, the threads of the same
// list that asked it before and were answered: what a member should read
// before waiting for a reply ("Answered before" on the thread's page,
// beside a waiting question in the summary, and, where the list's owner
// turns it on, one private mail to the asker).
//
// The search is the archive's full-text index: the question's most
// distinctive words (TF-IDF against the list's last year, as the
// summaries weigh them) looked for in subjects and bodies, and a thread
// is offered only when it holds enough of them (Bleve's minimum of
// should-clauses): weak matches are never shown. Only the list's own
// posts are searched, dated before the question, so nothing crosses from
// one list (a private one) into another's page or mail.
package related

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"
	"time"

	bquery "github.com/blevesearch/bleve/v2/search/query"

	"praxis/archive/index"
	"praxis/archive/learn"
	"praxis/archive/query"
	"praxis/listserv/mailmsg"
	"praxis/listserv/store"
)

// Store is what the finder reads: the list's posts (for the weights of
// words), their terms, and the candidate threads.
type Store interface {
	ArchiveEach(ctx context.Context, listID int64, since time.Time, f func(*store.ArchivedPost) error) error
	PostFeatures(ctx context.Context, ids []int64, text bool) (map[int64]*store.PostFeatures, error)
	ArchiveThread(ctx context.Context, listID int64, threadID string) ([]*store.ArchivedPost, error)
	ArchiveNewestDate(ctx context.Context, listID int64, before time.Time, n int) (time.Time, bool, error)
}

// Question is a new post that asks.
type Question struct {
	MessageID, ThreadID string
	Subject             string
	Text                string // the asker's own words (learn.OwnText)
	Date                time.Time
}

// Thread is a related thread found for a question.
type Thread struct {
	ThreadID string
	Subject  string    // its first post's
	Date     time.Time // its first post's
	Posts    int       // posts before the question
	// Score is how alike the two questions are (learn.Similarity of
	// the question and the thread's first post), MinSimilarity or more.
	Score float64

	rootID int64
}

const (
	// Max is how many threads are offered at most.
	Max = 3
	// terms is how many of the question's words are looked for.
	terms = 12
	// candidates bounds the posts read from the index, maxCandidates
	// the threads compared.
	candidates    = 40
	maxCandidates = 10
	// MinSimilarity is how alike a thread's first post and the question
	// must be for the thread to be offered.
	MinSimilarity = 0.2
	// dfAge is how long the list's word weights are used before they
	// are counted again.
	dfAge = 24 * time.Hour
	// window is how much of the list's archive the weights count, and
	// weightPosts how many of its last posts at most: a year of a list a
	// hundred times usrp-users' busy is 250,000 posts, whose terms took
	// the first page of a thread 15 s to read (the summaries count their
	// document frequencies over a few thousand posts too).
	window      = 365 * 24 * time.Hour
	weightPosts = 8000
)

// Finder finds related threads. It is safe for concurrent use.
type Finder struct {
	idx   *index.Index
	store Store
	now   func() time.Time

	mu sync.Mutex
	df map[weightsKey]*weights
	// maxPosts is weightPosts (tests lower it).
	maxPosts int
}

// weightsKey names the weights of a list's year up to the end of a month.
type weightsKey struct {
	list  int64
	until time.Time
}

// maxWeights bounds the weights kept: serve asks about this month's
// questions (one per list); a page of an old thread, or the bench, about
// others.
const maxWeights = 64

type weights struct {
	df   *learn.DocFreq
	made time.Time
}

// New builds a finder over an index and the store it was built from.
func New(idx *index.Index, st Store, now func() time.Time) *Finder {
	return &Finder{idx: idx, store: st, now: now, df: map[weightsKey]*weights{}, maxPosts: weightPosts}
}

// MinMatch is how many of n words looked for a thread's post must hold
// to be offered: a quarter of them, and at least 2.
func MinMatch(n int) int { return max(2, (n+3)/4) }

// Find returns up to Max threads of list l, first posted before q, that
// share enough of q's distinctive words and were answered (someone other
// than their asker wrote in them before q), the most related first; none
// when q says too little to look for.
func (f *Finder) Find(ctx context.Context, l *store.List, q Question) ([]Thread, error) {
	df, err := f.weights(ctx, l.ID, q.Date)
	if err != nil {
		return nil, err
	}
	words := learn.QueryTerms(learn.CleanSubject(q.Subject), q.Text, df, terms)
	if len(words) < 2 {
		return nil, nil
	}
	var should []bquery.Query
	for _, w := range words {
		subj := bquery.NewMatchQuery(w)
		subj.SetField(query.FieldSubject)
		subj.SetBoost(2)
		body := bquery.NewMatchQuery(w)
		body.SetField(query.FieldBody)
		should = append(should, bquery.NewDisjunctionQuery([]bquery.Query{subj, body}))
	}
	about := bquery.NewDisjunctionQuery(should)
	about.SetMin(float64(MinMatch(len(words))))
	before := bquery.NewDateRangeInclusiveQuery(time.Time{}, q.Date, nil, ptr(false))
	before.SetField(query.FieldDate)
	res, err := f.idx.SearchContext(ctx, query.Scoped(bquery.NewConjunctionQuery([]bquery.Query{about, before}), l.Address),
		index.SearchOptions{Size: candidates})
	if err != nil {
		return nil, fmt.Errorf("related: search: %w", err)
	}
	// The candidate threads, best hit first; then each thread's first
	// post compared with the question, word for word.
	var cands []Thread
	seen := map[string]bool{q.ThreadID: true}
	for _, h := range res.Hits {
		if len(cands) == maxCandidates {
			break
		}
		if seen[h.Thread] || h.MessageID == q.MessageID {
			continue
		}
		seen[h.Thread] = true
		t, ok, err := f.answered(ctx, l, h.Thread, q.Date)
		if err != nil {
			return nil, err
		}
		if ok {
			cands = append(cands, t)
		}
	}
	if len(cands) == 0 {
		return nil, nil
	}
	ids := make([]int64, len(cands))
	for i, c := range cands {
		ids[i] = c.rootID
	}
	texts, err := f.store.PostFeatures(ctx, ids, true)
	if err != nil {
		return nil, fmt.Errorf("related: %w", err)
	}
	qv := learn.TFIDF(learn.Tokens(learn.CleanSubject(q.Subject)+"\n"+q.Text), df)
	var out []Thread
	for _, c := range cands {
		ft := texts[c.rootID]
		if ft == nil {
			continue
		}
		c.Score = learn.Similarity(qv, learn.TFIDF(learn.Tokens(learn.CleanSubject(c.Subject)+"\n"+ft.Own), df))
		if c.Score >= MinSimilarity {
			out = append(out, c)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Score > out[j].Score })
	return out[:min(len(out), Max)], nil
}

// answered reads a candidate thread: offered when it was first posted
// before the question and someone other than its first author wrote in
// it before the question.
func (f *Finder) answered(ctx context.Context, l *store.List, threadID string, before time.Time) (Thread, bool, error) {
	posts, err := f.store.ArchiveThread(ctx, l.ID, threadID)
	if err != nil {
		return Thread{}, false, fmt.Errorf("related: thread %s: %w", threadID, err)
	}
	if len(posts) == 0 || !posts[0].Date.Before(before) {
		return Thread{}, false, nil
	}
	root := posts[0]
	asker := mailmsg.AuthorKey(root.FromAddr, root.FromName)
	t := Thread{ThreadID: threadID, Subject: root.Subject, Date: root.Date, rootID: root.ID}
	answered := false
	for _, p := range posts {
		if !p.Date.Before(before) {
			break
		}
		t.Posts++
		answered = answered || mailmsg.AuthorKey(p.FromAddr, p.FromName) != asker
	}
	return t, answered, nil
}

// weights returns the list's document frequencies over the year before
// the end of the month of at, or its last weightPosts posts when the year
// holds more, as the summaries count them (the terms kept at archive
// time); counted again once a day, or for another month.
func (f *Finder) weights(ctx context.Context, listID int64, at time.Time) (*learn.DocFreq, error) {
	now := f.now()
	y, m, _ := at.UTC().Date()
	until := time.Date(y, m+1, 1, 0, 0, 0, 0, time.UTC)
	key := weightsKey{listID, until}
	f.mu.Lock()
	w := f.df[key]
	f.mu.Unlock()
	if w != nil && now.Sub(w.made) < dfAge {
		return w.df, nil
	}
	from := until.Add(-window)
	if d, ok, err := f.store.ArchiveNewestDate(ctx, listID, until, f.maxPosts); err != nil {
		return nil, fmt.Errorf("related: weights: %w", err)
	} else if ok && d.After(from) {
		from = d
	}
	var ids []int64
	err := f.store.ArchiveEach(ctx, listID, from, func(p *store.ArchivedPost) error {
		if !p.Date.Before(until) {
			return errStop
		}
		ids = append(ids, p.ID)
		return nil
	})
	if err != nil && !errors.Is(err, errStop) {
		return nil, fmt.Errorf("related: weights: %w", err)
	}
	feats, err := f.store.PostFeatures(ctx, ids, false)
	if err != nil {
		return nil, fmt.Errorf("related: weights: %w", err)
	}
	df := learn.NewDocFreq()
	for _, id := range ids {
		if ft := feats[id]; ft != nil {
			df.AddTerms(ft.Terms)
		}
	}
	f.mu.Lock()
	if len(f.df) >= maxWeights {
		clear(f.df)
	}
	f.df[key] = &weights{df: df, made: now}
	f.mu.Unlock()
	return df, nil
}

// errStop ends a walk of the archive early.
var errStop = errors.New("stop")

func ptr(b bool) *bool { return &b }
