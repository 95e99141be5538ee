package bounce

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// maxDiagnostic is how many characters of a diagnostic a Recipient keeps:
// enough for the receiving system's sentence, not for its whole transcript.
const maxDiagnostic = 300

// normalizeAddress makes an address out of what a notice writes: angle
// brackets, "mailto:", a trailing comment and surrounding punctuation go,
// the domain is lower-cased (RFC 5321 §2.4: only the local part may be case
// sensitive). It returns "" for anything that is not an address.
func normalizeAddress(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '<'); i >= 0 {
		if j := strings.IndexByte(s[i+1:], '>'); j >= 0 {
			s = s[i+1 : i+1+j]
		}
	}
	s = strings.TrimSpace(s)
	if len(s) >= 7 && strings.EqualFold(s[:7], "mailto:") {
		s = s[7:]
	}
	if strings.ContainsAny(s, " \t") {
		word := ""
		for _, w := range strings.Fields(s) {
			if strings.Contains(w, "@") {
				word = w
				break
			}
		}
		s = word
	}
	s = strings.Trim(s, "<>\"'.,;:()")
	at := strings.LastIndexByte(s, '@')
	if at <= 0 || at == len(s)-1 || len(s) > 254 || !utf8.ValidString(s) {
		return ""
	}
	local, domain := s[:at], strings.ToLower(strings.TrimSuffix(s[at+1:], "."))
	if domain == "" || strings.ContainsAny(local, "<>()[],;:\\\" ") {
		return ""
	}
	literal := strings.HasPrefix(domain, "[") && strings.HasSuffix(domain, "]")
	if !literal && strings.ContainsAny(domain, "@<>()[],;:\\\"/ ") {
		return ""
	}
	for _, r := range s {
		if unicode.IsControl(r) || r == utf8.RuneError {
			return ""
		}
	}
	return local + "@" + domain
}

// reAddress finds addresses in running text. It asks for a dot in the
// domain, which text around addresses rarely has.
var reAddress = regexp.MustCompile(`[\p{L}\p{N}.!#$%&'*+/=?^_` + "`" + `{|}~-]+@(?:[\p{L}\p{N}](?:[\p{L}\p{N}-]*[\p{L}\p{N}])?\.)+[\p{L}\p{N}](?:[\p{L}\p{N}-]*[\p{L}\p{N}])?`)

// findAddresses returns the addresses in text, normalized, in order.
func findAddresses(text string) []string {
	var out []string
	for _, a := range reAddress.FindAllString(text, 20) {
		if n := normalizeAddress(a); n != "" {
			out = append(out, n)
		}
	}
	return out
}

// reEnhanced finds an RFC 3463 enhanced status code ("5.1.1") that is not
// part of a longer dotted number such as an IP address.
var reEnhanced = regexp.MustCompile(`(?:^|[^\d.])([245]\.\d{1,3}\.\d{1,3})(?:$|[^\d.]|\.(?:$|\D))`)

// enhancedStatus returns the first enhanced status code in text, or "".
func enhancedStatus(text string) string {
	if mm := reEnhanced.FindStringSubmatch(text); mm != nil {
		return mm[1]
	}
	return ""
}

// statusField reads a Status field (RFC 3464 §2.3.4), which may carry a
// comment after the code.
func statusField(v string) string {
	return enhancedStatus(strings.TrimSpace(v))
}

// reReplyCode finds a failure reply code (RFC 5321 §4.2) standing on its
// own: "said: 550 ", "500 (err.nosuchuser)". Only 4xx and 5xx are looked
// for, so a size or a port in the same text is not taken for one.
var reReplyCode = regexp.MustCompile(`(?:^|[\s:;'"#(])([45])\d\d(?:[ -]|$)`)

// classOf is the class digit of a recipient's failure: from its enhanced
// status code, else from a reply code in the diagnostic, else 0.
func classOf(status, diag string) byte {
	if status != "" {
		return status[0]
	}
	if mm := reReplyCode.FindStringSubmatch(diag); mm != nil {
		return mm[1][0]
	}
	return 0
}

// actionFromStatus infers the Action of a DSN block that has none: RFC 3463
// §3.1 class 5 is a failure and 2 a success; for class 4 or no code at all,
// the notice's own wording decides (fallback).
func actionFromStatus(status, diag, fallback string) string {
	switch classOf(status, diag) {
	case '5':
		return "failed"
	case '2':
		return "delivered"
	}
	return fallback
}

