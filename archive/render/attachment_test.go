package render

import (
	"bytes"
	"encoding/base64"
	"errors"
	"testing"
)

// pngBytes is a PNG signature and the start of an IHDR chunk: enough to be
// recognisably a PNG.
var pngBytes = []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR\x00\x00\x00\x01")

// attachmentMessage has one attachment of each kind the archive must
// serve safely, and the body text to show.
func attachmentMessage() []byte {
	b64 := base64.StdEncoding.EncodeToString(pngBytes)
	return msg(
		"From: ann@example.org",
		"Subject: files",
		"MIME-Version: 1.0",
		"Content-Type: multipart/mixed; boundary=\"XX\"",
		"",
		"--XX",
		"Content-Type: text/plain; charset=utf-8",
		"",
		"Files attached.",
		"--XX",
		"Content-Type: text/html; charset=utf-8",
		"Content-Disposition: attachment; filename=\"report.html\"",
		"",
		"<script>alert(1)</script>",
		"--XX",
		"Content-Type: text/plain; charset=iso-8859-1",
		"Content-Disposition: attachment; filename=notes.txt",
		"Content-Transfer-Encoding: quoted-printable",
		"",
		"na=EFve",
		"--XX",
		"Content-Type: image/png; name=\"plot.png\"",
		"Content-Disposition: inline; filename=\"plot.png\"",
		"Content-Transfer-Encoding: base64",
		"",
		b64,
		"--XX",
		"Content-Type: image/svg+xml",
		"Content-Disposition: attachment; filename=\"logo.svg\"",
		"",
		`<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>`,
		"--XX",
		"Content-Type: application/octet-stream",
		"Content-Disposition: attachment; filename=\"../../etc/passwd\"",
		"",
		"root:x:0:0",
		"--XX",
		"Content-Type: application/pdf",
		"Content-Disposition: attachment; filename*=utf-8''%E2%82%AC%20rates.pdf",
		"",
		"%PDF-1.4",
		"--XX",
		"Content-Type: application/octet-stream; name=\"=?utf-8?q?scope_=C3=A9cran.png?=\"",
		"Content-Transfer-Encoding: base64",
		"",
		b64,
		"--XX",
		"Content-Type: application/xhtml+xml; name=page.xhtml",
		"",
		"<html/>",
		"--XX",
		"Content-Type: application/x-yaml",
		"Content-Disposition: attachment",
		"",
		"a: 1",
		"--XX",
		"Content-Type: application/javascript; name=\"evil\u202Egpj.js\"",
		"",
		"alert(1)",
		"--XX--",
	)
}

func TestAttachments(t *testing.T) {
	m := Render(attachmentMessage())
	want := []Attachment{
		{Index: 2, Filename: "report.html", ContentType: "text/html", SafeType: "application/octet-stream", Size: 25},
		{Index: 3, Filename: "notes.txt", ContentType: "text/plain", SafeType: "text/plain; charset=utf-8", Size: 6},
		{Index: 4, Filename: "plot.png", ContentType: "image/png", SafeType: "image/png", Size: len(pngBytes)},
		{Index: 5, Filename: "logo.svg", ContentType: "image/svg+xml", SafeType: "application/octet-stream", Size: 59},
		{Index: 6, Filename: "passwd", ContentType: "application/octet-stream", SafeType: "application/octet-stream", Size: 10},
		{Index: 7, Filename: "€ rates.pdf", ContentType: "application/pdf", SafeType: "application/octet-stream", Size: 8},
		{Index: 8, Filename: "scope écran.png", ContentType: "application/octet-stream", SafeType: "image/png", Size: len(pngBytes)},
		{Index: 9, Filename: "page.xhtml", ContentType: "application/xhtml+xml", SafeType: "application/octet-stream", Size: 7},
		{Index: 10, Filename: "attachment-10.bin", ContentType: "application/x-yaml", SafeType: "application/octet-stream", Size: 4},
		{Index: 11, Filename: "evilgpj.js", ContentType: "application/javascript", SafeType: "application/octet-stream", Size: 8},
	}
	if len(m.Attachments) != len(want) {
		t.Fatalf("got %d attachments: %+v", len(m.Attachments), m.Attachments)
	}
	for i := range want {
		if m.Attachments[i] != want[i] {
			t.Errorf("attachment %d:\ngot  %+v\nwant %+v", i, m.Attachments[i], want[i])
		}
	}
	if got := summary(m)[0]; got != "plain: Files attached." {
		t.Errorf("body %q", got)
	}
}

