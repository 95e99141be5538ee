package web

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"praxis/listserv/mailmsg"
	"praxis/listserv/store"
)

// Cookies: the session (who is signed in) and the CSRF cookie every form
// is bound to. Both HttpOnly and SameSite=Lax; Secure behind https.
const (
	sessionCookie = "praxis_session"
	csrfField     = "csrf"

	sessionLife = 30 * 24 * time.Hour
	signInLife  = 30 * time.Minute
)

var b64 = base64.RawURLEncoding

// secret is the HMAC key for sign-in links and CSRF tokens, kept in the
// data dir so that links survive a restart.
//
// Read once and kept; a failure is not kept (the database restarting,
// a visitor's request cut short): the next request reads it again,
// where a kept error had refused every sign-in until a restart.
func (s *Server) secret(ctx context.Context) ([]byte, error) {
	s.secretMu.Lock()
	defer s.secretMu.Unlock()
	if s.key != nil {
		return s.key, nil
	}
	key, err := s.st.Secret(ctx, "web")
	if err != nil {
		return nil, err
	}
	s.key = key
	return key, nil
}

func (s *Server) mac(ctx context.Context, parts ...string) (string, error) {
	key, err := s.secret(ctx)
	if err != nil {
		return "", err
	}
	m := hmac.New(sha256.New, key)
	m.Write([]byte(strings.Join(parts, "\x00")))
	return b64.EncodeToString(m.Sum(nil)), nil
}

func randomToken() string {
	b := make([]byte, 32)
	rand.Read(b)
	return b64.EncodeToString(b)
}

func (s *Server) setCookie(w http.ResponseWriter, name, value string, life time.Duration) {
	c := &http.Cookie{Name: name, Value: value, Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: s.cfg.Secure}
	if life > 0 {
		c.MaxAge = int(life / time.Second)
	} else if life < 0 {
		c.MaxAge = -1
	}
	http.SetCookie(w, c)
}

// csrfCookie is the CSRF cookie's name. Behind https it has the __Host-
// prefix, which browsers accept only from a secure origin, for the whole
// host (Path=/, no Domain) (RFC 6265bis §4.1.3.2): so no other host under
// the same domain, nor a man in the middle over plain http, can plant one
// of their own choosing. Browsers refuse the prefix without Secure, so
// over plain http the name is a plain one.
func (s *Server) csrfCookie() string {
	if s.cfg.Secure {
		return "__Host-praxis_csrf"
	}
	return "praxis_csrf"
}

// csrfMAC is the token of a CSRF cookie value within a session (or none,
// signed out): one who plants a cookie they know, and knows its token in
// their own session, still cannot make a token that passes in another's.
func (s *Server) csrfMAC(r *http.Request, cookie string) (string, error) {
	return s.mac(r.Context(), "csrf", cookie, s.who(r).session)
}

// csrfToken returns the token forms carry, setting the CSRF cookie it is
// bound to when the visitor has none yet.
func (s *Server) csrfToken(w http.ResponseWriter, r *http.Request) string {
	name, v := s.csrfCookie(), ""
	if c, err := r.Cookie(name); err == nil && len(c.Value) >= 32 {
		v = c.Value
	} else {
		v = randomToken()
		s.setCookie(w, name, v, 0)
		// Later code in this request (a second form) sees it too.
		r.AddCookie(&http.Cookie{Name: name, Value: v})
	}
	tok, err := s.csrfMAC(r, v)
	if err != nil {
		s.log.Error("csrf token", "err", err)
	}
	return tok
}

// checkCSRF tells whether a POST carries the token of its CSRF cookie and
// session: a form on another site can make the browser post, but cannot
// read the cookie to compute the token.
func (s *Server) checkCSRF(r *http.Request) bool {
	c, err := r.Cookie(s.csrfCookie())
	if err != nil || len(c.Value) < 32 {
		return false
	}
	want, err := s.csrfMAC(r, c.Value)
	if err != nil {
		return false
	}
	return subtle.ConstantTimeCompare([]byte(r.PostFormValue(csrfField)), []byte(want)) == 1
}

// visitor is who is asking: an address when signed in, and what they are
// on which list.
type visitor struct {
	Address string
	session string
	member  map[int64]*store.Member
}

func (v *visitor) signedIn() bool { return v != nil && v.Address != "" }

