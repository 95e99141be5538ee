// Package loopport picks loopback ports for the daemons tests start
// (Dovecot, spamd, rspamd), which bind the port a moment after it is
// picked, and again after a restart.
//
// A port is picked below the kernel's range of ports for outgoing
// connections (ip_local_port_range, 32768-60999 on Debian): a port of
// that range may meanwhile become the local end of some test's
// connection, which the daemon's bind then refuses (a race seen in CI).
// Each caller picks from its own 4,000 ports, so that two packages'
// tests running at once do not race each other either; .ci/postgres
// takes the 4,000 just under the range (5,000 to 1,000 below it).
package loopport

import (
	"math/rand/v2"
	"net"
	"os"
	"strconv"
	"strings"
)

// Free returns a loopback port nothing listens on now, from the 4,000
// that start below ports under the kernel's range for outgoing
// connections; when that range starts too low for it, or none of 100
// tries is free, a port the kernel gives.
func Free(below int) (int, error) {
	low := 32768
	if b, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range"); err == nil {
		if f := strings.Fields(string(b)); len(f) == 2 {
			if n, err := strconv.Atoi(f[0]); err == nil {
				low = n
			}
		}
	}
	if low-below > 1024 {
		for range 100 {
			p := low - below + rand.IntN(4000)
			if ln, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(p)); err == nil {
				ln.Close()
				return p, nil
			}
		}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}
