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
// it) changes only at a post of its asker. So each thread's judgements
// can be worked out as its posts arrive and kept, and a summary of any
// period read from what was kept as of the period's end (README,
// "Summaries": what the busiest week at 100x needs).
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
	// (judged: every topic's confirmation and help request worked out).
	before := func(ps []*learn.Post, cut time.Time, judged bool) ([]*learn.Post, *learn.Reading) {
		n := sort.Search(len(ps), func(i int) bool { return !ps[i].Date.Before(cut) })
		r := learn.Read(ps[:n], cut)
		if judged {
			r.JudgeEach(r.Topics())
		}
		return ps[:n], r
	}

	// Thread by thread, cut before each of its posts in turn.
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
	cuts, steps := 0, 0
	for _, th := range threads {
		if len(th) < 2 {
			continue
		}
		_, whole := before(th, end, true)
		prev := map[string][2]string{} // a topic's answer and confirmation at the last cut
		for k := 1; k <= len(th); k++ {
			cut := end
			if k < len(th) {
				cut = th[k].Date
			}
			read, r := before(th, cut, true)
			if len(read) == 0 {
				continue
			}
			cuts++
			for _, q := range read {
				got, want := r.TopicOf(q), whole.TopicOf(q)
				if got.Start.MessageID != want.Start.MessageID {
					t.Errorf("thread %q cut at %s: <%s> is in the conversation of <%s>, in the whole thread's of <%s>",
						th[0].Subject, cut, q.MessageID, got.Start.MessageID, want.Start.MessageID)
					continue
				}
				if got.Start == q && r.HelpRequest(got) != whole.HelpRequest(want) {
					t.Errorf("thread %q cut at %s: <%s> asks for help: %v, in the whole thread: %v",
						th[0].Subject, cut, q.MessageID, r.HelpRequest(got), whole.HelpRequest(want))
				}
			}
			last := read[len(read)-1]
			now := map[string][2]string{}
			for _, tp := range r.Topics() {
				a, c := r.Confirmed(tp)
				now[tp.Start.MessageID] = [2]string{id(a), id(c)}
				if was, ok := prev[tp.Start.MessageID]; ok && was != now[tp.Start.MessageID] {
					steps++
					if last.Who() != tp.Asker() {
						t.Errorf("thread %q: the confirmation of <%s> went from %q to %q at <%s>, not the asker's",
							th[0].Subject, tp.Start.MessageID, was, now[tp.Start.MessageID], last.MessageID)
					}
				}
			}
			prev = now
		}
	}
	// And across threads (a reply sent without reply headers joins its
	// conversation by subject): the whole archive cut every 200 posts.
	_, whole := before(posts, end, false)
	for i := 200; i < len(posts); i += 200 {
		read, r := before(posts, posts[i].Date, false)
		cuts++
		for _, q := range read {
			if got, want := r.TopicOf(q), whole.TopicOf(q); got.Start.MessageID != want.Start.MessageID {
				t.Errorf("archive cut at %s: <%s> is in the conversation of <%s>, in the whole archive's of <%s>",
					posts[i].Date, q.MessageID, got.Start.MessageID, want.Start.MessageID)
			}
		}
	}
	t.Logf("%d cuts; %d confirmations changed, each at the asker's post", cuts, steps)
	if steps < 100 {
		t.Errorf("only %d confirmations changed across the cuts: the archive is not what the test expects", steps)
	}
}
