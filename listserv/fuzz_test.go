package listserv

import (
	"praxis/listserv/inbound"
	"strings"
	"testing"
)

func FuzzParseAddress(f *testing.F) {
	for _, s := range []string{"alice@example.net", "Alice <a@b.c>", "a@b", "@", "a@b.c, d@e.f", "\"q\"@x.org", "a@[127.0.0.1]"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		addr, err := ParseAddress(s)
		if err != nil {
			return
		}
		// What passes is one bare address that parses again to itself.
		if strings.ContainsAny(addr, "\r\n<>, ") {
			t.Fatalf("ParseAddress(%q) = %q", s, addr)
		}
		again, err := ParseAddress(addr)
		if err != nil || again != addr {
			t.Fatalf("ParseAddress(%q) = %q, then %q, %v", s, addr, again, err)
		}
	})
}

func FuzzSummarize(f *testing.F) {
	for _, s := range []string{
		"From: a@b.c\r\nSubject: =?utf-8?q?caf=C3=A9?=\r\nMessage-ID: <x@y>\r\n\r\nbody",
		"From a@b Mon Jan  1 00:00:00 2024\nFrom: =?x-unknown?b?AAAA?= <a@b>\n\n",
		" continuation\r\nFrom: \"unterminated <a@b\r\n",
		"",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		sum := inbound.Summarize(raw)
		if strings.ContainsAny(sum.Subject, "\r\n") {
			t.Fatalf("subject with a line break: %q", sum.Subject)
		}
	})
}

func FuzzCheckUnsubscribeToken(f *testing.F) {
	svc := newTestService(f)
	f.Add(svc.OneClick().UnsubscribeToken("cop@example.org", "alice@example.net"))
	f.Add("")
	f.Add(".")
	f.Add("YQ.")
	f.Fuzz(func(t *testing.T, token string) {
		addr, err := svc.OneClick().CheckUnsubscribeToken("cop@example.org", token)
		if err != nil {
			return
		}
		// Only tokens we made pass, and they name the address they were made for.
		if svc.OneClick().UnsubscribeToken("cop@example.org", addr) != token {
			t.Fatalf("token %q accepted for %q but is not ours", token, addr)
		}
	})
}

func FuzzVERPRecipient(f *testing.F) {
	svc := newTestService(f)
	f.Add("alice=example.net=0123456789abcdef")
	f.Add(strings.TrimSuffix(strings.SplitN(svc.VERP("cop@example.org", "alice@example.net"), "+", 2)[1], "@example.org"))
	f.Add("=")
	f.Add("a=b=c=d")
	f.Fuzz(func(t *testing.T, extra string) {
		rcpt, ok := svc.verp.Recipient("cop@example.org", extra)
		// Only the tag Praxis itself made for rcpt passes the MAC check.
		if ok && !strings.Contains(strings.ToLower(svc.VERP("cop@example.org", rcpt)), "+"+strings.ToLower(extra)+"@") {
			t.Fatalf("accepted %q for %q, which is not our tag for it", extra, rcpt)
		}
	})
}
