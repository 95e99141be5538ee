package clientkey_test

import (
	"fmt"
	"net/netip"

	"praxis/listserv/clientkey"
)

// Two addresses of one IPv6 host are one client; an IPv4 client is its
// address, however it reached the socket.
func ExampleOf() {
	for _, s := range []string{"198.51.100.7", "::ffff:198.51.100.7", "2001:db8:aa:bb::1", "2001:db8:aa:bb:1::2"} {
		fmt.Println(clientkey.Of(netip.MustParseAddr(s)))
	}
	// Output:
	// 198.51.100.7
	// 198.51.100.7
	// 2001:db8:aa:bb::/64
	// 2001:db8:aa:bb::/64
}
