package inbound

import "testing"

func FuzzFirstTextLines(f *testing.F) {
	for _, s := range []string{
		"Subject: x\r\n\r\nhelp\r\nwho\r\n",
		"Content-Type: multipart/alternative; boundary=b\r\n\r\n--b\r\nContent-Type: text/html\r\n\r\n<p>x</p>\r\n--b\r\nContent-Type: text/plain\r\n\r\nsubscribe\r\n--b--\r\n",
		"Content-Type: text/plain; charset=x-unknown\r\nContent-Transfer-Encoding: base64\r\n\r\n!!!!\r\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		if lines := FirstTextLines(raw, 15); len(lines) > 15 {
			t.Fatalf("%d lines", len(lines))
		}
	})
}
