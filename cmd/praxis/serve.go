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
	"syscall"
	"time"

	"golang.org/x/sync/errgroup"

	"praxis/archive"
	"praxis/archive/imapview"
	"praxis/archive/index"
	"praxis/archive/related"
	"praxis/archive/web"
	"praxis/listserv"
	"praxis/listserv/apppass"
	"praxis/listserv/config"
	"praxis/listserv/delivery"
	"praxis/listserv/delivery/transport"
	"praxis/listserv/digest/schedule"
	"praxis/listserv/dmarc"
	"praxis/listserv/dns"
	"praxis/listserv/imapin"
	"praxis/listserv/smtpin"
	"praxis/listserv/spam"
	"praxis/listserv/store"
	"praxis/listserv/suggest"
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
	fs.Var(config.NewURLListFlag(&cfg.IMAPIngest), "imap-ingest", "imaps://user:pass@host:port/MAILBOX?list=ADDR[&after=seen|move:FOLDER|delete]: take posts from a mailbox; repeatable")
	fs.StringVar(&cfg.Hostname, "hostname", cfg.Hostname, "SMTP greeting and Message-ID domain")
	fs.StringVar(&cfg.DNS, "dns", cfg.DNS, "DNS server host:port for MX, DMARC and DKIM look-ups, SPF and blocklists")
	fs.StringVar(&cfg.TLSCert, "tls-cert", cfg.TLSCert, "certificate for STARTTLS")
	fs.StringVar(&cfg.TLSKey, "tls-key", cfg.TLSKey, "key for STARTTLS")
	fs.Int64Var(&cfg.MaxMessageBytes, "max-message-bytes", cfg.MaxMessageBytes, "largest message accepted")
	fs.IntVar(&cfg.MaxConnections, "max-connections", cfg.MaxConnections, "concurrent SMTP connections")
	fs.Float64Var(&cfg.RatePerSecond, "rate-per-second", cfg.RatePerSecond, "SMTP transactions per second per client (0: no limit)")
	fs.IntVar(&cfg.RateBurst, "rate-burst", cfg.RateBurst, "burst of the per-client rate limit")
	fs.IntVar(&cfg.DeliveryConcurrency, "delivery-concurrency", cfg.DeliveryConcurrency, "delivery workers")
	fs.IntVar(&cfg.MXPort, "mx-port", cfg.MXPort, "port of MX hosts for --delivery mx")
	fs.StringVar(&cfg.LogLevel, "log-level", cfg.LogLevel, "debug, info, warn or error")
	fs.StringVar(&cfg.Admin, "admin", cfg.Admin, "the site administrator's address: gets LIST-owner@ mail of lists with no owner (without it, that mail is refused)")
	fs.Var(config.NewListFlag(&cfg.DNSBL), "dnsbl", "DNS blocklists checked for the connecting address of live inbound mail (ZONE,…)")
	fs.StringVar(&cfg.Rspamd, "rspamd", cfg.Rspamd, "rspamd's URL (http://127.0.0.1:11333): the content filter of live inbound mail")
	fs.StringVar(&cfg.Spamd, "spamd", cfg.Spamd, "SpamAssassin's spamd (HOST:PORT): the content filter of live inbound mail")
	fs.Var(config.NewListFlag(&cfg.TrustedProxy), "trusted-proxy", "a reverse proxy (CIDR) whose X-Forwarded-For is believed (rate limits, logs); repeatable or comma-separated")
}

