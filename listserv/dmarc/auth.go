package dmarc

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/emersion/go-msgauth/dkim"
)

// Verdict is the outcome of authenticating a post's From domain.
type Verdict int

// The zero Verdict is none of these, so a forgotten assignment cannot read
// as Pass.
const (
	// Pass: a valid DKIM signature is aligned with the From domain.
	Pass Verdict = iota + 1
	// Fail: the From domain publishes a DMARC policy and no valid
	// signature is aligned with it. Whoever sent the post may not be the
	// author it names.
	Fail
	// None: the From domain publishes no DMARC policy, so there is
	// nothing to enforce and nothing to conclude.
	None
	// TempError: the DNS did not answer; try again later, or treat the
	// sender as unknown.
	TempError
)

// String returns the result names of RFC 8601 §2.7.1 (Authentication-
// Results), which is where a verdict ends up when it is logged or recorded.
func (v Verdict) String() string {
	switch v {
	case Pass:
		return "pass"
	case Fail:
		return "fail"
	case None:
		return "none"
	case TempError:
		return "temperror"
	}
	return fmt.Sprintf("Verdict(%d)", int(v))
}

// maxSignatures bounds the signatures verified per post. Each costs a DNS
// query and an RSA verification, and a post carrying hundreds should not
// be able to buy that much of our time. Real mail has one to three.
const maxSignatures = 8

// Authenticate decides whether raw really comes from fromDomain, the
// domain of its From address, in the DMARC sense (RFC 7489 §3.1): the
// domain publishes a policy, and a valid DKIM signature (RFC 6376) has a d=
// aligned with it, relaxed (same organizational domain) or strict (the
// same domain) as the policy's adkim= says (§3.1.1).
//
// SPF is not evaluated: Praxis normally sits behind an MTA that received
// the message, so the SMTP client's address and MAIL FROM it sees belong to
// that MTA, not to the author's. DKIM alone can therefore Fail posts that
// SPF alignment would have let pass; the caller only holds such posts for
// moderation, it does not reject them.
//
// The reason says what decided the verdict, for logs and moderation
// notices.
func (c *Checker) Authenticate(ctx context.Context, raw []byte, fromDomain string) (Verdict, string) {
	p, err := c.Lookup(ctx, fromDomain)
	if errors.Is(err, ErrInvalidDomain) {
		// A From domain that cannot exist cannot be authenticated.
		return Fail, err.Error()
	}
	if err != nil {
		return TempError, err.Error()
	}
	if !p.Found {
		return None, "no DMARC policy for " + p.Domain
	}

	lookup := func(name string) ([]string, error) {
		qctx, cancel := context.WithTimeout(ctx, c.opts.Timeout)
		defer cancel()
		// Absolute, like the DMARC queries; go-msgauth reads a
		// *net.DNSError that is temporary as a temporary failure.
		return c.r.LookupTXT(qctx, strings.TrimSuffix(name, ".")+".")
	}
	vs, err := dkim.VerifyWithOptions(bytes.NewReader(raw), &dkim.VerifyOptions{
		LookupTXT:        lookup,
		MaxVerifications: maxSignatures,
	})
	if err != nil && !errors.Is(err, dkim.ErrTooManySignatures) {
		// The header could not be read, so no signature in it counts.
		return Fail, fmt.Sprintf("policy %s for %s, and the message cannot be verified: %v", p.Effective(), p.Domain, err)
	}

	var notes []string
	tempFail := false
	for _, v := range vs {
		d := strings.ToLower(strings.TrimSuffix(v.Domain, "."))
		isAligned := aligned(d, p.Domain, p.ADKIM)
		switch {
		case v.Err == nil && isAligned:
			return Pass, fmt.Sprintf("DKIM signature by %s aligned with %s (adkim=%s)", d, p.Domain, p.ADKIM)
		case v.Err == nil:
			notes = append(notes, fmt.Sprintf("d=%s valid but not aligned", d))
		default:
			if isAligned && dkim.IsTempFail(v.Err) {
				tempFail = true
			}
			notes = append(notes, fmt.Sprintf("d=%s: %v", d, v.Err))
		}
	}
	if tempFail {
		// An aligned signature might have verified had its key been
		// reachable: a TEMPFAIL, not a failure (RFC 6376 §6.1.2).
		return TempError, fmt.Sprintf("policy %s for %s; key look-up failed: %s", p.Effective(), p.Domain, strings.Join(notes, "; "))
	}
	if len(notes) == 0 {
		notes = append(notes, "no DKIM signature")
	}
	return Fail, fmt.Sprintf("policy %s for %s, no aligned DKIM signature: %s", p.Effective(), p.Domain, strings.Join(notes, "; "))
}

// aligned reports whether the signing domain d is aligned with the author
// domain from (RFC 7489 §3.1.1). Both are lower case.
func aligned(d, from, mode string) bool {
	if d == "" {
		return false
	}
	if mode == AlignStrict {
		return d == from
	}
	return orgDomain(d) == orgDomain(from)
}
