package apppass

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/crypto/argon2"

	"praxis/listserv/clientkey"
	"praxis/listserv/store"
)

// Store is where app passwords are kept (store.Store's appPassTable).
type Store interface {
	// AddAppPassword stores the hash of a new password of addr on the
	// list; an error wrapping store.ErrNotFound when addr is no member.
	AddAppPassword(ctx context.Context, listID int64, addr, hash string) error
	// AppPasswordHashes returns the hashes of addr's passwords on every
	// list it is a member of, newest first.
	AppPasswordHashes(ctx context.Context, addr string) ([]string, error)
	// RevokeAppPasswords removes addr's passwords on the list and says
	// how many there were.
	RevokeAppPasswords(ctx context.Context, listID int64, addr string) (int, error)
}

var _ Store = (*store.Store)(nil)

// ErrLoginFailed is the one answer to every failed login: a wrong
// password, an unknown address and a limited client look the same, so
// that a guesser learns nothing but "no".
var ErrLoginFailed = errors.New("apppass: login failed")

// A password is 16 characters from a 32-letter alphabet, 5 bits each: 80
// bits, far beyond guessing at the limiter's pace. The alphabet leaves out
// l, o, 0 and 1, which people mistake for one another; it is lower case
// because a password is typed into a mail client once and read from a
// terminal, and groups of four are easy to copy by eye.
const (
	alphabet = "abcdefghijkmnpqrstuvwxyz23456789"
	groups   = 4
	groupLen = 4
	// maxPlain bounds what is hashed: no password of ours is longer, and
	// a client must not make the server hash megabytes.
	maxPlain = 128
)

// Generate returns a new random password, e.g. "k7fm-2xqa-hd9w-pe4t".
func Generate() (string, error) {
	var b [groups * groupLen]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("apppass: generate: %w", err)
	}
	var out strings.Builder
	for i, c := range b {
		if i > 0 && i%groupLen == 0 {
			out.WriteByte('-')
		}
		// 256 is a multiple of 32, so the low five bits are uniform.
		out.WriteByte(alphabet[c&31])
	}
	return out.String(), nil
}

// normalize is the form a password is hashed in: the dashes and spaces
// that group it and its case do not matter, so a password read aloud or
// typed in capitals still works. It costs no entropy: every generated
// password is lower case letters and digits.
func normalize(plain string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r == '-' || r == ' ' || r == '\t':
			return -1
		case 'A' <= r && r <= 'Z':
			return r + ('a' - 'A')
		}
		return r
	}, plain)
}

// params are argon2id's parameters. They are written into every hash, so
// raising them later leaves the stored hashes checkable.
type params struct {
	time    uint32 // passes
	memory  uint32 // KiB
	threads uint8
	saltLen int
	keyLen  int
}

// defaultParams are OWASP's first recommendation for argon2id (19 MiB, two
// passes, one lane): a login costs tens of milliseconds, and Login checks
// a bounded number of hashes with a bounded number at once.
var defaultParams = params{time: 2, memory: 19 * 1024, threads: 1, saltLen: 16, keyLen: 32}

// The bounds a stored hash's parameters must keep to: a corrupt or
// hostile row must not make a login allocate gigabytes or spin for
// minutes.
const (
	maxTime    = 16
	maxMemory  = 256 * 1024 // KiB
	maxThreads = 16
	minSalt    = 8
	maxSalt    = 64
	minKey     = 16
	maxKey     = 64
)

var b64 = base64.RawStdEncoding.Strict()

// Hash returns the argon2id hash of plain as a PHC string:
// $argon2id$v=19$m=19456,t=2,p=1$SALT$KEY (base64 without padding).
func Hash(plain string) (string, error) { return hashWith(plain, defaultParams) }

