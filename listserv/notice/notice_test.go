package notice

import "testing"

func TestExcerptOf(t *testing.T) {
	for _, tc := range []struct {
		raw, header, body string
	}{
		{"A: b\r\n\r\nline1\r\nline2\r\n", "A: b\r\n", "line1\r\n"},
		{"A: b\n\nline1\nline2\n", "A: b\n", "line1\n"},
		{"A: b\r\nC: d\r\n", "A: b\r\n", ""},
	} {
		e := ExcerptOf([]byte(tc.raw), 9)
		if string(e.header) != tc.header || string(e.body) != tc.body || e.size != len(tc.raw) {
			t.Errorf("ExcerptOf(%q) = %q, %q, %d", tc.raw, e.header, e.body, e.size)
		}
	}
}
