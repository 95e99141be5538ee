package mailmsg

import (
	"bytes"
	"testing"
)

func TestSplit(t *testing.T) {
	tests := []struct {
		name, raw, wantHeader, wantBody, wantEOL string
	}{
		{"crlf", "A: 1\r\nB: 2\r\n\r\nbody\r\n", "A: 1\r\nB: 2\r\n\r\n", "body\r\n", CRLF},
		{"lf", "A: 1\nB: 2\n\nbody\n", "A: 1\nB: 2\n\n", "body\n", LF},
		{"folded", "A: 1\r\n 2\r\n\r\nbody", "A: 1\r\n 2\r\n\r\n", "body", CRLF},
		{"mbox-from", "From alice@example.net Mon Mar  2 10:00:00 2026\nA: 1\n\nbody\n", "A: 1\n\n", "body\n", LF},
		{"byte-order-mark", "\uFEFFFrom: a@example.net\n\nbody\n", "From: a@example.net\n\n", "body\n", LF},
		{"byte-order-mark-and-mbox-from", "\uFEFFFrom -\nA: 1\n\nbody\n", "A: 1\n\n", "body\n", LF},
		{"from-field-with-blank", "From : alice@example.net\nA: 1\n\nbody\n", "From : alice@example.net\nA: 1\n\n", "body\n", LF},
		{"no-separator", "A: 1\nnot a field\nmore\n", "A: 1\n\n", "not a field\nmore\n", LF},
		{"bad-name", "A: 1\nBad Name: x\n\nbody\n", "A: 1\n\n", "Bad Name: x\n\nbody\n", LF},
		{"leading-continuation", " stray\nA: 1\n\nbody", "A: 1\n\n", "body", LF},
		{"blank-continuation", "A: 1\r\n \r\n\t2\r\n\r\nbody", "A: 1\r\n \r\n\t2\r\n\r\n", "body", CRLF},
		{"header-only", "A: 1\r\nB: 2", "A: 1\r\nB: 2\r\n\r\n", "", CRLF},
		{"no-header", "\r\nbody\r\n", "\r\n", "body\r\n", CRLF},
		{"lone-cr", "\r", "\r\n", "\r", CRLF},
		{"not-mail", "# README\n\ntext\n", "\n", "# README\n\ntext\n", LF},
		{"empty", "", "\r\n", "", CRLF},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := Split([]byte(tt.raw))
			if string(s.Header) != tt.wantHeader || string(s.Body) != tt.wantBody || s.EOL != tt.wantEOL {
				t.Errorf("Split(%q) = header %q, body %q, eol %q; want %q, %q, %q",
					tt.raw, s.Header, s.Body, s.EOL, tt.wantHeader, tt.wantBody, tt.wantEOL)
			}
		})
	}
}

func TestReadHeader(t *testing.T) {
	tests := []struct {
		name, raw  string
		wantFrom   string
		wantStrict bool
	}{
		{"well formed", "From: a@example.net\r\nSubject: x\r\n\r\nbody", "a@example.net", true},
		{"stray line ends the header", "Subject: x\nnot a field\nFrom: a@example.net\n\nbody", "", false},
		{"mbox line", "From a@example.net Mon Mar  2 10:00:00 2026\nFrom: b@example.net\n\n", "b@example.net", false},
	}
	for _, tt := range tests {
		h, strict := ReadHeader([]byte(tt.raw))
		if got := h.Get("From"); got != tt.wantFrom || strict != tt.wantStrict {
			t.Errorf("%s: From %q strict %v, want %q %v", tt.name, got, strict, tt.wantFrom, tt.wantStrict)
		}
	}
}

// FuzzSplit: the cut never loses or invents body bytes, and the header it
// keeps is always one ReadHeader reads.
func FuzzSplit(f *testing.F) {
	for _, s := range []string{"A: 1\r\n\r\nbody", "From x\nA: 1\n\n", " x\n", "\uFEFFA: 1\n", "A: 1\nB\n", "\r"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		s := Split(raw)
		if !bytes.HasSuffix(raw, s.Body) {
			t.Fatalf("body %q is not the end of %q", s.Body, raw)
		}
		if s.EOL != CRLF && s.EOL != LF {
			t.Fatalf("eol %q", s.EOL)
		}
		if len(s.Header) == 0 || !bytes.HasSuffix(s.Header, []byte(s.EOL)) {
			t.Fatalf("header %q does not end with the blank line", s.Header)
		}
		h, _ := ReadHeader(raw)
		for f := h.Fields(); f.Next(); {
			if f.Key() == "" {
				t.Fatalf("a field without a name in %q", raw)
			}
		}
	})
}
