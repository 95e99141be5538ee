package dkim

import (
	"bufio"
	"bytes"
	"crypto"
	"crypto/rsa"
	"errors"
	"fmt"

	"github.com/emersion/go-message/textproto"
	msgauth "github.com/emersion/go-msgauth/dkim"
)

// ErrNoFrom reports a message without a From field: RFC 6376 §5.4 requires
// From to be signed, and RFC 5322 §3.6 requires it to be there.
var ErrNoFrom = errors.New("dkim: message has no From field")

// signedFields are the header fields a signature covers, in the order they
// are named in h=. A field the message lacks is left out unless it is also
// in overSigned.
var signedFields = []string{
	"From", "To", "Cc", "Subject", "Date", "Message-ID", "In-Reply-To", "References",
	"MIME-Version", "Content-Type", "Content-Transfer-Encoding", "Reply-To",
	"List-Id", "List-Unsubscribe", "List-Unsubscribe-Post", "List-Post",
	"List-Help", "List-Subscribe", "List-Archive", "Archived-At", "Precedence",
}

// overSigned are named once more in h= than the message holds them. A
// verifier finds no instance for the extra name and hashes nothing for it
// (RFC 6376 §5.4.2), so adding one after signing breaks the signature: a
// second From could change who the reader thinks wrote the message, and a
// second List-Unsubscribe(-Post) could redirect one-click unsubscription
// (RFC 8058 §4).
var overSigned = map[string]bool{
	"From":                  true,
	"List-Unsubscribe":      true,
	"List-Unsubscribe-Post": true,
}

// Signer signs messages for one domain and selector. It holds no state
// between messages and is safe for concurrent use.
type Signer struct {
	domain   string
	selector string
	key      *rsa.PrivateKey
}

// NewSigner returns a signer for d=domain and s=selector with the private
// key pemKey (PKCS#8 as GenerateKey writes it, or PKCS#1).
func NewSigner(domain, selector string, pemKey []byte) (*Signer, error) {
	domain, selector, err := checkNames(domain, selector)
	if err != nil {
		return nil, err
	}
	key, err := parseKey(pemKey)
	if err != nil {
		return nil, err
	}
	return &Signer{domain: domain, selector: selector, key: key}, nil
}

// Sign returns the DKIM-Signature header field, ending in CRLF, for msg; the
// caller prepends it to msg. msg must be the message exactly as it will be
// sent; lines may end in LF, since SMTP sends them as CRLF and
// canonicalization treats both alike.
//
// The fields listed in the package documentation are signed with
// relaxed/relaxed canonicalization and rsa-sha256; From, List-Unsubscribe
// and List-Unsubscribe-Post are oversigned.
func (s *Signer) Sign(msg []byte) ([]byte, error) {
	keys, err := headerKeys(msg)
	if err != nil {
		return nil, err
	}
	signer, err := msgauth.NewSigner(&msgauth.SignOptions{
		Domain:                 s.domain,
		Selector:               s.selector,
		Signer:                 s.key,
		Hash:                   crypto.SHA256,
		HeaderCanonicalization: msgauth.CanonicalizationRelaxed,
		BodyCanonicalization:   msgauth.CanonicalizationRelaxed,
		HeaderKeys:             keys,
	})
	if err != nil {
		return nil, fmt.Errorf("dkim: %w", err)
	}
	if _, err := signer.Write(msg); err != nil {
		// Close ends the signer's goroutine; its error says no more than
		// the one Write returned.
		_ = signer.Close()
		return nil, fmt.Errorf("dkim: signing: %w", err)
	}
	if err := signer.Close(); err != nil {
		return nil, fmt.Errorf("dkim: signing: %w", err)
	}
	return []byte(signer.Signature()), nil
}

// headerKeys lists the h= names for msg: each signed field as many times as
// msg holds it, plus once more for the oversigned ones.
func headerKeys(msg []byte) ([]string, error) {
	h, err := textproto.ReadHeader(bufio.NewReader(bytes.NewReader(msg)))
	if err != nil {
		return nil, fmt.Errorf("dkim: reading header: %w", err)
	}
	if !h.Has("From") {
		return nil, ErrNoFrom
	}
	var keys []string
	for _, k := range signedFields {
		n := h.FieldsByKey(k).Len()
		if overSigned[k] {
			n++
		}
		for range n {
			keys = append(keys, k)
		}
	}
	return keys, nil
}