func hashWith(plain string, p params) (string, error) {
	n := normalize(plain)
	if n == "" || len(plain) > maxPlain {
		return "", fmt.Errorf("apppass: hash: a password of %d characters", len(plain))
	}
	salt := make([]byte, p.saltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("apppass: hash: %w", err)
	}
	key := argon2.IDKey([]byte(n), salt, p.time, p.memory, p.threads, uint32(p.keyLen))
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, p.memory, p.time, p.threads, b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// parse reads a hash that Hash wrote; ok is false for anything else.
func parse(h string) (p params, salt, key []byte, ok bool) {
	f := strings.Split(h, "$")
	if len(f) != 6 || f[0] != "" || f[1] != "argon2id" || f[2] != "v="+strconv.Itoa(argon2.Version) {
		return p, nil, nil, false
	}
	kv := strings.Split(f[3], ",")
	if len(kv) != 3 {
		return p, nil, nil, false
	}
	var v [3]uint64
	for i, name := range []string{"m=", "t=", "p="} {
		s, found := strings.CutPrefix(kv[i], name)
		if !found {
			return p, nil, nil, false
		}
		n, err := strconv.ParseUint(s, 10, 32)
		if err != nil {
			return p, nil, nil, false
		}
		v[i] = n
	}
	p.memory, p.time = uint32(v[0]), uint32(v[1])
	if v[2] < 1 || v[2] > maxThreads || p.time < 1 || p.time > maxTime || p.memory > maxMemory || uint64(p.memory) < 8*v[2] {
		return p, nil, nil, false
	}
	p.threads = uint8(v[2])
	salt, err := b64.DecodeString(f[4])
	if err != nil || len(salt) < minSalt || len(salt) > maxSalt {
		return p, nil, nil, false
	}
	key, err = b64.DecodeString(f[5])
	if err != nil || len(key) < minKey || len(key) > maxKey {
		return p, nil, nil, false
	}
	p.saltLen, p.keyLen = len(salt), len(key)
	return p, salt, key, true
}

// Check tells whether plain is the password hash was made from. A hash it
// cannot read is no match, never a panic; the keys are compared in
// constant time.
func Check(plain, hash string) bool {
	p, salt, key, ok := parse(hash)
	if !ok {
		return false
	}
	n := normalize(plain)
	if n == "" || len(plain) > maxPlain {
		return false
	}
	got := argon2.IDKey([]byte(n), salt, p.time, p.memory, p.threads, uint32(len(key)))
	return subtle.ConstantTimeCompare(got, key) == 1
}

// Issue makes a new password for addr on the list, stores its hash and
// returns the password, to be shown once: only the hash is kept.
func Issue(ctx context.Context, st Store, listID int64, addr string) (string, error) {
	plain, err := Generate()
	if err != nil {
		return "", err
	}
	h, err := Hash(plain)
	if err != nil {
		return "", err
	}
	if err := st.AddAppPassword(ctx, listID, addr, h); err != nil {
		return "", fmt.Errorf("apppass: issue: %w", err)
	}
	return plain, nil
}

// The limits of Login. A member's client logs in once per session, so ten
// failures of one address in a quarter of an hour is a typo's worth many
// times over; an IP gets twice that, for a household or an office of
// members behind one address.
const (
	maxAddrFailures = 10
	maxIPFailures   = 20
	failureWindow   = 15 * time.Minute
	// maxTracked bounds each limiter's memory (and a flood of made-up
	// addresses or IPs only evicts the oldest records).
	maxTracked = 10000
	// maxHashes bounds the work of one login: an address on many lists
	// has its newest passwords tried, never an unbounded number.
	maxHashes = 20
	// maxAddr is the longest address a login looks up.
	maxAddr = 320
)

// Authenticator checks member logins against their app passwords, with
// failed logins limited per IP and per address.
type Authenticator struct {
	st             Store
	now            func() time.Time
	byIP, byAddr   failureLimit
	hashing        chan struct{} // one token per hash being computed
	decoyOnce      sync.Once
	decoy          string
	decoyErr       error
	testHashParams *params // tests: cheaper decoy
}

// NewAuthenticator returns an Authenticator over st; now is its clock
// (nil: time.Now), which the limiter's window is measured on.
func NewAuthenticator(st Store, now func() time.Time) *Authenticator {
	if now == nil {
		now = time.Now
	}
	return &Authenticator{
		st: st, now: now,
		byIP:   newLimiter(maxIPFailures, failureWindow, maxTracked),
		byAddr: newLimiter(maxAddrFailures, failureWindow, maxTracked),
		// Each argon2id computation holds 19 MiB and a core: as many at
		// once as there are cores, and a flood of logins waits its turn
		// instead of exhausting memory.
		hashing: make(chan struct{}, runtime.GOMAXPROCS(0)),
	}
}

// Login tells whether pass is one of addr's app passwords (on any of the
// lists addr is a member of). Every failure is an error that
// errors.Is(err, ErrLoginFailed): a wrong password, an unknown address,
// a client over its limit, and trouble with the store (which is wrapped
// too, for the log).
//
// A failure counts against both the client's IP and the address. A
// success resets neither: an attacker holding one valid password must
// not be able to wipe their IP's record, nor a member's login wipe the
// record of someone guessing theirs.
func (a *Authenticator) Login(ctx context.Context, ip net.IP, addr, pass string) error {
	// A nil or malformed ip is the zero Addr: clientkey.Unknown.
	ipAddr, _ := netip.AddrFromSlice(ip)
	ipk, addrk := clientkey.Of(ipAddr), store.AddressKey(addr)
	if len(addrk) > maxAddr {
		// No such address exists (RFC 5321 §4.5.3.1 bounds a path), and
		// the limiter must not keep megabytes of made-up keys: one key
		// holds them all.
		addrk = "(overlong)"
	}
	// Both slots are taken before any work, and held while the hashes
	// are computed, so a hundred parallel connections get no more
	// guesses than one.
	if ok, err := a.byIP.reserve(ctx, ipk, a.now()); !ok {
		return loginRefused(err)
	}
	if ok, err := a.byAddr.reserve(ctx, addrk, a.now()); !ok {
		// Guessing at a locked address still costs the client.
		a.byIP.settle(ctx, ipk, a.now(), true)
		return loginRefused(err)
	}
	ok, err := a.check(ctx, addrk, pass)
	failed := err == nil && !ok
	a.byIP.settle(ctx, ipk, a.now(), failed)
	a.byAddr.settle(ctx, addrk, a.now(), failed)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrLoginFailed, err)
	}
	if !ok {
		return ErrLoginFailed
	}
	return nil
}

