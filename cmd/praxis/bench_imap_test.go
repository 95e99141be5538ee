package main

import (
	"bytes"
	"encoding/json"
	"os/exec"
	"testing"
)

// `praxis bench --only imap` with ten idling clients: the IMAP keys are
// filled, the idle figure was read from the serving child, and every
// client was told of the new post (a count: the one-second figure is the
// bench's to report, not a test's to assert on a busy machine).
func TestBenchIMAPIdle(t *testing.T) {
	cmd := exec.Command(binary, "bench", "--only", "imap", "--imap-clients", "10", "--json")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("praxis bench --only imap: %v\n%s", err, stderr.String())
	}
	var res struct {
		ArchiveMessages  int      `json:"archive_messages"`
		SessionP50       *float64 `json:"imap_session_p50_ms"`
		SessionP99       *float64 `json:"imap_session_p99_ms"`
		IdleRSS          *float64 `json:"imap_idle_rss_mb"`
		IdleNotified     *int     `json:"imap_idle_notified"`
		IdleReached      *int     `json:"imap_idle_reached"`
		IdleClients      int      `json:"imap_idle_clients"`
		IdleSlowest      *float64 `json:"imap_idle_slowest_ms"`
		IngestMsgsPerS   float64  `json:"ingest_msgs_per_s"`
		BigpostPeakRSSMB *float64 `json:"bigpost_peak_rss_mb"`
	}
	if err := json.Unmarshal(stdout.Bytes(), &res); err != nil {
		t.Fatalf("bench JSON: %v\n%s", err, stdout.String())
	}
	if res.ArchiveMessages != 2000 {
		t.Errorf("archive_messages %d, want the generated corpus's 2000", res.ArchiveMessages)
	}
	if res.SessionP50 == nil || res.SessionP99 == nil || *res.SessionP50 <= 0 || *res.SessionP99 < *res.SessionP50 {
		t.Errorf("imap_session_p50_ms %v, _p99_ms %v: want both, p50 ≤ p99", res.SessionP50, res.SessionP99)
	}
	if res.IdleRSS == nil || *res.IdleRSS <= 0 {
		t.Errorf("imap_idle_rss_mb %v, want a figure", res.IdleRSS)
	}
	if res.IdleClients != 10 {
		t.Errorf("imap_idle_clients %d, want 10", res.IdleClients)
	}
	if res.IdleReached == nil || *res.IdleReached != 10 {
		t.Errorf("imap_idle_reached %v, want all 10 clients told of the new post", res.IdleReached)
	}
	if res.IdleNotified == nil || *res.IdleNotified < 0 || *res.IdleNotified > *res.IdleReached {
		t.Errorf("imap_idle_notified %v, want a count of at most imap_idle_reached", res.IdleNotified)
	}
	if res.IdleSlowest == nil || *res.IdleSlowest <= 0 {
		t.Errorf("imap_idle_slowest_ms %v, want a figure", res.IdleSlowest)
	}
	// --only imap runs nothing else.
	if res.IngestMsgsPerS != 0 || res.BigpostPeakRSSMB != nil {
		t.Errorf("--only imap ran other scenarios: ingest %v, bigpost %v", res.IngestMsgsPerS, res.BigpostPeakRSSMB)
	}
}
