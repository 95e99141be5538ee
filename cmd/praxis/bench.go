package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"runtime/pprof"

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
	if _, err := parse(fs, args, 0, 0, "bench [--corpus FILE] [--json]"); err != nil {
		return err
	}
	if *corpus != "" {
		if _, err := os.Stat(*corpus); err != nil {
			return fmt.Errorf("bench: corpus: %w", err)
		}
	}
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
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
			im := newImporter(ctx, svc, l, idx)
			return im.add, im.close
		},
		WebDeps:    webDeps,
		TuneMemory: setMemoryTuning,
		Child:      []string{self, "bench"},
	}, nil
}
