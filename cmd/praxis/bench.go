package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"runtime/pprof"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/emersion/go-smtp"

	"praxis/archive"
	"praxis/archive/index"
	"praxis/archive/mbox"
	"praxis/archive/web"
	"praxis/listserv"
	"praxis/listserv/config"
	"praxis/listserv/dkim"
	"praxis/listserv/store"
)

// benchResult is the JSON `praxis bench` prints (SPEC: Benchmark). Keys of
// stages that later issues build stay null until then.
type benchResult struct {
	IngestMsgsPerS         float64  `json:"ingest_msgs_per_s"`
	FanoutRcptsPerS        float64  `json:"fanout_rcpts_per_s"`
	FanoutCeilingRcptsPerS float64  `json:"fanout_ceiling_rcpts_per_s"`
	FanoutRatioOfCeiling   float64  `json:"fanout_ratio_of_ceiling"`
	FanoutPeakRSSMB        float64  `json:"fanout_peak_rss_mb"`
	BigpostPeakRSSMB       *float64 `json:"bigpost_peak_rss_mb"`
	IndexMsgsPerS          *float64 `json:"index_msgs_per_s"`
	IndexCeilingMsgsPerS   *float64 `json:"index_ceiling_msgs_per_s"`
	IndexRatioOfCeiling    *float64 `json:"index_ratio_of_ceiling"`
	IndexSizeRatio         *float64 `json:"index_size_ratio"`
	ArchiveMessages        int      `json:"archive_messages"`
	SearchP50Ms            *float64 `json:"search_p50_ms"`
	SearchP99Ms            *float64 `json:"search_p99_ms"`
	HTTPSearchP50Ms        *float64 `json:"http_search_p50_ms"`
	HTTPSearchP99Ms        *float64 `json:"http_search_p99_ms"`
	SummaryMs              *float64 `json:"summary_ms"`
	PeakRSSMB              float64  `json:"peak_rss_mb"`
	FanoutRecipients       int      `json:"fanout_recipients"`
	IngestMessages         int      `json:"ingest_messages"`
	IngestClients          int      `json:"ingest_clients"`
	DeliveryConnections    int      `json:"delivery_connections"`
	Corpus                 string   `json:"corpus"`
	DKIM                   bool     `json:"dkim_signed"`
}

func (c *cli) bench(ctx context.Context, args []string) error {
	if os.Getenv(benchChildEnv) == "bigpost" {
		return c.benchChild(ctx)
	}
	if only, rest := benchOnly(args); only == "bigpost" {
		// Hidden: the big-post scenario alone, for measuring it
		// without the rest of the bench (minutes).
		if _, err := parse(c.flags("bench"), rest, 0, 0, "bench --only bigpost"); err != nil {
			return err
		}
		progress := func(format string, a ...any) { fmt.Fprintf(c.stderr, "bench: "+format+"\n", a...) }
		peak, err := benchBigpost(ctx, progress)
		if err != nil {
			return err
		}
		fmt.Fprintf(c.stdout, "bigpost:  %8.1f MB peak RSS of serve taking %d posts of 25 MB at once (archived, %d copies each)\n", peak, bigpostCount, 1+len(bigpostMembers))
		return nil
	} else if only != "" {
		return usagef("bench: --only %q: only bigpost can run alone", only)
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
	progress := func(format string, a ...any) { fmt.Fprintf(c.stderr, "bench: "+format+"\n", a...) }
	res, err := runBench(ctx, benchParams{members: *members, posts: *posts, clients: *clients, conns: *conns, corpus: *corpus, dkim: *signed, replay: *replay}, progress)
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(c.stdout)
		return enc.Encode(res)
	}
	fmt.Fprintf(c.stdout, "ingest:   %8.0f posts/s (%d posts, %d clients, durable before 250)\n", res.IngestMsgsPerS, res.IngestMessages, res.IngestClients)
	fmt.Fprintf(c.stdout, "fan-out:  %8.0f copies/s (%d members, VERP, %d connections)\n", res.FanoutRcptsPerS, res.FanoutRecipients, res.DeliveryConnections)
	fmt.Fprintf(c.stdout, "ceiling:  %8.0f copies/s (bare go-smtp client, same sink) → %.0f%%\n", res.FanoutCeilingRcptsPerS, 100*res.FanoutRatioOfCeiling)
	if res.IndexMsgsPerS != nil {
		fmt.Fprintf(c.stdout, "archive:  %8.0f messages/s imported, stored, threaded and indexed (%d messages) → %.0f%% of bare Bleve (%.0f/s)\n",
			*res.IndexMsgsPerS, res.ArchiveMessages, 100**res.IndexRatioOfCeiling, *res.IndexCeilingMsgsPerS)
		fmt.Fprintf(c.stdout, "index:    %8.2fx the mbox\n", *res.IndexSizeRatio)
		fmt.Fprintf(c.stdout, "search:   %8.2f ms p50, %.2f ms p99 (newest first, in-process)\n", *res.SearchP50Ms, *res.SearchP99Ms)
		if res.HTTPSearchP50Ms != nil {
			fmt.Fprintf(c.stdout, "web:      %8.2f ms p50, %.2f ms p99 (the search page over HTTP, a new connection each)\n", *res.HTTPSearchP50Ms, *res.HTTPSearchP99Ms)
		}
	}
	if res.SummaryMs != nil {
		fmt.Fprintf(c.stdout, "summary:  %8.0f ms (one member's learning summary of the busiest week)\n", *res.SummaryMs)
	}
	fmt.Fprintf(c.stdout, "memory:   %8.1f MB peak RSS (%.1f MB during fan-out)\n", res.PeakRSSMB, res.FanoutPeakRSSMB)
	if res.BigpostPeakRSSMB != nil {
		fmt.Fprintf(c.stdout, "bigpost:  %8.1f MB peak RSS of serve taking %d posts of 25 MB at once (archived, %d copies each)\n", *res.BigpostPeakRSSMB, bigpostCount, 1+len(bigpostMembers))
	}
	return nil
}

