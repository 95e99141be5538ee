package bounce

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"praxis/listserv/inbound"
	notices "praxis/listserv/notice"
	"praxis/listserv/store"
)

// Store is what bounce scoring reads and changes in the store.
type Store interface {
	Transition(ctx context.Context, id int64, from, to, reason, messageID string, ds []*store.Delivery) error
	ListByID(ctx context.Context, id int64) (*store.List, error)
	Member(ctx context.Context, listID int64, addr string) (*store.Member, error)
	UpdateMember(ctx context.Context, m *store.Member) error
	MarkWarned(ctx context.Context, id int64, nth int, at time.Time) (bool, error)
	RemoveMember(ctx context.Context, listID int64, addr string) error
	MembersWithStatus(ctx context.Context, status string) ([]*store.Member, error)
	UnscoredFailures(ctx context.Context, limit int) ([]store.Failure, error)
	MarkFailuresScored(ctx context.Context, fs []store.Failure) error
}

// Deps is what a Scorer is built from.
type Deps struct {
	Store   Store
	Notices *notices.Sender
	VERP    *VERP
	// ConfirmURL is the web page that confirms a request.
	ConfirmURL func(list, token string) string
	Log        *slog.Logger
	Now        func() time.Time
}

// Scorer is Mailman's bounce runner: it reads mail to LIST-bounces@ and
// the failures met while sending, scores them against the members they
// name, and disables, warns and in the end removes the members whose mail
// keeps bouncing.
type Scorer struct{ d Deps }

// NewScorer builds a scorer.
func NewScorer(d Deps) *Scorer { return &Scorer{d: d} }

// Mailman 3's bounce settings, which we keep.
const (
	BounceThreshold  = 5.0                 // bounce_score_threshold
	BounceStaleAfter = 7 * 24 * time.Hour  // bounce_info_stale_after
	BounceWarnings   = 3                   // bounce_you_are_disabled_warnings
	BounceWarnEvery  = 7 * 24 * time.Hour  // bounce_you_are_disabled_warnings_interval
	reenableTTL      = 28 * 24 * time.Hour // a warning's re-enable link outlives the warnings
)

// Process reads a message sent to LIST-bounces@ and scores it
// against the member it names (Mailman's bounce runner).
func (s *Scorer) Process(ctx context.Context, l *store.List, m *store.Message) error {
	done := func(state, reason string) error {
		return s.d.Store.Transition(ctx, m.ID, store.StateReceived, state, reason, "", nil)
	}
	rcpt, verified := s.d.VERP.Recipient(l.Address, m.Extra)
	if !verified {
		// Feedback loops (RFC 6449) send their reports to one registered
		// address, not to the VERP sender; the copy they quote still
		// carries its Return-Path, whose MAC proves whom it was sent to.
		rcpt, verified = s.d.VERP.Embedded(l.Address, m.Raw)
	}
	if !verified {
		// Without our MAC nothing proves which copy bounced; a report's own
		// addresses can be forged, so they cost no one anything.
		return done(store.StateDropped, "bounce without a valid VERP address: not scored")
	}
	rep, err := Parse(m.Raw)
	if err != nil {
		return done(store.StateDropped, "empty bounce")
	}
	switch rep.Kind {
	case Feedback:
		if rep.FeedbackType == "auth-failure" {
			return done(store.StateProcessed, "DMARC failure report: not a complaint")
		}
		// RFC 6449 §4: a member who reports the list as spam is taken off it.
		if err := s.unsubscribeComplainer(ctx, l, rcpt); err != nil {
			return err
		}
		return done(store.StateProcessed, "abuse report: "+rcpt+" unsubscribed")
	case Delay, AutoReply, Delivered, Relayed:
		return done(store.StateProcessed, "not a failure ("+rep.Kind.String()+"): not scored")
	}
	diag := ""
	for _, r := range rep.Recipients {
		if r.DMARC {
			// Someone else's DMARC policy is not the member's fault.
			return done(store.StateProcessed, "DMARC rejection: not scored")
		}
		if diag == "" {
			diag = strings.TrimSpace(r.Status + " " + r.Diagnostic)
		}
	}
	if rep.Kind == Unknown && m.MailFrom != "" {
		// Bounces come from the null sender (RFC 5321 §4.5.5); mail with
		// a sender that we cannot read as a bounce is most likely a
		// person replying to the wrong address.
		return done(store.StateProcessed, "unrecognised message with a sender: not scored")
	}
	if rep.Kind == Failure && len(rep.Recipients) > 0 {
		permanent := false
		for _, r := range rep.Recipients {
			permanent = permanent || r.Permanent
		}
		if !permanent {
			return done(store.StateProcessed, "temporary failure: not scored")
		}
	}
	if err := s.register(ctx, l, rcpt, diag); err != nil {
		return err
	}
	return done(store.StateProcessed, "bounce scored for "+rcpt)
}

