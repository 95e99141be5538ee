package clientkey

import "net/netip"

// Unknown is the key of a client with no address to go by; such clients
// share it, so that they are limited together rather than not at all.
const Unknown = "unknown"

// Of is the key of the client at a: an IPv4 address by itself (an
// IPv4-mapped IPv6 address counts as the IPv4 address it carries), an
// IPv6 address by its /64, written as a prefix ("2001:db8:1:2::/64").
// One subscriber gets a whole /64 (RFC 6177 §3) and may take any address
// in it, so a key per address would give one host as many buckets as it
// likes. A zone names the local interface, not the client, and is left
// out.
func Of(a netip.Addr) string {
	a = a.Unmap()
	switch {
	case a.Is4():
		return a.String()
	case a.Is6():
		p, _ := a.WithZone("").Prefix(64) // 64 ≤ 128: no error
		return p.String()
	}
	return Unknown
}