// Words that make a failure without a reply code temporary or permanent.
// Temporary is looked for first: when a text says both, the member gets the
// benefit of the doubt.
var (
	temporaryWords = []string{
		"temporar", "try again", "will be retried", "will retry", "will continue", "keep trying",
		"mailbox full", "mailbox is full", "over quota", "quota exceeded", "exceeded storage",
		"insufficient", "timed out", "timeout", "deferred", "delayed", "too long in the queue",
		"in the queue too long", "connection refused", "greylist", "rate limit", "too many",
	}
	permanentWords = []string{
		"user unknown", "unknown user", "no such user", "no such recipient", "no such mailbox",
		"does not exist", "doesn't exist", "unknown recipient", "recipient unknown",
		"invalid recipient", "invalid address", "invalid mailbox", "mailbox unavailable",
		"mailbox not found", "address not found", "couldn't be found", "could not be found",
		"not found", "unrouteable address", "no mailbox here", "account disabled",
		"account has been disabled", "account is disabled", "deactivated", "no longer",
		"recipient rejected", "address rejected", "nosuchuser", "permanent error",
		"permanent failure", "failed permanently",
	}
)

// textVerdict reads a diagnostic without a code: +1 permanent, -1 temporary,
// 0 when it does not say.
func textVerdict(diag string) int {
	t := strings.ToLower(diag)
	for _, w := range temporaryWords {
		if strings.Contains(t, w) {
			return -1
		}
	}
	for _, w := range permanentWords {
		if strings.Contains(t, w) {
			return 1
		}
	}
	return 0
}

// reSenderAuth is the RFC 7372 §3.3 set of sender-authentication codes:
// X.7.20–X.7.24 (DKIM and SPF) and X.7.26 (multiple authentication checks
// failed, what receivers send when DMARC fails). X.7.25 (reverse DNS) is
// about the sending host, not a policy.
var reSenderAuth = regexp.MustCompile(`^[45]\.7\.(?:2[0-4]|26)$`)

var reUnauthenticated = regexp.MustCompile(`unauthenticated (?:e-?)?mail|(?:mail|message) is unauthenticated`)

// isDMARC reports whether a rejection is about the sender's DMARC policy or
// authentication rather than the recipient: the word DMARC (Gmail's
// "Unauthenticated email from example.org is not accepted due to domain's
// DMARC policy", Microsoft's 5.7.509 "does not pass DMARC verification",
// OpenDMARC's "rejected by DMARC policy"), an RFC 7372 sender-authentication
// code, or Yahoo's 5.7.9 "Message not accepted for policy reasons".
func isDMARC(status, diag string) bool {
	t := strings.ToLower(diag)
	switch {
	case strings.Contains(t, "dmarc"):
		return true
	case reSenderAuth.MatchString(status), reSenderAuth.MatchString(enhancedStatus(diag)):
		return true
	case reUnauthenticated.MatchString(t):
		return true
	case strings.Contains(t, "policy reasons"):
		return status == "" || strings.HasPrefix(status[1:], ".7.")
	}
	return false
}

// finish completes a recipient once its address, action, status and
// diagnostic are known: the status from the diagnostic when there is no
// Status field, the Permanent and DMARC verdicts, and the diagnostic trimmed
// to one short line. defaultPermanent decides a failure nothing else decides.
func (rc *Recipient) finish(defaultPermanent bool) {
	full := oneLine(rc.Diagnostic)
	if rc.Status == "" {
		rc.Status = enhancedStatus(full)
	}
	rc.DMARC = isDMARC(rc.Status, full)
	rc.Permanent = false
	if rc.Action == "failed" {
		switch classOf(rc.Status, full) {
		case '5':
			rc.Permanent = true
		case 0:
			v := textVerdict(full)
			rc.Permanent = v > 0 || v == 0 && defaultPermanent
		}
	}
	rc.Diagnostic = trimDiagnostic(full)
}

var reReplyPrefix = regexp.MustCompile(`\b([245]\d\d)[ -]([245]\.\d{1,3}\.\d{1,3})\b\s*`)

// trimDiagnostic shortens a one-line diagnostic for keeping: the prefixes
// that a multi-line SMTP reply repeats on every line ("550-5.1.1 ... 550-5.1.1
// ...") are dropped after the first, and the rest is cut to maxDiagnostic
// characters.
func trimDiagnostic(s string) string {
	first := ""
	s = reReplyPrefix.ReplaceAllStringFunc(s, func(p string) string {
		mm := reReplyPrefix.FindStringSubmatch(p)
		key := mm[1] + " " + mm[2]
		switch {
		case first == "":
			first = key
			return p
		case key == first:
			return ""
		}
		return p
	})
	s = strings.TrimSpace(s)
	if utf8.RuneCountInString(s) > maxDiagnostic {
		n := 0
		for i := range s {
			if n == maxDiagnostic {
				s = strings.TrimSpace(s[:i]) + "…"
				break
			}
			n++
		}
	}
	return s
}
