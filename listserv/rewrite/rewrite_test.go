package rewrite

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/emersion/go-message"
	_ "github.com/emersion/go-message/charset" // every charset decodes when re-reading copies
	"github.com/emersion/go-message/textproto"

	"praxis/listserv/mailmsg"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

const testUnsubscribeURL = "https://lists.example.org/u/cop@example.org/Zm9vYmFyYmF6cXV4"

var testList = List{
	Address:       "cop@example.org",
	Name:          "Community of Practice",
	Prefix:        "[cop] ",
	ArchiveURL:    "http://127.0.0.1:8080/l/cop@example.org/",
	PermalinkBase: "http://127.0.0.1:8080/m/",
	Footer:        "Community of Practice mailing list -- cop@example.org\nArchive: http://127.0.0.1:8080/l/cop@example.org/",
}

// testMessageID is what the caller passes when the post has its own
// Message-ID; the golden copies show that the post's own field is kept.
func testMessageID(raw []byte) string {
	h, err := textproto.ReadHeader(bufio.NewReader(bytes.NewReader(splitMessage(raw).header)))
	if err == nil {
		if id := strings.Trim(h.Get("Message-Id"), "<> "); id != "" {
			return id
		}
	}
	return "generated-1@example.org"
}

func writeCopy(t testing.TB, c *Copy, url string) []byte {
	t.Helper()
	var b bytes.Buffer
	b.Grow(c.Size())
	if err := c.Write(&b, url); err != nil {
		t.Fatalf("Write: %v", err)
	}
	return b.Bytes()
}

// headerBlock returns a copy's header block including the blank line, and
// the body after it.
func headerBlock(out []byte) (hdr, body []byte) {
	for pos := 0; pos < len(out); {
		end := mailmsg.LineEnd(out, pos)
		if l := string(out[pos:end]); l == "\n" || l == "\r\n" {
			return out[:end], out[end:]
		}
		pos = end
	}
	return out, nil
}

// mimeSummary re-reads a copy with go-message and describes its MIME tree,
// marking the parts where the footer text is readable.
func mimeSummary(out []byte, footer string) (summary string, footerParts int, err error) {
	e, err := message.Read(bytes.NewReader(out))
	if err != nil {
		return "", 0, fmt.Errorf("message.Read: %w", err)
	}
	var b strings.Builder
	err = walkMIME(e, 0, &b, footer, &footerParts)
	return b.String(), footerParts, err
}

func walkMIME(e *message.Entity, depth int, b *strings.Builder, footer string, found *int) error {
	mt, params, _ := e.Header.ContentType()
	if mt == "" {
		mt = "text/plain (implicit)"
	}
	line := strings.Repeat("  ", depth) + mt
	if cs := params["charset"]; cs != "" {
		line += " charset=" + strings.ToLower(cs)
	}
	if disp, _, err := e.Header.ContentDisposition(); err == nil && disp != "" {
		line += " " + disp
	}
	if mr := e.MultipartReader(); mr != nil {
		b.WriteString(line + "\n")
		for {
			p, err := mr.NextPart()
			if errors.Is(err, io.EOF) {
				return nil
			}
			if err != nil {
				return fmt.Errorf("next part: %w", err)
			}
			if err := walkMIME(p, depth+1, b, footer, found); err != nil {
				return err
			}
		}
	}
	body, err := io.ReadAll(e.Body)
	if err != nil {
		return fmt.Errorf("read %s: %w", mt, err)
	}
	if strings.HasPrefix(mt, "text/plain") && strings.Contains(strings.ReplaceAll(string(body), "\r\n", "\n"), footer) {
		line += " [footer]"
		*found++
	}
	b.WriteString(line + "\n")
	return nil
}

