package bench

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime/debug"
	"runtime/metrics"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/emersion/go-smtp"

	"praxis/archive/index"
	"praxis/archive/web"
	"praxis/listserv"
	"praxis/listserv/config"
	"praxis/listserv/store"
)

// Result is the JSON `praxis bench` prints (SPEC: Benchmark). Keys of
// stages that later issues build stay null until then.
type Result struct {
	IngestMsgsPerS         float64 `json:"ingest_msgs_per_s"`
	IngestCeilingMsgsPerS  float64 `json:"ingest_ceiling_msgs_per_s"`
	IngestRatioOfCeiling   float64 `json:"ingest_ratio_of_ceiling"`
	FanoutRcptsPerS        float64 `json:"fanout_rcpts_per_s"`
	FanoutCeilingRcptsPerS float64 `json:"fanout_ceiling_rcpts_per_s"`
	FanoutRatioOfCeiling   float64 `json:"fanout_ratio_of_ceiling"`
	FanoutPeakRSSMB        float64 `json:"fanout_peak_rss_mb"`
	// The fan-out split between two nodes on one PostgreSQL database
	// (null on SQLite, which one node has to itself).
	FanoutTwoNodesRcptsPerS  *float64 `json:"fanout_two_nodes_rcpts_per_s"`
	FanoutTwoNodesDuplicates *int     `json:"fanout_two_nodes_duplicates"`
	BigpostPeakRSSMB         *float64 `json:"bigpost_peak_rss_mb"`
	IndexMsgsPerS            *float64 `json:"index_msgs_per_s"`
	IndexCeilingMsgsPerS     *float64 `json:"index_ceiling_msgs_per_s"`
	IndexRatioOfCeiling      *float64 `json:"index_ratio_of_ceiling"`
	IndexSizeRatio           *float64 `json:"index_size_ratio"`
	ArchiveMessages          int      `json:"archive_messages"`
	// Replay is --replay: the archive is the corpus this many times.
	Replay            int      `json:"replay"`
	SearchP50Ms       *float64 `json:"search_p50_ms"`
	SearchP99Ms       *float64 `json:"search_p99_ms"`
	HTTPSearchP50Ms   *float64 `json:"http_search_p50_ms"`
	HTTPSearchP99Ms   *float64 `json:"http_search_p99_ms"`
	IMAPSessionP50Ms  *float64 `json:"imap_session_p50_ms"`
	IMAPSessionP99Ms  *float64 `json:"imap_session_p99_ms"`
	IMAPIdleRSSMB     *float64 `json:"imap_idle_rss_mb"`
	IMAPIdleNotified  *int     `json:"imap_idle_notified"`
	IMAPIdleClients   int      `json:"imap_idle_clients"`
	IMAPIdleReached   *int     `json:"imap_idle_reached"`
	IMAPIdleSlowestMs *float64 `json:"imap_idle_slowest_ms"`
	SummaryMs         *float64 `json:"summary_ms"`
	// ImportPeakRSSMB is the archive scenario's process (a child of its
	// own) at its peak, read once the import and the searches are done.
	ImportPeakRSSMB *float64 `json:"import_peak_rss_mb"`
	// RelatedMs is the p99 of finding the related threads of one new
	// question (archive/related), over up to 200 of the corpus's last
	// thread-opening posts.
	RelatedMs *float64 `json:"related_ms"`
	// AnswersP99Ms is the answers library's page over HTTP, p99, with
	// 16 clients at once (the library made beforehand, as serve keeps
	// it); HealthMs the community's review of the whole archive, month by
	// month (what /l/LIST/health and the monthly mail compute).
	AnswersP99Ms *float64 `json:"answers_p99_ms"`
	HealthMs     *float64 `json:"health_ms"`
	// The summary's judgements against the evaluation set's weeks kept
	// apart (digest.EvaluateKeptApart); null unless the corpus is the
	// usrp-users archive the set labels.
	SummaryQuestionF1        *float64 `json:"summary_question_f1"`
	SummarySolvedPrecision   *float64 `json:"summary_solved_precision"`
	SummarySolvedRecall      *float64 `json:"summary_solved_recall"`
	SummaryAnswerAccuracy    *float64 `json:"summary_answer_accuracy"`
	SummaryThreadSplitF1     *float64 `json:"summary_thread_split_f1"`
	SummaryResourcePrecision *float64 `json:"summary_resource_precision"`
	SummaryResourceRecall    *float64 `json:"summary_resource_recall"`
	PeakRSSMB                float64  `json:"peak_rss_mb"`
	FanoutRecipients         int      `json:"fanout_recipients"`
	IngestMessages           int      `json:"ingest_messages"`
	IngestClients            int      `json:"ingest_clients"`
	DeliveryConnections      int      `json:"delivery_connections"`
	Corpus                   string   `json:"corpus"`
	DKIM                     bool     `json:"dkim_signed"`
	// Database is "sqlite" or "postgres" (--db).
	Database string `json:"database"`
}

