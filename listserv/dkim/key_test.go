package dkim

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"strings"
	"sync"
	"testing"
)

// testKey is one key for the whole test binary: making a 2048-bit key takes
// long enough that every test making its own would be felt.
var testKey = sync.OnceValues(GenerateKey)

func mustTestKey(t testing.TB) []byte {
	t.Helper()
	k, err := testKey()
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestGenerateKey(t *testing.T) {
	pemKey := mustTestKey(t)
	block, rest := pem.Decode(pemKey)
	if block == nil || len(rest) != 0 {
		t.Fatalf("GenerateKey output is not one PEM block:\n%s", pemKey)
	}
	if block.Type != "PRIVATE KEY" {
		t.Errorf("PEM type = %q, want PRIVATE KEY (PKCS#8)", block.Type)
	}
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	rk, ok := k.(*rsa.PrivateKey)
	if !ok {
		t.Fatalf("key is %T, want *rsa.PrivateKey", k)
	}
	if got := rk.N.BitLen(); got != 2048 {
		t.Errorf("key has %d bits, want 2048", got)
	}
}

func TestTXTRecord(t *testing.T) {
	pemKey := mustTestKey(t)
	name, value, line, err := TXTRecord("Example.ORG.", "Praxis2026", pemKey)
	if err != nil {
		t.Fatal(err)
	}
	if want := "praxis2026._domainkey.example.org"; name != want {
		t.Errorf("name = %q, want %q", name, want)
	}
	if !strings.HasPrefix(value, "v=DKIM1; k=rsa; p=MII") {
		t.Errorf("value = %q, want v=DKIM1; k=rsa; p=<SPKI>", value)
	}
	prefix := name + ". IN TXT "
	if !strings.HasPrefix(line, prefix) {
		t.Fatalf("zone line %q does not start with %q", line, prefix)
	}
	// The quoted strings, each at most 255 bytes, join back into value.
	parts := zoneStrings(t, strings.TrimPrefix(line, prefix))
	if len(parts) < 2 {
		t.Errorf("a 2048-bit key's value should need two strings, got %d", len(parts))
	}
	for _, p := range parts {
		if len(p) > 255 {
			t.Errorf("character-string of %d bytes, want at most 255", len(p))
		}
	}
	if joined := strings.Join(parts, ""); joined != value {
		t.Errorf("zone line strings join to %q, want %q", joined, value)
	}
}

// zoneStrings reads the space-separated quoted character-strings of a
// zone-file line (RFC 1035 §5.1); TXTRecord writes no escapes.
func zoneStrings(t *testing.T, s string) []string {
	t.Helper()
	var parts []string
	for s != "" {
		if s[0] != '"' {
			t.Fatalf("zone line: want a quoted string at %q", s)
		}
		end := strings.IndexByte(s[1:], '"')
		if end < 0 {
			t.Fatalf("zone line: unterminated string at %q", s)
		}
		parts = append(parts, s[1:1+end])
		s = s[end+2:]
		if s != "" {
			if s[0] != ' ' {
				t.Fatalf("zone line: want a space between strings at %q", s)
			}
			s = s[1:]
		}
	}
	return parts
}

func TestQuoteTXT(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{"", `""`},
		{"abc", `"abc"`},
		{strings.Repeat("a", 255), `"` + strings.Repeat("a", 255) + `"`},
		{strings.Repeat("a", 256), `"` + strings.Repeat("a", 255) + `" "a"`},
		{strings.Repeat("a", 511), `"` + strings.Repeat("a", 255) + `" "` + strings.Repeat("a", 255) + `" "a"`},
	}
	for _, tt := range tests {
		if got := quoteTXT(tt.in); got != tt.want {
			t.Errorf("quoteTXT(%d bytes) = %q, want %q", len(tt.in), got, tt.want)
		}
	}
}

// key512 was made for this test with
// "openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:512": Go itself
// no longer makes keys that small.
const key512 = `-----BEGIN PRIVATE KEY-----
MIIBVAIBADANBgkqhkiG9w0BAQEFAASCAT4wggE6AgEAAkEAuFo8yIttlL7p4t5y
FJ+iuglGQxsTgBnDuHGBvRGbDbi+u/FSWOomOniXSDKUOvazop37KWnfhGnxv/z9
L2YFCQIDAQABAkAJzZqf23I3T7OmQcf1OsvvcqDO3ri5viT/QOHySOZi41H+Lph4
ez4dI/rEvF67USaG5k/7QuLJ72tKYOD9Ue9FAiEA20LP0P/uGsoEGFVd2RgNwrJx
VC7lPTCYXL8msqbYAlcCIQDXPgcWBTC+WqGbB8GZAGS6k2i/1q41G+bxD4QjcHdX
nwIgGGtpf8pxN1SWfitLx3jxV2TOUGTkrRrzbSjw42bHmgMCIQCEHEU7JcpqO7SP
NC6Gm3A3+DxF6x2X6V1RPkXLfr8xXwIgDLnzgvWNho3MCMssTPqQ1G6yJ2YJNbUa
+xVB5hb2fGs=
-----END PRIVATE KEY-----
`

func TestKeyErrors(t *testing.T) {
	good := mustTestKey(t)

	ec, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	ecDER, err := x509.MarshalPKCS8PrivateKey(ec)
	if err != nil {
		t.Fatal(err)
	}
	block, _ := pem.Decode(good)
	rk, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	pkcs1 := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(rk.(*rsa.PrivateKey))})

	tests := []struct {
		name             string
		domain, selector string
		key              []byte
		want             error // nil: accepted (errors.Is(nil, nil) holds)
	}{
		{"PKCS#8", "example.org", "s1", good, nil},
		{"PKCS#1", "example.org", "s1", pkcs1, nil},
		{"not PEM", "example.org", "s1", []byte("hello"), ErrInvalidKey},
		{"512 bits", "example.org", "s1", []byte(key512), ErrInvalidKey},
		{"ECDSA", "example.org", "s1", pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: ecDER}), ErrInvalidKey},
		{"encrypted", "example.org", "s1", pem.EncodeToMemory(&pem.Block{Type: "ENCRYPTED PRIVATE KEY", Bytes: []byte{1}}), ErrInvalidKey},
		{"public key", "example.org", "s1", pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: []byte{1}}), ErrInvalidKey},
		{"garbage DER", "example.org", "s1", pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: []byte{1, 2}}), ErrInvalidKey},
		{"empty domain", "", "s1", good, ErrInvalidName},
		{"domain with space", "exa mple.org", "s1", good, ErrInvalidName},
		{"domain with semicolon", "example.org;x=1", "s1", good, ErrInvalidName},
		{"empty label", "example..org", "s1", good, ErrInvalidName},
		{"empty selector", "example.org", "", good, ErrInvalidName},
		{"selector with hyphen edge", "example.org", "-s1", good, ErrInvalidName},
		{"dotted selector", "example.org", "2026.praxis", good, nil},
		{"non-ASCII domain", "exämple.org", "s1", good, ErrInvalidName},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewSigner(tt.domain, tt.selector, tt.key)
			if !errors.Is(err, tt.want) {
				t.Errorf("NewSigner: err = %v, want %v", err, tt.want)
			}
			_, _, _, err = TXTRecord(tt.domain, tt.selector, tt.key)
			if !errors.Is(err, tt.want) {
				t.Errorf("TXTRecord: err = %v, want %v", err, tt.want)
			}
		})
	}
}
