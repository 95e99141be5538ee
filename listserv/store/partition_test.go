package store_test

import (
	"context"
	"testing"
	"time"

	"praxis/listserv/store"
	"praxis/listserv/store/pgtest"
)

// TestSpoolAfterPartition: the network to PostgreSQL loses the spool's
// connection without a word (a partition that healed, after which the
// server has forgotten it). The group commit on it is cut off by its own
// bound, not left to TCP's quarter of an hour, and posts are spooled
// again on a new connection: a node takes mail again without a restart.
func TestSpoolAfterPartition(t *testing.T) {
	old := *store.SpoolTimeout
	*store.SpoolTimeout = 500 * time.Millisecond
	defer func() { *store.SpoolTimeout = old }()
	proxy, url := pgtest.NewProxy(t, pgtest.URL(t))
	st, err := store.Open(context.Background(), "", store.Options{DB: url})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	spool := func() error {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		return st.Spool(ctx, &store.Message{ListAddress: "cop@example.org", Kind: store.KindPost, Rcpt: "cop@example.org", Raw: []byte("Subject: x\r\n\r\nx\r\n")})
	}
	if err := spool(); err != nil {
		t.Fatal(err)
	}
	proxy.Blackhole()
	for i := 0; ; i++ {
		err := spool()
		if err == nil {
			t.Logf("spooled again after %d failures", i)
			break
		}
		if i == 20 {
			t.Fatalf("still failing after %d tries: %v", i, err)
		}
	}
}
