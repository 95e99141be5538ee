package listserv

import "praxis/listserv/authorship"

// DMARC is what the list needs to know about an author's domain
// (authorship.DMARC; *dmarc.Checker is the real one).
type DMARC = authorship.DMARC
