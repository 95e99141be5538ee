package dmarc

import (
	"bufio"
	"bytes"
	"errors"
	"flag"
	"io"
	"mime"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/emersion/go-message/mail"
	"github.com/emersion/go-message/textproto"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// golden compares got with testdata/name. Golden files hold LF line ends
// so that no checkout setting can change them; got must use CRLF only,
// which is checked here.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	if bytes.Count(got, []byte("\n")) != bytes.Count(got, []byte("\r\n")) {
		t.Errorf("%s: output has bare LF line ends:\n%q", name, got)
	}
	lf := bytes.ReplaceAll(got, []byte("\r\n"), []byte("\n"))
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, lf, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(lf, want) {
		t.Errorf("%s differs from the golden file:\n--- got\n%s\n--- want\n%s", name, lf, want)
	}
}

func readHeader(t *testing.T, s string) textproto.Header {
	t.Helper()
	h, err := textproto.ReadHeader(bufio.NewReader(strings.NewReader(s)))
	if err != nil {
		t.Fatal(err)
	}
	return h
}

const restOfHeader = "To: cop@example.org\r\n" +
	"Subject: Minutes\r\n" +
	"Date: Tue, 10 Mar 2026 09:30:00 +0100\r\n" +
	"Message-ID: <minutes-1@example.com>\r\n" +
	"DKIM-Signature: v=1; a=rsa-sha256; d=example.com; s=sel; h=From:To:Subject;\r\n" +
	" bh=AAAA; b=BBBB\r\n" +
	"\r\n"

func TestMunge(t *testing.T) {
	tests := []struct {
		golden string
		header string // From, Reply-To; restOfHeader follows
		// The From display name and Reply-To addresses, decoded, so
		// the intent is plain beside the golden file's exact bytes.
		wantName    string
		wantReplyTo []string
	}{
		{"munge/ascii.golden", "From: Alice Example <alice@example.com>\r\n",
			"Alice Example via CoP", []string{"alice@example.com"}},
		{"munge/specials.golden", "From: \"Example, Alice \\\"Al\\\"\" <alice@example.com>\r\n",
			`Example, Alice "Al" via CoP`, []string{"alice@example.com"}},
		{"munge/utf8.golden", "From: =?utf-8?q?J=C3=BCrgen_M=C3=BCller?= <juergen@example.de>\r\n",
			"Jürgen Müller via CoP", []string{"juergen@example.de"}},
		{"munge/latin1.golden", "From: =?iso-8859-1?q?Ren=E9_Lef=E8vre?= <rene@example.fr>\r\n",
			"René Lefèvre via CoP", []string{"rene@example.fr"}},
		{"munge/utf8-specials.golden", "From: \"Müller, Jürgen (Bonn)\" <juergen@example.de>\r\n",
			"Müller, Jürgen (Bonn) via CoP", []string{"juergen@example.de"}},
		// net/mail would Q-encode this with a bare backslash, which
		// no parser accepts (see formatAddress).
		{"munge/utf8-backslash.golden", "From: \"J\u00fcrgen \\\\ Bonn\" <juergen@example.de>\r\n",
			`Jürgen \ Bonn via CoP`, []string{"juergen@example.de"}},
		{"munge/noname.golden", "From: alice@example.com\r\n",
			"alice via CoP", []string{"alice@example.com"}},
		{"munge/reply-to.golden", "From: Alice Example <alice@example.com>\r\nReply-To: Team <team@example.com>, bob@example.net\r\n",
			"Alice Example via CoP", []string{"team@example.com", "bob@example.net", "alice@example.com"}},
		{"munge/reply-to-author.golden", "From: Alice Example <alice@example.com>\r\nReply-To: <Alice@Example.COM>\r\n",
			"Alice Example via CoP", []string{"Alice@Example.COM"}},
		{"munge/reply-to-broken.golden", "From: Alice Example <alice@example.com>\r\nReply-To: not an address\r\n",
			"Alice Example via CoP", []string{"alice@example.com"}},
		{"munge/folded.golden", "From: Alice\r\n Example\r\n <alice@example.com>\r\n",
			"Alice Example via CoP", []string{"alice@example.com"}},
	}
	for _, tt := range tests {
		t.Run(tt.golden, func(t *testing.T) {
			h := readHeader(t, tt.header+restOfHeader)
			if err := Munge(&h, "cop@example.org", "CoP"); err != nil {
				t.Fatal(err)
			}
			var b bytes.Buffer
			if err := textproto.WriteHeader(&b, h); err != nil {
				t.Fatal(err)
			}
			golden(t, tt.golden, b.Bytes())

			from, err := mail.ParseAddress(h.Get("From"))
			if err != nil {
				t.Fatalf("munged From %q does not parse: %v", h.Get("From"), err)
			}
			if from.Name != tt.wantName || from.Address != "cop@example.org" {
				t.Errorf("From = %q <%s>, want %q <cop@example.org>", from.Name, from.Address, tt.wantName)
			}
			rt, err := mail.ParseAddressList(h.Get("Reply-To"))
			if err != nil {
				t.Fatalf("Reply-To %q does not parse: %v", h.Get("Reply-To"), err)
			}
			var got []string
			for _, a := range rt {
				got = append(got, a.Address)
			}
			if strings.Join(got, ",") != strings.Join(tt.wantReplyTo, ",") {
				t.Errorf("Reply-To = %v, want %v", got, tt.wantReplyTo)
			}
			if !h.Has("DKIM-Signature") {
				t.Error("DKIM-Signature was removed")
			}
		})
	}
}