func (c *cli) serve(fs *flag.FlagSet) runFunc {
	flagCfg := config.Default()
	serveFlags(fs, &flagCfg)
	return func(ctx context.Context, _ []string) error {
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
		// mostly short-lived page and search buffers, so collecting a
		// little later than Go's default pays: at three times the live
		// heap the web pages had about a fifth more throughput under
		// load. But the heap then stood at four times the live one, and
		// a fan-out, whose live heap is a few MB, took serve from 52 MB
		// (GOGC 100) to 65-83 MB at 100,000 to a million members. 150
		// keeps it at 54 MB and most of the gain.
		debug.SetGCPercent(150)
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		// With GOGC above 100 a burst of big posts (tens of MB live each
		// while checked, archived and copied) lets the heap grow to
		// several times that before collecting: 20 posts of 25 MB took
		// serve to a gigabyte (at GOGC 300). A soft limit makes the collector work harder as
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
	// Each listener as announced, for the node's row in the nodes table.
	var listeners []string
	announceTo := announce
	announce = func(name, addr string) {
		if name != "admin" { // a path in the data dir, not a service
			listeners = append(listeners, name+"="+addr)
		}
		announceTo(name, addr)
	}
	// Whether another serve runs on this data dir, asked of its control
	// socket before this one binds its own: a busy port is then that
	// serve's.
	sameDir := serveOnDataDir(cfg.Data)
	listenError := func(name, addr string, err error) error {
		return listenError(name, addr, cfg.Data, sameDir, err)
	}
	// Bind the web port first: with --http HOST:0 the links written into
	// mail must carry the port actually bound.
	httpLn, err := net.Listen("tcp", cfg.HTTP)
	if err != nil {
		return listenError("http", cfg.HTTP, fmt.Errorf("http: listen %s: %w", cfg.HTTP, err))
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
	svc.Screen(spamChecks(cfg, resolver, log))
	idx, err := openIndex(ctx, svc, cfg.Data, log, 0)
	if err != nil {
		return err
	}
	defer idx.Close()
	indexer := archive.NewIndexer(svc.Store(), idx, log.With("part", "index"))
	svc.Archiver().OnArchived(indexer.Wake)
	// A new question is met with the list's related answered threads
	// once the index holds it (issue 17).
	indexer.OnIndexed(suggest.New(svc.Store(), related.New(idx, svc.Store(), svc.Config().Now), svc.Notices(),
		svc.BaseURL(), svc.Config().Now, log.With("part", "suggest")).Indexed)
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

	// This node's name among those sharing the database: the holder of
	// its delivery leases and ingest leases, its row in nodes.
	node := nodeName(cfg.Data)

	// One ingester per --imap-ingest mailbox (URLs checked by Validate),
	// each taken by one node at a time (a lease held by node's name).
	// The store's sources become this serve's, so that `praxis list show`
	// shows the mailboxes configured now (a new one before its first
	// pass) and no longer one that was removed; before the listeners are
	// announced, so a list show after them sees the new set.
	var ingesters []*imapin.Ingester
	configured := map[string]string{}
	for _, raw := range cfg.IMAPIngest {
		u, err := config.ParseIngestURL(raw)
		if err != nil {
			return err
		}
		in := imapin.New(imapin.Config{URL: u, MaxMessageBytes: cfg.MaxMessageBytes, Node: node}, svc.Inbound(), svc.Store(), log.With("part", "imap-ingest"))
		log.Info("imap ingest", "source", in.Source(), "list", u.List, "after", u.After)
		ingesters = append(ingesters, in)
		configured[in.Source()] = u.List
		// What an older Praxis recorded under the name with the scheme
		// and port is this mailbox's: adopted before its rows are kept.
		for _, old := range u.LegacySources() {
			if err := svc.Store().AdoptIngestSource(ctx, old, in.Source()); err != nil {
				return err
			}
		}
	}
	if err := svc.Store().KeepIngestSources(ctx, configured); err != nil {
		return err
	}

	type receiver struct {
		name string
		srv  *smtpin.Server
	}
	var receivers []receiver
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
		srv := smtpin.New(rc, svc.Inbound(), log.With("listener", r.name))
		if err := srv.Listen(); err != nil {
			return listenError(r.name, r.addr, err)
		}
		receivers = append(receivers, receiver{r.name, srv})
		announce(r.name, srv.Addr().String())
	}
	// On PostgreSQL the limits that count a client (failed IMAP logins,
	// the web's forms that send mail) count in the database, so that a
	// client has one quota however many nodes it reaches; on SQLite, one
	// node, in memory, which writes nothing.
	var webLimits web.SharedLimits
	var loginLimits apppass.SharedLimits
	if cfg.DB != "" {
		webLimits, loginLimits = svc.Store(), svc.Store()
	}
	// The read-only IMAP archive (--imap, --imaps; off when both are
	// empty).
	var imapSrv *imapview.Server
	if cfg.IMAP != "" || cfg.IMAPS != "" {
		auth := apppass.NewAuthenticator(svc.Store(), nowFn)
		if loginLimits != nil {
			auth.CountIn(loginLimits)
		}
		imapSrv = imapview.New(imapview.Config{Addr: cfg.IMAP, TLSAddr: cfg.IMAPS, TLS: tlsCfg},
			imapview.Deps{Store: svc.Store(), Auth: auth, Search: imapview.NewSearcher(svc.Store(), idx)}, log.With("listener", "imap"))
		if err := imapSrv.Listen(); err != nil {
			name, addr := "imap", cfg.IMAP
			if strings.HasPrefix(err.Error(), "imaps:") {
				name, addr = "imaps", cfg.IMAPS
			}
			return listenError(name, addr, err)
		}
		if a := imapSrv.Addr(); a != nil {
			announce("imap", a.String())
		}
		if a := imapSrv.TLSAddr(); a != nil {
			announce("imaps", a.String())
		}
	}
	proxies, _ := cfg.TrustedProxies() // checked by Validate
	webSrv := web.New(web.Config{Addr: cfg.HTTP, Listener: httpLn, Index: idx,
		Secure: strings.HasPrefix(cfg.BaseURL, "https://"), Now: nowFn, TrustedProxies: proxies, SharedLimits: webLimits}, webDeps(svc), svc.Templates(), log.With("listener", "http"))
	if err := webSrv.Listen(); err != nil {
		return err
	}
	announce("http", webSrv.Addr().String())

	// The node says it runs once everything listens, so that `praxis
	// status` shows it with its listeners.
	beat := listserv.NewHeartbeat(svc.Store(), store.Node{Name: node, Version: buildVersion(), Listeners: strings.Join(listeners, " ")}, 0, log.With("part", "heartbeat"))
	if err := beat.Register(ctx); err != nil {
		return err
	}

	// The journey after the 250: check, then deliver. These parts run on
	// a context of their own that ends only after the receivers have
	// stopped, so that nothing accepted waits for a process that is gone.
	workCtx, stopWork := context.WithCancel(context.WithoutCancel(ctx))
	defer stopWork()
	queue := delivery.New(delivery.Config{Concurrency: cfg.DeliveryConcurrency, Node: node, Now: nowFn}, svc, tr, log.With("part", "delivery"))
	digests := schedule.New(svc.Digests(), svc.Store(), svc.Config().Now, log.With("part", "digests"))

	// One group runs every long-running part. It stops one way: when ctx
	// ends (a signal) or a part fails, the listeners are shut down, then
	// the work context is cancelled; Wait returns the first failure.
	g, gctx := errgroup.WithContext(ctx)
	run := func(name string, f func() error) {
		g.Go(func() error {
			if err := f(); err != nil {
				return fmt.Errorf("%s: %w", name, err)
			}
			return nil
		})
	}
	// A listener closed by the stop (even before its Serve got going, as
	// when a signal comes at once) reports the closing; that is no failure.
	serve := func(name string, f func() error) {
		run(name, func() error {
			if err := f(); err != nil && gctx.Err() == nil {
				return err
			}
			return nil
		})
	}
	for _, r := range receivers {
		serve(r.name, r.srv.Serve)
	}
	// IMAP ingest: one goroutine per mailbox, a receiver like SMTP's, so
	// it stops with the listeners, before the work after the spool.
	for _, in := range ingesters {
		run("imap-ingest", func() error { return in.Run(gctx) })
	}
	serve("http", webSrv.Serve)
	if imapSrv != nil {
		// Read-only sessions: they stop with the listeners (gctx).
		serve("imap", func() error { return imapSrv.Run(gctx) })
	}
	serve("admin socket", admin.Serve)
	run("check", func() error { return svc.Run(workCtx) })
	run("delivery", func() error { return queue.Run(workCtx) })
	run("index", func() error { return indexer.Run(workCtx) })
	run("digests", func() error { return digests.Run(workCtx) })
	run("heartbeat", func() error { return beat.Run(workCtx) })
	g.Go(func() error {
		<-gctx.Done()
		if ctx.Err() != nil {
			log.Info("shutting down")
		} else {
			log.Error("a part stopped", "err", context.Cause(gctx))
		}
		// Stop taking mail, let sessions in DATA finish, then drain the
		// checks and the copies in flight.
		shutCtx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		for _, r := range receivers {
			if err := r.srv.Shutdown(shutCtx); err != nil {
				log.Warn(r.name+" shutdown", "err", err)
			}
		}
		if err := webSrv.Shutdown(shutCtx); err != nil {
			log.Warn("http shutdown", "err", err)
		}
		if err := admin.Shutdown(shutCtx); err != nil {
			log.Warn("admin socket shutdown", "err", err)
		}
		stopWork()
		return nil
	})
	log.Info("praxis started", "data", cfg.Data, "db", cfg.DBRedacted(), "delivery", transport.Redact(cfg.Delivery), "base_url", cfg.BaseURL)

	err = g.Wait()
	stopCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if serr := beat.Stop(stopCtx); serr != nil {
		log.Warn("marking the node stopped", "err", serr)
	}
	log.Info("stopped")
	if err != nil && !errors.Is(err, context.Canceled) {
		return err
	}
	return nil
}

// listenError says who holds an address serve could not bind, and which
// flag moves it: another serve on this data dir (sameDir), or another
// program. Other errors pass as they are.
func listenError(name, addr, data string, sameDir bool, err error) error {
	if !errors.Is(err, syscall.EADDRINUSE) {
		return err
	}
	who := "another program holds it (or a praxis serve on another data dir)"
	if sameDir {
		who = "another praxis serve, running on this data dir (" + absPath(data) + "), holds it: stop that one first"
	}
	return fmt.Errorf("%s: %s is in use: %s; or give --%s another address (port 0 picks a free one): %w", name, addr, who, name, err)
}

// serveOnDataDir tells whether a serve answers on data's control socket.
func serveOnDataDir(data string) bool {
	c, err := net.DialTimeout("unix", filepath.Join(data, web.SocketName), time.Second)
	if err != nil {
		return false
	}
	c.Close()
	return true
}

// openIndex opens the data dir's full-text index, rebuilt from the
// archive when it is corrupt or missing (archive.OpenIndex).
func openIndex(ctx context.Context, svc *listserv.Service, data string, log *slog.Logger, wait time.Duration) (*index.Index, error) {
	dir := filepath.Join(data, "index")
	idx, err := archive.OpenIndex(ctx, svc.Store(), dir, index.Options{OpenTimeout: wait}, log)
	if errors.Is(err, index.ErrLocked) {
		return nil, fmt.Errorf("the index in %s is held by another praxis process on this data dir: %w", dir, err)
	}
	return idx, err
}

// webDeps gives the web the rooms it uses, by the interfaces it names.
func webDeps(svc *listserv.Service) web.Deps {
	return web.Deps{Lists: svc, Subscriptions: svc.Subscriptions(), OneClick: svc.OneClick(), Moderation: svc.Moderation(), Store: svc.Store()}
}

// buildVersion is the binary's version as Go recorded it: the module's
// version ("(devel)" when built from a checkout) and the commit.
func buildVersion() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "unknown"
	}
	v := bi.Main.Version
	for _, s := range bi.Settings {
		if s.Key == "vcs.revision" && len(s.Value) >= 12 {
			v += " " + s.Value[:12]
		}
	}
	return v
}

