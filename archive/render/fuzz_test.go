package render

import (
	"strings"
	"testing"
	"unicode/utf8"

	"praxis/listserv/mailmsg"
)

// FuzzRender checks that no input makes Render, AttachmentData or Links
// panic, and that every HTML part that comes out is safe.
func FuzzRender(f *testing.F) {
	f.Add(attachmentMessage())
	f.Add(msg("Content-Type: multipart/alternative; boundary=b", "",
		"--b", "Content-Type: text/plain; format=flowed", "", "a \nb", "> q", "-- ", "sig",
		"--b", "Content-Type: text/html", "", "<p onclick=x>h<img src=http://x/>",
		"--b--"))
	f.Add(msg("Content-Type: multipart/digest; boundary=d", "", "--d", "", "Subject: s", "", "x", "--d--"))
	f.Add([]byte("Content-Type: text/html; charset=utf-16\n\n\xff\xfe<\x00b\x00>\x00"))
	f.Add([]byte(" From : broken\n\tcontinued\n\nbody\r\nmore\r"))
	f.Fuzz(func(t *testing.T, raw []byte) {
		m := Render(raw)
		for _, p := range m.Parts {
			if problems := unsafeHTML(string(p.HTML)); len(problems) > 0 {
				t.Fatalf("unsafe HTML %q: %v", p.HTML, problems)
			}
			for _, b := range p.Blocks {
				if !utf8.ValidString(b.Text) || b.Lines != strings.Count(b.Text, "\n")+1 {
					t.Fatalf("bad block %+v", b)
				}
			}
		}
		for _, a := range m.Attachments {
			data, got, err := AttachmentData(raw, a.Index)
			if err != nil || got != a || len(data) != a.Size {
				t.Fatalf("AttachmentData(%d) = %d bytes, %+v, %v; Render listed %+v", a.Index, len(data), got, err, a)
			}
		}
		for _, l := range Links(raw) {
			if !mailmsg.IsHTTP(l) {
				t.Fatalf("link %q", l)
			}
		}
	})
}

// FuzzSanitize checks that whatever HTML goes in, nothing that can run
// script or fetch anything comes out.
func FuzzSanitize(f *testing.F) {
	for _, s := range []string{
		`<a href="jav&#x61;script:alert(1)">x</a>`,
		`<svg><script>alert(1)</script></svg>`,
		`<noscript><p title="</noscript><img src=x onerror=alert(1)>">`,
		`<table background=http://x/><tr><td style="background:url(//x)">`,
		`<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>`,
		`<form><math><mtext></form><form><mglyph><svg><mtext><style><path id="</style><img onerror=alert(1) src>">`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		out, _, links := sanitize(src)
		if problems := unsafeHTML(string(out)); len(problems) > 0 {
			t.Fatalf("unsafe HTML %q from %q: %v", out, src, problems)
		}
		for _, l := range links {
			if !mailmsg.IsHTTP(l) {
				t.Fatalf("link %q", l)
			}
		}
	})
}

// FuzzSplitBlocks checks the block invariants on any text.
func FuzzSplitBlocks(f *testing.F) {
	f.Add("a\n> b\n>> c\n\nOn x wrote:\n> d\n-- \ns\n"+mailman3Footer, false)
	f.Add("flowed \n> q \n> r\n", true)
	f.Fuzz(func(t *testing.T, text string, flowed bool) {
		text = cleanText(text)
		for _, b := range splitBlocks(text, flowed, flowed) {
			if b.Text == "" || b.Lines != strings.Count(b.Text, "\n")+1 || (b.Kind == Quote) != (b.Depth > 0) {
				t.Fatalf("bad block %+v", b)
			}
		}
	})
}
