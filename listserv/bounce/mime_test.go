package bounce

import (
	"strings"
	"testing"
)

func TestReadHeader(t *testing.T) {
	tests := []struct {
		name, in     string
		subject, typ string
		body         string
	}{
		{"plain", "Subject: hi\r\nContent-Type: text/plain\r\n\r\nbody\r\n", "hi", "text/plain", "body\r\n"},
		{"folded", "Subject: a\n b\n\tc\n\nbody", "a b c", "", "body"},
		{"mbox line and BOM", "\xef\xbb\xbfFrom a@b Mon Jan  1 00:00:00 2024\nSubject: s\n\nbody", "s", "", "body"},
		{"no header", "hello world\nmore\n", "", "", "hello world\nmore\n"},
		{"starts with a space", " Subject: x\n\nbody", "", "", " Subject: x\n\nbody"},
		{"blank line missing", "Subject: s\nThis line is body.\n", "s", "", "This line is body.\n"},
		{"header only", "Subject: s", "s", "", ""},
	}
	for _, tc := range tests {
		h, body := readHeader([]byte(tc.in))
		if got := h.Get("Subject"); got != tc.subject {
			t.Errorf("%s: Subject %q, want %q", tc.name, got, tc.subject)
		}
		if got := h.Get("Content-Type"); got != tc.typ {
			t.Errorf("%s: Content-Type %q, want %q", tc.name, got, tc.typ)
		}
		if string(body) != tc.body {
			t.Errorf("%s: body %q, want %q", tc.name, body, tc.body)
		}
	}
}

func TestContentType(t *testing.T) {
	tests := []struct {
		in, typ, boundary, charset string
	}{
		{`multipart/report; report-type=delivery-status; boundary="b 1"`, "multipart/report", "b 1", ""},
		{"message/delivery-status;", "message/delivery-status", "", ""},
		{`multipart/report; boundary=x; boundary=y`, "multipart/report", "x", ""},
		{`Text/Plain; charset="utf-8"; format=flowed; delsp`, "text/plain", "", "utf-8"},
		{"", "", "", ""},
		{"garbage", "", "", ""},
	}
	for _, tc := range tests {
		typ, params := contentType(tc.in)
		if typ != tc.typ || params["boundary"] != tc.boundary || params["charset"] != tc.charset {
			t.Errorf("contentType(%q) = %q %v, want %q boundary %q charset %q", tc.in, typ, params, tc.typ, tc.boundary, tc.charset)
		}
	}
}

func TestSplitMultipart(t *testing.T) {
	tests := []struct {
		name, body string
		want       []string // part bodies
	}{
		{"well formed", "preamble\r\n--b\r\nContent-Type: text/plain\r\n\r\none\r\n--b\r\n\r\ntwo\r\n--b--\r\nepilogue", []string{"one", "two"}},
		{"no close delimiter", "--b\n\none\n--b\n\ntwo\n", []string{"one", "two\n"}},
		{"part without header or blank line", "--b\nText at once.\n--b--\n", []string{"Text at once."}},
		{"broken part header", "--b\nContent-Type: text/plain\n\none\n--b\n Bad: folded first line\n\ntwo\n--b--\n", []string{"one", " Bad: folded first line\n\ntwo"}},
		{"delimiter with trailing space", "--b  \n\none\n--b--\n", []string{"one"}},
		{"boundary never used", "no parts here\n", nil},
	}
	for _, tc := range tests {
		var got []string
		for _, p := range splitMultipart([]byte(tc.body), "b") {
			got = append(got, string(p.body))
		}
		if strings.Join(got, "|") != strings.Join(tc.want, "|") {
			t.Errorf("%s: parts %q, want %q", tc.name, got, tc.want)
		}
	}
}

func TestMessageID(t *testing.T) {
	tests := []struct{ in, want string }{
		{"<a@b>", "a@b"},
		{"  <a@b> (comment)", "a@b"},
		{"8787KJKJ.mail@example.net", "8787KJKJ.mail@example.net"},
		{"<a@b> <c@d>", "a@b"},
		{"", ""},
		{"<>", ""},
		{"<" + strings.Repeat("x", 1000) + ">", ""},
	}
	for _, tc := range tests {
		if got := messageID(tc.in); got != tc.want {
			t.Errorf("messageID(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestSplitInlineCopy(t *testing.T) {
	tests := []struct{ in, notice string }{
		{"Hi.\n\n--- Below this line is a copy of the message.\n\nMessage-ID: <x@y>\n", "Hi.\n\n"},
		{"Text\n------ This is a copy of the message, including all the headers. ------\n", "Text\n"},
		{"Text\n   ----- Original message follows -----\n", "Text\n"},
		{"Text\nOriginal message headers:\n\nFrom: a\n", "Text\n"},
		{"Text with --- dashes but no copy\n", "Text with --- dashes but no copy\n"},
	}
	for _, tc := range tests {
		if notice, _ := splitInlineCopy(tc.in); notice != tc.notice {
			t.Errorf("splitInlineCopy(%q) notice = %q, want %q", tc.in, notice, tc.notice)
		}
	}
}

func TestHTMLToText(t *testing.T) {
	in := `<html><head><title>NDR</title><style>p{color:red}</style></head><body><p>Delivery has failed:</p><p>a@example.org<br>Remote Server returned &#39;550 5.1.1&#39;</p><script>x()</script></body></html>`
	got := strings.Join(strings.Fields(strings.ReplaceAll(htmlToText([]byte(in)), "\n", " | ")), " ")
	want := "| Delivery has failed: | | a@example.org | Remote Server returned '550 5.1.1' |"
	if got != want {
		t.Errorf("htmlToText = %q, want %q", got, want)
	}
}