func TestGolden(t *testing.T) {
	inputs, err := filepath.Glob("testdata/in/*.eml")
	if err != nil || len(inputs) == 0 {
		t.Fatalf("no inputs: %v", err)
	}
	for _, in := range inputs {
		name := strings.TrimSuffix(filepath.Base(in), ".eml")
		t.Run(name, func(t *testing.T) {
			raw, err := os.ReadFile(in)
			if err != nil {
				t.Fatal(err)
			}
			id := testMessageID(raw)
			c, err := Prepare(raw, testList, id)
			if err != nil {
				t.Fatalf("Prepare: %v", err)
			}
			out := writeCopy(t, c, testUnsubscribeURL)
			if got, want := len(out), c.Size()-128; got != want+len(testUnsubscribeURL) {
				t.Errorf("Size() = %d, out is %d bytes", c.Size(), got)
			}
			hdr, body := headerBlock(out)
			eol := splitMessage(raw).eol
			checkHeader(t, hdr, eol)

			summary, footers, err := mimeSummary(out, testList.Footer)
			if err != nil {
				if c.Placement() != FooterSkippedUnsafe {
					t.Fatalf("copy does not re-parse: %v", err)
				}
				// Malformed in, malformed out: the copy is the post.
				summary += "error: " + err.Error() + "\n"
			}
			switch c.Placement() {
			case FooterAppended, FooterPart, FooterWrapped:
				if footers != 1 {
					t.Errorf("footer readable in %d text/plain parts, want 1\n%s", footers, summary)
				}
			default:
				if footers != 0 {
					t.Errorf("placement %v but footer found", c.Placement())
				}
				// Untouched means byte for byte.
				if want := splitMessage(raw).body; !bytes.Equal(body, want) {
					t.Errorf("body changed:\n got %q\nwant %q", body, want)
				}
			}

			var g strings.Builder
			fmt.Fprintf(&g, "eol: %s\nplacement: %s\nsubject: %s\n", map[string]string{crlf: "CRLF", lf: "LF"}[eol], c.Placement(), c.Subject())
			g.WriteString("== header\n")
			g.Write(bytes.ReplaceAll(hdr, []byte(crlf), []byte(lf)))
			g.WriteString("== mime\n" + summary)
			g.WriteString("== body\n")
			g.Write(bytes.ReplaceAll(body, []byte(crlf), []byte(lf)))
			golden(t, filepath.Join("testdata", "golden", name+".golden"), g.String())
		})
	}
}

// checkHeader asserts properties every copy's header has: it reads back with
// go-message, carries the list fields once, and uses the message's line
// endings throughout.
func checkHeader(t *testing.T, hdr []byte, eol string) {
	t.Helper()
	h, err := textproto.ReadHeader(bufio.NewReader(bytes.NewReader(hdr)))
	if err != nil {
		t.Fatalf("header does not re-read: %v", err)
	}
	for k, want := range map[string]string{
		"List-Id":               "Community of Practice <cop.example.org>",
		"List-Unsubscribe":      "<" + testUnsubscribeURL + ">, <mailto:cop-request@example.org?subject=unsubscribe>",
		"List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
		"List-Post":             "<mailto:cop@example.org>",
		"Precedence":            "list",
	} {
		if got := h.Values(k); len(got) != 1 || got[0] != want {
			t.Errorf("%s = %q, want [%q]", k, got, want)
		}
	}
	for _, k := range []string{"Approved", "Return-Path", "Delivered-To", "Disposition-Notification-To"} {
		if h.Has(k) {
			t.Errorf("%s survived", k)
		}
	}
	lines := bytes.SplitAfter(hdr, []byte("\n"))
	for _, l := range lines {
		if len(l) == 0 {
			continue
		}
		if crlfLine := bytes.HasSuffix(l, []byte(crlf)); crlfLine != (eol == crlf) {
			t.Errorf("line %q does not end in %q", l, eol)
		}
		if n := len(bytes.TrimRight(l, "\r\n")); n > 998 {
			t.Errorf("line of %d characters", n)
		}
	}
}

func golden(t *testing.T, path, got string) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs (run with -update to accept):\n--- got\n%s\n--- want\n%s", path, got, want)
	}
}

