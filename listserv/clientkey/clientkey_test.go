package clientkey

import (
	"net/netip"
	"testing"
)

func TestOf(t *testing.T) {
	for _, tt := range []struct {
		name string
		a    netip.Addr
		want string
	}{
		{"IPv4", netip.MustParseAddr("192.0.2.1"), "192.0.2.1"},
		{"IPv4-mapped IPv6", netip.MustParseAddr("::ffff:192.0.2.1"), "192.0.2.1"},
		{"IPv4 from a 16-byte slice", netip.AddrFrom16(netip.MustParseAddr("192.0.2.1").As16()), "192.0.2.1"},
		{"IPv6", netip.MustParseAddr("2001:db8:1:2:3:4:5:6"), "2001:db8:1:2::/64"},
		{"IPv6 same /64", netip.MustParseAddr("2001:db8:1:2:ffff::9"), "2001:db8:1:2::/64"},
		{"IPv6 next /64", netip.MustParseAddr("2001:db8:1:3::1"), "2001:db8:1:3::/64"},
		{"IPv6 loopback", netip.MustParseAddr("::1"), "::/64"},
		{"IPv6 with a zone", netip.MustParseAddr("fe80::1%eth0"), "fe80::/64"},
		{"IPv6 same /64, other zone", netip.MustParseAddr("fe80::2%eth1"), "fe80::/64"},
		{"zero Addr", netip.Addr{}, Unknown},
	} {
		if got := Of(tt.a); got != tt.want {
			t.Errorf("%s: Of(%v) = %q, want %q", tt.name, tt.a, got, tt.want)
		}
	}
	// Invalid input to the callers' conversions ends as the zero Addr.
	if a, ok := netip.AddrFromSlice(nil); ok || Of(a) != Unknown {
		t.Errorf("a nil IP: Of = %q", Of(a))
	}
	if a, ok := netip.AddrFromSlice([]byte{1, 2, 3}); ok || Of(a) != Unknown {
		t.Errorf("a 3-byte IP: Of = %q", Of(a))
	}
}
