package archive

import (
	"slices"
	"strings"
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

// HTML-only mail gives the index its words, not its markup.
func TestTextOfHTMLOnlyMail(t *testing.T) {
	raw := []byte("From: a@example.com\r\nSubject: x\r\nMIME-Version: 1.0\r\nContent-Type: text/html; charset=utf-8\r\n\r\n" +
		"<html><head><style>p{color:red}</style></head><body><p>Calibrate the <b>lathe</b> first.</p>" +
		"<blockquote>older words</blockquote><script>var hidden = 1;</script></body></html>")
	_, body, quoted := Text(raw)
	if !strings.Contains(body, "Calibrate the lathe first.") || strings.Contains(body, "<") || strings.Contains(body, "hidden") || strings.Contains(body, "color") {
		t.Errorf("body %q", body)
	}
	if !strings.Contains(quoted, "older words") || strings.Contains(body, "older words") {
		t.Errorf("quoted %q, body %q", quoted, body)
	}
}
