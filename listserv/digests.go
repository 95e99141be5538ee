package listserv

import "praxis/listserv/digest/schedule"

// The digest room's names, for the Service's callers.
type (
	Period       = schedule.Period
	DigestReport = schedule.DigestReport
)

const (
	KindDigest  = schedule.KindDigest
	KindSummary = schedule.KindSummary
)

// Digests is the digest and summary room.
func (s *Service) Digests() *schedule.Digests { return s.digests }
