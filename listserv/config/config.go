package config

import (
	"errors"
	"fmt"
	"net"
	"net/mail"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/BurntSushi/toml"
)

// Config holds every setting of `praxis serve` and the admin commands.
type Config struct {
	// Data is the directory that holds everything on the embedded default:
	// the SQLite database, the index, the outbox. Env PRAXIS_DATA.
	Data string `toml:"data"`
	// DB is the database: "" for SQLite in Data, or a postgres:// (or
	// postgresql://) URL, which several serve nodes share; Data then holds
	// only this node's index and control socket. Env PRAXIS_DB. Its
	// password is never printed: use DBRedacted.
	DB string `toml:"db"`
	// SMTP is the SMTP receiver's listen address (port 25 in production).
	SMTP string `toml:"smtp"`
	// LMTP is the LMTP receiver's listen address, for a front MTA; "" = off.
	LMTP string `toml:"lmtp"`
	// HTTP is the web server's listen address.
	HTTP string `toml:"http"`
	// IMAP is the read-only IMAP archive's listen address.
	IMAP string `toml:"imap"`
	// IMAPS is the implicit-TLS IMAP listen address; "" = off.
	IMAPS string `toml:"imaps"`
	// BaseURL is written into links in mail; default http://HTTP.
	BaseURL string `toml:"base-url"`
	// Delivery is where outgoing mail goes: smtp://…, mx or maildir:DIR.
	Delivery string `toml:"delivery"`
	// IMAPIngest takes posts for lists from existing mailboxes, one URL
	// each (ParseIngestURL); empty = off. The file may give one string or
	// an array.
	IMAPIngest StringList `toml:"imap-ingest"`
	// Hostname is the SMTP greeting and Message-ID domain.
	Hostname string `toml:"hostname"`
	// DNS is the resolver (host:port) for MX, DMARC and DKIM; "" = system's.
	DNS string `toml:"dns"`
	// TLSCert and TLSKey enable STARTTLS on SMTP (and IMAP).
	TLSCert string `toml:"tls-cert"`
	TLSKey  string `toml:"tls-key"`

	// MaxMessageBytes is the largest message accepted (552 5.3.4 beyond).
	MaxMessageBytes int64 `toml:"max-message-bytes"`
	// MaxConnections caps concurrent SMTP connections (421 beyond).
	MaxConnections int `toml:"max-connections"`
	// MaxConnectionsPerClient caps those of one client address (an IPv6
	// /64 is one client); 421 beyond, to that client only. 0 = 20,
	// negative = no cap. Loopback clients (a front MTA) are not capped.
	MaxConnectionsPerClient int `toml:"max-connections-per-client"`
	// MailMemoryBytes is the memory for messages in transit (DATA held
	// in memory, and messages on their way into the store); beyond it
	// DATA goes to temporary files in the data dir. 0 = four times
	// max-message-bytes.
	MailMemoryBytes int64 `toml:"mail-memory-bytes"`
	// RatePerSecond and RateBurst limit transactions per client IP (451
	// beyond); loopback clients are exempt. 0 disables.
	RatePerSecond float64 `toml:"rate-per-second"`
	RateBurst     int     `toml:"rate-burst"`
	// DeliveryConcurrency is the number of delivery workers.
	DeliveryConcurrency int `toml:"delivery-concurrency"`
	// MXPort is the port used for MX hosts with delivery "mx": 25, unless a
	// test or an unusual network needs another.
	MXPort int `toml:"mx-port"`
	// LogLevel is debug, info, warn or error.
	LogLevel string `toml:"log-level"`
	// TrustedProxy lists the reverse proxies (CIDR, or a bare address)
	// whose X-Forwarded-For the web server believes for rate limits,
	// queue turns and logs; an entry may hold several, comma-separated.
	TrustedProxy []string `toml:"trusted-proxy"`
	// Admin is the site administrator's address: mail to LIST-owner@ of
	// a list that has no owner goes there; "" refuses it at RCPT.
	Admin string `toml:"admin"`

	// DNSBL are the DNS blocklist zones the connecting address of live
	// inbound mail is looked up in (RFC 5782); none by default. An entry
	// may hold several, comma-separated.
	DNSBL []string `toml:"dnsbl"`
	// Rspamd is rspamd's normal worker (http://127.0.0.1:11333) and
	// Spamd SpamAssassin's spamd (127.0.0.1:783): the content filter of
	// live inbound mail, one of them or none.
	Rspamd string `toml:"rspamd"`
	Spamd  string `toml:"spamd"`

	// unknown holds the file's keys that name no setting: Validate
	// reports them with every other problem.
	unknown []string
	// file is the file Load read, for Validate's messages.
	file string
}

