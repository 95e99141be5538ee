package main

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"
)

// TestMemberListingSuggestions: `member show` says a member's listing and
// suggestions (off and on by default, as the store keeps a new member),
// in text and JSON; `member set --listing on --suggestions off` changes
// them, taking what `set listing on|off` takes by mail (yes, NO); any
// other value is refused with the member left as it was.
func TestMemberListingSuggestions(t *testing.T) {
	data := t.TempDir()
	praxis(t, data, "list", "create", "cop@example.org", "--name", "CoP")
	praxis(t, data, "member", "add", "cop@example.org", "ann@example.net")
	show := func() map[string]any {
		t.Helper()
		var j map[string]any
		if err := json.Unmarshal([]byte(praxis(t, data, "member", "show", "cop@example.org", "ann@example.net", "--json")), &j); err != nil {
			t.Fatal(err)
		}
		return j
	}
	if j := show(); j["listing"] != "off" || j["suggestions"] != "on" {
		t.Errorf("a new member: listing %v, suggestions %v; want off, on", j["listing"], j["suggestions"])
	}
	out := praxis(t, data, "member", "show", "cop@example.org", "ann@example.net")
	for _, want := range []string{`(?m)^listing: +off$`, `(?m)^suggestions: +on$`} {
		if !regexp.MustCompile(want).MatchString(out) {
			t.Errorf("member show lacks %q:\n%s", want, out)
		}
	}

	praxis(t, data, "member", "set", "cop@example.org", "ann@example.net", "--listing", "on", "--suggestions", "off")
	if j := show(); j["listing"] != "on" || j["suggestions"] != "off" {
		t.Errorf("after --listing on --suggestions off: %v, %v", j["listing"], j["suggestions"])
	}
	praxis(t, data, "member", "set", "cop@example.org", "ann@example.net", "--listing", "NO", "--suggestions", "yes")
	if j := show(); j["listing"] != "off" || j["suggestions"] != "on" {
		t.Errorf("after --listing NO --suggestions yes: %v, %v", j["listing"], j["suggestions"])
	}

	for _, args := range [][]string{{"--listing", "maybe"}, {"--suggestions", ""}, {"--listing", "on", "--suggestions", "1"}} {
		_, errOut, err := praxisRun(data, append([]string{"member", "set", "cop@example.org", "ann@example.net"}, args...)...)
		if err == nil || !strings.Contains(errOut, "on or off") {
			t.Errorf("member set %v: %v, %q; want an error that says on or off", args, err, errOut)
		}
	}
	if j := show(); j["listing"] != "off" || j["suggestions"] != "on" {
		t.Errorf("a refused member set changed the member: %v, %v", j["listing"], j["suggestions"])
	}
}