// canRead tells whether v may see l's archive: everyone for a public list,
// members for a private one, nobody for a list without an archive.
func (v *visitor) canRead(l *store.List) bool {
	switch l.ArchivePolicy {
	case store.ArchivePublic:
		return true
	case store.ArchivePrivate:
		return v.signedIn() && v.member[l.ID] != nil
	}
	return false
}

// seesAddresses tells whether v may see the addresses in l's archive:
// only its members, signed in (SPEC: others see names). Everyone else is
// shown names, and addresses cut, on every page, feed and API answer.
func (v *visitor) seesAddresses(l *store.List) bool {
	return v.signedIn() && v.member[l.ID] != nil
}

// takesRaw tells whether v may download l's posts as they came (raw
// posts, mbox): everyone who reads the archive, unless its owner keeps
// them for members signed in (store.RawMembers).
func (v *visitor) takesRaw(l *store.List) bool {
	return l.RawAccess != store.RawMembers || v.seesAddresses(l)
}

// author is how v is shown who wrote a post on l, from the From field's
// address and name as the store keeps them: the name, with the address
// for those who may see it. A From a list munged for DMARC ("Ann via
// CoP" <cop@…>) is shown as the name alone: the address is the list's.
func (v *visitor) author(l *store.List, addr, name string) string {
	if d := mailmsg.Demunged(name); d != name {
		// The address is the list's; the name left may be an address
		// itself ("ann@example.org via CoP"), hidden like any other.
		name, addr = d, ""
	}
	if !v.seesAddresses(l) {
		return mailmsg.HiddenAuthor(addr, name)
	}
	switch {
	case name == "":
		return addr
	case addr == "":
		return name
	}
	return name + " <" + addr + ">"
}

// moderates tells whether v decides l's held posts.
func (v *visitor) moderates(l *store.List) bool {
	if !v.signedIn() {
		return false
	}
	m := v.member[l.ID]
	return m != nil && (m.Role == store.RoleModerator || m.Role == store.RoleOwner)
}

type visitorKey struct{}

// who finds the visitor of a request from its session cookie; anonymous
// when there is none or it expired.
func (s *Server) who(r *http.Request) *visitor {
	if v, ok := r.Context().Value(visitorKey{}).(*visitor); ok {
		return v
	}
	v := &visitor{}
	if c, err := r.Cookie(sessionCookie); err == nil && c.Value != "" {
		if addr, err := s.st.SessionAddress(r.Context(), c.Value); err == nil {
			if ms, err := s.svc.Memberships(r.Context(), addr); err == nil {
				v = &visitor{Address: addr, session: c.Value, member: ms}
			}
		}
	}
	*r = *r.WithContext(context.WithValue(r.Context(), visitorKey{}, v))
	return v
}

// signInToken makes a sign-in link's token: the address, the list it was
// asked on, when it expires and a nonce (so it works once), signed.
func (s *Server) signInToken(ctx context.Context, addr, list string, expires time.Time) (string, error) {
	payload := strings.Join([]string{"v1", addr, list, strconv.FormatInt(expires.Unix(), 10), randomToken()[:22]}, "\n")
	sig, err := s.mac(ctx, "signin", payload)
	if err != nil {
		return "", err
	}
	return b64.EncodeToString([]byte(payload)) + "." + sig, nil
}

type signIn struct {
	addr, list, nonce string
	expires           time.Time
}

var errBadSignIn = errors.New("sign-in link not valid")

func (s *Server) parseSignIn(ctx context.Context, tok string) (*signIn, error) {
	enc, sig, ok := strings.Cut(tok, ".")
	if !ok {
		return nil, errBadSignIn
	}
	raw, err := b64.DecodeString(enc)
	if err != nil {
		return nil, errBadSignIn
	}
	want, err := s.mac(ctx, "signin", string(raw))
	if err != nil {
		return nil, err
	}
	if subtle.ConstantTimeCompare([]byte(sig), []byte(want)) != 1 {
		return nil, errBadSignIn
	}
	f := strings.Split(string(raw), "\n")
	if len(f) != 5 || f[0] != "v1" {
		return nil, errBadSignIn
	}
	exp, err := strconv.ParseInt(f[3], 10, 64)
	if err != nil {
		return nil, errBadSignIn
	}
	si := &signIn{addr: f[1], list: f[2], nonce: f[4], expires: time.Unix(exp, 0)}
	if s.now().After(si.expires) {
		return nil, fmt.Errorf("%w: expired", errBadSignIn)
	}
	return si, nil
}
