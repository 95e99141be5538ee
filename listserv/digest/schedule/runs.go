package schedule

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"praxis/listserv/check"
	"praxis/listserv/notice"
	"strings"
	"time"

	"praxis/listserv/digest"
	"praxis/listserv/inbound"
	"praxis/listserv/store"
)

// The two kinds of periodic mail, as digest runs name them.
const (
	KindDigest  = "digest"
	KindSummary = "summary"
)

// Store is what the digest runs read and record.
type Store interface {
	digest.Reader
	store.Digests
	Lists(ctx context.Context) ([]*store.List, error)
	MembersWithDelivery(ctx context.Context, listID int64, delivery string) ([]*store.Member, error)
	ArchiveArrivedBetween(ctx context.Context, listID int64, since, until, notBefore time.Time) ([][]byte, error)
	ArchiveBytesArrived(ctx context.Context, listID int64, since, until time.Time) (int64, error)
	ArchiveCountArrived(ctx context.Context, listID int64, since, until, notBefore time.Time) (int, error)
	ArchiveCountBetween(ctx context.Context, listID int64, since, until time.Time) (int, error)
}

// Deps is what the digest runs are built from.
type Deps struct {
	Store   Store
	BaseURL string
	// UnsubscribeURL is a member's one-click link, for a summary's header.
	UnsubscribeURL func(list, addr string) string
	// Queued is called when mail was queued, to wake the delivery queue.
	Queued func()
	Log    *slog.Logger
	Now    func() time.Time
}

// Digests sends each list's daily digest and weekly learning summary to
// the members who asked for them, once per period, even across a crash.
type Digests struct{ d Deps }

// NewDigests builds the digest runs.
func NewDigests(d Deps) *Digests { return &Digests{d: d} }

// Period is the span of posts a digest or summary covers.
type Period struct {
	Start, End time.Time
}

// schedule gives, for a list and kind, the latest period whose mail is due
// at now: the daily digest covers the day up to today's DigestHour in
// the list's time zone (or yesterday's, before that hour); the weekly
// summary covers the seven whole days before the last SummaryWeekday, and
// goes at DigestHour of that day.
func schedule(l *store.List, kind string, now time.Time) (p Period, sendAt time.Time) {
	loc, err := time.LoadLocation(l.TimeZone)
	if err != nil {
		loc = time.UTC
	}
	t := now.In(loc)
	if kind == KindDigest {
		at := time.Date(t.Year(), t.Month(), t.Day(), l.DigestHour, 0, 0, 0, loc)
		if at.After(t) {
			at = at.AddDate(0, 0, -1)
		}
		return Period{Start: at.AddDate(0, 0, -1).UTC(), End: at.UTC()}, at.UTC()
	}
	day := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, loc)
	day = day.AddDate(0, 0, -((int(day.Weekday()) - l.SummaryWeekday + 7) % 7))
	// time.Date, not day + hours: on a daylight-saving day the hour is
	// the clock's.
	at := time.Date(day.Year(), day.Month(), day.Day(), l.DigestHour, 0, 0, 0, loc)
	if at.After(t) {
		day, at = day.AddDate(0, 0, -7), at.AddDate(0, 0, -7)
	}
	return Period{Start: day.AddDate(0, 0, -7).UTC(), End: day.UTC()}, at.UTC()
}

// DigestReport says what one RunDigests did for a list.
type DigestReport struct {
	List   string
	Kind   string
	Period Period
	Volume int
	Issue  int
	Queued int // members the run queued mail for now
	// Skipped, when set, says why nothing was sent (no readers, not due,
	// sent already, no posts in the period); Period is then the period
	// looked at, when there was one.
	Skipped string
}

