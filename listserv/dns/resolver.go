package dns

import (
	"context"
	"net"
	"time"
)

// DialTimeout bounds how long the resolver waits to reach the configured
// server. The resolver's own per-query timeout and attempts (resolv.conf
// "timeout" and "attempts", 5s × 2 by default) still bound the answer.
const DialTimeout = 5 * time.Second

// NewResolver returns the resolver for --dns addr. An empty addr means the
// system's resolver. Otherwise every query goes to addr (host:port), over UDP
// or TCP as the resolver asks: Go's resolver falls back to TCP itself when a
// UDP answer comes back truncated (RFC 1035 §4.2.2, RFC 7766).
//
// Go's *net.DNSError still names the server from resolv.conf ("lookup x on
// 10.0.0.53:53"): the resolver picks that address before Dial replaces it.
// The query went to addr all the same.
func NewResolver(addr string) *net.Resolver {
	if addr == "" {
		return net.DefaultResolver
	}
	d := &net.Dialer{Timeout: DialTimeout}
	return &net.Resolver{
		// Only the pure-Go resolver calls Dial; cgo's getaddrinfo would
		// ask the system's servers whatever we said here.
		PreferGo: true,
		Dial: func(ctx context.Context, network, _ string) (net.Conn, error) {
			// The address the resolver offers comes from resolv.conf;
			// ignoring it is the point of --dns.
			return d.DialContext(ctx, network, addr)
		},
	}
}
