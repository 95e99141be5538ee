package listserv

import "praxis/listserv/inbound"

// The address scheme and the spool live in the inbound room; these names
// keep the domain's vocabulary in one place for its callers.
type (
	Route    = inbound.Route
	Envelope = inbound.Envelope
)

var (
	ErrNoSuchAddress   = inbound.ErrNoSuchAddress
	ErrRelayDenied     = inbound.ErrRelayDenied
	ErrAmbiguousAuthor = inbound.ErrAmbiguousAuthor
)

// ParseRoute splits rcpt into a list address and a kind (inbound.ParseRoute).
func ParseRoute(rcpt string) (Route, bool) { return inbound.ParseRoute(rcpt) }

// Address returns the list's address of the given kind (inbound.Address).
func Address(list, kind string) string { return inbound.Address(list, kind) }

// Inbound is the receiver the transport adapters hand mail to.
func (s *Service) Inbound() inbound.Receiver { return s.in }
