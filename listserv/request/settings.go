package request

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"strconv"
	"strings"
	"time"
)

// Settings are the member's own settings the web's /settings page changes,
// and that a settings link is for: each link opens one of them.
var Settings = []string{"delivery", "expertise", "listing", "suggestions"}

// Expertise is the declared expertise kept of what a member wrote (by
// mail, `set expertise`, or on the web): words separated by one space, at
// most 300 characters.
func Expertise(terms string) string {
	terms = strings.Join(strings.Fields(terms), " ")
	if r := []rune(terms); len(r) > 300 {
		terms = string(r[:300])
	}
	return terms
}

// OnOff reads the value of an on|off setting (listing, suggestions) as
// every way of changing it takes it (`set listing on` by mail, `praxis
// member set --listing on`): on or yes, off or no, in any case.
func OnOff(v string) (on, ok bool) {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "on", "yes":
		return true, true
	case "off", "no":
		return false, true
	}
	return false, false
}

// OnOffText names an on|off setting's state as OnOff reads it.
func OnOffText(on bool) string {
	if on {
		return "on"
	}
	return "off"
}

// SettingsLinkLife is how long a settings link works: it signs its holder
// in for one change, so it lives about as long as a sign-in link does.
const SettingsLinkLife = time.Hour

// SettingsSecret names the store's secret (store.Secret) that settings
// links are signed with: the robot signs them, the web checks them.
const SettingsSecret = "settings"

// SettingsGrant is what a settings link allows: one change of one setting
// of one member on one list, once (Nonce, spent in the store), before
// Expires.
type SettingsGrant struct {
	Address, List, Setting, Nonce string
	Expires                       time.Time
}

// ErrBadSettingsLink is the error of a settings link that was not made
// here, was altered, or expired.
var ErrBadSettingsLink = errors.New("settings link not valid")

var enc = base64.RawURLEncoding

func settingsMAC(key []byte, payload string) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte("settings\x00"))
	m.Write([]byte(payload))
	return enc.EncodeToString(m.Sum(nil))
}

// SettingsToken makes the token of a settings link for g (its Nonce is
// made here): the grant and its HMAC under key.
func SettingsToken(key []byte, g SettingsGrant) string {
	nonce := make([]byte, 16)
	rand.Read(nonce)
	payload := strings.Join([]string{"s1", g.Address, g.List, g.Setting, strconv.FormatInt(g.Expires.Unix(), 10), enc.EncodeToString(nonce)}, "\n")
	return enc.EncodeToString([]byte(payload)) + "." + settingsMAC(key, payload)
}

// ParseSettingsToken returns the grant of a token made by SettingsToken
// under key, if it is still valid at now. Whether it was used already is
// the store's to say (the caller spends its Nonce).
func ParseSettingsToken(key []byte, tok string, now time.Time) (*SettingsGrant, error) {
	p64, sig, ok := strings.Cut(tok, ".")
	if !ok {
		return nil, ErrBadSettingsLink
	}
	raw, err := enc.DecodeString(p64)
	if err != nil || !hmac.Equal([]byte(sig), []byte(settingsMAC(key, string(raw)))) {
		return nil, ErrBadSettingsLink
	}
	f := strings.Split(string(raw), "\n")
	if len(f) != 6 || f[0] != "s1" {
		return nil, ErrBadSettingsLink
	}
	exp, err := strconv.ParseInt(f[4], 10, 64)
	if err != nil {
		return nil, ErrBadSettingsLink
	}
	g := &SettingsGrant{Address: f[1], List: f[2], Setting: f[3], Expires: time.Unix(exp, 0), Nonce: f[5]}
	if !now.Before(g.Expires) {
		return nil, ErrBadSettingsLink
	}
	return g, nil
}

// SettingsOncePath is where the web answers a settings link.
func SettingsOncePath(token string) string { return "/settings/once/" + token }
