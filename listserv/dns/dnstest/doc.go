// Package dnstest runs a small authoritative DNS server for tests, so that
// code doing MX, DMARC or DKIM look-ups can be tested against real DNS
// messages on 127.0.0.1 instead of a mocked resolver.
//
// A test describes the names it needs as a Zone, starts a Server with it and
// points a resolver at Server.Addr (praxis/listserv/dns.NewResolver). The
// server answers over UDP and TCP on the same port, truncates UDP answers
// that do not fit (so long TXT records exercise the TCP fallback), answers
// NXDOMAIN for names it does not hold, and counts the queries per name so a
// test can check that its caller caches.
package dnstest
