package suggest_test

import (
	"context"
	"testing"
	"time"
)

// TestSuggestNotRedirected: a member's question whose From the member
// dressed as another list's munging ("Asker via Other", with the asker
// in Reply-To or X-Original-From, fields nobody vouches for) mails no
// one else: the suggestion goes to the address the list took the post
// from, or to nobody.
func TestSuggestNotRedirected(t *testing.T) {
	f := newFixture(t, 1)
	before := f.mails(t, "asker@example.net")
	for i, extra := range []string{
		"Reply-To: \"Asker\" <asker@example.net>\r\n",
		"X-Original-From: asker@example.net\r\n",
	} {
		id := []string{"forged1@x", "forged2@x"}[i]
		raw := "Message-ID: <" + id + ">\r\nFrom: \"Asker via Other\" <helper@example.net>\r\n" + extra +
			"To: cop@example.org\r\nSubject: B210 overflows again at 20 Msps\r\nDate: " + f.now.Format(time.RFC1123Z) +
			"\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" + newQuestion + "\r\n"
		if err := f.arch.Archive(context.Background(), f.l, []byte(raw), ""); err != nil {
			t.Fatal(err)
		}
	}
	f.catchUp(t)
	if got := f.mails(t, "asker@example.net") - before; got != 0 {
		t.Errorf("%d suggestion mails to a member who did not ask (the poster named them in Reply-To or X-Original-From)", got)
	}
}