// Default returns the built-in defaults.
func Default() Config {
	host, _ := os.Hostname()
	if host == "" {
		host = "localhost"
	}
	return Config{
		Data:                "./praxis-data",
		SMTP:                "127.0.0.1:2525",
		HTTP:                "127.0.0.1:8080",
		IMAP:                "127.0.0.1:1143",
		Hostname:            host,
		MaxMessageBytes:     25 << 20,
		MaxConnections:      200,
		RatePerSecond:       10,
		RateBurst:           100,
		DeliveryConcurrency: 16,
		MXPort:              25,
		LogLevel:            "info",
	}
}

// Load reads a TOML file over c. Unknown keys are a problem Validate
// reports (with the others, all at once), so a typo does not silently
// leave a default in force; a file that is no TOML is an error here.
func (c *Config) Load(path string) error {
	md, err := toml.DecodeFile(path, c)
	if err != nil {
		return fmt.Errorf("config %s: %w", path, err)
	}
	c.file = path
	for _, k := range md.Undecoded() {
		c.unknown = append(c.unknown, k.String())
	}
	return nil
}

// Finish fills the settings derived from others: BaseURL and Delivery.
func (c *Config) Finish() {
	if c.BaseURL == "" {
		c.BaseURL = "http://" + c.HTTP
	}
	c.BaseURL = strings.TrimRight(c.BaseURL, "/")
	if c.Delivery == "" {
		c.Delivery = "maildir:" + filepath.Join(c.Data, "outbox")
	}
}

// Validate returns every problem with c at once.
func (c *Config) Validate() error {
	var errs []error
	bad := func(format string, a ...any) { errs = append(errs, fmt.Errorf(format, a...)) }
	if len(c.unknown) > 0 {
		bad("config %s: unknown keys: %s", c.file, strings.Join(c.unknown, ", "))
	}
	if c.Data == "" {
		bad("data: a data directory is needed (--data or PRAXIS_DATA)")
	}
	if c.DB != "" {
		if err := checkDB(c.DB); err != nil {
			errs = append(errs, err)
		}
	}
	for _, l := range []struct{ name, addr string }{{"smtp", c.SMTP}, {"lmtp", c.LMTP}, {"http", c.HTTP}, {"imap", c.IMAP}, {"imaps", c.IMAPS}} {
		if l.addr == "" {
			continue
		}
		if err := checkHostPort(l.addr); err != nil {
			bad("%s: %q %v", l.name, l.addr, err)
		}
	}
	if c.BaseURL != "" {
		if u, err := url.Parse(c.BaseURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			bad("base-url: %q is not an http(s) URL", c.BaseURL)
		}
	}
	if c.DNS != "" {
		if err := checkHostPort(c.DNS); err != nil {
			bad("dns: %q %v", c.DNS, err)
		}
	}
	if (c.TLSCert == "") != (c.TLSKey == "") {
		bad("tls-cert and tls-key go together")
	}
	if c.IMAPS != "" && c.TLSCert == "" {
		bad("imaps: implicit TLS needs a certificate (--tls-cert and --tls-key)")
	}
	if c.MaxMessageBytes <= 0 {
		bad("max-message-bytes must be positive")
	}
	if c.MaxConnections <= 0 {
		bad("max-connections must be positive")
	}
	if c.MailMemoryBytes < 0 {
		bad("mail-memory-bytes must not be negative")
	}
	if c.RatePerSecond < 0 || c.RateBurst < 0 {
		bad("rate-per-second and rate-burst must not be negative")
	}
	if c.DeliveryConcurrency <= 0 || c.DeliveryConcurrency > 1000 {
		bad("delivery-concurrency must be 1..1000")
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		bad("log-level %q: use debug, info, warn or error", c.LogLevel)
	}
	if strings.TrimSpace(c.Hostname) == "" || strings.ContainsAny(c.Hostname, " \r\n") {
		bad("hostname %q is not a host name", c.Hostname)
	}
	if c.Admin != "" {
		if a, err := mail.ParseAddress(c.Admin); err != nil || a.Name != "" || !strings.Contains(a.Address, "@") {
			bad("admin: %q is not a mail address (admin@example.org)", c.Admin)
		}
	}
	for _, z := range c.Zones() {
		if !isZone(z) {
			bad("dnsbl: %q is not a DNS zone (zen.spamhaus.org)", z)
		}
	}
	if c.Rspamd != "" {
		if u, err := url.Parse(c.Rspamd); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			bad("rspamd: %q is not an http(s) URL (http://127.0.0.1:11333)", c.Rspamd)
		}
	}
	if c.Spamd != "" {
		if err := checkHostPort(c.Spamd); err != nil {
			bad("spamd: %q %v", c.Spamd, err)
		}
	}
	if c.Rspamd != "" && c.Spamd != "" {
		bad("rspamd and spamd: one content filter at a time")
	}
	if _, err := c.TrustedProxies(); err != nil {
		errs = append(errs, err)
	}
	sources := map[string]bool{}
	for _, raw := range c.IMAPIngest {
		in, err := ParseIngestURL(raw)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if sources[in.Source()] {
			bad("imap-ingest %s: the same mailbox twice", in.Source())
		}
		sources[in.Source()] = true
	}
	return errors.Join(errs...)
}

