package transport

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
)

const usage = "use smtp://, mx or maildir:DIR"

// Parse builds a transport from the --delivery value:
//
//	maildir:DIR
//	smtp://[user:pass@]host:port[?tls=starttls|implicit|none]
//	mx
//
// Errors quote the value with any password masked.
func Parse(spec string, opts Options) (Transport, error) {
	fail := func(format string, args ...any) error {
		return fmt.Errorf("delivery %q: %s", redact(spec), fmt.Sprintf(format, args...))
	}
	switch {
	case spec == "":
		return nil, fail("empty; %s", usage)
	case strings.EqualFold(spec, "mx"):
		return NewMX(opts), nil
	case len(spec) >= len("maildir:") && strings.EqualFold(spec[:len("maildir:")], "maildir:"):
		dir := spec[len("maildir:"):]
		if dir == "" || strings.HasPrefix(dir, "//") {
			return nil, fail("want maildir:DIR, a directory path")
		}
		m, err := NewMaildir(dir)
		if err != nil {
			return nil, fail("%v", err)
		}
		return m, nil
	}

	u, err := url.Parse(spec)
	if err != nil {
		// url.Error repeats the whole value, password included.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, fail("malformed: %v", err)
	}
	if u.Scheme != "smtp" {
		return nil, fail("unsupported scheme; %s", usage)
	}
	cfg, err := smarthostConfig(u)
	if err != nil {
		return nil, fail("%v", err)
	}
	return NewSmarthost(cfg, opts), nil
}

func smarthostConfig(u *url.URL) (SmarthostConfig, error) {
	var cfg SmarthostConfig
	if u.Opaque != "" || u.Host == "" {
		return cfg, errors.New("want smtp://[user:pass@]host:port")
	}
	if u.Path != "" && u.Path != "/" {
		return cfg, fmt.Errorf("unexpected path %q", u.Path)
	}
	if u.Fragment != "" {
		return cfg, errors.New("unexpected #fragment")
	}
	host, port := u.Hostname(), u.Port()
	if host == "" {
		return cfg, errors.New("missing host")
	}
	if port == "" {
		return cfg, errors.New("missing port (e.g. :587 for submission, :465 with tls=implicit)")
	}
	if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
		return cfg, fmt.Errorf("bad port %q", port)
	}
	cfg.Addr = net.JoinHostPort(host, port)

	q, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		return cfg, fmt.Errorf("malformed query: %w", err)
	}
	for key, vals := range q {
		if key != "tls" {
			return cfg, fmt.Errorf("unknown parameter %q; only tls= is accepted", key)
		}
		if len(vals) != 1 {
			return cfg, errors.New("tls= given more than once")
		}
	}
	cfg.TLS = q.Get("tls")
	mode, err := parseTLSMode(cfg.TLS)
	if err != nil {
		return cfg, err
	}
	if q.Has("tls") && cfg.TLS == "" {
		return cfg, errors.New("empty tls=; want starttls, implicit or none")
	}

	if u.User != nil {
		cfg.Username = u.User.Username()
		cfg.Password, _ = u.User.Password()
		if cfg.Username == "" || cfg.Password == "" {
			return cfg, errors.New("credentials must be user:pass")
		}
		if mode == tlsNone && !loopbackName(host) {
			return cfg, fmt.Errorf("refusing to send the password unencrypted to %s; use tls=starttls or tls=implicit", host)
		}
	}
	return cfg, nil
}

func parseTLSMode(s string) (tlsMode, error) {
	switch s {
	case "":
		return tlsOpportunistic, nil
	case "starttls":
		return tlsStartTLS, nil
	case "implicit":
		return tlsImplicit, nil
	case "none":
		return tlsNone, nil
	}
	return 0, fmt.Errorf("unknown tls=%q; want starttls, implicit or none", s)
}

// loopbackName reports a host that is this machine without asking DNS.
func loopbackName(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// redact masks the password of a smtp:// value: errors end up in logs.
func redact(spec string) string {
	scheme, rest, ok := strings.Cut(spec, "://")
	at := strings.LastIndexByte(rest, '@')
	if !ok {
		// Not even a URL (a typo such as "smtp:user:pass@host"): anything
		// before an @ may be a secret.
		if at = strings.LastIndexByte(spec, '@'); at >= 0 && !strings.HasPrefix(spec, "maildir:") {
			return "xxxxx" + spec[at:]
		}
		return spec
	}
	if at < 0 {
		return spec
	}
	user, _, hasPass := strings.Cut(rest[:at], ":")
	if !hasPass {
		return spec
	}
	return scheme + "://" + user + ":xxxxx" + rest[at:]
}