// Params are the bench's flags.
type Params struct {
	Members int    // recipients of the fan-out post
	Posts   int    // posts sent in the ingest test
	Clients int    // concurrent SMTP clients in the ingest test
	Conns   int    // delivery connections (workers) to the sink
	Corpus  string // mbox file for the archive figures; "" generates one
	DKIM    bool   // sign the fan-out's copies
	Replay  int    // import the corpus this many times, with new ids
	// DB is --db: a postgres:// URL of a role that may create databases
	// (each scenario runs on one of its own); "" for SQLite.
	DB string
	// IngestOnly stops after the ingest figures (and its ceiling), for
	// whoever works on the receive path: seconds instead of minutes.
	IngestOnly bool
	// FanoutOnly stops after the fan-out figures (one node, then two on
	// PostgreSQL), for whoever works on the queue.
	FanoutOnly bool
	// IMAPOnly imports the corpus and runs only the IMAP figures (the
	// sessions and the idle clients), for whoever works on imapview.
	IMAPOnly bool
	// IMAPClients idle at once in the IMAP idle test (0: IMAPIdleClients).
	IMAPClients int
	// NoCeiling is the scale curve's archive: no bare-Bleve ceiling
	// (a second import of each size), no IMAP sessions, and above 10x
	// no related threads or answers library.
	NoCeiling bool
}

// Harness is what the bench takes from the binary that runs it: the same
// wiring serve and import use, so that what is measured is what runs.
type Harness struct {
	// OpenService opens the store and the service on cfg.Data; closing
	// releases both.
	OpenService func(ctx context.Context, cfg *config.Config, log *slog.Logger) (svc *listserv.Service, closing func(), err error)
	// RunServer runs serve's parts until ctx ends; announce is told of
	// each listener once it is bound.
	RunServer func(ctx context.Context, cfg *config.Config, log *slog.Logger, announce func(name, addr string)) error
	// OpenIndex opens the data dir's full-text index.
	OpenIndex func(ctx context.Context, svc *listserv.Service, data string, log *slog.Logger) (*index.Index, error)
	// Import imports into l as `praxis import mbox` does: add takes one
	// raw message, finish stores and indexes what is left.
	Import func(ctx context.Context, svc *listserv.Service, l *listserv.List, idx *index.Index) (add func(raw []byte) error, finish func() error)
	// WebDeps is what the web server is given of the service, as serve
	// gives it.
	WebDeps func(svc *listserv.Service) web.Deps
	// TuneMemory sets the collector as serve does (the big-post child
	// must measure what serve does).
	TuneMemory func(cfg *config.Config)
	// Child is the command line that runs this binary's bench again as
	// the big-post child (the environment tells it so).
	Child []string
}

// Progress reports a step on stderr.
type Progress func(format string, a ...any)