type benchParams struct {
	members, posts, clients, conns int
	corpus                         string
	dkim                           bool
	replay                         int
}

// sink is a loopback SMTP server that counts what it receives.
type sink struct {
	srv   *smtp.Server
	ln    net.Listener
	rcpts atomic.Int64
	msgs  atomic.Int64
	// record, when set, receives every message (tests); the benchmark
	// leaves it nil and only counts.
	record func(from string, rcpts []string, data []byte)
}

func startSink(record func(from string, rcpts []string, data []byte)) (*sink, error) {
	s := &sink{record: record}
	s.srv = smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return &sinkSession{s: s}, nil }))
	s.srv.Domain = "sink.localhost"
	s.srv.MaxRecipients = 1000
	// Like Postfix, take long lines: real mail has them.
	s.srv.MaxLineLength = 1 << 20
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s.ln = ln
	go s.srv.Serve(ln)
	return s, nil
}

func (s *sink) addr() string { return s.ln.Addr().String() }
func (s *sink) close()       { s.srv.Close() }

type sinkSession struct {
	s     *sink
	from  string
	rcpts []string
}

func (ss *sinkSession) Reset()        { ss.from, ss.rcpts = "", ss.rcpts[:0] }
func (ss *sinkSession) Logout() error { return nil }
func (ss *sinkSession) Mail(from string, _ *smtp.MailOptions) error {
	ss.from = from
	return nil
}
func (ss *sinkSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	ss.rcpts = append(ss.rcpts, to)
	return nil
}
func (ss *sinkSession) Data(r io.Reader) error {
	if ss.s.record == nil {
		if _, err := io.Copy(io.Discard, r); err != nil {
			return err
		}
	} else {
		data, err := io.ReadAll(r)
		if err != nil {
			return err
		}
		ss.s.record(ss.from, append([]string(nil), ss.rcpts...), data)
	}
	ss.s.msgs.Add(1)
	ss.s.rcpts.Add(int64(len(ss.rcpts)))
	return nil
}

func benchMessage(i int, from, to string) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "From: Member %d <%s>\r\nTo: %s\r\nSubject: Re: calibrating the receiver chain, part %d\r\nMessage-ID: <bench.%d.%d@bench.localhost>\r\nDate: %s\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n",
		i, from, to, i, time.Now().UnixNano(), i, time.Now().Format(time.RFC1123Z))
	for j := 0; j < 40; j++ {
		fmt.Fprintf(&b, "Line %d of a typical post: measured the gain at %d MHz and the noise floor moved.\r\n", j, 100+j)
	}
	return []byte(b.String())
}