// loginRefused is the error of a login its limit refused; err, when the
// limit could not be read, goes along for the log.
func loginRefused(err error) error {
	if err != nil {
		return fmt.Errorf("%w: %w", ErrLoginFailed, err)
	}
	return ErrLoginFailed
}

// CountIn makes the limits count failed logins in st, which every node
// sharing the database sees, instead of in this process's memory; for
// nodes on PostgreSQL. Called before the first Login.
func (a *Authenticator) CountIn(st SharedLimits) {
	a.byIP = newSharedFailures(st, "imap-login-ip", maxIPFailures, failureWindow)
	a.byAddr = newSharedFailures(st, "imap-login-address", maxAddrFailures, failureWindow)
}

// check tries pass against addr's newest hashes, newest first. An
// address without any is checked against a decoy hash, so that an
// unknown address takes as long to refuse as a known one.
func (a *Authenticator) check(ctx context.Context, addr, pass string) (bool, error) {
	if addr == "" || len(addr) > maxAddr || pass == "" || len(pass) > maxPlain {
		return false, nil
	}
	hashes, err := a.st.AppPasswordHashes(ctx, addr)
	if err != nil {
		return false, fmt.Errorf("app passwords of %s: %w", addr, err)
	}
	if len(hashes) > maxHashes {
		hashes = hashes[:maxHashes]
	}
	decoy := len(hashes) == 0
	if decoy {
		h, err := a.decoyHash()
		if err != nil {
			return false, err
		}
		hashes = []string{h}
	}
	for _, h := range hashes {
		select {
		case a.hashing <- struct{}{}:
		case <-ctx.Done():
			return false, ctx.Err()
		}
		match := Check(pass, h)
		<-a.hashing
		if match && !decoy {
			return true, nil
		}
	}
	return false, nil
}

// decoyHash is a hash of a password nobody knows, made on first need.
func (a *Authenticator) decoyHash() (string, error) {
	a.decoyOnce.Do(func() {
		p := defaultParams
		if a.testHashParams != nil {
			p = *a.testHashParams
		}
		var plain string
		if plain, a.decoyErr = Generate(); a.decoyErr == nil {
			a.decoy, a.decoyErr = hashWith(plain, p)
		}
	})
	return a.decoy, a.decoyErr
}
