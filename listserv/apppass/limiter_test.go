package apppass

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"sync"
	"testing"
	"time"

	"praxis/listserv/clientkey"
)

const (
	annPass = "aaaa-bbbb-cccc-dddd"
	bobPass = "eeee-ffff-gggg-hhhh"
)

func twoMembers(t *testing.T) *fakeStore {
	return &fakeStore{hashes: map[string][]string{
		"ann@example.net": {cheapHash(t, annPass)},
		"bob@example.net": {cheapHash(t, bobPass)},
	}}
}

// ipN is a distinct IPv4 address per n, so a test can spread attempts
// over many clients.
func ipN(n int) net.IP { return net.IPv4(198, 51, byte(n>>8), byte(n)) }

func wantFailed(t *testing.T, err error, what string) {
	t.Helper()
	if err != ErrLoginFailed {
		t.Errorf("%s: %v, want ErrLoginFailed", what, err)
	}
}

// TestLoginLimitsAddress: after maxAddrFailures failures of one address
// (from as many IPs), even its right password is refused, without a look
// at the store, until the window has passed; another address is not
// affected.
func TestLoginLimitsAddress(t *testing.T) {
	ctx := context.Background()
	st := twoMembers(t)
	a, clk := newAuth(t, st)
	for i := 0; i < maxAddrFailures; i++ {
		wantFailed(t, a.Login(ctx, ipN(i), "ann@example.net", bobPass), "a wrong password")
		clk.Add(time.Second)
	}
	before := st.lookups.Load()
	wantFailed(t, a.Login(ctx, ipN(100), "ANN@example.net", annPass), "the right password of a limited address")
	if n := st.lookups.Load() - before; n != 0 {
		t.Errorf("a limited login looked the address up %d times", n)
	}
	if err := a.Login(ctx, ipN(100), "bob@example.net", bobPass); err != nil {
		t.Errorf("another address from the same IP: %v", err)
	}
	// The first failure leaves the window first: one attempt is free
	// again, and the right password gets in.
	clk.Add(failureWindow - time.Duration(maxAddrFailures)*time.Second)
	if err := a.Login(ctx, ipN(100), "ann@example.net", annPass); err != nil {
		t.Errorf("after the first failure left the window: %v", err)
	}
	wantFailed(t, a.Login(ctx, ipN(100), "ann@example.net", bobPass), "a wrong password")
	wantFailed(t, a.Login(ctx, ipN(100), "ann@example.net", annPass), "limited again")
}

// TestLoginLimitsIP: after maxIPFailures failures from one IP (on as many
// addresses), that IP gets nowhere, while another IP logs in; an IPv6
// client is limited by its /64.
func TestLoginLimitsIP(t *testing.T) {
	ctx := context.Background()
	for _, tt := range []struct {
		name       string
		ip, sameIP func(i int) net.IP
		other      net.IP
	}{
		{"IPv4", func(int) net.IP { return ip1 }, func(int) net.IP { return net.ParseIP("::ffff:192.0.2.1") }, ip2},
		{"IPv6 /64", func(i int) net.IP { return net.ParseIP(fmt.Sprintf("2001:db8:1:2::%x", i+1)) },
			func(i int) net.IP { return net.ParseIP(fmt.Sprintf("2001:db8:1:2:ffff::%x", i+1)) }, net.ParseIP("2001:db8:1:3::1")},
	} {
		t.Run(tt.name, func(t *testing.T) {
			st := twoMembers(t)
			a, _ := newAuth(t, st)
			for i := 0; i < maxIPFailures; i++ {
				wantFailed(t, a.Login(ctx, tt.ip(i), fmt.Sprintf("guess%d@example.net", i), annPass), "an unknown address")
			}
			before := st.lookups.Load()
			wantFailed(t, a.Login(ctx, tt.sameIP(0), "ann@example.net", annPass), "the right password from a limited IP")
			if n := st.lookups.Load() - before; n != 0 {
				t.Errorf("a limited login looked the address up %d times", n)
			}
			if err := a.Login(ctx, tt.other, "ann@example.net", annPass); err != nil {
				t.Errorf("the right password from another IP: %v", err)
			}
		})
	}
}

