package listserv

import "praxis/listserv/authorship"

// setDMARC gives a test's Service a DMARC checker after New.
func (s *Service) setDMARC(d DMARC) { s.authors = authorship.New(d, s.store, s.log, s.now) }