// Run runs the whole benchmark.
func Run(ctx context.Context, h Harness, p Params, progress Progress) (*Result, error) {
	res := &Result{FanoutRecipients: p.Members, IngestMessages: p.Posts, IngestClients: p.Clients, DeliveryConnections: p.Conns, Corpus: p.Corpus, DKIM: p.DKIM, Replay: max(1, p.Replay)}
	if res.Corpus == "" {
		res.Corpus = "generated"
	}
	res.Database = "sqlite"
	if p.DB != "" {
		res.Database = "postgres"
	}
	if p.IMAPClients <= 0 {
		p.IMAPClients = IMAPIdleClients
	}
	if p.IMAPOnly {
		return runIMAPOnly(ctx, h, p, res, progress)
	}
	snk, err := StartSink(nil)
	if err != nil {
		return nil, fmt.Errorf("bench: sink: %w", err)
	}
	defer snk.Close()

	// 1. The ceiling: a bare go-smtp client into the same sink, one
	// transaction per copy as VERP requires.
	if !p.IngestOnly {
		progress("ceiling: %d messages over %d connections with a bare go-smtp client", p.Members, p.Conns)
		msg := message(0, "alice@bench.localhost", "cop@bench.localhost")
		start := time.Now()
		if err := bareSend(snk.Addr(), p.Members, p.Conns, msg); err != nil {
			return nil, fmt.Errorf("bench: ceiling: %w", err)
		}
		res.FanoutCeilingRcptsPerS = float64(p.Members) / time.Since(start).Seconds()
	}

	dir, db, cleanup, err := scratch(ctx, "run", p.DB, progress)
	if err != nil {
		return nil, err
	}
	defer cleanup()
	cfg := benchConfig(dir, db, snk.Addr(), p)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	if err := setUpIngest(ctx, h, &cfg, log); err != nil {
		return nil, err
	}

	srvCtx, stop := context.WithCancel(ctx)
	defer stop()
	addrs := make(chan string, 4)
	done := make(chan error, 1)
	go func() {
		done <- h.RunServer(srvCtx, &cfg, log, func(name, addr string) {
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

	// 2. Fan-out: one post to p.Members, in a server of its own (a child
	// process, for its memory).
	if !p.IngestOnly {
		f, err := Fanout(ctx, h, p, progress)
		if err != nil {
			return nil, err
		}
		res.FanoutRcptsPerS, res.FanoutPeakRSSMB = f.RcptsPerS, f.PeakRSSMB
		res.FanoutRatioOfCeiling = res.FanoutRcptsPerS / res.FanoutCeilingRcptsPerS
	}
	if p.FanoutOnly {
		stop()
		if err := <-done; err != nil {
			return nil, err
		}
		if err := benchTwoNodes(ctx, h, p, res, progress); err != nil {
			return nil, err
		}
		res.PeakRSSMB = PeakRSSMB()
		return res, nil
	}

	// 3. Ingest: p.Clients concurrent SMTP clients, one connection each,
	// every post committed to disk before its 250; the ceiling just
	// before, with the same clients and posts, so that both see the same
	// machine.
	progress("ingest ceiling: %d posts from %d clients into a bare go-smtp receiver that spools them", p.Posts, p.Clients)
	cpu := cpuTime()
	if res.IngestCeilingMsgsPerS, err = ingestCeiling(ctx, p.DB, p.Posts, p.Clients, progress); err != nil {
		return nil, fmt.Errorf("bench: ingest ceiling: %w", err)
	}
	progress("ingest ceiling: %.0f posts/s, %s of CPU per post", res.IngestCeilingMsgsPerS, (cpuTime()-cpu)/time.Duration(max(1, p.Posts)))
	progress("ingest: %d posts from %d clients", p.Posts, p.Clients)
	copiesBefore := snk.rcpts.Load()
	cpu = cpuTime()
	if res.IngestMsgsPerS, err = ingest(smtpAddr, p.Posts, p.Clients); err != nil {
		return nil, fmt.Errorf("bench: ingest: %w", err)
	}
	// The CPU until the last 250, checks and archive running beside
	// (and the clients, in this process too): a figure that a busy
	// machine disturbs less than the rate.
	progress("ingest: %.0f posts/s, %s of CPU per post", res.IngestMsgsPerS, (cpuTime()-cpu)/time.Duration(max(1, p.Posts)))
	res.IngestRatioOfCeiling = res.IngestMsgsPerS / res.IngestCeilingMsgsPerS
	// The posts past their 250 are still being checked, archived and
	// relayed (the ingest list's one member gets each): stopping now would
	// leave them spooled for the next server on this data dir, the IMAP
	// idle scenario's, whose new post would wait behind them.
	drain := time.Now()
	if err := waitFor(ctx, 5*time.Minute, func() bool { return snk.rcpts.Load()-copiesBefore >= int64(p.Posts) }); err != nil {
		return nil, fmt.Errorf("bench: ingest: %d of %d posts relayed: %w", snk.rcpts.Load()-copiesBefore, p.Posts, err)
	}
	progress("ingest: every post relayed %s after the last 250", time.Since(drain).Round(time.Millisecond))
	stop()
	if err := <-done; err != nil {
		return nil, err
	}
	if p.IngestOnly {
		res.PeakRSSMB = PeakRSSMB()
		return res, nil
	}
	if err := benchTwoNodes(ctx, h, p, res, progress); err != nil {
		return nil, err
	}
	if err := archiveInChild(ctx, h, &cfg, p, res, progress); err != nil {
		return nil, err
	}
	if err := benchIMAPIdle(ctx, h, &cfg, p, res, progress); err != nil {
		return nil, err
	}
	bigpost, err := Bigpost(ctx, h, p.DB, progress)
	if err != nil {
		return nil, err
	}
	res.BigpostPeakRSSMB = &bigpost
	res.PeakRSSMB = PeakRSSMB()
	if res.ImportPeakRSSMB != nil {
		// The archive ran in a child: the run's peak is its, or the
		// bench's own.
		res.PeakRSSMB = max(res.PeakRSSMB, *res.ImportPeakRSSMB)
	}
	return res, nil
}

// benchConfig is serve's configuration for the bench: data dir dir, the
// database db ("" for SQLite in dir), copies to the sink.
func benchConfig(dir, db, sink string, p Params) config.Config {
	cfg := config.Default()
	cfg.Data, cfg.DB, cfg.SMTP, cfg.HTTP, cfg.IMAP, cfg.Hostname = dir, db, "127.0.0.1:0", "127.0.0.1:0", "127.0.0.1:0", "bench.localhost"
	cfg.Delivery = "smtp://" + sink + "?tls=none"
	cfg.DeliveryConcurrency = p.Conns
	cfg.MaxConnections = 1000
	cfg.Finish()
	return cfg
}

// setUpIngest creates the ingest test's list: open, one member.
func setUpIngest(ctx context.Context, h Harness, cfg *config.Config, log *slog.Logger) error {
	svc, closeSvc, err := h.OpenService(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer closeSvc()
	l := &listserv.List{Address: "ingest@bench.localhost", Name: "Ingest", PostPolicy: listserv.PostOpen,
		SubscribePolicy: listserv.SubscribeConfirm, ArchivePolicy: listserv.ArchivePublic, Prefix: "[bench] "}
	if err := svc.CreateList(ctx, l); err != nil {
		return err
	}
	return svc.AddMember(ctx, "ingest@bench.localhost", &store.Member{Address: "reader@bench.localhost"})
}

// Sink is a loopback SMTP server that counts what it receives.
type Sink struct {
	srv   *smtp.Server
	addr  string
	rcpts atomic.Int64
	msgs  atomic.Int64
	// record, when set, receives every message (tests); the benchmark
	// leaves it nil and only counts.
	record func(from string, rcpts []string, data []byte)
}

// StartSink starts a sink on 127.0.0.1:0; record, when not nil, is given
// every message it takes.
func StartSink(record func(from string, rcpts []string, data []byte)) (*Sink, error) {
	s := &Sink{record: record}
	s.srv = smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return &sinkSession{s: s}, nil }))
	s.srv.Domain = "sink.localhost"
	s.srv.MaxRecipients = 1000
	// Like Postfix, take long lines: real mail has them.
	s.srv.MaxLineLength = 1 << 20
	addr, err := serveLoopback(s.srv)
	if err != nil {
		return nil, err
	}
	s.addr = addr
	return s, nil
}

// Addr is the sink's host:port.
func (s *Sink) Addr() string { return s.addr }

// Close stops the sink.
func (s *Sink) Close() { s.srv.Close() }

type sinkSession struct {
	s     *Sink
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

// message is post i of the ingest and fan-out tests: a typical plain
// text post of forty lines.
func message(i int, from, to string) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "From: Member %d <%s>\r\nTo: %s\r\nSubject: Re: calibrating the receiver chain, part %d\r\nMessage-ID: <bench.%d.%d@bench.localhost>\r\nDate: %s\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n",
		i, from, to, i, time.Now().UnixNano(), i, time.Now().Format(time.RFC1123Z))
	for j := 0; j < 40; j++ {
		fmt.Fprintf(&b, "Line %d of a typical post: measured the gain at %d MHz and the noise floor moved.\r\n", j, 100+j)
	}
	return []byte(b.String())
}