func runBench(ctx context.Context, p benchParams, progress func(string, ...any)) (*benchResult, error) {
	res := &benchResult{FanoutRecipients: p.members, IngestMessages: p.posts, IngestClients: p.clients, DeliveryConnections: p.conns, Corpus: p.corpus, DKIM: p.dkim}
	if res.Corpus == "" {
		res.Corpus = "generated"
	}
	snk, err := startSink(nil)
	if err != nil {
		return nil, fmt.Errorf("bench: sink: %w", err)
	}
	defer snk.close()

	// 1. The ceiling: a bare go-smtp client into the same sink, one
	// transaction per copy as VERP requires.
	progress("ceiling: %d messages over %d connections with a bare go-smtp client", p.members, p.conns)
	msg := benchMessage(0, "alice@bench.localhost", "cop@bench.localhost")
	start := time.Now()
	if err := bareSend(snk.addr(), p.members, p.conns, msg); err != nil {
		return nil, fmt.Errorf("bench: ceiling: %w", err)
	}
	res.FanoutCeilingRcptsPerS = float64(p.members) / time.Since(start).Seconds()

	dir, err := os.MkdirTemp("", "praxis-bench-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	cfg := config.Default()
	cfg.Data, cfg.SMTP, cfg.HTTP, cfg.Hostname = dir, "127.0.0.1:0", "127.0.0.1:0", "bench.localhost"
	cfg.Delivery = "smtp://" + snk.addr() + "?tls=none"
	cfg.DeliveryConcurrency = p.conns
	cfg.MaxConnections = 1000
	cfg.Finish()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))

	// Lists: one of p.members for the fan-out, one open list of one member
	// for the ingest test.
	svc, closeSvc, err := openService(ctx, &cfg, log, nil)
	if err != nil {
		return nil, err
	}
	for _, l := range []*listserv.List{
		{Address: "fanout@bench.localhost", Name: "Fan-out", PostPolicy: listserv.PostMembers},
		{Address: "ingest@bench.localhost", Name: "Ingest", PostPolicy: listserv.PostOpen},
	} {
		l.SubscribePolicy, l.ArchivePolicy, l.Prefix = listserv.SubscribeConfirm, listserv.ArchivePublic, "[bench] "
		if err := svc.CreateList(ctx, l); err != nil {
			closeSvc()
			return nil, err
		}
	}
	fan, _ := svc.List(ctx, "fanout@bench.localhost")
	ms := make([]*store.Member, p.members)
	for i := range ms {
		ms[i] = &store.Member{ListID: fan.ID, Address: fmt.Sprintf("member%05d@rcpt%d.bench.localhost", i, i%50), Role: listserv.RoleMember, Delivery: listserv.DeliverEach}
	}
	ms[0].Address = "alice@bench.localhost"
	if err := svc.Store().AddMembers(ctx, ms); err != nil {
		closeSvc()
		return nil, err
	}
	if err := svc.AddMember(ctx, "ingest@bench.localhost", &store.Member{Address: "reader@bench.localhost"}); err != nil {
		closeSvc()
		return nil, err
	}
	if p.dkim {
		pemKey, err := dkim.GenerateKey()
		if err == nil {
			err = svc.Store().PutDKIMKey(ctx, &store.DKIMKey{Domain: "bench.localhost", Selector: "bench", PrivatePEM: pemKey})
		}
		if err != nil {
			closeSvc()
			return nil, err
		}
	}
	closeSvc()

	srvCtx, stop := context.WithCancel(ctx)
	defer stop()
	addrs := make(chan string, 4)
	done := make(chan error, 1)
	go func() {
		done <- runServer(srvCtx, &cfg, log, func(name, addr string) {
			if name == "smtp" {
				addrs <- addr
			}
		})
	}()
	var smtpAddr string
	select {
	case smtpAddr = <-addrs:
	case err := <-done:
		return nil, fmt.Errorf("bench: server: %w", err)
	}

	// 2. Fan-out: one post to p.members, from the 250 to the last copy at
	// the sink.
	progress("fan-out: one post to %d members", p.members)
	before := snk.rcpts.Load()
	rssBefore := peakRSSMB()
	_ = rssBefore
	start = time.Now()
	if err := smtpSend(smtpAddr, "alice@bench.localhost", "fanout@bench.localhost", benchMessage(1, "alice@bench.localhost", "fanout@bench.localhost")); err != nil {
		return nil, fmt.Errorf("bench: fan-out post: %w", err)
	}
	if err := waitFor(ctx, 5*time.Minute, func() bool { return snk.rcpts.Load()-before >= int64(p.members) }); err != nil {
		return nil, fmt.Errorf("bench: fan-out: %d of %d copies arrived: %w", snk.rcpts.Load()-before, p.members, err)
	}
	res.FanoutRcptsPerS = float64(p.members) / time.Since(start).Seconds()
	res.FanoutRatioOfCeiling = res.FanoutRcptsPerS / res.FanoutCeilingRcptsPerS
	res.FanoutPeakRSSMB = peakRSSMB()

	// 3. Ingest: p.clients concurrent SMTP clients, one connection each,
	// every post committed to disk before its 250.
	progress("ingest: %d posts from %d clients", p.posts, p.clients)
	start = time.Now()
	var wg sync.WaitGroup
	errs := make(chan error, p.clients)
	var next atomic.Int64
	for i := 0; i < p.clients; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cl, err := smtp.Dial(smtpAddr)
			if err != nil {
				errs <- err
				return
			}
			defer cl.Close()
			for {
				n := int(next.Add(1))
				if n > p.posts {
					cl.Quit()
					return
				}
				if err := cl.SendMail("poster@bench.localhost", []string{"ingest@bench.localhost"}, strings.NewReader(string(benchMessage(n, "poster@bench.localhost", "ingest@bench.localhost")))); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		return nil, fmt.Errorf("bench: ingest: %w", err)
	}
	res.IngestMsgsPerS = float64(p.posts) / time.Since(start).Seconds()
	stop()
	if err := <-done; err != nil {
		return nil, err
	}
	if err := benchArchive(ctx, &cfg, p, res, progress); err != nil {
		return nil, err
	}
	bigpost, err := benchBigpost(ctx, progress)
	if err != nil {
		return nil, err
	}
	res.BigpostPeakRSSMB = &bigpost
	res.PeakRSSMB = peakRSSMB()
	return res, nil
}

