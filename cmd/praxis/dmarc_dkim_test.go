package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"praxis/listserv"
	"praxis/listserv/dkim"
	"praxis/listserv/dns/dnstest"
	"praxis/listserv/store"
)

// startFlowWithZone is startFlow with DNS records of the test's choosing.
func startFlowWithZone(t *testing.T, zone dnstest.Zone) *flow {
	t.Helper()
	return startFlowDNS(t, dnstest.Start(t, zone).Addr())
}

// TestStrictDMARCAuthorIsMunged: an author whose domain publishes
// p=reject is relayed From the list, with the author in Reply-To; a
// forged post in a member's name from such a domain is held.
func TestStrictDMARCAuthorIsMunged(t *testing.T) {
	f := startFlowWithZone(t, dnstest.Zone{
		"_dmarc.strict.example": {dnstest.TXT("v=DMARC1; p=reject")},
		// A subdomain inherits through the organisational domain.
		"_dmarc.quarantine.example": {dnstest.TXT("v=DMARC1; p=quarantine; sp=quarantine")},
	})
	ctx := context.Background()
	must(t, f.svc.CreateList(ctx, &listserv.List{Address: "cop@example.org", Name: "Makers", Prefix: "[cop] "}))
	must(t, f.svc.AddMember(ctx, "cop@example.org", &listserv.Member{Address: "alice@strict.example", Name: "Alice"}))
	must(t, f.svc.AddMember(ctx, "cop@example.org", &listserv.Member{Address: "bob@example.com"}))
	must(t, f.svc.AddMember(ctx, "cop@example.org", &listserv.Member{Address: "mod@example.org", Role: "moderator", Delivery: "nomail"}))

	// Alice's post carries no DKIM signature of strict.example, so it does
	// not pass DMARC: anyone could have written it. Held.
	f.send("alice@strict.example", "cop@example.org", post("Alice <alice@strict.example>", "cop@example.org", "forged or not", "x"))
	notice := f.mailTo("mod@example.org", "needs approval")
	// The notice is queued before the post is marked held (a crash in
	// between tells the moderators twice rather than never), so its copy
	// can arrive a moment before the mark.
	for i := 0; ; i++ {
		_, held, err := f.svc.Moderation().Held(ctx, "cop@example.org")
		if err == nil && len(held) == 1 && strings.Contains(held[0].Reason, "From not authenticated") {
			break
		}
		if err != nil || i == 500 {
			t.Fatalf("held: %+v (%v)", held, err)
		}
		time.Sleep(10 * time.Millisecond)
	}
	// The moderator approves; the copy goes out From the list.
	confirm := hdr(t, notice.data, "Reply-To")
	f.send("mod@example.org", confirm, post("mod@example.org", confirm, "Re: held", "approve"))
	cp := f.mailTo("bob@example.com", `Subject: \[cop\] forged or not`)
	from, replyTo := hdr(t, cp.data, "From"), hdr(t, cp.data, "Reply-To")
	if !strings.Contains(from, "Alice via Makers") || !strings.Contains(from, "<cop@example.org>") || !strings.Contains(replyTo, "alice@strict.example") {
		t.Errorf("From %q, Reply-To %q: want the list's address, the author in Reply-To", from, replyTo)
	}
}

