package archive

import (
	"encoding/base64"
	"encoding/hex"
	"net"
	"net/url"
	"strings"
	"unicode/utf8"

	"praxis/listserv/mailmsg"
)

// UnwrapRedirect gives back the link a mail gateway wrapped in its own
// (a click goes through the gateway, which checks the page first), or u
// as it is: Proofpoint's URL Defense, versions 2 and 3
// ("https://urldefense.com/v3/__https:/kb.ettus.com/…__;!!…$"), and
// Microsoft's Safe Links ("https://eur03.safelinks.protection.outlook.com/
// ?url=https%3A%2F%2Fgithub.com…"). A reader wants the page, not the
// gateway: a wrapped link is the same resource as the plain one beside
// it, and a wrapped footer link is still a footer's. A link wrapped by
// two gateways (the sender's and the reader's) is unwrapped twice, up to
// maxWraps: a deeper nest is no gateways' doing, and what is left of it
// after that many stays.
func UnwrapRedirect(u string) string {
	for range maxWraps {
		inner := unwrapOnce(u)
		if inner == u {
			return u
		}
		u = inner
	}
	return u
}

// maxWraps is how many gateways' wrappers are taken off one link.
const maxWraps = 3

func unwrapOnce(u string) string {
	var inner string
	lower := strings.ToLower(u)
	switch {
	case strings.HasPrefix(lower, "https://urldefense.com/v3/__"):
		inner = urlDefense3(u[len("https://urldefense.com/v3/__"):])
	case strings.HasPrefix(lower, "https://urldefense.proofpoint.com/v2/url?"):
		inner = urlDefense2(u)
	case strings.Contains(lower, ".safelinks.protection.outlook.com/"):
		if p, err := url.Parse(u); err == nil && strings.HasSuffix(strings.ToLower(p.Hostname()), ".safelinks.protection.outlook.com") {
			inner = p.Query().Get("url")
		}
	default:
		return u
	}
	// What is given back is listed and linked as the wrapper would have
	// been: an http(s) URL with a host, nothing a URL cannot hold.
	if !mailmsg.IsHTTP(inner) || strings.IndexFunc(inner, notInLink) >= 0 {
		return u
	}
	return inner
}

// notInLink: a space, a control character or one that ends a link in
// text.
func notInLink(r rune) bool {
	return r <= ' ' || r == 0x7f || r == utf8.RuneError || strings.ContainsRune("<>\"`{}|\\^", r)
}

// urlDefense3 reads the link inside a version 3 wrapper (rest is what
// follows "/v3/__"): the link up to "__;", whose characters Proofpoint
// would not keep are each a "*" and listed, base64url-encoded, after the
// ";" up to "!!" ("…log_8hpp.html*loghpp_logging__;Iw!!…": "Iw" is "#");
// "**" and a letter stand for a run of them. Its scheme keeps one slash
// at times ("https:/kb.ettus.com/…"). "" when it does not read.
func urlDefense3(rest string) string {
	end := strings.Index(rest, "__;")
	if end < 0 {
		return ""
	}
	link, tail := rest[:end], rest[end+3:]
	if strings.Contains(link, "*") {
		enc, _, _ := strings.Cut(tail, "!!")
		raw, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(enc, "="))
		if err != nil || !utf8.Valid(raw) {
			return ""
		}
		chars := []rune(string(raw))
		var b strings.Builder
		for i := 0; i < len(link); i++ {
			if link[i] != '*' {
				b.WriteByte(link[i])
				continue
			}
			n := 1
			if strings.HasPrefix(link[i:], "**") && i+2 < len(link) {
				k := strings.IndexByte(runLengths, link[i+2])
				if k < 0 {
					return ""
				}
				n = k + 2
				i += 2
			}
			if n > len(chars) {
				return ""
			}
			for _, r := range chars[:n] {
				b.WriteRune(r)
			}
			chars = chars[n:]
		}
		link = b.String()
	}
	for _, scheme := range []string{"https:/", "http:/"} {
		if strings.HasPrefix(strings.ToLower(link), scheme) && !strings.HasPrefix(link[len(scheme):], "/") {
			link = link[:len(scheme)] + "/" + link[len(scheme):]
		}
	}
	return link
}

// runLengths: in a version 3 wrapper, "**" and the k-th of these stands
// for k+2 listed characters.
const runLengths = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"

// urlDefense2 reads the link of a version 2 wrapper, its u parameter:
// "/" written "_" and other characters "-" and two hex digits
// ("u=http-3A__lists.ettus.com_mailman_listinfo_usrp-2Dusers").
func urlDefense2(u string) string {
	p, err := url.Parse(u)
	if err != nil {
		return ""
	}
	enc := p.Query().Get("u")
	var b strings.Builder
	for i := 0; i < len(enc); i++ {
		switch c := enc[i]; {
		case c == '_':
			b.WriteByte('/')
		case c == '-' && i+2 < len(enc):
			x, err := hex.DecodeString(enc[i+1 : i+3])
			if err != nil {
				return ""
			}
			b.Write(x)
			i += 2
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// privateHost tells a link to a machine nobody else can reach: localhost,
// a loopback, private or link-local address ("http://192.168.10.2", a
// device's address that a gateway turned into a link).
func privateHost(u string) bool {
	p, err := url.Parse(u)
	if err != nil {
		return false
	}
	host := strings.ToLower(p.Hostname())
	if host == "localhost" || strings.HasSuffix(host, ".localhost") || strings.HasSuffix(host, ".local") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && (ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast() || ip.IsUnspecified())
}
