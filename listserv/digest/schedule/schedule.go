package schedule

import (
	"context"
	"log/slog"
	"time"

	"praxis/listserv/store"
)

// Runner sends what is due at now (Digests.RunDigests).
type Runner interface {
	RunDigests(ctx context.Context, now time.Time, force bool, only string) ([]DigestReport, error)
}

var _ Runner = (*Digests)(nil)

// Recorder keeps each scheduled job's last pass (store.Jobs), which
// `praxis status` shows.
type Recorder interface {
	RecordJobRun(ctx context.Context, job string, runErr error) error
}

var _ Recorder = (*store.Store)(nil)

// Job is the name the scheduler's passes are recorded under.
const Job = "digests"

// Tick is how often the scheduler looks for digests and summaries that
// are due: a list's hour comes within a minute.
const Tick = time.Minute

// Scheduler sends the digests and summaries that fall due while it runs.
type Scheduler struct {
	runner Runner
	rec    Recorder
	now    func() time.Time
	tick   time.Duration
	log    *slog.Logger
}

// New builds a scheduler; now is the clock the runs are due by (the
// Service's, so that tests which move time move both); each pass is
// recorded with rec.
func New(runner Runner, rec Recorder, now func() time.Time, log *slog.Logger) *Scheduler {
	return &Scheduler{runner: runner, rec: rec, now: now, tick: Tick, log: log}
}

// Run sends what is due at once and then at every tick, until ctx ends.
// A failed run is logged and tried again at the next tick, so Run only
// returns when ctx ends, with nil.
func (s *Scheduler) Run(ctx context.Context) error {
	tick := time.NewTicker(s.tick)
	defer tick.Stop()
	for {
		reports, err := s.runner.RunDigests(ctx, s.now(), false, "")
		for _, r := range reports {
			if r.Skipped != "" {
				continue // most lists, most minutes: nothing to say
			}
			s.log.Info("sent", "list", r.List, "kind", r.Kind, "volume", r.Volume, "issue", r.Issue, "members", r.Queued,
				"from", r.Period.Start, "to", r.Period.End)
		}
		if ctx.Err() == nil {
			if err != nil {
				s.log.Error("digests", "err", err)
			}
			if err := s.rec.RecordJobRun(ctx, Job, err); err != nil {
				s.log.Error("recording the digests' pass", "err", err)
			}
		}
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
	}
}
