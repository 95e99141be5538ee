package bounce

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"strings"

	"praxis/listserv/store"
)

// VERP signs and reads the envelope senders of list copies, so that a
// bounce proves which copy bounced.
type VERP struct{ key []byte }

// NewVERP builds a VERP signer over a secret key.
func NewVERP(key []byte) *VERP { return &VERP{key: key} }

// Address is the envelope sender of the copy sent to rcpt:
// LIST-bounces+local=domain=MAC@host. The MAC (an HMAC of list and
// recipient) makes a bounce to it proof that the copy to rcpt bounced: a
// forged bounce naming a member cannot disable them.
func (v *VERP) Address(list, rcpt string) string {
	local, domain, _ := strings.Cut(list, "@")
	at := strings.LastIndexByte(rcpt, '@')
	if at < 0 {
		return local + "-bounces@" + domain
	}
	return local + "-bounces+" + rcpt[:at] + "=" + rcpt[at+1:] + "=" + v.mac(list, rcpt) + "@" + domain
}

func (v *VERP) mac(list, rcpt string) string {
	h := hmac.New(sha256.New, v.key)
	h.Write([]byte(strings.ToLower(list) + "\x00" + store.AddressKey(rcpt)))
	return hex.EncodeToString(h.Sum(nil)[:8])
}

// Recipient reads the recipient out of the +tag of a -bounces address
// and checks its MAC.
func (v *VERP) Recipient(list, extra string) (string, bool) {
	i := strings.LastIndexByte(extra, '=')
	if i < 0 {
		return "", false
	}
	addrPart, mac := extra[:i], extra[i+1:]
	j := strings.LastIndexByte(addrPart, '=')
	if j <= 0 {
		return "", false
	}
	rcpt := addrPart[:j] + "@" + addrPart[j+1:]
	if !hmac.Equal([]byte(strings.ToLower(mac)), []byte(v.mac(list, rcpt))) {
		return "", false
	}
	return rcpt, true
}

// Embedded finds, in a report that quotes our copy, the VERP address of
// that copy (LIST-bounces+local=domain=MAC@host) and checks its MAC.
func (v *VERP) Embedded(list string, raw []byte) (string, bool) {
	local, domain, _ := strings.Cut(list, "@")
	prefix := strings.ToLower(local + "-bounces+")
	text := strings.ToLower(string(raw))
	for i := strings.Index(text, prefix); i >= 0; {
		rest := text[i+len(prefix):]
		end := strings.IndexAny(rest, ">@ \r\n\t")
		if end > 0 && rest[end] == '@' && strings.HasPrefix(rest[end+1:], domain) {
			if rcpt, ok := v.Recipient(list, rest[:end]); ok {
				return rcpt, true
			}
		}
		j := strings.Index(rest, prefix)
		if j < 0 {
			break
		}
		i += len(prefix) + j
	}
	return "", false
}
