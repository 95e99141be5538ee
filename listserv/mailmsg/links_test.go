package mailmsg

import (
	"math/rand/v2"
	"regexp"
	"slices"
	"strings"
	"testing"
)

func TestTrimURL(t *testing.T) {
	tests := []struct{ in, want string }{
		{"https://a.example/x", "https://a.example/x"},
		{"https://a.example/x.", "https://a.example/x"},
		{"https://a.example/x).", "https://a.example/x"},
		{"https://a.example/wiki/A_(b)", "https://a.example/wiki/A_(b)"},
		{"https://a.example/wiki/A_(b))", "https://a.example/wiki/A_(b)"},
		{"https://a.example/x],", "https://a.example/x"},
		{"https://a.example/x[1]", "https://a.example/x"},
		{"http://ettus.example/USRP-users-X310-td10183.html[12]", "http://ettus.example/USRP-users-X310-td10183.html"},
		{"https://a.example/q?a[1]=2", "https://a.example/q?a[1]=2"},
		{"https://kb1vc.example/SoDaRadio/](https://kb1vc.example/SoDaRadio/", "https://kb1vc.example/SoDaRadio/"},
		{"http://ettus.example/USRP-users-X300-td8647.html[Image.jpeg]", "http://ettus.example/USRP-users-X300-td8647.html"},
		{"https://www.ettus.example/uploads/USRP-N321-Datasheet-5.pdfOn", "https://www.ettus.example/uploads/USRP-N321-Datasheet-5.pdf"},
		{"https://docs.example.org/guide.htmlThanks", "https://docs.example.org/guide.html"},
		{"https://docs.example.org/a.pdfThanks,", "https://docs.example.org/a.pdf"},
		{"https://docs.example.org/a.pdfOn)", "https://docs.example.org/a.pdf"},
		{"https://example.org/Report.PDFBest", "https://example.org/Report.PDF"},
		{"https://example.org/wiki/Main_PageOn", "https://example.org/wiki/Main_PageOn"},
		{"https://example.org/get.php?file=a.pdfOn", "https://example.org/get.php?file=a.pdfOn"},
		{"https://a.example/page[image: logo.png]", "https://a.example/page"},
		{"https://a.example/x>", "https://a.example/x"},
		{"https://a.example/x?'\"!;:*", "https://a.example/x"},
		{"https://a.example/x/", "https://a.example/x/"},
		{"https://a.example/#frag", "https://a.example/#frag"},
		{"https://kb.example/Troubleshooting_N310/N320_Device_Discovery_Issues_*", "https://kb.example/Troubleshooting_N310/N320_Device_Discovery_Issues"},
		{"https://kb.example/Some_Page_*.", "https://kb.example/Some_Page"},
		{"https://docs.python.example/3/reference/datamodel.html#object.__init__*", "https://docs.python.example/3/reference/datamodel.html#object.__init__"},
		{"https://docs.python.example/3/library/stdtypes.html#object.__dict__*.", "https://docs.python.example/3/library/stdtypes.html#object.__dict__"},
		{"https://a.example/trailing_", "https://a.example/trailing_"},
		{"https://a.example/bold*", "https://a.example/bold"},
	}
	for _, tt := range tests {
		if got := TrimURL(tt.in); got != tt.want {
			t.Errorf("TrimURL(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// URLSpans finds exactly what the one unanchored pattern it replaced
// found, on hostile and ordinary text alike.
func TestURLSpansAgreesWithThePattern(t *testing.T) {
	ref := regexp.MustCompile(`(?i)\bhttps?://[^\s\p{Z}<>"\\{}|^` + "`" + `]+`)
	old := func(text string) [][2]int {
		var out [][2]int
		for _, m := range ref.FindAllStringIndex(text, -1) {
			if u := TrimURL(text[m[0]:m[1]]); IsHTTP(u) {
				out = append(out, [2]int{m[0], m[0] + len(u)})
			}
		}
		return out
	}
	texts := []string{
		"", "http", "http://", "see http://x.org/a.", "xhttp://no.example", "_https://no.example", "éhttp://yes.example",
		"HTTPS://Up.Example/Path?q=1, and (http://b.example/c) then <http://c.example>",
		"hhttp://a.example hHttp://b.example http://a.example\u00a0nbsp https://t.example/x\"y",
		"http://a.example/http://b.example https//not http:/not",
		strings.Repeat("h", 1000) + "ttp://long.example/" + strings.Repeat("a", 3000),
	}
	rng := rand.New(rand.NewPCG(1, 2))
	alphabet := []string{"h", "H", "t", "T", "p", "s", ":", "/", "/", ".", "x", " ", "\n", "_", "é", "(", ")", "<", ">", "\"", "a", "1", "http://", "HTTPS://"}
	for range 3000 {
		var b strings.Builder
		for range rng.IntN(60) {
			b.WriteString(alphabet[rng.IntN(len(alphabet))])
		}
		texts = append(texts, b.String())
	}
	for _, text := range texts {
		if got, want := URLSpans(text), old(text); !slices.Equal(got, want) {
			t.Fatalf("URLSpans(%q) = %v, the pattern found %v", text, got, want)
		}
	}
}