func bareSend(addr string, n, conns int, msg []byte) error {
	var wg sync.WaitGroup
	var next atomic.Int64
	errs := make(chan error, conns)
	for i := 0; i < conns; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cl, err := smtp.Dial(addr)
			if err != nil {
				errs <- err
				return
			}
			defer cl.Close()
			if err := cl.Hello("bench.localhost"); err != nil {
				errs <- err
				return
			}
			for {
				k := int(next.Add(1))
				if k > n {
					cl.Quit()
					return
				}
				to := fmt.Sprintf("member%05d@rcpt%d.bench.localhost", k, k%50)
				from := "cop-bounces+" + strings.Replace(to, "@", "=", 1) + "@bench.localhost"
				if err := cl.Mail(from, nil); err != nil {
					errs <- err
					return
				}
				if err := cl.Rcpt(to, nil); err != nil {
					errs <- err
					return
				}
				w, err := cl.Data()
				if err != nil {
					errs <- err
					return
				}
				if _, err := w.Write(msg); err != nil {
					errs <- err
					return
				}
				if err := w.Close(); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	return <-errs
}

func smtpSend(addr, from, to string, msg []byte) error {
	cl, err := smtp.Dial(addr)
	if err != nil {
		return err
	}
	defer cl.Close()
	if err := cl.SendMail(from, []string{to}, strings.NewReader(string(msg))); err != nil {
		return err
	}
	return cl.Quit()
}

func waitFor(ctx context.Context, limit time.Duration, cond func() bool) error {
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			return fmt.Errorf("timed out after %s", limit)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(2 * time.Millisecond):
		}
	}
	return nil
}

// peakRSSMB reads the process's high-water resident set (VmHWM) from
// /proc; 0 where /proc is missing.
func peakRSSMB() float64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, _ := strconv.ParseFloat(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 64)
			return kb / 1024
		}
	}
	return 0
}

