// Package suggest meets a new question with the answers the community
// already gave: when the indexer has taken in a post that opens a thread
// and asks for help, it finds the list's related answered threads
// (archive/related), keeps them (the thread's page and the summary show
// them), and, where the list's owner turned it on (`list set
// --suggest-related private`), mails them to the asker alone: once per
// thread whatever the number of nodes, only to a member who did not turn
// suggestions off, never to the list.
package suggest

import (
	"context"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"praxis/archive/learn"
	"praxis/archive/related"
	"praxis/listserv/mailmsg"
	"praxis/listserv/notice"
	"praxis/listserv/store"
	"praxis/templates"
)

// Live bounds how long after a post's date it is still met with
// suggestions: an import of an old archive, or a node catching up on a
// long index log, mails nobody about questions asked long ago.
const Live = 24 * time.Hour

// Store is what the suggester reads and writes.
type Store interface {
	ListByID(ctx context.Context, id int64) (*store.List, error)
	Member(ctx context.Context, listID int64, addr string) (*store.Member, error)
	PostFeatures(ctx context.Context, ids []int64, text bool) (map[int64]*store.PostFeatures, error)
	PutRelated(ctx context.Context, listID int64, threadID string, rs []store.RelatedThread) (bool, error)
	CameAsPost(ctx context.Context, listID int64, messageID string) (bool, error)
}

// Finder finds related threads (archive/related.Finder).
type Finder interface {
	Find(ctx context.Context, l *store.List, q related.Question) ([]related.Thread, error)
}

// Notices queues a mail once (notice.Sender).
type Notices interface {
	SendOnce(ctx context.Context, claim store.JobClaim, n *notice.Notice) (bool, error)
}

// Suggester handles what the indexer took in.
type Suggester struct {
	store   Store
	find    Finder
	notices Notices
	baseURL string
	now     func() time.Time
	log     *slog.Logger
	// retryWait is the first wait before a question met with the
	// database away is tried again (RetryWait).
	retryWait time.Duration
}

// RetryWait is how long the suggester first waits before it tries a new
// question again whose related threads it could not keep or mail
// because the database was away (a restart, a lost connection): the
// indexer has moved on by then and would not bring the question back, so
// without it the asker's mail was lost to a blip. It doubles, up to
// retryBudget in all for one batch of the index; a question still failing
// then is logged and left.
const RetryWait = time.Second

// retryBudget bounds the waits of one batch (which holds the indexer).
// In first waits: 8 lets the waits 1, 2 and 4 run (three tries more).
const retryBudget = 8

// SetRetryWait sets the first wait before a question is tried again
// (tests: milliseconds).
func (s *Suggester) SetRetryWait(d time.Duration) { s.retryWait = d }

// New builds a suggester; baseURL makes the links in its mail.
func New(st Store, find Finder, notices Notices, baseURL string, now func() time.Time, log *slog.Logger) *Suggester {
	return &Suggester{store: st, find: find, notices: notices, baseURL: strings.TrimRight(baseURL, "/"), now: now, log: log, retryWait: RetryWait}
}

// Indexed looks at a batch the indexer applied: each live post that
// opens a thread and asks is met with its related threads. A question
// met with the database away is tried again (RetryWait); a failure is
// then logged, never returned: the index is up to date either way.
func (s *Suggester) Indexed(ctx context.Context, changes []store.IndexChange) {
	budget := retryBudget * s.retryWait
	for _, c := range changes {
		if c.Gone() || c.Reindex || !s.live(c) || c.ParentID != "" || c.ThreadID != c.MessageID {
			continue
		}
		err := s.question(ctx, c.ArchivedPost)
		// The database away: tried again after a wait (the claim makes
		// a second try mail no one twice).
		for wait := s.retryWait; store.Unavailable(err) && ctx.Err() == nil && wait <= budget; wait *= 2 {
			t := time.NewTimer(wait)
			select {
			case <-ctx.Done():
			case <-t.C:
			}
			t.Stop()
			budget -= wait
			err = s.question(ctx, c.ArchivedPost)
		}
		if err != nil {
			s.log.Warn("related threads for a new question", "list", c.List, "message_id", c.MessageID, "err", err)
		}
	}
}

