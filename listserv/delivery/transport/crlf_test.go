package transport

import (
	"bytes"
	"testing"
)

func TestCRLF(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"a\r\nb\r\n", "a\r\nb\r\n"},
		{"a\nb\n", "a\r\nb\r\n"},
		{"a\rb\r", "a\r\nb\r\n"},
		{"a\r\r\nb", "a\r\n\r\nb"},
		{"a\n\rb", "a\r\n\r\nb"},
		{"\r.\r\n", "\r\n.\r\n"},
		{"\n.\n", "\r\n.\r\n"},
		{"x\r\n\n\r\r\n", "x\r\n\r\n\r\n\r\n"},
	}
	for _, tt := range tests {
		if got := string(CRLF([]byte(tt.in))); got != tt.want {
			t.Errorf("CRLF(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	// Already in form: the same bytes come back, not a copy.
	in := []byte("a\r\nb\r\n")
	if got := CRLF(in); &got[0] != &in[0] {
		t.Error("CRLF copied a message that needed nothing")
	}
}

// loneBreak returns the offset of the first CR not followed by LF or LF not
// preceded by CR, or -1.
func loneBreak(b []byte) int {
	for i, c := range b {
		if c == '\r' && (i+1 == len(b) || b[i+1] != '\n') {
			return i
		}
		if c == '\n' && (i == 0 || b[i-1] != '\r') {
			return i
		}
	}
	return -1
}

func FuzzCRLF(f *testing.F) {
	for _, s := range []string{"", "a\r\nb", "\r.\r\n", "a\rb\nc\r\r\n\n\r"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		out := CRLF(in)
		if i := loneBreak(out); i >= 0 {
			t.Fatalf("CRLF(%q) = %q: lone line break at %d", in, out, i)
		}
		if again := CRLF(out); !bytes.Equal(again, out) {
			t.Fatalf("CRLF is not idempotent on %q", in)
		}
		// Only line breaks change: the text between them is kept.
		strip := func(b []byte) []byte {
			return bytes.Map(func(r rune) rune {
				if r == '\r' || r == '\n' {
					return -1
				}
				return r
			}, b)
		}
		if !bytes.Equal(strip(in), strip(out)) {
			t.Fatalf("CRLF(%q) = %q changed more than line breaks", in, out)
		}
	})
}

// TestSendSmugglingCR: a message holding "\r.\r\n" (an end of data to a
// server that ends lines at a lone CR) and lone CRs and LFs reaches the
// server as one message in which every line ends in CRLF, so the text after
// the fake end of data cannot be read as commands anywhere.
func TestSendSmugglingCR(t *testing.T) {
	k := startSink(t, sinkOptions{})
	s := openSmarthost(t, "smtp://"+k.addr+"?tls=none", testOptions())
	msg := "From: a@example.net\r\nSubject: smuggle\r\n\r\nhello\r.\r\n" +
		"MAIL FROM:<ceo@bank.test>\rRCPT TO:<victim@example.org>\nDATA\r\n" +
		"From: ceo@bank.test\n\nsmuggled\r\n.\r\n" +
		"\r\n..\r.\rend\n"
	if err := s.Send(testCtx(t), "list@lists.test", "a@example.org", []byte(msg)); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	got := k.messages()
	if len(got) != 1 || got[0].to != "a@example.org" {
		t.Fatalf("sink got %+v, want one message to a@example.org", got)
	}
	if i := loneBreak([]byte(got[0].data)); i >= 0 {
		t.Errorf("lone line break at %d of %q", i, got[0].data)
	}
	if want := string(CRLF([]byte(msg))); got[0].data != want {
		t.Errorf("server got %q, want %q", got[0].data, want)
	}
}
