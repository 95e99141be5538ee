package apppass

import (
	"context"
	"errors"
	"net"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// cheap are parameters that keep the tests quick; a hash carries its
// parameters, so Check reads these as it reads the real ones.
var cheap = params{time: 1, memory: 64, threads: 1, saltLen: 16, keyLen: 32}

func cheapHash(t *testing.T, plain string) string {
	t.Helper()
	h, err := hashWith(plain, cheap)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// TestGenerate: four groups of four from the alphabet, and never the same
// twice; every letter of the alphabet turns up (the five-bit draw covers
// it), none of the look-alikes does.
func TestGenerate(t *testing.T) {
	shape := regexp.MustCompile(`^[` + alphabet + `]{4}(-[` + alphabet + `]{4}){3}$`)
	seen := map[string]bool{}
	letters := map[rune]bool{}
	for i := 0; i < 2000; i++ {
		p, err := Generate()
		if err != nil {
			t.Fatal(err)
		}
		if !shape.MatchString(p) {
			t.Fatalf("Generate() = %q, not four groups of four from %q", p, alphabet)
		}
		if seen[p] {
			t.Fatalf("Generate() gave %q twice", p)
		}
		seen[p] = true
		for _, r := range strings.ReplaceAll(p, "-", "") {
			letters[r] = true
		}
	}
	if len(alphabet) != 32 || len(letters) != 32 {
		t.Errorf("alphabet of %d, %d letters seen; want 32 (5 bits a letter, 80 bits a password)", len(alphabet), len(letters))
	}
	if strings.ContainsAny(alphabet, "lo01") {
		t.Errorf("alphabet %q holds look-alikes", alphabet)
	}
}

// TestHashCheck: the password checks, every other does not; its grouping
// and case do not matter; the hash is argon2id in a PHC string with the
// default parameters and a fresh salt each time.
func TestHashCheck(t *testing.T) {
	plain, err := Generate()
	if err != nil {
		t.Fatal(err)
	}
	h, err := Hash(plain)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Errorf("Hash = %q, want argon2id with m=19456,t=2,p=1", h)
	}
	if strings.Contains(h, plain) || strings.Contains(h, strings.ReplaceAll(plain, "-", "")) {
		t.Errorf("the hash %q shows the password", h)
	}
	h2, err := Hash(plain)
	if err != nil {
		t.Fatal(err)
	}
	if h2 == h {
		t.Error("two hashes of one password are equal: no salt")
	}
	if !Check(plain, h) || !Check(plain, h2) {
		t.Fatalf("Check(%q) of its own hash is false", plain)
	}
	for _, same := range []string{strings.ToUpper(plain), strings.ReplaceAll(plain, "-", ""), strings.ReplaceAll(plain, "-", " ")} {
		if !Check(same, h) {
			t.Errorf("Check(%q) is false: grouping and case should not matter", same)
		}
	}
	other := []byte(plain)
	other[0] = alphabet[(strings.IndexByte(alphabet, other[0])+1)%32]
	for _, wrong := range []string{string(other), plain[:len(plain)-1], plain + "a", "", "-", h} {
		if Check(wrong, h) {
			t.Errorf("Check(%q) is true for the hash of %q", wrong, plain)
		}
	}
	if _, err := Hash(""); err == nil {
		t.Error("Hash of an empty password succeeded")
	}
	if _, err := Hash(strings.Repeat("a", maxPlain+1)); err == nil {
		t.Error("Hash of an overlong password succeeded")
	}
}

// TestCheckOldParameters: a hash made with other parameters (older, or
// newer) still checks: they are read from the hash.
func TestCheckOldParameters(t *testing.T) {
	for _, p := range []params{cheap, {time: 3, memory: 1024, threads: 2, saltLen: 8, keyLen: 16}, {time: 1, memory: 512, threads: 1, saltLen: 32, keyLen: 64}} {
		h, err := hashWith("abcd-efgh-ijkm-npqr", p)
		if err != nil {
			t.Fatal(err)
		}
		if !Check("abcd-efgh-ijkm-npqr", h) {
			t.Errorf("a hash with %+v does not check: %s", p, h)
		}
		if Check("abcd-efgh-ijkm-npqs", h) {
			t.Errorf("a wrong password checks against %s", h)
		}
	}
}

// TestCheckMalformed: a stored hash that is not one of ours, or is one
// with a byte changed, or asks for absurd work, is no match and no panic.
func TestCheckMalformed(t *testing.T) {
	const plain = "abcd-efgh-ijkm-npqr"
	good, err := hashWith(plain, cheap)
	if err != nil {
		t.Fatal(err)
	}
	f := strings.Split(good, "$")
	salt, key := f[4], f[5]
	// The same hash with one bit of its key or its salt changed: well
	// formed, and no match.
	raw, err := b64.DecodeString(key)
	if err != nil {
		t.Fatal(err)
	}
	raw[3] ^= 1
	flipped := b64.EncodeToString(raw)
	rawSalt, err := b64.DecodeString(salt)
	if err != nil {
		t.Fatal(err)
	}
	rawSalt[0] ^= 0x80
	otherSalt := b64.EncodeToString(rawSalt)
	bad := []string{
		"", "$", "$$$$$", "plain", "$argon2i$v=19$m=64,t=1,p=1$" + salt + "$" + key,
		"$argon2id$v=16$m=64,t=1,p=1$" + salt + "$" + key,
		"$argon2id$v=19$m=64,t=1$" + salt + "$" + key,
		"$argon2id$v=19$t=1,m=64,p=1$" + salt + "$" + key,
		"$argon2id$v=19$m=64,t=0,p=1$" + salt + "$" + key,
		"$argon2id$v=19$m=64,t=1,p=0$" + salt + "$" + key,
		"$argon2id$v=19$m=64,t=1,p=300$" + salt + "$" + key,
		"$argon2id$v=19$m=4,t=1,p=1$" + salt + "$" + key,
		"$argon2id$v=19$m=99999999,t=1,p=1$" + salt + "$" + key,
		"$argon2id$v=19$m=64,t=99999,p=1$" + salt + "$" + key,
		"$argon2id$v=19$m=-64,t=1,p=1$" + salt + "$" + key,
		"$argon2id$v=19$m=64,t=1,p=1$$" + key,
		"$argon2id$v=19$m=64,t=1,p=1$" + salt + "$",
		"$argon2id$v=19$m=64,t=1,p=1$" + salt + "$" + key[:10],
		"$argon2id$v=19$m=64,t=1,p=1$" + salt + "$" + key + "==",
		"$argon2id$v=19$m=64,t=1,p=1$" + salt + "$" + key + "$",
		"$argon2id$v=19$m=64,t=1,p=1$" + salt + "$" + flipped,
		"$argon2id$v=19$m=64,t=1,p=1$" + otherSalt + "$" + key,
		"$argon2id$v=19$m=64,t=2,p=1$" + salt + "$" + key,
		"$argon2id$v=19$m=64,t=1,p=1$!!!!" + salt + "$" + key,
		"x" + good,
		good + " ",
	}
	for _, h := range bad {
		if Check(plain, h) {
			t.Errorf("Check against malformed %q is true", h)
		}
	}
	if !Check(plain, good) || !Check(plain, fuzzHash) {
		t.Fatal("a good hash does not check")
	}
}

// fuzzHash is a hash of "abcd-efgh-ijkm-npqr" with the cheap parameters,
// fixed so that every fuzzing worker has the same seed.
const fuzzHash = "$argon2id$v=19$m=64,t=1,p=1$JvgPomYfsOlDPXrgDUFc4Q$HZfFuCfWc45KIyStBb1r1jSklEb37Ys4Qsq+mEHq6l4"

// FuzzCheck: no stored string panics Check, and only the one password
// the fuzzer holds a hash of ever matches: it cannot forge another.
func FuzzCheck(f *testing.F) {
	f.Add("abcd-efgh-ijkm-npqr", fuzzHash)
	f.Add("ABCDEFGHIJKMNPQR", fuzzHash)
	f.Add("x", "$argon2id$v=19$m=64,t=1,p=1$AAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAA")
	f.Fuzz(func(t *testing.T, plain, h string) {
		if p, _, _, ok := parse(h); ok && (p.memory > 4096 || p.time > 4) {
			t.Skip() // legal, bounded by parse, but too slow to fuzz
		}
		if Check(plain, h) && normalize(plain) != "abcdefghijkmnpqr" {
			t.Errorf("Check(%q, %q) is true", plain, h)
		}
	})
}

// fakeStore is a Store in memory that counts the logins it answers.
type fakeStore struct {
	mu      sync.Mutex
	hashes  map[string][]string // address → hashes, newest first
	lookups atomic.Int32
	fail    error
}

func (f *fakeStore) AddAppPassword(_ context.Context, _ int64, addr, hash string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.hashes[addr] = append([]string{hash}, f.hashes[addr]...)
	return nil
}

func (f *fakeStore) AppPasswordHashes(_ context.Context, addr string) ([]string, error) {
	f.lookups.Add(1)
	if f.fail != nil {
		return nil, f.fail
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.hashes[addr]...), nil
}

func (f *fakeStore) RevokeAppPasswords(_ context.Context, _ int64, addr string) (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := len(f.hashes[addr])
	delete(f.hashes, addr)
	return n, nil
}

// clock is a fake time the tests move by hand.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func newAuth(t *testing.T, st *fakeStore) (*Authenticator, *clock) {
	t.Helper()
	c := &clock{now: time.Date(2026, 12, 3, 8, 0, 0, 0, time.UTC)}
	a := NewAuthenticator(st, c.Now)
	a.testHashParams = &cheap
	return a, c
}

