package main

import (
	"testing"

	"praxis/listserv/config"
)

// serve's soft memory limit follows the mail memory budget (the bench
// child uses the same function, so bigpost measures what serve does).
func TestMemoryLimitFromConfig(t *testing.T) {
	cfg := config.Default()
	cfg.Finish()
	// The default budget is four of the largest messages (100 MiB).
	if got, want := memoryLimit(&cfg), int64(2*100<<20+256<<20); got != want {
		t.Fatalf("limit %d with the default budget, want %d", got, want)
	}
	cfg.MailMemoryBytes = 1 << 30
	if got, want := memoryLimit(&cfg), int64(2<<30+256<<20); got != want {
		t.Fatalf("limit %d with a budget of 1 GiB, want %d", got, want)
	}
}
