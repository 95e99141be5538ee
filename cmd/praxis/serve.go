package main

import (
	"context"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"praxis/archive"
	"praxis/archive/index"
	"praxis/archive/web"
	"praxis/listserv"
	"praxis/listserv/config"
	"praxis/listserv/delivery"
	"praxis/listserv/delivery/transport"
	"praxis/listserv/dmarc"
	"praxis/listserv/dns"
	"praxis/listserv/smtpin"
)

// serveFlags binds the serve flags to cfg; the file's keys have the same names.
func serveFlags(fs *flag.FlagSet, cfg *config.Config) {
	fs.StringVar(&cfg.SMTP, "smtp", cfg.SMTP, "SMTP receiver address")
	fs.StringVar(&cfg.LMTP, "lmtp", cfg.LMTP, "LMTP receiver address (off when empty)")
	fs.StringVar(&cfg.HTTP, "http", cfg.HTTP, "web server address")
	fs.StringVar(&cfg.IMAP, "imap", cfg.IMAP, "read-only IMAP archive address")
	fs.StringVar(&cfg.IMAPS, "imaps", cfg.IMAPS, "implicit-TLS IMAP address (off when empty)")
	fs.StringVar(&cfg.BaseURL, "base-url", cfg.BaseURL, "the address written into links in mail (default http://HTTP)")
	fs.StringVar(&cfg.Delivery, "delivery", cfg.Delivery, "smtp://[user:pass@]host:port[?tls=starttls|implicit|none], mx, or maildir:DIR (default maildir:DATA/outbox)")
	fs.StringVar(&cfg.IMAPIngest, "imap-ingest", cfg.IMAPIngest, "imaps://user:pass@host:port/INBOX?list=ADDR")
	fs.StringVar(&cfg.Hostname, "hostname", cfg.Hostname, "SMTP greeting and Message-ID domain")
	fs.StringVar(&cfg.DNS, "dns", cfg.DNS, "DNS server host:port for MX, DMARC and DKIM look-ups")
	fs.StringVar(&cfg.TLSCert, "tls-cert", cfg.TLSCert, "certificate for STARTTLS")
	fs.StringVar(&cfg.TLSKey, "tls-key", cfg.TLSKey, "key for STARTTLS")
	fs.Int64Var(&cfg.MaxMessageBytes, "max-message-bytes", cfg.MaxMessageBytes, "largest message accepted")
	fs.IntVar(&cfg.MaxConnections, "max-connections", cfg.MaxConnections, "concurrent SMTP connections")
	fs.Float64Var(&cfg.RatePerSecond, "rate-per-second", cfg.RatePerSecond, "SMTP transactions per second per client (0: no limit)")
	fs.IntVar(&cfg.RateBurst, "rate-burst", cfg.RateBurst, "burst of the per-client rate limit")
	fs.IntVar(&cfg.DeliveryConcurrency, "delivery-concurrency", cfg.DeliveryConcurrency, "delivery workers")
	fs.IntVar(&cfg.MXPort, "mx-port", cfg.MXPort, "port of MX hosts for --delivery mx")
	fs.StringVar(&cfg.LogLevel, "log-level", cfg.LogLevel, "debug, info, warn or error")
	fs.Var(config.NewListFlag(&cfg.TrustedProxy), "trusted-proxy", "a reverse proxy (CIDR) whose X-Forwarded-For is believed (rate limits, logs); repeatable or comma-separated")
}

func (c *cli) serve(ctx context.Context, args []string) error {
	flagCfg := config.Default()
	fs := c.flags("serve")
	serveFlags(fs, &flagCfg)
	if _, err := parse(fs, args, 0, 0, "serve [flags]"); err != nil {
		return err
	}
	cfg, err := c.config(func(cfg *config.Config) {
		// Flags win over the file: replay the ones given onto it.
		replay := flag.NewFlagSet("replay", flag.ContinueOnError)
		serveFlags(replay, cfg)
		fs.Visit(func(f *flag.Flag) {
			if replay.Lookup(f.Name) != nil {
				replay.Set(f.Name, f.Value.String())
			}
		})
	})
	if err != nil {
		return err
	}
	var level slog.Level
	level.UnmarshalText([]byte(cfg.LogLevel))
	log := slog.New(slog.NewTextHandler(c.stderr, &slog.HandlerOptions{Level: level}))
	setMemoryTuning(cfg)
	return runServer(ctx, cfg, log, func(name, addr string) {
		fmt.Fprintf(c.stdout, "%s listening on %s\n", name, addr)
	})
}

