package mailmsg

import (
	"bytes"
	"testing"
)

func TestCRLFSize(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want int
	}{
		{"", 0}, {"a", 1}, {"\n", 2}, {"\r\n", 2}, {"a\nb\r\nc\n", 9}, {"\r", 1}, {"\r\r\n", 3}, {"\n\n", 4}, {"\n\r\n", 4},
	} {
		if got := CRLFSize([]byte(tt.in)); got != tt.want {
			t.Errorf("CRLFSize(%q) = %d, want %d", tt.in, got, tt.want)
		}
	}
}

// FuzzCRLFSize holds CRLFSize to a count made another way: every LF not
// already after a CR gains one byte.
func FuzzCRLFSize(f *testing.F) {
	for _, s := range []string{"", "a\nb", "\r\n\n\r", "\r\r\n\n", "\n"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		want := len(in) + bytes.Count(in, []byte("\n")) - bytes.Count(in, []byte("\r\n"))
		if got := CRLFSize(in); got != want {
			t.Fatalf("CRLFSize(%q) = %d, want %d", in, got, want)
		}
	})
}
