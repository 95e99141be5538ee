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
