package digest

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"praxis/archive"
	"praxis/archive/learn"
	"praxis/listserv/mailmsg"
	"praxis/listserv/store"

	"golang.org/x/sync/errgroup"
)

// Window is how much of the archive before a period's end Load reads
// besides the period: the document frequencies of key terms and gist
// ranking come from it.
const Window = 52 * 7 * 24 * time.Hour

// MaxDFPosts bounds the posts before the Recent days that document
// frequencies are counted over: the window's, or the last MaxDFPosts of
// them when it holds more (at 35,000 posts a year, reading a year's
// terms was most of a weekly summary).
const MaxDFPosts = 5000

// MaxDFSample bounds the posts whose terms document frequencies count:
// past it, MaxDFSample of those read are counted, evenly spread, so that
// counting takes as long as for MaxDFSample posts (the Recent days of a list a
// hundred times busier than usrp-users hold 21,400 posts, and counting
// all their terms was a tenth of its summary). A word's share of
// thousands of posts is its share of all of them, as near as the key
// terms and gists that use it can tell; the week of a list as busy as
// usrp-users (about 5,200 posts with the MaxDFPosts before) is counted
// whole, as before.
const MaxDFSample = 8000

// Recent is how much before a period's end Load reads whole (bodies
// cleaned, as Posts), at least: questions still waiting are looked for in
// it (Options.UnansweredWithin is capped by it). Older posts of the window
// only count towards document frequencies, read the quick way.
const Recent = 28 * 24 * time.Hour

// errStop ends an archive walk early.
var errStop = errors.New("stop")

// Reader is what a digest or summary reads of the store: the list, its
// members, and the archive of the period.
type Reader interface {
	ListByID(ctx context.Context, id int64) (*store.List, error)
	Members(ctx context.Context, listID int64) ([]*store.Member, error)
	ArchiveEach(ctx context.Context, listID int64, since time.Time, f func(*store.ArchivedPost) error) error
	ArchiveAuthors(ctx context.Context, listID int64, before time.Time) ([]store.ArchiveAuthor, error)
	ArchiveThreadPosts(ctx context.Context, listID int64, threadIDs []string, before time.Time) ([]*store.ArchivedPost, error)
	ArchiveNewestDate(ctx context.Context, listID int64, before time.Time, n int) (time.Time, bool, error)
	ArchiveRaw(ctx context.Context, hash string) ([]byte, error)
	PostFeatures(ctx context.Context, ids []int64, text bool) (map[int64]*store.PostFeatures, error)
	Related(ctx context.Context, listID int64, threadIDs []string) (map[string][]store.RelatedThread, error)
}

// featureKeeper keeps the features Load had to work out from a post's
// bytes (a post archived before they were kept, or by older rules), so
// that the next summary reads them.
type featureKeeper interface {
	PutPostFeatures(ctx context.Context, feats map[int64]*store.PostFeatures) error
}

var _ Reader = (store.Backend)(nil)

// Load reads what the summary of [start, end) needs from the store: the
// posts of the period and of the Recent days before its end, the earlier
// posts of the threads active in the period, document frequencies over
// the Window before end, the members, and each author's first post.
// Bodies are read in parallel.
func Load(ctx context.Context, st Reader, listID int64, start, end time.Time) (*Period, error) {
	return LoadWindow(ctx, st, listID, start, end, Window)
}

