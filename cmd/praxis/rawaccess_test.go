package main

import (
	"strings"
	"testing"
)

// `list set --raw-access` keeps a list's raw posts for members and gives
// them back; a value that is neither is refused with the choices.
func TestListSetRawAccess(t *testing.T) {
	data := t.TempDir()
	praxis(t, data, "list", "create", "cop@example.org", "--name", "CoP")
	if out := praxis(t, data, "list", "show", "cop@example.org"); !strings.Contains(out, "raw posts:") || !strings.Contains(out, "anyone") {
		t.Errorf("a new list's raw posts are not for anyone:\n%s", out)
	}
	praxis(t, data, "list", "set", "cop@example.org", "--raw-access", "members")
	if out := praxis(t, data, "list", "show", "cop@example.org"); !strings.Contains(out, "members\n") {
		t.Errorf("--raw-access members did not take:\n%s", out)
	}
	_, errOut, err := praxisRun(data, "list", "set", "cop@example.org", "--raw-access", "nobody")
	if err == nil || !strings.Contains(errOut, "--raw-access") || !strings.Contains(errOut, "anyone, members") {
		t.Errorf("--raw-access nobody: %v %q", err, errOut)
	}
}
