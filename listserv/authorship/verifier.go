package authorship

import (
	"context"
	"fmt"
	"log/slog"
	"net/mail"
	"strings"
	"time"

	"github.com/emersion/go-message/textproto"

	"praxis/listserv/check"
	"praxis/listserv/dmarc"
	"praxis/listserv/inbound"
	"praxis/listserv/mailmsg"
	"praxis/listserv/store"
)

// DMARC is what the list needs to know about an author's domain: its
// policy, and whether a post passes it. *dmarc.Checker is the real one.
type DMARC interface {
	Authenticate(ctx context.Context, raw []byte, fromDomain string) (dmarc.Verdict, string)
	Lookup(ctx context.Context, fromDomain string) (dmarc.Policy, error)
	Prove(ctx context.Context, raw []byte, fromDomain string) []dmarc.Proof
}

var _ DMARC = (*dmarc.Checker)(nil)

// Claims is the replay cache of signatures that proved a command.
type Claims interface {
	ClaimSignature(ctx context.Context, key string, spoolID int64, expires time.Time) (bool, error)
}

// Verifier decides whose mail a message is, as far as signatures prove.
type Verifier struct {
	dmarc  DMARC // nil: no DMARC checks (admin commands, tests)
	claims Claims
	log    *slog.Logger
	now    func() time.Time
}

// New builds a verifier; a nil d checks nothing: every author is taken at
// its word and no mailed command is proven.
func New(d DMARC, claims Claims, log *slog.Logger, now func() time.Time) *Verifier {
	return &Verifier{dmarc: d, claims: claims, log: log, now: now}
}

// Checking tells whether DMARC is checked at all.
func (s *Verifier) Checking() bool { return s.dmarc != nil }

