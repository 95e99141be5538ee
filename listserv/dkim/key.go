package dkim

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"
)

const (
	// keyBits is the size of the keys GenerateKey makes: RFC 8301 §3.2
	// recommends 2048 bits, and every receiver verifies them.
	keyBits = 2048
	// minKeyBits is the smallest key Praxis will sign with. RFC 8301 §3.2
	// forbids verifiers to accept signatures made with less.
	minKeyBits = 1024
	// maxTXTString is the longest character-string a TXT record holds
	// (RFC 1035 §3.3.14); longer values are split, and verifiers join the
	// pieces again (RFC 6376 §3.6.2.2).
	maxTXTString = 255
)

var (
	// ErrInvalidKey reports a key Praxis cannot sign with: not PEM, not
	// RSA, encrypted, or too short.
	ErrInvalidKey = errors.New("dkim: invalid signing key")
	// ErrInvalidName reports a domain or selector that is not a DNS name.
	ErrInvalidName = errors.New("dkim: invalid domain or selector")
)

// GenerateKey makes a new signing key: RSA 2048 (what every receiver
// verifies). Returns the private key as PKCS#8 PEM.
func GenerateKey() (pemKey []byte, err error) {
	key, err := rsa.GenerateKey(rand.Reader, keyBits)
	if err != nil {
		return nil, fmt.Errorf("dkim: generating key: %w", err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, fmt.Errorf("dkim: encoding key: %w", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), nil
}

// TXTRecord returns the DNS name and TXT value to publish:
// "<selector>._domainkey.<domain>" and "v=DKIM1; k=rsa; p=<base64 SPKI>"
// (RFC 6376 §3.6.1), and a zone-file line for them in which the value is
// split into quoted strings of at most 255 bytes. The line carries no TTL,
// so the zone's $TTL applies.
func TXTRecord(domain, selector string, pemKey []byte) (name, value, zoneLine string, err error) {
	domain, selector, err = checkNames(domain, selector)
	if err != nil {
		return "", "", "", err
	}
	key, err := parseKey(pemKey)
	if err != nil {
		return "", "", "", err
	}
	// RFC 6376 §3.6.1 says p= holds an RSAPublicKey, but its own example and
	// every deployed signer publish the SubjectPublicKeyInfo, which is what
	// verifiers expect (erratum 3017).
	spki, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
	if err != nil {
		return "", "", "", fmt.Errorf("dkim: encoding public key: %w", err)
	}
	name = selector + "._domainkey." + domain
	value = "v=DKIM1; k=rsa; p=" + base64.StdEncoding.EncodeToString(spki)
	// The trailing dot makes the owner absolute, so the zone's $ORIGIN is
	// not appended to it (RFC 1035 §5.1).
	zoneLine = name + ". IN TXT " + quoteTXT(value)
	return name, value, zoneLine, nil
}

// quoteTXT writes value as zone-file character-strings of at most
// maxTXTString bytes. The values TXTRecord makes hold neither quotes nor
// backslashes, so nothing needs escaping.
func quoteTXT(value string) string {
	var parts []string
	for len(value) > maxTXTString {
		parts = append(parts, `"`+value[:maxTXTString]+`"`)
		value = value[maxTXTString:]
	}
	parts = append(parts, `"`+value+`"`)
	return strings.Join(parts, " ")
}

// parseKey reads an RSA private key from PEM. Besides the PKCS#8 that
// GenerateKey writes it accepts PKCS#1 ("RSA PRIVATE KEY"), which is what
// opendkim-genkey and older openssl versions write, so an operator can
// bring the key a domain already publishes.
func parseKey(pemKey []byte) (*rsa.PrivateKey, error) {
	block, _ := pem.Decode(pemKey)
	if block == nil {
		return nil, fmt.Errorf("%w: no PEM block found", ErrInvalidKey)
	}
	var key *rsa.PrivateKey
	switch block.Type {
	case "PRIVATE KEY":
		k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrInvalidKey, err)
		}
		rk, ok := k.(*rsa.PrivateKey)
		if !ok {
			return nil, fmt.Errorf("%w: %T is not an RSA key", ErrInvalidKey, k)
		}
		key = rk
	case "RSA PRIVATE KEY":
		k, err := x509.ParsePKCS1PrivateKey(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrInvalidKey, err)
		}
		key = k
	case "ENCRYPTED PRIVATE KEY":
		return nil, fmt.Errorf("%w: the key is encrypted; decrypt it first", ErrInvalidKey)
	default:
		return nil, fmt.Errorf("%w: PEM block %q is not a private key", ErrInvalidKey, block.Type)
	}
	if bits := key.N.BitLen(); bits < minKeyBits {
		return nil, fmt.Errorf("%w: %d-bit key, receivers need at least %d (RFC 8301 §3.2)", ErrInvalidKey, bits, minKeyBits)
	}
	return key, nil
}

// checkNames validates the signing domain and selector and returns them in
// the form used in d=, s= and the key's DNS name: lower case, no trailing
// dot. Both are DNS names (RFC 6376 §3.1, §3.5); a space or a semicolon in
// either would corrupt the tag list of every signature.
func checkNames(domain, selector string) (string, string, error) {
	domain = strings.ToLower(strings.TrimSuffix(domain, "."))
	selector = strings.ToLower(selector)
	if !isDNSName(domain) {
		return "", "", fmt.Errorf("%w: domain %q", ErrInvalidName, domain)
	}
	if !isDNSName(selector) {
		return "", "", fmt.Errorf("%w: selector %q", ErrInvalidName, selector)
	}
	return domain, selector, nil
}

// isDNSName reports whether s is a host-style DNS name: labels of letters,
// digits and hyphens, 1–63 bytes each, 253 bytes at most (RFC 1035 §2.3.1,
// §2.3.4). Internationalized names must already be in A-label form.
func isDNSName(s string) bool {
	if s == "" || len(s) > 253 {
		return false
	}
	for label := range strings.SplitSeq(s, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for i := 0; i < len(label); i++ {
			c := label[i]
			if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-') {
				return false
			}
		}
	}
	return true
}