// TestGoldenCoverage pins the cases the golden files must keep covering.
func TestGoldenCoverage(t *testing.T) {
	want := map[string]Placement{
		"plain":               FooterAppended,
		"alternative":         FooterWrapped,
		"signed":              FooterSkippedSigned,
		"prefixed-2047":       FooterAppended,
		"re-chain":            FooterAppended,
		"mixed-attachment":    FooterPart,
		"base64-plain":        FooterWrapped,
		"html":                FooterWrapped,
		"smime":               FooterSkippedSigned,
		"truncated-multipart": FooterSkippedUnsafe,
		"no-separator":        FooterAppended,
		"latin1-8bit":         FooterAppended,
		"no-subject":          FooterAppended,
	}
	for name, placement := range want {
		raw, err := os.ReadFile(filepath.Join("testdata", "in", name+".eml"))
		if err != nil {
			t.Fatal(err)
		}
		c, err := Prepare(raw, testList, testMessageID(raw))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if got := c.Placement(); got != placement {
			t.Errorf("%s: placement %v, want %v", name, got, placement)
		}
	}
}

func TestSubjectOfCopies(t *testing.T) {
	tests := []struct {
		in, wantField, wantText string
	}{
		{"Meeting notes", "[cop] Meeting notes", "[cop] Meeting notes"},
		{"[cop] Re: x", "[cop] Re: x", "[cop] Re: x"},
		{"Re: [cop] Re: [cop] x", "[cop] Re: x", "[cop] Re: x"},
		// Already right once decoded: the original bytes stay.
		{"=?utf-8?q?=5Bcop=5D_Caf=C3=A9?=", "=?utf-8?q?=5Bcop=5D_Caf=C3=A9?=", "[cop] Café"},
		{"=?utf-8?q?Re=3A_=5Bcop=5D_Caf=C3=A9?=", "[cop] Re: =?utf-8?q?Caf=C3=A9?=", "[cop] Re: Café"},
		{"=?UTF-8?B?W2NvcF0gUmU6IENhZsOp?=", "=?UTF-8?B?W2NvcF0gUmU6IENhZsOp?=", "[cop] Re: Café"},
		{"=?iso-8859-1?q?R=E9union?=", "[cop] =?utf-8?q?R=C3=A9union?=", "[cop] Réunion"},
		{"=?windows-1252?q?=93quoted=94?=", "[cop] =?utf-8?q?=E2=80=9Cquoted=E2=80=9D?=", "[cop] \u201cquoted\u201d"},
		{"=?utf-8?q?hello?=", "[cop] hello", "[cop] hello"},
		{"=?utf-8?q?=3D=3Fnot_a_word=3F=3D?=", "[cop] =?utf-8?q?=3D=3Fnot_a_word=3F=3D?=", "[cop] =?not a word?="},
		{"=?x-no-such-charset?q?abc?=", "[cop] =?x-no-such-charset?q?abc?=", "[cop] =?x-no-such-charset?q?abc?="},
		{"[cop] =?x-no-such-charset?q?abc?=", "[cop] =?x-no-such-charset?q?abc?=", "[cop] =?x-no-such-charset?q?abc?="},
		{"caf\xe9", "[cop] caf\xe9", "[cop] caf\uFFFD"},
		{"", "[cop] (no subject)", "[cop] (no subject)"},
	}
	for _, tt := range tests {
		raw := "From: a@example.net\r\nSubject: " + tt.in + "\r\n\r\nbody\r\n"
		c, err := Prepare([]byte(raw), testList, "s@example.net")
		if err != nil {
			t.Fatalf("%q: %v", tt.in, err)
		}
		h, err := textproto.ReadHeader(bufio.NewReader(bytes.NewReader(writeCopy(t, c, ""))))
		if err != nil {
			t.Fatalf("%q: %v", tt.in, err)
		}
		if got := h.Get("Subject"); got != tt.wantField {
			t.Errorf("Subject field for %q = %q, want %q", tt.in, got, tt.wantField)
		}
		if got := c.Subject(); got != tt.wantText {
			t.Errorf("Subject() for %q = %q, want %q", tt.in, got, tt.wantText)
		}
	}
}