// ingest sends posts posts to the ingest list at addr from clients
// concurrent SMTP clients, one connection each, and returns the posts
// per second until the last 250.
func ingest(addr string, posts, clients int) (float64, error) {
	start := time.Now()
	err := sendEach(addr, posts, clients, func(cl *smtp.Client, n int) error {
		return cl.SendMail("poster@bench.localhost", []string{"ingest@bench.localhost"}, strings.NewReader(string(message(n, "poster@bench.localhost", "ingest@bench.localhost"))))
	})
	if err != nil {
		return 0, err
	}
	return float64(posts) / time.Since(start).Seconds(), nil
}

// bareSend is the fan-out's ceiling: n copies of msg, each to its own
// VERP sender and recipient, over conns connections of a bare client.
func bareSend(addr string, n, conns int, msg []byte) error {
	return sendEach(addr, n, conns, func(cl *smtp.Client, k int) error {
		to := fmt.Sprintf("member%05d@rcpt%d.bench.localhost", k, k%50)
		from := "cop-bounces+" + strings.Replace(to, "@", "=", 1) + "@bench.localhost"
		if err := cl.Mail(from, nil); err != nil {
			return err
		}
		if err := cl.Rcpt(to, nil); err != nil {
			return err
		}
		w, err := cl.Data()
		if err != nil {
			return err
		}
		if _, err := w.Write(msg); err != nil {
			return err
		}
		return w.Close()
	})
}

