package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"runtime/debug"
	"strconv"
	"strings"

	"praxis/archive/index"
	"praxis/listserv"
	"praxis/listserv/bench"
	"praxis/listserv/config"
)

// bench parses `praxis bench`'s flags and runs listserv/bench with the
// wiring serve and import use.
func (c *cli) bench(ctx context.Context, args []string) error {
	h, err := c.benchHarness()
	if err != nil {
		return err
	}
	if bench.IsChild() {
		return bench.Child(ctx, h, c.stdout, c.stderr)
	}
	progress := func(format string, a ...any) { fmt.Fprintf(c.stderr, "bench: "+format+"\n", a...) }
	// Hidden: --only runs one scenario alone, for whoever works on it
	// (seconds instead of minutes); not part of the bench's contract.
	only, args := bench.Only(args)
	switch only {
	case "", "ingest", "imap", "fanout":
	case "bigpost":
		if _, err := parse(c.flags("bench"), args, 0, 0, "bench --only bigpost"); err != nil {
			return err
		}
		peak, err := bench.Bigpost(ctx, h, c.benchDB(), progress)
		if err != nil {
			return err
		}
		bench.WriteBigpost(c.stdout, peak)
		return nil
	default:
		return usagef("bench: --only %q: only bigpost, fanout, ingest or imap can run alone", only)
	}
	fs := c.flags("bench")
	corpus := fs.String("corpus", "", "mbox file for the archive benchmarks (default: a generated corpus)")
	asJSON := fs.Bool("json", false, "print the result as one JSON object")
	members := fs.Int("members", 10000, "recipients of the fan-out post")
	posts := fs.Int("posts", 4000, "posts sent in the ingest test")
	clients := fs.Int("clients", 8, "concurrent SMTP clients in the ingest test")
	conns := fs.Int("connections", 16, "delivery connections (workers) to the sink")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the run to this file")
	signed := fs.Bool("dkim", false, "sign the fan-out's copies with a DKIM key (RSA 2048)")
	replay := fs.Int("replay", 1, "import the corpus this many times, with new ids each time (an archive N times the size)")
	imapClients := fs.Int("imap-clients", bench.IMAPIdleClients, "IMAP clients idling at once on the archive list")
	scale := fs.Bool("scale", false, "run the cost curve instead: the archive at 1x, 10x and 100x the corpus, the fan-out to 10k, 100k and 1M members")
	plot := fs.String("plot", "praxis-scale.svg", "with --scale: the SVG file the curve is drawn in")
	scaleReplays := fs.String("scale-replays", "1,10,100", "with --scale: the archive's sizes, as replays of the corpus")
	scaleMembers := fs.String("scale-members", "10000,100000,1000000", "with --scale: the fan-out's member counts")
	if _, err := parse(fs, args, 0, 0, "bench [--corpus FILE] [--json]"); err != nil {
		return err
	}
	if *corpus != "" {
		if _, err := os.Stat(*corpus); err != nil {
			return fmt.Errorf("bench: corpus: %w", err)
		}
	}
	if *cpuProfile != "" {
		stop, err := bench.StartCPUProfile(*cpuProfile)
		if err != nil {
			return err
		}
		defer stop()
		// The archive scenario runs in a child of its own: its profile
		// goes beside this one.
		os.Setenv(bench.CPUProfileEnv, *cpuProfile+".archive")
	}
	params := bench.Params{Members: *members, Posts: *posts, Clients: *clients, Conns: *conns, Corpus: *corpus, DKIM: *signed, Replay: *replay,
		DB: c.benchDB(), IMAPClients: *imapClients}
	if *scale {
		return c.benchScale(ctx, h, params, *scaleReplays, *scaleMembers, *plot, *asJSON, progress)
	}
	res, err := bench.Run(ctx, h, bench.Params{Members: *members, Posts: *posts, Clients: *clients, Conns: *conns, Corpus: *corpus, DKIM: *signed, Replay: *replay,
		DB: c.benchDB(), IngestOnly: only == "ingest", FanoutOnly: only == "fanout", IMAPOnly: only == "imap", IMAPClients: *imapClients}, progress)
	if err != nil {
		return err
	}
	if *asJSON {
		return json.NewEncoder(c.stdout).Encode(res)
	}
	bench.WriteText(c.stdout, res)
	return nil
}

// benchScale runs --scale: the curve, its JSON (or a table) on stdout and
// its plot in plotFile.
func (c *cli) benchScale(ctx context.Context, h bench.Harness, p bench.Params, replays, members, plotFile string, asJSON bool, progress bench.Progress) error {
	rs, err := intList(replays)
	if err != nil {
		return usagef("bench: --scale-replays: %v", err)
	}
	ms, err := intList(members)
	if err != nil {
		return usagef("bench: --scale-members: %v", err)
	}
	sr, err := bench.Scale(ctx, h, p, rs, ms, progress)
	if err != nil {
		return err
	}
	if plotFile != "" {
		var buf bytes.Buffer
		if err := bench.WritePlot(&buf, sr); err != nil {
			return err
		}
		if err := os.WriteFile(plotFile, buf.Bytes(), 0o644); err != nil {
			return fmt.Errorf("bench: plot: %w", err)
		}
		sr.Plot = plotFile
		progress("scale: the plot is in %s", plotFile)
	}
	if asJSON {
		return json.NewEncoder(c.stdout).Encode(sr)
	}
	bench.WriteScaleText(c.stdout, sr)
	return nil
}

// intList parses "1,10,100"; an empty string is no sizes.
func intList(s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f == "" {
			continue
		}
		n, err := strconv.Atoi(f)
		if err != nil || n <= 0 {
			return nil, fmt.Errorf("%q is not a positive number", f)
		}
		out = append(out, n)
	}
	return out, nil
}

// benchDB is the server the bench makes its databases in: --db, else
// PRAXIS_DB, as every command reads them; "" for SQLite.
func (c *cli) benchDB() string {
	if c.dbFlag != "" {
		return c.dbFlag
	}
	return os.Getenv("PRAXIS_DB")
}

// benchHarness is the wiring the bench runs: serve's, import's, and this
// binary again for the big-post child.
func (c *cli) benchHarness() (bench.Harness, error) {
	self, err := os.Executable()
	if err != nil {
		return bench.Harness{}, err
	}
	return bench.Harness{
		OpenService: func(ctx context.Context, cfg *config.Config, log *slog.Logger) (*listserv.Service, func(), error) {
			return openService(ctx, cfg, log, nil)
		},
		RunServer: func(ctx context.Context, cfg *config.Config, log *slog.Logger, announce func(name, addr string)) error {
			return runServer(ctx, cfg, log, announce)
		},
		OpenIndex: func(ctx context.Context, svc *listserv.Service, data string, log *slog.Logger) (*index.Index, error) {
			return openIndex(ctx, svc, data, log, 0)
		},
		Import: func(ctx context.Context, svc *listserv.Service, l *listserv.List, idx *index.Index) (func([]byte) error, func() error) {
			// As the import command does, for the import alone: the
			// searches after it are serve's, and run as serve runs
			// them (setMemoryTuning), not under the import's limit,
			// which had the collector at work through every query.
			prev := debug.SetMemoryLimit(-1)
			setImportMemoryTuning()
			im := newImporter(ctx, svc, l, idx)
			return im.add, func() error {
				defer debug.SetMemoryLimit(prev)
				return im.close()
			}
		},
		WebDeps:    webDeps,
		TuneMemory: setMemoryTuning,
		Child:      []string{self, "bench"},
	}, nil
}