// TestSubjectKeptBytes checks that a subject that needs no change keeps its
// exact original bytes, folding included, so a DKIM signature over it holds.
func TestSubjectKeptBytes(t *testing.T) {
	field := "Subject: [cop] Re: a subject that the author's client\r\n\tfolded with a tab\r\n"
	raw := "From: a@example.net\r\n" + field + "\r\nbody\r\n"
	c, err := Prepare([]byte(raw), testList, "k@example.net")
	if err != nil {
		t.Fatal(err)
	}
	if got := writeCopy(t, c, ""); !bytes.Contains(got, []byte(field)) {
		t.Errorf("subject field not kept byte for byte:\n%s", got)
	}
}

func TestLongSubjectFolds(t *testing.T) {
	long := strings.Repeat("Überlänge ", 20)
	raw := "Subject: " + strings.Repeat("word ", 40) + "\n\nx\n"
	raw2 := "Subject: =?utf-8?b?" + b64(long) + "?=\n\nx\n"
	for _, r := range []string{raw, raw2} {
		c, err := Prepare([]byte(r), testList, "f@example.net")
		if err != nil {
			t.Fatal(err)
		}
		out := writeCopy(t, c, "")
		hdr, _ := headerBlock(out)
		for _, l := range strings.SplitAfter(string(hdr), "\n") {
			if len(l) > 80 && !strings.HasPrefix(l, "List-Unsubscribe") {
				t.Errorf("unfolded line (%d): %q", len(l), l)
			}
		}
		h, err := textproto.ReadHeader(bufio.NewReader(bytes.NewReader(hdr)))
		if err != nil {
			t.Fatal(err)
		}
		dec, ok := mailmsg.DecodeWords(h.Get("Subject"))
		if !ok {
			t.Fatalf("subject %q does not decode", h.Get("Subject"))
		}
		if want := c.Subject(); dec != want {
			t.Errorf("decoded subject %q, want %q", dec, want)
		}
	}
}

func b64(s string) string {
	return base64.StdEncoding.EncodeToString([]byte(s))
}