// memoryLimitOverhead is what serve needs beyond mail in transit and
// the work after the 250: the runtime, SQLite's caches, Bleve's
// segments and merges, web pages.
const memoryLimitOverhead = 256 << 20

// setMemoryTuning sets the collector for serve (and the bench's child,
// which must measure what serve does). GOGC and GOMEMLIMIT in the
// environment win.
func setMemoryTuning(cfg *config.Config) {
	if os.Getenv("GOGC") == "" {
		// serve's live heap is small (tens of MB) and its garbage is
		// mostly short-lived page and search buffers: collecting at three
		// times the live heap instead of twice gave the web pages about
		// a fifth more throughput under load, for a little more memory.
		debug.SetGCPercent(300)
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		// With GOGC at 300 a burst of big posts (tens of MB live each
		// while checked, archived and copied) lets the heap grow to four
		// times that before collecting: 20 posts of 25 MB took serve to
		// a gigabyte. A soft limit makes the collector work harder as
		// the heap nears what the configuration allows instead: mail in
		// transit (the memory budget), as much again for the work after
		// the 250, and a fixed overhead. Soft: a live heap above it is
		// not refused memory, it only costs CPU.
		debug.SetMemoryLimit(memoryLimit(cfg))
	}
}

// memoryLimit is the soft memory limit setMemoryTuning sets.
func memoryLimit(cfg *config.Config) int64 {
	return 2*mailMemoryBytes(cfg) + memoryLimitOverhead
}

// mailMemoryBytes is the budget for mail in transit, SMTP and LMTP
// together: the configured one, or room for four of the largest
// messages.
func mailMemoryBytes(cfg *config.Config) int64 {
	if cfg.MailMemoryBytes == 0 {
		return 4 * cfg.MaxMessageBytes
	}
	return cfg.MailMemoryBytes
}