// register adds a day's point to a member's bounce score, and
// disables delivery at the threshold.
func (s *Scorer) register(ctx context.Context, l *store.List, addr, diag string) error {
	m, err := s.d.Store.Member(ctx, l.ID, addr)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	now := s.d.Now()
	day := now.Unix() / 86400
	switch {
	case m.BounceLastDay == day:
		return nil // one point a day, however many bounces
	case m.BounceLastDay > 0 && time.Duration(day-m.BounceLastDay)*24*time.Hour > BounceStaleAfter:
		m.BounceScore = 1 // the old score is stale: start again
	default:
		m.BounceScore++
	}
	m.BounceLastDay = day
	s.d.Log.Info("bounce scored", "list", l.Address, "rcpt", m.Address, "score", m.BounceScore)
	disable := m.Status == store.StatusEnabled && m.BounceScore >= BounceThreshold
	if disable {
		m.Status, m.DisabledAt, m.WarningsSent, m.LastWarningAt = store.StatusDisabledBounce, now, 0, time.Time{}
	}
	if err := s.d.Store.UpdateMember(ctx, m); err != nil {
		return err
	}
	if disable {
		s.d.Log.Info("delivery disabled by bounces", "list", l.Address, "rcpt", m.Address)
		// Nodes scoring the same failure at once both disable the member:
		// the owners hear of it once, by the day of the disabling.
		claim := &store.JobClaim{Job: "bounce-disabled", Period: fmt.Sprintf("%d/%d", m.ID, day)}
		return s.tellOwners(ctx, claim, l, m, "delivery disabled because mail to this address keeps bouncing", diag)
	}
	return nil
}

// tellOwners tells the list's owners of an event about a member; under
// claim, when every node may decide the event at once (see SendOnce).
func (s *Scorer) tellOwners(ctx context.Context, claim *store.JobClaim, l *store.List, m *store.Member, event, diag string) error {
	owners, err := s.d.Notices.Owners(ctx, l)
	if err != nil || len(owners) == 0 {
		return err
	}
	n := &notices.Notice{List: l, To: owners, From: inbound.Address(l.Address, store.KindOwner),
		Subject: l.Name + ": " + m.Address + ": " + event, Template: "bounce_owner.txt",
		Data: map[string]any{"Address": m.Address, "Event": event, "Score": m.BounceScore, "Diagnostic": diag}}
	if claim == nil {
		return s.d.Notices.Send(ctx, n)
	}
	_, err = s.d.Notices.SendOnce(ctx, *claim, n)
	return err
}

func (s *Scorer) unsubscribeComplainer(ctx context.Context, l *store.List, addr string) error {
	m, err := s.d.Store.Member(ctx, l.ID, addr)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if err := s.d.Store.RemoveMember(ctx, l.ID, addr); err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	s.d.Log.Info("member unsubscribed by an abuse report", "list", l.Address, "rcpt", addr)
	return s.tellOwners(ctx, nil, l, m, "unsubscribed after reporting the list's mail as spam", "")
}

