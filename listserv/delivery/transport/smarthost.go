package transport

import (
	"context"
	"crypto/tls"
	"net"
)

// SmarthostConfig says where and how to relay.
type SmarthostConfig struct {
	Addr string // host:port
	// TLS is "starttls" (required), "implicit" (RFC 8314 §3), "none", or
	// "" for STARTTLS whenever the server offers it.
	TLS string
	// Username and Password, when set, are sent with AUTH PLAIN, only
	// over TLS or to a loopback address.
	Username, Password string
}

// Smarthost relays every copy through one server.
type Smarthost struct {
	cfg  SmarthostConfig
	mode tlsMode
	host string
	opts Options
}

var _ Transport = (*Smarthost)(nil)

// NewSmarthost returns a transport relaying through cfg.Addr. The address
// and TLS mode are checked by Parse; a bad one here fails at Open.
func NewSmarthost(cfg SmarthostConfig, opts Options) *Smarthost {
	h := &Smarthost{cfg: cfg, opts: opts.withDefaults()}
	h.mode, _ = parseTLSMode(cfg.TLS)
	h.host, _, _ = net.SplitHostPort(cfg.Addr)
	return h
}

// Route is "" for every domain: all copies share the pool of connections
// to the smarthost.
func (h *Smarthost) Route(string) string { return "" }

// Open connects to the smarthost. Every failure to do so is temporary:
// the relay being down or refusing our password says nothing about the
// recipient, so mail waits for it to come back.
func (h *Smarthost) Open(ctx context.Context, _ string) (Session, error) {
	if _, err := parseTLSMode(h.cfg.TLS); err != nil {
		return nil, temporary("connect", "", "smarthost misconfigured", err)
	}
	s, err := connect(ctx, &h.opts, dialParams{
		addr:      h.cfg.Addr,
		mode:      h.mode,
		tlsConfig: h.tlsConfig(),
		username:  h.cfg.Username,
		password:  h.cfg.Password,
	})
	if err != nil {
		return nil, err
	}
	return s, nil
}

// tlsConfig verifies the smarthost's certificate against its name: unlike
// an MX host, a smarthost is a server we chose, and it gets our password.
func (h *Smarthost) tlsConfig() *tls.Config {
	cfg := &tls.Config{}
	if h.opts.TLSConfig != nil {
		cfg = h.opts.TLSConfig.Clone()
	}
	if cfg.ServerName == "" {
		cfg.ServerName = h.host
	}
	return cfg
}
