package delivery

import (
	"bytes"
	"context"
	"fmt"
	"testing"

	msgauth "github.com/emersion/go-msgauth/dkim"

	"praxis/listserv/dkim"
	"praxis/listserv/store"
)

// TestCopyLineEndings: a post holding "\r.\r\n" (an end of data to a
// server that ends lines at a lone CR) and lone CRs and LFs reaches the
// server as one copy per member in which every line ends in CRLF, and the
// copy's DKIM signature, made before it was sent, verifies on what arrived.
func TestCopyLineEndings(t *testing.T) {
	members := []string{"a@a.test", "b@b.test"}
	var txt string
	f := setupWith(t, members, Config{Concurrency: 2}, func(q *Queue) {
		pemKey, err := dkim.GenerateKey()
		if err != nil {
			t.Fatal(err)
		}
		if err := q.store.PutDKIMKey(context.Background(), &store.DKIMKey{Domain: "lists.test", Selector: "praxis", PrivatePEM: pemKey}); err != nil {
			t.Fatal(err)
		}
		if _, txt, _, err = dkim.TXTRecord("lists.test", "praxis", pemKey); err != nil {
			t.Fatal(err)
		}
	})
	f.postRaw(t, []byte("From: author@example.net\r\nSubject: smuggle\r\nMessage-ID: <smuggle@example.net>\r\n\r\n"+
		"hello\r.\r\nMAIL FROM:<ceo@bank.test>\rRCPT TO:<victim@example.org>\nDATA\r\n"+
		"From: ceo@bank.test\n\nsmuggled\r.\r\nend\rof the post\n"))
	eventually(t, "both copies", func() bool {
		f.mx.mu.Lock()
		defer f.mx.mu.Unlock()
		return len(f.mx.data) == len(members)
	})
	lookup := func(name string) ([]string, error) {
		if name != "praxis._domainkey.lists.test" {
			return nil, fmt.Errorf("unexpected key query %q", name)
		}
		return []string{txt}, nil
	}
	f.mx.mu.Lock()
	defer f.mx.mu.Unlock()
	for _, m := range members {
		if n := f.mx.got[m]; n != 1 {
			t.Errorf("%s got %d messages, want 1", m, n)
		}
		b := f.mx.data[m]
		if i := loneBreak(b); i >= 0 {
			t.Errorf("copy to %s: lone line break at %d of %q", m, i, b)
		}
		if !bytes.Contains(b, []byte("smuggled\r\n.\r\nend\r\nof the post\r\n")) {
			t.Errorf("copy to %s lost text of the post: %q", m, b)
		}
		vs, err := msgauth.VerifyWithOptions(bytes.NewReader(b), &msgauth.VerifyOptions{LookupTXT: lookup})
		if err != nil {
			t.Fatal(err)
		}
		if len(vs) != 1 || vs[0].Err != nil || vs[0].Domain != "lists.test" {
			for _, v := range vs {
				t.Errorf("copy to %s: signature of %s: %v", m, v.Domain, v.Err)
			}
			if len(vs) != 1 {
				t.Errorf("copy to %s: %d signatures, want 1", m, len(vs))
			}
		}
	}
}

// loneBreak returns the offset of the first CR not followed by LF or LF
// not preceded by CR, or -1.
func loneBreak(b []byte) int {
	for i, c := range b {
		if c == '\r' && (i+1 == len(b) || b[i+1] != '\n') {
			return i
		}
		if c == '\n' && (i == 0 || b[i-1] != '\r') {
			return i
		}
	}
	return -1
}
