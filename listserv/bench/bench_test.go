package bench

import (
	"context"
	"reflect"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestOnly(t *testing.T) {
	for _, tc := range []struct {
		args     []string
		only     string
		wantRest []string
	}{
		{nil, "", nil},
		{[]string{"--json"}, "", []string{"--json"}},
		{[]string{"--only", "ingest", "--json"}, "ingest", []string{"--json"}},
		{[]string{"-only=bigpost"}, "bigpost", nil},
		{[]string{"--corpus", "x.mbox", "--only=ingest"}, "ingest", []string{"--corpus", "x.mbox"}},
	} {
		only, rest := Only(tc.args)
		if only != tc.only || !reflect.DeepEqual(rest, tc.wantRest) {
			t.Errorf("Only(%q) = %q, %q; want %q, %q", tc.args, only, rest, tc.only, tc.wantRest)
		}
	}
}

func TestReplayIDs(t *testing.T) {
	raw := []byte("Message-ID: <a@x>\r\nReferences: <p@x>\r\n <q@x>\r\nSubject: <not an id>\r\n\r\nbody <a@x>\r\n")
	if got := replayIDs(raw, 0); string(got) != string(raw) {
		t.Errorf("round 0 changed the message: %q", got)
	}
	want := "X-Bench-Round: 2\r\nMessage-ID: <r2.a@x>\r\nReferences: <r2.p@x>\r\n <r2.q@x>\r\nSubject: <not an id>\r\n\r\nbody <a@x>\r\n"
	if got := string(replayIDs(raw, 2)); got != want {
		t.Errorf("round 2:\n got %q\nwant %q", got, want)
	}
}

// The ceiling's receiver takes every post of every client, each
// committed to its spool before the 250.
func TestIngestCeiling(t *testing.T) {
	rate, err := ingestCeiling(context.Background(), "", 40, 4, t.Logf)
	if err != nil {
		t.Fatal(err)
	}
	if rate <= 0 {
		t.Errorf("rate %v, want > 0", rate)
	}
}

func TestSinkRecords(t *testing.T) {
	var mu sync.Mutex
	var got []string
	s, err := StartSink(func(from string, rcpts []string, data []byte) {
		mu.Lock()
		defer mu.Unlock()
		got = append(got, from+" "+strings.Join(rcpts, ",")+" "+strings.SplitN(string(data), "\r\n", 2)[0])
	})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := send(s.Addr(), "a@bench.localhost", "b@bench.localhost", message(7, "a@bench.localhost", "b@bench.localhost")); err != nil {
		t.Fatal(err)
	}
	if err := waitFor(context.Background(), 5*time.Second, func() bool { return s.msgs.Load() == 1 }); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	want := []string{"a@bench.localhost b@bench.localhost From: Member 7 <a@bench.localhost>"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("recorded %q, want %q", got, want)
	}
}

func TestExistsCount(t *testing.T) {
	for _, tc := range []struct {
		line string
		n    int
		ok   bool
	}{
		{"* 35001 EXISTS", 35001, true},
		{"* 0 exists", 0, true},
		{"* 3 RECENT", 0, false},
		{"* OK [UIDNEXT 4] Predicted next UID", 0, false},
		{"* x EXISTS", 0, false},
		{"a OK LOGIN completed", 0, false},
		{"", 0, false},
	} {
		n, ok := existsCount(tc.line)
		if n != tc.n || ok != tc.ok {
			t.Errorf("existsCount(%q) = %d, %v; want %d, %v", tc.line, n, ok, tc.n, tc.ok)
		}
	}
}

// TestResetPeakRSS: after ResetPeakRSS, PeakRSSMB no longer counts memory
// held and given back before it (the bare-Bleve ceiling's, in the
// archive scenario, is not the import's).
func TestResetPeakRSS(t *testing.T) {
	if PeakRSSMB() == 0 {
		t.Skip("no /proc/self/status here")
	}
	b := make([]byte, 200<<20)
	for i := 0; i < len(b); i += 4096 {
		b[i] = 1
	}
	high := PeakRSSMB()
	if high < 200 {
		t.Fatalf("peak RSS %.0f MB with 200 MB touched", high)
	}
	b = nil
	runtime.GC()
	if err := ResetPeakRSS(); err != nil {
		t.Fatal(err)
	}
	if after := PeakRSSMB(); after > high-150 {
		t.Errorf("peak RSS %.0f MB after the reset, %.0f MB before it", after, high)
	}
}
