package listserv

import (
	"context"

	"praxis/listserv/dmarc"
)

// DMARC is what the list needs to know about an author's domain: its
// policy, and whether a post passes it. *dmarc.Checker is the real one.
type DMARC interface {
	Authenticate(ctx context.Context, raw []byte, fromDomain string) (dmarc.Verdict, string)
	Lookup(ctx context.Context, fromDomain string) (dmarc.Policy, error)
	Signed(ctx context.Context, raw []byte, fromDomain string) bool
}

var _ DMARC = (*dmarc.Checker)(nil)

// authorTrusted decides whether a post's From may be taken at its word for
// the moderation rules. Only a domain that asks receivers to act on
// failures (quarantine, reject) makes its unauthenticated mail a
// non-member's: SPF is the front MTA's business, and without it many p=none
// domains' mail carries no aligned signature at all. A DNS failure proves
// no forgery, and holding every post while a resolver is down would stop the
// list: logged and let through.
func (s *Service) authorTrusted(ctx context.Context, raw []byte, domain string) (bool, string) {
	if s.dmarc == nil {
		return true, ""
	}
	v, why := s.dmarc.Authenticate(ctx, raw, domain)
	switch v {
	case dmarc.Pass, dmarc.None:
		return true, why
	case dmarc.TempError:
		s.log.Warn("DMARC check could not be made", "domain", domain, "err", why)
		return true, why
	}
	if p, err := s.dmarc.Lookup(ctx, domain); err == nil && !p.Strict() {
		return true, why
	}
	return false, why
}

// senderProven tells whether a command mail really comes from its From:
// only a DKIM signature aligned with the From domain proves it (DMARC
// pass). Commands that act on the sender's word alone (set, who, and
// joining an open list) need it.
func (s *Service) senderProven(ctx context.Context, raw []byte, domain string) bool {
	if s.dmarc == nil {
		return false
	}
	return s.dmarc.Signed(ctx, raw, domain)
}

// strictDMARC tells whether copies of a post by an author of domain must
// not carry the author's From.
func (s *Service) strictDMARC(ctx context.Context, domain string) (bool, error) {
	if s.dmarc == nil {
		return false, nil
	}
	p, err := s.dmarc.Lookup(ctx, domain)
	return p.Strict(), err
}
