package answers_test

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"os"
	"strings"
	"testing"
	"time"

	"praxis/archive"
	"praxis/archive/answers"
	"praxis/archive/mbox"
	"praxis/listserv/mailmsg"
	"praxis/listserv/store"
)

const usrpPath = "../../../shared/corpora/usrp-users-archive/usrp-users-2020-07_2021-12.mbox"

func usrpStore(t *testing.T) (*store.Store, *store.List) {
	t.Helper()
	f, err := os.Open(usrpPath)
	if errors.Is(err, fs.ErrNotExist) {
		if os.Getenv("CI") != "" {
			t.Fatalf("corpus %s not present (CI=true makes this a failure)", usrpPath)
		}
		t.Skipf("corpus %s not present", usrpPath)
	}
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	ctx := context.Background()
	st, err := store.Open(ctx, t.TempDir(), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	l := store.NewList("usrp-users@lists.ettus.com", "USRP-users")
	if err := st.CreateList(ctx, l); err != nil {
		t.Fatal(err)
	}
	r, err := mbox.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	arch := archive.NewArchiver(st, func() time.Time { return time.Date(2022, 1, 1, 0, 0, 0, 0, time.UTC) })
	var raws [][]byte
	flush := func() {
		if _, _, err := arch.ArchiveMany(ctx, l, raws); err != nil {
			t.Fatal(err)
		}
		raws = raws[:0]
	}
	for {
		m, err := r.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if raws = append(raws, m.Raw); len(raws) == 500 {
			flush()
		}
	}
	flush()
	return st, l
}

// TestLibraryUSRP: the library of the usrp archive holds the threads whose
// question got an accepted answer: every entry's thread has a reply after
// its question, and its best answer is by someone other than the asker,
// dated after the question; judging again from where it stands changes
// nothing.
func TestLibraryUSRP(t *testing.T) {
	st, l := usrpStore(t)
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
