package spam

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"sync"
)

// blocklists asks every zone about ip at once and returns the listings,
// "zone (answer)", in the zones' order.
func (c *Checker) blocklists(ctx context.Context, ip netip.Addr) []string {
	if len(c.cfg.Zones) == 0 {
		return nil
	}
	found := make([]string, len(c.cfg.Zones))
	var wg sync.WaitGroup
	for i, zone := range c.cfg.Zones {
		wg.Add(1)
		go func() {
			defer wg.Done()
			found[i] = c.listing(ctx, zone, ip)
		}()
	}
	wg.Wait()
	var out []string
	for _, f := range found {
		if f != "" {
			out = append(out, f)
		}
	}
	return out
}

// listing asks zone about ip: "zone (127.0.0.2)" when listed, "" when not,
// or when the zone gave no usable answer (logged).
func (c *Checker) listing(ctx context.Context, zone string, ip netip.Addr) string {
	name := QueryName(ip, zone)
	addrs, err := c.cfg.Resolver.LookupNetIP(ctx, "ip4", name)
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) && dnsErr.IsNotFound {
		return ""
	}
	if err != nil {
		c.cfg.Log.Warn("dnsbl: no answer", "zone", zone, "err", err)
		return ""
	}
	var codes []string
	for _, a := range addrs {
		b := a.Unmap().As4()
		switch {
		case b[0] != 127:
			// RFC 5782 §2.1: answers are in 127.0.0.0/8; anything else is
			// a wildcard or a hijacked zone, not a listing.
			c.cfg.Log.Warn("dnsbl: answer outside 127/8, ignored", "zone", zone, "answer", a)
		case b[1] == 255 && b[2] == 255:
			// Spamhaus and others answer 127.255.255.x for an error
			// (a public resolver, a query limit): no listing.
			c.cfg.Log.Warn("dnsbl: the zone answered an error code, ignored", "zone", zone, "answer", a)
		default:
			codes = append(codes, a.String())
		}
	}
	if len(codes) == 0 {
		return ""
	}
	return fmt.Sprintf("%s (%s)", zone, strings.Join(codes, ", "))
}

// QueryName is the name a zone is asked for ip (RFC 5782 §2.1, §2.4): an
// IPv4 address's octets reversed, an IPv6 address's 32 nibbles reversed.
func QueryName(ip netip.Addr, zone string) string {
	ip = ip.Unmap()
	var parts []string
	if ip.Is4() {
		b := ip.As4()
		for i := 3; i >= 0; i-- {
			parts = append(parts, fmt.Sprint(b[i]))
		}
	} else {
		b := ip.As16()
		for i := 15; i >= 0; i-- {
			parts = append(parts, fmt.Sprintf("%x", b[i]&0x0f), fmt.Sprintf("%x", b[i]>>4))
		}
	}
	return strings.Join(parts, ".") + "." + zone + "."
}
