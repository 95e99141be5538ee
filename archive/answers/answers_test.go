package answers_test

import (
	"context"
	"strings"
	"testing"

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
