package bounce

import (
	"fmt"
	"strings"
	"testing"
)

// blocksOf renders what dsnBlocks reads from body, one block a line.
func blocksOf(body string) string {
	var out []string
	for _, b := range dsnBlocks(scanFields(body)) {
		out = append(out, fmt.Sprintf("final=%q original=%q action=%q status=%q diag=%q",
			b.final, b.original, b.action, b.status, b.diag))
	}
	return strings.Join(out, "\n")
}

func TestDSNBlocks(t *testing.T) {
	tests := []struct {
		name, body, want string
	}{
		{"RFC 3464 layout",
			"Reporting-MTA: dns; mx.example\n\nFinal-Recipient: rfc822; a@example.org\nAction: failed\nStatus: 5.1.1\n\nFinal-Recipient: rfc822; b@example.org\nAction: delayed\nStatus: 4.4.1\n",
			`final="rfc822; a@example.org" original="" action="failed" status="5.1.1" diag=""` + "\n" +
				`final="rfc822; b@example.org" original="" action="delayed" status="4.4.1" diag=""`},
		{"folded diagnostic, CRLF",
			"Final-Recipient: rfc822; a@example.org\r\nAction: failed\r\nDiagnostic-Code: smtp; 550 5.1.1 no\r\n\tsuch user\r\n",
			`final="rfc822; a@example.org" original="" action="failed" status="" diag="smtp; 550 5.1.1 no such user"`},
		{"no blank lines at all",
			"Reporting-MTA: dns; mx.example\nFinal-Recipient: rfc822; a@example.org\nAction: failed\nStatus: 5.1.1\nOriginal-Recipient: rfc822; b0@example.org\nFinal-Recipient: rfc822; b@example.org\nAction: failed\nStatus: 5.2.2\n",
			`final="rfc822; a@example.org" original="" action="failed" status="5.1.1" diag=""` + "\n" +
				`final="rfc822; b@example.org" original="rfc822; b0@example.org" action="failed" status="5.2.2" diag=""`},
		{"Postfix order: Final, then Original",
			"Final-Recipient: rfc822; a@example.org\nOriginal-Recipient: rfc822;a0@example.org\nAction: failed\nStatus: 5.1.1\n",
			`final="rfc822; a@example.org" original="rfc822;a0@example.org" action="failed" status="5.1.1" diag=""`},
		{"Action before the recipient",
			"Action: failed\nFinal-Recipient: rfc822;a@example.org\nStatus: 5.0.0\n",
			`final="rfc822;a@example.org" original="" action="failed" status="5.0.0" diag=""`},
		{"several blank lines and spaces around colons",
			"Reporting-MTA : dns;x\n\n\n\nOriginal-Recipient:rfc822;o@example.org\nStatus:5.5.0\nDiagnostic-Code:smtp;550 Requested action not taken\n",
			`final="" original="rfc822;o@example.org" action="" status="5.5.0" diag="smtp;550 Requested action not taken"`},
		{"prose is skipped",
			"This Message was undeliverable due to the following reason:\n\n<u@ci.com> has restricted SMS e-mail\n",
			""},
		{"block without a recipient is dropped",
			"Action: failed\nStatus: 5.0.0\n",
			""},
		{"embedded base64 after the per-message fields",
			"Reporting-MTA: dns; mx.example\nContent-Transfer-Encoding: base64\n\n" +
				"RmluYWwtUmVjaXBpZW50OiByZmM4MjI7IGFAZXhhbXBsZS5vcmcKQWN0aW9uOiBmYWlsZWQKU3Rh\ndHVzOiA1LjEuMQo=\n",
			`final="rfc822; a@example.org" original="" action="failed" status="5.1.1" diag=""`},
	}
	for _, tc := range tests {
		if got := blocksOf(tc.body); got != tc.want {
			t.Errorf("%s:\n got %s\nwant %s", tc.name, got, tc.want)
		}
	}
}

func TestDSNAddress(t *testing.T) {
	tests := []struct{ in, want string }{
		{"rfc822; user@example.com", "user@example.com"},
		{"RFC822;<User@Example.com>", "User@example.com"},
		{"rfc822;  \"quoted\"@example.com", ""},
		{"user@example.com", "user@example.com"},
		{"x-local; localuser", ""},
		{"utf-8; \\x{7530}\\x{4E2D}@example.jp", "田中@example.jp"},
		{"utf-8; \\x{0}@example.jp", ""},
		{"", ""},
	}
	for _, tc := range tests {
		if got := dsnAddress(tc.in); got != tc.want {
			t.Errorf("dsnAddress(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestNormalizeAction(t *testing.T) {
	tests := []struct{ in, want string }{
		{"failed", "failed"}, {"FAILED", "failed"}, {"failure", "failed"}, {"failed (bad mailbox)", "failed"},
		{"delayed", "delayed"}, {"Delay", "delayed"}, {"delivered", "delivered"}, {"relayed", "relayed"},
		{"expanded", "expanded"}, {"xxxxxx", ""}, {"", ""},
	}
	for _, tc := range tests {
		if got := normalizeAction(tc.in); got != tc.want {
			t.Errorf("normalizeAction(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestDSNDiagnostic(t *testing.T) {
	tests := []struct{ in, want string }{
		{"smtp; 550 5.1.1 User unknown", "550 5.1.1 User unknown"},
		{"X-Postfix; connect to x:   timed out", "connect to x: timed out"},
		{"550 no type; with a semicolon", "550 no type; with a semicolon"},
		{"SMTP; ", ""},
	}
	for _, tc := range tests {
		if got := dsnDiagnostic(tc.in); got != tc.want {
			t.Errorf("dsnDiagnostic(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
