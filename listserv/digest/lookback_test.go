package digest

import (
	"context"
	"sort"
	"testing"
	"time"

	"praxis/archive/learn"
)

// TestJudgementsLookOnlyBack: what the summary judges of a post is fixed
// once the post is read, whatever comes after it, on the usrp archive. A
// later post never changes which conversation an earlier one belongs to,
// nor whether a conversation's first post asks for help; a conversation's
// confirmation (the answer credited and the asker's post that confirmed
// it) changes only when a post of its asker in it arrives. So each
// conversation's judgements can be worked out as its posts arrive and
// kept, and a summary of any period read from what was kept as of the
// period's end (README, "Summaries": what the busiest week at 100x
// needs). A conversation may span threads (a reply sent without reply
// headers joins the one its subject names), and its confirmation may
// then be a post of another thread: the whole archive's cuts check that.
func TestJudgementsLookOnlyBack(t *testing.T) {
	st, l := usrp(t)
	ctx := context.Background()
	end := time.Date(2022, 1, 1, 0, 0, 0, 0, time.UTC)
	p, err := LoadWindow(ctx, st, l.ID, time.Date(2020, 6, 1, 0, 0, 0, 0, time.UTC), end, 30*24*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	posts := append([]*learn.Post(nil), p.Posts...)
	sort.SliceStable(posts, func(i, j int) bool { return learn.Before(posts[i], posts[j]) })
	if len(posts) < 3000 {
		t.Fatalf("%d posts read, want the whole archive", len(posts))
	}
	id := func(q *learn.Post) string {
		if q == nil {
			return ""
		}
		return q.MessageID
	}
	// before is the posts of ps dated before cut, and their reading
	// (every topic's confirmation and help request worked out).
	before := func(ps []*learn.Post, cut time.Time) ([]*learn.Post, *learn.Reading) {
		n := sort.Search(len(ps), func(i int) bool { return !ps[i].Date.Before(cut) })
		r := learn.Read(ps[:n], cut)
		r.JudgeEach(r.Topics())
		return ps[:n], r
	}
	cuts, steps := 0, 0
	// check compares the reading r of the posts read (cut at cut) with
	// the whole one, and each conversation's confirmation with the last
	// cut's (prev, by the conversation's first post): a change must come
	// with a post of the asker's in the conversation among those that
	// arrived since (read[from:]). It returns this cut's confirmations.
	check := func(what string, whole, r *learn.Reading, read []*learn.Post, from int, prev map[string][2]string, cut time.Time) map[string][2]string {
		cuts++
		for _, q := range read {
			got, want := r.TopicOf(q), whole.TopicOf(q)
			if got.Start.MessageID != want.Start.MessageID {
				t.Errorf("%s cut at %s: <%s> is in the conversation of <%s>, in the whole's of <%s>",
					what, cut, q.MessageID, got.Start.MessageID, want.Start.MessageID)
				continue
			}
			if got.Start == q && r.HelpRequest(got) != whole.HelpRequest(want) {
				t.Errorf("%s cut at %s: <%s> asks for help: %v, in the whole: %v",
					what, cut, q.MessageID, r.HelpRequest(got), whole.HelpRequest(want))
			}
		}
		now := map[string][2]string{}
		for _, tp := range r.Topics() {
			a, c := r.Confirmed(tp)
			now[tp.Start.MessageID] = [2]string{id(a), id(c)}
			was, ok := prev[tp.Start.MessageID]
			if !ok || was == now[tp.Start.MessageID] {
				continue
			}
			steps++
			asker := false
			for _, q := range read[from:] {
				asker = asker || q.Who() == tp.Asker() && r.TopicOf(q) == tp
			}
			if !asker {
				t.Errorf("%s cut at %s: the confirmation of <%s> went from %q to %q with no post of its asker's in it since the last cut",
					what, cut, tp.Start.MessageID, was, now[tp.Start.MessageID])
			}
		}
		return now
	}

	// Thread by thread, cut before each date a post of it has.
	var threads [][]*learn.Post
	byThread := map[string]int{}
	for _, q := range posts {
		i, ok := byThread[q.ThreadID]
		if !ok {
			i = len(threads)
			byThread[q.ThreadID] = i
			threads = append(threads, nil)
		}
		threads[i] = append(threads[i], q)
	}
	for _, th := range threads {
		if len(th) < 2 {
			continue
		}
		_, whole := before(th, end)
		prev, from := map[string][2]string{}, 0
		for k := 1; k <= len(th); k++ {
			cut := end
			if k < len(th) {
				if cut = th[k].Date; !th[k-1].Date.Before(cut) {
					continue // posts of one date arrive together
				}
			}
			read, r := before(th, cut)
			prev = check("thread "+th[0].Subject, whole, r, read, from, prev, cut)
			from = len(read)
		}
	}
	// And the whole archive, where strays join their conversations
	// across threads, cut every 400 posts.
	_, whole := before(posts, end)
	prev, from := map[string][2]string{}, 0
	for i := 400; i <= len(posts); i += 400 {
		cut := end
		if i < len(posts) {
			cut = posts[i].Date
		}
		read, r := before(posts, cut)
		prev = check("archive", whole, r, read, from, prev, cut)
		from = len(read)
	}
	t.Logf("%d cuts; %d confirmations changed, each with a post of the asker's", cuts, steps)
	if steps < 100 {
		t.Errorf("only %d confirmations changed across the cuts: the archive is not what the test expects", steps)
	}
}