// Rounds scores the permanent failures met while sending, then warns
// members whose delivery is disabled and removes those warned enough.
func (s *Scorer) Rounds(ctx context.Context) error {
	fails, err := s.d.Store.UnscoredFailures(ctx, 200)
	if err != nil {
		return err
	}
	for _, f := range fails {
		if strings.Contains(strings.ToLower(f.Text), "dmarc") {
			continue // the author's DMARC policy, not the member's mailbox
		}
		if l, err := s.d.Store.ListByID(ctx, f.ListID); err == nil {
			if err := s.register(ctx, l, f.Rcpt, fmt.Sprintf("%d %s %s", f.Code, f.Enhanced, f.Text)); err != nil {
				return err
			}
		}
	}
	if err := s.d.Store.MarkFailuresScored(ctx, fails); err != nil {
		return err
	}
	disabled, err := s.d.Store.MembersWithStatus(ctx, store.StatusDisabledBounce)
	if err != nil {
		return err
	}
	now := s.d.Now()
	for _, m := range disabled {
		l, err := s.d.Store.ListByID(ctx, m.ListID)
		if err != nil {
			continue
		}
		switch {
		case m.WarningsSent < BounceWarnings && (m.LastWarningAt.IsZero() || now.Sub(m.LastWarningAt) >= BounceWarnEvery):
			if err := s.warnDisabled(ctx, l, m); err != nil {
				return err
			}
		case m.WarningsSent >= BounceWarnings && now.Sub(m.LastWarningAt) >= BounceWarnEvery:
			// The owners' notice first, claimed for this disabling: a node
			// removing the member at the same moment, or the next pass
			// after a crash, finds it queued; the removal is idempotent.
			claim := &store.JobClaim{Job: "bounce-removal", Period: fmt.Sprintf("%d/%d", m.ID, m.DisabledAt.Unix())}
			if err := s.tellOwners(ctx, claim, l, m, "removed after bounces and "+fmt.Sprint(BounceWarnings)+" unanswered warnings", ""); err != nil {
				return err
			}
			if err := s.d.Store.RemoveMember(ctx, l.ID, m.Address); err != nil {
				if errors.Is(err, store.ErrNotFound) {
					continue // another node's
				}
				return err
			}
			s.d.Log.Info("member removed after bounces", "list", l.Address, "rcpt", m.Address)
		}
	}
	return nil
}

// warnDisabled sends a member whose delivery is disabled a warning with a
// re-enable link, which also works by reply. Every node may decide the
// same warning at once: it is queued with its request under the claim of
// the member's nth warning since this disabling, so it goes once, and the
// member's count moves after it (if no node moved it and the member did
// not re-enable meanwhile), so that a crash in between leaves the next
// pass to move it (finding the warning queued).
func (s *Scorer) warnDisabled(ctx context.Context, l *store.List, m *store.Member) error {
	now := s.d.Now()
	nth := m.WarningsSent + 1
	p := &store.Pending{Token: notices.NewToken(), ListID: l.ID, Kind: store.PendingReenable, Address: m.Address, CreatedAt: now, ExpiresAt: now.Add(reenableTTL)}
	confirm := inbound.ConfirmAddress(l.Address, p.Token)
	claim := store.JobClaim{Job: "bounce-warning", Period: fmt.Sprintf("%d/%d/%d", m.ID, m.DisabledAt.Unix(), nth)}
	if _, err := s.d.Notices.SendOnce(ctx, claim, &notices.Notice{List: l, To: []string{m.Address}, From: confirm, ReplyTo: confirm,
		Subject: "Delivery of " + l.Name + " to you is paused (confirm " + p.Token + ")", Template: "bounce_disabled.txt", Request: p,
		Data: map[string]any{"Address": m.Address, "Warning": nth, "Warnings": BounceWarnings,
			"ConfirmAddress": confirm, "ConfirmURL": s.d.ConfirmURL(l.Address, p.Token)}}); err != nil {
		return err
	}
	_, err := s.d.Store.MarkWarned(ctx, m.ID, nth, now)
	return err
}
