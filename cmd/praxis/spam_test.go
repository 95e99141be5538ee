package main

import (
	"errors"
	"net/smtp"
	"net/textproto"
	"strings"
	"testing"
	"time"

	"praxis/listserv/dns/dnstest"
	"praxis/listserv/spam/spamtest"
)

// TestSpamEndToEnd: serve with --spamd (a real spamd); `list set` takes a
// list's spam settings and refuses bad ones; a non-member's GTUBE is
// refused at DATA (550 5.7.1) on a list that says reject, a member's is
// held, and `held ls` shows its score. serve takes --dnsbl and --dns
// too, but its client here is on loopback, the front MTA's place, whose
// address SPF and the blocklists are not asked about: those checks are
// tested over SMTP from another address in listserv/spam (live_test.go).
func TestSpamEndToEnd(t *testing.T) {
	spamd := spamtest.Spamd(t)
	dns := dnstest.Start(t, dnstest.Zone{})
	data := t.TempDir()
	praxis(t, data, "list", "create", "cop@example.org", "--name", "CoP", "--owner", "owner@example.org")
	praxis(t, data, "member", "add", "cop@example.org", "ann@example.net")
	if out := praxis(t, data, "list", "show", "cop@example.org"); !strings.Contains(out, "spam:") || !strings.Contains(out, "hold at the filter's own threshold; blocklisted: reject; SPF fail: reject") {
		t.Errorf("a new list's spam settings:\n%s", out)
	}
	for _, bad := range [][]string{{"--spam-action", "delete"}, {"--blocklist-action", "ignore"}, {"--spf-fail-action", "bounce"}, {"--spam-score", "-1"}, {"--spam-score", "NaN"}} {
		_, errOut, err := praxisRun(data, append([]string{"list", "set", "cop@example.org"}, bad...)...)
		if err == nil || !strings.Contains(errOut, bad[0]) {
			t.Errorf("list set %s %s: %v %q, want it refused naming the flag", bad[0], bad[1], err, errOut)
		}
	}
	praxis(t, data, "list", "set", "cop@example.org", "--spam-action", "reject", "--spam-score", "6.5")
	if out := praxis(t, data, "list", "show", "cop@example.org", "--json"); !strings.Contains(out, `"spam_action": "reject"`) || !strings.Contains(out, `"spam_score": 6.5`) {
		t.Errorf("list show --json after list set:\n%s", out)
	}

	rec := newRecorder(t)
	s := serve(t, data, rec.sink.Addr(), "--spamd", spamd, "--dnsbl", "bl.example", "--dns", dns.Addr())
	body := "Subject: test\r\n\r\n" + spamtest.GTUBE + "\r\n"
	if code, msg := smtpPost(t, s.smtp, "eve@spam.example", "From: eve@spam.example\r\nTo: cop@example.org\r\n"+body); code != 550 || !strings.HasPrefix(msg, "5.7.1 ") {
		t.Errorf("a non-member's GTUBE: %d %q, want 550 5.7.1", code, msg)
	}
	if code, msg := smtpPost(t, s.smtp, "ann@example.net", "From: ann@example.net\r\nTo: cop@example.org\r\n"+body); code != 250 {
		t.Fatalf("a member's GTUBE: %d %q, want 250", code, msg)
	}
	var out string
	for range 300 {
		if out = praxis(t, data, "held", "ls", "cop@example.org"); strings.Contains(out, "ann@example.net") {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 2 || !strings.Contains(lines[0], "SCORE") || !strings.Contains(lines[1], "spam: spamd scored") {
		t.Fatalf("held ls:\n%s", out)
	}
	col := strings.Index(lines[0], "SCORE")
	if score := strings.Fields(lines[1][col:])[0]; !strings.HasPrefix(score, "100") {
		t.Errorf("held ls shows score %q, want spamd's 1000 and more for the GTUBE:\n%s", score, out)
	}
	s.stop(t)
	// The owner hears of the held post; no member gets a copy.
	for _, c := range rec.snapshot() {
		if c.to != "owner@example.org" {
			t.Errorf("mail to %s, from %s: a copy of spam relayed", c.to, c.from)
		}
	}
}

// smtpPost sends raw over SMTP and returns the reply to its DATA.
func smtpPost(t *testing.T, addr, from, raw string) (int, string) {
	t.Helper()
	c, err := smtp.Dial(addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Mail(from); err != nil {
		t.Fatal(err)
	}
	if err := c.Rcpt("cop@example.org"); err != nil {
		t.Fatal(err)
	}
	w, err := c.Data()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write([]byte(raw)); err != nil {
		t.Fatal(err)
	}
	var te *textproto.Error
	if err := w.Close(); errors.As(err, &te) {
		return te.Code, te.Msg
	} else if err != nil {
		t.Fatal(err)
	}
	return 250, ""
}
