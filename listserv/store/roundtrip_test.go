package store

import (
	"strings"
	"testing"
)

// TestRoundTripHash: what other tools' round trips do to a post's bytes
// leaves its hash, and nothing else does.
func TestRoundTripHash(t *testing.T) {
	const post = "From: Carol <carol@example.com>\r\nSubject: VPN\r\n\r\nFrom home the\r\nvpn secret is swordfish42\r\n"
	want := RoundTripHash([]byte(post))
	same := []struct{ name, raw string }{
		{"LF line ends", "From: Carol <carol@example.com>\nSubject: VPN\n\nFrom home the\nvpn secret is swordfish42\n"},
		{"no final line end", "From: Carol <carol@example.com>\r\nSubject: VPN\r\n\r\nFrom home the\r\nvpn secret is swordfish42"},
		{"blank lines at the end", post + "\r\n\n"},
		{"mutt's Status", "From: Carol <carol@example.com>\nSubject: VPN\nStatus: RO\nX-Status: A\n\nFrom home the\nvpn secret is swordfish42\n"},
		{"a reader field first, any case", "status: O\r\nFrom: Carol <carol@example.com>\r\nSubject: VPN\r\n\r\nFrom home the\r\nvpn secret is swordfish42\r\n"},
		{"Thunderbird's, folded", "From: Carol <carol@example.com>\r\nX-Mozilla-Status: 0001\r\nX-Mozilla-Status2:\r\n 00000000\r\nSubject: VPN\r\n\r\nFrom home the\r\nvpn secret is swordfish42\r\n"},
		{"Content-Length and Lines", "Content-Length: 40\nLines: 2\nFrom: Carol <carol@example.com>\nSubject: VPN\n\nFrom home the\nvpn secret is swordfish42\n"},
		{"mboxo quoting", "From: Carol <carol@example.com>\nSubject: VPN\n\n>From home the\nvpn secret is swordfish42\n"},
		{"mboxrd quoting", "From: Carol <carol@example.com>\nSubject: VPN\n\n>>From home the\nvpn secret is swordfish42\n"},
	}
	for _, c := range same {
		if got := RoundTripHash([]byte(c.raw)); got != want {
			t.Errorf("%s: the hash changed", c.name)
		}
	}
	noBlank := "From: Carol <carol@example.com>\r\nSubject: VPN\r\nFrom home the\r\nvpn secret is swordfish42\r\n"
	if RoundTripHash([]byte(noBlank)) != RoundTripHash([]byte(strings.ReplaceAll(noBlank, "\r\n", "\n"))) {
		t.Error("no blank line after the header: other line ends changed the hash")
	}
	// Without the blank line, a line like a reader's field may be the
	// text's.
	if RoundTripHash([]byte(noBlank)) == RoundTripHash([]byte(strings.Replace(noBlank, "From home", "Lines: 2\r\nFrom home", 1))) {
		t.Error("no blank line after the header: a line of text like a reader's field was left out")
	}
	other := []struct{ name, raw string }{
		{"another word", "From: Carol <carol@example.com>\r\nSubject: VPN\r\n\r\nFrom home the\r\nvpn secret is swordfish43\r\n"},
		{"a field no reader adds", "From: Carol <carol@example.com>\r\nSubject: VPN\r\nX-Spam-Status: No\r\n\r\nFrom home the\r\nvpn secret is swordfish42\r\n"},
		{"a field whose name only starts so", "From: Carol <carol@example.com>\r\nSubject: VPN\r\nStatus-Report: x\r\n\r\nFrom home the\r\nvpn secret is swordfish42\r\n"},
		{"Status in the body", "From: Carol <carol@example.com>\r\nSubject: VPN\r\n\r\nStatus: RO\r\nFrom home the\r\nvpn secret is swordfish42\r\n"},
		{"a quote that is not of From", "From: Carol <carol@example.com>\r\nSubject: VPN\r\n\r\n>From home the\r\n>vpn secret is swordfish42\r\n"},
		{"a blank line inside", "From: Carol <carol@example.com>\r\nSubject: VPN\r\n\r\nFrom home the\r\n\r\nvpn secret is swordfish42\r\n"},
	}
	for _, c := range other {
		if got := RoundTripHash([]byte(c.raw)); got == want {
			t.Errorf("%s: the hash is the post's", c.name)
		}
	}
}

// BenchmarkRoundTripHash hashes a reply of some size, as every archived
// post is.
func BenchmarkRoundTripHash(b *testing.B) {
	raw := []byte("From: Carol <carol@example.com>\r\nTo: list@example.org\r\nSubject: Re: VPN\r\nMessage-ID: <x@y>\r\nDate: Mon, 2 Mar 2026 12:00:00 +0000\r\n\r\n")
	for range 400 {
		raw = append(raw, "> quoted line of a reply, as most posts have many of them\r\n"...)
	}
	b.SetBytes(int64(len(raw)))
	for b.Loop() {
		RoundTripHash(raw)
	}
}
