package related_test

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"praxis/archive"
	"praxis/archive/index"
	"praxis/archive/learn"
	"praxis/archive/mbox"
	"praxis/archive/related"
	"praxis/listserv/mailmsg"
	"praxis/listserv/store"
)

const usrpPath = "../../../shared/corpora/usrp-users-archive/usrp-users-2020-07_2021-12.mbox"

// fixture is the usrp archive on a public list, and a private list holding
// a few of its posts again (new Message-IDs), in one store and one index.
type fixture struct {
	st      *store.Store
	idx     *index.Index
	pub     *store.List
	private *store.List
	raws    [][]byte
}

var (
	once  sync.Once
	fx    *fixture
	fxErr error
)

func usrp(t *testing.T) *fixture {
	t.Helper()
	if _, err := os.Stat(usrpPath); errors.Is(err, fs.ErrNotExist) {
		if os.Getenv("CI") != "" {
			t.Fatalf("corpus %s not present (CI=true makes this a failure)", usrpPath)
		}
		t.Skipf("corpus %s not present", usrpPath)
	}
	once.Do(func() { fx, fxErr = build() })
	if fxErr != nil {
		t.Fatal(fxErr)
	}
	return fx
}

// fixtureDir holds the shared fixture's store and index, removed once
// the package's tests have run (each run left 132 MB in the temp dir).
var fixtureDir string

func TestMain(m *testing.M) {
	code := m.Run()
	if fx != nil {
		fx.idx.Close()
		fx.st.Close()
	}
	if fixtureDir != "" {
		os.RemoveAll(fixtureDir)
	}
	os.Exit(code)
}

func build() (*fixture, error) {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "praxis-related-test-")
	if err != nil {
		return nil, err
	}
	fixtureDir = dir
	st, err := store.Open(ctx, dir, store.Options{})
	if err != nil {
		return nil, err
	}
	f := &fixture{st: st}
	f.pub = store.NewList("usrp-users@lists.ettus.com", "USRP-users")
	f.private = store.NewList("secret@lists.example.org", "Secret")
	f.private.ArchivePolicy = store.ArchivePrivate
	for _, l := range []*store.List{f.pub, f.private} {
		if err := st.CreateList(ctx, l); err != nil {
			return nil, err
		}
	}
	file, err := os.Open(usrpPath)
	if err != nil {
		return nil, err
	}
	defer file.Close()
	r, err := mbox.NewReader(file)
	if err != nil {
		return nil, err
	}
	for {
		m, err := r.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		f.raws = append(f.raws, m.Raw)
	}
	arch := archive.NewArchiver(st, func() time.Time { return time.Date(2022, 1, 1, 0, 0, 0, 0, time.UTC) })
	for i := 0; i < len(f.raws); i += 500 {
		if _, _, err := arch.ArchiveMany(ctx, f.pub, f.raws[i:min(i+500, len(f.raws))]); err != nil {
			return nil, err
		}
	}
	f.idx, err = index.Open(filepath.Join(dir, "index"), index.Options{})
	if err != nil {
		return nil, err
	}
	if _, err := archive.NewIndexer(st, f.idx, slog.New(slog.NewTextHandler(io.Discard, nil))).CatchUp(ctx); err != nil {
		return nil, err
	}
	return f, nil
}

// question makes a Question of an archived post, as the indexer does.
func (f *fixture) question(t *testing.T, l *store.List, p *store.ArchivedPost) related.Question {
	t.Helper()
	raw, err := f.st.ArchiveRaw(context.Background(), p.Hash)
	if err != nil {
		t.Fatal(err)
	}
	own, _ := learn.PostText(p.Subject, raw)
	return related.Question{MessageID: p.MessageID, ThreadID: p.ThreadID, Subject: p.Subject, Text: own, Date: p.Date}
}