// TestOutgoingMailIsDKIMSigned: with a key made by `praxis domain
// dkim-keygen`, every copy carries a signature that Debian's python3-dkim
// verifies against the published record, covering List-Unsubscribe.
func TestOutgoingMailIsDKIMSigned(t *testing.T) {
	python := ""
	for _, p := range []string{"/usr/bin/python3", "python3"} {
		if exec.Command(p, "-c", "import dkim").Run() == nil {
			python = p
			break
		}
	}
	if python == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("python3-dkim is not installed; .ci/run installs it")
		}
		t.Skip("python3-dkim not installed (apt-get install python3-dkim)")
	}
	f := startFlow(t)
	ctx := context.Background()
	must(t, f.svc.CreateList(ctx, &listserv.List{Address: "cop@example.org", Name: "Makers", Prefix: "[cop] "}))
	must(t, f.svc.AddMember(ctx, "cop@example.org", &listserv.Member{Address: "bob@example.com"}))
	pemKey, err := dkim.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	if err := f.svc.Store().PutDKIMKey(ctx, &store.DKIMKey{Domain: "example.org", Selector: "praxis", PrivatePEM: pemKey}); err != nil {
		t.Fatal(err)
	}
	name, txt, _, err := dkim.TXTRecord("example.org", "praxis", pemKey)
	if err != nil {
		t.Fatal(err)
	}
	f.send("bob@example.com", "cop@example.org", post("bob@example.com", "cop@example.org", "signed?", "A post."))
	cp := f.mailTo("bob@example.com", `Subject: \[cop\] signed\?`)
	sig := hdr(t, cp.data, "DKIM-Signature")
	if !strings.Contains(sig, "d=example.org") || !strings.Contains(strings.ToLower(sig), "list-unsubscribe") {
		t.Fatalf("DKIM-Signature %q", sig)
	}
	verify := func(msg []byte) string {
		cmd := exec.Command(python, "-c", `
import sys, dkim
name, txt = sys.argv[1].encode(), sys.argv[2].encode()
def dnsfunc(q, timeout=5):
    return txt if q.rstrip(b".").lower() == name else None
print("pass" if dkim.verify(sys.stdin.buffer.read(), dnsfunc=dnsfunc) else "fail")`, name, txt)
		cmd.Stdin = bytes.NewReader(msg)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("python3-dkim: %v\n%s", err, out)
		}
		return strings.TrimSpace(string(out))
	}
	if got := verify(cp.data); got != "pass" {
		t.Fatalf("python3-dkim says %s for the copy", got)
	}
	// Another member's unsubscribe link spliced in breaks the signature.
	tampered := bytes.Replace(cp.data, []byte("/unsubscribe/"), []byte("/unsubscribe/x"), 1)
	if got := verify(tampered); got != "fail" {
		t.Errorf("python3-dkim says %s for a copy with a changed List-Unsubscribe", got)
	}
}

// TestTwoFromFieldsRefusedOverSMTP: a post with the victim's From added
// above the attacker's own is refused at the end of DATA, to a Go client
// and to swaks alike, and nothing of it is kept.
func TestTwoFromFieldsRefusedOverSMTP(t *testing.T) {
	f := startFlow(t)
	ctx := context.Background()
	must(t, f.svc.CreateList(ctx, &listserv.List{Address: "cop@example.org", Name: "Makers"}))
	must(t, f.svc.AddMember(ctx, "cop@example.org", &listserv.Member{Address: "victim@example.net"}))
	msg := "From: Victim <victim@example.net>\r\n" + post("Attacker <attacker@example.net>", "cop@example.org", "two authors", "x")

	cl, err := smtp.Dial(f.smtp)
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	err = cl.SendMail("attacker@example.net", []string{"cop@example.org"}, strings.NewReader(msg))
	var se *smtp.SMTPError
	if !errors.As(err, &se) || se.Code != 550 || se.EnhancedCode != (smtp.EnhancedCode{5, 7, 1}) {
		t.Fatalf("SendMail = %v, want 550 5.7.1", err)
	}

	path, lerr := exec.LookPath("swaks")
	if lerr != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("swaks is not installed; .ci/run installs it")
		}
		t.Skip("swaks not installed (apt-get install swaks)")
	}
	file := filepath.Join(t.TempDir(), "two-from.eml")
	if err := os.WriteFile(file, []byte(msg), 0o600); err != nil {
		t.Fatal(err)
	}
	out, _ := exec.Command(path, "--server", f.smtp, "--from", "attacker@example.net", "--to", "cop@example.org", "--data", "@"+file).CombinedOutput()
	if !strings.Contains(string(out), "<** 550 5.7.1") {
		t.Errorf("swaks was not refused with 550 5.7.1:\n%s", out)
	}
	if n, err := f.svc.Store().CountMessages(context.Background(), store.KindPost, ""); err != nil || n != 0 {
		t.Errorf("%d posts spooled (%v), want none", n, err)
	}
}
