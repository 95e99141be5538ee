package render

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
)

// msg joins lines into a message with CRLF line ends, as mail travels.
func msg(lines ...string) []byte {
	return []byte(strings.Join(lines, "\r\n") + "\r\n")
}

func TestRenderHeader(t *testing.T) {
	tests := []struct {
		name string
		raw  []byte
		want Header
	}{
		{
			name: "encoded words",
			raw: msg(
				"From: =?utf-8?b?QW5uIEzDs3Bleg==?= <Ann@Example.ORG>",
				"To: Bob <bob@example.org>, carol@example.org",
				"Cc: =?iso-8859-1?q?J=F6rg?= <joerg@example.org>",
				"Subject: =?utf-8?q?Caf=C3=A9?= =?iso-8859-1?q?_na=EFve?=",
				"  and folded",
				"Date: Tue, 30 Jun 2020 20:44:11 -0400",
				"",
				"body"),
			want: Header{
				Subject:  "Café naïve and folded",
				From:     "Ann López",
				FromAddr: "ann@example.org",
				To:       "Bob <bob@example.org>, carol@example.org",
				Cc:       "Jörg <joerg@example.org>",
				Date:     "Tue, 30 Jun 2020 20:44:11 -0400",
			},
		},
		{
			name: "address without a name",
			raw:  msg("From: ann@example.org", "", "body"),
			want: Header{From: "ann@example.org", FromAddr: "ann@example.org"},
		},
		{
			name: "unparseable From",
			raw:  msg(`From: Ann "the radio" Example <ann@example.org`, "Subject: =?bogus?q?x?=", "", "body"),
			want: Header{From: `Ann "the radio" Example <ann@example.org`, FromAddr: "ann@example.org", Subject: "=?bogus?q?x?="},
		},
		{
			name: "raw 8-bit headers",
			raw:  []byte("From: J\xf6rg <j@example.org>\nSubject: Gr\xfc\xdfe\nTo: \xc3\xa9t\xc3\xa9 <e@example.org>\n\nbody\n"),
			want: Header{From: "Jörg", FromAddr: "j@example.org", Subject: "Grüße", To: "été <e@example.org>"},
		},
		{
			// Read as every reader reads it (mailmsg): a first line that
			// starts with a blank continues nothing and is dropped, and
			// the header ends at the first line that is not a field.
			name: "lenient header",
			raw:  []byte(" From: Ann <ann@example.org>\nSubject  : broken\nnot a field\nTo: x@example.org\n\nbody\n"),
			want: Header{Subject: "broken"},
		},
		{
			name: "empty",
			raw:  nil,
			want: Header{},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Render(tt.raw).Header; got != tt.want {
				t.Errorf("got  %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

// summary describes a rendered body in one string per part, for tables.
func summary(m *Message) []string {
	var out []string
	for _, p := range m.Parts {
		var s string
		if p.Enclosed != nil {
			s = "[" + p.Enclosed.Subject + "] "
		}
		if p.HTML != "" || p.RemoteContent {
			s += "html: " + string(p.HTML)
			if p.RemoteContent {
				s += " (remote)"
			}
		}
		for i, b := range p.Blocks {
			if i > 0 {
				s += " | "
			}
			s += b.Kind.String() + ": " + b.Text
		}
		out = append(out, s)
	}
	for _, a := range m.Attachments {
		out = append(out, fmt.Sprintf("attachment %d %s %s %s %d", a.Index, a.Filename, a.ContentType, a.SafeType, a.Size))
	}
	return out
}

func TestRenderBody(t *testing.T) {
	tests := []struct {
		name string
		raw  []byte
		want []string
	}{
		{
			name: "text/plain preferred over HTML",
			raw: msg("Content-Type: multipart/alternative; boundary=b", "",
				"--b", "Content-Type: text/plain", "", "plain words", "> quoted",
				"--b", "Content-Type: text/html", "", "<p>html words</p>",
				"--b--"),
			want: []string{"plain: plain words | quote: quoted"},
		},
		{
			name: "empty text alternative gives way to HTML",
			raw: msg("Content-Type: multipart/alternative; boundary=b", "",
				"--b", "Content-Type: text/plain", "", " ",
				"--b", "Content-Type: text/html; charset=utf-8", "", "<p onclick=x>html <b>words</b></p>",
				"--b--"),
			want: []string{"html: <p>html <b>words</b></p>"},
		},
		{
			name: "HTML only with a remote image",
			raw: msg("Content-Type: text/html", "",
				`<html><head><title>t</title><style>p{color:red}</style></head><body><p>Hi</p><img src="http://tracker.example/p.gif"></body></html>`),
			want: []string{"html: <p>Hi</p> (remote)"},
		},
		{
			name: "HTML of nothing but remote images",
			raw:  msg("Content-Type: text/html", "", `<img src="https://example.org/a.png"><img src="https://example.org/b.png">`),
			want: []string{"html:  (remote)"},
		},
		{
			name: "mixed: text, image, text",
			raw: msg("Content-Type: multipart/mixed; boundary=\"=-=\"", "", "preamble",
				"--=-=", "", "first",
				"--=-=", "Content-Type: image/png; name=\"plot.png\"", "Content-Transfer-Encoding: base64", "", "iVBORw0KGgo=",
				"--=-=", "Content-Type: text/plain; charset=us-ascii", "Content-Disposition: inline", "", "second",
				"--=-=--", "epilogue"),
			want: []string{"plain: first", "plain: second", "attachment 2 plot.png image/png image/png 8"},
		},
		{
			name: "Mailman 2 footer part",
			raw: msg("Content-Type: multipart/mixed; boundary=\"===1==\"", "",
				"--===1==", "Content-Type: multipart/alternative; boundary=\"alt\"", "",
				"--alt", "Content-Type: text/plain; charset=\"UTF-8\"", "", "Hello list",
				"--alt", "Content-Type: text/html; charset=\"UTF-8\"", "", "<div>Hello list</div>",
				"--alt--", "",
				"--===1==", "Content-Type: text/plain; charset=\"us-ascii\"", "Content-Disposition: inline", "",
				mailman2Footer, "",
				"--===1==--"),
			want: []string{"plain: Hello list", "footer: " + mailman2Footer},
		},
		{
			name: "alternative with related HTML: its images are attachments",
			raw: msg("Content-Type: multipart/alternative; boundary=a", "",
				"--a", "Content-Type: text/plain", "", "see [image: scope.png]",
				"--a", "Content-Type: multipart/related; boundary=r", "",
				"--r", "Content-Type: text/html", "", `<p>see <img src="cid:x@y"></p>`,
				"--r", "Content-Type: image/png", "Content-ID: <x@y>", "Content-Transfer-Encoding: base64", "", "iVBORw0KGgo=",
				"--r--",
				"--a--"),
			want: []string{"plain: see [image: scope.png]", "attachment 3 attachment-3.png image/png image/png 8"},
		},
		{
			name: "attached message",
			raw: msg("Content-Type: multipart/mixed; boundary=m", "",
				"--m", "", "Forwarding this.",
				"--m", "Content-Type: message/rfc822", "", "From: Bob <bob@example.org>", "Subject: The original", "", "> old", "inner text",
				"--m--"),
			want: []string{"plain: Forwarding this.", "[The original] quote: old | plain: inner text", "attachment 2 The original.eml message/rfc822 application/octet-stream 71"},
		},
		{
			name: "digest",
			raw: msg("Content-Type: multipart/digest; boundary=d", "",
				"--d", "", "Subject: one", "", "first post",
				"--d", "", "Subject: two", "", "second post",
				"--d--"),
			want: []string{"[one] plain: first post", "[two] plain: second post",
				"attachment 1 one.eml message/rfc822 application/octet-stream 26",
				"attachment 3 two.eml message/rfc822 application/octet-stream 27"},
		},
		{
			name: "quoted-printable Latin-1",
			raw: msg("Content-Type: text/plain; charset=iso-8859-1", "Content-Transfer-Encoding: quoted-printable", "",
				"Gr=FC=DFe aus K=F6ln, a long line that is wrapped =", "here. 5=3D5, broken =ZZ kept."),
			want: []string{"plain: Grüße aus Köln, a long line that is wrapped here. 5=5, broken =ZZ kept."},
		},
		{
			name: "base64 UTF-8 with broken padding",
			raw:  msg("Content-Type: text/plain; charset=utf-8", "Content-Transfer-Encoding: BASE64", "", "w6l0w6kgw6AgUGFyaXM", "!!"),
			want: []string{"plain: été à Paris"},
		},
		{
			name: "base64 with a footer appended by a list server",
			raw: msg("Content-Type: text/plain; charset=utf-8", "Content-Transfer-Encoding: base64", "",
				"SGVsbG8sIHdvcmxkIQ==", "", "_______________", "Some list mailing list", "http://example.org/listinfo"),
			want: []string{"plain: Hello, world!"},
		},
		{
			name: "declared base64, never encoded",
			raw:  msg("Content-Type: text/plain", "Content-Transfer-Encoding: base64", "", "plain words here", "and more of them", "Thanks"),
			want: []string{"plain: plain words here\nand more of them\nThanks"},
		},
		{
			name: "undeclared 8-bit text is read as Windows-1252",
			raw:  []byte("Subject: x\n\nna\xefve \x93quotes\x94\n"),
			want: []string{"plain: naïve \u201cquotes\u201d"},
		},
		{
			name: "unknown charset, UTF-8 bytes",
			raw:  msg("Content-Type: text/plain; charset=x-no-such-charset", "", "caf\xc3\xa9"),
			want: []string{"plain: café"},
		},
		{
			name: "windows-1251",
			raw:  msg("Content-Type: text/plain; charset=windows-1251", "", "\xcf\xf0\xe8\xe2\xe5\xf2"),
			want: []string{"plain: Привет"},
		},
		{
			name: "multipart without a boundary is text",
			raw:  msg("Content-Type: multipart/mixed", "", "just text"),
			want: []string{"plain: just text"},
		},
		{
			name: "missing close delimiter and a part header that is no header",
			raw: msg("Content-Type: multipart/mixed; boundary=b", "",
				"--b", "Content-Type: text/plain", "", "one",
				"--b", "Content-Type text/plain broken", "", "two",
				"--b", "Content-Type: text/plain", "", "three"),
			want: []string{"plain: one", "plain: Content-Type text/plain broken\n\ntwo", "plain: three"},
		},
		{
			name: "longer boundary is not the boundary",
			raw: msg("Content-Type: multipart/mixed; boundary=b", "",
				"--b", "", "one", "--bx", "still one",
				"--b--"),
			want: []string{"plain: one\n--bx\nstill one"},
		},
		{
			name: "not a header at all",
			raw:  []byte("// just some text\nwith no header\n"),
			want: []string{"plain: // just some text\nwith no header"},
		},
		{
			name: "header only",
			raw:  []byte("Subject: nothing\n"),
			want: nil,
		},
		{
			name: "format=flowed",
			raw: msg("Content-Type: text/plain; format=flowed; delsp=yes", "",
				"A fixed line.", "A long line wrapped inside a wo ", "rd, then a fixed one."),
			want: []string{"plain: A fixed line.\nA long line wrapped inside a word, then a fixed one."},
		},
		{
			name: "inline patch is one block",
			raw:  msg("Content-Type: text/x-patch", "", "--- a/x", "+++ b/x", "> not a quote", "-- ", "2.30.0"),
			want: []string{"plain: --- a/x\n+++ b/x\n> not a quote\n-- \n2.30.0"},
		},
		{
			name: "named text is an attachment",
			raw: msg("Content-Type: multipart/mixed; boundary=b", "",
				"--b", "", "see log",
				"--b", "Content-Type: text/plain; charset=iso-8859-1", "Content-Disposition: inline; filename=\"uhd.log\"", "", "f\xfcr",
				"--b--"),
			want: []string{"plain: see log", "attachment 2 uhd.log text/plain text/plain; charset=utf-8 4"},
		},
		{
			name: "control characters removed",
			raw:  msg("", "bell\x07 and\x00 nul\x1b[31m"),
			want: []string{"plain: bell and nul[31m"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := summary(Render(tt.raw))
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got:\n%q\nwant:\n%q", got, tt.want)
			}
		})
	}
}

func TestRenderTruncates(t *testing.T) {
	line := strings.Repeat("word ", 15) + "\n"
	body := strings.Repeat(line, 2*maxText/len(line))
	raw := msg("Content-Type: multipart/mixed; boundary=b", "",
		"--b", "", body,
		"--b", "", "a second part, not shown",
		"--b", "Content-Type: application/pdf", "Content-Disposition: attachment; filename=x.pdf", "", "%PDF",
		"--b--")
	m := Render(raw)
	if len(m.Parts) != 2 {
		t.Fatalf("%d parts, want the cut text and a note", len(m.Parts))
	}
	shown := 0
	for _, b := range m.Parts[0].Blocks {
		shown += len(b.Text)
	}
	if shown > maxText || shown < maxText-len(line)-1 {
		t.Errorf("%d bytes shown, want just under %d", shown, maxText)
	}
	if note := m.Parts[1].Blocks; len(note) != 1 || note[0].Kind != Note {
		t.Errorf("last part %+v, want a note", m.Parts[1])
	}
	if len(m.Attachments) != 1 || m.Attachments[0].Filename != "x.pdf" {
		t.Errorf("attachments %+v: those after the cut are still listed", m.Attachments)
	}
}

func TestRenderDeepNesting(t *testing.T) {
	var b strings.Builder
	b.WriteString("Subject: deep\n")
	for i := range 5000 {
		fmt.Fprintf(&b, "Content-Type: multipart/mixed; boundary=b%d\n\n--b%d\n", i, i)
	}
	b.WriteString("\ninnermost\n")
	m := Render([]byte(b.String()))
	if m.Subject != "deep" {
		t.Errorf("subject %q", m.Subject)
	}
}

func TestRenderManyParts(t *testing.T) {
	var b strings.Builder
	b.WriteString("Content-Type: multipart/mixed; boundary=b\n\n")
	for range 5000 {
		b.WriteString("--b\nContent-Type: application/octet-stream\n\nx\n")
	}
	m := Render([]byte(b.String()))
	if len(m.Attachments) > maxNodes {
		t.Errorf("%d attachments, want at most %d", len(m.Attachments), maxNodes)
	}
}