// benchArchive imports the corpus into the archive (store, threading and
// index) as `praxis import mbox` does, streaming it from the file, puts the
// same documents into a bare Bleve index (the ceiling), and times the
// search mix. With replay > 1 the corpus is imported that many times, with
// new ids each round, to see how the figures grow with the archive.
func benchArchive(ctx context.Context, cfg *config.Config, p benchParams, res *benchResult, progress func(string, ...any)) error {
	src := benchSource{path: p.corpus, replay: max(1, p.replay)}
	size, err := src.size()
	if err != nil {
		return err
	}
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	svc, closeSvc, err := openService(ctx, cfg, quiet, nil)
	if err != nil {
		return err
	}
	defer closeSvc()
	l := &listserv.List{Address: "archive@bench.localhost", Name: "Archive"}
	if err := svc.CreateList(ctx, l); err != nil {
		return err
	}
	idx, err := openIndex(ctx, svc, cfg.Data, quiet, 0)
	if err != nil {
		return err
	}
	defer idx.Close()
	// What serve archived (the ingest posts) is indexed first, untimed.
	if _, err := archive.NewIndexer(svc.Store(), idx, quiet).CatchUp(ctx); err != nil {
		return err
	}
	// The ceiling first (closed, so its merging is over before the import
	// starts): the same documents, parsed and put into a bare index in
	// batches of 500, nothing stored and nothing threaded.
	progress("archive: bare Bleve ceiling")
	bareDir, err := os.MkdirTemp("", "praxis-bench-bleve-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(bareDir)
	bare, err := index.Open(bareDir, index.Options{})
	if err != nil {
		return err
	}
	start := time.Now()
	var batch []index.Doc
	i := 0
	put := func() error {
		err := bare.Put(batch...)
		batch = batch[:0]
		return err
	}
	_, err = src.each(func(raw []byte) error {
		i++
		a := archive.Read(raw, time.Now(), "bench.localhost")
		to, body, quoted := archive.Text(raw)
		batch = append(batch, index.Doc{ID: fmt.Sprint(i), List: l.Address, MessageID: a.MessageID, Thread: a.MessageID, Subject: a.Subject,
			From: a.FromName + " " + a.FromAddr, FromAddr: a.FromAddr, To: to, Body: body, Quoted: quoted, Attachments: a.Attachments, Date: a.Date})
		if len(batch) == 500 {
			return put()
		}
		return nil
	})
	if err == nil {
		err = put()
	}
	ceiling := float64(i) / time.Since(start).Seconds()
	bare.Close()
	if err != nil {
		return err
	}
	before := dirSize(filepath.Join(cfg.Data, "index"))
	progress("archive: peak RSS so far %.0f MB", peakRSSMB())
	progress("archive: importing %s x%d (store, threads, index)", res.Corpus, src.replay)
	start = time.Now()
	im := newImporter(ctx, svc, l, idx)
	n, err := src.each(im.add)
	if err == nil {
		err = im.close()
	} else {
		im.close()
	}
	if err != nil {
		return err
	}
	res.ArchiveMessages = n
	rate := float64(n) / time.Since(start).Seconds()
	progress("archive: peak RSS so far %.0f MB", peakRSSMB())
	res.IndexMsgsPerS = &rate
	ratio := rate / ceiling
	res.IndexCeilingMsgsPerS, res.IndexRatioOfCeiling = &ceiling, &ratio

	// The search mix, newest first, as the web page asks, once scorch has
	// merged what the import wrote, as it has on a server by the time
	// members search.
	idx.Settle(ctx, 30*time.Second)
	mem, files := idx.Segments()
	progress("archive: index has %d segments on disk, %d in memory", files, mem)
	if size > 0 {
		ratio := float64(dirSize(filepath.Join(cfg.Data, "index"))-before) / float64(size)
		res.IndexSizeRatio = &ratio
	}
	queries := benchQueries(p.corpus)
	progress("archive: %d queries, 10 rounds", len(queries))
	var took []time.Duration
	worst := make([]time.Duration, len(queries))
	for round := 0; round < 11; round++ {
		for i, q := range queries {
			t0 := time.Now()
			if _, err := archive.Search(idx, l.Address, q, 20, true); err != nil {
				return fmt.Errorf("bench query %q: %w", q, err)
			}
			if round > 0 { // the first round warms the caches
				d := time.Since(t0)
				took = append(took, d)
				worst[i] = max(worst[i], d)
			}
		}
	}
	slowest := 0
	for i := range worst {
		if worst[i] > worst[slowest] {
			slowest = i
		}
	}
	progress("archive: slowest query %q, %s at worst", queries[slowest], worst[slowest].Round(10*time.Microsecond))
	sort.Slice(took, func(i, j int) bool { return took[i] < took[j] })
	p50 := float64(took[len(took)/2].Microseconds()) / 1000
	p99 := float64(took[len(took)*99/100].Microseconds()) / 1000
	res.SearchP50Ms, res.SearchP99Ms = &p50, &p99
	if err := benchHTTPSearch(ctx, svc, idx, l, queries, res, progress); err != nil {
		return err
	}
	return benchSummary(ctx, svc, l, res, progress)
}

// benchSummary times one member's learning summary of the archive's
// busiest week: reading the period from the store, the analysis, and
// the composed mail.
func benchSummary(ctx context.Context, svc *listserv.Service, l *listserv.List, res *benchResult, progress func(string, ...any)) error {
	monday, posts, err := svc.Store().ArchiveBusiestWeek(ctx, l.ID)
	if err != nil {
		return err
	}
	progress("summary: the busiest week, from %s, %d posts", monday.Format("2006-01-02"), posts)
	m := &listserv.Member{Address: "reader@bench.localhost", Name: "Reader", Expertise: "fpga, rfnoc, dpdk"}
	p := listserv.Period{Start: monday, End: monday.AddDate(0, 0, 7)}
	start := time.Now()
	sum, err := svc.Digests().Summary(ctx, l, p, m)
	if err != nil {
		return err
	}
	if _, err := svc.Digests().ComposeSummary(l, sum, m, p.End); err != nil {
		return err
	}
	ms := float64(time.Since(start).Microseconds()) / 1000
	res.SummaryMs = &ms
	return nil
}

// benchHTTPSearch times the search page over HTTP on loopback: one
// client, a new connection for every request (as public-inbox's figures
// were taken), the whole page read.
func benchHTTPSearch(ctx context.Context, svc *listserv.Service, idx *index.Index, l *listserv.List, queries []string, res *benchResult, progress func(string, ...any)) error {
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	ws := web.New(web.Config{Addr: "127.0.0.1:0", Index: idx}, webDeps(svc), svc.Templates(), quiet)
	if err := ws.Listen(); err != nil {
		return err
	}
	go ws.Serve()
	defer ws.Shutdown(context.Background())
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: 10 * time.Second}
	base := "http://" + ws.Addr().String() + "/l/" + url.PathEscape(l.Address) + "/search?q="
	progress("archive: %d search pages over HTTP, 10 rounds", len(queries))
	var took []time.Duration
	biggest := 0
	for round := 0; round < 11; round++ {
		for _, q := range queries {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			t0 := time.Now()
			resp, err := client.Get(base + url.QueryEscape(q))
			if err != nil {
				return fmt.Errorf("bench: search page %q: %w", q, err)
			}
			n, _ := io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				return fmt.Errorf("bench: search page %q: %s", q, resp.Status)
			}
			if round > 0 {
				took = append(took, time.Since(t0))
			}
			biggest = max(biggest, int(n))
		}
	}
	sort.Slice(took, func(i, j int) bool { return took[i] < took[j] })
	p50 := float64(took[len(took)/2].Microseconds()) / 1000
	p99 := float64(took[len(took)*99/100].Microseconds()) / 1000
	res.HTTPSearchP50Ms, res.HTTPSearchP99Ms = &p50, &p99
	progress("archive: the biggest search page is %d KB of HTML", biggest/1024)
	return nil
}

