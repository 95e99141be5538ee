package bench

import (
	"context"
	"fmt"
)

// The cost curve (`praxis bench --scale`, SPEC: Benchmark): the archive
// scenario at 1x, 10x and 100x the corpus (each on a data dir and
// database of its own, in a child process, as the bench's archive runs)
// and the fan-out to 10,000, 100,000 and 1,000,000 members (each served
// by a child of its own), so that anyone can see how each cost grows
// with the community.

// ScaleReplays and ScaleMembers are the curve's sizes.
var (
	ScaleReplays = []int{1, 10, 100}
	ScaleMembers = []int{10_000, 100_000, 1_000_000}
)

// ScaleResult is what --scale prints as JSON.
type ScaleResult struct {
	Corpus string `json:"corpus"`
	// Archive holds the archive scenario's figures at each size, with the
	// bench's keys (those of other scenarios zero or null).
	Archive []*Result `json:"archive"`
	// Fanout holds the fan-out's figures at each member count.
	Fanout []*FanoutFigures `json:"fanout"`
	// Plot is the file the plot was written to.
	Plot     string `json:"plot,omitempty"`
	Database string `json:"database"`
}

// Scale runs the curve: the archive at each of replays, the fan-out at
// each of members.
func Scale(ctx context.Context, h Harness, p Params, replays, members []int, progress Progress) (*ScaleResult, error) {
	out := &ScaleResult{Corpus: p.Corpus, Database: "sqlite"}
	if out.Corpus == "" {
		out.Corpus = "generated"
	}
	if p.DB != "" {
		out.Database = "postgres"
	}
	for _, n := range replays {
		progress("scale: the archive at %dx", n)
		r, err := scaleArchive(ctx, h, p, n, progress)
		if err != nil {
			return nil, fmt.Errorf("bench: scale %dx: %w", n, err)
		}
		out.Archive = append(out.Archive, r)
	}
	for _, m := range members {
		progress("scale: the fan-out to %d members", m)
		fp := p
		fp.Members = m
		f, err := Fanout(ctx, h, fp, progress)
		if err != nil {
			return nil, fmt.Errorf("bench: scale %d members: %w", m, err)
		}
		out.Fanout = append(out.Fanout, f)
	}
	return out, nil
}

// scaleArchive runs the archive scenario once at replay n, on a data dir
// and database of its own, without the bare-Bleve ceiling (a second
// import of the same size, which says nothing of how Praxis grows).
func scaleArchive(ctx context.Context, h Harness, p Params, n int, progress Progress) (*Result, error) {
	dir, db, done, err := scratch(ctx, "scale", p.DB, progress)
	if err != nil {
		return nil, err
	}
	defer done()
	ap := p
	ap.Replay, ap.NoCeiling = n, true
	cfg := benchConfig(dir, db, "127.0.0.1:9", ap)
	res := &Result{Corpus: p.Corpus, Replay: n, Database: "sqlite"}
	if db != "" {
		res.Database = "postgres"
	}
	if err := archiveInChild(ctx, h, &cfg, ap, res, progress); err != nil {
		return nil, err
	}
	return res, nil
}
