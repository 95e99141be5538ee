package dmarc

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"time"

	"golang.org/x/net/idna"
	"golang.org/x/net/publicsuffix"
)

// Defaults for Options left at zero.
const (
	DefaultTTL         = time.Hour
	DefaultNegativeTTL = 10 * time.Minute
	DefaultErrorTTL    = time.Minute
	DefaultTimeout     = 5 * time.Second
)

// maxCacheEntries bounds the cache. Past it, expired entries are dropped,
// then any finished ones: a list that hears from that many domains in an
// hour can afford to ask again.
const maxCacheEntries = 1 << 16

// ErrInvalidDomain reports an author domain that cannot be looked up.
var ErrInvalidDomain = errors.New("dmarc: invalid domain")

// Options tunes a Checker. The zero value gives the defaults.
type Options struct {
	// TTL is how long a found record is cached (default 1h). DMARC
	// records change rarely, and a busy list would otherwise ask for the
	// same domain with every post.
	TTL time.Duration
	// NegativeTTL is how long "no record" is cached (default 10m),
	// shorter so a domain that starts publishing is noticed soon.
	NegativeTTL time.Duration
	// ErrorTTL is how long a failed look-up is remembered (default 1m),
	// so a dead server is not asked again for every post, yet a passing
	// failure does not linger.
	ErrorTTL time.Duration
	// Timeout bounds each DNS query (default 5s).
	Timeout time.Duration
	// Now returns the current time; nil means time.Now. Tests set it to
	// move the cache's clock.
	Now func() time.Time
}

// Checker looks up DMARC policies and authenticates posts against them. It
// caches the answers of the resolver, and is safe for concurrent use.
type Checker struct {
	r    *net.Resolver
	opts Options

	mu    sync.Mutex
	cache map[string]*entry // by the queried name, "_dmarc.<domain>."
}

// entry is one cached query. Callers asking while it runs wait for it
// (ready), so a burst of posts from one domain makes one query.
type entry struct {
	ready   chan struct{} // closed once records and err are set
	done    bool          // guarded by Checker.mu; records and err are set
	expires time.Time     // guarded by Checker.mu
	records []string      // the DMARC records among the TXT records
	err     error
}

// NewChecker returns a checker that asks r, the resolver built from --dns
// (praxis/listserv/dns.NewResolver).
func NewChecker(r *net.Resolver, opts Options) *Checker {
	if r == nil {
		r = net.DefaultResolver
	}
	if opts.TTL <= 0 {
		opts.TTL = DefaultTTL
	}
	if opts.NegativeTTL <= 0 {
		opts.NegativeTTL = DefaultNegativeTTL
	}
	if opts.ErrorTTL <= 0 {
		opts.ErrorTTL = DefaultErrorTTL
	}
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultTimeout
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Checker{r: r, opts: opts, cache: map[string]*entry{}}
}

// Lookup finds the DMARC policy for mail whose From domain is fromDomain,
// following RFC 7489 §6.6.3: the record at _dmarc.<fromDomain>, else the one
// at _dmarc.<organizational domain>, whose sp= then applies. Exactly one
// record must be there; none, or more than one, means no policy
// (Found=false), and so does NXDOMAIN. Those are answers, not errors.
//
// An error means the DNS could not answer (timeout, SERVFAIL): the policy is
// unknown, and a caller relaying mail should act as if it were strict.
func (c *Checker) Lookup(ctx context.Context, fromDomain string) (Policy, error) {
	domain, err := normalize(fromDomain)
	if err != nil {
		return Policy{}, err
	}
	p := Policy{Domain: domain, OrgDomain: orgDomain(domain)}
	records, err := c.records(ctx, domain)
	if err != nil {
		return p, err
	}
	if len(records) == 0 && p.OrgDomain != domain {
		records, err = c.records(ctx, p.OrgDomain)
		if err != nil {
			return p, err
		}
		p.Inherited = len(records) > 0
	}
	if len(records) != 1 {
		// §6.6.3 step 5: no record, or several, and DMARC does not
		// apply.
		p.Inherited = false
		return p, nil
	}
	p.Found = parseRecord(records[0], &p)
	if !p.Found {
		p.Inherited = false
	}
	return p, nil
}

// records returns the DMARC records at _dmarc.<domain>, from the cache when
// it can.
func (c *Checker) records(ctx context.Context, domain string) ([]string, error) {
	// The trailing dot makes the name absolute, so the resolver does not
	// try it under the search domains of resolv.conf as well.
	name := "_dmarc." + domain + "."
	c.mu.Lock()
	e, ok := c.cache[name]
	if !ok || e.done && !c.opts.Now().Before(e.expires) {
		e = &entry{ready: make(chan struct{})}
		c.store(name, e)
		// The query runs on its own, bounded by Timeout, so that a
		// caller giving up does not fail the others waiting for it.
		go c.fetch(context.WithoutCancel(ctx), name, e)
	}
	c.mu.Unlock()

	select {
	case <-e.ready:
		return e.records, e.err
	case <-ctx.Done():
		return nil, fmt.Errorf("dmarc: looking up %s: %w", name, ctx.Err())
	}
}

// store puts e in the cache, making room first if it is full. c.mu is held.
func (c *Checker) store(name string, e *entry) {
	if len(c.cache) >= maxCacheEntries {
		now := c.opts.Now()
		for k, old := range c.cache {
			if old.done && !now.Before(old.expires) {
				delete(c.cache, k)
			}
		}
		for k, old := range c.cache {
			if len(c.cache) < maxCacheEntries {
				break
			}
			if old.done {
				delete(c.cache, k)
			}
		}
	}
	c.cache[name] = e
}

// fetch queries name and completes e.
func (c *Checker) fetch(ctx context.Context, name string, e *entry) {
	ctx, cancel := context.WithTimeout(ctx, c.opts.Timeout)
	defer cancel()
	txts, err := c.r.LookupTXT(ctx, name)
	ttl := c.opts.TTL
	var dnsErr *net.DNSError
	switch {
	case errors.As(err, &dnsErr) && dnsErr.IsNotFound:
		// NXDOMAIN, or a name without TXT records: no policy here.
		err = nil
		ttl = c.opts.NegativeTTL
	case err != nil:
		err = fmt.Errorf("dmarc: looking up %s: %w", name, err)
		ttl = c.opts.ErrorTTL
	}
	var records []string
	for _, txt := range txts {
		// The resolver has already joined each record's strings
		// (RFC 7489 §6.6.3 reads them as one).
		if isRecord(txt) {
			records = append(records, txt)
		}
	}
	if err == nil && len(records) == 0 {
		ttl = c.opts.NegativeTTL
	}

	c.mu.Lock()
	e.records, e.err = records, err
	e.done, e.expires = true, c.opts.Now().Add(ttl)
	c.mu.Unlock()
	close(e.ready)
}

// normalize turns an author domain into the form it is queried and cached
// in: lower case, A-labels (RFC 5890), no trailing dot.
func normalize(domain string) (string, error) {
	d := strings.TrimSuffix(strings.TrimSpace(domain), ".")
	a, err := idna.Lookup.ToASCII(d)
	if err != nil || a == "" {
		return "", fmt.Errorf("%w: %q", ErrInvalidDomain, domain)
	}
	return strings.ToLower(a), nil
}

// orgDomain returns the organizational domain of domain: its public suffix
// plus one label (RFC 7489 §3.2). A domain that is itself a public suffix,
// or that the list cannot place, is its own.
func orgDomain(domain string) string {
	org, err := publicsuffix.EffectiveTLDPlusOne(domain)
	if err != nil {
		return domain
	}
	return org
}
