package bench

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"praxis/archive"
	"praxis/archive/answers"
	"praxis/archive/health"
	"praxis/archive/index"
	"praxis/archive/learn"
	"praxis/archive/mbox"
	"praxis/archive/related"
	"praxis/archive/web"
	"praxis/listserv"
	"praxis/listserv/config"
	"praxis/listserv/digest"
	"praxis/listserv/store"
)

// benchArchive imports the corpus into the archive (store, threading and
// index) as `praxis import mbox` does, streaming it from the file, puts the
// same documents into a bare Bleve index (the ceiling), and times the
// search mix. With replay > 1 the corpus is imported that many times, with
// new ids each round, to see how the figures grow with the archive.
func benchArchive(ctx context.Context, h Harness, cfg *config.Config, p Params, res *Result, progress Progress) error {
	src := source{path: p.Corpus, replay: max(1, p.Replay)}
	size, err := src.size()
	if err != nil {
		return err
	}
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	svc, closeSvc, err := h.OpenService(ctx, cfg, quiet)
	if err != nil {
		return err
	}
	defer closeSvc()
	// Open and public: the IMAP idle test posts to it from outside.
	l := &listserv.List{Address: archiveList, Name: "Archive", PostPolicy: listserv.PostOpen, ArchivePolicy: listserv.ArchivePublic}
	if err := svc.CreateList(ctx, l); err != nil {
		return err
	}
	idx, err := h.OpenIndex(ctx, svc, cfg.Data, quiet)
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
	var ceiling float64
	if !p.IMAPOnly && !p.NoCeiling {
		progress("archive: bare Bleve ceiling")
		if ceiling, err = bareCeiling(src, l); err != nil {
			return err
		}
	}
	before := dirSize(filepath.Join(cfg.Data, "index"))
	// The ceiling is the bench's yardstick, not Praxis's work: its own
	// peak (494 MB for the 100x corpus, whose bare index it merges
	// whole) is not counted in import_peak_rss_mb.
	if ceiling > 0 {
		progress("archive: peak RSS of the ceiling %.0f MB, not counted", PeakRSSMB())
		if err := ResetPeakRSS(); err != nil {
			progress("archive: %v: the import's peak counts the ceiling's", err)
		}
	}
	progress("archive: peak RSS so far %.0f MB", PeakRSSMB())
	progress("archive: importing %s x%d (store, threads, index)", res.Corpus, src.replay)
	start := time.Now()
	add, finish := h.Import(ctx, svc, l, idx)
	n, err := src.each(add)
	if err == nil {
		err = finish()
	} else {
		finish()
	}
	if err != nil {
		return err
	}
	res.ArchiveMessages = n
	rate := float64(n) / time.Since(start).Seconds()
	progress("archive: peak RSS so far %.0f MB", PeakRSSMB())
	res.IndexMsgsPerS = &rate
	if ceiling > 0 {
		ratio := rate / ceiling
		res.IndexCeilingMsgsPerS, res.IndexRatioOfCeiling = &ceiling, &ratio
	}

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
	if p.IMAPOnly {
		return benchIMAPSession(ctx, svc, idx, l, res, progress)
	}
	queries := searchMix(p.Corpus)
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
	p50, p99 := percentiles(took)
	res.SearchP50Ms, res.SearchP99Ms = &p50, &p99
	if err := benchHTTPSearch(ctx, h, svc, idx, l, queries, res, progress); err != nil {
		return err
	}
	// The import and the searches done: this process's peak so far (it
	// is the archive child's own, apart from the bench's).
	peak := PeakRSSMB()
	res.ImportPeakRSSMB = &peak
	progress("archive: peak RSS of the import and the searches %.0f MB", peak)
	// The scale curve measures what the issue of scale names (search,
	// summary, import, memory) and the community's memory up to 10x:
	// IMAP sessions are the bench's own figure, and the answers library
	// and related threads of a 100x archive of copies say little of a
	// real one.
	if !p.NoCeiling {
		if err := benchIMAPSession(ctx, svc, idx, l, res, progress); err != nil {
			return err
		}
	}
	if !p.NoCeiling || src.replay <= 10 {
		if err := benchRelated(ctx, svc, idx, l, res, progress); err != nil {
			return err
		}
		if err := benchAnswers(ctx, h, svc, idx, l, res, progress); err != nil {
			return err
		}
	}
	if err := benchHealth(ctx, svc, l, res, progress); err != nil {
		return err
	}
	return benchSummary(ctx, svc, l, src.replay, res, progress)
}