// checkHostPort tells whether addr is host:port with a port that can be
// bound (0 … 65535, or a service's name), so that a bad one is reported
// with the others before anything listens.
func checkHostPort(addr string) error {
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		return errors.New("is not host:port")
	}
	if n, err := strconv.Atoi(port); err == nil {
		if n < 0 || n > 65535 {
			return fmt.Errorf("has port %d: a port is 0 to 65535", n)
		}
		return nil
	}
	if _, err := net.LookupPort("tcp", port); err != nil {
		return fmt.Errorf("has port %q, which is no number and no service's name", port)
	}
	return nil
}

// checkDB tells whether raw names a PostgreSQL database. Its errors never
// hold raw: url.Parse's would, password and all.
func checkDB(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return errors.New("db: not a URL; use postgres://USER:PASSWORD@HOST:PORT/DATABASE (or no db for SQLite in the data dir)")
	}
	if u.Scheme != "postgres" && u.Scheme != "postgresql" {
		return fmt.Errorf("db: %s is not a postgres:// URL; PostgreSQL is the one database besides the default (SQLite in the data dir, with no db set)", redactURL(u))
	}
	return nil
}

// DBRedacted is DB with its password hidden, for logs and messages; ""
// when DB is "" (SQLite).
func (c *Config) DBRedacted() string {
	if c.DB == "" {
		return ""
	}
	u, err := url.Parse(c.DB)
	if err != nil {
		return "(unparsable URL)"
	}
	return redactURL(u)
}

// Zones are the --dnsbl zones, each entry split at commas (spam.New
// puts them in the form it asks them in).
func (c *Config) Zones() []string { return splitList(c.DNSBL) }

// splitList splits each entry at commas, trimmed, the empty parts left
// out: a list given as repeated flags, one flag of several, or both.
func splitList(entries []string) []string {
	var out []string
	for _, entry := range entries {
		for _, part := range strings.Split(entry, ",") {
			if part = strings.TrimSpace(part); part != "" {
				out = append(out, part)
			}
		}
	}
	return out
}

// isZone tells whether z is a DNS name a blocklist may be: labels of
// letters, digits, hyphens and underscores, at least two of them.
func isZone(z string) bool {
	z = strings.TrimSuffix(z, ".")
	labels := strings.Split(z, ".")
	if len(labels) < 2 || len(z) > 200 {
		return false
	}
	for _, l := range labels {
		if l == "" || len(l) > 63 {
			return false
		}
		for _, r := range l {
			if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
				return false
			}
		}
	}
	return true
}

// TrustedProxies parses TrustedProxy: each entry split at commas, each
// part a CIDR or a single address (a /32 or /128).
func (c *Config) TrustedProxies() ([]netip.Prefix, error) {
	var out []netip.Prefix
	var errs []error
	for _, part := range splitList(c.TrustedProxy) {
		if p, err := netip.ParsePrefix(part); err == nil {
			out = append(out, p.Masked())
		} else if a, err := netip.ParseAddr(part); err == nil {
			out = append(out, netip.PrefixFrom(a, a.BitLen()))
		} else {
			errs = append(errs, fmt.Errorf("trusted-proxy: %q is not a CIDR (10.0.0.0/8) or an address", part))
		}
	}
	return out, errors.Join(errs...)
}

// ListFlag is a flag.Value over a list of strings: the flag may be given
// several times, each time with one value or several separated by commas.
// The first time it is set it replaces what the list held (the file's
// value, or the default), so flags win over the file as other flags do.
type ListFlag struct {
	list *[]string
	set  bool
}

// NewListFlag binds a ListFlag to list.
func NewListFlag(list *[]string) *ListFlag { return &ListFlag{list: list} }

func (f *ListFlag) String() string {
	if f == nil || f.list == nil {
		return ""
	}
	return strings.Join(*f.list, ",")
}

// Set adds value's comma-separated parts.
func (f *ListFlag) Set(value string) error {
	if !f.set {
		*f.list, f.set = nil, true
	}
	*f.list = append(*f.list, splitList([]string{value})...)
	return nil
}
