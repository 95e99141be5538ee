package inbound

import "testing"

func TestParseRoute(t *testing.T) {
	tests := []struct {
		rcpt string
		want Route
		ok   bool
	}{
		{"cop@example.org", Route{"cop@example.org", "post", ""}, true},
		{"<COP@Example.ORG>", Route{"cop@example.org", "post", ""}, true},
		{"cop-request@example.org", Route{"cop@example.org", "request", ""}, true},
		{"cop-join@example.org", Route{"cop@example.org", "join", ""}, true},
		{"cop-leave@example.org", Route{"cop@example.org", "leave", ""}, true},
		{"cop-owner@example.org", Route{"cop@example.org", "owner", ""}, true},
		{"cop-confirm+abc123@example.org", Route{"cop@example.org", "confirm", "abc123"}, true},
		{"cop-bounces+alice=example.net@example.org", Route{"cop@example.org", "bounce", "alice=example.net"}, true},
		{"cop-bounces@example.org", Route{"cop@example.org", "bounce", ""}, true},
		{"my-list-request@example.org", Route{"my-list@example.org", "request", ""}, true},
		{"cop-confirm@example.org", Route{}, false},
		{"cop+tag@example.org", Route{}, false},
		{"cop-request+x@example.org", Route{}, false},
		{"-request@example.org", Route{"-request@example.org", "post", ""}, true},
		{"nodomain", Route{}, false},
		{"@example.org", Route{}, false},
	}
	for _, tt := range tests {
		got, ok := ParseRoute(tt.rcpt)
		if ok != tt.ok || (ok && got != tt.want) {
			t.Errorf("ParseRoute(%q) = %+v, %v; want %+v, %v", tt.rcpt, got, ok, tt.want, tt.ok)
		}
	}
}

func TestAddressAndVERP(t *testing.T) {
	if got := Address("cop@example.org", "request"); got != "cop-request@example.org" {
		t.Errorf("Address = %q", got)
	}

}