func TestMungeListName(t *testing.T) {
	h := readHeader(t, "From: Alice <alice@example.com>\r\n\r\n")
	if err := Munge(&h, "Community of Practice <cop@example.org>", ""); err != nil {
		t.Fatal(err)
	}
	if got, want := h.Get("From"), `"Alice via cop" <cop@example.org>`; got != want {
		t.Errorf("From = %s, want %s", got, want)
	}
}

func TestMungeErrors(t *testing.T) {
	tests := []struct {
		name, header, list string
		want               error
	}{
		{"no From", "To: cop@example.org\r\n\r\n", "cop@example.org", ErrNoAuthor},
		{"empty From", "From: \r\n\r\n", "cop@example.org", ErrNoAuthor},
		{"garbage From", "From: <<<\r\n\r\n", "cop@example.org", ErrNoAuthor},
		{"group without members", "From: undisclosed:;\r\n\r\n", "cop@example.org", ErrNoAuthor},
		{"bad list address", "From: alice@example.com\r\n\r\n", "cop", ErrListAddress},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := readHeader(t, tt.header)
			before := h.Copy()
			err := Munge(&h, tt.list, "CoP")
			if !errors.Is(err, tt.want) {
				t.Errorf("err = %v, want %v", err, tt.want)
			}
			var a, b bytes.Buffer
			textproto.WriteHeader(&a, before)
			textproto.WriteHeader(&b, h)
			if a.String() != b.String() {
				t.Errorf("Munge changed the header although it failed:\n%s", b.String())
			}
		})
	}
}

const wrapPost = "Return-Path: <alice@example.com>\r\n" +
	"DKIM-Signature: v=1; a=rsa-sha256; d=example.com; s=sel; h=From:To:Subject;\r\n" +
	" bh=AAAA; b=BBBB\r\n" +
	"From: Alice Example <alice@example.com>\r\n" +
	"To: cop@example.org\r\n" +
	"Cc: bob@example.net,\r\n" +
	" carol@example.net\r\n" +
	"Subject: =?utf-8?q?Gr=C3=BC=C3=9Fe?= from the meeting\r\n" +
	"Date: Tue, 10 Mar 2026 09:30:00 +0100\r\n" +
	"Message-ID: <minutes-2@example.com>\r\n" +
	"In-Reply-To: <minutes-1@example.com>\r\n" +
	"References: <minutes-0@example.com>\r\n" +
	" <minutes-1@example.com>\r\n" +
	"MIME-Version: 1.0\r\n" +
	"Content-Type: text/plain; charset=utf-8\r\n" +
	"Content-Transfer-Encoding: 8bit\r\n" +
	"\r\n" +
	"Grüße from the meeting.\r\n" +
	"--\r\n" +
	"Alice\r\n"

func TestWrap(t *testing.T) {
	tests := []struct {
		golden string
		raw    string
	}{
		{"wrap/8bit.golden", wrapPost},
		{"wrap/7bit-reply-to.golden", "From: alice@example.com\r\nReply-To: team@example.com\r\nSubject: plain\r\n\r\nplain body, no final line end"},
		{"wrap/lf.golden", strings.ReplaceAll(wrapPost, "\r\n", "\n")},
	}
	for _, tt := range tests {
		t.Run(tt.golden, func(t *testing.T) {
			out, err := Wrap([]byte(tt.raw), "cop@example.org", "CoP")
			if err != nil {
				t.Fatal(err)
			}
			golden(t, tt.golden, out)
			inner := wrapped(t, out)
			if want := strings.ReplaceAll(strings.ReplaceAll(tt.raw, "\r\n", "\n"), "\n", "\r\n"); string(inner) != want {
				t.Errorf("wrapped post differs from the original:\n%q\nwant\n%q", inner, want)
			}
			again, err := Wrap([]byte(tt.raw), "cop@example.org", "CoP")
			if err != nil || !bytes.Equal(again, out) {
				t.Errorf("Wrap is not deterministic: %v", err)
			}
		})
	}
}