// LoadWindow is Load with another window for document frequencies.
func LoadWindow(ctx context.Context, st Reader, listID int64, start, end time.Time, window time.Duration) (*Period, error) {
	l, err := st.ListByID(ctx, listID)
	if err != nil {
		return nil, fmt.Errorf("digest: load: %w", err)
	}
	p := &Period{
		List:      List{ID: l.ID, Address: l.Address, Name: l.Name, Prefix: l.Prefix},
		Start:     start,
		End:       end,
		FirstPost: map[string]time.Time{},
	}
	recent := end.Add(-Recent)
	if recent.After(start) {
		recent = start
	}
	// Document frequencies are counted over the Recent days alone when
	// they hold MaxDFSample posts: those are read whole anyway, and the
	// sample would only be spread thinner over more (at a hundred times
	// usrp-users' traffic they hold 21,400 posts, and the 5,000 before
	// were a fifth of the walk, read for their terms alone). Otherwise
	// over the window, or over the last MaxDFPosts posts before the
	// Recent days when the window holds more: a busy list's last few
	// months say as much of its words as a year.
	from := end.Add(-window)
	if d, ok, err := st.ArchiveNewestDate(ctx, listID, end, MaxDFSample); err != nil {
		return nil, fmt.Errorf("digest: load: %w", err)
	} else if ok && !d.Before(recent) {
		from = recent
	} else if d, ok, err := st.ArchiveNewestDate(ctx, listID, recent, MaxDFPosts); err != nil {
		return nil, fmt.Errorf("digest: load: %w", err)
	} else if ok && d.After(from) {
		from = d
	}
	if from.After(recent) {
		from = recent
	}
	// The reads below run side by side. The first to fail ends the
	// others (a read that waits on a lost database would otherwise keep
	// Load waiting), and its error is the one Load gives.
	lctx, fail := context.WithCancelCause(ctx)
	defer fail(nil)
	// Who posted before, from one row per From, not a walk of every
	// post up to end: every author's first post, and which names are
	// one person's. It and the members are read beside the walk below,
	// which needs neither.
	var authors []store.ArchiveAuthor
	var ms []*store.Member
	var side sync.WaitGroup
	side.Go(func() {
		var err error
		if authors, err = st.ArchiveAuthors(lctx, listID, end); err != nil {
			fail(err)
		}
	})
	side.Go(func() {
		var err error
		if ms, err = st.Members(lctx, listID); err != nil {
			fail(err)
		}
	})
	// The walk, with the kept features of what it has found read beside
	// it: the period's days first, so that the earlier posts (before
	// from) of the threads it touches are looked up beside the read of
	// the days before it. A summary read cold finds both as pages read
	// at random, the lookups one a thread (at a hundred times usrp-users'
	// traffic 2,501 threads, 200 ms cold; the days' packs 220 ms).
	fe := newFetcher(lctx, st, fail)
	period, active, unpacked, err := gather(lctx, st, listID, start, start, recent, end, fe)
	if err != nil {
		fail(err)
	}
	var earlier []*store.ArchivedPost
	var early sync.WaitGroup
	if err == nil {
		early.Go(func() {
			var err error
			if earlier, err = st.ArchiveThreadPosts(lctx, listID, slices.Sorted(maps.Keys(active)), from); err != nil {
				fail(err)
			}
		})
	}
	var all []*store.ArchivedPost
	if err == nil {
		var before []*store.ArchivedPost
		var unpackedBefore []int64
		if before, _, unpackedBefore, err = gather(lctx, st, listID, from, start, recent, start, fe); err != nil {
			fail(err)
		}
		// In order: the days before the period's start, then its own (a
		// day that holds the start is in both lists).
		all = append(before, period...)
		unpacked = slices.Compact(append(unpackedBefore, unpacked...))
	}
	// The related threads kept for the questions that opened the
	// threads of the Recent days (the unanswered ones show them), read
	// beside all that follows, up to the end, which is the first to need
	// them (read last, they were most of the wait on the reads above).
	var rel map[string][]store.RelatedThread
	var related sync.WaitGroup
	defer func() {
		fail(nil)
		related.Wait()
	}()
	if err == nil {
		var opened []string
		for _, a := range all {
			if a.ParentID == "" && a.MessageID == a.ThreadID && !a.Date.Before(recent) {
				opened = append(opened, a.ThreadID)
			}
		}
		related.Go(func() {
			var err error
			if rel, err = st.Related(lctx, listID, opened); err != nil {
				fail(err)
			}
		})
	}
	early.Wait()
	side.Wait()
	if err := failed(lctx); err != nil {
		fe.wait()
		return nil, fmt.Errorf("digest: load: %w", err)
	}
	named := map[string]string{} // a display name → the one address that posts under it unrewritten ("" when several do)
	// A "NAME via LIST" key whose posts did not all come from the list's
	// address was not (only) the list's rewriting: anyone can write
	// "Ann via cop" in a From, and such a key is never taken for Ann's.
	notRewritten := map[string]bool{}
	for _, a := range authors {
		key := mailmsg.AuthorKey(a.Addr, a.Name)
		if f, ok := p.FirstPost[key]; !ok || a.First.Before(f) {
			p.FirstPost[key] = a.First
		}
		if strings.HasPrefix(key, "name:") && !strings.EqualFold(a.Addr, l.Address) {
			notRewritten[key] = true
		}
		if n := mailmsg.NameKey(a.Name); n != "" && !strings.HasPrefix(key, "name:") {
			if prev, ok := named[n]; ok && prev != key {
				named[n] = ""
			} else {
				named[n] = key
			}
		}
	}
	all = append(earlier, all...)
	// Nearly every post read is a job: made at its size at once, not
	// grown (a job a post, 21,400 at a hundred times usrp-users' traffic).
	jobs := make([]job, 0, len(all))
	var more []int64 // read whole, and not yet asked for with text
	for _, a := range all {
		switch {
		case !a.Date.Before(recent) || active[a.ThreadID]:
			jobs = append(jobs, job{a: a, whole: true, df: !a.Date.Before(from)})
			if a.Date.Before(recent) {
				more = append(more, a.ID)
			}
		case !a.Date.Before(from):
			jobs = append(jobs, job{a: a, df: true})
		}
	}
	// Those a day's pack gave are read already.
	fe.mu.Lock()
	more = slices.DeleteFunc(more, func(id int64) bool { return fe.withText[id] != nil })
	fe.mu.Unlock()
	for len(more) > 0 {
		n := min(len(more), walkPage)
		fe.fetch(more[:n], true)
		more = more[n:]
	}
	fe.wait()
	if err := failed(lctx); err != nil {
		return nil, fmt.Errorf("digest: load: %w", err)
	}
	// Document frequencies are counted beside the making of the posts
	// (kept, runJobs), from the features kept at archive time; the few
	// posts whose terms runJobs works out are counted after it. A count
	// does not depend on the order its posts are counted in, and counting
	// 8,000 posts' terms took as long as making the posts (at a hundred
	// times usrp-users' traffic, 6-7 ms each).
	p.DF = learn.NewDocFreq()
	counted := 0
	for _, j := range jobs {
		if j.df {
			counted++
		}
	}
	// Past MaxDFSample, the i-th of the counted posts is taken when
	// i·MaxDFSample/counted steps up: MaxDFSample of them, evenly spread.
	take := func(i int) bool {
		return counted <= MaxDFSample || i*MaxDFSample/counted != (i+1)*MaxDFSample/counted
	}
	var worked []int // the jobs taken whose terms runJobs works out
	var counting sync.WaitGroup
	counting.Go(func() {
		// Reads only what kept and runJobs do not write (a job's post,
		// whether it is read whole or counted, and the fetched features).
		i := 0
		for k := range jobs {
			j := &jobs[k]
			if !j.df {
				continue
			}
			if take(i) {
				if f := keptFeatures(j, fe.withText, fe.termsOnly); f != nil {
					p.DF.AddEach(f.EachTerm)
				} else {
					worked = append(worked, k)
				}
			}
			i++
		}
	})
	kept(jobs, fe.withText, fe.termsOnly)
	// With the load's context: a read still running beside (the related
	// threads') that fails ends the reading of posts' bytes too.
	err = runJobs(lctx, st, jobs)
	counting.Wait()
	if cause := failed(lctx); cause != nil {
		err = fmt.Errorf("digest: load: %w", cause)
	}
	if err != nil {
		return nil, err
	}
	for _, k := range worked {
		p.DF.AddTerms(jobs[k].terms)
	}
	if k, ok := st.(featureKeeper); ok {
		made := map[int64]*store.PostFeatures{}
		for _, j := range jobs {
			if j.made != nil {
				made[j.a.ID] = j.made
			}
		}
		// Best effort: what is not kept is worked out again by the
		// next summary, as it was by this one.
		_ = k.PutPostFeatures(ctx, made)
	}
	// The days no pack held that have posts (an archive made before
	// 0041) are packed, so that the next summary reads them in one range.
	// Best effort, as keeping features is: a day not packed is read from
	// its rows again. A day without posts is left unknown: its walk is
	// one query that finds nothing.
	if pr, ok := st.(packReader); ok && len(unpacked) > 0 {
		for _, d := range unpacked {
			if ctx.Err() != nil {
				break
			}
			_ = pr.PackArchiveDay(ctx, listID, d)
		}
	}
	// One person, one key: a post whose From this list rewrote ("Ann via
	// cop" <cop@…>) is Ann's when one address alone posts as Ann
	// unrewritten.
	alias := map[string]string{}
	for k, first := range p.FirstPost {
		if to := named[k]; strings.HasPrefix(k, "name:") && to != "" && !notRewritten[k] {
			alias[k] = to
			if f, ok := p.FirstPost[to]; !ok || first.Before(f) {
				p.FirstPost[to] = first
			}
		}
	}
	for k := range alias {
		delete(p.FirstPost, k)
	}
	for _, j := range jobs {
		if j.post != nil {
			if to, ok := alias[j.post.Key]; ok {
				j.post.Key = to
			}
			p.Posts = append(p.Posts, j.post)
		}
	}
	related.Wait()
	if err := failed(lctx); err != nil {
		return nil, fmt.Errorf("digest: load: %w", err)
	}
	p.Related = map[string][]Related{}
	for id, rs := range rel {
		for _, r := range rs {
			p.Related[id] = append(p.Related[id], Related{ThreadID: r.ThreadID, Subject: r.Subject, Date: r.Date, Posts: r.Posts})
		}
	}
	for _, m := range ms {
		p.Members = append(p.Members, Member{Address: m.Address, Name: m.Name, Expertise: ParseExpertise(m.Expertise), Joined: m.CreatedAt})
	}
	return p, nil
}

