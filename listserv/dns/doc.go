// Package dns chooses the resolver Praxis uses for every look-up it makes on
// its own behalf: MX hosts for outbound delivery, DMARC policies and DKIM
// keys for inbound checks.
//
// By default that is the system's resolver (net.DefaultResolver). The --dns
// flag points Praxis at one server instead, which is what a test needs (a
// dnstest.Server on 127.0.0.1) and what an operator wants when the system's
// resolver is not one they trust for mail (a validating local resolver,
// say).
package dns
