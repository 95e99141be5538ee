// Package health reviews a community month by month, for the people who
// run it: is it doing its job? Posts and active members, new members,
// the share of questions that got an answer and how long the first one
// took, the newcomers who came back, the members who answered most, and
// the topics whose questions went unanswered with nobody's declared
// expertise matching them (/l/LIST/health and the owners' monthly mail).
//
// Every figure is counted from the archive's rows and the features kept
// for each post (0029): one pass over the list's posts.
package health

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"praxis/archive/learn"
	"praxis/listserv/mailmsg"
	"praxis/listserv/store"
)

// Store is what the review reads.
type Store interface {
	ArchiveEach(ctx context.Context, listID int64, since time.Time, f func(*store.ArchivedPost) error) error
	PostFeatures(ctx context.Context, ids []int64, text bool) (map[int64]*store.PostFeatures, error)
}

// Returned is how soon a newcomer must post again to count as back.
const Returned = 60 * 24 * time.Hour

// Month is one month's review.
type Month struct {
	Start time.Time // the month's first day, UTC
	Posts int
	// Active counts the people who posted; NewMembers the members whose
	// subscription began in the month.
	Active, NewMembers int
	// Questions are the threads opened in the month that ask for help;
	// Answered those someone other than the asker replied to (by now).
	Questions, Answered int
	// FirstAnswer is the median time from an answered question to its
	// first answer; 0 when none was answered.
	FirstAnswer time.Duration
	// Newcomers posted for the first time in the archive in the month;
	// Back of them posted again within Returned of their first post.
	Newcomers, Back int
	// Helpers answered most (replies in others' threads), most first.
	Helpers []Count
	// Gaps are the words that two or more of the month's unanswered
	// questions ask about and no member's declared expertise covers,
	// the most frequent first.
	Gaps []Count
}

// Count is a name or a word and how often.
type Count struct {
	Name string
	N    int
}

// AnsweredShare is the share of the month's questions answered, 0 to 1.
func (m Month) AnsweredShare() float64 {
	if m.Questions == 0 {
		return 0
	}
	return float64(m.Answered) / float64(m.Questions)
}

// BackShare is the share of the month's newcomers who came back.
func (m Month) BackShare() float64 {
	if m.Newcomers == 0 {
		return 0
	}
	return float64(m.Back) / float64(m.Newcomers)
}

const (
	// featureChunk is how many threads' first posts' features are read
	// at once.
	featureChunk = 2000
	maxHelpers   = 5
	maxGaps      = 5
	gapTerms     = 4 // words taken from each unanswered question
)

// thread is what the review keeps of a thread while it reads the posts:
// of its first post, only what the questions' count reads (a whole
// post for each of a large archive's threads would be most of the
// review's memory).
type thread struct {
	rootID      int64
	rootDate    time.Time
	rootSubject string
	rootReply   bool // its first post has a parent: not a thread it opened
	asks        bool // its first post's kept features say it asks for help
	asker       string
	firstAnswer time.Time // zero: nobody else wrote
}

