package bounce

import (
	"strings"
	"testing"
)

func TestNormalizeAddress(t *testing.T) {
	tests := []struct{ in, want string }{
		{"user@example.com", "user@example.com"},
		{"  <User@Example.COM>  ", "User@example.com"},
		{"John Doe <jd@Example.org>", "jd@example.org"},
		{"mailto:a@b.example", "a@b.example"},
		{"MAILTO:a@b.example", "a@b.example"},
		{"a@b.example.", "a@b.example"},
		{"a@b.example (comment)", "a@b.example"},
		{"'a@b.example',", "a@b.example"},
		{"x-local; user", ""},
		{"user", ""},
		{"@example.com", ""},
		{"user@", ""},
		{"a b@example.com", "b@example.com"},
		{"user@[192.0.2.1]", "user@[192.0.2.1]"},
		{"user@exa mple.com", "user@exa"},
		{"us(er@example.com", ""},
		{"user@ex/ample.com", ""},
		{"田中@EXAMPLE.jp", "田中@example.jp"},
		{"a\x01@example.com", ""},
		{"\xff@example.com", ""},
		{strings.Repeat("a", 250) + "@example.com", ""},
	}
	for _, tc := range tests {
		if got := normalizeAddress(tc.in); got != tc.want {
			t.Errorf("normalizeAddress(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestFindAddresses(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"<<< 550 5.1.1 <Edwin@ZZZ.com>... User unknown", []string{"Edwin@zzz.com"}},
		{"John (john@example.com) and jane@example.org.", []string{"john@example.com", "jane@example.org"}},
		{"VERP cop-bounces+a=example.org@lists.example.org", []string{"cop-bounces+a=example.org@lists.example.org"}},
		{"user@localhost is not an address here", nil},
		{"no addresses at all", nil},
	}
	for _, tc := range tests {
		got := findAddresses(tc.in)
		if strings.Join(got, ",") != strings.Join(tc.want, ",") {
			t.Errorf("findAddresses(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestEnhancedStatus(t *testing.T) {
	tests := []struct{ in, want string }{
		{"5.1.1", "5.1.1"},
		{"5.1.1 (bad destination mailbox address)", "5.1.1"},
		{"550 5.1.1 <a@b.c>: User unknown", "5.1.1"},
		{"550-5.7.26 Unauthenticated", "5.7.26"},
		{"Sorry, no mailbox here by that name. (#5.1.1)", "5.1.1"},
		{"<mail.firm.example #5.2.2>", "5.2.2"},
		{"550 5.1.10 RESOLVER.ADR.RecipientNotFound", "5.1.10"},
		{"status 4.4.7.", "4.4.7"},
		{"host 5.1.1.1 said nothing", ""},
		{"gmail-smtp-in.l.google.com[209.85.223.33]", ""},
		{"version 2.5.1", "2.5.1"},
		{"3.1.1", ""},
		{"", ""},
	}
	for _, tc := range tests {
		if got := enhancedStatus(tc.in); got != tc.want {
			t.Errorf("enhancedStatus(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestClassOf(t *testing.T) {
	tests := []struct {
		status, diag string
		want         byte
	}{
		{"5.1.1", "", '5'},
		{"4.2.2", "550 whatever", '4'},
		{"", "500 (err.nosuchuser)", '5'},
		{"", "Remote host said: 554 delivery error", '5'},
		{"", "452 Too many recipients", '4'},
		{"", "host gmail-smtp-in.l.google.com[209.85.223.33] said", 0},
		{"", "message size 250 bytes", 0},
		{"", "connect to host: Connection timed out", 0},
	}
	for _, tc := range tests {
		if got := classOf(tc.status, tc.diag); got != tc.want {
			t.Errorf("classOf(%q, %q) = %q, want %q", tc.status, tc.diag, got, tc.want)
		}
	}
}

func TestIsDMARC(t *testing.T) {
	tests := []struct {
		status, diag string
		want         bool
	}{
		{"5.7.26", "550-5.7.26 Unauthenticated email from yahoo.com is not accepted due to domain's DMARC policy.", true},
		{"5.7.26", "550-5.7.26 This mail is unauthenticated, which poses a security risk to the sender and Gmail users, and has been blocked.", true},
		{"", "554 5.7.9 Message not accepted for policy reasons. See https://senders.yahooinc.com/error-codes", true},
		{"5.7.9", "Message not accepted due to domain's DMARC policy", true},
		{"5.7.1", "550 5.7.1 Email rejected per DMARC policy for example.org", true},
		{"5.7.509", "550 5.7.509 Access denied, sending domain example.org does not pass DMARC verification and has a DMARC policy of reject.", true},
		{"5.7.1", "521 5.2.1 :  (DMARC) This message failed DMARC Evaluation", true},
		{"5.7.23", "550 5.7.23 SPF validation failed", true},
		{"5.7.25", "550 5.7.25 The IP address sending this message does not have a PTR record", false},
		{"5.7.1", "550 5.7.1 Message rejected as spam", false},
		{"5.1.1", "550 5.1.1 User unknown; rejected for policy reasons", false},
		{"", "550 5.1.1 User unknown", false},
	}
	for _, tc := range tests {
		if got := isDMARC(tc.status, tc.diag); got != tc.want {
			t.Errorf("isDMARC(%q, %q) = %v, want %v", tc.status, tc.diag, got, tc.want)
		}
	}
}

// TestFinish checks the Permanent verdict: the code first, then telling
// words, then the notice's default.
func TestFinish(t *testing.T) {
	tests := []struct {
		name             string
		rc               Recipient
		defaultPermanent bool
		wantStatus       string
		wantPermanent    bool
	}{
		{"5xx status", Recipient{Action: "failed", Status: "5.1.1"}, false, "5.1.1", true},
		{"4xx status on a failure", Recipient{Action: "failed", Status: "4.4.7"}, true, "4.4.7", false},
		{"status from the diagnostic", Recipient{Action: "failed", Diagnostic: "said: 550 5.1.1 no such user"}, false, "5.1.1", true},
		{"reply code only", Recipient{Action: "failed", Diagnostic: "Remote host said: 550 MAILBOX NOT FOUND"}, false, "", true},
		{"permanent words", Recipient{Action: "failed", Diagnostic: "unknown user: \"bert\""}, false, "", true},
		{"temporary words beat permanent ones", Recipient{Action: "failed", Diagnostic: "user unknown, try again later"}, true, "", false},
		{"timed out", Recipient{Action: "failed", Diagnostic: "connect to x: Connection timed out"}, true, "", false},
		{"nothing said: the notice decides", Recipient{Action: "failed", Diagnostic: "Giving up."}, true, "", true},
		{"nothing said, no default", Recipient{Action: "failed", Diagnostic: "Giving up."}, false, "", false},
		{"a delay is never permanent", Recipient{Action: "delayed", Status: "5.1.1"}, true, "5.1.1", false},
		{"a success is never permanent", Recipient{Action: "delivered", Status: "2.0.0"}, true, "2.0.0", false},
	}
	for _, tc := range tests {
		rc := tc.rc
		rc.finish(tc.defaultPermanent)
		if rc.Status != tc.wantStatus || rc.Permanent != tc.wantPermanent {
			t.Errorf("%s: status %q permanent %v, want %q %v", tc.name, rc.Status, rc.Permanent, tc.wantStatus, tc.wantPermanent)
		}
	}
}

func TestTrimDiagnostic(t *testing.T) {
	tests := []struct{ in, want string }{
		{"550-5.1.1 The email account that you tried to reach does not exist. Please try 550-5.1.1 double-checking the address 550 5.1.1 https://support.example/",
			"550-5.1.1 The email account that you tried to reach does not exist. Please try double-checking the address https://support.example/"},
		{"452 4.2.2 Mailbox full 503 5.0.0 Need RCPT", "452 4.2.2 Mailbox full 503 5.0.0 Need RCPT"},
		{strings.Repeat("é", 400), strings.Repeat("é", maxDiagnostic) + "…"},
		{"  short  ", "short"},
	}
	for _, tc := range tests {
		if got := trimDiagnostic(tc.in); got != tc.want {
			t.Errorf("trimDiagnostic(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
