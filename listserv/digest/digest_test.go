package digest

import (
	"bytes"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-message"
)

var digestPosts = []string{
	"Received: from mx.example.net by lists.example.org\n" +
		"DKIM-Signature: v=1; a=rsa-sha256; d=example.net; b=abc\n" +
		"Date: Tue, 13 Apr 2021 01:31:50 +0000\n" +
		"From: Alice <alice@example.net>\n" +
		"To: cop@example.org\n" +
		"Subject: [cop] B210 drops samples\n" +
		"Message-ID: <q1@example.net>\n" +
		"X-Mailer: Thunderbird\n" +
		"\n" +
		"My B210 drops samples.\n" +
		"------------------------------\n" +
		"How can I avoid it?\n",
	"Date: Tue, 13 Apr 2021 02:00:00 +0000\n" +
		"From: =?utf-8?q?Marcus_M=C3=BCller?= <marcus@example.com>\n" +
		"To: Alice <alice@example.net>\n" +
		"Cc: cop@example.org\n" +
		"Subject: Re: [cop] B210 drops samples\n" +
		"Message-ID: <a1@example.com>\n" +
		"In-Reply-To: <q1@example.net>\n" +
		"References: <q1@example.net>\n" +
		"MIME-Version: 1.0\n" +
		"Content-Type: multipart/mixed; boundary=\"xx\"\n" +
		"\n" +
		"--xx\n" +
		"Content-Type: text/plain; charset=utf-8\n" +
		"Content-Transfer-Encoding: 8bit\n" +
		"\n" +
		"Write to a RAM disk — it keeps up.\n" +
		"--xx\n" +
		"Content-Type: image/png; name=\"plot.png\"\n" +
		"Content-Disposition: attachment; filename=\"plot.png\"\n" +
		"Content-Transfer-Encoding: base64\n" +
		"\n" +
		"iVBORw0KGgo=\n" +
		"--xx--\n",
}

func digestRaws() [][]byte {
	var out [][]byte
	for _, p := range digestPosts {
		out = append(out, []byte(p))
	}
	return out
}

var testDigestOptions = DigestOptions{
	List:    List{Address: "cop@example.org", Name: "CoP", Prefix: "[cop] "},
	Volume:  3,
	Issue:   14,
	ListID:  "CoP <cop.example.org>",
	Headers: [][2]string{{"List-Unsubscribe", "<mailto:cop-leave@example.org>"}},
	BaseURL: "https://lists.example.org",
	Date:    time.Date(2021, 4, 14, 0, 0, 0, 0, time.UTC),
}