// benchSource streams the archive benchmark's corpus: the mbox file, or a
// generated one of 2,000 posts in threads, replay times over.
type benchSource struct {
	path   string
	replay int
}

func (b benchSource) size() (int64, error) {
	if b.path == "" {
		var n int64
		for i := 0; i < 2000; i++ {
			n += int64(len(generatedPost(i)))
		}
		return n * int64(b.replay), nil
	}
	st, err := os.Stat(b.path)
	if err != nil {
		return 0, fmt.Errorf("bench: corpus: %w", err)
	}
	return st.Size() * int64(b.replay), nil
}

// each calls f with every message and returns how many there were.
func (b benchSource) each(f func([]byte) error) (int, error) {
	n := 0
	for round := 0; round < b.replay; round++ {
		emit := func(raw []byte) error {
			n++
			return f(replayIDs(raw, round))
		}
		if b.path == "" {
			for i := 0; i < 2000; i++ {
				if err := emit(generatedPost(i)); err != nil {
					return n, err
				}
			}
			continue
		}
		fh, err := os.Open(b.path)
		if err != nil {
			return n, fmt.Errorf("bench: corpus: %w", err)
		}
		r, err := mbox.NewReader(bufio.NewReaderSize(fh, 1<<20))
		if err != nil {
			fh.Close()
			return n, err
		}
		for {
			m, err := r.Next()
			if errors.Is(err, io.EOF) {
				break
			}
			if err == nil {
				err = emit(m.Raw)
			}
			if err != nil {
				fh.Close()
				return n, err
			}
		}
		fh.Close()
	}
	return n, nil
}

