package rewrite

import "testing"

func TestSplitMessage(t *testing.T) {
	tests := []struct {
		name, raw, wantHeader, wantBody, wantEOL string
	}{
		{"crlf", "A: 1\r\nB: 2\r\n\r\nbody\r\n", "A: 1\r\nB: 2\r\n\r\n", "body\r\n", crlf},
		{"lf", "A: 1\nB: 2\n\nbody\n", "A: 1\nB: 2\n\n", "body\n", lf},
		{"folded", "A: 1\r\n 2\r\n\r\nbody", "A: 1\r\n 2\r\n\r\n", "body", crlf},
		{"mbox-from", "From alice@example.net Mon Mar  2 10:00:00 2026\nA: 1\n\nbody\n", "A: 1\n\n", "body\n", lf},
		{"from-field-with-blank", "From : alice@example.net\nA: 1\n\nbody\n", "From : alice@example.net\nA: 1\n\n", "body\n", lf},
		{"no-separator", "A: 1\nnot a field\nmore\n", "A: 1\n\n", "not a field\nmore\n", lf},
		{"bad-name", "A: 1\nBad Name: x\n\nbody\n", "A: 1\n\n", "Bad Name: x\n\nbody\n", lf},
		{"leading-continuation", " stray\nA: 1\n\nbody", "A: 1\n\n", "body", lf},
		{"header-only", "A: 1\r\nB: 2", "A: 1\r\nB: 2\r\n\r\n", "", crlf},
		{"no-header", "\r\nbody\r\n", "\r\n", "body\r\n", crlf},
		{"lone-cr", "\r", "\r\n", "\r", crlf},
		{"not-mail", "# README\n\ntext\n", "\n", "# README\n\ntext\n", lf},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := splitMessage([]byte(tt.raw))
			if string(s.header) != tt.wantHeader || string(s.body) != tt.wantBody || s.eol != tt.wantEOL {
				t.Errorf("splitMessage(%q) = header %q, body %q, eol %q; want %q, %q, %q",
					tt.raw, s.header, s.body, s.eol, tt.wantHeader, tt.wantBody, tt.wantEOL)
			}
		})
	}
}