// answersClients and answersRequests shape the answers library's load.
const (
	answersClients  = 16
	answersRequests = 40 // per client
)

// benchAnswers times the answers library's page over HTTP: the library
// is made first, then 16 clients ask for pages at once: orders, years,
// key terms, searches.
func benchAnswers(ctx context.Context, h Harness, svc *listserv.Service, idx *index.Index, l *listserv.List, res *Result, progress Progress) error {
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	// Sixteen people, not one: each client comes through a trusted proxy
	// as an address of its own, as a reverse proxy would present them
	// (one address's requests wait their turn behind each other).
	ws := web.New(web.Config{Addr: "127.0.0.1:0", Index: idx, TrustedProxies: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}},
		h.WebDeps(svc), svc.Templates(), quiet)
	if err := ws.Listen(); err != nil {
		return err
	}
	go ws.Serve()
	defer ws.Shutdown(context.Background())
	base := "http://" + ws.Addr().String() + "/l/" + url.PathEscape(l.Address) + "/answers"
	client := &http.Client{Timeout: 60 * time.Second}
	fetchAs := func(c int, u string) error {
		req, err := http.NewRequest(http.MethodGet, u, nil)
		if err != nil {
			return err
		}
		req.Header.Set("X-Forwarded-For", fmt.Sprintf("192.0.2.%d", c+1))
		resp, err := client.Do(req)
		if err != nil {
			return err
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("bench: answers page %s: %s", u, resp.Status)
		}
		return nil
	}
	// The library is made first, as serve makes it apart from its
	// readers (a reader waits for it a few seconds at most, and is then
	// shown it as it stands): the pages are timed on the library made.
	t0 := time.Now()
	judged, err := answers.Update(ctx, svc.Store(), l)
	if err != nil {
		return fmt.Errorf("bench: answers library: %w", err)
	}
	progress("answers: the library made in %s (%d threads judged)", time.Since(t0).Round(time.Millisecond), judged)
	if err := fetchAs(0, base); err != nil {
		return err
	}
	queries := []string{"", "?sort=date", "?page=2", "?year=2021", "?q=overflow", "?q=b210", "?term=uhd", "?q=rfnoc&sort=date"}
	var mu sync.Mutex
	var took []time.Duration
	var firstErr error
	var wg sync.WaitGroup
	for c := range answersClients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range answersRequests {
				q := queries[(c+i)%len(queries)]
				t := time.Now()
				err := fetchAs(c, base+q)
				d := time.Since(t)
				mu.Lock()
				if err != nil && firstErr == nil {
					firstErr = err
				}
				took = append(took, d)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if firstErr != nil {
		return firstErr
	}
	_, p99 := percentiles(took)
	res.AnswersP99Ms = &p99
	progress("answers: p99 %.1f ms over %d pages, %d clients", p99, len(took), answersClients)
	return nil
}

// benchHealth times the community's review of the whole archive: the
// second of two reviews, as a server that has run a while has its store's
// pages in memory (the first, right after an import, also waits on the
// index's merges for the cores).
func benchHealth(ctx context.Context, svc *listserv.Service, l *listserv.List, res *Result, progress Progress) error {
	members, err := svc.Store().Members(ctx, l.ID)
	if err != nil {
		return err
	}
	var ms float64
	var months []health.Month
	for round := range 2 {
		t0 := time.Now()
		if months, err = health.Review(ctx, svc.Store(), l.ID, members, time.Now()); err != nil {
			return err
		}
		ms = float64(time.Since(t0).Microseconds()) / 1000
		if round == 0 {
			progress("health: the first review took %.0f ms", ms)
		}
	}
	res.HealthMs = &ms
	progress("health: %d months reviewed in %.0f ms", len(months), ms)
	return nil
}