// live tells a post archived as it came (its date near the time it was
// archived) and lately.
func (s *Suggester) live(c store.IndexChange) bool {
	d := c.At.Sub(c.Date)
	return d < Live && d > -Live && s.now().Sub(c.At) < Live
}

func (s *Suggester) question(ctx context.Context, p *store.ArchivedPost) error {
	feats, err := s.store.PostFeatures(ctx, []int64{p.ID}, true)
	if err != nil {
		return err
	}
	f := feats[p.ID]
	if f == nil || f.Version != learn.FeaturesVersion || !learn.Features(f.Flags).Has(learn.FeatAsks) {
		return nil
	}
	if !learn.StartsThread(p.Subject) {
		return nil // a reply to a post the archive does not have
	}
	l, err := s.store.ListByID(ctx, p.ListID)
	if err != nil {
		return err
	}
	found, err := s.find.Find(ctx, l, related.Question{MessageID: p.MessageID, ThreadID: p.ThreadID, Subject: p.Subject, Text: f.Own, Date: p.Date})
	if err != nil || len(found) == 0 {
		return err
	}
	rs := make([]store.RelatedThread, len(found))
	for i, t := range found {
		rs[i] = store.RelatedThread{ThreadID: t.ThreadID, Subject: t.Subject, Date: t.Date, Posts: t.Posts, Score: t.Score}
	}
	if _, err := s.store.PutRelated(ctx, l.ID, p.ThreadID, rs); err != nil {
		return err
	}
	if l.SuggestRelated != store.SuggestPrivate {
		return nil
	}
	return s.mail(ctx, l, p, rs)
}

// mail sends the related threads to the asker, when a member who wants
// them: one mail per thread on any number of nodes (the claim).
func (s *Suggester) mail(ctx context.Context, l *store.List, p *store.ArchivedPost, rs []store.RelatedThread) error {
	// Only a question that came to the list as mail: an import of
	// recent posts mails nobody.
	if came, err := s.store.CameAsPost(ctx, l.ID, p.MessageID); err != nil || !came {
		return err
	}
	// The asker as the list knows them: the From address it took the
	// post from. Behind a From another list munged ("Ann via Other"),
	// the author is only named by Reply-To or X-Original-From, which
	// the poster writes as they like: nobody, rather than whichever
	// member the poster named there.
	addr := strings.ToLower(p.FromAddr)
	if addr == "" || mailmsg.Demunged(p.FromName) != p.FromName {
		return nil
	}
	m, err := s.store.Member(ctx, l.ID, addr)
	if err != nil || m.SuggestionsOff || m.Status != store.StatusEnabled {
		return nil // not a member (or gone), or does not want them
	}
	type link struct {
		N                 int
		Subject, URL, Day string
		Posts             int
	}
	var links []link
	for i, r := range rs {
		links = append(links, link{N: i + 1, Subject: learn.CleanSubject(r.Subject), URL: s.baseURL + templates.ThreadPath(l.Address, r.ThreadID),
			Day: r.Date.UTC().Format("2 January 2006"), Posts: r.Posts})
	}
	_, err = s.notices.SendOnce(ctx, store.JobClaim{Job: "related-mail", Period: strconv.FormatInt(l.ID, 10) + " " + p.ThreadID}, &notice.Notice{
		List: l, To: []string{addr}, Subject: "Answered before: " + learn.CleanSubject(p.Subject), Template: "related.txt",
		Auto: "auto-replied", InReply: p.MessageID,
		Data: map[string]any{"Subject": learn.CleanSubject(p.Subject), "Threads": links, "SettingsURL": s.baseURL + "/settings"},
	})
	return err
}
