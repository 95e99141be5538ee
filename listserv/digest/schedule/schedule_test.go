package schedule

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"
)

// fakeRunner counts the runs and fails the first one.
type fakeRunner struct {
	mu   sync.Mutex
	runs []time.Time
	ran  chan struct{}
}

func (f *fakeRunner) RunDigests(ctx context.Context, now time.Time, force bool, only string) ([]DigestReport, error) {
	f.mu.Lock()
	f.runs = append(f.runs, now)
	n := len(f.runs)
	f.mu.Unlock()
	f.ran <- struct{}{}
	if force || only != "" {
		return nil, errors.New("the scheduler sends what is due, on every list")
	}
	if n == 1 {
		return nil, errors.New("store busy")
	}
	return []DigestReport{{List: "cop@example.org", Kind: KindDigest}}, nil
}

// fakeRecorder keeps the errors of the passes recorded.
type fakeRecorder struct {
	mu   sync.Mutex
	errs []error
}

func (r *fakeRecorder) RecordJobRun(_ context.Context, job string, err error) error {
	if job != Job {
		return errors.New("recorded as " + job)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errs = append(r.errs, err)
	return nil
}

// TestRunTicksUntilCancelled: a run at once, another at each tick (a
// failure does not stop the scheduler), each recorded with how it went,
// and Run returns nil when ctx ends.
func TestRunTicksUntilCancelled(t *testing.T) {
	f := &fakeRunner{ran: make(chan struct{}, 16)}
	rec := &fakeRecorder{}
	at := time.Date(2026, 3, 1, 18, 0, 0, 0, time.UTC)
	s := New(f, rec, func() time.Time { return at }, slog.New(slog.NewTextHandler(io.Discard, nil)))
	s.tick = 5 * time.Millisecond
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	for i := 0; i < 3; i++ {
		select {
		case <-f.ran:
		case <-time.After(5 * time.Second):
			t.Fatalf("only %d runs", i)
		}
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Run returned %v, want nil", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return after cancel")
	}
	rec.mu.Lock()
	if len(rec.errs) < 2 || rec.errs[0] == nil || rec.errs[1] != nil {
		t.Errorf("passes recorded with errors %v, want the first failed and the second not", rec.errs)
	}
	rec.mu.Unlock()
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, r := range f.runs {
		if !r.Equal(at) {
			t.Errorf("a run at %v, want the scheduler's clock %v", r, at)
		}
	}
}
