package bench

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/textproto"
	"time"

	"github.com/emersion/go-imap"
	"github.com/emersion/go-imap/client"

	"praxis/archive/imapview"
	"praxis/archive/index"
	"praxis/listserv"
)

// imapRounds is how many times the sessions run after a warm-up round:
// 20 rounds of the 5 searches make the 100 samples a 99th percentile
// needs to be something other than the slowest session.
const imapRounds = 20

// imapSearches are the IMAP session searches (public-inbox-imapd's
// figure was taken on the same ones).
func imapSearches() []*imap.SearchCriteria {
	subject := imap.NewSearchCriteria()
	subject.Header = textproto.MIMEHeader{"Subject": {"uhd"}}
	from := imap.NewSearchCriteria()
	from.Header = textproto.MIMEHeader{"From": {"marcus"}}
	body := imap.NewSearchCriteria()
	body.Body = []string{"sample rate"}
	text := imap.NewSearchCriteria()
	text.Text = []string{"timeout", "x310"}
	dates := imap.NewSearchCriteria()
	dates.Since = time.Date(2021, 1, 1, 0, 0, 0, 0, time.UTC)
	dates.Before = time.Date(2021, 2, 2, 0, 0, 0, 0, time.UTC)
	return []*imap.SearchCriteria{subject, from, body, text, dates}
}

// benchIMAPSession times whole IMAP sessions against the archive on
// loopback: connect, LOGIN anonymous, SELECT, UID SEARCH, UID FETCH of the
// last 50 hits' BODY.PEEK[HEADER], LOGOUT; ten rounds of the searches
// after one that warms the caches. idx is the index the Searcher
// answers BODY and TEXT from.
func benchIMAPSession(ctx context.Context, svc *listserv.Service, idx *index.Index, l *listserv.List, res *Result, progress Progress) error {
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	srv := imapview.New(imapview.Config{Addr: "127.0.0.1:0"}, imapview.Deps{Store: svc.Store(), Search: imapview.NewSearcher(svc.Store(), idx)}, quiet)
	if err := srv.Listen(); err != nil {
		return err
	}
	sctx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- srv.Run(sctx) }()
	defer func() { stop(); <-done }()
	addr := srv.Addr().String()
	searches := imapSearches()
	progress("imap: %d sessions a round, %d rounds", len(searches), imapRounds)
	section := &imap.BodySectionName{BodyPartName: imap.BodyPartName{Specifier: imap.HeaderSpecifier}, Peek: true}
	// phases adds up, per search, the time of each step of its sessions
	// (connect and LOGIN, SELECT, UID SEARCH, UID FETCH, LOGOUT): where a
	// slow session spends it.
	phases := make([][5]time.Duration, len(searches))
	hits := make([]int, len(searches))
	session := func(k int, c *imap.SearchCriteria) error {
		t := time.Now()
		lap := func(i int) {
			now := time.Now()
			phases[k][i] += now.Sub(t)
			t = now
		}
		cl, err := client.Dial(addr)
		if err != nil {
			return err
		}
		defer cl.Terminate()
		if err := cl.Login("anonymous", "bench"); err != nil {
			return err
		}
		lap(0)
		if _, err := cl.Select(l.Address, true); err != nil {
			return err
		}
		lap(1)
		uids, err := cl.UidSearch(c)
		if err != nil {
			return err
		}
		lap(2)
		hits[k] = len(uids)
		if len(uids) > 50 {
			uids = uids[len(uids)-50:]
		}
		if len(uids) > 0 {
			set := new(imap.SeqSet)
			set.AddNum(uids...)
			ch := make(chan *imap.Message, 16)
			go func() {
				for range ch {
				}
			}()
			if err := cl.UidFetch(set, []imap.FetchItem{section.FetchItem()}, ch); err != nil {
				return err
			}
		}
		lap(3)
		err = cl.Logout()
		lap(4)
		return err
	}
	var took []time.Duration
	for round := 0; round <= imapRounds; round++ {
		if round == 1 {
			phases = make([][5]time.Duration, len(searches)) // the warm-up's aside
		}
		for k, c := range searches {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			t0 := time.Now()
			if err := session(k, c); err != nil {
				return fmt.Errorf("bench: imap session: %w", err)
			}
			if round > 0 {
				took = append(took, time.Since(t0))
			}
		}
	}
	p50, p99 := percentiles(took)
	res.IMAPSessionP50Ms, res.IMAPSessionP99Ms = &p50, &p99
	progress("imap: %.2f ms p50, %.2f ms p99 a session", p50, p99)
	for k := range searches {
		ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 / imapRounds }
		p := phases[k]
		progress("imap: search %d (%d hits), mean ms: login %.2f, select %.2f, search %.2f, fetch %.2f, logout %.2f", k+1, hits[k], ms(p[0]), ms(p[1]), ms(p[2]), ms(p[3]), ms(p[4]))
	}
	return nil
}
