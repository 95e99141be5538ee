package bench

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/emersion/go-smtp"

	"praxis/listserv"
	"praxis/listserv/config"
	"praxis/listserv/store"
)

// The big-post scenario (SPEC: Benchmark, bigpost_peak_rss_mb): twenty
// posts of 25 MB at once, from a member of a list of a few members, so
// every one takes the whole journey after the 250: checked, archived,
// indexed, and a copy built and delivered to each member. (Posts from a
// non-member are only held, the lighter path; an attacker who is a
// member takes the heavier one.) The receiver runs as `serve` does, in a
// child process of its own (this binary again, told so by
// childEnv), whose peak resident set until every copy reached the
// sink is the figure: memory the parent used to build the posts does not
// count.
const (
	childEnv        = "PRAXIS_BENCH_CHILD" // "bigpost", "imapidle", "fanout" or "archive" runs a child
	childData       = "PRAXIS_BENCH_DATA"
	childSink       = "PRAXIS_BENCH_SINK"
	childDB         = "PRAXIS_BENCH_DB" // the database, "" for SQLite in the data dir
	BigpostCount    = 20
	bigpostBytes    = 25_000_000
	bigpostListAddr = "big@bench.localhost"
	bigpostPoster   = "poster@bench.localhost"
	// heapProfileEnv names a file the child writes its heap
	// profile to whenever its live heap reaches a new high (a tool for
	// finding where the memory goes: go tool pprof -sample_index=inuse_space).
	heapProfileEnv = "PRAXIS_BENCH_HEAPPROFILE"
	// CPUProfileEnv names a file the archive child writes its CPU
	// profile to (`bench --cpuprofile FILE` sets it to FILE.archive:
	// the import and the searches run in that child, not in the bench).
	CPUProfileEnv = "PRAXIS_BENCH_CPUPROFILE"
)

// bigpostMembers are the list's members besides the poster, who is one
// too; each is sent a copy of every post.
var bigpostMembers = []string{"reader0@bench.localhost", "reader1@bench.localhost"}

// Bigpost runs the scenario, on a database of its own in the server db
// names ("" for SQLite), and returns the child's peak RSS in MB.
func Bigpost(ctx context.Context, h Harness, db string, progress Progress) (float64, error) {
	snk, err := StartSink(nil)
	if err != nil {
		return 0, fmt.Errorf("bench: bigpost sink: %w", err)
	}
	defer snk.Close()
	dir, db, done, err := scratch(ctx, "bigpost", db, progress)
	if err != nil {
		return 0, err
	}
	defer done()
	cfg := bigpostConfig(dir, db, snk.Addr())
	svc, closeSvc, err := h.OpenService(ctx, &cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		return 0, err
	}
	l := &listserv.List{Address: bigpostListAddr, Name: "Big", PostPolicy: listserv.PostMembers,
		SubscribePolicy: listserv.SubscribeConfirm, ArchivePolicy: listserv.ArchivePublic}
	err = svc.CreateList(ctx, l)
	for _, a := range append([]string{bigpostPoster}, bigpostMembers...) {
		if err == nil {
			err = svc.AddMember(ctx, bigpostListAddr, &store.Member{Address: a, Role: listserv.RoleMember})
		}
	}
	closeSvc()
	if err != nil {
		return 0, err
	}

	ch, err := startChild(ctx, h, "bigpost", dir, db, snk.Addr(), "smtp")
	if err != nil {
		return 0, fmt.Errorf("bench: bigpost: %w", err)
	}
	defer ch.stop()
	addr := ch.addrs["smtp"]
	fail := func(err error) (float64, error) { return 0, fmt.Errorf("bench: bigpost: %w", ch.fail(err)) }
	progress("bigpost: %d posts of %d MB at once, from a member of a list of %d", BigpostCount, bigpostBytes/1_000_000, 1+len(bigpostMembers))
	body := bigpostBody()
	var wg sync.WaitGroup
	errs := make(chan error, BigpostCount)
	for i := 0; i < BigpostCount; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			head := fmt.Sprintf("From: Poster <"+bigpostPoster+">\r\nTo: %s\r\nSubject: big post %d\r\nMessage-ID: <bigpost-%d@bench.localhost>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n", bigpostListAddr, i, i)
			msg := io.MultiReader(strings.NewReader(head), bytes.NewReader(body[:bigpostBytes-len(head)]))
			cl, err := smtp.Dial(addr)
			if err != nil {
				errs <- err
				return
			}
			defer cl.Close()
			if err := cl.SendMail(bigpostPoster, []string{bigpostListAddr}, msg); err != nil {
				errs <- fmt.Errorf("post %d: %w", i, err)
				return
			}
			cl.Quit()
		}()
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		return fail(err)
	}
	// The journey after the 250: checks, archive and index, a copy to
	// each member (the sink counts a copy once its DATA is in), the
	// poster included: the list sends a member's own post back.
	want := int64(BigpostCount * (1 + len(bigpostMembers)))
	if err := waitFor(ctx, 10*time.Minute, func() bool { return snk.rcpts.Load() >= want }); err != nil {
		return fail(fmt.Errorf("%d of %d copies arrived: %w", snk.rcpts.Load(), want, err))
	}
	peak := procPeakRSSMB(strconv.Itoa(ch.cmd.Process.Pid))
	if err := ch.stop(); err != nil {
		return 0, fmt.Errorf("bench: bigpost: %w", err)
	}
	if peak == 0 {
		return 0, errors.New("bench: bigpost: no peak RSS (no /proc?)")
	}
	return peak, nil
}

