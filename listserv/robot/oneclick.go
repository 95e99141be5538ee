package robot

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"praxis/listserv/request"
	"strings"

	"praxis/listserv/store"
)

// UnsubscribeToken is the unforgeable part of a member's one-click link
// (RFC 8058 §3.1 asks for a URI that identifies the recipient): the address
// and an HMAC over list and address with a secret only this data dir knows.
func (s *OneClick) UnsubscribeToken(list, addr string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(addr)) + "." + s.unsubMAC(list, addr)
}

func (s *OneClick) unsubMAC(list, addr string) string {
	h := hmac.New(sha256.New, s.key)
	h.Write([]byte("unsubscribe\x00"))
	h.Write([]byte(strings.ToLower(list)))
	h.Write([]byte{0})
	h.Write([]byte(store.AddressKey(addr)))
	return base64.RawURLEncoding.EncodeToString(h.Sum(nil)[:18])
}

// UnsubscribeURL is the member's personal https one-click link.
func (s *OneClick) UnsubscribeURL(list, addr string) string {
	return s.baseURL + request.UnsubscribePath(list, s.UnsubscribeToken(list, addr))
}

// CheckUnsubscribeToken returns the address a token was made for.
func (s *OneClick) CheckUnsubscribeToken(list, token string) (string, error) {
	enc, mac, ok := strings.Cut(token, ".")
	raw, err := base64.RawURLEncoding.DecodeString(enc)
	if !ok || err != nil {
		return "", fmt.Errorf("%w: malformed unsubscribe link", store.ErrInvalid)
	}
	addr := string(raw)
	if !hmac.Equal([]byte(mac), []byte(s.unsubMAC(list, addr))) {
		return "", fmt.Errorf("%w: unsubscribe link does not match", store.ErrInvalid)
	}
	return addr, nil
}

// UnsubscribeByToken removes the member a valid token names. It reports
// gone=true when the address is no longer a member (a second click).
func (s *OneClick) UnsubscribeByToken(ctx context.Context, list, token string) (addr string, gone bool, err error) {
	addr, err = s.CheckUnsubscribeToken(list, token)
	if err != nil {
		return "", false, err
	}
	if err := s.removeMember(ctx, list, addr); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return addr, true, nil
		}
		return addr, false, err
	}
	s.log.Info("member unsubscribed by one-click", "list", list, "rcpt", addr)
	return addr, false, nil
}