// job is one post to read: whole (a Post with its cleaned body) or only
// for its terms.
type job struct {
	a     *store.ArchivedPost
	whole bool
	df    bool
	done  bool // read from the features kept at archive time
	post  *learn.Post
	terms []string
	made  *store.PostFeatures // worked out here from the post's bytes
}

// walkPage is how many posts the walk gathers before it asks for their
// kept features.
const walkPage = 500

// packReader is a store that keeps each day's posts packed (0041):
// a period is read from its days' packs, and only the days they do not
// hold from the rows.
type packReader interface {
	ArchivePacked(ctx context.Context, listID int64, from, end time.Time) ([]store.PackedPost, []int64, error)
	PackArchiveDay(ctx context.Context, listID, day int64) error
}

// gather reads the posts dated in [from, end) in order, with their kept
// features (as walk does): from the packs of their days where the store
// keeps them, and by walks of the rows over the days it names unpacked;
// it returns those of them that have posts too.
func gather(ctx context.Context, st Reader, listID int64, from, start, recent, end time.Time, fe *fetcher) (all []*store.ArchivedPost, active map[string]bool, unpacked []int64, err error) {
	pr, ok := st.(packReader)
	if !ok {
		all, active, err = walk(ctx, st, listID, from, start, recent, end, fe)
		return all, active, nil, err
	}
	packed, unpacked, err := pr.ArchivePacked(ctx, listID, from, end)
	if err != nil {
		return nil, nil, nil, err
	}
	var withPosts []int64 // the unpacked days that have posts, ascending
	all = make([]*store.ArchivedPost, 0, len(packed))
	fe.mu.Lock()
	for _, p := range packed {
		all = append(all, p.ArchivedPost)
		if p.Features != nil {
			// With their text, which what is read only for its terms
			// reads too (keptFeatures).
			fe.withText[p.ID] = p.Features
		}
	}
	fe.mu.Unlock()
	// The days the packs do not hold, a run of days at a time.
	for i := 0; i < len(unpacked); {
		j := i + 1
		for j < len(unpacked) && unpacked[j] == unpacked[j-1]+1 {
			j++
		}
		lo, hi := time.Unix(unpacked[i]*86400, 0).UTC(), time.Unix((unpacked[j-1]+1)*86400, 0).UTC()
		if lo.Before(from) {
			lo = from
		}
		if hi.After(end) {
			hi = end
		}
		part, _, err := walk(ctx, st, listID, lo, start, recent, hi, fe)
		if err != nil {
			return nil, nil, nil, err
		}
		all = append(all, part...)
		for _, a := range part {
			if d := store.Day(a.Date); len(withPosts) == 0 || withPosts[len(withPosts)-1] != d {
				withPosts = append(withPosts, d)
			}
		}
		i = j
	}
	if len(unpacked) > 0 {
		slices.SortStableFunc(all, store.ArchiveOrder)
	}
	active = map[string]bool{}
	for _, a := range all {
		if !a.Date.Before(start) {
			active[a.ThreadID] = true
		}
	}
	return all, active, withPosts, nil
}

