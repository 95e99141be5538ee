package bench

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime/pprof"
	"strings"

	"praxis/listserv/config"
)

// childParams carries the bench's Params and the Result so far to the
// archive child, as JSON.
const childParams = "PRAXIS_BENCH_PARAMS"

// archiveJob is what the archive child is given, and gives back.
type archiveJob struct {
	Params Params  `json:"params"`
	Result *Result `json:"result"`
}

// archiveInChild runs the archive scenario (import, searches, and the
// figures read from the archive) in a process of its own on cfg's data
// dir and database, so that import_peak_rss_mb is the import's and the
// searches' alone (SPEC: Benchmark), not the bench's. Without a Child
// command (tests) it runs here.
func archiveInChild(ctx context.Context, h Harness, cfg *config.Config, p Params, res *Result, progress Progress) error {
	if len(h.Child) == 0 {
		return benchArchive(ctx, h, cfg, p, res, progress)
	}
	job, err := json.Marshal(archiveJob{Params: p, Result: res})
	if err != nil {
		return err
	}
	cmd := exec.CommandContext(ctx, h.Child[0], h.Child[1:]...)
	cmd.Env = append(os.Environ(), childEnv+"=archive", childData+"="+cfg.Data, childDB+"="+cfg.DB, childParams+"="+string(job))
	var out bytes.Buffer
	cmd.Stdout = &out
	errPipe, err := cmd.StderrPipe()
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("bench: archive child: %w", err)
	}
	// The child's progress is the bench's; its other words (a panic) are
	// kept for the error.
	var said []string
	sc := bufio.NewScanner(errPipe)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "bench: "); ok {
			progress("%s", rest)
			continue
		}
		said = append(said, sc.Text())
		if len(said) > 40 {
			said = said[1:]
		}
	}
	if err := cmd.Wait(); err != nil {
		return fmt.Errorf("bench: archive child: %w\n%s", err, strings.Join(said, "\n"))
	}
	var got Result
	if err := json.Unmarshal(out.Bytes(), &got); err != nil {
		return fmt.Errorf("bench: archive child said no result: %w", err)
	}
	*res = got
	return nil
}

// StartCPUProfile writes the process's CPU profile to path until stop.
func StartCPUProfile(path string) (stop func(), err error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}, nil
}

// archiveChild is the archive child's side: the scenario on the data dir
// the parent prepared, the Result on stdout, progress on stderr.
func archiveChild(ctx context.Context, h Harness, stdout, stderr io.Writer) error {
	var job archiveJob
	if err := json.Unmarshal([]byte(os.Getenv(childParams)), &job); err != nil || job.Result == nil {
		return fmt.Errorf("bench: archive child: bad %s: %v", childParams, err)
	}
	cfg := config.Default()
	cfg.Data, cfg.DB, cfg.SMTP, cfg.HTTP, cfg.IMAP, cfg.Hostname = os.Getenv(childData), os.Getenv(childDB), "127.0.0.1:0", "127.0.0.1:0", "127.0.0.1:0", "bench.localhost"
	cfg.Finish()
	progress := func(format string, a ...any) { fmt.Fprintf(stderr, "bench: "+format+"\n", a...) }
	if p := os.Getenv(heapProfileEnv); p != "" {
		go heapProfileAtPeak(ctx, p)
	}
	if p := os.Getenv(CPUProfileEnv); p != "" {
		stop, err := StartCPUProfile(p)
		if err != nil {
			return err
		}
		defer stop()
	}
	if err := benchArchive(ctx, h, &cfg, job.Params, job.Result, progress); err != nil {
		return err
	}
	return json.NewEncoder(stdout).Encode(job.Result)
}
