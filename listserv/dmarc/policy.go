package dmarc

import (
	"net/url"
	"strconv"
	"strings"
)

// Policy values of the p= and sp= tags (RFC 7489 §6.3).
const (
	PolicyNone       = "none"
	PolicyQuarantine = "quarantine"
	PolicyReject     = "reject"
)

// Alignment modes of the adkim= and aspf= tags (RFC 7489 §3.1).
const (
	AlignRelaxed = "r"
	AlignStrict  = "s"
)

// Policy is the DMARC policy that applies to mail from one author domain.
type Policy struct {
	// Domain is the author domain that was asked about, lower case and in
	// A-label form, without a trailing dot.
	Domain string
	// P is the p= tag: none, quarantine or reject. Empty when !Found.
	P string
	// SP is the sp= tag, empty when the record has none. It applies only
	// when the record was found at the organizational domain (Inherited).
	SP string
	// Pct is the pct= tag, 0–100; 100 when absent.
	Pct int
	// ADKIM and ASPF are the alignment modes, r or s; r when absent.
	ADKIM, ASPF string
	// Found reports whether a DMARC record applies to Domain. A domain
	// without one asks nothing of receivers.
	Found bool
	// OrgDomain is Domain's organizational domain (RFC 7489 §3.2), found
	// with the Public Suffix List; Domain itself when that is one.
	OrgDomain string
	// Inherited reports that Domain has no record of its own and the one
	// at OrgDomain applies (RFC 7489 §6.6.3 step 3).
	Inherited bool
}

// Effective is the policy in force for mail from p.Domain: sp= when the
// record was inherited from the organizational domain and has one, else p=
// (RFC 7489 §6.3, "sp"). It is empty when no record was found.
func (p Policy) Effective() string {
	if !p.Found {
		return ""
	}
	if p.Inherited && p.SP != "" {
		return p.SP
	}
	return p.P
}

// Strict reports whether receivers are asked to quarantine or reject mail
// from p.Domain that fails DMARC, which is what a list's relayed copies do
// once the list has changed the subject or body. Pct is ignored: a copy
// that 10% of receivers reject is still lost mail, so Praxis munges
// whenever the policy is not none (as Mailman does).
func (p Policy) Strict() bool {
	switch p.Effective() {
	case PolicyQuarantine, PolicyReject:
		return true
	}
	return false
}

// isRecord reports whether txt is a DMARC record: one whose first tag is
// v=DMARC1 (RFC 7489 §6.6.3 step 2). Tag names are case-insensitive, the
// version value is not (§6.4, "dmarc-version").
func isRecord(txt string) bool {
	first, _, _ := strings.Cut(txt, ";")
	k, v, ok := strings.Cut(first, "=")
	return ok && strings.EqualFold(strings.TrimSpace(k), "v") && strings.TrimSpace(v) == "DMARC1"
}

// parseRecord reads the tags of a DMARC record into p and reports whether
// the record can be applied; p is left alone when it cannot.
//
// It is lenient where RFC 7489 §6.3 asks for leniency: unknown tags are
// ignored, and a bad value of an optional tag (pct, adkim, aspf) falls back
// to the default rather than discarding the whole record. go-msgauth's
// dmarc.Parse rejects the record instead, which for a p=reject domain would
// mean relaying unmunged copies that receivers then reject.
//
// An sp= that is not a policy is ignored too, so that p= applies to
// subdomains. RFC 7489 §6.6.3 step 6 would discard the record (or read it as
// p=none), but for a list the cost of munging needlessly is a rewritten
// From, and the cost of not munging is lost mail.
//
// Without a valid p=, step 6 applies: the record reads as p=none when rua=
// names at least one URI, and is not applied otherwise.
func parseRecord(txt string, p *Policy) bool {
	if !isRecord(txt) {
		return false
	}
	tags := map[string]string{}
	for _, field := range strings.Split(txt, ";") {
		k, v, ok := strings.Cut(field, "=")
		if !ok {
			continue
		}
		k = strings.ToLower(strings.TrimSpace(k))
		if _, dup := tags[k]; !dup {
			tags[k] = strings.TrimSpace(v)
		}
	}
	policy := policyValue(tags["p"])
	if policy == "" {
		if !hasURI(tags["rua"]) {
			return false
		}
		policy = PolicyNone
	}
	pct := 100
	if s, ok := tags["pct"]; ok {
		if n, err := strconv.Atoi(s); err == nil && n >= 0 && n <= 100 {
			pct = n
		}
	}
	p.P, p.SP, p.Pct = policy, policyValue(tags["sp"]), pct
	p.ADKIM, p.ASPF = alignValue(tags["adkim"]), alignValue(tags["aspf"])
	return true
}

// policyValue returns v as a policy, or "" when it is not one. The values
// are ABNF literals, hence case-insensitive (RFC 5234 §2.3).
func policyValue(v string) string {
	switch v = strings.ToLower(v); v {
	case PolicyNone, PolicyQuarantine, PolicyReject:
		return v
	}
	return ""
}

func alignValue(v string) string {
	if strings.EqualFold(v, AlignStrict) {
		return AlignStrict
	}
	return AlignRelaxed
}

// hasURI reports whether a rua= value holds at least one absolute URI
// (RFC 7489 §6.4, "dmarc-uri"; each may carry a "!size" suffix).
func hasURI(v string) bool {
	for u := range strings.SplitSeq(v, ",") {
		u, _, _ = strings.Cut(strings.TrimSpace(u), "!")
		if parsed, err := url.Parse(u); err == nil && parsed.Scheme != "" && parsed.Opaque+parsed.Host+parsed.Path != "" {
			return true
		}
	}
	return false
}
