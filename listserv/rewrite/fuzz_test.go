package rewrite

import (
	"bufio"
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/emersion/go-message/textproto"
)

// FuzzPrepare feeds arbitrary posts through Prepare and Write. Beyond not
// panicking, every copy's header must read back with go-message and carry
// exactly one List-Id, and an untouched body must be the post's body.
func FuzzPrepare(f *testing.F) {
	seeds, err := filepath.Glob("testdata/in/*.eml")
	if err != nil {
		f.Fatal(err)
	}
	for _, s := range seeds {
		raw, err := os.ReadFile(s)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(raw)
	}
	f.Add([]byte("Subject: no body"))
	f.Add([]byte(" leading continuation\r\nSubject: x\r\n\r\nbody"))
	f.Add([]byte("From sender@example.com Mon Mar  2 10:00:00 2026\nSubject: mbox\n\nbody\n"))

	f.Fuzz(func(t *testing.T, raw []byte) {
		c, err := Prepare(raw, testList, "fuzz@example.org")
		if err != nil {
			if len(raw) != 0 {
				t.Fatalf("Prepare: %v", err)
			}
			return
		}
		var b bytes.Buffer
		if err := c.Write(&b, testUnsubscribeURL); err != nil {
			t.Fatalf("Write: %v", err)
		}
		out := b.Bytes()
		r := bufio.NewReader(bytes.NewReader(out))
		h, err := textproto.ReadHeader(r)
		if err != nil {
			t.Fatalf("copy's header does not read back: %v\n%q", err, out)
		}
		if got := h.Values("List-Id"); len(got) != 1 {
			t.Fatalf("List-Id fields %q", got)
		}
		switch c.Placement() {
		case FooterNone, FooterSkippedSigned, FooterSkippedUnsafe:
			if body := splitMessage(raw).body; !bytes.HasSuffix(out, body) {
				t.Fatalf("body not relayed byte for byte")
			}
		}
	})
}

// FuzzPrefixSubject checks that the prefix ends up once, in front, and that
// rewriting a rewritten subject changes nothing (a copy that comes back as a
// reply must not grow).
func FuzzPrefixSubject(f *testing.F) {
	for _, s := range []string{"x", "Re: [cop] Re: [cop] x", "[co[cop]p] x", "AW: Re[2]: x", "", "Re:"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := PrefixSubject(s, "[cop] ")
		if !strings.HasPrefix(got, "[cop] ") {
			t.Fatalf("PrefixSubject(%q) = %q: no prefix", s, got)
		}
		if n := strings.Count(strings.ToLower(got), "[cop]"); n != 1 {
			t.Fatalf("PrefixSubject(%q) = %q: prefix %d times", s, got, n)
		}
		if again := PrefixSubject(got, "[cop] "); again != got {
			t.Fatalf("not idempotent: %q -> %q -> %q", s, got, again)
		}
	})
}
