package web

import (
	"net/http"
	"net/netip"
	"strings"

	"praxis/listserv/clientkey"
)

// client is the key a request is limited and queued by: the address of
// whoever sent it. Behind a reverse proxy every request comes from the
// proxy, so for a peer in Config.TrustedProxies the X-Forwarded-For chain
// is read instead, from the right: each proxy appends the address it got
// the request from, so the right-most address that is not itself a
// trusted proxy is the first hop nobody trusted vouches beyond. Anything
// to its left was written by the client and is ignored, and from an
// untrusted peer the header is ignored whole, so nobody can choose their
// own key by sending the header.
//
// An IPv6 client is keyed by its /64, the block one subscriber gets
// (RFC 6177 §3): within it any address is theirs to use, so a key per
// address would give one person as many rate buckets as they like.
func (s *Server) client(r *http.Request) string {
	peer := remoteAddr(r.RemoteAddr)
	if !peer.IsValid() {
		return r.RemoteAddr
	}
	if s.trusted(peer) {
		peer = forwardedFor(r.Header.Values("X-Forwarded-For"), peer, s.trusted)
	}
	return clientkey.Of(peer)
}

// trusted tells whether a is one of the configured reverse proxies.
func (s *Server) trusted(a netip.Addr) bool {
	for _, p := range s.cfg.TrustedProxies {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// forwardedFor walks the X-Forwarded-For chain (all the header's fields,
// in order) from the right, starting at the trusted peer, and returns the
// first address not trusted. An entry that is not an address ends the
// walk at the last good one: a proxy we trust never writes such a thing,
// so it came from beyond the trusted hops.
func forwardedFor(fields []string, peer netip.Addr, trusted func(netip.Addr) bool) netip.Addr {
	var hops []string
	for _, f := range fields {
		hops = append(hops, strings.Split(f, ",")...)
	}
	got := peer
	for i := len(hops) - 1; i >= 0 && trusted(got); i-- {
		a := remoteAddr(strings.TrimSpace(hops[i]))
		if !a.IsValid() {
			break
		}
		got = a
	}
	return got
}

// remoteAddr reads "ip", "ip:port", "[v6]:port" or "[v6]"; the zero Addr
// when it is none of them.
func remoteAddr(s string) netip.Addr {
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return ap.Addr().Unmap()
	}
	s = strings.TrimSuffix(strings.TrimPrefix(s, "["), "]")
	if a, err := netip.ParseAddr(s); err == nil {
		return a.Unmap().WithZone("")
	}
	return netip.Addr{}
}
