package loopport

import (
	"net"
	"os"
	"strconv"
	"strings"
	"testing"
)

// TestFreeBelowTheRange: the port is one nothing listens on, from the
// caller's 4,000 under the kernel's range for outgoing connections.
func TestFreeBelowTheRange(t *testing.T) {
	b, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range")
	if err != nil {
		t.Skip("no ip_local_port_range here")
	}
	low, err := strconv.Atoi(strings.Fields(string(b))[0])
	if err != nil || low-13000 <= 1024 {
		t.Skipf("the range starts at %q", b)
	}
	for _, below := range []int{13000, 9000} {
		p, err := Free(below)
		if err != nil {
			t.Fatal(err)
		}
		if p < low-below || p >= low-below+4000 {
			t.Errorf("Free(%d) = %d, want one of [%d, %d)", below, p, low-below, low-below+4000)
		}
		ln, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(p))
		if err != nil {
			t.Errorf("port %d is not free: %v", p, err)
			continue
		}
		ln.Close()
	}
}