// RunDigests sends the digests and learning summaries that are due at now
// (all of them, for the current period, with force), on every list or on
// only the one named. Runs a crash left half done are finished first:
// each member's mail is queued in the same transaction that records it,
// so nobody gets a period twice and nobody is skipped.
func (s *Digests) RunDigests(ctx context.Context, now time.Time, force bool, only string) ([]DigestReport, error) {
	var reports []DigestReport
	var failed []error
	unfinished, err := s.d.Store.UnfinishedDigestRuns(ctx)
	if err != nil {
		return nil, err
	}
	resumed := map[string]bool{}
	for _, run := range unfinished {
		l, err := s.d.Store.ListByID(ctx, run.ListID)
		if err != nil || (only != "" && !strings.EqualFold(only, l.Address)) {
			continue
		}
		resumed[l.Address+"\x00"+run.Kind] = true
		rep, err := s.sendRun(ctx, l, run, nil)
		if err != nil {
			failed = append(failed, fmt.Errorf("%s of %s: %w", run.Kind, l.Address, err))
			continue
		}
		reports = append(reports, rep)
	}
	lists, err := s.d.Store.Lists(ctx)
	if err != nil {
		return nil, err
	}
	for _, l := range lists {
		if only != "" && !strings.EqualFold(only, l.Address) {
			continue
		}
		for _, kind := range []string{KindDigest, KindSummary} {
			if resumed[l.Address+"\x00"+kind] {
				continue
			}
			readers, err := s.d.Store.MembersWithDelivery(ctx, l.ID, kind)
			if err != nil {
				failed = append(failed, fmt.Errorf("%s readers of %s: %w", kind, l.Address, err))
				continue
			}
			rep, err := s.runIfDue(ctx, l, kind, readers, now, force)
			if err != nil {
				// One list's trouble does not hold up the others.
				failed = append(failed, fmt.Errorf("%s of %s: %w", kind, l.Address, err))
				continue
			}
			reports = append(reports, *rep)
		}
	}
	return reports, errors.Join(failed...)
}

// runIfDue starts and sends the run of a kind that is due on a list, for
// its readers.
func (s *Digests) runIfDue(ctx context.Context, l *store.List, kind string, readers []*store.Member, now time.Time, force bool) (*DigestReport, error) {
	skip := func(p Period, why string) (*DigestReport, error) {
		return &DigestReport{List: l.Address, Kind: kind, Period: p, Skipped: why}, nil
	}
	if len(readers) == 0 {
		return skip(Period{}, "no member takes it")
	}
	p, sendAt := schedule(l, kind, now)
	last, err := s.d.Store.LastDigestRun(ctx, l.ID, kind)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, err
	}
	if kind == KindDigest {
		// A digest holds what came since the last one.
		if last != nil {
			p.Start = last.PeriodEnd
		} else if first := firstDigestStart(l, p.End); first.Before(p.Start) {
			p.Start = first
		}
		if force || l.DigestSizeKB > 0 {
			// Forced, or early once enough waits: up to now.
			if force || s.waitingKB(ctx, l, p.Start, now) >= l.DigestSizeKB {
				p.End, sendAt = now.Truncate(time.Second), now
			}
		}
	}
	switch {
	case now.Before(sendAt) && !force:
		return skip(p, "not due until "+sendAt.Format("2006-01-02 15:04 MST"))
	case last != nil && !last.PeriodEnd.Before(p.End):
		return skip(p, "sent already")
	case !p.Start.Before(p.End):
		return skip(p, "nothing since the last one")
	}
	// No traffic, no digest and no summary; a digest's next period
	// starts where this one would have.
	var n int
	if kind == KindDigest {
		n, err = s.d.Store.ArchiveCountArrived(ctx, l.ID, p.Start, p.End, p.Start.Add(-digestLateness))
	} else {
		n, err = s.d.Store.ArchiveCountBetween(ctx, l.ID, p.Start, p.End)
	}
	if err != nil {
		return nil, err
	}
	if n == 0 {
		return skip(p, "no posts in the period")
	}
	run := &store.DigestRun{ListID: l.ID, Kind: kind, PeriodStart: p.Start, PeriodEnd: p.End, Volume: volume(l, p.End)}
	if err := s.d.Store.StartDigestRun(ctx, run); err != nil {
		return nil, err
	}
	if run.State == store.RunDone {
		return skip(p, "sent already, by another process meanwhile")
	}
	rep, err := s.sendRun(ctx, l, run, readers)
	return &rep, err
}

// firstDigestStart is where a list's first digest begins: at the list's
// creation, so that posts from before a digest hour the scheduler did
// not see (Praxis was down, or started just after it) are not skipped,
// but no further back than a late post may be.
func firstDigestStart(l *store.List, end time.Time) time.Time {
	floor := end.Add(-digestLateness)
	if l.CreatedAt.After(floor) {
		return l.CreatedAt.UTC().Truncate(time.Second)
	}
	return floor
}

