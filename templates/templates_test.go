package templates

import (
	"bytes"
	"strings"
	"testing"
)

func TestParseAndRender(t *testing.T) {
	s, err := Parse()
	if err != nil {
		t.Fatal(err)
	}
	if len(s.CSS) == 0 {
		t.Error("no CSS")
	}
	var buf bytes.Buffer
	if err := s.Mail.ExecuteTemplate(&buf, "footer.txt", map[string]string{"Name": "CoP", "Address": "cop@example.org", "Request": "cop-request@example.org", "Archive": "https://x/l/cop@example.org/"}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), "cop-request@example.org") {
		t.Errorf("footer: %q", buf.String())
	}
	buf.Reset()
	// Hostile list names are escaped in pages.
	if err := s.Web.ExecuteTemplate(&buf, "unsubscribe.html", map[string]any{"Title": "t", "ListName": "<script>x</script>", "ListAddress": "a@b", "Address": "c@d", "Action": "/l/a@b/unsubscribe/x"}); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(buf.String(), "<script>") {
		t.Error("list name not escaped")
	}
}

func TestLinkify(t *testing.T) {
	tests := []struct{ in, want string }{
		{"see https://example.org/a_(b). ok", `see <a href="https://example.org/a_(b)" rel="nofollow noopener noreferrer">https://example.org/a_(b)</a>. ok`},
		{"<b>x</b> http://e.x/?a=1&b=2", `&lt;b&gt;x&lt;/b&gt; <a href="http://e.x/?a=1&amp;b=2" rel="nofollow noopener noreferrer">http://e.x/?a=1&amp;b=2</a>`},
		{"javascript:alert(1) and (http://e.x/p)", `javascript:alert(1) and (<a href="http://e.x/p" rel="nofollow noopener noreferrer">http://e.x/p</a>)`},
		{`"https://e.x/q"onmouseover=1`, `&#34;<a href="https://e.x/q" rel="nofollow noopener noreferrer">https://e.x/q</a>&#34;onmouseover=1`},
	}
	for _, tt := range tests {
		if got := string(linkify(tt.in)); got != tt.want {
			t.Errorf("linkify(%q)\n got %s\nwant %s", tt.in, got, tt.want)
		}
	}
}