// bigpostBody is text in lines of 76 characters, enough for one post.
func bigpostBody() []byte {
	line := []byte(strings.Repeat("0123456789abcdefghijklmnopqrstuvwxyz", 3)[:76] + "\r\n")
	b := bytes.Repeat(line, bigpostBytes/len(line)+1)
	return b
}

func bigpostConfig(dir, db, sink string) config.Config {
	cfg := config.Default()
	cfg.Data, cfg.DB, cfg.SMTP, cfg.HTTP, cfg.IMAP, cfg.Hostname = dir, db, "127.0.0.1:0", "127.0.0.1:0", "127.0.0.1:0", "bench.localhost"
	cfg.Delivery = "smtp://" + sink + "?tls=none"
	cfg.Finish()
	return cfg
}

// IsChild tells whether this process is the big-post or the IMAP idle
// child, which the binary's bench command runs as Child instead of the
// bench.
func IsChild() bool {
	k := os.Getenv(childEnv)
	return k == "bigpost" || k == "imapidle" || k == "fanout" || k == "archive"
}

// Child runs the server of the big-post or the IMAP idle scenario:
// `serve` on the data dir the parent prepared, until its stdin closes.
// It says each listener's address on stdout, a line "NAME ADDR" each,
// SMTP's first.
func Child(ctx context.Context, h Harness, stdout, stderr io.Writer) error {
	if os.Getenv(childEnv) == "archive" {
		return archiveChild(ctx, h, stdout, stderr)
	}
	cfg := bigpostConfig(os.Getenv(childData), os.Getenv(childDB), os.Getenv(childSink))
	if conns, err := strconv.Atoi(os.Getenv(childConns)); err == nil && conns > 0 {
		// The fan-out child: as many delivery connections as the bench's
		// in-process servers get (benchConfig).
		cfg.DeliveryConcurrency, cfg.MaxConnections = conns, 1000
	}
	h.TuneMemory(&cfg) // as serve does
	if p := os.Getenv(heapProfileEnv); p != "" {
		go heapProfileAtPeak(ctx, p)
	}
	ctx, stop := context.WithCancel(ctx)
	defer stop()
	go func() {
		io.Copy(io.Discard, os.Stdin)
		stop()
	}()
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	return h.RunServer(ctx, &cfg, log, func(name, addr string) {
		fmt.Fprintf(stdout, "%s %s\n", name, addr)
	})
}

// heapProfileAtPeak writes the heap profile to path each time the live
// heap reaches a new high (by a tenth), until ctx ends, so the file holds
// the profile nearest the peak. A diagnostic of the bench child only.
func heapProfileAtPeak(ctx context.Context, path string) {
	var high uint64
	t := time.NewTicker(50 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		if ms.HeapInuse <= high+high/10 {
			continue
		}
		high = ms.HeapInuse
		f, err := os.Create(path)
		if err != nil {
			return
		}
		pprof.Lookup("heap").WriteTo(f, 0)
		f.Close()
	}
}

// Only takes the hidden --only NAME flag out of bench's arguments:
// hidden since it is a tool for whoever works on one scenario, not part
// of the bench's contract.
func Only(args []string) (only string, rest []string) {
	for i := 0; i < len(args); i++ {
		a := args[i]
		if v, ok := strings.CutPrefix(strings.TrimPrefix(strings.TrimPrefix(a, "-"), "-"), "only="); ok {
			only = v
			continue
		}
		if (a == "--only" || a == "-only") && i+1 < len(args) {
			only = args[i+1]
			i++
			continue
		}
		rest = append(rest, a)
	}
	return only, rest
}