// digestLateness is how much older than its period a post may be and
// still go into a digest: a post held for moderation, or sent with a
// wrong clock, arrives late; mail imported from an old archive is older.
const digestLateness = 14 * 24 * time.Hour

// volume numbers digests by the year of the list's life they fall in, as
// Mailman's yearly volume frequency does.
func volume(l *store.List, end time.Time) int {
	v := 1
	for t := l.CreatedAt.AddDate(1, 0, 0); !t.After(end); t = t.AddDate(1, 0, 0) {
		v++
	}
	return v
}

func (s *Digests) waitingKB(ctx context.Context, l *store.List, since, until time.Time) int {
	n, err := s.d.Store.ArchiveBytesArrived(ctx, l.ID, since, until)
	if err != nil {
		return 0
	}
	return int(n / 1024)
}

// sendRun queues a run's mail for every reader it has not reached yet;
// nil readers are read from the store (a run resumed after a crash).
func (s *Digests) sendRun(ctx context.Context, l *store.List, run *store.DigestRun, readers []*store.Member) (DigestReport, error) {
	rep := DigestReport{List: l.Address, Kind: run.Kind, Period: Period{run.PeriodStart, run.PeriodEnd}, Volume: run.Volume, Issue: run.Issue}
	if readers == nil {
		var err error
		if readers, err = s.d.Store.MembersWithDelivery(ctx, l.ID, run.Kind); err != nil {
			return rep, err
		}
	}
	sent, err := s.d.Store.DigestSent(ctx, run.ID)
	if err != nil {
		return rep, err
	}
	var todo []*store.Member
	for _, m := range readers {
		if !sent[store.AddressKey(m.Address)] {
			todo = append(todo, m)
		}
	}
	if len(todo) > 0 {
		if run.Kind == KindDigest {
			rep.Queued, err = s.queueDigest(ctx, l, run, todo)
		} else {
			rep.Queued, err = s.queueSummaries(ctx, l, run, todo)
		}
		if err != nil {
			return rep, err
		}
	}
	if rep.Queued > 0 {
		s.d.Queued()
	}
	return rep, s.d.Store.FinishDigestRun(ctx, run.ID)
}

// ComposeDigest builds the MIME digest of a period, or the RFC 1153 one
// with plain. A digest that is sent holds the posts that arrived in the
// period (byArrival); a preview of a past period of an imported archive
// holds those dated in it.
func (s *Digests) ComposeDigest(ctx context.Context, l *store.List, p Period, vol, issue int, plain, byArrival bool) ([]byte, error) {
	var raws [][]byte
	var err error
	if byArrival {
		raws, err = s.d.Store.ArchiveArrivedBetween(ctx, l.ID, p.Start, p.End, p.Start.Add(-digestLateness))
	} else {
		raws, err = digest.Messages(ctx, s.d.Store, l.ID, p.Start, p.End)
	}
	if err != nil {
		return nil, err
	}
	if len(raws) == 0 {
		return nil, fmt.Errorf("no posts on %s between %s and %s: %w", l.Address, p.Start.Format(time.RFC3339), p.End.Format(time.RFC3339), store.ErrNotFound)
	}
	o := digest.DigestOptions{
		List: digest.List{ID: l.ID, Address: l.Address, Name: l.Name, Prefix: l.Prefix}, Volume: vol, Issue: issue,
		ListID: notice.QuoteName(l.Name, "").String() + "<" + check.ListIDValue(l.Address) + ">",
		Headers: [][2]string{
			{"List-Post", "<mailto:" + l.Address + ">"},
			{"List-Help", "<mailto:" + inbound.Address(l.Address, store.KindRequest) + "?subject=help>"},
			{"List-Subscribe", "<mailto:" + inbound.Address(l.Address, store.KindRequest) + "?subject=subscribe>"},
			{"Precedence", "list"},
		},
		BaseURL: s.d.BaseURL, Date: p.End,
	}
	if l.ArchivePolicy != store.ArchiveNone {
		o.Headers = append(o.Headers, [2]string{"List-Archive", "<" + s.d.BaseURL + "/l/" + l.Address + "/>"})
	}
	if plain {
		return digest.DigestRFC1153(raws, o)
	}
	return digest.DigestMIME(raws, o)
}