// wrapped reads out the message/rfc822 part of a wrapper, with the
// multipart reader of go-message as a receiver would.
func wrapped(t testing.TB, msg []byte) []byte {
	t.Helper()
	br := bufio.NewReader(bytes.NewReader(msg))
	h, err := textproto.ReadHeader(br)
	if err != nil {
		t.Fatal(err)
	}
	mt, params, err := mime.ParseMediaType(h.Get("Content-Type"))
	if err != nil || mt != "multipart/mixed" {
		t.Fatalf("Content-Type %q: %v", h.Get("Content-Type"), err)
	}
	mr := textproto.NewMultipartReader(br, params["boundary"])
	p, err := mr.NextPart()
	if err != nil {
		t.Fatal(err)
	}
	if ct := p.Header.Get("Content-Type"); ct != "message/rfc822" {
		t.Errorf("part Content-Type = %q, want message/rfc822", ct)
	}
	body, err := io.ReadAll(p)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := mr.NextPart(); err != io.EOF {
		t.Errorf("a second part, or a broken end: %v", err)
	}
	return body
}

func TestWrapErrors(t *testing.T) {
	if _, err := Wrap([]byte("Subject: no author\r\n\r\nbody\r\n"), "cop@example.org", "CoP"); !errors.Is(err, ErrNoAuthor) {
		t.Errorf("err = %v, want ErrNoAuthor", err)
	}
	if _, err := Wrap([]byte(" leading space is no header\r\n\r\n"), "cop@example.org", "CoP"); err == nil {
		t.Error("Wrap accepted a header that does not parse")
	}
}

func TestToCRLF(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"a\r\nb\r\n", "a\r\nb\r\n"},
		{"a\nb\n", "a\r\nb\r\n"},
		{"\na\r\n\n", "\r\na\r\n\r\n"},
		{"a\rb\n", "a\rb\r\n"},
	}
	for _, tt := range tests {
		if got := string(toCRLF([]byte(tt.in))); got != tt.want {
			t.Errorf("toCRLF(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func FuzzMunge(f *testing.F) {
	f.Add([]byte("From: Alice Example <alice@example.com>\r\n\r\n"), "CoP")
	f.Add([]byte("From: =?iso-8859-1?q?Ren=E9?= <rene@example.fr>\r\nReply-To: a@b.c, <d@e.f>\r\n\r\n"), "Liste ü")
	f.Add([]byte("From: \"a\\\"b,\" <a@b.c>\r\n\r\n"), "")
	f.Fuzz(func(t *testing.T, header []byte, listName string) {
		h, err := textproto.ReadHeader(bufio.NewReader(bytes.NewReader(header)))
		if err != nil {
			return
		}
		if err := Munge(&h, "cop@example.org", listName); err != nil {
			return
		}
		// Whatever the author wrote, From is now the list's, and it and
		// Reply-To still parse.
		from, err := mail.ParseAddress(h.Get("From"))
		if err != nil {
			t.Fatalf("munged From %q does not parse: %v", h.Get("From"), err)
		}
		if from.Address != "cop@example.org" {
			t.Fatalf("munged From address %q", from.Address)
		}
		if _, err := mail.ParseAddressList(h.Get("Reply-To")); err != nil {
			t.Fatalf("Reply-To %q does not parse: %v", h.Get("Reply-To"), err)
		}
	})
}

func FuzzWrap(f *testing.F) {
	f.Add([]byte(wrapPost))
	f.Add([]byte("From: a@b.c\n\nbody"))
	f.Fuzz(func(t *testing.T, raw []byte) {
		out, err := Wrap(raw, "cop@example.org", "CoP")
		if err != nil {
			return
		}
		if got, want := wrapped(t, out), toCRLF(raw); !bytes.Equal(got, want) {
			t.Fatalf("wrapped post differs:\n%q\nwant\n%q", got, want)
		}
	})
}