// sendEach sends messages 1 to n over conns concurrent SMTP connections,
// each taking the next number until none is left; the first error ends
// its connection and is returned.
func sendEach(addr string, n, conns int, send func(cl *smtp.Client, k int) error) error {
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
				if err := send(cl, k); err != nil {
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

func send(addr, from, to string, msg []byte) error {
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

// cpuTime is the CPU this process has used, user and system; 0 where
// getrusage is missing.
func cpuTime() time.Duration { return usage().cpu }

// rusage is what getrusage tells of this process that the summary's
// figure is read beside: CPU, minor page faults (memory touched for the
// first time) and 512-byte blocks read from the disk.
type rusage struct {
	cpu             time.Duration
	minflt, inblock int64
	// The collector's share: its cycles, their CPU (an estimate of the
	// runtime's, runtime/metrics), and the live heap they found last.
	gcs      uint64
	gcCPU    time.Duration
	liveHeap uint64
}

// usage is this process's rusage so far; zero where getrusage is missing.
func usage() rusage {
	var u rusage
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err == nil {
		u = rusage{cpu: time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), minflt: ru.Minflt, inblock: ru.Inblock}
	}
	ms := []metrics.Sample{{Name: "/gc/cycles/total:gc-cycles"}, {Name: "/cpu/classes/gc/total:cpu-seconds"}, {Name: "/gc/heap/live:bytes"}}
	metrics.Read(ms)
	if ms[0].Value.Kind() == metrics.KindUint64 {
		u.gcs = ms[0].Value.Uint64()
	}
	if ms[1].Value.Kind() == metrics.KindFloat64 {
		u.gcCPU = time.Duration(ms[1].Value.Float64() * float64(time.Second))
	}
	if ms[2].Value.Kind() == metrics.KindUint64 {
		u.liveHeap = ms[2].Value.Uint64()
	}
	return u
}

// sub is what was used between o and u. The live heap is a level, not a
// use: the difference leaves it out, and the caller reads o's or u's.
func (u rusage) sub(o rusage) rusage {
	return rusage{cpu: u.cpu - o.cpu, minflt: u.minflt - o.minflt, inblock: u.inblock - o.inblock,
		gcs: u.gcs - o.gcs, gcCPU: u.gcCPU - o.gcCPU}
}

// PeakRSSMB reads this process's high-water resident set (VmHWM); 0
// where /proc is missing.
func PeakRSSMB() float64 { return procPeakRSSMB("self") }

// ResetPeakRSS gives the memory the Go heap holds free back to the system
// and sets this process's high-water resident set to what it holds now
// (Linux: 5 written to /proc/self/clear_refs), so that PeakRSSMB tells
// the peak of what comes next.
func ResetPeakRSS() error {
	debug.FreeOSMemory()
	if err := os.WriteFile("/proc/self/clear_refs", []byte("5"), 0); err != nil {
		return fmt.Errorf("bench: reset the peak RSS: %w", err)
	}
	return nil
}

// procPeakRSSMB reads a process's high-water resident set (VmHWM) from
// /proc/PID/status; 0 where /proc is missing.
func procPeakRSSMB(pid string) float64 { return procRSSMB(pid, "VmHWM:") }

// procRSSMB reads a field in kB of /proc/PID/status (VmHWM: the peak
// resident set, VmRSS: the current one) in MB; 0 where /proc is missing.
func procRSSMB(pid, field string) float64 {
	f, err := os.Open("/proc/" + pid + "/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), field); ok {
			kb, _ := strconv.ParseFloat(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 64)
			return kb / 1024
		}
	}
	return 0
}
