package main

import (
	"context"
	"regexp"
	"strings"
	"testing"

	"praxis/listserv/apppass"
)

// storedHashes reads a member's app password hashes through the store, as
// the IMAP server's login does.
func storedHashes(t *testing.T, data, addr string) []string {
	t.Helper()
	st, err := openStore(data)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	hs, err := st.AppPasswordHashes(context.Background(), addr)
	if err != nil {
		t.Fatal(err)
	}
	return hs
}

// checks tells whether plain matches one of the hashes.
func checks(plain string, hashes []string) bool {
	for _, h := range hashes {
		if apppass.Check(plain, h) {
			return true
		}
	}
	return false
}

// TestMemberAppPassword: `praxis member app-password` prints a new
// password alone on stdout, which the store keeps only hashed; a second
// call adds a second that works beside the first; another list's
// passwords stay when one list's are revoked; --revoke on the list makes
// both fail and says how many it removed; a non-member and an unknown
// list are errors that print no password.
func TestMemberAppPassword(t *testing.T) {
	data := t.TempDir()
	praxis(t, data, "list", "create", "cop@example.org", "--name", "CoP", "--archive", "private")
	praxis(t, data, "list", "create", "makers@example.org", "--name", "Makers")
	praxis(t, data, "member", "add", "cop@example.org", "Ann@example.net")
	praxis(t, data, "member", "add", "makers@example.org", "ann@example.net")

	shape := regexp.MustCompile(`^[a-z2-9]{4}(-[a-z2-9]{4}){3}\n$`)
	issue := func(list, addr string) string {
		t.Helper()
		out, errOut, err := praxisRun(data, "member", "app-password", list, addr)
		if err != nil {
			t.Fatalf("member app-password %s %s: %v\n%s", list, addr, err, errOut)
		}
		if !shape.MatchString(out) {
			t.Fatalf("stdout %q is not one password on one line", out)
		}
		if !strings.Contains(errOut, "--revoke") {
			t.Errorf("no hint on stderr: %q", errOut)
		}
		return strings.TrimSpace(out)
	}
	first := issue("cop@example.org", "ann@example.net")
	hs := storedHashes(t, data, "ann@example.net")
	if len(hs) != 1 || !apppass.Check(first, hs[0]) {
		t.Fatalf("the printed password does not check against the stored %q", hs)
	}
	if strings.Contains(hs[0], first) || strings.Contains(hs[0], strings.ReplaceAll(first, "-", "")) {
		t.Errorf("the store keeps the password itself: %q", hs[0])
	}
	second := issue("cop@example.org", "ANN@example.net")
	other := issue("makers@example.org", "ann@example.net")
	if first == second || first == other {
		t.Fatalf("the same password twice: %q %q %q", first, second, other)
	}
	hs = storedHashes(t, data, "Ann@Example.net")
	for _, p := range []string{first, second, other} {
		if !checks(p, hs) {
			t.Errorf("%s does not check against the stored hashes %q", p, hs)
		}
	}

	out := praxis(t, data, "member", "app-password", "cop@example.org", "ann@example.net", "--revoke")
	if !strings.Contains(out, "revoked 2 ") {
		t.Errorf("--revoke said %q, want 2 revoked", out)
	}
	hs = storedHashes(t, data, "ann@example.net")
	if checks(first, hs) || checks(second, hs) {
		t.Error("a revoked password still checks")
	}
	if !checks(other, hs) {
		t.Error("revoking cop's passwords took makers' too")
	}
	if out := praxis(t, data, "member", "app-password", "cop@example.org", "ann@example.net", "--revoke"); !strings.Contains(out, "revoked 0 ") {
		t.Errorf("--revoke again said %q, want 0", out)
	}

	for _, tt := range []struct {
		args []string
		says string
	}{
		{[]string{"cop@example.org", "bob@example.net"}, "not a member"},
		{[]string{"nope@example.org", "ann@example.net"}, "no list"},
		{[]string{"cop@example.org", "bob@example.net", "--revoke"}, "not a member"},
	} {
		out, errOut, err := praxisRun(data, append([]string{"member", "app-password"}, tt.args...)...)
		if err == nil || out != "" || !strings.Contains(errOut, tt.says) {
			t.Errorf("member app-password %q: err %v, stdout %q, stderr %q; want an error saying %q and no password", tt.args, err, out, errOut, tt.says)
		}
	}
	if hs := storedHashes(t, data, "bob@example.net"); len(hs) != 0 {
		t.Errorf("a non-member has hashes: %q", hs)
	}

	// Removing the member takes their passwords away.
	praxis(t, data, "member", "rm", "makers@example.org", "ann@example.net")
	if hs := storedHashes(t, data, "ann@example.net"); len(hs) != 0 {
		t.Errorf("a removed member's passwords remain: %q", hs)
	}
}