// queueDigest stores the run's digest once and queues it for every
// reader in one transaction, each copy with the reader's own one-click
// unsubscribe link added as it is sent (store.ModeDigest).
func (s *Digests) queueDigest(ctx context.Context, l *store.List, run *store.DigestRun, todo []*store.Member) (int, error) {
	raw, err := s.ComposeDigest(ctx, l, Period{run.PeriodStart, run.PeriodEnd}, run.Volume, run.Issue, false, true)
	if errors.Is(err, store.ErrNotFound) {
		return 0, nil // the posts went (a list emptied meanwhile): nothing to send
	}
	if err != nil {
		return 0, err
	}
	rcpts := make([]string, len(todo))
	for i, m := range todo {
		rcpts[i] = m.Address
	}
	m := &store.Message{ListID: l.ID, ListAddress: l.Address, MailFrom: inbound.Address(l.Address, store.KindBounce), Rcpt: fmt.Sprintf("%d digest readers", len(rcpts)),
		Raw: raw, Subject: fmt.Sprintf("%s Digest, Vol %d, Issue %d", l.Name, run.Volume, run.Issue)}
	return s.d.Store.SpoolDigestRun(ctx, run.ID, m, rcpts, store.ModeDigest)
}

// Summary builds the learning summary of a period; personal for m when m
// is not nil.
func (s *Digests) Summary(ctx context.Context, l *store.List, p Period, m *store.Member) (*digest.Summary, error) {
	per, err := digest.Load(ctx, s.d.Store, l.ID, p.Start, p.End)
	if err != nil {
		return nil, err
	}
	sum := digest.Summarize(per, digest.Options{BaseURL: s.d.BaseURL})
	if m != nil {
		sum = sum.For(readerOf(m))
	}
	return sum, nil
}

func readerOf(m *store.Member) *digest.Member {
	return &digest.Member{Address: m.Address, Name: m.Name, Expertise: digest.ParseExpertise(m.Expertise), Joined: m.CreatedAt}
}

// ComposeSummary writes a member's learning summary mail.
func (s *Digests) ComposeSummary(l *store.List, sum *digest.Summary, m *store.Member, date time.Time) ([]byte, error) {
	env := digest.Envelope{
		From:        notice.QuoteName(l.Name, inbound.Address(l.Address, store.KindRequest)).String(),
		To:          m.Address,
		ListID:      notice.QuoteName(l.Name, "").String() + "<" + check.ListIDValue(l.Address) + ">",
		Unsubscribe: s.d.UnsubscribeURL(l.Address, m.Address), UnsubscribeMailto: "mailto:" + inbound.Address(l.Address, store.KindRequest) + "?subject=unsubscribe",
		Date: date,
	}
	if l.ArchivePolicy != store.ArchiveNone {
		env.ListArchive = s.d.BaseURL + "/l/" + l.Address + "/"
	}
	return digest.Compose(sum.For(readerOf(m)), env)
}

// queueSummaries composes each reader's summary from one analysis of the
// period and queues it, recording the reader as reached in the same
// transaction.
func (s *Digests) queueSummaries(ctx context.Context, l *store.List, run *store.DigestRun, todo []*store.Member) (int, error) {
	sum, err := s.Summary(ctx, l, Period{run.PeriodStart, run.PeriodEnd}, nil)
	if err != nil {
		return 0, err
	}
	queued := 0
	for _, m := range todo {
		if ctx.Err() != nil {
			return queued, ctx.Err()
		}
		raw, err := s.ComposeSummary(l, sum, m, s.d.Now())
		if err != nil {
			return queued, err
		}
		msg := &store.Message{ListID: l.ID, ListAddress: l.Address, MailFrom: inbound.Address(l.Address, store.KindBounce), Rcpt: m.Address, Raw: raw,
			Subject: digest.Subject(sum)}
		n, err := s.d.Store.SpoolDigestRun(ctx, run.ID, msg, []string{m.Address}, store.ModeRaw)
		if err != nil {
			return queued, err
		}
		queued += n
	}
	return queued, nil
}
