package imapin

import (
	"bytes"
	"io"
	"net"
	"strings"
	"testing"
)

func TestAnnounced(t *testing.T) {
	tests := []struct {
		line string
		n    int64
		ok   bool
	}{
		{"* 1 FETCH (UID 1 BODY[] {123}\r", 123, true},
		{"* 1 FETCH (UID 1 BODY[] {123+}\r", 123, true},
		{"a LOGIN {5}", 5, true},
		{"{0}\r", 0, true},
		{"* OK {}\r", 0, false},
		{"* OK }\r", 0, false},
		{"* OK 123}\r", 0, false},
		{`* OK "quoted {5}"` + "\r", 0, false},
		{"* x {99999999999999999999999}\r", 1<<63 - 1, true},
		{"", 0, false},
	}
	for _, tt := range tests {
		n, ok := announced([]byte(tt.line))
		if n != tt.n || ok != tt.ok {
			t.Errorf("announced(%q) = %d, %v; want %d, %v", tt.line, n, ok, tt.n, tt.ok)
		}
	}
}

// pipeConn is a net.Conn that reads from r in small pieces.
type pipeConn struct {
	net.Conn
	r     io.Reader
	chunk int
}

func (p *pipeConn) Read(b []byte) (int, error) {
	if len(b) > p.chunk {
		b = b[:p.chunk]
	}
	return p.r.Read(b)
}

// The guard passes a conversation through unchanged, skips literal
// content (a "{999999}" inside a body is no announcement), and fails
// on a literal over its limit whatever the read sizes.
func TestLiteralGuard(t *testing.T) {
	body := "Subject: x\r\n\r\nnot an announcement {999999999}\r\n"
	talk := "* OK hi\r\n* 1 FETCH (UID 1 BODY[] {" + itoa(len(body)) + "}\r\n" + body + ")\r\na1 OK done\r\n"
	for _, chunk := range []int{1, 3, 7, 4096} {
		g := &literalGuard{Conn: &pipeConn{r: strings.NewReader(talk), chunk: chunk}, max: 1000}
		got, err := io.ReadAll(g)
		if err != nil || !bytes.Equal(got, []byte(talk)) {
			t.Errorf("chunk %d: %v, %q", chunk, err, got)
		}
		bad := "* OK hi\r\n* 1 FETCH (UID 1 BODY[] {4000000000}\r\nxxxx"
		g = &literalGuard{Conn: &pipeConn{r: strings.NewReader(bad), chunk: chunk}, max: 1000}
		got, err = io.ReadAll(g)
		if err == nil || !strings.Contains(err.Error(), "4000000000") || bytes.Contains(got, []byte("4000000000}\r\n")) {
			t.Errorf("chunk %d: a huge literal gave %v after %q", chunk, err, got)
		}
	}
}

func itoa(n int) string {
	var b []byte
	for {
		b = append([]byte{byte('0' + n%10)}, b...)
		n /= 10
		if n == 0 {
			return string(b)
		}
	}
}

// FuzzLiteralGuard: the guard never hands over a byte it was not given,
// and what it hands over is the input's start.
func FuzzLiteralGuard(f *testing.F) {
	f.Add([]byte("* 1 FETCH (BODY[] {5}\r\nabcde)\r\n"), 3)
	f.Add([]byte("{99999999999}\r\n"), 1)
	f.Fuzz(func(t *testing.T, in []byte, chunk int) {
		if chunk <= 0 || chunk > 1<<16 {
			chunk = 1
		}
		g := &literalGuard{Conn: &pipeConn{r: bytes.NewReader(in), chunk: chunk}, max: 64}
		got, _ := io.ReadAll(g)
		if !bytes.HasPrefix(in, got) {
			t.Fatalf("handed over %q, not a prefix of %q", got, in)
		}
	})
}
