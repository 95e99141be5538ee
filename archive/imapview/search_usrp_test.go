package imapview

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"net/textproto"
	"os"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/emersion/go-imap"
	sortthread "github.com/emersion/go-imap-sortthread"

	"praxis/archive/mbox"
)

// usrpPath is the usrp-users archive (3,568 real posts, 2020-07..2021-12)
// beside the module.
const usrpPath = "../../../shared/corpora/usrp-users-archive/usrp-users-2020-07_2021-12.mbox"

// usrpRaws reads the usrp archive's messages; a missing corpus skips the
// test, or fails it under CI=true.
func usrpRaws(t *testing.T) [][]byte {
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
	r, err := mbox.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	var raws [][]byte
	for {
		m, err := r.Next()
		if errors.Is(err, io.EOF) {
			return raws
		}
		if err != nil {
			t.Fatal(err)
		}
		raws = append(raws, m.Raw)
	}
}

// TestSearchUSRP imports the usrp archive into a real store and index
// and checks SEARCH against a brute-force scan of every stored message,
// SORT's order and THREAD's shape.
func TestSearchUSRP(t *testing.T) {
	if testing.Short() {
		t.Skip("imports and indexes 3,568 posts")
	}
	raws := usrpRaws(t)
	f := openFixture(t, t.TempDir(), raws, fixtureNow)
	if len(f.ids) < 3000 {
		t.Fatalf("imported %d posts, want the whole archive", len(f.ids))
	}
	o := newOracle(t, f)
	s := NewSearcher(f.st, f.idx)
	ctx := context.Background()

	// A word of a subject with a letter outside ASCII, asked in upper
	// case, so that folding is tested on real mail.
	var nonASCII string
	for _, u := range f.ids {
		for _, w := range strings.Fields(o.posts[u].Subject) {
			if strings.IndexFunc(w, func(r rune) bool { return r >= utf8.RuneSelf && unicode.IsLetter(r) }) >= 0 && utf8.RuneCountInString(w) >= 4 {
				nonASCII = strings.ToUpper(strings.TrimFunc(w, func(r rune) bool { return !unicode.IsLetter(r) }))
				break
			}
		}
		if nonASCII != "" {
			break
		}
	}
	if nonASCII == "" {
		t.Fatal("no subject of the archive has a non-ASCII word")
	}
	hdr := func(k, v string) textproto.MIMEHeader { return textproto.MIMEHeader{k: {v}} }
	day := func(s string) time.Time {
		t, err := time.Parse("2-Jan-2006", s)
		if err != nil {
			panic(err)
		}
		return t
	}
	set := func(s string) *imap.SeqSet {
		ss, err := imap.ParseSeqSet(s)
		if err != nil {
			panic(err)
		}
		return ss
	}
	tests := []struct {
		name string
		c    *imap.SearchCriteria
		min  int
	}{
		{`SUBJECT "uhd"`, &imap.SearchCriteria{Header: hdr("Subject", "uhd")}, 100},
		{`FROM "marcus"`, &imap.SearchCriteria{Header: hdr("From", "marcus")}, 100},
		{`HEADER "X-Mailer" ""`, &imap.SearchCriteria{Header: hdr("X-Mailer", "")}, 1},
		{`SUBJECT non-ASCII ` + nonASCII, &imap.SearchCriteria{Header: hdr("Subject", nonASCII)}, 1},
		{`TO "usrp-users"`, &imap.SearchCriteria{Header: hdr("To", "usrp-users")}, 1000},
		{`CC "ettus.com"`, &imap.SearchCriteria{Header: hdr("Cc", "ettus.com")}, 1},
		{`HEADER "Content-Type" "multipart"`, &imap.SearchCriteria{Header: hdr("Content-Type", "multipart")}, 1},
		{`BODY "sample rate"`, &imap.SearchCriteria{Body: []string{"sample rate"}}, 10},
		{`TEXT "timeout" TEXT "x310"`, &imap.SearchCriteria{Text: []string{"timeout", "x310"}}, 10},
		{`SINCE 1-Jan-2021 BEFORE 2-Feb-2021`, &imap.SearchCriteria{Since: day("1-Jan-2021"), Before: day("2-Feb-2021")}, 100},
		{`SENTSINCE 1-Mar-2021 SENTBEFORE 3-Mar-2021`, &imap.SearchCriteria{SentSince: day("1-Mar-2021"), SentBefore: day("3-Mar-2021")}, 1},
		{`LARGER 20000`, &imap.SearchCriteria{Larger: 20000}, 10},
		{`SMALLER 4000 SUBJECT "x"`, &imap.SearchCriteria{Smaller: 4000, Header: hdr("Subject", "x")}, 1},
		{`NOT FROM "marcus"`, &imap.SearchCriteria{Not: []*imap.SearchCriteria{{Header: hdr("From", "marcus")}}}, 1000},
		{`OR SUBJECT "x310" FROM "ettus"`, &imap.SearchCriteria{Or: [][2]*imap.SearchCriteria{{{Header: hdr("Subject", "x310")}, {Header: hdr("From", "ettus")}}}}, 100},
		{`1000:1100 UID 1:*`, &imap.SearchCriteria{SeqNum: set("1000:1100"), Uid: set("1:*")}, 101},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := o.search(t, tt.c)
			if o.unjudged {
				t.Fatal("the web has no form for these words")
			}
			if len(want) < tt.min {
				t.Fatalf("the scan finds %d posts, fewer than %d: the archive is not what the test expects", len(want), tt.min)
			}
			start := time.Now()
			got, err := s.Search(ctx, f.list, tt.c, nil)
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("%d hits in %v", len(got), time.Since(start))
			if got, want := o.comparable(tt.c, got), o.comparable(tt.c, want); !slices.Equal(got, want) {
				t.Errorf("Search finds %d posts, the scan %d; only Search: %v; only the scan: %v",
					len(got), len(want), firstN(minus(got, want), 10), firstN(minus(want, got), 10))
			}
		})
	}

	t.Run("SORT", func(t *testing.T) {
		c := &imap.SearchCriteria{Header: hdr("Subject", "uhd")}
		uids, err := s.Search(ctx, f.list, c, nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, keys := range [][]sortthread.SortCriterion{
			{{Field: sortthread.SortArrival}},
			{{Field: sortthread.SortDate, Reverse: true}},
			{{Field: sortthread.SortFrom}, {Field: sortthread.SortDate}},
			{{Field: sortthread.SortSubject}},
			{{Field: sortthread.SortTo}, {Field: sortthread.SortCc, Reverse: true}},
			{{Field: sortthread.SortSize, Reverse: true}},
		} {
			got, err := s.Sort(ctx, f.list, keys, c, nil)
			if err != nil {
				t.Fatal(err)
			}
			checkSorted(t, o, keys, uids, got)
		}
	})

	t.Run("THREAD", func(t *testing.T) {
		threads, err := s.Thread(ctx, f.list, &imap.SearchCriteria{}, nil)
		if err != nil {
			t.Fatal(err)
		}
		checkThreads(t, o, f.ids, threads)
		if len(threads) < 100 || len(threads) > len(f.ids)/2 {
			t.Errorf("%d threads of %d posts: the archive's threads are not being used", len(threads), len(f.ids))
		}
		// A subset: threads of the posts that match, none other.
		c := &imap.SearchCriteria{Header: hdr("From", "marcus")}
		uids, err := s.Search(ctx, f.list, c, nil)
		if err != nil {
			t.Fatal(err)
		}
		threads, err = s.Thread(ctx, f.list, c, nil)
		if err != nil {
			t.Fatal(err)
		}
		checkThreads(t, o, uids, threads)
	})
}