// TestLoginSuccessResetsNothing: a good login from an IP does not wipe
// that IP's failures, nor the address's: with one valid password an
// attacker must not buy more guesses at other addresses.
func TestLoginSuccessResetsNothing(t *testing.T) {
	ctx := context.Background()
	st := twoMembers(t)
	a, clk := newAuth(t, st)
	for i := 0; i < maxIPFailures-1; i++ {
		wantFailed(t, a.Login(ctx, ip1, fmt.Sprintf("guess%d@example.net", i), annPass), "a guess")
	}
	if err := a.Login(ctx, ip1, "bob@example.net", bobPass); err != nil {
		t.Fatalf("bob's own password: %v", err)
	}
	wantFailed(t, a.Login(ctx, ip1, "carol@example.net", annPass), "the last guess")
	wantFailed(t, a.Login(ctx, ip1, "bob@example.net", bobPass), "after the IP's limit, even bob's password")
	if got := a.byIP.(*limiter).failures(clientkey.Of(netip.MustParseAddr(ip1.String())), clk.Now()); got != maxIPFailures {
		t.Errorf("the IP's failures: %d, want %d", got, maxIPFailures)
	}

	st = twoMembers(t)
	a, clk = newAuth(t, st)
	for i := 0; i < maxAddrFailures-1; i++ {
		wantFailed(t, a.Login(ctx, ipN(i), "ann@example.net", bobPass), "a guess at ann")
	}
	if err := a.Login(ctx, ipN(50), "ann@example.net", annPass); err != nil {
		t.Fatalf("ann's own password: %v", err)
	}
	if got := a.byAddr.(*limiter).failures("ann@example.net", clk.Now()); got != maxAddrFailures-1 {
		t.Errorf("ann's failures after her login: %d, want %d", got, maxAddrFailures-1)
	}
	wantFailed(t, a.Login(ctx, ipN(51), "ann@example.net", bobPass), "the last guess at ann")
	wantFailed(t, a.Login(ctx, ipN(52), "ann@example.net", annPass), "ann after her address's limit")
}

// slowStore holds every lookup until released, so that many logins are
// in flight at once.
type slowStore struct {
	*fakeStore
	gate chan struct{}
}

func (s *slowStore) AppPasswordHashes(ctx context.Context, addr string) ([]string, error) {
	<-s.gate
	return s.fakeStore.AppPasswordHashes(ctx, addr)
}

// TestLoginParallelGuesses: a hundred connections guessing at once get no
// more attempts than one connection would: the limit counts attempts
// still being checked.
func TestLoginParallelGuesses(t *testing.T) {
	ctx := context.Background()
	st := &slowStore{fakeStore: twoMembers(t), gate: make(chan struct{})}
	c := &clock{now: time.Date(2026, 12, 3, 8, 0, 0, 0, time.UTC)}
	a := NewAuthenticator(st, c.Now)
	a.testHashParams = &cheap
	const n = 100
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			errs <- a.Login(ctx, ipN(i), "ann@example.net", fmt.Sprintf("wrong-%d", i))
		}(i)
	}
	// Let the lookups through one by one once every goroutine had its
	// chance to start; a refused one never reaches the gate.
	go func() {
		for i := 0; i < n; i++ {
			st.gate <- struct{}{}
		}
	}()
	wg.Wait()
	close(errs)
	for err := range errs {
		if !errors.Is(err, ErrLoginFailed) {
			t.Errorf("a guess: %v", err)
		}
	}
	if got := st.lookups.Load(); got > maxAddrFailures {
		t.Errorf("%d parallel guesses reached the store, want at most %d", got, maxAddrFailures)
	}
	if got := a.byAddr.(*limiter).failures("ann@example.net", c.Now()); got != int(st.lookups.Load()) {
		t.Errorf("%d failures recorded for %d checked guesses", got, st.lookups.Load())
	}
}

