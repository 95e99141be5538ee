package config

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// trusted-proxy comes from the file as a list, each entry perhaps
// comma-separated; a flag given replaces the file's list; every entry
// that is not a CIDR or an address is reported.
func TestTrustedProxy(t *testing.T) {
	path := filepath.Join(t.TempDir(), "praxis.toml")
	must(t, os.WriteFile(path, []byte("trusted-proxy = [\"10.0.0.0/8, 192.0.2.7\", \"2001:db8::/32\"]\n"), 0o600))
	c := Default()
	if err := c.Load(path); err != nil {
		t.Fatal(err)
	}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	ps, _ := c.TrustedProxies()
	var got []string
	for _, p := range ps {
		got = append(got, p.String())
	}
	if strings.Join(got, " ") != "10.0.0.0/8 192.0.2.7/32 2001:db8::/32" {
		t.Errorf("proxies from the file: %v", got)
	}

	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.Var(NewListFlag(&c.TrustedProxy), "trusted-proxy", "")
	if err := fs.Parse([]string{"--trusted-proxy", "127.0.0.1", "--trusted-proxy", "::1,172.16.0.0/12"}); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(c.TrustedProxy, " "); got != "127.0.0.1 ::1 172.16.0.0/12" {
		t.Errorf("flags over the file: %q", got)
	}

	c.TrustedProxy = []string{"10.0.0.0/8,nonsense", "300.1.1.1/8"}
	err := c.Validate()
	if err == nil || !strings.Contains(err.Error(), `"nonsense"`) || !strings.Contains(err.Error(), `"300.1.1.1/8"`) {
		t.Errorf("Validate: %v, want both bad entries named", err)
	}
}