// Review counts the list's months, oldest first, from its first post's
// month to until's (members: the list's, for new members and declared
// expertise). It reads the posts once, as they come, keeping per author
// and per thread what the counts need, never the posts themselves: the
// review of a 356,800-post archive held every row at once (over 500 MB).
func Review(ctx context.Context, st Store, listID int64, members []*store.Member, until time.Time) ([]Month, error) {
	var (
		first     time.Time
		months    []Month
		active    []map[string]bool
		helped    []map[string]int
		threads   = map[string]*thread{}
		firstPost = map[string]time.Time{}
		back      = map[string]bool{}
		names     = map[string]string{}
		keys      = map[[2]string]string{}
	)
	index := func(t time.Time) int {
		y, mo, _ := t.UTC().Date()
		fy, fm, _ := first.Date()
		return (y-fy)*12 + int(mo-fm)
	}
	err := st.ArchiveEach(ctx, listID, time.Time{}, func(p *store.ArchivedPost) error {
		if !p.Date.Before(until) {
			return errStop
		}
		if months == nil {
			// The first post (they come oldest first) sets the months.
			first = monthOf(p.Date)
			for m := first; m.Before(until); m = m.AddDate(0, 1, 0) {
				months = append(months, Month{Start: m})
				active, helped = append(active, map[string]bool{}), append(helped, map[string]int{})
			}
		}
		i := index(p.Date)
		// An author's key and name, worked out once per From: a list's
		// year is mostly the same few people.
		from := [2]string{p.FromAddr, p.FromName}
		key, ok := keys[from]
		if !ok {
			key = mailmsg.AuthorKey(p.FromAddr, p.FromName)
			keys[from] = key
			names[key] = learn.DisplayName(mailmsg.Demunged(p.FromName), p.FromAddr)
		}
		months[i].Posts++
		active[i][key] = true
		if t0, ok := firstPost[key]; !ok {
			firstPost[key] = p.Date
			months[i].Newcomers++
		} else if !back[key] && p.Date.Sub(t0) <= Returned {
			back[key] = true
			months[index(t0)].Back++
		}
		t := threads[p.ThreadID]
		if t == nil {
			threads[p.ThreadID] = &thread{rootID: p.ID, rootDate: p.Date, rootSubject: p.Subject, rootReply: p.ParentID != "", asker: key}
			return nil
		}
		if key != t.asker {
			if t.firstAnswer.IsZero() {
				t.firstAnswer = p.Date
			}
			helped[i][key]++
		}
		return nil
	})
	if err != nil && !errors.Is(err, errStop) {
		return nil, fmt.Errorf("health: %w", err)
	}
	if months == nil {
		return nil, nil
	}
	df := learn.NewDocFreq()
	// The questions: threads opened by a post that asks. Only the
	// threads' first posts are read for it, and their words weigh the
	// words of the questions left unanswered.
	// Read a few thousand at a time: only their terms' counts and
	// whether each asks are kept.
	all := make([]*thread, 0, len(threads))
	for _, t := range threads {
		all = append(all, t)
	}
	for len(all) > 0 {
		chunk := all[:min(len(all), featureChunk)]
		all = all[len(chunk):]
		ids := make([]int64, len(chunk))
		for i, t := range chunk {
			ids[i] = t.rootID
		}
		feats, err := st.PostFeatures(ctx, ids, false)
		if err != nil {
			return nil, fmt.Errorf("health: %w", err)
		}
		for _, t := range chunk {
			if f := feats[t.rootID]; f != nil {
				df.AddTerms(f.Terms)
				t.asks = learn.Features(f.Flags).Has(learn.FeatAsks)
			}
		}
	}
	waits := make([][]time.Duration, len(months))
	var unanswered []*thread
	for _, t := range threads {
		if t.rootReply || !t.asks || !learn.StartsThread(t.rootSubject) {
			continue
		}
		i := index(t.rootDate)
		months[i].Questions++
		if t.firstAnswer.IsZero() {
			unanswered = append(unanswered, t)
			continue
		}
		months[i].Answered++
		waits[i] = append(waits[i], t.firstAnswer.Sub(t.rootDate))
	}
	for i := range months {
		months[i].Active = len(active[i])
		months[i].FirstAnswer = median(waits[i])
		months[i].Helpers = top(helped[i], names, maxHelpers)
	}
	for _, m := range members {
		if i := index(m.CreatedAt); !m.CreatedAt.Before(first) && i < len(months) {
			months[i].NewMembers++
		}
	}
	gaps(months, index, unanswered, df, members)
	return months, nil
}

// gaps counts, month by month, the words of the unanswered questions'
// subjects that no member's declared expertise covers.
func gaps(months []Month, index func(time.Time) int, unanswered []*thread, df *learn.DocFreq, members []*store.Member) {
	if len(unanswered) == 0 {
		return
	}
	var known []string
	for _, m := range members {
		for _, e := range strings.FieldsFunc(strings.ToLower(m.Expertise), func(r rune) bool { return r == ',' || r == ';' || r == '\n' }) {
			if e = strings.TrimSpace(e); e != "" {
				known = append(known, e)
			}
		}
	}
	covered := func(w string) bool {
		w = strings.ToLower(w)
		for _, k := range known {
			if strings.Contains(k, w) || strings.Contains(w, k) {
				return true
			}
		}
		return false
	}
	counts := make([]map[string]int, len(months))
	for _, t := range unanswered {
		i := index(t.rootDate)
		if counts[i] == nil {
			counts[i] = map[string]int{}
		}
		// The topic is what the subject names: the body's logs,
		// disclaimers and pasted code would speak louder than it.
		for _, w := range learn.QueryTerms(learn.CleanSubject(t.rootSubject), "", df, gapTerms) {
			if !covered(w) {
				counts[i][w]++
			}
		}
	}
	for i := range months {
		// A word of one question alone is that question, not a topic.
		for w, n := range counts[i] {
			if n < 2 {
				delete(counts[i], w)
			}
		}
		months[i].Gaps = top(counts[i], nil, maxGaps)
	}
}

// top returns the n largest counts, names (when given) for their keys.
func top(m map[string]int, names map[string]string, n int) []Count {
	var out []Count
	for k, c := range m {
		name := k
		if names != nil {
			name = names[k]
		}
		out = append(out, Count{Name: name, N: c})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].N != out[j].N {
			return out[i].N > out[j].N
		}
		return out[i].Name < out[j].Name
	})
	return out[:min(len(out), n)]
}

func median(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
	if len(ds)%2 == 1 {
		return ds[len(ds)/2]
	}
	return (ds[len(ds)/2-1] + ds[len(ds)/2]) / 2
}

func monthOf(t time.Time) time.Time {
	y, m, _ := t.UTC().Date()
	return time.Date(y, m, 1, 0, 0, 0, 0, time.UTC)
}

var errStop = errors.New("stop")