func TestAttachmentData(t *testing.T) {
	raw := attachmentMessage()
	tests := []struct {
		index int
		want  []byte
	}{
		{2, []byte("<script>alert(1)</script>")},
		{3, []byte("naïve")}, // Latin-1 served as UTF-8
		{4, pngBytes},
		{6, []byte("root:x:0:0")},
		{8, pngBytes},
	}
	listed := map[int]Attachment{}
	for _, a := range Render(raw).Attachments {
		listed[a.Index] = a
	}
	for _, tt := range tests {
		data, a, err := AttachmentData(raw, tt.index)
		if err != nil {
			t.Errorf("AttachmentData(%d): %v", tt.index, err)
			continue
		}
		if !bytes.Equal(data, tt.want) {
			t.Errorf("AttachmentData(%d) = %q, want %q", tt.index, data, tt.want)
		}
		if a != listed[tt.index] {
			t.Errorf("AttachmentData(%d) entry %+v, Render lists %+v", tt.index, a, listed[tt.index])
		}
	}
	// 1 is the body text, not an attachment.
	for _, i := range []int{-1, 0, 1, 12, 1 << 30} {
		if _, _, err := AttachmentData(raw, i); !errors.Is(err, ErrNoAttachment) {
			t.Errorf("AttachmentData(%d) error %v, want ErrNoAttachment", i, err)
		}
	}
	if _, _, err := AttachmentData(nil, 1); !errors.Is(err, ErrNoAttachment) {
		t.Errorf("AttachmentData(nil) error %v", err)
	}
}

func TestSafeType(t *testing.T) {
	tests := []struct {
		mediaType, filename string
		content             string
		want                string
	}{
		{"text/plain", "a.txt", "x", typeText},
		{"text/x-python", "a.py", "x", typeText},
		{"text/html", "a.html", "x", typeBinary},
		{"text/xml", "a.xml", "x", typeBinary},
		{"image/png", "a.png", "x", "image/png"},
		{"image/jpg", "a.jpg", "x", "image/jpeg"},
		{"image/pjpeg", "a.jpg", "x", "image/jpeg"},
		{"image/gif", "a.gif", "x", "image/gif"},
		{"image/webp", "a.webp", "x", "image/webp"},
		{"image/svg+xml", "a.svg", "x", typeBinary},
		{"image/bmp", "a.bmp", "x", typeBinary},
		{"application/xhtml+xml", "a.xhtml", "x", typeBinary},
		{"application/javascript", "a.js", "x", typeBinary},
		{"application/pdf", "a.pdf", "x", typeBinary},
		{"application/octet-stream", "a.png", "x", "image/png"},
		{"application/octet-stream", "run.log", "ok", typeText},
		{"application/octet-stream", "run.log", "\xff\xfe", typeBinary},
		{"application/octet-stream", "a.svg", "x", typeBinary},
		{"application/octet-stream", "a.html", "x", typeBinary},
		{"message/delivery-status", "", "x", typeText},
		{"message/rfc822", "a.eml", "x", typeBinary},
	}
	for _, tt := range tests {
		if got := safeType(tt.mediaType, tt.filename, []byte(tt.content)); got != tt.want {
			t.Errorf("safeType(%q, %q) = %q, want %q", tt.mediaType, tt.filename, got, tt.want)
		}
	}
}

func TestSafeFilename(t *testing.T) {
	long := ""
	for range 40 {
		long += "abcdef"
	}
	tests := []struct {
		name, mediaType string
		want            string
	}{
		{"report.pdf", "application/pdf", "report.pdf"},
		{"C:\\Users\\ann\\Desktop\\plot.png", "image/png", "plot.png"},
		{"../../etc/passwd", "", "passwd"},
		{".htaccess", "", "htaccess"},
		{"...", "image/png", "attachment-3.png"},
		{"", "text/plain", "attachment-3.txt"},
		{"", "application/x-unknown", "attachment-3.bin"},
		{"  spaced \t name .txt ", "", "spaced name .txt"},
		{"bell\a\x00.txt", "", "bell.txt"},
		{"invoice\u202Efdp.exe", "", "invoicefdp.exe"},
		{`a<b>c:"d"|e?f*.txt`, "", "a_b_c__d__e_f_.txt"},
		{"=?utf-8?b?w6l0w6kucG5n?=", "", "été.png"},
		{"caf\xe9.txt", "", "café.txt"},
		{long + ".tar.gz", "", long[:147] + ".gz"},
	}
	for _, tt := range tests {
		if got := safeFilename(tt.name, 3, tt.mediaType); got != tt.want {
			t.Errorf("safeFilename(%q) = %q, want %q", tt.name, got, tt.want)
		}
	}
}
