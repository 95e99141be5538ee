package mailmsg

import (
	"io"
	"strings"
	"testing"
)

func TestWalk(t *testing.T) {
	raw := "Content-Type: multipart/mixed; boundary=a\n\n" +
		"--a\n" +
		"Content-Type: multipart/alternative; boundary=b\n\n" +
		"--b\nContent-Type: text/html\n\n<p>html</p>\n" +
		"--b\nContent-Type: text/plain; charset=windows-1252\nContent-Transfer-Encoding: quoted-printable\n\ncaf=E9\n" +
		"--b--\n" +
		"--a\n" +
		"Content-Type: application/pdf; name=\"=?utf-8?q?r=C3=A9sum=C3=A9.pdf?=\"\n\n%PDF\n" +
		"--a--\n"
	var got []string
	Walk([]byte(raw), func(p *Part) bool {
		b, _ := io.ReadAll(p.Body)
		got = append(got, p.MediaType+"|"+p.Filename+"|"+strings.TrimSpace(string(b)))
		return true
	})
	want := []string{"text/plain||café", "application/pdf|résumé.pdf|%PDF"}
	if strings.Join(got, ";") != strings.Join(want, ";") {
		t.Errorf("walk = %q, want %q", got, want)
	}
	if text, ok := FirstText([]byte(raw), 100); !ok || strings.TrimSpace(string(text)) != "café" {
		t.Errorf("FirstText = %q, %v", text, ok)
	}
}

func TestWalkMalformedHeader(t *testing.T) {
	// go-message refuses the header; the walk reads it as the relay does.
	raw := "Subject: x\nContent-Type: text/plain\nnot a field\nmore text\n"
	text, ok := FirstText([]byte(raw), 100)
	if !ok || string(text) != "not a field\nmore text\n" {
		t.Errorf("FirstText = %q, %v", text, ok)
	}
}

func TestWalkStops(t *testing.T) {
	var b strings.Builder
	b.WriteString("Content-Type: multipart/mixed; boundary=a\n\n")
	for i := 0; i < 3*MaxParts; i++ {
		b.WriteString("--a\nContent-Type: text/plain\n\nx\n")
	}
	b.WriteString("--a--\n")
	n := 0
	Walk([]byte(b.String()), func(*Part) bool { n++; return true })
	if n != MaxParts {
		t.Errorf("visited %d parts, want the limit %d", n, MaxParts)
	}
	n = 0
	Walk([]byte(b.String()), func(*Part) bool { n++; return n < 2 })
	if n != 2 {
		t.Errorf("visited %d parts after the visitor stopped at 2", n)
	}
}