// walk reads the posts dated in [from, end) in order, tells the threads
// with a post in [start, end) (active), and asks fe for each page's kept
// features as it goes: with text for the posts of the Recent days (from
// recent), which are read whole, and terms only for the older ones (Load
// asks again, with text, for those of active threads, which it learns
// only at the walk's end).
func walk(ctx context.Context, st Reader, listID int64, from, start, recent, end time.Time, fe *fetcher) (all []*store.ArchivedPost, active map[string]bool, err error) {
	active = map[string]bool{}
	var whole, terms []int64
	flush := func(atLeast int) {
		if len(whole) >= atLeast && len(whole) > 0 {
			fe.fetch(whole, true)
			whole = nil
		}
		if len(terms) >= atLeast && len(terms) > 0 {
			fe.fetch(terms, false)
			terms = nil
		}
	}
	err = eachBetween(ctx, st, listID, from, end, func(a *store.ArchivedPost) error {
		if !a.Date.Before(start) {
			active[a.ThreadID] = true
		}
		all = append(all, a)
		if a.Date.Before(recent) {
			terms = append(terms, a.ID)
		} else {
			whole = append(whole, a.ID)
		}
		flush(walkPage)
		return nil
	})
	flush(0)
	if err != nil {
		return nil, nil, err
	}
	return all, active, nil
}