// runServer wires the parts and runs them until ctx ends; announce is told
// of each listener once it is bound.
func runServer(ctx context.Context, cfg *config.Config, log *slog.Logger, announce func(name, addr string), now ...clock) error {
	// Bind the web port first: with --http HOST:0 the links written into
	// mail must carry the port actually bound.
	httpLn, err := net.Listen("tcp", cfg.HTTP)
	if err != nil {
		return fmt.Errorf("http: listen %s: %w", cfg.HTTP, err)
	}
	defer httpLn.Close()
	if cfg.BaseURL == "http://"+cfg.HTTP && strings.HasSuffix(cfg.HTTP, ":0") {
		cfg.BaseURL = "http://" + httpLn.Addr().String()
	}
	var nowFn func() time.Time
	if len(now) > 0 {
		nowFn = now[0]
	}
	resolver := dns.NewResolver(cfg.DNS)
	checker := dmarc.NewChecker(resolver, dmarc.Options{Now: nowFn})
	svc, closeStore, err := openService(ctx, cfg, log, now, checker)
	if err != nil {
		return err
	}
	defer closeStore()
	idx, err := openIndex(ctx, svc, cfg.Data, log, 0)
	if err != nil {
		return err
	}
	defer idx.Close()
	indexer := archive.NewIndexer(svc.Store(), idx, log.With("part", "index"))
	svc.OnArchived(indexer.Wake)
	// The shell's commands reach this serve through a socket in the data
	// dir, never over TCP (SPEC); bound before the other listeners are
	// announced, so it is there once they are.
	admin := web.NewAdmin(cfg.Data, idx, log.With("listener", "admin"))
	if err := admin.Listen(); err != nil {
		return err
	}
	announce("admin", admin.Path())
	defer admin.Shutdown(context.Background())

	var tlsCfg *tls.Config
	if cfg.TLSCert != "" {
		cert, err := tls.LoadX509KeyPair(cfg.TLSCert, cfg.TLSKey)
		if err != nil {
			return fmt.Errorf("tls-cert/tls-key: %w", err)
		}
		tlsCfg = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	}
	tr, err := transport.Parse(cfg.Delivery, transport.Options{
		Hostname: cfg.Hostname,
		Resolver: resolver,
		MXPort:   cfg.MXPort,
		Logger:   log,
	})
	if err != nil {
		return err
	}

	receivers := []*smtpin.Server{}
	// SMTP and LMTP share one memory budget for mail in transit.
	mailMem := mailMemoryBytes(cfg)
	recvCfg := smtpin.Config{
		Hostname: cfg.Hostname, MaxMessageBytes: cfg.MaxMessageBytes, MaxConns: cfg.MaxConnections,
		RatePerSecond: cfg.RatePerSecond, RateBurst: cfg.RateBurst, TLS: tlsCfg,
		MaxConnsPerClient: cfg.MaxConnectionsPerClient, Memory: smtpin.NewMemory(mailMem), SpoolDir: filepath.Join(cfg.Data, "tmp"),
	}
	if cfg.RatePerSecond == 0 {
		recvCfg.RatePerSecond = -1 // explicit 0 in the config: no limit
	}
	for _, r := range []struct {
		name, addr string
		lmtp       bool
	}{{"smtp", cfg.SMTP, false}, {"lmtp", cfg.LMTP, true}} {
		if r.addr == "" {
			continue
		}
		rc := recvCfg
		rc.Addr, rc.LMTP = r.addr, r.lmtp
		srv := smtpin.New(rc, svc, log.With("listener", r.name))
		if err := srv.Listen(); err != nil {
			return err
		}
		receivers = append(receivers, srv)
		announce(r.name, srv.Addr().String())
	}
	proxies, _ := cfg.TrustedProxies() // checked by Validate
	webSrv := web.New(web.Config{Addr: cfg.HTTP, Listener: httpLn, Index: idx,
		Secure: strings.HasPrefix(cfg.BaseURL, "https://"), Now: nowFn, TrustedProxies: proxies}, svc, svc.Templates(), log.With("listener", "http"))
	if err := webSrv.Listen(); err != nil {
		return err
	}
	announce("http", webSrv.Addr().String())

	// The journey after the 250: check, then deliver. They stop after the
	// receivers, so that nothing accepted waits for a process that is gone.
	workCtx, stopWork := context.WithCancel(context.WithoutCancel(ctx))
	defer stopWork()
	queue := delivery.New(delivery.Config{Concurrency: cfg.DeliveryConcurrency, Now: nowFn}, svc, tr, log.With("part", "delivery"))
	var wg sync.WaitGroup
	errc := make(chan error, 8)
	start := func(name string, f func() error) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := f(); err != nil {
				errc <- fmt.Errorf("%s: %w", name, err)
			}
		}()
	}
	start("check", func() error { return svc.Run(workCtx) })
	start("delivery", func() error { return queue.Run(workCtx) })
	start("index", func() error { return indexer.Run(workCtx) })
	start("digests", func() error { return runDigests(workCtx, svc, log.With("part", "digests")) })
	var listeners sync.WaitGroup
	for _, r := range receivers {
		listeners.Add(1)
		go func() {
			defer listeners.Done()
			if err := r.Serve(); err != nil {
				errc <- err
			}
		}()
	}
	listeners.Add(1)
	go func() {
		defer listeners.Done()
		if err := webSrv.Serve(); err != nil {
			errc <- err
		}
	}()
	listeners.Add(1)
	go func() {
		defer listeners.Done()
		if err := admin.Serve(); err != nil {
			errc <- fmt.Errorf("admin socket: %w", err)
		}
	}()
	// The read-only IMAP archive and IMAP ingest come with the archive;
	// until then say so rather than ignore the settings silently.
	if cfg.IMAPS != "" || cfg.IMAPIngest != "" {
		log.Warn("imaps and imap-ingest are not served by this version; the settings are ignored", "imaps", cfg.IMAPS, "imap_ingest", transport.Redact(cfg.IMAPIngest))
	}
	log.Info("imap archive not served by this version yet", "imap", cfg.IMAP)
	log.Info("praxis started", "data", cfg.Data, "delivery", transport.Redact(cfg.Delivery), "base_url", cfg.BaseURL)

	var runErr error
	select {
	case <-ctx.Done():
		log.Info("shutting down")
	case runErr = <-errc:
		log.Error("a part stopped", "err", runErr)
	}
	// Stop taking mail, let sessions in DATA finish, then drain the checks
	// and the copies in flight.
	shutCtx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for _, r := range receivers {
		if err := r.Shutdown(shutCtx); err != nil {
			log.Warn("smtp shutdown", "err", err)
		}
	}
	if err := webSrv.Shutdown(shutCtx); err != nil {
		log.Warn("http shutdown", "err", err)
	}
	if err := admin.Shutdown(shutCtx); err != nil {
		log.Warn("admin socket shutdown", "err", err)
	}
	listeners.Wait()
	stopWork()
	wg.Wait()
	log.Info("stopped")
	if runErr != nil && !errors.Is(runErr, context.Canceled) {
		return runErr
	}
	return nil
}

