package main

import (
	"regexp"
	"strings"
	"testing"
)

// TestDKIMShow (issue 14 item 9): `domain dkim-show` prints the name and
// value of the key in use, the same record keygen printed, and the new
// one after a rotation; a domain with no key says how to make one.
func TestDKIMShow(t *testing.T) {
	data := t.TempDir()
	praxis(t, data, "list", "create", "cop@example.org", "--name", "CoP", "--owner", "boss@example.org")
	if _, errOut, err := praxisRun(data, "domain", "dkim-show", "example.org"); err == nil || !strings.Contains(errOut, "no DKIM key") || !strings.Contains(errOut, "dkim-keygen example.org") {
		t.Errorf("dkim-show with no key: %v, %q", err, errOut)
	}
	zone := regexp.MustCompile(`(?m)^\S+\._domainkey\.example\.org\. IN TXT .*$`)
	made := zone.FindString(praxis(t, data, "domain", "dkim-keygen", "example.org"))
	if made == "" {
		t.Fatal("dkim-keygen printed no zone line")
	}
	shown := praxis(t, data, "domain", "dkim-show", "Example.org.")
	if got := zone.FindString(shown); got != made {
		t.Errorf("dkim-show's zone line\n%s\nis not keygen's\n%s", got, made)
	}
	if !strings.Contains(shown, "name:  praxis._domainkey.example.org\n") || !regexp.MustCompile(`(?m)^value: v=DKIM1; k=rsa; p=[A-Za-z0-9+/=]{200,}$`).MatchString(shown) {
		t.Errorf("dkim-show printed no name and value:\n%s", shown)
	}
	rotated := zone.FindString(praxis(t, data, "domain", "dkim-keygen", "example.org", "--rotate", "--selector", "second"))
	shown = praxis(t, data, "domain", "dkim-show", "example.org")
	if !strings.Contains(shown, "name:  second._domainkey.example.org") || zone.FindString(shown) != rotated {
		t.Errorf("after --rotate dkim-show printed\n%s\nwant the record of selector second:\n%s", shown, rotated)
	}
}
