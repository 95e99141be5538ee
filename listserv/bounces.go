package listserv

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"praxis/listserv/notice"
	"strings"
	"time"

	"praxis/listserv/bounce"
	"praxis/listserv/store"
)

// Mailman 3's bounce settings, which we keep.
const (
	BounceThreshold  = 5.0                 // bounce_score_threshold
	BounceStaleAfter = 7 * 24 * time.Hour  // bounce_info_stale_after
	BounceWarnings   = 3                   // bounce_you_are_disabled_warnings
	BounceWarnEvery  = 7 * 24 * time.Hour  // bounce_you_are_disabled_warnings_interval
	reenableTTL      = 28 * 24 * time.Hour // a warning's re-enable link outlives the warnings
)

// VERP is the envelope sender of the copy sent to rcpt:
// LIST-bounces+local=domain=MAC@host. The MAC (an HMAC of list and
// recipient) makes a bounce to it proof that the copy to rcpt bounced: a
// forged bounce naming a member cannot disable them.
func (s *Service) VERP(list, rcpt string) string {
	local, domain, _ := strings.Cut(list, "@")
	at := strings.LastIndexByte(rcpt, '@')
	if at < 0 {
		return local + "-bounces@" + domain
	}
	return local + "-bounces+" + rcpt[:at] + "=" + rcpt[at+1:] + "=" + s.verpMAC(list, rcpt) + "@" + domain
}

func (s *Service) verpMAC(list, rcpt string) string {
	h := hmac.New(sha256.New, s.verpKey)
	h.Write([]byte(strings.ToLower(list) + "\x00" + store.AddressKey(rcpt)))
	return hex.EncodeToString(h.Sum(nil)[:8])
}

// verpRecipient reads the recipient out of the +tag of a -bounces address
// and checks its MAC.
func (s *Service) verpRecipient(list, extra string) (string, bool) {
	i := strings.LastIndexByte(extra, '=')
	if i < 0 {
		return "", false
	}
	addrPart, mac := extra[:i], extra[i+1:]
	j := strings.LastIndexByte(addrPart, '=')
	if j <= 0 {
		return "", false
	}
	rcpt := addrPart[:j] + "@" + addrPart[j+1:]
	if !hmac.Equal([]byte(strings.ToLower(mac)), []byte(s.verpMAC(list, rcpt))) {
		return "", false
	}
	return rcpt, true
}