var (
	ip1 = net.ParseIP("192.0.2.1")
	ip2 = net.ParseIP("192.0.2.2")
)

// TestLogin: the right password of any of the address's lists logs in,
// whatever the address's case; a wrong one, an unknown address, an empty
// or overlong password, and a store in trouble are all ErrLoginFailed.
func TestLogin(t *testing.T) {
	ctx := context.Background()
	st := &fakeStore{hashes: map[string][]string{
		"ann@example.net": {cheapHash(t, "aaaa-bbbb-cccc-dddd"), cheapHash(t, "eeee-ffff-gggg-hhhh")},
	}}
	a, _ := newAuth(t, st)
	for _, pass := range []string{"aaaa-bbbb-cccc-dddd", "eeee-ffff-gggg-hhhh", "EEEEFFFFGGGGHHHH"} {
		if err := a.Login(ctx, ip1, "Ann@Example.NET", pass); err != nil {
			t.Errorf("Login with %q: %v", pass, err)
		}
	}
	for _, tt := range []struct{ addr, pass string }{
		{"ann@example.net", "aaaa-bbbb-cccc-ddde"},
		{"ann@example.net", ""},
		{"ann@example.net", strings.Repeat("a", 10000)},
		{"bob@example.net", "aaaa-bbbb-cccc-dddd"},
		{"", "aaaa-bbbb-cccc-dddd"},
		{strings.Repeat("x", 100000) + "@example.net", "aaaa-bbbb-cccc-dddd"},
	} {
		if err := a.Login(ctx, ip1, tt.addr, tt.pass); !errors.Is(err, ErrLoginFailed) || err != ErrLoginFailed {
			t.Errorf("Login(%q, %q) = %v, want exactly ErrLoginFailed", tt.addr, tt.pass, err)
		}
	}
	if n := a.byAddr.(*limiter).tracked(); n > 4 {
		t.Errorf("%d addresses tracked after failures of 4 (and an overlong one)", n)
	}
	if _, ok := a.byAddr.(*limiter).keys["(overlong)"]; !ok {
		t.Error("the overlong address is not tracked under one key")
	}
	st.fail = errors.New("disk on fire")
	err := a.Login(ctx, ip2, "ann@example.net", "aaaa-bbbb-cccc-dddd")
	if !errors.Is(err, ErrLoginFailed) || !strings.Contains(err.Error(), "disk on fire") {
		t.Errorf("Login with the store failing = %v, want ErrLoginFailed wrapping the cause", err)
	}
}

// TestLoginNewestHashes: an address's hashes are tried newest first and
// at most maxHashes of them.
func TestLoginNewestHashes(t *testing.T) {
	ctx := context.Background()
	var hs []string
	for i := 0; i < maxHashes+1; i++ {
		hs = append(hs, cheapHash(t, "pass"+alphabet[i:i+4]))
	}
	st := &fakeStore{hashes: map[string][]string{"ann@example.net": hs}}
	a, _ := newAuth(t, st)
	if err := a.Login(ctx, ip1, "ann@example.net", "pass"+alphabet[0:4]); err != nil {
		t.Errorf("the newest password: %v", err)
	}
	if err := a.Login(ctx, ip1, "ann@example.net", "pass"+alphabet[maxHashes-1:maxHashes+3]); err != nil {
		t.Errorf("the %dth newest password: %v", maxHashes, err)
	}
	if err := a.Login(ctx, ip1, "ann@example.net", "pass"+alphabet[maxHashes:maxHashes+4]); !errors.Is(err, ErrLoginFailed) {
		t.Errorf("the %dth newest password logs in: %v", maxHashes+1, err)
	}
}
