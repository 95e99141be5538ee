package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"runtime/debug"
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
// posts of 25 MB at once, from a non-member, so every one is held and its
// moderators are told. The receiver runs as `serve` does, in a child
// process of its own (this binary again, told so by benchChildEnv), whose
// peak resident set is the figure: memory the parent used to build the
// posts does not count.
const (
	benchChildEnv   = "PRAXIS_BENCH_CHILD" // "bigpost" runs the child
	benchChildData  = "PRAXIS_BENCH_DATA"
	benchChildSink  = "PRAXIS_BENCH_SINK"
	bigpostCount    = 20
	bigpostBytes    = 25_000_000
	bigpostMods     = 2
	bigpostListAddr = "big@bench.localhost"
)

// benchBigpost runs the scenario and returns the child's peak RSS in MB.
func benchBigpost(ctx context.Context, progress func(string, ...any)) (float64, error) {
	snk, err := startSink(nil)
	if err != nil {
		return 0, fmt.Errorf("bench: bigpost sink: %w", err)
	}
	defer snk.close()
	dir, err := os.MkdirTemp("", "praxis-bench-bigpost-")
	if err != nil {
		return 0, err
	}
	defer os.RemoveAll(dir)
	cfg := bigpostConfig(dir, snk.addr())
	svc, closeSvc, err := openService(ctx, &cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), nil)
	if err != nil {
		return 0, err
	}
	l := &listserv.List{Address: bigpostListAddr, Name: "Big", PostPolicy: listserv.PostMembers,
		SubscribePolicy: listserv.SubscribeConfirm, ArchivePolicy: listserv.ArchivePublic}
	err = svc.CreateList(ctx, l)
	for i := 0; err == nil && i < bigpostMods; i++ {
		err = svc.AddMember(ctx, bigpostListAddr, &store.Member{Address: fmt.Sprintf("mod%d@bench.localhost", i), Role: listserv.RoleModerator})
	}
	closeSvc()
	if err != nil {
		return 0, err
	}

	self, err := os.Executable()
	if err != nil {
		return 0, err
	}
	childCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	cmd := exec.CommandContext(childCtx, self, "bench")
	cmd.Env = append(os.Environ(), benchChildEnv+"=bigpost", benchChildData+"="+dir, benchChildSink+"="+snk.addr())
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return 0, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return 0, err
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		return 0, fmt.Errorf("bench: bigpost child: %w", err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	fail := func(err error) (float64, error) {
		stdin.Close()
		cancel()
		<-done
		return 0, fmt.Errorf("bench: bigpost: %w (child: %s)", err, strings.TrimSpace(stderr.String()))
	}
	line, err := bufio.NewReader(stdout).ReadString('\n')
	addr, ok := strings.CutPrefix(strings.TrimSpace(line), "smtp ")
	if err != nil || !ok {
		return fail(fmt.Errorf("no address from the child: %q %v", line, err))
	}

	progress("bigpost: %d posts of %d MB at once, from a non-member (held)", bigpostCount, bigpostBytes/1_000_000)
	body := bigpostBody()
	var wg sync.WaitGroup
	errs := make(chan error, bigpostCount)
	for i := 0; i < bigpostCount; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			head := fmt.Sprintf("From: Outsider <outsider@bench.localhost>\r\nTo: %s\r\nSubject: big post %d\r\nMessage-ID: <bigpost-%d@bench.localhost>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n", bigpostListAddr, i, i)
			msg := io.MultiReader(strings.NewReader(head), bytes.NewReader(body[:bigpostBytes-len(head)]))
			cl, err := smtp.Dial(addr)
			if err != nil {
				errs <- err
				return
			}
			defer cl.Close()
			if err := cl.SendMail("outsider@bench.localhost", []string{bigpostListAddr}, msg); err != nil {
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
	// The journey after the 250: checks, held, a notice to each moderator.
	if err := waitFor(ctx, 5*time.Minute, func() bool { return snk.rcpts.Load() >= bigpostCount*bigpostMods }); err != nil {
		return fail(fmt.Errorf("%d of %d moderator notices arrived: %w", snk.rcpts.Load(), bigpostCount*bigpostMods, err))
	}
	peak := procPeakRSSMB(cmd.Process.Pid)
	stdin.Close()
	select {
	case err := <-done:
		if err != nil {
			return 0, fmt.Errorf("bench: bigpost child: %w (%s)", err, strings.TrimSpace(stderr.String()))
		}
	case <-time.After(time.Minute):
		return fail(errors.New("the child did not stop"))
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

func bigpostConfig(dir, sink string) config.Config {
	cfg := config.Default()
	cfg.Data, cfg.SMTP, cfg.HTTP, cfg.Hostname = dir, "127.0.0.1:0", "127.0.0.1:0", "bench.localhost"
	cfg.Delivery = "smtp://" + sink + "?tls=none"
	cfg.Finish()
	return cfg
}

// benchChild runs the receiver of the big-post scenario: `serve` on the
// data dir the parent prepared, until its stdin closes. It says its SMTP
// address on stdout.
func (c *cli) benchChild(ctx context.Context) error {
	cfg := bigpostConfig(os.Getenv(benchChildData), os.Getenv(benchChildSink))
	// As serve does (serve.go).
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(300)
	}
	ctx, stop := context.WithCancel(ctx)
	defer stop()
	go func() {
		io.Copy(io.Discard, os.Stdin)
		stop()
	}()
	log := slog.New(slog.NewTextHandler(c.stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	return runServer(ctx, &cfg, log, func(name, addr string) {
		if name == "smtp" {
			fmt.Fprintf(c.stdout, "smtp %s\n", addr)
		}
	})
}

// procPeakRSSMB reads a process's high-water resident set (VmHWM); 0
// where /proc is missing.
func procPeakRSSMB(pid int) float64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, _ := strconv.ParseFloat(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 64)
			return kb / 1024
		}
	}
	return 0
}
