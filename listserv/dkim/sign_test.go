package dkim

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"

	msgauth "github.com/emersion/go-msgauth/dkim"
)

const (
	testDomain   = "example.org"
	testSelector = "praxis"
)

// listCopy is one member's copy of a post as delivery builds it.
func listCopy(unsubscribe, body string) []byte {
	s := "From: \"Alice Example via CoP\" <cop@example.org>\r\n" +
		"Reply-To: Alice Example <alice@example.com>\r\n" +
		"To: cop@example.org\r\n" +
		"Subject: [cop] Minutes of the\r\n" +
		"  March meeting\r\n" +
		"Date: Tue, 10 Mar 2026 09:30:00 +0100\r\n" +
		"Message-ID: <20260310093000.1@example.com>\r\n" +
		"MIME-Version: 1.0\r\n" +
		"Content-Type: text/plain; charset=utf-8\r\n" +
		"Content-Transfer-Encoding: 8bit\r\n" +
		"List-Id: Community of Practice <cop.example.org>\r\n" +
		"List-Unsubscribe: <https://example.org/u/" + unsubscribe + ">,\r\n" +
		" <mailto:cop-leave@example.org>\r\n" +
		"List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n" +
		"List-Post: <mailto:cop@example.org>\r\n" +
		"List-Help: <mailto:cop-request@example.org?subject=help>\r\n" +
		"List-Archive: <https://example.org/cop/>\r\n" +
		"Archived-At: <https://example.org/cop/20260310093000.1@example.com>\r\n" +
		"Precedence: list\r\n" +
		"X-Mailer: something unsigned\r\n" +
		"\r\n" + body
	return []byte(s)
}

const testBody = "Hello all,\r\n\r\nthe minutes are attached. Grüße,\r\nAlice   \r\n\r\n\r\n"

func newTestSigner(t testing.TB) (*Signer, string) {
	t.Helper()
	pemKey := mustTestKey(t)
	s, err := NewSigner(testDomain, testSelector, pemKey)
	if err != nil {
		t.Fatal(err)
	}
	_, value, _, err := TXTRecord(testDomain, testSelector, pemKey)
	if err != nil {
		t.Fatal(err)
	}
	return s, value
}

// verify checks msg with go-msgauth, answering the key query with txt.
func verify(t *testing.T, msg []byte, txt string) []*msgauth.Verification {
	t.Helper()
	lookup := func(name string) ([]string, error) {
		if name != testSelector+"._domainkey."+testDomain {
			return nil, fmt.Errorf("unexpected key query %q", name)
		}
		return []string{txt}, nil
	}
	vs, err := msgauth.VerifyWithOptions(bytes.NewReader(msg), &msgauth.VerifyOptions{LookupTXT: lookup})
	if err != nil {
		t.Fatal(err)
	}
	if len(vs) != 1 {
		t.Fatalf("got %d verifications, want 1", len(vs))
	}
	return vs
}

func signed(t *testing.T, s *Signer, msg []byte) []byte {
	t.Helper()
	sig, err := s.Sign(msg)
	if err != nil {
		t.Fatal(err)
	}
	return append(sig, msg...)
}

func TestSignVerifies(t *testing.T) {
	s, txt := newTestSigner(t)
	msg := listCopy("tok1", testBody)
	sig, err := s.Sign(msg)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(sig, []byte("DKIM-Signature: ")) || !bytes.HasSuffix(sig, []byte("\r\n")) {
		t.Errorf("Sign returned %q, want a DKIM-Signature field ending in CRLF", sig)
	}
	for _, tag := range []string{"a=rsa-sha256", "c=relaxed/relaxed", "d=" + testDomain, "s=" + testSelector} {
		if !bytes.Contains(sig, []byte(tag)) {
			t.Errorf("signature lacks %s:\n%s", tag, sig)
		}
	}
	v := verify(t, append(sig, msg...), txt)[0]
	if v.Err != nil {
		t.Fatalf("signature does not verify: %v", v.Err)
	}
	if v.Domain != testDomain {
		t.Errorf("d= %q, want %q", v.Domain, testDomain)
	}

	// h= names each field present, and the oversigned ones once more.
	count := map[string]int{}
	for _, k := range v.HeaderKeys {
		count[strings.ToLower(k)]++
	}
	wantCount := map[string]int{
		"from": 2, "list-unsubscribe": 2, "list-unsubscribe-post": 2,
		"reply-to": 1, "to": 1, "subject": 1, "date": 1, "message-id": 1,
		"mime-version": 1, "content-type": 1, "content-transfer-encoding": 1,
		"list-id": 1, "list-post": 1, "list-help": 1, "list-archive": 1,
		"archived-at": 1, "precedence": 1,
		// Absent from the message, so not named.
		"cc": 0, "in-reply-to": 0, "references": 0, "list-subscribe": 0,
		// Present but not ours to sign.
		"x-mailer": 0,
	}
	for k, want := range wantCount {
		if count[k] != want {
			t.Errorf("h= names %s %d times, want %d (h=%v)", k, count[k], want, v.HeaderKeys)
		}
	}
}

