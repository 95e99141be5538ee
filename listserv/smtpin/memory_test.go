package smtpin

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/emersion/go-smtp"

	"praxis/listserv/store"
)

// TestBigPostsStayWithinBudget: concurrent posts far bigger than the memory
// budget are all accepted and stored byte for byte, while the bytes held in
// memory for mail in transit never pass the budget (the rest waits in
// unlinked files, gone afterwards). Before the budget, each session read
// its whole DATA into a growing buffer: 8 posts of 2 MiB held 16 MiB and
// more at once.
func TestBigPostsStayWithinBudget(t *testing.T) {
	svc := newService(t)
	spool := t.TempDir()
	const budget = 8 << 20
	mem := NewMemory(budget)
	srv := start(t, svc.Inbound(), Config{MaxMessageBytes: 4 << 20, Memory: mem, MemoryPerMessage: 64 << 10, SpoolDir: spool})
	const posts, size = 8, 2 << 20
	var wg sync.WaitGroup
	errs := make(chan error, posts)
	for i := 0; i < posts; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			body := bytes.Repeat([]byte(fmt.Sprintf("line %d of a big post, padded to a fair length.\r\n", i)), size/48)
			msg := fmt.Sprintf("From: alice@example.net\r\nTo: cop@example.org\r\nSubject: big %d\r\nMessage-ID: <big-%d@example.net>\r\n\r\n", i, i) + string(body)
			cl, err := smtp.Dial(srv.Addr().String())
			if err != nil {
				errs <- err
				return
			}
			defer cl.Close()
			errs <- cl.SendMail("alice@example.net", []string{"cop@example.org"}, strings.NewReader(msg))
		}(i)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	ms, err := svc.Store().MessagesInState(context.Background(), store.StateReceived, 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) != posts {
		t.Fatalf("%d posts stored, want %d", len(ms), posts)
	}
	for _, m := range ms {
		if len(m.Raw) < size || !bytes.HasSuffix(m.Raw, []byte("fair length.\r\n")) {
			t.Errorf("post %s stored with %d bytes", m.MessageID, len(m.Raw))
		}
	}
	if a, s := mem.arriving.peakUse(), mem.storing.peakUse(); a > mem.arriving.size || s > mem.storing.size || a+s > budget {
		t.Errorf("memory for mail in transit peaked at %d + %d bytes, over the budget of %d", a, s, budget)
	} else {
		t.Logf("peak: %d arriving + %d storing of %d", a, s, budget)
	}
	if a, s := mem.arriving.inUse(), mem.storing.inUse(); a != 0 || s != 0 {
		t.Errorf("%d + %d bytes still taken after every post was stored", a, s)
	}
	left, err := os.ReadDir(spool)
	must(t, err)
	if len(left) != 0 {
		t.Errorf("%d spool files left behind", len(left))
	}
}
