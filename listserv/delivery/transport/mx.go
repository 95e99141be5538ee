package transport

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/netip"
	"slices"
	"strings"
)

// maxMXAttempts bounds the connections one Open tries, so a domain
// listing dozens of unreachable addresses cannot hold a worker for dozens
// of dial timeouts.
const maxMXAttempts = 10

// MX delivers straight to each recipient domain's mail exchangers.
type MX struct {
	opts Options
}

var _ Transport = (*MX)(nil)

// NewMX returns a transport delivering to MX hosts on opts.MXPort.
func NewMX(opts Options) *MX {
	return &MX{opts: opts.withDefaults()}
}

// Route is the lower-cased domain: sessions are per destination domain.
func (m *MX) Route(rcptDomain string) string {
	return strings.ToLower(strings.TrimSuffix(rcptDomain, "."))
}

// Open connects to the first of domain's mail exchangers that answers,
// in the order of RFC 5321 §5.1.
func (m *MX) Open(ctx context.Context, domain string) (Session, error) {
	hosts, implicit, err := m.exchangers(ctx, domain)
	if err != nil {
		return nil, err
	}
	var (
		failures []error
		last     *Error
		allFinal = true // every host refused us with a 5xx, or does not exist
		attempts = 0
	)
	fail := func(e *Error) {
		failures = append(failures, e)
		last = e
		if e.Code/100 != 5 && e.Temporary {
			allFinal = false
		}
	}
	for _, host := range hosts {
		addrs, err := m.opts.Resolver.LookupNetIP(ctx, "ip", host)
		if err != nil {
			if implicit && isNotFound(err) {
				// RFC 5321 §5.1: no MX and no address: the
				// domain cannot receive mail.
				return nil, permanent("MX lookup", "5.1.2", "domain "+domain+" has no MX or address records", err)
			}
			fail(dnsError("address lookup", "MX host "+host, err))
			continue
		}
		for _, a := range addrs {
			if attempts == maxMXAttempts {
				break
			}
			attempts++
			addr := netip.AddrPortFrom(a.Unmap(), uint16(m.opts.MXPort)).String()
			s, err := m.connect(ctx, host, addr)
			if err == nil {
				return s, nil
			}
			var e *Error
			if !errors.As(err, &e) {
				e = classify("connect", err)
			}
			m.opts.Logger.Debug("MX host failed", "domain", domain, "remote", addr, "err", err)
			fail(e)
			if ctx.Err() != nil {
				return nil, temporary("connect", "", "cancelled", context.Cause(ctx))
			}
		}
	}
	if last == nil {
		return nil, temporary("connect", "4.4.4", "no usable address for the MX hosts of "+domain, nil)
	}
	e := &Error{
		Temporary: !allFinal,
		Code:      last.Code,
		Enhanced:  last.Enhanced,
		Op:        "connect",
		Message:   fmt.Sprintf("no MX host of %s accepted a session (%d tried); last: %v", domain, len(failures), last),
		Err:       errors.Join(failures...),
	}
	if e.Code != 0 {
		// Keep the last server's own words for the bounce.
		e.Message = last.Message
	}
	return nil, e
}

// connect opens a session with opportunistic STARTTLS, and again in
// plaintext when the TLS handshake fails: a server that offers STARTTLS
// but cannot complete it would otherwise never get mail from us, and it
// would get it in plaintext from everyone else anyway.
func (m *MX) connect(ctx context.Context, host, addr string) (Session, error) {
	p := dialParams{addr: addr, mode: tlsOpportunistic, tlsConfig: mxTLSConfig(host)}
	s, err := connect(ctx, &m.opts, p)
	if err != nil && errors.Is(err, errHandshake) {
		m.opts.Logger.Info("STARTTLS failed; delivering without TLS", "remote", addr, "err", err)
		p.mode = tlsNone
		s, err = connect(ctx, &m.opts, p)
	}
	if err != nil {
		return nil, err
	}
	return s, nil
}

// mxTLSConfig accepts any certificate. Without DANE (RFC 7672) or MTA-STS
// (RFC 8461) nothing says which certificate an MX host should have, and
// most have none a public CA would vouch for under the MX name; refusing
// them would mean falling back to plaintext, which protects against no
// one. Unauthenticated encryption still defeats passive eavesdropping
// (RFC 7435, opportunistic security), so it beats plaintext.
func mxTLSConfig(host string) *tls.Config {
	return &tls.Config{
		ServerName:         host,
		InsecureSkipVerify: true, // see above: encryption without authentication
	}
}

// exchangers returns the hosts to try for domain, best first. implicit is
// set when the domain has no MX records and stands for itself.
func (m *MX) exchangers(ctx context.Context, domain string) (hosts []string, implicit bool, err error) {
	domain = strings.TrimSuffix(domain, ".")
	if domain == "" {
		return nil, false, permanent("MX lookup", "5.1.2", "empty recipient domain", nil)
	}
	if lit, ok := strings.CutPrefix(domain, "["); ok {
		// An address literal (RFC 5321 §4.1.3) is its own host.
		lit = strings.TrimSuffix(lit, "]")
		lit, _ = strings.CutPrefix(lit, "IPv6:")
		ip, err := netip.ParseAddr(lit)
		if err != nil {
			return nil, false, permanent("MX lookup", "5.1.2", "malformed address literal "+domain, err)
		}
		return []string{ip.String()}, true, nil
	}
	mxs, err := m.opts.Resolver.LookupMX(ctx, domain)
	if err != nil && len(mxs) == 0 {
		if isNotFound(err) {
			// RFC 5321 §5.1: without MX records the domain is
			// its own, implicit, MX. Whether it exists at all
			// shows when its addresses are looked up.
			return []string{domain}, true, nil
		}
		return nil, false, dnsError("MX lookup", domain, err)
	}
	// RFC 5321 §5.1: lowest preference first, and a random order
	// among equals to spread the load.
	rand.Shuffle(len(mxs), func(i, j int) { mxs[i], mxs[j] = mxs[j], mxs[i] })
	slices.SortStableFunc(mxs, func(a, b *net.MX) int { return int(a.Pref) - int(b.Pref) })
	for _, mx := range mxs {
		host := strings.ToLower(strings.TrimSuffix(mx.Host, "."))
		if host == "" {
			// The null MX "." (RFC 7505 §3) names no host.
			continue
		}
		if !slices.Contains(hosts, host) {
			hosts = append(hosts, host)
		}
	}
	if len(hosts) == 0 {
		// RFC 7505 §3: the domain accepts no mail; status 5.1.10 is
		// the one RFC 7505 registers for this.
		return nil, false, permanent("MX lookup", "5.1.10", "domain "+domain+" accepts no mail (null MX)", nil)
	}
	return hosts, false, nil
}

func isNotFound(err error) bool {
	var de *net.DNSError
	return errors.As(err, &de) && de.IsNotFound
}

// dnsError classifies a failed look-up: a name that does not exist is
// permanent, anything else (timeouts, SERVFAIL) temporary.
func dnsError(op, name string, err error) *Error {
	if isNotFound(err) {
		return permanent(op, "5.1.2", name+" does not exist", err)
	}
	// RFC 3463 §3.5: X.4.3, directory server failure.
	return temporary(op, "4.4.3", "DNS look-up of "+name+" failed", err)
}