// eachBetween calls f for each post of a list dated in [from, end),
// oldest first: with ArchiveBetween where the store has it, else with
// ArchiveEach, stopped at end.
func eachBetween(ctx context.Context, st Reader, listID int64, from, end time.Time, f func(*store.ArchivedPost) error) error {
	var err error
	if rr, ok := st.(rangeReader); ok {
		err = rr.ArchiveBetween(ctx, listID, from, end, f)
	} else {
		err = st.ArchiveEach(ctx, listID, from, func(a *store.ArchivedPost) error {
			if !a.Date.Before(end) {
				return errStop
			}
			return f(a)
		})
	}
	if errors.Is(err, errStop) {
		return nil
	}
	return err
}

// rangeReader is a store that walks the posts of a span of dates and
// reads none past it (ArchiveEach reads a page at a time, and a walk of a
// day with no posts read the page after it for nothing: at a hundred
// times usrp-users' traffic, 500 rows for each such day a summary's four
// weeks hold).
type rangeReader interface {
	ArchiveBetween(ctx context.Context, listID int64, since, before time.Time, f func(*store.ArchivedPost) error) error
}

var _ rangeReader = (*store.Store)(nil)

// failed is what ended ctx: the first failure of Load's reads, or the
// caller's own cancellation; nil while it runs.
func failed(ctx context.Context) error {
	if ctx.Err() == nil {
		return nil
	}
	return context.Cause(ctx)
}

// fetcher reads posts' kept features (0029) beside the walk that finds
// them, a few reads at a time.
type fetcher struct {
	ctx                 context.Context
	fail                context.CancelCauseFunc // ends ctx, and Load's other reads, with a read's error
	st                  Reader
	g                   errgroup.Group
	mu                  sync.Mutex
	withText, termsOnly map[int64]*store.PostFeatures
}

func newFetcher(ctx context.Context, st Reader, fail context.CancelCauseFunc) *fetcher {
	f := &fetcher{ctx: ctx, fail: fail, st: st, withText: map[int64]*store.PostFeatures{}, termsOnly: map[int64]*store.PostFeatures{}}
	f.g.SetLimit(max(1, min(runtime.GOMAXPROCS(0), 4)))
	return f
}

// fetch reads the kept features of ids (with their text or not) beside
// the caller; it waits only when as many reads as the limit are running.
// A read that fails ends the fetcher's context (see Load).
func (f *fetcher) fetch(ids []int64, text bool) {
	f.g.Go(func() error {
		got, err := f.st.PostFeatures(f.ctx, ids, text)
		if err != nil {
			f.fail(err)
			return err
		}
		f.mu.Lock()
		defer f.mu.Unlock()
		into := f.termsOnly
		if text {
			into = f.withText
		}
		maps.Copy(into, got)
		return nil
	})
}

// wait waits for every read asked for.
func (f *fetcher) wait() { f.g.Wait() }

