package listserv

import (
	"strings"
	"testing"
)

func TestParseAddress(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"alice@Example.NET", "alice@example.net", true},
		{" Alice@example.net ", "Alice@example.net", true},
		{"alice", "", false},
		{"Alice <alice@example.net>", "", false},
		{"alice@", "", false},
		{"alice@nodot", "", false},
		{"alice@localhost", "alice@localhost", true},
		{"a b@example.net", "", false},
		{"alice@example.net, bob@example.net", "", false},
	}
	for _, tt := range tests {
		got, err := ParseAddress(tt.in)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("ParseAddress(%q) = %q, %v; want %q ok=%v", tt.in, got, err, tt.want, tt.ok)
		}
	}
}

func TestValidateList(t *testing.T) {
	good := List{Address: "cop@example.org", Name: "CoP", SubscribePolicy: "confirm", PostPolicy: "members", ArchivePolicy: "public"}
	good.Defaults()
	if err := ValidateList(&good); err != nil {
		t.Fatalf("good list: %v", err)
	}
	bad := []List{
		{Address: "cop", Name: "x", SubscribePolicy: "confirm", PostPolicy: "members", ArchivePolicy: "public"},
		{Address: "cop-request@example.org", Name: "x", SubscribePolicy: "confirm", PostPolicy: "members", ArchivePolicy: "public"},
		{Address: "cop@example.org", Name: "", SubscribePolicy: "confirm", PostPolicy: "members", ArchivePolicy: "public"},
		{Address: "cop@example.org", Name: "x", SubscribePolicy: "whenever", PostPolicy: "members", ArchivePolicy: "public"},
		{Address: "cop@example.org", Name: "x", SubscribePolicy: "confirm", PostPolicy: "all", ArchivePolicy: "public"},
		{Address: "cop@example.org", Name: "x", SubscribePolicy: "confirm", PostPolicy: "members", ArchivePolicy: "secret"},
		{Address: "cop@example.org", Name: "x\r\nBcc: evil@example.com", SubscribePolicy: "confirm", PostPolicy: "members", ArchivePolicy: "public"},
	}
	for _, l := range bad {
		l.Defaults()
		if err := ValidateList(&l); err == nil {
			t.Errorf("ValidateList(%+v) accepted a bad list", l)
		}
	}
}

func FuzzParseRoute(f *testing.F) {
	for _, s := range []string{"cop@example.org", "cop-confirm+abc@example.org", "cop-bounces+a=b.c@example.org", "-request@x", "a+@b", "@", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, rcpt string) {
		r, ok := ParseRoute(rcpt)
		if !ok {
			return
		}
		// Whatever routes must name a list address and rebuild to an
		// address of that list.
		if !strings.Contains(r.List, "@") || Address(r.List, r.Kind) == "" {
			t.Fatalf("ParseRoute(%q) = %+v", rcpt, r)
		}
	})
}
