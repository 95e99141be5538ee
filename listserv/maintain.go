package listserv

import (
	"context"
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
	if err := s.held.Expire(ctx); err != nil {
		return err
	}
	return s.bounces.Rounds(ctx)
}