// nodeName names this node among those sharing a database: its host and
// data dir, which each node has of its own (its index lives there), and
// which stay the same across a restart, so a restarted node takes back
// the copies it had claimed without waiting for their leases to run out.
func nodeName(data string) string {
	host, err := os.Hostname()
	if err != nil {
		host = "localhost"
	}
	if abs, err := filepath.Abs(data); err == nil {
		data = abs
	}
	return host + ":" + data
}

// spamChecks builds the spam checks of live inbound mail: SPF always,
// the blocklists of --dnsbl and the content filter of --rspamd or --spamd
// when given, on the resolver of --dns.
func spamChecks(cfg *config.Config, resolver *net.Resolver, log *slog.Logger) *spam.Checker {
	var filter spam.Filter
	switch {
	case cfg.Rspamd != "":
		filter = spam.NewRspamd(cfg.Rspamd)
	case cfg.Spamd != "":
		filter = spam.NewSpamd(cfg.Spamd)
	}
	zones := cfg.Zones()
	if filter != nil || len(zones) > 0 {
		log.Info("spam checks", "dnsbl", strings.Join(zones, ","), "rspamd", cfg.Rspamd, "spamd", cfg.Spamd)
	}
	return spam.New(spam.Config{Resolver: resolver, Zones: zones, Filter: filter, Log: log.With("part", "spam")})
}
