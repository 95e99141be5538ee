package answers_test

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"praxis/archive/answers"
	"praxis/archive/usrptest"
	"praxis/listserv/mailmsg"
	"praxis/listserv/store"
)

// TestLibraryUSRP: the library of the usrp archive holds the threads whose
// question got an accepted answer: every entry's thread has a reply after
// its question, and its best answer is by someone other than the asker,
// dated after the question; judging again from where it stands changes
// nothing.
func TestLibraryUSRP(t *testing.T) {
	st, l := usrptest.Store(t)
	ctx := context.Background()
	judged, err := answers.Update(ctx, st, l)
	if err != nil {
		t.Fatal(err)
	}
	entries, err := st.Answers(ctx, l.ID, store.AnswerQuery{Limit: 10000})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d threads judged, %d entries", judged, len(entries))
	if len(entries) < 100 {
		t.Errorf("only %d entries in the library of %d threads", len(entries), judged)
	}
	for _, e := range entries {
		posts, err := st.ArchiveThread(ctx, l.ID, e.ThreadID)
		if err != nil {
			t.Fatal(err)
		}
		var q, a *store.ArchivedPost
		replies := 0
		for _, p := range posts {
			switch p.MessageID {
			case e.QuestionID:
				q = p
			case e.AnswerID:
				a = p
			}
			if q != nil && p.Date.After(q.Date) {
				replies++
			}
		}
		if q == nil || a == nil || replies == 0 {
			t.Errorf("%s: question %v, answer %v, %d replies after the question", e.ThreadID, q != nil, a != nil, replies)
			continue
		}
		if mailmsg.AuthorKey(a.FromAddr, a.FromName) == mailmsg.AuthorKey(q.FromAddr, q.FromName) {
			t.Errorf("%s: the best answer is the asker's own", e.ThreadID)
		}
		if !a.Date.After(q.Date) {
			t.Errorf("%s: the answer (%s) is not after the question (%s)", e.ThreadID, a.Date, q.Date)
		}
		if e.Title == "" || e.Gist == "" || strings.TrimSpace(e.Question) == "" {
			t.Errorf("%s: an empty field: %+v", e.ThreadID, e)
		}
	}
	if n, err := answers.Update(ctx, st, l); err != nil || n != 0 {
		t.Errorf("a second Update judged %d threads, %v", n, err)
	}
}

// countingStore counts the threads judged (ArchiveThread), and cancels
// cancel once PutAnswers has written stopAfter times.
type countingStore struct {
	*store.Store
	mu        sync.Mutex
	read      map[string]int
	puts      int
	stopAfter int
	cancel    context.CancelFunc
}

func (c *countingStore) ArchiveThread(ctx context.Context, listID int64, threadID string) ([]*store.ArchivedPost, error) {
	c.mu.Lock()
	c.read[threadID]++
	c.mu.Unlock()
	return c.Store.ArchiveThread(ctx, listID, threadID)
}

func (c *countingStore) PutAnswers(ctx context.Context, listID, upto int64, judged []store.Judged) error {
	err := c.Store.PutAnswers(ctx, listID, upto, judged)
	c.mu.Lock()
	c.puts++
	if c.puts == c.stopAfter {
		c.cancel()
	}
	c.mu.Unlock()
	return err
}