func TestListID(t *testing.T) {
	tests := []struct{ name, want string }{
		{"Community of Practice", "Community of Practice <cop.example.org>"},
		{"", "<cop.example.org>"},
		{"Cop, the list", `"Cop, the list" <cop.example.org>`},
		{`Say "hi"`, `"Say \"hi\"" <cop.example.org>`},
		{"Café", "=?utf-8?q?Caf=C3=A9?= <cop.example.org>"},
	}
	for _, tt := range tests {
		if got := listID(tt.name, listAddr{"cop", "Example.org"}); got != tt.want {
			t.Errorf("listID(%q) = %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestFoldField(t *testing.T) {
	tests := []struct{ name, value, want string }{
		{"Precedence", "list", "Precedence: list\r\n"},
		{"Subject", strings.Repeat("a", 100), "Subject: " + strings.Repeat("a", 100) + "\r\n"},
		{"Subject", strings.Repeat("abcdefghi ", 10), "Subject: abcdefghi abcdefghi abcdefghi abcdefghi abcdefghi abcdefghi abcdefghi\r\n abcdefghi abcdefghi abcdefghi\r\n"},
		{"Subject", strings.Repeat("x", 90) + " y", "Subject: " + strings.Repeat("x", 90) + "\r\n y\r\n"},
	}
	for _, tt := range tests {
		if got := string(foldField(tt.name, tt.value, crlf)); got != tt.want {
			t.Errorf("foldField(%q, %q) =\n%q\nwant\n%q", tt.name, tt.value, got, tt.want)
		}
	}
}

func TestWriteUnsubscribe(t *testing.T) {
	c, err := Prepare([]byte("Subject: x\r\n\r\nbody\r\n"), testList, "u@example.net")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		url      string
		wantErr  error
		wantLine string
		wantPost bool
	}{
		{testUnsubscribeURL, nil, "List-Unsubscribe: <" + testUnsubscribeURL + ">,\r\n <mailto:cop-request@example.org?subject=unsubscribe>\r\n", true},
		{"", nil, "List-Unsubscribe: <mailto:cop-request@example.org?subject=unsubscribe>\r\n", false},
		{"https://x/\r\nBcc: victim@example.com", ErrURL, "", false},
		{"https://x/> <mailto:evil@example.com", ErrURL, "", false},
	}
	for _, tt := range tests {
		var b bytes.Buffer
		err := c.Write(&b, tt.url)
		if !errors.Is(err, tt.wantErr) {
			t.Errorf("Write(%q) error %v, want %v", tt.url, err, tt.wantErr)
			continue
		}
		if err != nil {
			continue
		}
		got := b.String()
		if !strings.Contains(got, tt.wantLine) {
			t.Errorf("Write(%q): no %q in\n%s", tt.url, tt.wantLine, got)
		}
		if has := strings.Contains(got, "List-Unsubscribe-Post:"); has != tt.wantPost {
			t.Errorf("Write(%q): List-Unsubscribe-Post present %v, want %v", tt.url, has, tt.wantPost)
		}
	}
}

type failWriter struct{ n int }

func (f *failWriter) Write(p []byte) (int, error) {
	if f.n == 0 {
		return 0, io.ErrShortWrite
	}
	f.n--
	return len(p), nil
}

func TestWriteError(t *testing.T) {
	c, err := Prepare([]byte("Subject: x\r\n\r\nbody\r\n"), testList, "e@example.net")
	if err != nil {
		t.Fatal(err)
	}
	for n := range 5 {
		if err := c.Write(&failWriter{n: n}, testUnsubscribeURL); !errors.Is(err, io.ErrShortWrite) {
			t.Errorf("failing after %d writes: error %v, want ErrShortWrite", n, err)
		}
	}
}

func TestPrepareErrors(t *testing.T) {
	ok := []byte("Subject: x\r\n\r\nbody\r\n")
	bad := func(f func(*List)) List { l := testList; f(&l); return l }
	tests := []struct {
		name    string
		raw     []byte
		list    List
		id      string
		wantErr error
	}{
		{"empty", nil, testList, "a@b", ErrEmpty},
		{"address", ok, bad(func(l *List) { l.Address = "cop" }), "a@b", ErrList},
		{"address-inject", ok, bad(func(l *List) { l.Address = "cop@example.org>\r\nBcc: x" }), "a@b", ErrList},
		{"archive-url", ok, bad(func(l *List) { l.ArchiveURL = "http://x/ y" }), "a@b", ErrList},
		{"message-id-unusable-still-copies", ok, testList, "a b@c", nil},
		{"brackets-ok", ok, testList, "<a@b>", nil},
		{"garbage-is-body", []byte("\x00\x01\x02 not a message"), testList, "a@b", nil},
		{"only-blank", []byte("\r\n"), testList, "a@b", nil},
	}
	for _, tt := range tests {
		_, err := Prepare(tt.raw, tt.list, tt.id)
		if !errors.Is(err, tt.wantErr) {
			t.Errorf("%s: error %v, want %v", tt.name, err, tt.wantErr)
		}
	}
}

// TestFooterPlacement covers the choices that depend on charset, encoding and
// footer text rather than on the shape of the input files.
func TestFooterPlacement(t *testing.T) {
	const asciiFooter = "plain footer"
	const utf8Footer = "Grüße vom Listenserver"
	tests := []struct {
		name   string
		header string
		body   string
		footer string
		want   Placement
	}{
		{"no-footer", "", "hi\n", "", FooterNone},
		{"implicit-ascii", "", "hi\n", asciiFooter, FooterAppended},
		{"implicit-ascii-utf8-footer", "", "hi\n", utf8Footer, FooterWrapped},
		{"utf8-8bit-utf8-footer", "Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n", "hi\n", utf8Footer, FooterAppended},
		{"utf8-7bit-utf8-footer", "Content-Type: text/plain; charset=utf-8\n", "hi\n", utf8Footer, FooterWrapped},
		{"utf8-unlabelled-8bit-body", "Content-Type: text/plain; charset=utf-8\n", "héllo\n", utf8Footer, FooterAppended},
		{"latin1-utf8-footer", "Content-Type: text/plain; charset=iso-8859-1\nContent-Transfer-Encoding: 8bit\n", "hi\n", utf8Footer, FooterWrapped},
		{"utf16", "Content-Type: text/plain; charset=utf-16\nContent-Transfer-Encoding: binary\n", "\xff\xfeh\x00", asciiFooter, FooterWrapped},
		{"qp", "Content-Type: text/plain\nContent-Transfer-Encoding: quoted-printable\n", "hi=\n", asciiFooter, FooterWrapped},
		{"attachment", "Content-Type: text/plain\nContent-Disposition: attachment; filename=a.txt\n", "hi\n", asciiFooter, FooterWrapped},
		{"bad-content-type", "Content-Type: text/plain; charset\n", "hi\n", asciiFooter, FooterSkippedUnsafe},
		{"two-content-types", "Content-Type: text/plain\nContent-Type: text/html\n", "hi\n", asciiFooter, FooterSkippedUnsafe},
		{"no-boundary", "Content-Type: multipart/mixed\n", "--x\n\nhi\n--x--\n", asciiFooter, FooterSkippedUnsafe},
		{"encoded-multipart", "Content-Type: multipart/mixed; boundary=x\nContent-Transfer-Encoding: base64\n", "--x\n\nhi\n--x--\n", asciiFooter, FooterSkippedUnsafe},
		{"close-without-open", "Content-Type: multipart/mixed; boundary=x\n", "--x--\n", asciiFooter, FooterSkippedUnsafe},
		{"mixed-lf", "Content-Type: multipart/mixed; boundary=x\n", "--x\n\nhi\n--x-- \n", asciiFooter, FooterPart},
		{"related", "Content-Type: multipart/related; boundary=x\n", "--x\n\nhi\n--x--\n", asciiFooter, FooterWrapped},
		{"partial", "Content-Type: message/partial; id=a; number=1\n", "hi\n", asciiFooter, FooterSkippedUnsafe},
		{"encrypted", "Content-Type: multipart/encrypted; boundary=x; protocol=\"application/pgp-encrypted\"\n", "--x\n\nhi\n--x--\n", asciiFooter, FooterSkippedSigned},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := testList
			l.Footer = tt.footer
			raw := "From: a@example.net\nSubject: s\nMIME-Version: 1.0\n" + tt.header + "\n" + tt.body
			c, err := Prepare([]byte(raw), l, "p@example.net")
			if err != nil {
				t.Fatal(err)
			}
			if got := c.Placement(); got != tt.want {
				t.Errorf("placement %v, want %v", got, tt.want)
			}
			out := writeCopy(t, c, testUnsubscribeURL)
			if _, err := message.Read(bytes.NewReader(out)); err != nil && !message.IsUnknownCharset(err) {
				t.Errorf("out does not re-parse: %v", err)
			}
			if tt.want == FooterAppended || tt.want == FooterPart || tt.want == FooterWrapped {
				_, n, err := mimeSummary(out, tt.footer)
				if err != nil || n != 1 {
					t.Errorf("footer readable in %d parts (err %v):\n%s", n, err, out)
				}
			}
			pieces := []string{tt.body}
			if tt.want == FooterPart {
				// The footer part sits before the close-delimiter.
				i := strings.LastIndex(tt.body, "--x--")
				pieces = []string{tt.body[:i], tt.body[i:]}
			}
			for _, p := range pieces {
				if !bytes.Contains(out, []byte(p)) {
					t.Errorf("original body bytes %q missing:\n%s", p, out)
				}
			}
		})
	}
}