func TestDigestRFC1153(t *testing.T) {
	raw, err := DigestRFC1153(digestRaws(), testDigestOptions)
	if err != nil {
		t.Fatal(err)
	}
	ent, err := message.Read(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	if got := ent.Header.Get("Subject"); got != "CoP Digest, Vol 3, Issue 14" {
		t.Errorf("Subject = %q", got)
	}
	for field, want := range map[string]string{"From": `"CoP" <cop-request@example.org>`, "To": "cop@example.org", "Reply-To": "cop@example.org",
		"List-Id": "CoP <cop.example.org>", "List-Unsubscribe": "<mailto:cop-leave@example.org>", "Precedence": "list"} {
		if got := ent.Header.Get(field); got != want {
			t.Errorf("%s = %q, want %q", field, got, want)
		}
	}
	b, _ := io.ReadAll(ent.Body)
	body := strings.ReplaceAll(string(b), "\r\n", "\n")
	lines := strings.Split(body, "\n")

	// The preamble ends with 70 hyphens and a blank line (RFC 1153).
	i70 := indexLine(lines, strings.Repeat("-", 70))
	if i70 < 0 || lines[i70+1] != "" || lines[i70-1] != "" {
		t.Fatalf("no 70-hyphen separator between blank lines:\n%s", body)
	}
	if !strings.Contains(strings.Join(lines[:i70], "\n"), "Today's Topics:\n\n   1. B210 drops samples (Alice)\n   2. Re: B210 drops samples (Marcus Müller)") {
		t.Errorf("table of contents:\n%s", strings.Join(lines[:i70], "\n"))
	}
	// Each message: its fields in RFC 1153's order, then a blank line,
	// then its text; messages end with a blank line, 30 hyphens and a
	// blank line.
	first := strings.Join(lines[i70+2:i70+8], "\n")
	if first != "Date: Tue, 13 Apr 2021 01:31:50 +0000\nFrom: Alice <alice@example.net>\nTo: cop@example.org\nSubject: [cop] B210 drops samples\nMessage-ID: <q1@example.net>\n" {
		t.Errorf("first message header:\n%s", first)
	}
	var seps []int
	for i, l := range lines {
		if l == strings.Repeat("-", 30) {
			seps = append(seps, i)
			if lines[i-1] != "" || lines[i+1] != "" {
				t.Errorf("30-hyphen separator at line %d not between blank lines", i)
			}
		}
	}
	if len(seps) != 2 {
		t.Errorf("%d message separators, want 2 (a body's own line of 30 hyphens escaped)", len(seps))
	}
	if !strings.Contains(body, "\n "+strings.Repeat("-", 29)+"\n") {
		t.Error("the body's line of 30 hyphens is not escaped")
	}
	for _, drop := range []string{"Received:", "DKIM-Signature:", "X-Mailer:", "In-Reply-To:"} {
		if strings.Contains(body, drop) {
			t.Errorf("the digest keeps %s", drop)
		}
	}
	if !strings.Contains(body, "Cc: cop@example.org\nSubject: Re: [cop] B210 drops samples\nMessage-ID: <a1@example.com>\n\nWrite to a RAM disk — it keeps up.\n\n[Attachment: plot.png, image/png, https://lists.example.org/m/a1@example.com]") {
		t.Errorf("second message:\n%s", body)
	}
	// The trailer: "End of" the digest, asterisks as long.
	if !strings.HasSuffix(body, "\n"+strings.Repeat("-", 30)+"\n\nEnd of CoP Digest, Vol 3, Issue 14\n"+strings.Repeat("*", 34)+"\n") {
		t.Errorf("trailer:\n%s", body[max(0, len(body)-200):])
	}
}

func TestDigestMIME(t *testing.T) {
	raws := digestRaws()
	raw, err := DigestMIME(raws, testDigestOptions)
	if err != nil {
		t.Fatal(err)
	}
	again, err := DigestMIME(raws, testDigestOptions)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(raw, again) {
		t.Error("the same digest twice gave different bytes")
	}
	ent, err := message.Read(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	if mt, _, _ := ent.Header.ContentType(); mt != "multipart/mixed" {
		t.Fatalf("Content-Type %s", mt)
	}
	if got := ent.Header.Get("Subject"); got != "CoP Digest, Vol 3, Issue 14" {
		t.Errorf("Subject = %q", got)
	}
	mr := ent.MultipartReader()
	toc, err := mr.NextPart()
	if err != nil {
		t.Fatal(err)
	}
	if mt, _, _ := toc.Header.ContentType(); mt != "text/plain" {
		t.Errorf("first part %s, want the table of contents", mt)
	}
	tb, _ := io.ReadAll(toc.Body)
	if !strings.Contains(string(tb), "Today's Topics:") {
		t.Errorf("table of contents:\n%s", tb)
	}
	dig, err := mr.NextPart()
	if err != nil {
		t.Fatal(err)
	}
	if mt, _, _ := dig.Header.ContentType(); mt != "multipart/digest" {
		t.Fatalf("second part %s", mt)
	}
	dr := dig.MultipartReader()
	for i, orig := range raws {
		p, err := dr.NextPart()
		if err != nil {
			t.Fatalf("message %d: %v", i+1, err)
		}
		if mt, _, _ := p.Header.ContentType(); mt != "message/rfc822" {
			t.Errorf("message %d: %s", i+1, mt)
		}
		inner, _ := io.ReadAll(p.Body)
		head, body, _ := bytes.Cut(inner, []byte("\r\n\r\n"))
		for _, f := range strings.Split(string(head), "\r\n") {
			name, _, _ := strings.Cut(f, ":")
			if !strings.HasPrefix(f, " ") && !containsFold(mimeKeep, name) {
				t.Errorf("message %d keeps %q", i+1, name)
			}
		}
		_, ob, _ := strings.Cut(string(orig), "\n\n")
		if string(body) != strings.ReplaceAll(ob, "\n", "\r\n") {
			t.Errorf("message %d body changed:\n%q\n%q", i+1, body, ob)
		}
	}
	if _, err := dr.NextPart(); err != io.EOF {
		t.Errorf("more than %d messages: %v", len(raws), err)
	}
}

func TestDigestHeaderOnce(t *testing.T) {
	o := testDigestOptions
	o.Headers = append([][2]string{{"Precedence", "bulk"}}, o.Headers...)
	for _, make := range []func([][]byte, DigestOptions) ([]byte, error){DigestMIME, DigestRFC1153} {
		raw, err := make(digestRaws(), o)
		if err != nil {
			t.Fatal(err)
		}
		head, _, _ := bytes.Cut(raw, []byte("\r\n\r\n"))
		if n := bytes.Count(head, []byte("Precedence:")); n != 1 {
			t.Errorf("%d Precedence fields:\n%s", n, head)
		}
		if !bytes.Contains(head, []byte("Precedence: bulk")) {
			t.Errorf("the caller's Precedence is lost:\n%s", head)
		}
	}
}

func TestDigestNeedsPosts(t *testing.T) {
	if _, err := DigestMIME(nil, testDigestOptions); err == nil {
		t.Error("DigestMIME of nothing succeeded")
	}
	if _, err := DigestRFC1153(nil, testDigestOptions); err == nil {
		t.Error("DigestRFC1153 of nothing succeeded")
	}
}

func indexLine(lines []string, s string) int {
	for i, l := range lines {
		if l == s {
			return i
		}
	}
	return -1
}

func containsFold(xs []string, x string) bool {
	for _, y := range xs {
		if strings.EqualFold(y, x) {
			return true
		}
	}
	return false
}