// TestSignTamper changes a signed copy the ways a relay or an attacker
// might, and checks which changes the signature survives.
func TestSignTamper(t *testing.T) {
	s, txt := newTestSigner(t)
	tests := []struct {
		name   string
		change func(string) string
		valid  bool
	}{
		{"unchanged", func(m string) string { return m }, true},
		{"List-Unsubscribe changed", func(m string) string {
			return strings.Replace(m, "/u/tok1>", "/u/tok2>", 1)
		}, false},
		{"second List-Unsubscribe added", func(m string) string {
			return "List-Unsubscribe: <https://evil.example/u>\r\n" + m
		}, false},
		{"List-Unsubscribe-Post removed", func(m string) string {
			return strings.Replace(m, "List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n", "", 1)
		}, false},
		{"second List-Unsubscribe-Post added", func(m string) string {
			return "List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n" + m
		}, false},
		{"second From added", func(m string) string {
			return "From: mallory@example.net\r\n" + m
		}, false},
		{"Subject changed", func(m string) string {
			return strings.Replace(m, "March meeting", "April meeting", 1)
		}, false},
		{"body changed", func(m string) string {
			return strings.Replace(m, "Hello all", "Hello some", 1)
		}, false},
		// Relaxed canonicalization ignores these (RFC 6376 §3.4.2, §3.4.4).
		{"header refolded", func(m string) string {
			return strings.Replace(m, "Subject: [cop] Minutes of the\r\n  March meeting", "Subject:   [cop] Minutes of the March   meeting", 1)
		}, true},
		{"trailing blank lines dropped", func(m string) string {
			return strings.TrimSuffix(m, "\r\n\r\n")
		}, true},
		{"unsigned field added", func(m string) string {
			return "Received: from relay.example.net\r\n" + m
		}, true},
		{"field name case changed", func(m string) string {
			return strings.Replace(m, "Precedence: list", "PRECEDENCE: list", 1)
		}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			msg := string(signed(t, s, listCopy("tok1", testBody)))
			v := verify(t, []byte(tt.change(msg)), txt)[0]
			if (v.Err == nil) != tt.valid {
				t.Errorf("verification error = %v, want valid=%v", v.Err, tt.valid)
			}
		})
	}
}

// TestSignLF: a copy held with LF line ends gets the signature that its
// CRLF form on the wire verifies with.
func TestSignLF(t *testing.T) {
	s, txt := newTestSigner(t)
	crlf := listCopy("tok1", testBody)
	lf := bytes.ReplaceAll(crlf, []byte("\r\n"), []byte("\n"))
	sig, err := s.Sign(lf)
	if err != nil {
		t.Fatal(err)
	}
	if v := verify(t, append(sig, crlf...), txt)[0]; v.Err != nil {
		t.Errorf("LF-signed copy does not verify in CRLF form: %v", v.Err)
	}
}

func TestSignErrors(t *testing.T) {
	s, _ := newTestSigner(t)
	tests := []struct {
		name string
		msg  string
		want error
	}{
		{"no From", "To: cop@example.org\r\nSubject: x\r\n\r\nbody\r\n", ErrNoFrom},
		{"empty", "", nil},
		{"header without end", "From: a@example.org\r\nSubject: x", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := s.Sign([]byte(tt.msg))
			if err == nil {
				t.Fatal("Sign succeeded")
			}
			if tt.want != nil && !errors.Is(err, tt.want) {
				t.Errorf("err = %v, want %v", err, tt.want)
			}
		})
	}
}

