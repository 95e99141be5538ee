package main

import (
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
)

// swaksRefused runs swaks where a refusal is what the test wants, and
// returns its whole transcript.
func swaksRefused(t *testing.T, args ...string) string {
	t.Helper()
	path, err := exec.LookPath("swaks")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("swaks is not installed; .ci/run installs it")
		}
		t.Skip("swaks not installed (apt-get install swaks)")
	}
	out, _ := exec.Command(path, args...).CombinedOutput()
	return string(out)
}

// sendOwnerMail sends one message to rcpt with go-smtp's client and
// returns the error of RCPT or of the whole transaction.
func sendOwnerMail(t *testing.T, addr, rcpt string) error {
	t.Helper()
	cl, err := smtp.Dial(addr)
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	return cl.SendMail("someone@example.net", []string{rcpt}, strings.NewReader(post("Someone <someone@example.net>", rcpt, "a question for the owners", "Who runs this list?")))
}

// TestOwnerMailWithoutOwner (issue 14 item 7): mail to LIST-owner@ of a
// list with no owner is never taken with a 250 for nobody. Without
// --admin it is refused at RCPT with 550 5.2.1, to go-smtp's client and
// to swaks, and serve's log says so; with --admin it reaches the site
// administrator; `list create` warns about a list with no owner, and
// --owner gives it one, whose mail goes to them.
func TestOwnerMailWithoutOwner(t *testing.T) {
	data := t.TempDir()
	_, errOut, err := praxisRun(data, "list", "create", "cop@example.org", "--name", "CoP")
	if err != nil || !strings.Contains(errOut, "warning: cop@example.org has no owner") || !strings.Contains(errOut, "--admin") {
		t.Fatalf("list create with no owner: %v, stderr %q; want a warning naming --admin", err, errOut)
	}
	out, errOut, err := praxisRun(data, "list", "create", "two@example.org", "--name", "Two", "--owner", "boss@example.net")
	if err != nil || strings.Contains(errOut, "warning") {
		t.Fatalf("list create --owner: %v\n%s%s", err, out, errOut)
	}
	if ls := praxis(t, data, "member", "ls", "two@example.org"); !strings.Contains(ls, "boss@example.net") || !strings.Contains(ls, "owner") {
		t.Errorf("two@'s members after --owner:\n%s", ls)
	}
	// A bad --owner makes no list.
	if _, errOut, err := praxisRun(data, "list", "create", "three@example.org", "--name", "Three", "--owner", "not-an-address"); err == nil || !strings.Contains(errOut, "--owner") {
		t.Errorf("a bad --owner: %v, %q", err, errOut)
	}
	if ls := praxis(t, data, "list", "ls"); strings.Contains(ls, "three@example.org") {
		t.Errorf("a bad --owner left the list made:\n%s", ls)
	}

	rec := newRecorder(t)
	srv := serve(t, data, rec.sink.Addr())
	err = sendOwnerMail(t, srv.smtp, "cop-owner@example.org")
	var se *smtp.SMTPError
	if !errors.As(err, &se) || se.Code != 550 || se.EnhancedCode != (smtp.EnhancedCode{5, 2, 1}) || !strings.Contains(se.Message, "no owner") {
		t.Fatalf("owner mail of a list with no owner, no --admin: %v, want 550 5.2.1 saying there is no owner", err)
	}
	if tr := swaksRefused(t, "--server", srv.smtp, "--from", "someone@example.net", "--to", "cop-owner@example.org", "--body", "hello\n"); !strings.Contains(tr, "<** 550 5.2.1") {
		t.Errorf("swaks was not refused with 550 5.2.1:\n%s", tr)
	}
	// The list's owner still gets theirs.
	if err := sendOwnerMail(t, srv.smtp, "two-owner@example.org"); err != nil {
		t.Fatalf("owner mail of a list with an owner: %v", err)
	}
	rec.waitFor(t, "two@'s owner mail to boss", func(cs []delivered) bool {
		for _, c := range cs {
			if c.to == "boss@example.net" && strings.Contains(string(c.data), "a question for the owners") {
				return true
			}
		}
		return false
	})
	srv.stop(t)
	if log := srv.stderr.String(); !strings.Contains(log, "recipient refused") || !strings.Contains(log, "cop-owner@example.org") {
		t.Errorf("serve's log does not tell of the refusal:\n%s", log)
	}

	// With a site administrator, the mail goes to them.
	srv = serve(t, data, rec.sink.Addr(), "--admin", "postmaster@example.org")
	if err := sendOwnerMail(t, srv.smtp, "cop-owner@example.org"); err != nil {
		t.Fatalf("owner mail with --admin: %v", err)
	}
	swaks(t, "--server", srv.smtp, "--from", "someone@example.net", "--to", "cop-owner@example.org", "--header", "Subject: by swaks", "--body", "hello\n")
	toAdmin := func(cs []delivered) (n int) {
		for _, c := range cs {
			if c.to == "postmaster@example.org" {
				n++
			}
		}
		return n
	}
	rec.waitFor(t, "both owner mails at the administrator", func(cs []delivered) bool { return toAdmin(cs) >= 2 })
	time.Sleep(200 * time.Millisecond)
	for _, c := range rec.snapshot() {
		if c.to == "boss@example.net" && strings.Contains(string(c.data), "by swaks") {
			t.Error("cop@'s owner mail went to another list's owner")
		}
	}
	srv.stop(t)
	if log := srv.stderr.String(); !strings.Contains(log, "owner mail to the site administrator") {
		t.Errorf("serve's log does not say the owner mail went to the administrator:\n%s", log)
	}
}