// processBounce reads a message sent to LIST-bounces@ and scores it
// against the member it names (Mailman's bounce runner).
func (s *Service) processBounce(ctx context.Context, l *List, m *store.Message) error {
	done := func(state, reason string) error {
		return s.store.Transition(ctx, m.ID, store.StateReceived, state, reason, "", nil)
	}
	rcpt, verified := s.verpRecipient(l.Address, m.Extra)
	if !verified {
		// Feedback loops (RFC 6449) send their reports to one registered
		// address, not to the VERP sender; the copy they quote still
		// carries its Return-Path, whose MAC proves whom it was sent to.
		rcpt, verified = s.embeddedVERP(l.Address, m.Raw)
	}
	if !verified {
		// Without our MAC nothing proves which copy bounced; a report's own
		// addresses can be forged, so they cost no one anything.
		return done(store.StateDropped, "bounce without a valid VERP address: not scored")
	}
	rep, err := bounce.Parse(m.Raw)
	if err != nil {
		return done(store.StateDropped, "empty bounce")
	}
	switch rep.Kind {
	case bounce.Feedback:
		if rep.FeedbackType == "auth-failure" {
			return done(store.StateProcessed, "DMARC failure report: not a complaint")
		}
		// RFC 6449 §4: a member who reports the list as spam is taken off it.
		if err := s.unsubscribeComplainer(ctx, l, rcpt); err != nil {
			return err
		}
		return done(store.StateProcessed, "abuse report: "+rcpt+" unsubscribed")
	case bounce.Delay, bounce.AutoReply, bounce.Delivered, bounce.Relayed:
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
	if rep.Kind == bounce.Unknown && m.MailFrom != "" {
		// Bounces come from the null sender (RFC 5321 §4.5.5); mail with
		// a sender that we cannot read as a bounce is most likely a
		// person replying to the wrong address.
		return done(store.StateProcessed, "unrecognised message with a sender: not scored")
	}
	if rep.Kind == bounce.Failure && len(rep.Recipients) > 0 {
		permanent := false
		for _, r := range rep.Recipients {
			permanent = permanent || r.Permanent
		}
		if !permanent {
			return done(store.StateProcessed, "temporary failure: not scored")
		}
	}
	if err := s.registerBounce(ctx, l, rcpt, diag); err != nil {
		return err
	}
	return done(store.StateProcessed, "bounce scored for "+rcpt)
}

// registerBounce adds a day's point to a member's bounce score, and
// disables delivery at the threshold.
func (s *Service) registerBounce(ctx context.Context, l *List, addr, diag string) error {
	m, err := s.store.Member(ctx, l.ID, addr)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	now := s.cfg.Now()
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
	s.log.Info("bounce scored", "list", l.Address, "rcpt", m.Address, "score", m.BounceScore)
	disable := m.Status == StatusEnabled && m.BounceScore >= BounceThreshold
	if disable {
		m.Status, m.DisabledAt, m.WarningsSent, m.LastWarningAt = StatusDisabledBounce, now, 0, time.Time{}
	}
	if err := s.store.UpdateMember(ctx, m); err != nil {
		return err
	}
	if disable {
		s.log.Info("delivery disabled by bounces", "list", l.Address, "rcpt", m.Address)
		return s.tellOwners(ctx, l, m, "delivery disabled because mail to this address keeps bouncing", diag)
	}
	return nil
}

func (s *Service) tellOwners(ctx context.Context, l *List, m *store.Member, event, diag string) error {
	owners, err := s.notices.Owners(ctx, l)
	if err != nil || len(owners) == 0 {
		return err
	}
	return s.notices.Send(ctx, &notice.Notice{List: l, To: owners, From: Address(l.Address, store.KindOwner),
		Subject: l.Name + ": " + m.Address + ": " + event, Template: "bounce_owner.txt",
		Data: map[string]any{"Address": m.Address, "Event": event, "Score": m.BounceScore, "Diagnostic": diag}})
}

func (s *Service) unsubscribeComplainer(ctx context.Context, l *List, addr string) error {
	m, err := s.store.Member(ctx, l.ID, addr)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if err := s.store.RemoveMember(ctx, l.ID, addr); err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	s.log.Info("member unsubscribed by an abuse report", "list", l.Address, "rcpt", addr)
	return s.tellOwners(ctx, l, m, "unsubscribed after reporting the list's mail as spam", "")
}

// bounceRounds scores the permanent failures met while sending, then warns
// members whose delivery is disabled and removes those warned enough.
func (s *Service) bounceRounds(ctx context.Context) error {
	fails, err := s.store.UnscoredFailures(ctx, 200)
	if err != nil {
		return err
	}
	for _, f := range fails {
		if strings.Contains(strings.ToLower(f.Text), "dmarc") {
			continue // the author's DMARC policy, not the member's mailbox
		}
		if l, err := s.store.ListByID(ctx, f.ListID); err == nil {
			if err := s.registerBounce(ctx, l, f.Rcpt, fmt.Sprintf("%d %s %s", f.Code, f.Enhanced, f.Text)); err != nil {
				return err
			}
		}
	}
	if err := s.store.MarkFailuresScored(ctx, fails); err != nil {
		return err
	}
	disabled, err := s.store.MembersWithStatus(ctx, StatusDisabledBounce)
	if err != nil {
		return err
	}
	now := s.cfg.Now()
	for _, m := range disabled {
		l, err := s.store.ListByID(ctx, m.ListID)
		if err != nil {
			continue
		}
		switch {
		case m.WarningsSent < BounceWarnings && (m.LastWarningAt.IsZero() || now.Sub(m.LastWarningAt) >= BounceWarnEvery):
			if err := s.warnDisabled(ctx, l, m); err != nil {
				return err
			}
		case m.WarningsSent >= BounceWarnings && now.Sub(m.LastWarningAt) >= BounceWarnEvery:
			if err := s.store.RemoveMember(ctx, l.ID, m.Address); err != nil && !errors.Is(err, store.ErrNotFound) {
				return err
			}
			s.log.Info("member removed after bounces", "list", l.Address, "rcpt", m.Address)
			if err := s.tellOwners(ctx, l, m, "removed after bounces and "+fmt.Sprint(BounceWarnings)+" unanswered warnings", ""); err != nil {
				return err
			}
		}
	}
	return nil
}

// warnDisabled sends a member whose delivery is disabled a warning with a
// re-enable link, which also works by reply.
func (s *Service) warnDisabled(ctx context.Context, l *List, m *store.Member) error {
	now := s.cfg.Now()
	p := &store.Pending{Token: notice.NewToken(), ListID: l.ID, Kind: store.PendingReenable, Address: m.Address, CreatedAt: now, ExpiresAt: now.Add(reenableTTL)}
	if err := s.store.AddPending(ctx, p); err != nil {
		return err
	}
	m.WarningsSent++
	m.LastWarningAt = now
	if err := s.store.UpdateMember(ctx, m); err != nil {
		return err
	}
	confirm := ConfirmAddress(l.Address, p.Token)
	return s.notices.Send(ctx, &notice.Notice{List: l, To: []string{m.Address}, From: confirm, ReplyTo: confirm,
		Subject: "Delivery of " + l.Name + " to you is paused (confirm " + p.Token + ")", Template: "bounce_disabled.txt",
		Data: map[string]any{"Address": m.Address, "Warning": m.WarningsSent, "Warnings": BounceWarnings,
			"ConfirmAddress": confirm, "ConfirmURL": s.ConfirmURL(l.Address, p.Token)}})
}

// embeddedVERP finds, in a report that quotes our copy, the VERP address of
// that copy (LIST-bounces+local=domain=MAC@host) and checks its MAC.
func (s *Service) embeddedVERP(list string, raw []byte) (string, bool) {
	local, domain, _ := strings.Cut(list, "@")
	prefix := strings.ToLower(local + "-bounces+")
	text := strings.ToLower(string(raw))
	for i := strings.Index(text, prefix); i >= 0; {
		rest := text[i+len(prefix):]
		end := strings.IndexAny(rest, ">@ \r\n\t")
		if end > 0 && rest[end] == '@' && strings.HasPrefix(rest[end+1:], domain) {
			if rcpt, ok := s.verpRecipient(list, rest[:end]); ok {
				return rcpt, true
			}
		}
		j := strings.Index(rest, prefix)
		if j < 0 {
			break
		}
		i += len(prefix) + j
	}
	return "", false
}
