// Package review mails a list's owners and moderators, once a month, the
// community's review (archive/health): the month's figures against the
// three months before, and three plain sentences on what changed. It is
// the page /l/LIST/health, brought to them; one mail per list and month
// on any number of nodes (a claim, store.JobClaim).
package review

import (
	"bytes"
	"context"
	"fmt"
	htmltemplate "html/template"
	"log/slog"
	"math"
	"strings"
	texttemplate "text/template"
	"time"

	"praxis/archive/health"
	"praxis/listserv/notice"
	"praxis/listserv/store"
	"praxis/templates"
)

// Job is the claim's name: one review per list and month.
const Job = "health-review"

// Store is what the reviews read.
type Store interface {
	health.Store
	Lists(ctx context.Context) ([]*store.List, error)
	Members(ctx context.Context, listID int64) ([]*store.Member, error)
	JobClaimed(ctx context.Context, c store.JobClaim) (bool, error)
}

// Notices sends a mail once and tells who runs a list.
type Notices interface {
	SendOnce(ctx context.Context, claim store.JobClaim, n *notice.Notice) (bool, error)
	Moderators(ctx context.Context, l *store.List) ([]string, error)
}

// Reviews sends the monthly reviews.
type Reviews struct {
	store   Store
	notices Notices
	baseURL string
	now     func() time.Time
	log     *slog.Logger
}

// New builds the monthly reviews; baseURL makes their links.
func New(st Store, notices Notices, baseURL string, now func() time.Time, log *slog.Logger) *Reviews {
	return &Reviews{store: st, notices: notices, baseURL: strings.TrimRight(baseURL, "/"), now: now, log: log}
}

var (
	textReview = texttemplate.Must(texttemplate.New("").ParseFS(templates.Digest, "digest/review.txt"))
	htmlReview = htmltemplate.Must(htmltemplate.New("").ParseFS(templates.Digest, "digest/review.html"))
)

// Monthly sends each list's review of the month that ended, once: every
// node calls it (Maintain), the first to claim a list's month sends it.
func (r *Reviews) Monthly(ctx context.Context) error {
	now := r.now().UTC()
	this := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC)
	month := this.AddDate(0, -1, 0)
	lists, err := r.store.Lists(ctx)
	if err != nil {
		return err
	}
	for _, l := range lists {
		claim := store.JobClaim{Job: Job, Period: fmt.Sprintf("%d %s", l.ID, month.Format("2006-01"))}
		if done, err := r.store.JobClaimed(ctx, claim); err != nil || done {
			if err != nil {
				return err
			}
			continue
		}
		if err := r.send(ctx, l, claim, this); err != nil {
			r.log.Error("monthly review", "list", l.Address, "month", month.Format("2006-01"), "err", err)
		}
	}
	return nil
}

// Mail is what a review mail says.
type Mail struct {
	List      *store.List
	Month     health.Month
	Before    health.Month // the average of the (up to) three months before
	Sentences []string
	URL       string
}

func (r *Reviews) send(ctx context.Context, l *store.List, claim store.JobClaim, until time.Time) error {
	// Whom to tell first: a list with nobody to get its review is asked
	// again on every pass (each minute, on every node), and must not
	// read its whole archive each time for a review nobody is sent.
	to, err := r.notices.Moderators(ctx, l)
	if err != nil || len(to) == 0 {
		return err
	}
	members, err := r.store.Members(ctx, l.ID)
	if err != nil {
		return err
	}
	months, err := health.Review(ctx, r.store, l.ID, members, until)
	if err != nil || len(months) == 0 {
		return err // nothing archived yet: no review
	}
	m := Compose(l, months, r.baseURL+"/l/"+l.Address+"/health")
	var text, html bytes.Buffer
	if err := textReview.ExecuteTemplate(&text, "review.txt", m); err != nil {
		return err
	}
	if err := htmlReview.ExecuteTemplate(&html, "review.html", m); err != nil {
		return err
	}
	_, err = r.notices.SendOnce(ctx, claim, &notice.Notice{List: l, To: to, Subject: "How " + l.Name + " did in " + m.Month.Start.Format("January 2006"),
		Text: text.String(), HTML: html.String()})
	return err
}