// TestRelatedUSRP: for the questions that open a thread in the archive's
// last three months, every related thread offered is of the same list,
// was first posted before the question, and was answered before it; and
// many questions do get some (the threshold is not so high that none
// pass).
func TestRelatedUSRP(t *testing.T) {
	f := usrp(t)
	ctx := context.Background()
	finder := related.New(f.idx, f.st, time.Now)
	from := time.Date(2021, 10, 1, 0, 0, 0, 0, time.UTC)
	var questions []*store.ArchivedPost
	err := f.st.ArchiveEach(ctx, f.pub.ID, from, func(p *store.ArchivedPost) error {
		if p.ParentID == "" && p.ThreadID == p.MessageID && !strings.HasPrefix(strings.ToLower(p.Subject), "re:") {
			questions = append(questions, p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(questions) < 50 {
		t.Fatalf("%d thread-opening posts in the last three months, want at least 50", len(questions))
	}
	offered := 0
	for _, q := range questions {
		got, err := finder.Find(ctx, f.pub, f.question(t, f.pub, q))
		if err != nil {
			t.Fatal(err)
		}
		if len(got) > 0 {
			offered++
		}
		for _, r := range got {
			if r.ThreadID == q.ThreadID {
				t.Errorf("%s: offered its own thread", q.MessageID)
			}
			posts, err := f.st.ArchiveThread(ctx, f.pub.ID, r.ThreadID)
			if err != nil || len(posts) == 0 {
				t.Fatalf("%s: offered thread %s is not the list's: %v", q.MessageID, r.ThreadID, err)
			}
			if !posts[0].Date.Before(q.Date) {
				t.Errorf("%s (%s): offered thread %s started %s, not before it", q.MessageID, q.Date, r.ThreadID, posts[0].Date)
			}
			others := 0
			for _, p := range posts {
				// People as the archive tells them apart: on a list that
				// rewrote From, by name.
				if p.Date.Before(q.Date) && mailmsg.AuthorKey(p.FromAddr, p.FromName) != mailmsg.AuthorKey(posts[0].FromAddr, posts[0].FromName) {
					others++
				}
			}
			if others == 0 {
				t.Errorf("%s: offered thread %s had no answer before the question", q.MessageID, r.ThreadID)
			}
		}
	}
	t.Logf("%d of %d questions got related threads", offered, len(questions))
	if offered*4 < len(questions) {
		t.Errorf("only %d of %d questions got a related thread", offered, len(questions))
	}
}

// TestRelatedResentQuestion: a question sent again (a new Message-ID, the
// same words, a month later) finds its first sending's thread first.
func TestRelatedResentQuestion(t *testing.T) {
	f := usrp(t)
	ctx := context.Background()
	finder := related.New(f.idx, f.st, time.Now)
	// Answered questions of the archive's last months, sent again.
	var originals []*store.ArchivedPost
	err := f.st.ArchiveEach(ctx, f.pub.ID, time.Date(2021, 9, 1, 0, 0, 0, 0, time.UTC), func(p *store.ArchivedPost) error {
		if p.ParentID == "" && p.ThreadID == p.MessageID && len(originals) < 40 {
			originals = append(originals, p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	tried, first := 0, 0
	for _, o := range originals {
		posts, _ := f.st.ArchiveThread(ctx, f.pub.ID, o.ThreadID)
		answered := false
		for _, p := range posts {
			answered = answered || mailmsg.AuthorKey(p.FromAddr, p.FromName) != mailmsg.AuthorKey(o.FromAddr, o.FromName)
		}
		if !answered {
			continue
		}
		q := f.question(t, f.pub, o)
		if len(learn.QueryTerms(q.Subject, q.Text, learn.NewDocFreq(), 12)) < 4 {
			continue // says too little to be found again by its words
		}
		q.MessageID, q.ThreadID = "resent."+o.MessageID, "resent."+o.MessageID
		q.Date = posts[len(posts)-1].Date.Add(30 * 24 * time.Hour)
		got, err := finder.Find(ctx, f.pub, q)
		if err != nil {
			t.Fatal(err)
		}
		tried++
		if len(got) > 0 && got[0].ThreadID == o.ThreadID {
			first++
		} else {
			var ids []string
			for _, g := range got {
				ids = append(ids, g.ThreadID)
			}
			t.Errorf("%q sent again: related %v, want %s first", o.Subject, ids, o.ThreadID)
		}
	}
	if tried < 10 {
		t.Fatalf("only %d answered questions tried", tried)
	}
	t.Logf("%d of %d questions sent again found their thread first", first, tried)
}

// TestRelatedNeverCrossesLists: a private list holding the same questions
// (new Message-IDs) is never offered to the public list's question, nor
// the public list's to the private one's.
func TestRelatedNeverCrossesLists(t *testing.T) {
	f := usrp(t)
	ctx := context.Background()
	// The private list holds copies of the public list's last posts, with
	// other Message-IDs.
	var copies [][]byte
	for _, raw := range f.raws[len(f.raws)-300:] {
		copies = append(copies, secretIDs(raw))
	}
	arch := archive.NewArchiver(f.st, time.Now)
	if _, _, err := arch.ArchiveMany(ctx, f.private, copies); err != nil {
		t.Fatal(err)
	}
	if _, err := archive.NewIndexer(f.st, f.idx, slog.New(slog.NewTextHandler(io.Discard, nil))).CatchUp(ctx); err != nil {
		t.Fatal(err)
	}
	finder := related.New(f.idx, f.st, time.Now)
	private := map[string]bool{}
	err := f.st.ArchiveEach(ctx, f.private.ID, time.Time{}, func(p *store.ArchivedPost) error {
		private[p.ThreadID] = true
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// Thread ids are a list's own (two lists may hold the same one): an
	// offered thread is checked by reading it in the list that asked.
	mine := func(l *store.List, threadID string) bool {
		posts, err := f.st.ArchiveThread(ctx, l.ID, threadID)
		if err != nil || len(posts) == 0 {
			return false
		}
		for _, p := range posts {
			if strings.HasPrefix(p.MessageID, "secret.") != (l == f.private) {
				return false
			}
		}
		return true
	}
	checked := 0
	err = f.st.ArchiveEach(ctx, f.pub.ID, time.Date(2021, 11, 1, 0, 0, 0, 0, time.UTC), func(p *store.ArchivedPost) error {
		if p.ParentID != "" {
			return nil
		}
		got, err := finder.Find(ctx, f.pub, f.question(t, f.pub, p))
		if err != nil {
			return err
		}
		checked++
		for _, r := range got {
			if !mine(f.pub, r.ThreadID) {
				t.Errorf("public question %s offered thread %s, not the public list's", p.MessageID, r.ThreadID)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for id := range private {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	privateOffered := 0
	for _, id := range ids[:min(40, len(ids))] {
		posts, _ := f.st.ArchiveThread(ctx, f.private.ID, id)
		q := f.question(t, f.private, posts[0])
		got, err := finder.Find(ctx, f.private, q)
		if err != nil {
			t.Fatal(err)
		}
		privateOffered += len(got)
		for _, r := range got {
			if !mine(f.private, r.ThreadID) {
				t.Errorf("private question %s offered thread %s, not the private list's", q.MessageID, r.ThreadID)
			}
		}
	}
	if checked < 20 || privateOffered == 0 {
		t.Fatalf("only %d public questions checked, %d threads offered to private ones", checked, privateOffered)
	}
}

// secretIDs gives a message other ids: every id of its Message-ID,
// In-Reply-To and References fields starts "secret.".
func secretIDs(raw []byte) []byte {
	head, body, _ := strings.Cut(string(raw), "\n\n")
	lines := strings.Split(head, "\n")
	inIDs := false
	for i, line := range lines {
		if line != "" && (line[0] == ' ' || line[0] == '\t') {
			if inIDs {
				lines[i] = strings.ReplaceAll(line, "<", "<secret.")
			}
			continue
		}
		name, _, _ := strings.Cut(strings.ToLower(line), ":")
		inIDs = name == "message-id" || name == "in-reply-to" || name == "references"
		if inIDs {
			lines[i] = strings.ReplaceAll(line, "<", "<secret.")
		}
	}
	return []byte(strings.Join(lines, "\n") + "\n\n" + body)
}

// weightsCount counts the posts whose terms the weights read (the reads
// without text).
type weightsCount struct {
	*store.Store
	mu    sync.Mutex
	terms int
}

func (w *weightsCount) PostFeatures(ctx context.Context, ids []int64, text bool) (map[int64]*store.PostFeatures, error) {
	if !text {
		w.mu.Lock()
		w.terms += len(ids)
		w.mu.Unlock()
	}
	return w.Store.PostFeatures(ctx, ids, text)
}

// TestWeightsCountTheLastPosts: a list's word weights count its year's
// posts, or its last weightPosts when the year holds more (at a hundred
// times usrp-users' traffic, a year's terms took a thread's first page
// 15 s), and a finder whose weights count fewer still finds the threads
// it found.
func TestWeightsCountTheLastPosts(t *testing.T) {
	f := usrp(t)
	ctx := context.Background()
	var q *store.ArchivedPost
	err := f.st.ArchiveEach(ctx, f.pub.ID, time.Date(2021, 12, 1, 0, 0, 0, 0, time.UTC), func(p *store.ArchivedPost) error {
		if q == nil && p.ParentID == "" && p.ThreadID == p.MessageID && !strings.HasPrefix(strings.ToLower(p.Subject), "re:") {
			q = p
		}
		return nil
	})
	if err != nil || q == nil {
		t.Fatalf("no question in December 2021: %v", err)
	}
	whole := &weightsCount{Store: f.st}
	all, err := related.New(f.idx, whole, time.Now).Find(ctx, f.pub, f.question(t, f.pub, q))
	if err != nil {
		t.Fatal(err)
	}
	if whole.terms < 2000 {
		t.Errorf("the weights read %d posts' terms, not a year of usrp-users (about 2,500)", whole.terms)
	}
	few := &weightsCount{Store: f.st}
	finder := related.New(f.idx, few, time.Now)
	related.SetMaxPosts(finder, 800)
	got, err := finder.Find(ctx, f.pub, f.question(t, f.pub, q))
	if err != nil {
		t.Fatal(err)
	}
	// Posts dated the second of the 800th newest are counted too.
	if few.terms < 800 || few.terms > 850 {
		t.Errorf("capped at 800, the weights read %d posts' terms", few.terms)
	}
	t.Logf("%d related threads with a year's weights, %d with the last 800 posts'", len(all), len(got))
	if len(all) > 0 && len(got) == 0 {
		t.Errorf("the last 800 posts' weights found none of %d threads", len(all))
	}
}