// TestWrapBoundary checks that the generated boundary avoids the bytes it
// encloses, even when the body contains the first candidate.
func TestWrapBoundary(t *testing.T) {
	first := newBoundary("b@example.net\x00"+testList.Address, nil, nil)
	raw := "Content-Type: text/html\n\n<p>" + first + "</p>\n"
	c, err := Prepare([]byte(raw), testList, "b@example.net")
	if err != nil {
		t.Fatal(err)
	}
	out := writeCopy(t, c, testUnsubscribeURL)
	if bytes.Contains(out, []byte(`boundary="`+first+`"`)) {
		t.Fatalf("boundary occurs in the body")
	}
	if _, n, err := mimeSummary(out, testList.Footer); err != nil || n != 1 {
		t.Errorf("footer parts %d, err %v", n, err)
	}
}

func TestConcurrentWrite(t *testing.T) {
	raw, err := os.ReadFile("testdata/in/alternative.eml")
	if err != nil {
		t.Fatal(err)
	}
	c, err := Prepare(raw, testList, "alt-1@example.com")
	if err != nil {
		t.Fatal(err)
	}
	want := writeCopy(t, c, testUnsubscribeURL)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 50 {
				var b bytes.Buffer
				if err := c.Write(&b, testUnsubscribeURL); err != nil || !bytes.Equal(b.Bytes(), want) {
					t.Errorf("concurrent Write differs (err %v)", err)
					return
				}
			}
		})
	}
	wg.Wait()
}