// relatedQuestions is how many questions benchRelated asks for.
const relatedQuestions = 200

// benchRelated times finding the related threads of new questions: the
// corpus's last thread-opening posts that ask, each looked for as if it
// had just come (only posts before it are searched), the word weights
// counted once beforehand as serve's finder keeps them.
func benchRelated(ctx context.Context, svc *listserv.Service, idx *index.Index, l *listserv.List, res *Result, progress Progress) error {
	st := svc.Store()
	var opened []*store.ArchivedPost
	err := st.ArchiveEach(ctx, l.ID, time.Time{}, func(p *store.ArchivedPost) error {
		if p.ParentID == "" && p.ThreadID == p.MessageID {
			opened = append(opened, p)
		}
		return nil
	})
	if err != nil {
		return err
	}
	ids := make([]int64, len(opened))
	for i, p := range opened {
		ids[i] = p.ID
	}
	feats, err := st.PostFeatures(ctx, ids, true)
	if err != nil {
		return err
	}
	var qs []related.Question
	// One of each question: a replayed archive's newest 200 are the
	// copies of its last two (the same subject and date, new ids), which
	// told the time of two questions and found nothing, as no copy is
	// before another.
	asked := map[string]bool{}
	for i := len(opened) - 1; i >= 0 && len(qs) < relatedQuestions; i-- {
		p := opened[i]
		key := p.NormSubject + "\x00" + p.Date.String()
		if asked[key] {
			continue
		}
		if f := feats[p.ID]; f != nil && learn.Features(f.Flags).Has(learn.FeatAsks) {
			asked[key] = true
			qs = append(qs, related.Question{MessageID: p.MessageID, ThreadID: p.ThreadID, Subject: p.Subject, Text: f.Own, Date: p.Date})
		}
	}
	if len(qs) == 0 {
		return nil
	}
	progress("related: %d questions", len(qs))
	finder := related.New(idx, st, time.Now)
	var took []time.Duration
	found := 0
	for round := 0; round < 2; round++ {
		for _, q := range qs {
			t0 := time.Now()
			got, err := finder.Find(ctx, l, q)
			if err != nil {
				return fmt.Errorf("bench: related: %w", err)
			}
			if round == 1 { // the first round counts the weights of each month
				took = append(took, time.Since(t0))
				if len(got) > 0 {
					found++
				}
			}
		}
	}
	_, p99 := percentiles(took)
	res.RelatedMs = &p99
	progress("related: p99 %.1f ms; %d of %d questions got related threads", p99, found, len(qs))
	return nil
}

