package dnstest

import (
	"fmt"
	"net/netip"
	"strings"

	"golang.org/x/net/dns/dnsmessage"
)

// DefaultTTL is the TTL of records whose TTL is left at zero.
const DefaultTTL = 300

// Zone maps owner names to their records. Names are case-insensitive and may
// be written with or without the trailing dot.
type Zone map[string][]RR

// RR is one resource record. Build them with A, AAAA, MX, TXT and CNAME;
// the fields are exported so a test can adjust a TTL.
type RR struct {
	Type dnsmessage.Type
	TTL  uint32     // seconds; 0 means DefaultTTL
	IP   netip.Addr // A and AAAA
	Host string     // MX exchange or CNAME target
	Pref uint16     // MX preference
	Text string     // TXT, split into 255-byte strings on the wire
}

// A is an IPv4 address record. It panics on a malformed address: zones are
// written by tests, and a typo should fail loudly.
func A(ip string) RR {
	addr := netip.MustParseAddr(ip)
	if !addr.Is4() {
		panic(fmt.Sprintf("dnstest: A record needs an IPv4 address, got %q", ip))
	}
	return RR{Type: dnsmessage.TypeA, IP: addr}
}

// AAAA is an IPv6 address record.
func AAAA(ip string) RR {
	addr := netip.MustParseAddr(ip)
	if !addr.Is6() || addr.Is4In6() {
		panic(fmt.Sprintf("dnstest: AAAA record needs an IPv6 address, got %q", ip))
	}
	return RR{Type: dnsmessage.TypeAAAA, IP: addr}
}

// MX is a mail exchanger record. MX(0, ".") is a null MX (RFC 7505).
func MX(pref uint16, host string) RR {
	return RR{Type: dnsmessage.TypeMX, Pref: pref, Host: host}
}

// TXT is a text record holding text, whatever its length.
func TXT(text string) RR {
	return RR{Type: dnsmessage.TypeTXT, Text: text}
}

// CNAME is an alias record.
func CNAME(target string) RR {
	return RR{Type: dnsmessage.TypeCNAME, Host: target}
}

// canonical is the form names are stored and counted in: lower case and
// fully qualified, since DNS names compare case-insensitively (RFC 4343).
func canonical(name string) string {
	name = strings.ToLower(name)
	if !strings.HasSuffix(name, ".") {
		name += "."
	}
	return name
}

// splitText cuts a TXT record into character-strings, which hold at most
// 255 octets each (RFC 1035 §3.3.14); readers concatenate them (RFC 7208
// §3.3, RFC 6376 §3.6.2.2).
func splitText(text string) []string {
	if text == "" {
		return []string{""}
	}
	var parts []string
	for len(text) > 255 {
		parts = append(parts, text[:255])
		text = text[255:]
	}
	return append(parts, text)
}

// add appends rr, owned by owner, to the message being built.
func (rr RR) add(b *dnsmessage.Builder, owner dnsmessage.Name) error {
	ttl := rr.TTL
	if ttl == 0 {
		ttl = DefaultTTL
	}
	h := dnsmessage.ResourceHeader{Name: owner, Class: dnsmessage.ClassINET, TTL: ttl}
	switch rr.Type {
	case dnsmessage.TypeA:
		return b.AResource(h, dnsmessage.AResource{A: rr.IP.As4()})
	case dnsmessage.TypeAAAA:
		return b.AAAAResource(h, dnsmessage.AAAAResource{AAAA: rr.IP.As16()})
	case dnsmessage.TypeMX:
		host, err := dnsmessage.NewName(canonical(rr.Host))
		if err != nil {
			return fmt.Errorf("MX %q: %w", rr.Host, err)
		}
		return b.MXResource(h, dnsmessage.MXResource{Pref: rr.Pref, MX: host})
	case dnsmessage.TypeTXT:
		return b.TXTResource(h, dnsmessage.TXTResource{TXT: splitText(rr.Text)})
	case dnsmessage.TypeCNAME:
		target, err := dnsmessage.NewName(canonical(rr.Host))
		if err != nil {
			return fmt.Errorf("CNAME %q: %w", rr.Host, err)
		}
		return b.CNAMEResource(h, dnsmessage.CNAMEResource{CNAME: target})
	}
	return fmt.Errorf("dnstest: unsupported record type %v", rr.Type)
}
