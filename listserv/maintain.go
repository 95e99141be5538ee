package listserv

import (
	"context"
	"errors"
	"time"

	"praxis/listserv/store"
)

// maintainEvery is how often Run does the periodic work.
const maintainEvery = time.Minute

// MaintainJob is the name Maintain's passes are recorded under.
const MaintainJob = "maintain"

// Maintain does what is due with the passing of time: requests that nobody
// confirmed expire, the rate limits' full buckets go, held posts nobody
// decided expire (their authors are told), each list's owners and
// moderators get the review of the month that ended, and members disabled
// by bounces are warned and, in the end, removed. Each step is idempotent, and every node runs them: what must
// happen once (a notice) is claimed in the transaction that queues it
// (store.Jobs). The clock is the service's.
func (s *Service) Maintain(ctx context.Context) error {
	err := s.maintain(ctx)
	if ctx.Err() != nil {
		return err
	}
	// Its pass is recorded, failed or not, for `praxis status`.
	if rerr := s.store.RecordJobRun(ctx, MaintainJob, err); rerr != nil {
		return errors.Join(err, rerr)
	}
	return err
}

func (s *Service) maintain(ctx context.Context) error {
	if _, err := s.store.DeleteExpiredPending(ctx, store.PendingSubscribe, store.PendingUnsubscribe, store.PendingInvite, store.PendingApproval, store.PendingReenable, store.PendingCommand); err != nil {
		return err
	}
	if _, err := s.store.ForgetSignatures(ctx); err != nil {
		return err
	}
	// The limits' shared buckets that are full again mean nothing.
	if _, err := s.store.PruneRateBuckets(ctx); err != nil {
		return err
	}
	if err := s.held.Expire(ctx); err != nil {
		return err
	}
	// Each list's review of the month that ended, to its owners and
	// moderators, once.
	if err := s.reviews.Monthly(ctx); err != nil {
		return err
	}
	return s.bounces.Rounds(ctx)
}