// AuthorTrusted decides whether a post's From may be taken at its word for
// the moderation rules. Only a domain that asks receivers to act on
// failures (quarantine, reject) makes its unauthenticated mail a
// non-member's: SPF is the front MTA's business, and without it many p=none
// domains' mail carries no aligned signature at all. A DNS failure proves
// no forgery, and holding every post while a resolver is down would stop the
// list: logged and let through.
func (s *Verifier) AuthorTrusted(ctx context.Context, raw []byte, domain string) (bool, string) {
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

// AuthorUnsignable decides whether an author that no signature can vouch
// for (read from Sender or the envelope, or from a header whose lines a
// verifier and a reader see differently) may be taken at its word: only
// where its domain publishes no strict DMARC policy.
func (s *Verifier) AuthorUnsignable(ctx context.Context, domain string) (bool, string) {
	if s.dmarc == nil {
		return true, ""
	}
	p, err := s.dmarc.Lookup(ctx, domain)
	if err != nil {
		s.log.Warn("DMARC policy could not be looked up", "domain", domain, "err", err)
		return true, err.Error()
	}
	if p.Strict() {
		return false, "policy " + p.Effective() + " for " + p.Domain + ", and no From a signature could cover"
	}
	return true, ""
}

// A signed command is acted on only while it is fresh: its signed Date at
// most commandFreshness old, and at most commandClockSkew in the future.
const (
	commandFreshness = 24 * time.Hour
	commandClockSkew = time.Hour
)

// Header fields whose every instance a proving signature must cover: the
// author, the date that makes the mail fresh, and the subject, where a
// command may stand (a Subject added above a signed copy is how a signed
// post is replayed as a command).
var commandSigned = []string{"From", "Date", "Subject"}

// Header fields that decide how a command mail's body is read. Large
// providers do not all sign them (Gmail leaves Content-Type out), so one
// unsigned instance is accepted, but never one more than the signature
// covers: a second, added above, would be the one a reader obeys.
var commandMIME = []string{"Content-Type", "Content-Transfer-Encoding", "MIME-Version"}

// CommandProven tells whether a command mail really comes from sender and
// says what it is signed to say: one From field, naming sender; a header
// that a MIME reader and a DKIM verifier read alike; a valid DKIM signature
// aligned with sender's domain that covers commandSigned and commandMIME as
// above; for a -join address, a signed To or Cc that names it (the address
// is the command there, and a signed post sent on to another list's -join
// must not join its author); a fresh Date; and signatures no other mail has
// used (RFC 6376 §8.6: a signed message can be sent again by anyone who has
// a copy, such as the archive's raw download). The reason says what was
// missing, for the member.
func (s *Verifier) CommandProven(ctx context.Context, m *store.Message, sender string) (bool, string, error) {
	if s.dmarc == nil {
		return false, "no DKIM checking here", nil
	}
	fields := dmarc.Fields(m.Raw)
	if n := dmarc.CountFields(fields, "From"); n != 1 {
		return false, fmt.Sprintf("it has %d From fields", n), nil
	}
	if inbound.Summarize(m.Raw).HeaderSplit {
		return false, "its header has a line that is not a field", nil
	}
	for _, f := range fields {
		if strings.EqualFold(f.Name, "From") && !strings.EqualFold(mailmsg.LooseAddress(f.Value()), sender) {
			return false, "its From field cannot be read", nil
		}
	}
	var date time.Time
	for _, f := range fields {
		if strings.EqualFold(f.Name, "Date") {
			date, _ = mail.ParseDate(f.Value())
		}
	}
	now := s.now()
	switch {
	case dmarc.CountFields(fields, "Date") == 0:
		return false, "it has no Date field", nil
	case date.IsZero() || date.Before(now.Add(-commandFreshness)) || date.After(now.Add(commandClockSkew)):
		return false, "its Date is not within the last day", nil
	}
	proofs := s.dmarc.Prove(ctx, m.Raw, check.DomainOf(sender))
	if len(proofs) == 0 {
		return false, "it carries no valid DKIM signature of " + check.DomainOf(sender), nil
	}
	var good []dmarc.Proof
	why := ""
	for _, p := range proofs {
		if !p.Covers(fields, "From") || !p.Covers(fields, "Date") || !p.CoversAll(fields, commandSigned...) {
			why = "its DKIM signature does not cover its From, Date and Subject"
			continue
		}
		mime := true
		for _, name := range commandMIME {
			if dmarc.CountFields(fields, name) > max(1, p.Covered[strings.ToLower(name)]) {
				mime = false
			}
		}
		if !mime {
			why = "it has more MIME header fields than its DKIM signature covers"
			continue
		}
		if m.Kind == store.KindJoin && !signedNames(fields, p, m.Rcpt) {
			why = "its signed To and Cc do not name " + m.Rcpt
			continue
		}
		good = append(good, p)
	}
	if len(good) == 0 {
		return false, why, nil
	}
	// Every signature that proves it is claimed: a mail signed twice (RSA
	// and Ed25519, say) is not a second proof when sent again.
	for _, p := range good {
		mine, err := s.claims.ClaimSignature(ctx, p.Key, m.ID, date.Add(commandFreshness+commandClockSkew))
		if err != nil {
			return false, "", err
		}
		if !mine {
			return false, "the same signed mail was used before", nil
		}
	}
	return true, "", nil
}

// signedNames tells whether every To and Cc field is covered by the
// signature and one of them names addr.
func signedNames(fields []dmarc.Field, p dmarc.Proof, addr string) bool {
	if !p.CoversAll(fields, "To", "Cc") {
		return false
	}
	var h textproto.Header
	for _, f := range fields {
		if strings.EqualFold(f.Name, "To") || strings.EqualFold(f.Name, "Cc") {
			h.Add(f.Name, f.Value())
		}
	}
	return check.HeaderHasAddress(h, strings.ToLower(addr), "To", "Cc")
}

// StrictDMARC tells whether copies of a post by an author of domain must
// not carry the author's From.
func (s *Verifier) StrictDMARC(ctx context.Context, domain string) (bool, error) {
	if s.dmarc == nil {
		return false, nil
	}
	p, err := s.dmarc.Lookup(ctx, domain)
	return p.Strict(), err
}