// pythonDKIM finds a Python with Debian's python3-dkim, which checks our
// signatures with code that shares nothing with go-msgauth.
func pythonDKIM(t *testing.T) string {
	t.Helper()
	var tried []string
	for _, p := range []string{"python3", "/usr/bin/python3"} {
		path, err := exec.LookPath(p)
		if err != nil || slices.Contains(tried, path) {
			continue
		}
		tried = append(tried, path)
		if exec.Command(path, "-c", "import dkim").Run() == nil {
			return path
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatalf("python3-dkim is required in CI (tried %v); apt-get install python3-dkim", tried)
	}
	t.Skipf("python3-dkim not found (tried %v); apt-get install python3-dkim", tried)
	return ""
}

// pyVerify answers the key query for name with txt and nothing else, so
// the check needs no DNS.
const pyVerify = `
import sys, logging, dkim
name, txt = sys.argv[1].encode(), sys.argv[2].encode()
def dnsfunc(qname, timeout=5):
    return txt if qname.rstrip(b".").lower() == name else None
logging.basicConfig(stream=sys.stderr, level=logging.DEBUG)
ok = dkim.verify(sys.stdin.buffer.read(), logger=logging.getLogger("dkim"), dnsfunc=dnsfunc)
print("pass" if ok else "fail")
`

func TestPythonDKIM(t *testing.T) {
	python := pythonDKIM(t)
	s, txt := newTestSigner(t)
	name := testSelector + "._domainkey." + testDomain
	msg := signed(t, s, listCopy("tok1", testBody))
	tests := []struct {
		name string
		msg  []byte
		want string
	}{
		{"signed copy", msg, "pass"},
		{"List-Unsubscribe changed", bytes.Replace(msg, []byte("/u/tok1>"), []byte("/u/tok2>"), 1), "fail"},
		{"List-Unsubscribe-Post added", append([]byte("List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n"), msg...), "fail"},
		{"body changed", bytes.Replace(msg, []byte("Hello all"), []byte("Hello some"), 1), "fail"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cmd := exec.Command(python, "-c", pyVerify, name, txt)
			cmd.Stdin = bytes.NewReader(tt.msg)
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			out, err := cmd.Output()
			if err != nil {
				t.Fatalf("python3-dkim: %v\n%s", err, stderr.Bytes())
			}
			if got := strings.TrimSpace(string(out)); got != tt.want {
				t.Errorf("python3-dkim says %q, want %q\n%s", got, tt.want, stderr.Bytes())
			}
		})
	}
}

// BenchmarkSign signs one member's copy. The body sizes show what the body
// hash costs next to the RSA signature: go-msgauth hashes the body for
// every copy (see the package documentation).
func BenchmarkSign(b *testing.B) {
	pemKey := mustTestKey(b)
	s, err := NewSigner(testDomain, testSelector, pemKey)
	if err != nil {
		b.Fatal(err)
	}
	line := "A line of a post, as long as lines of prose usually are here.\r\n"
	for _, size := range []int{2 << 10, 64 << 10, 1 << 20} {
		body := strings.Repeat(line, size/len(line))
		msg := listCopy("tok1", body)
		b.Run(fmt.Sprintf("body=%dKiB", size>>10), func(b *testing.B) {
			b.SetBytes(int64(len(msg)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := s.Sign(msg); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// FuzzSign feeds Sign arbitrary messages: it must not panic, and what it
// signs must verify.
func FuzzSign(f *testing.F) {
	f.Add(listCopy("tok1", testBody))
	f.Add([]byte("From: a@example.org\n\nbody"))
	f.Add([]byte("From: a@example.org\r\nFrom: b@example.org\r\n\r\n"))
	f.Add([]byte("From:\r\n \r\n\r\n\r\n"))
	pemKey := mustTestKey(f)
	s, err := NewSigner(testDomain, testSelector, pemKey)
	if err != nil {
		f.Fatal(err)
	}
	_, txt, _, err := TXTRecord(testDomain, testSelector, pemKey)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, msg []byte) {
		if bytes.Contains(bytes.ToLower(msg), []byte("dkim-signature")) {
			// Signatures already in msg would be verified too, and
			// whether they hold is not Sign's business.
			t.Skip()
		}
		sig, err := s.Sign(msg)
		if err != nil {
			return
		}
		lookup := func(string) ([]string, error) { return []string{txt}, nil }
		vs, err := msgauth.VerifyWithOptions(bytes.NewReader(append(sig, msg...)), &msgauth.VerifyOptions{LookupTXT: lookup})
		if err != nil {
			t.Fatalf("verifying what Sign signed: %v", err)
		}
		if len(vs) == 0 || vs[0].Err != nil {
			t.Fatalf("what Sign signed does not verify: %+v", vs)
		}
	})
}
