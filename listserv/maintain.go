package listserv

import (
	"context"
	"errors"
	"fmt"
	"praxis/listserv/notice"
	"time"

	"praxis/listserv/store"
)

// maintainEvery is how often Run does the periodic work.
const maintainEvery = time.Minute

// Maintain does what is due with the passing of time: requests that nobody
// confirmed expire, held posts nobody decided expire (their authors are
// told), and members disabled by bounces are warned and, in the end,
// removed. Each step is idempotent; the clock is the service's.
func (s *Service) Maintain(ctx context.Context) error {
	if _, err := s.store.DeleteExpiredPending(ctx, store.PendingSubscribe, store.PendingUnsubscribe, store.PendingInvite, store.PendingApproval, store.PendingReenable, store.PendingCommand); err != nil {
		return err
	}
	if _, err := s.store.ForgetSignatures(ctx); err != nil {
		return err
	}
	if err := s.expireHeld(ctx); err != nil {
		return err
	}
	return s.bounceRounds(ctx)
}

// expireHeld rejects held posts whose notice expired, telling each author.
func (s *Service) expireHeld(ctx context.Context) error {
	for {
		ps, err := s.store.ExpiredPending(ctx, store.PendingHeld, 50)
		if err != nil || len(ps) == 0 {
			return err
		}
		for _, p := range ps {
			if ok, err := s.store.TakePending(ctx, p.ID); err != nil || !ok {
				if err != nil {
					return err
				}
				continue
			}
			id, _ := parseID(p.Data)
			l, err := s.store.ListByID(ctx, p.ListID)
			if err != nil {
				continue // the list is gone; its mail was dropped with it
			}
			m, err := s.store.Message(ctx, id)
			if err != nil || m.State != store.StateHeld {
				continue // decided from the CLI or the web meanwhile
			}
			reason := fmt.Sprintf("expired after %d days without a moderator's decision", l.HoldDays)
			if err := s.store.Transition(ctx, id, store.StateHeld, store.StateRejected, reason, "", nil); err != nil {
				if errors.Is(err, store.ErrState) {
					continue
				}
				return err
			}
			s.log.Info("held post expired", "list", l.Address, "spool_id", id)
			to := m.FromAddr
			if to == "" {
				to = m.MailFrom
			}
			if to == "" {
				continue
			}
			if ok, err := s.allowAutoMail(ctx, "reply", to, MaxAutoRepliesPerDay); err != nil {
				return err
			} else if !ok {
				continue
			}
			if err := s.notices.Send(ctx, &notice.Notice{List: l, To: []string{to}, From: Address(l.Address, store.KindOwner),
				Subject: "Your post to " + l.Name + " expired", Template: "held_expired.txt", Auto: "auto-replied", InReply: m.MessageID,
				Data: map[string]any{"Subject": m.Subject, "Days": l.HoldDays}}); err != nil {
				return err
			}
		}
	}
}