// replayIDs gives a message of a later round new ids: every <id> in its
// Message-ID, In-Reply-To and References becomes <rN.id>, so threads stay
// threads; a line naming the round keeps id-less messages apart too.
func replayIDs(raw []byte, round int) []byte {
	if round == 0 {
		return raw
	}
	var out bytes.Buffer
	fmt.Fprintf(&out, "X-Bench-Round: %d\r\n", round)
	tag := fmt.Sprintf("<r%d.", round)
	inIDs, rest := false, raw
	for len(rest) > 0 {
		line := rest
		if i := bytes.IndexByte(rest, '\n'); i >= 0 {
			line = rest[:i+1]
		}
		rest = rest[len(line):]
		if t := bytes.TrimRight(line, "\r\n"); len(t) == 0 {
			out.Write(line)
			out.Write(rest)
			break
		}
		if line[0] != ' ' && line[0] != '\t' {
			name, _, _ := bytes.Cut(line, []byte(":"))
			switch strings.ToLower(string(bytes.TrimSpace(name))) {
			case "message-id", "in-reply-to", "references":
				inIDs = true
			default:
				inIDs = false
			}
		}
		if inIDs {
			line = bytes.ReplaceAll(line, []byte("<"), []byte(tag))
		}
		out.Write(line)
	}
	return out.Bytes()
}

// generatedPost is post i of the generated corpus: threads of five.
func generatedPost(i int) []byte {
	words := strings.Fields("usrp gnuradio timeout x310 b200 overflow sample rate fpga rfnoc ethernet dpdk lo offset synchronization time source n210 antenna filter gain")
	base := time.Date(2021, 1, 1, 0, 0, 0, 0, time.UTC)
	refs := ""
	if i%5 != 0 {
		refs = fmt.Sprintf("In-Reply-To: <gen.%d@bench.localhost>\r\nReferences: <gen.%d@bench.localhost>\r\n", i-i%5, i-i%5)
	}
	var body strings.Builder
	for j := 0; j < 60; j++ {
		body.WriteString(words[(i*7+j*3)%len(words)] + " ")
	}
	return []byte(fmt.Sprintf("From: Member %d <m%d@bench.localhost>\r\nTo: archive@bench.localhost\r\nSubject: %s %s question %d\r\nMessage-ID: <gen.%d@bench.localhost>\r\n%sDate: %s\r\n\r\n%s\r\n",
		i%40, i%40, words[i%len(words)], words[(i+3)%len(words)], i/5, i, refs, base.Add(time.Duration(i)*time.Hour).Format(time.RFC1123Z), body.String()))
}

// benchQueries is the public-inbox mix of ../shared/bench/queries.tsv when
// it is there, plus queries of every other kind the language has.
// It is looked for beside the corpus (corpora/X/file.mbox → bench/) and
// from the working directory.
func benchQueries(corpus string) []string {
	var qs []string
	places := []string{filepath.Join("..", "shared", "bench", "queries.tsv"), filepath.Join("..", "..", "..", "shared", "bench", "queries.tsv")}
	if corpus != "" {
		places = append([]string{filepath.Join(filepath.Dir(corpus), "..", "..", "bench", "queries.tsv")}, places...)
	}
	for _, p := range places {
		b, err := os.ReadFile(p)
		if err != nil {
			continue
		}
		for _, line := range strings.Split(string(b), "\n") {
			f := strings.Split(line, "\t")
			if len(f) >= 2 && !strings.HasPrefix(line, "#") && strings.TrimSpace(f[1]) != "" {
				qs = append(qs, f[1])
			}
		}
		break
	}
	return append(qs, `has:attachment`, `-usrp timeout`, `(x310 OR b210) AND s:fpga`, `d:2021-06..2021-09 overflow`, `t:usrp-users`, `"sample rate" NOT b200`)
}

func dirSize(dir string) int64 {
	var n int64
	filepath.Walk(dir, func(_ string, info os.FileInfo, err error) error {
		if err == nil && !info.IsDir() {
			n += info.Size()
		}
		return nil
	})
	return n
}
