package archive

import (
	"slices"
	"testing"
)

func TestLinks(t *testing.T) {
	tests := []struct {
		name, body string
		want       []string
	}{
		{"plain", "See https://files.ettus.com/manual/page_dpdk.html for DPDK.", []string{"https://files.ettus.com/manual/page_dpdk.html"}},
		{"punctuation", "Docs (https://example.org/a_(b)) and http://example.com/x, then https://example.net/y.", []string{"https://example.org/a_(b)", "http://example.com/x", "https://example.net/y"}},
		{"bracketed", "<https://example.org/z> twice https://example.org/z", []string{"https://example.org/z"}},
		{"footer", "my link https://a.example/1\n_______________________________________________\nUSRP-users mailing list\nhttp://lists.ettus.com/mailman/listinfo/usrp-users", []string{"https://a.example/1"}},
		{"underscores alone", "__________________________\nhttps://b.example/2", []string{"https://b.example/2"}},
		{"none", "no links here, just http:// and www.example.org", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Links(tt.body); !slices.Equal(got, tt.want) {
				t.Errorf("Links = %q, want %q", got, tt.want)
			}
		})
	}
}