// bareCeiling puts the corpus into a bare Bleve index, batches of 500,
// and returns the documents per second.
func bareCeiling(src source, l *listserv.List) (ceiling float64, err error) {
	bareDir, err := os.MkdirTemp("", "praxis-bench-bleve-")
	if err != nil {
		return 0, err
	}
	defer os.RemoveAll(bareDir)
	bare, err := index.Open(bareDir, index.Options{})
	if err != nil {
		return 0, err
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
	ceiling = float64(i) / time.Since(start).Seconds()
	bare.Close()
	if err != nil {
		return 0, err
	}
	return ceiling, nil
}

// benchSummary times one member's learning summary of the archive's
// busiest week: reading the period from the store, the analysis, and
// the composed mail.
func benchSummary(ctx context.Context, svc *listserv.Service, l *listserv.List, replay int, res *Result, progress Progress) error {
	monday, posts, err := svc.Store().ArchiveBusiestWeek(ctx, l.ID)
	if err != nil {
		return err
	}
	progress("summary: the busiest week, from %s, %d posts", monday.Format("2006-01-02"), posts)
	m := &listserv.Member{Address: "reader@bench.localhost", Name: "Reader", Expertise: "fpga, rfnoc, dpdk"}
	p := listserv.Period{Start: monday, End: monday.AddDate(0, 0, 7)}
	once := func() (float64, error) {
		start := time.Now()
		sum, err := svc.Digests().Summary(ctx, l, p, m)
		if err != nil {
			return 0, err
		}
		if _, err := svc.Digests().ComposeSummary(l, sum, m, p.End); err != nil {
			return 0, err
		}
		return float64(time.Since(start).Microseconds()) / 1000, nil
	}
	// The figure is the first summary the process makes, as a scheduler
	// that wakes once a week would. What that first one pays besides its
	// work is told beside it: the memory it touches first (minor page
	// faults), what it reads from the disk rather than the page cache,
	// and the time of the same summary made again at once.
	before := usage()
	ms, err := once()
	if err != nil {
		return err
	}
	first := usage().sub(before)
	res.SummaryMs = &ms
	again, err := once()
	if err != nil {
		return err
	}
	progress("summary: %.1f ms (CPU %.0f ms, %d minor page faults, %d KB read from disk; %d collections, %.0f ms of their CPU, live heap %d MB before); made again at once %.1f ms",
		ms, float64(first.cpu.Microseconds())/1000, first.minflt, first.inblock/2, first.gcs, float64(first.gcCPU.Microseconds())/1000, before.liveHeap>>20, again)

	if replay > 1 {
		// The labelled weeks hold the replays' copies of every topic
		// too: figures of them would score the copies, not the engine.
		progress("summary: no accuracy figures of a replayed archive")
		return nil
	}
	sc, ok, err := digest.EvaluateKeptApart(ctx, svc.Store(), l.ID)
	if err != nil {
		return err
	}
	if !ok {
		progress("summary: the corpus is not the labelled usrp-users archive; no accuracy figures")
		return nil
	}
	progress("summary: on the evaluation set's weeks kept apart, %s", sc)
	f := func(v float64) *float64 { return &v }
	res.SummaryQuestionF1 = f(sc.Question.F1())
	res.SummarySolvedPrecision, res.SummarySolvedRecall = f(sc.Solved.Precision()), f(sc.Solved.Recall())
	res.SummaryAnswerAccuracy = f(sc.AnswerAccuracy())
	res.SummaryThreadSplitF1 = f(sc.Split.F1())
	res.SummaryResourcePrecision, res.SummaryResourceRecall = f(sc.Resource.Precision()), f(sc.Resource.Recall())
	return nil
}

// benchHTTPSearch times the search page over HTTP on loopback: one
// client, a new connection for every request (as public-inbox's figures
// were taken), the whole page read.
func benchHTTPSearch(ctx context.Context, h Harness, svc *listserv.Service, idx *index.Index, l *listserv.List, queries []string, res *Result, progress Progress) error {
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	ws := web.New(web.Config{Addr: "127.0.0.1:0", Index: idx}, h.WebDeps(svc), svc.Templates(), quiet)
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
	p50, p99 := percentiles(took)
	res.HTTPSearchP50Ms, res.HTTPSearchP99Ms = &p50, &p99
	progress("archive: the biggest search page is %d KB of HTML", biggest/1024)
	return nil
}

// source streams the archive benchmark's corpus: the mbox file, or a
// generated one of 2,000 posts in threads, replay times over.
type source struct {
	path   string
	replay int
}

func (b source) size() (int64, error) {
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
func (b source) each(f func([]byte) error) (int, error) {
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
	// Made at its size at once: grown from nothing, the later rounds'
	// copies were 1.4 GB of the 10x import's 25 GB of allocations (the
	// collector then paid for the bench's input, not the import's work).
	// Each id of the reply fields grows by the tag; 512 bytes cover a
	// long References field, and a longer one grows the buffer once.
	var out bytes.Buffer
	out.Grow(len(raw) + 512)
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

// searchMix is the public-inbox mix of ../shared/bench/queries.tsv when
// it is there, plus queries of every other kind the language has.
// It is looked for beside the corpus (corpora/X/file.mbox → bench/) and
// from the working directory.
func searchMix(corpus string) []string {
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
