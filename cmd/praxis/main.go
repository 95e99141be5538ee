package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"praxis/listserv"
	"praxis/listserv/config"
	"praxis/listserv/store"
	"praxis/templates"
)

// exitUsage is the exit status for bad command lines.
const exitUsage = 2

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// cli carries what every command needs.
type cli struct {
	stdout, stderr io.Writer
	dataFlag       string
	dbFlag         string
	configFlag     string
	// dataFrom says what set the data dir (--data, PRAXIS_DATA, the
	// config file, the default), for the message that says where a
	// command looked.
	dataFrom string
	// indexLag, when set, reads this node's index lag for `praxis
	// status`; nil leaves the line out rather than guess it.
	indexLag indexLagFunc
}

func run(args []string, stdout, stderr io.Writer) int {
	c := &cli{stdout: stdout, stderr: stderr, indexLag: nodeIndexLag}
	fs := c.flags("praxis")
	fs.Usage = func() { printHelp(stderr) }
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return exitUsage
	}
	args = fs.Args()
	if len(args) == 0 {
		printHelp(stderr)
		return exitUsage
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var err error
	switch cmd, rest, group := lookup(args); {
	case cmd != nil:
		err = c.runCommand(ctx, cmd, rest)
	case group != "":
		err = groupUsage(group, args)
	case args[0] == "help" || args[0] == "-h" || args[0] == "--help":
		printHelp(stdout)
		return 0
	default:
		fmt.Fprintf(stderr, "praxis: unknown command %q\n\n", args[0])
		printHelp(stderr)
		return exitUsage
	}
	var ue usageError
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.As(err, &ue):
		fmt.Fprintf(stderr, "praxis: %v\n", err)
		return exitUsage
	default:
		fmt.Fprintf(stderr, "praxis: %s%s\n", store.ErrorText(err), advice(err))
		return 1
	}
}

// usageError is a bad command line (exit 2).
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func usagef(format string, a ...any) error { return usageError{fmt.Sprintf(format, a...)} }

// flags returns a FlagSet carrying the global flags.
func (c *cli) flags(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	fs.StringVar(&c.dataFlag, "data", c.dataFlag, "data directory (env PRAXIS_DATA)")
	fs.StringVar(&c.dbFlag, "db", c.dbFlag, "database: postgres://USER:PASSWORD@HOST/DB, shared by several nodes (env PRAXIS_DB; default SQLite in the data dir)")
	fs.StringVar(&c.configFlag, "config", c.configFlag, "TOML configuration file (env PRAXIS_CONFIG)")
	return fs
}

// parse parses flags wherever they stand among the positional arguments
// (`praxis list create ADDR --name X`), and checks the positional count.
func parse(fs *flag.FlagSet, args []string, min, max int, synopsis string) ([]string, error) {
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: praxis %s\n", synopsis)
		fs.PrintDefaults()
	}
	// The flag package writes a bad flag's error and then the usage;
	// the error is said once, by the caller, with the synopsis: only
	// --help's usage text goes out.
	out := fs.Output()
	var said bytes.Buffer
	fs.SetOutput(&said)
	defer fs.SetOutput(out)
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				out.Write(said.Bytes())
				return nil, err
			}
			return nil, usagef("%v (usage: praxis %s)", err, synopsis)
		}
		args = fs.Args()
		if len(args) == 0 {
			break
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
	if len(pos) < min || (max >= 0 && len(pos) > max) {
		return nil, usagef("usage: praxis %s", synopsis)
	}
	return pos, nil
}

// config builds the configuration: defaults, then the file, then the
// environment, then flags (applied by the caller through apply).
func (c *cli) config(apply func(*config.Config)) (*config.Config, error) {
	cfg := config.Default()
	c.dataFrom = "the default"
	file := c.configFlag
	if file == "" {
		file = os.Getenv("PRAXIS_CONFIG")
	}
	if file != "" {
		if err := cfg.Load(file); err != nil {
			return nil, err
		}
		if cfg.Data != config.Default().Data {
			c.dataFrom = "data in " + file
		}
	}
	if d := os.Getenv("PRAXIS_DATA"); d != "" {
		cfg.Data, c.dataFrom = d, "PRAXIS_DATA"
	}
	if c.dataFlag != "" {
		cfg.Data, c.dataFrom = c.dataFlag, "--data"
	}
	if d := os.Getenv("PRAXIS_DB"); d != "" {
		cfg.DB = d
	}
	if c.dbFlag != "" {
		cfg.DB = c.dbFlag
	}
	if apply != nil {
		apply(&cfg)
	}
	cfg.Finish()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return &cfg, nil
}

