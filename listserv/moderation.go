package listserv

import (
	"praxis/listserv/moderation"
)

// Moderation is the held queue (the moderation room).
func (s *Service) Moderation() *moderation.Queue { return s.held }
