package bench

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sync"
	"time"

	"praxis/listserv/config"
)

// twoNodesList is the list the two-node fan-out posts to.
const twoNodesList = "split@bench.localhost"

// benchTwoNodes is the fan-out of one post to p.Members split between two
// nodes (SPEC: Benchmark): two serves in this process, each with a data
// dir of its own, on one PostgreSQL database, sending to one sink that
// counts each member's copies. The post goes to the first node; both
// claim copies from the shared queue. The figures are the copies per
// second from the 250 to the last member's copy, and the copies a member
// got more than once. On SQLite (no --db), which one node has to itself,
// the keys stay null.
func benchTwoNodes(ctx context.Context, h Harness, p Params, res *Result, progress Progress) error {
	if p.DB == "" {
		return nil
	}
	var mu sync.Mutex
	perRcpt := make(map[string]int, p.Members)
	snk, err := StartSink(func(_ string, rcpts []string, _ []byte) {
		mu.Lock()
		defer mu.Unlock()
		for _, r := range rcpts {
			perRcpt[r]++
		}
	})
	if err != nil {
		return fmt.Errorf("bench: two nodes: sink: %w", err)
	}
	defer snk.Close()
	db, dropDB, err := scratchDB(ctx, p.DB, progress)
	if err != nil {
		return err
	}
	defer dropDB()
	var cfgs [2]config.Config
	for i := range cfgs {
		dir, err := os.MkdirTemp("", "praxis-bench-node-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		cfgs[i] = benchConfig(dir, db, snk.Addr(), p)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	if err := setUpFanout(ctx, h, &cfgs[0], log, p, twoNodesList); err != nil {
		return err
	}

	srvCtx, stop := context.WithCancel(ctx)
	defer stop()
	addrs := make(chan string, 2)
	done := make(chan error, 2)
	for i := range cfgs {
		go func() {
			done <- h.RunServer(srvCtx, &cfgs[i], log, func(name, addr string) {
				if name == "smtp" {
					addrs <- addr
				}
			})
		}()
	}
	var first string
	for range cfgs {
		select {
		case a := <-addrs:
			if first == "" {
				first = a
			}
		case err := <-done:
			return fmt.Errorf("bench: two nodes: server: %w", err)
		}
	}
	distinct := func() int {
		mu.Lock()
		defer mu.Unlock()
		return len(perRcpt)
	}
	progress("fan-out on two nodes: one post to %d members", p.Members)
	start := time.Now()
	if err := send(first, "alice@bench.localhost", twoNodesList, message(2, "alice@bench.localhost", twoNodesList)); err != nil {
		return fmt.Errorf("bench: two nodes: post: %w", err)
	}
	if err := waitFor(ctx, 5*time.Minute, func() bool { return distinct() >= p.Members }); err != nil {
		return fmt.Errorf("bench: two nodes: %d of %d members got the post: %w", distinct(), p.Members, err)
	}
	rate := float64(p.Members) / time.Since(start).Seconds()
	// Both nodes stop cleanly (their copies in flight recorded) before
	// the duplicates are counted: a copy sent twice has arrived by then.
	stop()
	for range cfgs {
		if err := <-done; err != nil {
			return fmt.Errorf("bench: two nodes: server: %w", err)
		}
	}
	mu.Lock()
	dups := 0
	for _, n := range perRcpt {
		dups += n - 1
	}
	mu.Unlock()
	res.FanoutTwoNodesRcptsPerS, res.FanoutTwoNodesDuplicates = &rate, &dups
	progress("fan-out on two nodes: %.0f copies/s, %d duplicates", rate, dups)
	return nil
}