// digestTick is how often the scheduler looks for digests and summaries
// that are due: a list's hour comes within a minute.
const digestTick = time.Minute

// runDigests is the digest scheduler: no cron job, serve sends what is
// due. A failure is logged and tried again at the next tick; runs left
// half done by a crash are finished first (Service.RunDigests).
func runDigests(ctx context.Context, svc *listserv.Service, log *slog.Logger) error {
	tick := time.NewTicker(digestTick)
	defer tick.Stop()
	for {
		reports, err := svc.RunDigests(ctx, svc.Config().Now(), false, "")
		for _, r := range reports {
			log.Info("sent", "list", r.List, "kind", r.Kind, "volume", r.Volume, "issue", r.Issue, "members", r.Queued,
				"from", r.Period.Start, "to", r.Period.End)
		}
		if err != nil && ctx.Err() == nil {
			log.Error("digests", "err", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
	}
}

// openIndex opens the data dir's full-text index. A corrupt one is removed
// and rebuilt from the archive (the index holds nothing the store lacks).
func openIndex(ctx context.Context, svc *listserv.Service, data string, log *slog.Logger, wait time.Duration) (*index.Index, error) {
	dir := filepath.Join(data, "index")
	idx, err := index.Open(dir, index.Options{OpenTimeout: wait})
	if errors.Is(err, index.ErrCorrupt) {
		log.Warn("the index is corrupt; rebuilding it from the archive", "err", err)
		if err := os.RemoveAll(dir); err != nil {
			return nil, fmt.Errorf("index: %w", err)
		}
		if err := svc.Store().ResetIndexed(ctx, 0); err != nil {
			return nil, err
		}
		idx, err = index.Open(dir, index.Options{OpenTimeout: wait})
	}
	if errors.Is(err, index.ErrLocked) {
		return nil, fmt.Errorf("the index in %s is held by another praxis process on this data dir: %w", dir, err)
	}
	if err != nil {
		return nil, err
	}
	// Posts of lists deleted while no indexer ran leave it before anyone
	// searches.
	if err := archive.Forget(ctx, svc.Store(), idx); err != nil {
		idx.Close()
		return nil, err
	}
	// A missing (or emptied) index with an archive behind it: write it all
	// again.
	if n, err := idx.Count(); err == nil && n == 0 {
		if err := svc.Store().ResetIndexed(ctx, 0); err != nil {
			idx.Close()
			return nil, err
		}
	}
	return idx, nil
}