func BenchmarkWrite(b *testing.B) {
	raw, err := os.ReadFile("testdata/in/plain.eml")
	if err != nil {
		b.Fatal(err)
	}
	c, err := Prepare(raw, testList, "plain-1@example.net")
	if err != nil {
		b.Fatal(err)
	}
	w := bufio.NewWriterSize(io.Discard, 64<<10)
	b.SetBytes(int64(c.Size()))
	b.ReportAllocs()
	for b.Loop() {
		if err := c.Write(w, testUnsubscribeURL); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkPrepare(b *testing.B) {
	raw, err := os.ReadFile("testdata/in/alternative.eml")
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Prepare(raw, testList, "alt-1@example.com"); err != nil {
			b.Fatal(err)
		}
	}
}

// A message id Praxis cannot write into a header costs the permalink, never
// the copy; a UTF-8 one (RFC 6532) keeps it, percent-escaped.
func TestUnusualMessageIDs(t *testing.T) {
	raw := []byte("From: a@example.net\r\nSubject: x\r\n\r\nbody\r\n")
	tests := []struct {
		id, wantArchived string
	}{
		{"b497e6c2@example.срб", "<http://127.0.0.1:8080/m/b497e6c2@example.%D1%81%D1%80%D0%B1>"},
		{"a b@c", ""},
		{"x\r\nBcc: evil@example.com", ""},
	}
	for _, tt := range tests {
		c, err := Prepare(raw, testList, tt.id)
		if err != nil {
			t.Fatalf("%q: %v", tt.id, err)
		}
		var buf bytes.Buffer
		if err := c.Write(&buf, "https://lists.example.org/u/x"); err != nil {
			t.Fatal(err)
		}
		got := ""
		for _, line := range strings.Split(buf.String(), "\r\n") {
			if v, ok := strings.CutPrefix(line, "Archived-At: "); ok {
				got = v
			}
			if strings.HasPrefix(line, "Bcc:") {
				t.Errorf("%q injected a header", tt.id)
			}
		}
		if got != tt.wantArchived {
			t.Errorf("%q: Archived-At %q, want %q", tt.id, got, tt.wantArchived)
		}
	}
}
