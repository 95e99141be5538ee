package moderation

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strconv"
	"strings"
	"time"

	"praxis/listserv/check"
	"praxis/listserv/inbound"
	"praxis/listserv/notice"
	"praxis/listserv/store"
)

// Store is what the held queue reads and changes in the store.
type Store interface {
	ListByID(ctx context.Context, id int64) (*store.List, error)
	Message(ctx context.Context, id int64) (*store.Message, error)
	ListMessages(ctx context.Context, listID int64, state string) ([]*store.Message, error)
	Transition(ctx context.Context, id int64, from, to, reason, messageID string, ds []*store.Delivery) error
	AddPending(ctx context.Context, p *store.Pending) error
	ExpiredPending(ctx context.Context, kind string, limit int) ([]*store.Pending, error)
	TakePending(ctx context.Context, id int64) (bool, error)
}

// Deps is what the held queue is built from.
type Deps struct {
	Store   Store
	Notices *notice.Sender
	// List finds a list by address, with an error that says what to do.
	List func(ctx context.Context, address string) (*store.List, error)
	// Accept sends an approved post on as if it had passed the checks:
	// archive, then one copy per member, out of state from.
	Accept func(ctx context.Context, l *store.List, m *store.Message, from, reason string) error
	// AllowReply counts one automatic reply to addr and tells whether it
	// is within the day's quota.
	AllowReply func(ctx context.Context, addr string) (bool, error)
	Log        *slog.Logger
	Now        func() time.Time
}

// Queue is a list's held posts and the decisions on them.
type Queue struct{ d Deps }

// New builds the held queue.
func New(d Deps) *Queue { return &Queue{d: d} }

// A held post up to AttachMax is attached to its notice whole; a bigger
// one as its header and its first ExcerptBytes.
const (
	AttachMax    = 256 << 10
	ExcerptBytes = 32 << 10
)

// Notify tells the moderators of a held post, with the post attached and
// a confirmation address: a reply decides (Mailman's moderator notice).
// Undecided posts expire after the list's HoldDays.
func (q *Queue) Notify(ctx context.Context, l *store.List, m *store.Message, subject string, d check.Decision) error {
	mods, err := q.d.Notices.Moderators(ctx, l)
	if err != nil {
		return err
	}
	now := q.d.Now()
	expires := now.Add(100 * 365 * 24 * time.Hour)
	if l.HoldDays > 0 {
		expires = now.Add(time.Duration(l.HoldDays) * 24 * time.Hour)
	}
	p := &store.Pending{Token: notice.NewToken(), ListID: l.ID, Kind: store.PendingHeld, Address: d.Author, Data: fmt.Sprint(m.ID), CreatedAt: now, ExpiresAt: expires}
	// The request is written even with no one to notify: it is what makes
	// the post expire. With someone to notify, it is written with the
	// notice, in one transaction.
	if len(mods) == 0 {
		return q.d.Store.AddPending(ctx, p)
	}
	confirm := inbound.ConfirmAddress(l.Address, p.Token)
	n := &notice.Notice{
		List: l, To: mods, From: confirm, ReplyTo: confirm,
		Subject:  l.Name + ": post from " + check.OrUnknown(d.Author) + " needs approval (confirm " + p.Token + ")",
		Template: "held_notice.txt", Attach: m.Raw,
		Data: map[string]any{"From": check.OrUnknown(d.Author), "Subject": subject, "Reason": d.Reason, "ID": m.ID, "ExpiresDays": l.HoldDays,
			"HeldPath": HeldPath(l.Address, m.ID)},
		Request: p,
	}
	if len(m.Raw) > AttachMax {
		// A big post travels as its header and its first lines, as
		// Mailman does: the decision needs no more, and a whole copy in
		// every moderator's notice would cost its size again per copy.
		n.Attach, n.Excerpt = nil, notice.ExcerptOf(m.Raw, ExcerptBytes)
	}
	err = q.d.Notices.Send(ctx, n)
	if errors.Is(err, notice.ErrCompose) {
		// The post is held all the same, and still expires; moderators
		// find it in the held queue.
		q.d.Log.Error("held notice could not be composed", "list", l.Address, "spool_id", m.ID, "err", err)
		return q.d.Store.AddPending(ctx, p)
	}
	return err
}

