package digest

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-message"
)

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