func firstN(s []uint32, n int) []uint32 { return s[:min(n, len(s))] }

// BenchmarkSearchUSRP times the five searches on the usrp
// archive (the SEARCH part of the bench's IMAP session).
func BenchmarkSearchUSRP(b *testing.B) {
	f, err := os.Open(usrpPath)
	if err != nil {
		b.Skipf("corpus: %v", err)
	}
	r, err := mbox.NewReader(f)
	if err != nil {
		b.Fatal(err)
	}
	var raws [][]byte
	for {
		m, err := r.Next()
		if err != nil {
			break
		}
		raws = append(raws, m.Raw)
	}
	f.Close()
	fx := openFixture(b, b.TempDir(), raws, fixtureNow)
	s := NewSearcher(fx.st, fx.idx)
	day := func(s string) time.Time { t, _ := time.Parse("2-Jan-2006", s); return t }
	for _, bb := range []struct {
		name string
		c    *imap.SearchCriteria
	}{
		{"subject_uhd", &imap.SearchCriteria{Header: textproto.MIMEHeader{"Subject": {"uhd"}}}},
		{"from_marcus", &imap.SearchCriteria{Header: textproto.MIMEHeader{"From": {"marcus"}}}},
		{"body_sample_rate", &imap.SearchCriteria{Body: []string{"sample rate"}}},
		{"text_timeout_x310", &imap.SearchCriteria{Text: []string{"timeout", "x310"}}},
		{"since_before", &imap.SearchCriteria{Since: day("1-Jan-2021"), Before: day("2-Feb-2021")}},
	} {
		b.Run(bb.name, func(b *testing.B) {
			for b.Loop() {
				if _, err := s.Search(context.Background(), fx.list, bb.c, nil); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