// HeldPath is the web page of one held post, where its moderators read it
// and decide.
func HeldPath(list string, id int64) string {
	return "/l/" + url.PathEscape(list) + "/admin/held/" + strconv.FormatInt(id, 10)
}

// Held returns the posts of a list waiting for a moderator, oldest first.
func (q *Queue) Held(ctx context.Context, list string) (*store.List, []*store.Message, error) {
	l, err := q.d.List(ctx, list)
	if err != nil {
		return nil, nil, err
	}
	ms, err := q.d.Store.ListMessages(ctx, l.ID, store.StateHeld)
	return l, ms, err
}

// ErrNoHeldPost is store.ErrNotFound for a held post's ID, so that a
// caller can say where to look (the CLI: `praxis held ls LIST`).
var ErrNoHeldPost = fmt.Errorf("%w", store.ErrNotFound)

func (q *Queue) heldMessage(ctx context.Context, list string, id int64) (*store.List, *store.Message, error) {
	l, err := q.d.List(ctx, list)
	if err != nil {
		return nil, nil, err
	}
	m, err := q.d.Store.Message(ctx, id)
	if err != nil || m.ListID != l.ID || m.Kind != store.KindPost {
		return nil, nil, fmt.Errorf("no held post %d on %s: %w", id, l.Address, ErrNoHeldPost)
	}
	if m.State != store.StateHeld {
		return nil, nil, fmt.Errorf("post %d on %s is %s, not held: %w", id, l.Address, m.State, store.ErrInvalid)
	}
	return l, m, nil
}

// HeldPost returns one post of a list waiting for a moderator, whole (Held
// lists them without their bytes).
func (q *Queue) HeldPost(ctx context.Context, list string, id int64) (*store.Message, error) {
	_, m, err := q.heldMessage(ctx, list, id)
	return m, err
}

// Approve relays a held post to the list as if it had passed the checks.
func (q *Queue) Approve(ctx context.Context, list string, id int64) error {
	l, m, err := q.heldMessage(ctx, list, id)
	if err != nil {
		return err
	}
	return decided(q.d.Accept(ctx, l, m, store.StateHeld, "approved"), l, id)
}

// Discard drops a held post without telling its author (spam).
func (q *Queue) Discard(ctx context.Context, list string, id int64) error {
	l, _, err := q.heldMessage(ctx, list, id)
	if err != nil {
		return err
	}
	return decided(q.d.Store.Transition(ctx, id, store.StateHeld, store.StateDiscarded, "discarded", "", nil), l, id)
}

// Reject refuses a held post and tells its author why.
func (q *Queue) Reject(ctx context.Context, list string, id int64, reason string) error {
	l, m, err := q.heldMessage(ctx, list, id)
	if err != nil {
		return err
	}
	if err := decided(q.d.Store.Transition(ctx, id, store.StateHeld, store.StateRejected, reason, "", nil), l, id); err != nil {
		return err
	}
	return q.RejectNotice(ctx, l, m, authorOf(m), reason)
}

// RejectNotice tells the author of a post that it was rejected, and why.
func (q *Queue) RejectNotice(ctx context.Context, l *store.List, m *store.Message, to, reason string) error {
	if to == "" {
		return nil
	}
	if ok, err := q.d.AllowReply(ctx, to); err != nil || !ok {
		return err
	}
	return q.d.Notices.Send(ctx, &notice.Notice{
		List: l, To: []string{to}, From: inbound.Address(l.Address, store.KindOwner), Subject: "Your post to " + l.Name + " was rejected",
		Template: "rejected.txt", Auto: "auto-replied", InReply: m.MessageID,
		Data: map[string]any{"Name": l.Name, "Address": l.Address, "Subject": m.Subject, "Reason": reason},
	})
}

