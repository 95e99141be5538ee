package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"time"

	"praxis/listserv"
	"praxis/listserv/config"
	"praxis/listserv/dkim"
	"praxis/listserv/store"
)

// The fan-out scenario (SPEC: Benchmark, fanout_rcpts_per_s and
// fanout_peak_rss_mb): one post to a list of p.Members, from the 250 to
// the last copy at the sink. The server runs as `serve` does, in a child
// process of its own, so that its peak resident set is the figure: the
// parent, which made the members and counts the copies, does not count.
// A server's memory must not grow with the list: the queue claims and
// sends copies in bounded batches whatever the member count.

const (
	fanoutList = "fanout@bench.localhost"
	warmList   = "warm@bench.localhost"
	// childConns carries the delivery connections to the fan-out child.
	childConns = "PRAXIS_BENCH_CONNS"
	// memberBatch is how many members the set-up inserts at once: a
	// million members are never all in memory, in the parent either.
	memberBatch = 10_000
)

// FanoutFigures are what the fan-out scenario measures.
type FanoutFigures struct {
	Members     int     `json:"members"`
	RcptsPerS   float64 `json:"rcpts_per_s"`
	PeakRSSMB   float64 `json:"peak_rss_mb"`
	DurationSec float64 `json:"duration_s"`
}

// Fanout runs the scenario on a data dir and database of its own.
func Fanout(ctx context.Context, h Harness, p Params, progress Progress) (*FanoutFigures, error) {
	snk, err := StartSink(nil)
	if err != nil {
		return nil, fmt.Errorf("bench: fan-out sink: %w", err)
	}
	defer snk.Close()
	dir, db, done, err := scratch(ctx, "fanout", p.DB, progress)
	if err != nil {
		return nil, err
	}
	defer done()
	cfg := benchConfig(dir, db, snk.Addr(), p)
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	progress("fan-out: a list of %d members", p.Members)
	if err := setUpFanout(ctx, h, &cfg, quiet, p, fanoutList); err != nil {
		return nil, fmt.Errorf("bench: fan-out: %w", err)
	}
	ch, err := startChildEnv(ctx, h, "fanout", dir, db, snk.Addr(), []string{childConns + "=" + strconv.Itoa(p.Conns)}, "smtp")
	if err != nil {
		return nil, fmt.Errorf("bench: fan-out: %w", err)
	}
	defer ch.stop()
	addr := ch.addrs["smtp"]
	fail := func(err error) (*FanoutFigures, error) { return nil, fmt.Errorf("bench: fan-out: %w", ch.fail(err)) }

	// A server that has run for a while has its connections open, its
	// statements prepared and the database's catalogue in memory; a fresh
	// one pays for all of that with its first post, which on PostgreSQL
	// (a new database, new connections) costs more than the rest of the
	// copies' path. One post to a one-member list first, so that the
	// figure is the fan-out's, on either engine.
	if err := send(addr, "warm@bench.localhost", warmList, message(0, "warm@bench.localhost", warmList)); err != nil {
		return fail(fmt.Errorf("warm-up post: %w", err))
	}
	if err := waitFor(ctx, time.Minute, func() bool { return snk.rcpts.Load() > 0 }); err != nil {
		return fail(fmt.Errorf("warm-up post never relayed: %w", err))
	}
	progress("fan-out: one post to %d members", p.Members)
	before := snk.rcpts.Load()
	start := time.Now()
	if err := send(addr, "alice@bench.localhost", fanoutList, message(1, "alice@bench.localhost", fanoutList)); err != nil {
		return fail(fmt.Errorf("post: %w", err))
	}
	// A minute for every 10,000 copies at least: a busy machine is slow,
	// not broken.
	limit := max(5*time.Minute, time.Duration(p.Members/10_000)*time.Minute)
	if err := waitFor(ctx, limit, func() bool { return snk.rcpts.Load()-before >= int64(p.Members) }); err != nil {
		return fail(fmt.Errorf("%d of %d copies arrived: %w", snk.rcpts.Load()-before, p.Members, err))
	}
	took := time.Since(start)
	peak := procPeakRSSMB(strconv.Itoa(ch.cmd.Process.Pid))
	if err := ch.stop(); err != nil {
		return nil, fmt.Errorf("bench: fan-out: %w", err)
	}
	if peak == 0 {
		return nil, errors.New("bench: fan-out: no peak RSS (no /proc?)")
	}
	f := &FanoutFigures{Members: p.Members, RcptsPerS: float64(p.Members) / took.Seconds(), PeakRSSMB: peak, DurationSec: took.Seconds()}
	progress("fan-out: %.0f copies/s, the server's peak RSS %.0f MB", f.RcptsPerS, f.PeakRSSMB)
	return f, nil
}

// setUpFanout creates the fan-out list of p.Members (alice, who posts,
// the first of them) and the one-member list the warm-up post goes to,
// the members inserted a batch at a time.
func setUpFanout(ctx context.Context, h Harness, cfg *config.Config, log *slog.Logger, p Params, fanout string) error {
	svc, closeSvc, err := h.OpenService(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer closeSvc()
	for _, l := range []*listserv.List{
		{Address: fanout, Name: "Fan-out", PostPolicy: listserv.PostMembers},
		{Address: warmList, Name: "Warm", PostPolicy: listserv.PostOpen},
	} {
		l.SubscribePolicy, l.ArchivePolicy, l.Prefix = listserv.SubscribeConfirm, listserv.ArchivePublic, "[bench] "
		if err := svc.CreateList(ctx, l); err != nil {
			return err
		}
	}
	if err := svc.AddMember(ctx, warmList, &store.Member{Address: "reader@bench.localhost"}); err != nil {
		return err
	}
	if err := addBenchMembers(ctx, svc, fanout, p.Members); err != nil {
		return err
	}
	if p.DKIM {
		pemKey, err := dkim.GenerateKey()
		if err == nil {
			err = svc.Store().PutDKIMKey(ctx, &store.DKIMKey{Domain: "bench.localhost", Selector: "bench", PrivatePEM: pemKey})
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// addBenchMembers gives the list n members who get each post, alice (who
// posts) the first, memberBatch at a time.
func addBenchMembers(ctx context.Context, svc *listserv.Service, list string, n int) error {
	l, err := svc.List(ctx, list)
	if err != nil {
		return err
	}
	ms := make([]*store.Member, 0, min(n, memberBatch))
	for i := 0; i < n; i += memberBatch {
		ms = ms[:0]
		for k := i; k < min(n, i+memberBatch); k++ {
			addr := fmt.Sprintf("member%07d@rcpt%d.bench.localhost", k, k%50)
			if k == 0 {
				addr = "alice@bench.localhost"
			}
			ms = append(ms, &store.Member{ListID: l.ID, Address: addr, Role: listserv.RoleMember, Delivery: listserv.DeliverEach})
		}
		if err := svc.Store().AddMembers(ctx, ms); err != nil {
			return err
		}
	}
	return nil
}
