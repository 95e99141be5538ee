package mailmsg

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestText(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plain", "plain"},
		{"=?UTF-8?B?w6l0w6k=?=", "été"},
		{"=?utf-8?q?a?= =?utf-8?q?b?=", "ab"},
		{"=?windows-1252?q?caf=E9_notes?=", "café notes"},
		{"=?iso-8859-2?q?Pawe=B3?=", "Paweł"},
		{"=?koi8-r?b?8NLJ18XU?=", "Привет"},
		{"=?x-unknown?q?a?=", "=?x-unknown?q?a?="},
		{"tab\tand\r\n folded", "tab and folded"},
		{"caf\xe9", "café"},
		{"nul\x00 byte", "nul byte"},
	}
	for _, tt := range tests {
		if got := Text(tt.in); got != tt.want {
			t.Errorf("Text(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestDecodeWords(t *testing.T) {
	if got, ok := DecodeWords("=?windows-1252?q?caf=E9?= ok"); !ok || got != "café ok" {
		t.Errorf("DecodeWords = %q, %v", got, ok)
	}
	// A word that does not decode keeps the whole value as written: a
	// reader never shows half of it.
	if got, ok := DecodeWords("=?utf-8?q?a?= =?x-unknown?q?b?="); ok || got != "=?utf-8?q?a?= =?x-unknown?q?b?=" {
		t.Errorf("DecodeWords of an unknown charset = %q, %v", got, ok)
	}
}

func TestParseAuthor(t *testing.T) {
	tests := []struct{ in, addr, name string }{
		{"Ann <ann@example.org>", "ann@example.org", "Ann"},
		{"ann@example.org", "ann@example.org", ""},
		{"=?iso-8859-2?q?Pawe=B3?= <pawel@example.net>", "pawel@example.net", "Paweł"},
		{`"Last, First" <lf@example.net>, other@example.net`, "lf@example.net", "Last, First"},
		// net/mail refuses these; the address is dug out.
		{`Ann "the radio" Example <ann@example.org`, "ann@example.org", `Ann "the radio" Example <ann@example.org`},
		{"Ann Example <ann@example.org> (via list) <junk", "ann@example.org", "Ann Example (via list) <junk"},
		{"Dr. Who <who@example.org>", "who@example.org", "Dr. Who"},
		{"nobody here", "", "nobody here"},
		{"", "", ""},
	}
	for _, tt := range tests {
		addr, name := ParseAuthor(tt.in)
		if addr != tt.addr || name != tt.name {
			t.Errorf("ParseAuthor(%q) = %q, %q; want %q, %q", tt.in, addr, name, tt.addr, tt.name)
		}
	}
}

func TestRepeatedFields(t *testing.T) {
	h, _ := ReadHeader([]byte("Subject: first\nSubject: second\nFrom: a@example.net\nFrom: b@example.net\n\n"))
	if got := Subject(h); got != "first" {
		t.Errorf("Subject = %q, want the top-most", got)
	}
	if addr, _ := Author(h); addr != "a@example.net" {
		t.Errorf("Author = %q, want the top-most", addr)
	}
}

// FuzzParseAuthor: any From value gives valid UTF-8 on one line, and an
// address only when the value holds an @.
func FuzzParseAuthor(f *testing.F) {
	for _, s := range []string{"Ann <a@b>", "=?utf-8?q?x?= <a@b>", "<", "a@b, c@d", "\xe9 <x@y>"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		addr, name := ParseAuthor(v)
		if !utf8.ValidString(name) || strings.ContainsAny(name, "\r\n") {
			t.Fatalf("name %q", name)
		}
		if addr != "" && !strings.Contains(addr, "@") && !strings.Contains(v, "<") && !strings.Contains(v, "=?") {
			t.Fatalf("address %q from %q", addr, v)
		}
	})
}