// Expire rejects held posts whose notice expired, telling each author.
// Every node runs it, possibly at the same moment; each post is told of
// once all the same (see expire).
func (q *Queue) Expire(ctx context.Context) error {
	for {
		ps, err := q.d.Store.ExpiredPending(ctx, store.PendingHeld, 50)
		if err != nil || len(ps) == 0 {
			return err
		}
		for _, p := range ps {
			if err := q.expire(ctx, p); err != nil {
				return err
			}
		}
	}
}

// expiredPrefix begins the reason of a post rejected by expiry.
const expiredPrefix = "expired after "

// expire rejects one expired held post and tells its author. The move out
// of held is one node's (a conditional transition); the notice is queued
// under the claim "held-expiry" of the post, in one transaction, by
// whichever node comes first, the post's own or another that found it
// rejected by expiry. The request is taken last, so that a crash before
// the notice leaves it for the next pass to finish.
func (q *Queue) expire(ctx context.Context, p *store.Pending) error {
	id, _ := strconv.ParseInt(p.Data, 10, 64)
	if err := q.tellExpired(ctx, p.ListID, id); err != nil {
		if !errors.Is(err, notice.ErrCompose) {
			return err
		}
		// A notice that cannot be written never will be: the post is
		// rejected all the same, and the next requests are not held up.
		q.d.Log.Error("held post expired untold", "spool_id", id, "err", err)
	}
	_, err := q.d.Store.TakePending(ctx, p.ID)
	return err
}

func (q *Queue) tellExpired(ctx context.Context, listID, id int64) error {
	l, err := q.d.Store.ListByID(ctx, listID)
	if err != nil {
		return nil // the list is gone; its mail was dropped with it
	}
	m, err := q.d.Store.Message(ctx, id)
	if err != nil {
		return nil // gone with its list
	}
	if m.State == store.StateHeld {
		reason := fmt.Sprintf(expiredPrefix+"%d days without a moderator's decision", l.HoldDays)
		err := q.d.Store.Transition(ctx, id, store.StateHeld, store.StateRejected, reason, "", nil)
		switch {
		case err == nil:
			q.d.Log.Info("held post expired", "list", l.Address, "spool_id", id)
			m.State, m.Reason = store.StateRejected, reason
		case errors.Is(err, store.ErrState):
			// Decided meanwhile: by a moderator, or expired by another node.
			if m, err = q.d.Store.Message(ctx, id); err != nil {
				return nil
			}
		default:
			return err
		}
	}
	if m.State != store.StateRejected || !strings.HasPrefix(m.Reason, expiredPrefix) {
		return nil // a moderator's decision, told of by its own notice
	}
	to := authorOf(m)
	if to == "" {
		return nil
	}
	if ok, err := q.d.AllowReply(ctx, to); err != nil || !ok {
		return err
	}
	_, err = q.d.Notices.SendOnce(ctx, store.JobClaim{Job: "held-expiry", Period: strconv.FormatInt(id, 10)}, &notice.Notice{
		List: l, To: []string{to}, From: inbound.Address(l.Address, store.KindOwner),
		Subject: "Your post to " + l.Name + " expired", Template: "held_expired.txt", Auto: "auto-replied", InReply: m.MessageID,
		Data: map[string]any{"Subject": m.Subject, "Days": l.HoldDays}})
	return err
}

// authorOf is who is told of a decision on m: its From, else its envelope
// sender.
func authorOf(m *store.Message) string {
	if m.FromAddr != "" {
		return m.FromAddr
	}
	return m.MailFrom
}

func decided(err error, l *store.List, id int64) error {
	if errors.Is(err, store.ErrState) {
		return fmt.Errorf("post %d on %s was decided by someone else meanwhile: %w", id, l.Address, store.ErrInvalid)
	}
	return err
}
