package digest

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-message"
)

// FuzzOwnText: cleaning never invents text — every line it keeps is a
// line of the input — and sentences stay within bounds.
func FuzzOwnText(f *testing.F) {
	for _, s := range []string{
		"Try a lower rate.\n\nOn Mon, Apr 12, 2021 at 10:17 AM Bob <bob@example.org> wrote:\n> It drops.\n",
		"Ken\n\nFrom: Brendan [mailto:b@example.org]\nSent: Sunday\nTo: Ken\n",
		"Hi all,\nIt works. Thanks!\n-- \nRob\n_______________________________________________\nX mailing list\n",
		"On\nwrote:\n>\n\r\n\u00a0Il 08/04/21 ha scritto:",
	} {
		f.Add(s, "Rob Kossler")
	}
	f.Fuzz(func(t *testing.T, text, author string) {
		own := ownText(text)
		in := map[string]bool{}
		for _, l := range strings.Split(normalizeSpace(text), "\n") {
			in[strings.TrimRight(l, " \t")] = true
		}
		for _, l := range strings.Split(own, "\n") {
			if l != "" && !in[l] {
				t.Fatalf("ownText made up the line %q", l)
			}
		}
		for _, s := range sentences(proseText(own, author)) {
			if s == "" || len(s) > maxSentence {
				t.Fatalf("bad sentence %q", s)
			}
		}
		thanks(own)
		tokens(own)
	})
}

// FuzzQuickText: the quick reader never fails where go-message reads.
func FuzzQuickText(f *testing.F) {
	for _, s := range []string{
		"Content-Type: text/plain; charset=iso-8859-1\nContent-Transfer-Encoding: quoted-printable\n\nCaf=E9\n",
		"Content-Type: multipart/alternative; boundary=\"b\"\n\n--b\nContent-Type: text/plain\nContent-Transfer-Encoding: base64\n\nSGVsbG8=\n--b--\n",
		"Content-Type: multipart/mixed; boundary=x\n\n--x\n\n--x--",
		"\n\nbody only",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		quickText(raw)
		readContent(raw)
	})
}

// FuzzDigest: any stored bytes make digests that parse, and a digest of
// one post lists exactly one message.
func FuzzDigest(f *testing.F) {
	for _, s := range digestPosts {
		f.Add([]byte(s))
	}
	f.Add([]byte("From: x\n\n------------------------------\n"))
	f.Add([]byte("no header at all"))
	o := testDigestOptions
	o.Date = time.Date(2021, 4, 14, 0, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, raw []byte) {
		for _, make := range []func([][]byte, DigestOptions) ([]byte, error){DigestMIME, DigestRFC1153} {
			out, err := make([][]byte{raw}, o)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := message.Read(bytes.NewReader(out)); err != nil && !message.IsUnknownCharset(err) {
				t.Fatalf("digest does not parse: %v", err)
			}
		}
		plain, _ := DigestRFC1153([][]byte{raw}, o)
		body := strings.ReplaceAll(string(plain), "\r\n", "\n")
		if n := strings.Count(body, "\n"+strings.Repeat("-", 30)+"\n"); n != 1 {
			t.Fatalf("%d message separators for one post", n)
		}
	})
}

// FuzzSummarize: any bodies give a summary that renders.
func FuzzSummarize(f *testing.F) {
	f.Add("How do I fix this?", "Use a RAM disk.", "Thanks, that worked!")
	f.Add("", "", "")
	f.Add("> quoted\nOn x wrote:", "-- \n", "_______________\nlist mailing list")
	f.Fuzz(func(t *testing.T, q, a, th string) {
		p := syntheticPeriod()
		p.Posts[1].Body, p.Posts[2].Body, p.Posts[4].Body = q, a, th
		s := Summarize(p, Options{BaseURL: "https://lists.example.org"})
		if _, err := RenderText(s); err != nil {
			t.Fatal(err)
		}
		h, err := RenderHTML(s)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(strings.ToLower(h), "<script") {
			t.Fatal("script in HTML")
		}
	})
}