// TestUpdateJudgesAThreadOnce: making the usrp archive's library judges
// each thread once, however many of its posts came in apart (judged per
// 500 posts, a thread was read again for each), and a making stopped
// after its first transaction keeps the posts it had not judged all the
// threads of as not judged: the next making ends with the same library
// as one made in one go.
func TestUpdateJudgesAThreadOnce(t *testing.T) {
	st, l := usrptest.Store(t)
	ctx, cancel := context.WithCancel(context.Background())
	c := &countingStore{Store: st, read: map[string]int{}, stopAfter: 1, cancel: cancel}
	if _, err := answers.Update(ctx, c, l); !errors.Is(err, context.Canceled) {
		t.Fatalf("a making stopped: %v", err)
	}
	upto, err := st.AnswersUpTo(context.Background(), l.ID)
	if err != nil {
		t.Fatal(err)
	}
	if upto != 0 {
		t.Errorf("a making stopped after one transaction of its window kept up to post %d as judged", upto)
	}
	c.read, c.cancel = map[string]int{}, func() {}
	if _, err := answers.Update(context.Background(), c, l); err != nil {
		t.Fatal(err)
	}
	var threads int
	seen := map[string]bool{}
	if err := st.ArchiveEach(context.Background(), l.ID, time.Time{}, func(p *store.ArchivedPost) error {
		if !seen[p.ThreadID] {
			seen[p.ThreadID] = true
			threads++
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if len(c.read) != threads {
		t.Errorf("%d threads judged of %d", len(c.read), threads)
	}
	for id, n := range c.read {
		if n != 1 {
			t.Errorf("thread %s judged %d times", id, n)
		}
	}
	got, err := st.Answers(context.Background(), l.ID, store.AnswerQuery{Limit: 100000})
	if err != nil {
		t.Fatal(err)
	}

	// The same library made in one go, on a store of its own.
	st2, l2 := usrptest.Store(t)
	if _, err := answers.Update(context.Background(), st2, l2); err != nil {
		t.Fatal(err)
	}
	want, err := st2.Answers(context.Background(), l2.ID, store.AnswerQuery{Limit: 100000})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) {
		t.Fatalf("%d entries after a stopped making, %d made in one go", len(got), len(want))
	}
	for i := range got {
		g, w := *got[i], *want[i]
		g.ListID, w.ListID = 0, 0
		if !reflect.DeepEqual(g, w) {
			t.Errorf("entry %d: %+v, made in one go %+v", i, g, w)
		}
	}
}

// TestStaleJudgementChangesNothing: a thread judged before a moderator's
// correction and written after it (a making on another node) neither
// brings back the entry the correction took away nor takes away the one
// it put back; judged after it, the correction holds.
func TestStaleJudgementChangesNothing(t *testing.T) {
	st, l := usrptest.Store(t)
	ctx := context.Background()
	if _, err := answers.Update(ctx, st, l); err != nil {
		t.Fatal(err)
	}
	entries, err := st.Answers(ctx, l.ID, store.AnswerQuery{Limit: 1})
	if err != nil || len(entries) == 0 {
		t.Fatalf("no entry to correct: %v", err)
	}
	thread := entries[0].ThreadID
	inLibrary := func() bool {
		t.Helper()
		as, err := st.Answers(ctx, l.ID, store.AnswerQuery{Threads: []string{thread}, Limit: 1})
		if err != nil {
			t.Fatal(err)
		}
		return len(as) == 1
	}
	before, err := answers.Judge(ctx, st, l, thread)
	if err != nil || before.Entry == nil || before.PostID == 0 || before.Edits != 0 {
		t.Fatalf("the thread judged before the correction: %+v %v", before, err)
	}
	if _, err := answers.Correct(ctx, st, l, store.AnswerEdit{ThreadID: thread, At: time.Now(), Actor: "test", Action: store.EditUnmark}); err != nil {
		t.Fatal(err)
	}
	if inLibrary() {
		t.Fatal("the correction did not take the entry away")
	}
	if err := st.PutAnswers(ctx, l.ID, 0, []store.Judged{before}); err != nil {
		t.Fatal(err)
	}
	if inLibrary() {
		t.Error("a judgement made before the correction and written after it brought the entry back")
	}
	unmarked, err := answers.Judge(ctx, st, l, thread)
	if err != nil || unmarked.Entry != nil || unmarked.Edits != 1 || unmarked.PostID != before.PostID {
		t.Fatalf("the thread judged after the correction: %+v %v", unmarked, err)
	}
	if _, err := answers.Correct(ctx, st, l, store.AnswerEdit{ThreadID: thread, At: time.Now(), Actor: "test", Action: store.EditMark}); err != nil {
		t.Fatal(err)
	}
	if err := st.PutAnswers(ctx, l.ID, 0, []store.Judged{unmarked}); err != nil {
		t.Fatal(err)
	}
	if !inLibrary() {
		t.Error("a judgement made before the second correction took the entry away after it")
	}
}