// TestLoginCancelled: a login whose context ends while it waits for a
// turn to hash fails, and leaves no attempt reserved behind it.
func TestLoginCancelled(t *testing.T) {
	st := twoMembers(t)
	a, clk := newAuth(t, st)
	for i := 0; i < cap(a.hashing); i++ {
		a.hashing <- struct{}{} // every turn taken
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	for i := 0; i < maxAddrFailures*2; i++ {
		if err := a.Login(ctx, ip1, "ann@example.net", annPass); !errors.Is(err, ErrLoginFailed) || !errors.Is(err, context.Canceled) {
			t.Fatalf("a cancelled login: %v", err)
		}
	}
	for i := 0; i < cap(a.hashing); i++ {
		<-a.hashing
	}
	if err := a.Login(context.Background(), ip1, "ann@example.net", annPass); err != nil {
		t.Errorf("after cancelled logins: %v", err)
	}
	if got := a.byAddr.(*limiter).failures("ann@example.net", clk.Now()); got != 0 {
		t.Errorf("cancelled logins counted %d failures", got)
	}
}

// TestLimiterBounded: however many keys fail, the limiter holds at most
// maxKeys; the oldest records make room, not a recent one; a key that
// succeeds leaves none.
func TestLimiterBounded(t *testing.T) {
	t0 := time.Date(2026, 12, 3, 8, 0, 0, 0, time.UTC)
	l := newLimiter(3, time.Minute, 100)
	for i := 0; i < 10000; i++ {
		k := fmt.Sprint("k", i)
		if l.begin(k, t0) {
			l.end(k, t0, true)
		}
	}
	if got := l.tracked(); got > 100 {
		t.Errorf("%d keys tracked, want at most 100", got)
	}

	l = newLimiter(3, time.Minute, 100)
	for i := 0; i < 99; i++ {
		k := fmt.Sprint("old", i)
		l.begin(k, t0)
		l.end(k, t0, true)
	}
	t1 := t0.Add(2 * time.Minute)
	for i := 0; i < 3; i++ {
		l.begin("victim", t1)
		l.end("victim", t1, true)
	}
	// 99 older records and the victim's: 98 new keys make room by
	// dropping older ones.
	for i := 0; i < 98; i++ {
		k := fmt.Sprint("new", i)
		l.begin(k, t1)
		l.end(k, t1, true)
	}
	if l.begin("victim", t1) {
		t.Error("the victim's live record was evicted before expired ones")
	}
	if got := l.failures("victim", t1); got != 3 {
		t.Errorf("victim's failures = %d, want 3", got)
	}

	l = newLimiter(3, time.Minute, 100)
	for i := 0; i < 1000; i++ {
		k := fmt.Sprint("ok", i)
		if !l.begin(k, t0) {
			t.Fatal("a fresh key refused")
		}
		l.end(k, t0, false)
	}
	if got := l.tracked(); got != 0 {
		t.Errorf("%d records kept for keys that never failed", got)
	}
}

// TestLimiterWindow: failures count while in the window, then leave it
// one by one (a sliding window); at most max failure times are kept.
func TestLimiterWindow(t *testing.T) {
	t0 := time.Date(2026, 12, 3, 8, 0, 0, 0, time.UTC)
	l := newLimiter(3, 10*time.Minute, 10)
	for i := 0; i < 3; i++ {
		at := t0.Add(time.Duration(i) * time.Minute)
		if !l.begin("k", at) {
			t.Fatalf("attempt %d refused", i)
		}
		l.end("k", at, true)
	}
	for _, tt := range []struct {
		at    time.Duration
		fails int
		ok    bool
	}{
		{5 * time.Minute, 3, false},
		{10 * time.Minute, 2, true}, // the first failure, at 0, has left
		{10*time.Minute + 30*time.Second, 2, true},
		{11 * time.Minute, 1, true},
		{12 * time.Minute, 0, true},
	} {
		at := t0.Add(tt.at)
		if got := l.failures("k", at); got != tt.fails {
			t.Errorf("at +%v: %d failures, want %d", tt.at, got, tt.fails)
		}
		ok := l.begin("k", at)
		if ok != tt.ok {
			t.Errorf("at +%v: begin = %v, want %v", tt.at, ok, tt.ok)
		}
		if ok {
			l.end("k", at, false)
		}
	}
	for i := 0; i < 10; i++ {
		l.end("many", t0, true) // more failures than max, even unbegun
	}
	if got := l.failures("many", t0); got != 3 {
		t.Errorf("%d failures kept, want the newest 3", got)
	}
}
