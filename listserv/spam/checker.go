package spam

import (
	"context"
	"log/slog"
	"net"
	"net/netip"
	"strings"
	"time"

	"blitiri.com.ar/go/spf"

	"praxis/listserv/store"
)

// Resolver is the DNS the checks ask (serve's --dns): SPF's look-ups and
// the blocklists'. *net.Resolver is one.
type Resolver interface {
	spf.DNSResolver
	LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error)
}

var _ Resolver = (*net.Resolver)(nil)

// Filter is a content filter: rspamd or spamd.
type Filter interface {
	// Name is how the findings name it ("rspamd").
	Name() string
	// Score asks the filter about raw; an error means it gave no score.
	Score(ctx context.Context, in Input) (Score, error)
}

// Score is a content filter's answer.
type Score struct {
	Value    float64
	Required float64  // the filter's own threshold
	Over     bool     // the filter's own verdict: spam
	Rules    []string // the rules that scored most, highest first
}

// Config of the checks.
type Config struct {
	Resolver Resolver
	// Zones are the --dnsbl zones; none checks no blocklist.
	Zones []string
	// Filter is the content filter; nil checks no content.
	Filter Filter
	// Timeout bounds the checks of one post, all of them together:
	// within what a client waits for its reply to DATA (ten minutes,
	// RFC 5321 §4.5.3.2.6) with the spool's commit after it. Default 30s.
	Timeout time.Duration
	// MaxScanBytes is the largest message the filter is asked about
	// (a bigger one is not scored); default 2 MiB: spam is small, and a
	// filter takes long over a big attachment.
	MaxScanBytes int
	Log          *slog.Logger
}

// Checker runs the checks. Safe for concurrent use.
type Checker struct{ cfg Config }

// New builds the checks of cfg.
func New(cfg Config) *Checker {
	if cfg.Timeout == 0 {
		cfg.Timeout = 30 * time.Second
	}
	if cfg.MaxScanBytes == 0 {
		cfg.MaxScanBytes = 2 << 20
	}
	if cfg.Resolver == nil {
		cfg.Resolver = net.DefaultResolver
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	// Lower case without a trailing dot, as they are asked; a copy, the
	// caller's slice is theirs.
	zones := make([]string, len(cfg.Zones))
	for i, z := range cfg.Zones {
		zones[i] = strings.Trim(strings.ToLower(strings.TrimSpace(z)), ".")
	}
	cfg.Zones = zones
	return &Checker{cfg: cfg}
}

// Input is one live post as the checks see it.
type Input struct {
	// IP is the connecting address; invalid (the zero Addr) when nothing
	// connected to us (an IMAP mailbox) or the client is the front MTA,
	// whose address says nothing about the sender: SPF and the
	// blocklists are then not asked.
	IP       netip.Addr
	HELO     string
	MailFrom string // "" for the null sender
	Raw      []byte
}

// Check runs every check configured on in; nil when none is. It never
// fails: a check that cannot answer is logged and counts for nothing,
// except the content filter's, which the findings record (Unscored).
func (c *Checker) Check(ctx context.Context, in Input) *store.Spam {
	ctx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
	defer cancel()
	sp := &store.Spam{}
	if in.IP.IsValid() {
		sp.SPF, sp.SPFDomain = c.spf(ctx, in)
		sp.Listed = c.blocklists(ctx, in.IP)
	}
	if f := c.cfg.Filter; f != nil {
		sp.Filter = f.Name()
		if len(in.Raw) > c.cfg.MaxScanBytes {
			sp.Unscored = "larger than the filter is asked about"
		} else if s, err := f.Score(ctx, in); err != nil {
			c.cfg.Log.Warn("content filter gave no score", "filter", f.Name(), "err", err)
			sp.Unscored = f.Name() + " did not answer"
		} else {
			sp.Scored, sp.Score, sp.Required, sp.Over, sp.Rules = true, s.Value, s.Required, s.Over, s.Rules
		}
	}
	if sp.IsZero() {
		return nil
	}
	return sp
}

// spf checks the envelope sender's domain (or the HELO name, for the null
// sender: RFC 7208 §2.4) for in.IP.
func (c *Checker) spf(ctx context.Context, in Input) (result, domain string) {
	domain = in.HELO
	if at := strings.LastIndexByte(in.MailFrom, '@'); at >= 0 {
		domain = in.MailFrom[at+1:]
	}
	domain = strings.ToLower(strings.Trim(domain, "[]. "))
	if domain == "" {
		return "", ""
	}
	r, err := spf.CheckHostWithSender(net.IP(in.IP.Unmap().AsSlice()), in.HELO, in.MailFrom,
		spf.WithResolver(c.cfg.Resolver), spf.WithContext(ctx))
	if r == spf.TempError || r == spf.PermError {
		c.cfg.Log.Info("spf", "domain", domain, "result", string(r), "err", err)
	}
	return string(r), domain
}