// Compose makes the review of the last of months against the three
// before it.
func Compose(l *store.List, months []health.Month, url string) Mail {
	m := Mail{List: l, Month: months[len(months)-1], URL: url}
	prev := months[max(0, len(months)-4) : len(months)-1]
	var waits time.Duration
	for _, p := range prev {
		m.Before.Posts += p.Posts
		m.Before.Active += p.Active
		m.Before.Questions += p.Questions
		m.Before.Answered += p.Answered
		m.Before.Newcomers += p.Newcomers
		m.Before.Back += p.Back
		waits += p.FirstAnswer
	}
	if n := len(prev); n > 0 {
		m.Before.Posts, m.Before.Active = m.Before.Posts/n, m.Before.Active/n
		m.Before.FirstAnswer = waits / time.Duration(n)
		// The shares are of the three months together; the table shows
		// a month's worth.
		m.Sentences = sentences(m.Month, m.Before, true)
		m.Before.Questions, m.Before.Answered = m.Before.Questions/n, m.Before.Answered/n
		m.Before.Newcomers, m.Before.Back = m.Before.Newcomers/n, m.Before.Back/n
		return m
	}
	m.Sentences = sentences(m.Month, m.Before, false)
	return m
}

// sentences says in three what changed: activity, answering, newcomers.
func sentences(cur, before health.Month, compared bool) []string {
	var out []string
	activity := fmt.Sprintf("%d posts by %d people", cur.Posts, cur.Active)
	if compared && before.Posts > 0 {
		activity += fmt.Sprintf(", %s the %d a month of the three months before", change(float64(cur.Posts), float64(before.Posts)), before.Posts)
	}
	out = append(out, upper(activity)+".")
	if cur.Questions == 0 {
		out = append(out, "Nobody asked for help.")
	} else {
		s := fmt.Sprintf("%d of %d questions got an answer (%d%%", cur.Answered, cur.Questions, pct(cur.AnsweredShare()))
		if compared && before.Questions > 0 {
			s += fmt.Sprintf(", against %d%% before", pct(before.AnsweredShare()))
		}
		s += ")"
		if cur.FirstAnswer > 0 {
			s += ", the first answer after " + hours(cur.FirstAnswer) + " in the middle"
			if compared && before.FirstAnswer > 0 {
				s += " (" + hours(before.FirstAnswer) + " before)"
			}
		}
		out = append(out, s+".")
	}
	if cur.Newcomers == 0 {
		out = append(out, "Nobody posted for the first time.")
	} else {
		s := fmt.Sprintf("%d %s posted for the first time, and %d of them came back within 60 days so far", cur.Newcomers, plural(cur.Newcomers, "person", "people"), cur.Back)
		if compared && before.Newcomers > 0 {
			s += fmt.Sprintf(" (%d%% of the newcomers before came back)", pct(before.BackShare()))
		}
		out = append(out, s+".")
	}
	return out
}

// change says how now compares with before, in words and per cent.
func change(now, before float64) string {
	d := (now - before) / before * 100
	switch {
	case math.Abs(d) < 5:
		return "about as many as"
	case d > 0:
		return fmt.Sprintf("up %.0f%% from", d)
	}
	return fmt.Sprintf("down %.0f%% from", -d)
}

func pct(f float64) int { return int(math.Round(f * 100)) }

func hours(d time.Duration) string {
	if d < time.Hour {
		return fmt.Sprintf("%d minutes", int(d.Minutes()))
	}
	if d < 48*time.Hour {
		return fmt.Sprintf("%.1f hours", d.Hours())
	}
	return fmt.Sprintf("%.1f days", d.Hours()/24)
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

func upper(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