// kept fills the jobs whose posts have features kept at archive time by
// the rules of this version (0029): the posts read whole, with their text
// and judgements, and it marks those read only for document frequencies
// done (Load counts their kept terms). withText holds the features read
// with their text, termsOnly those read without.
func kept(jobs []job, withText, termsOnly map[int64]*store.PostFeatures) {
	// Each author's key is worked out once: a busy week's thousands of
	// posts come from a few hundred people.
	keys := map[[2]string]string{}
	for i := range jobs {
		j := &jobs[i]
		f := keptFeatures(j, withText, termsOnly)
		if f == nil {
			continue
		}
		j.done = true
		if j.whole {
			who := [2]string{j.a.FromAddr, j.a.FromName}
			key, ok := keys[who]
			if !ok {
				key = mailmsg.AuthorKey(j.a.FromAddr, j.a.FromName)
				keys[who] = key
			}
			j.post = newPost(j.a, f.Own, key)
			j.post.Features = learn.Features(f.Flags)
			j.post.Links = found(f.Links)
		}
	}
}

// keptFeatures are the features kept at archive time, by the rules of
// this version, that kept reads a job's post from: nil when there are
// none (runJobs works them out).
func keptFeatures(j *job, withText, termsOnly map[int64]*store.PostFeatures) *store.PostFeatures {
	var f *store.PostFeatures
	if !j.whole {
		f = termsOnly[j.a.ID]
	}
	if f == nil {
		// Read with the text: a post read whole, or one a day's pack
		// gave, whose features are only there.
		f = withText[j.a.ID]
	}
	if f == nil || f.Version != learn.FeaturesVersion {
		return nil
	}
	return f
}

// runJobs reads in parallel the posts of jobs that kept did not fill,
// from their bytes, and works out their features as archiving does.
func runJobs(ctx context.Context, st Reader, jobs []job) error {
	workers := min(runtime.GOMAXPROCS(0), 8, max(1, len(jobs)))
	next := make(chan int)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var firstErr error
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				j := &jobs[i]
				if !j.whole && j.a.Size > learn.MaxTermsSize {
					// Mostly attachment: counted by its subject, not
					// worth reading for a word count.
					j.terms = learn.TermSet(j.a.Subject)
					continue
				}
				raw, err := st.ArchiveRaw(ctx, j.a.Hash)
				if err != nil {
					mu.Lock()
					if firstErr == nil {
						firstErr = fmt.Errorf("digest: load %s: %w", j.a.MessageID, err)
					}
					mu.Unlock()
					continue
				}
				j.made = archive.Features(j.a, raw)
				if j.whole {
					j.post = newPost(j.a, j.made.Own, mailmsg.AuthorKey(j.a.FromAddr, j.a.FromName))
					j.post.Features = learn.Features(j.made.Flags)
					j.post.Links = found(j.made.Links)
				}
				if j.df {
					j.terms = j.made.Terms
				}
			}
		}()
	}
	for i := range jobs {
		if jobs[i].done {
			continue
		}
		if ctx.Err() != nil {
			break
		}
		next <- i
	}
	close(next)
	wg.Wait()
	if firstErr != nil {
		return firstErr
	}
	return ctx.Err()
}

// found is a post's kept links as a Post holds them: not nil, since nil
// means not worked out.
func found(links []string) []string {
	if links == nil {
		return []string{}
	}
	return links
}

// newPost makes a Post of an archived post, its own text and its
// author's key (mailmsg.AuthorKey).
func newPost(a *store.ArchivedPost, own, key string) *learn.Post {
	return &learn.Post{
		ID:          a.ID,
		MessageID:   a.MessageID,
		ThreadID:    a.ThreadID,
		ParentID:    a.ParentID,
		Date:        a.Date,
		FromAddr:    a.FromAddr,
		FromName:    a.FromName,
		Key:         key,
		Subject:     a.Subject,
		Body:        own,
		Attachments: a.Attachments,
	}
}

// Messages returns the stored bytes of a list's posts dated in
// [start, end), oldest first: the input of a digest.
func Messages(ctx context.Context, st Reader, listID int64, start, end time.Time) ([][]byte, error) {
	var hashes []string
	err := eachBetween(ctx, st, listID, start, end, func(a *store.ArchivedPost) error {
		hashes = append(hashes, a.Hash)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("digest: messages: %w", err)
	}
	out := make([][]byte, 0, len(hashes))
	for _, h := range hashes {
		raw, err := st.ArchiveRaw(ctx, h)
		if err != nil {
			return nil, fmt.Errorf("digest: messages: %w", err)
		}
		out = append(out, raw)
	}
	return out, nil
}
