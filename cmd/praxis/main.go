package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"praxis/listserv"
	"praxis/listserv/config"
	"praxis/listserv/store"
	"praxis/templates"
)

const usage = `praxis — mailing lists for communities of practice

Usage: praxis [--data DIR] [--config FILE] COMMAND [ARGS]

Commands:
  serve                         run the SMTP/LMTP receiver, delivery, and web server
  list create|ls|show|set|rm    manage lists
  member add|rm|ls|show|set     manage members
  member invite LIST ADDR       invite someone to join (they accept by reply)
  held ls|approve|reject|discard  the moderation queue
  ban add|rm|ls LIST [PATTERN]  addresses (or ^regexes) that may not post or join
  domain dkim-keygen DOMAIN     create a DKIM key and print the DNS record
  import mbox LIST FILE...      read an existing archive (mbox, mboxrd, .gz)
  import members LIST FILE.csv  bulk-add members (email,name,role,delivery)
  export mbox LIST [--since D]  write the list's archive as mboxrd to stdout
  thread LIST MESSAGE-ID        print the thread that holds a message
  search LIST QUERY             search the archive (public-inbox query language)
  reindex [LIST]                rebuild the full-text index from the archive
  digest send [--list L] [--force]   send the digests and summaries that are due
  digest preview LIST [--kind digest|summary] [--end DATE] [--format text|html|eml]
                                render one without sending it
  bench [--json]                the performance benchmark

Global flags (also accepted after the command):
  --data DIR      data directory (default ./praxis-data, env PRAXIS_DATA)
  --config FILE   TOML configuration (env PRAXIS_CONFIG)

Run "praxis COMMAND --help" for a command's flags.
`

// exitUsage is the exit status for bad command lines.
const exitUsage = 2

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// cli carries what every command needs.
type cli struct {
	stdout, stderr io.Writer
	dataFlag       string
	configFlag     string
}

func run(args []string, stdout, stderr io.Writer) int {
	c := &cli{stdout: stdout, stderr: stderr}
	fs := c.flags("praxis")
	fs.Usage = func() { fmt.Fprint(stderr, usage) }
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return exitUsage
	}
	args = fs.Args()
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return exitUsage
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var err error
	switch args[0] {
	case "serve":
		err = c.serve(ctx, args[1:])
	case "list":
		err = c.list(ctx, args[1:])
	case "member":
		err = c.member(ctx, args[1:])
	case "held":
		err = c.held(ctx, args[1:])
	case "domain":
		err = c.domain(ctx, args[1:])
	case "import":
		err = c.importCmd(ctx, args[1:])
	case "export":
		err = c.exportCmd(ctx, args[1:])
	case "thread":
		err = c.threadCmd(ctx, args[1:])
	case "search":
		err = c.searchCmd(ctx, args[1:])
	case "reindex":
		err = c.reindexCmd(ctx, args[1:])
	case "ban":
		err = c.ban(ctx, args[1:])
	case "digest":
		err = c.digestCmd(ctx, args[1:])
	case "bench":
		err = c.bench(ctx, args[1:])
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	default:
		fmt.Fprintf(stderr, "praxis: unknown command %q\n\n%s", args[0], usage)
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
		fmt.Fprintf(stderr, "praxis: %v\n", cleanError(err))
		return 1
	}
}

// cleanError drops the sentinel suffixes (": not found") that say nothing
// more to a person than the message before them.
func cleanError(err error) string {
	s := err.Error()
	for _, sentinel := range []string{": " + store.ErrNotFound.Error(), ": " + store.ErrDuplicate.Error(), ": " + listserv.ErrInvalid.Error()} {
		s = strings.ReplaceAll(s, sentinel, "")
	}
	return strings.ReplaceAll(s, listserv.ErrInvalid.Error()+": ", "")
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
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
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
	file := c.configFlag
	if file == "" {
		file = os.Getenv("PRAXIS_CONFIG")
	}
	if file != "" {
		if err := cfg.Load(file); err != nil {
			return nil, err
		}
	}
	if d := os.Getenv("PRAXIS_DATA"); d != "" {
		cfg.Data = d
	}
	if c.dataFlag != "" {
		cfg.Data = c.dataFlag
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

// openService opens the data dir for an admin command.
func (c *cli) openService(ctx context.Context) (*listserv.Service, func(), error) {
	cfg, err := c.config(nil)
	if err != nil {
		return nil, nil, err
	}
	return openService(ctx, cfg, slog.New(slog.NewTextHandler(c.stderr, &slog.HandlerOptions{Level: slog.LevelWarn})), nil)
}

// clock is the time source; the real one in production, a fake one in the
// end-to-end tests that span days.
type clock func() time.Time

// openService opens the data dir. now (the clock) and checker (DMARC) are
// for serve; the admin commands pass neither.
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

func openService(ctx context.Context, cfg *config.Config, log *slog.Logger, now []clock, checker ...listserv.DMARC) (*listserv.Service, func(), error) {
	var nowFn func() time.Time
	if len(now) > 0 {
		nowFn = now[0]
	}
	var dm listserv.DMARC
	if len(checker) > 0 {
		dm = checker[0]
	}
	st, err := store.Open(ctx, cfg.Data, store.Options{Now: nowFn})
	if err != nil {
		return nil, nil, err
	}
	tpl, err := templates.Parse()
	if err != nil {
		st.Close()
		return nil, nil, fmt.Errorf("templates: %w", err)
	}
	svc, err := listserv.New(ctx, st, listserv.Config{BaseURL: cfg.BaseURL, Hostname: cfg.Hostname, Now: nowFn, DMARC: dm}, tpl, log)
	if err != nil {
		st.Close()
		return nil, nil, err
	}
	return svc, func() { st.Close() }, nil
}