// openService opens the data dir for an admin command: one that is
// there (SPEC: only serve and list create make a new one).
func (c *cli) openService(ctx context.Context) (*listserv.Service, func(), error) {
	return c.openData(ctx, false)
}

// openData opens the data dir for an admin command; create makes a
// new one where there is none (list create).
func (c *cli) openData(ctx context.Context, create bool) (*listserv.Service, func(), error) {
	cfg, err := c.config(nil)
	if err != nil {
		return nil, nil, err
	}
	if !create {
		if err := c.checkDataDir(cfg); err != nil {
			return nil, nil, err
		}
	}
	return openService(ctx, cfg, slog.New(slog.NewTextHandler(c.stderr, &slog.HandlerOptions{Level: slog.LevelWarn})), nil)
}

// checkDataDir tells whether cfg's data dir holds an installation, so
// that a command run in the wrong directory says where it looked instead
// of making an empty one there and showing nothing. On PostgreSQL the
// database holds the installation and the data dir only this node's
// index: any database will do, and the commands that need the index ask
// for it by indexDir.
func (c *cli) checkDataDir(cfg *config.Config) error {
	if cfg.DB != "" {
		return nil
	}
	_, err := os.Stat(filepath.Join(cfg.Data, store.SQLiteFile))
	if errors.Is(err, fs.ErrNotExist) {
		return c.noDataDir("no Praxis data dir at %s (no %s in it; that place comes from %s)", absPath(cfg.Data), store.SQLiteFile, c.dataFrom)
	}
	if err != nil {
		return fmt.Errorf("data dir: %w", err)
	}
	return nil
}

// noDataDir is the error of a command that found no data dir: where it
// looked, what set that place, and how to make one.
func (c *cli) noDataDir(format string, a ...any) error {
	return advise(fmt.Errorf(format, a...), "give the right one with --data DIR, PRAXIS_DATA or data in the --config file; `praxis list create` or `praxis serve` makes a new one")
}

// indexDir is this node's index directory, for the commands that use
// the index; on PostgreSQL, where the data dir may be missing, an error
// says where it looked.
func (c *cli) indexDir(cfg *config.Config) (string, error) {
	if _, err := os.Stat(cfg.Data); errors.Is(err, fs.ErrNotExist) {
		return "", c.noDataDir("no data dir at %s, where this node keeps its index (that place comes from %s)", absPath(cfg.Data), c.dataFrom)
	}
	return filepath.Join(cfg.Data, "index"), nil
}

// absPath is path made absolute for a message, or path as it is.
func absPath(path string) string {
	if abs, err := filepath.Abs(path); err == nil {
		return abs
	}
	return path
}

// clock is the time source; the real one in production, a fake one in the
// end-to-end tests that span days.
type clock func() time.Time

// openList opens the data dir and finds a list: the start of every command
// that works on one list.
func (c *cli) openList(ctx context.Context, list string) (*listserv.Service, *listserv.List, func(), error) {
	svc, done, err := c.openService(ctx)
	if err != nil {
		return nil, nil, nil, err
	}
	l, err := svc.List(ctx, list)
	if err != nil {
		done()
		return nil, nil, nil, err
	}
	return svc, l, done, nil
}

// openService opens the data dir. now (the clock) and checker (DMARC) are
// for serve; the admin commands pass neither.
func openService(ctx context.Context, cfg *config.Config, log *slog.Logger, now []clock, checker ...listserv.DMARC) (*listserv.Service, func(), error) {
	var nowFn func() time.Time
	if len(now) > 0 {
		nowFn = now[0]
	}
	var dm listserv.DMARC
	if len(checker) > 0 {
		dm = checker[0]
	}
	st, err := store.Open(ctx, cfg.Data, store.Options{Now: nowFn, DB: cfg.DB, Node: nodeName(cfg.Data)})
	if err != nil {
		return nil, nil, err
	}
	tpl, err := templates.Parse()
	if err != nil {
		st.Close()
		return nil, nil, fmt.Errorf("templates: %w", err)
	}
	svc, err := listserv.New(ctx, st, listserv.Config{BaseURL: cfg.BaseURL, Hostname: cfg.Hostname, Now: nowFn, DMARC: dm, Admin: cfg.Admin}, tpl, log)
	if err != nil {
		st.Close()
		return nil, nil, err
	}
	return svc, func() { st.Close() }, nil
}
