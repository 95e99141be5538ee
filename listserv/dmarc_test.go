package listserv

// setDMARC gives a test's Service a DMARC checker after New.
func (s *Service) setDMARC(d DMARC) {
	s.cfg.DMARC = d
	s.wire(s.unsubKey, s.verpKey)
}
