package authorship

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/mail"
	"strings"
	"testing"
	"time"

	"praxis/listserv/dmarc"
	"praxis/listserv/store"
)

// fakeDMARC answers as a domain's DNS and a message's signatures would,
// without either: a verdict, a policy (or a lookup error), and the proofs
// its DKIM signatures give.
type fakeDMARC struct {
	verdict   dmarc.Verdict
	why       string
	policy    dmarc.Policy
	lookupErr error
	proofs    []dmarc.Proof

	asked []string // "Method domain", one per call, to see what was asked
}

var _ DMARC = (*fakeDMARC)(nil)

func (f *fakeDMARC) Authenticate(_ context.Context, _ []byte, domain string) (dmarc.Verdict, string) {
	f.asked = append(f.asked, "Authenticate "+domain)
	return f.verdict, f.why
}

func (f *fakeDMARC) Lookup(_ context.Context, domain string) (dmarc.Policy, error) {
	f.asked = append(f.asked, "Lookup "+domain)
	if f.lookupErr != nil {
		return dmarc.Policy{}, f.lookupErr
	}
	return f.policy, nil
}

func (f *fakeDMARC) Prove(_ context.Context, _ []byte, domain string) []dmarc.Proof {
	f.asked = append(f.asked, "Prove "+domain)
	return f.proofs
}

// claim is one signature in the replay cache.
type claim struct {
	owner   int64
	expires time.Time
}

// memClaims is the replay cache as the store keeps it: a key belongs to the
// spool entry that claimed it first (claiming it again for the same entry
// succeeds, so a crash can replay the step) until it expires; an expired
// claim is as good as forgotten.
type memClaims struct {
	now  func() time.Time
	err  error
	held map[string]claim
}

var _ Claims = (*memClaims)(nil)

func (c *memClaims) ClaimSignature(_ context.Context, key string, spoolID int64, expires time.Time) (bool, error) {
	if c.err != nil {
		return false, c.err
	}
	if old, ok := c.held[key]; ok && old.expires.After(c.now()) {
		return old.owner == spoolID, nil
	}
	c.held[key] = claim{owner: spoolID, expires: expires}
	return true, nil
}

var errDNS = errors.New("lookup _dmarc.example.net: i/o timeout")

// discard is a logger for the tests that do not look at the log.
var discard = slog.New(slog.DiscardHandler)

func strictPolicy(p string) dmarc.Policy {
	return dmarc.Policy{Domain: "example.net", P: p, Pct: 100, ADKIM: "r", ASPF: "r", Found: true, OrgDomain: "example.net"}
}

func TestAuthorTrusted(t *testing.T) {
	const why = "d=mail.example.com valid but not aligned"
	quarantine10 := strictPolicy(dmarc.PolicyQuarantine)
	quarantine10.Pct = 10
	rejectNobody := strictPolicy(dmarc.PolicyReject)
	rejectNobody.Pct = 0
	inheritedNone := dmarc.Policy{Domain: "lists.example.net", P: dmarc.PolicyReject, SP: dmarc.PolicyNone, Pct: 100,
		Found: true, OrgDomain: "example.net", Inherited: true}
	inheritedReject := dmarc.Policy{Domain: "lists.example.net", P: dmarc.PolicyNone, SP: dmarc.PolicyReject, Pct: 100,
		Found: true, OrgDomain: "example.net", Inherited: true}
	tests := []struct {
		name    string
		dmarc   *fakeDMARC
		want    bool
		wantWhy string
		wantLog string // a line the log must hold; "" for an empty log
	}{
		{"pass", &fakeDMARC{verdict: dmarc.Pass, why: "DKIM signature by example.net aligned with example.net (adkim=r)"},
			true, "DKIM signature by example.net aligned with example.net (adkim=r)", ""},
		{"no policy published", &fakeDMARC{verdict: dmarc.None, why: "no DMARC record"}, true, "no DMARC record", ""},
		{"DNS did not answer", &fakeDMARC{verdict: dmarc.TempError, why: "lookup timed out"}, true, "lookup timed out",
			`level=WARN msg="DMARC check could not be made" domain=example.net err="lookup timed out"`},
		{"fail, p=reject", &fakeDMARC{verdict: dmarc.Fail, why: why, policy: strictPolicy(dmarc.PolicyReject)}, false, why, ""},
		{"fail, p=quarantine", &fakeDMARC{verdict: dmarc.Fail, why: why, policy: strictPolicy(dmarc.PolicyQuarantine)}, false, why, ""},
		// Strict ignores pct=: a domain that asks some receivers to act
		// on failures is strict for all of them.
		{"fail, p=quarantine pct=10", &fakeDMARC{verdict: dmarc.Fail, why: why, policy: quarantine10}, false, why, ""},
		{"fail, p=reject pct=0", &fakeDMARC{verdict: dmarc.Fail, why: why, policy: rejectNobody}, false, why, ""},
		{"fail, p=none", &fakeDMARC{verdict: dmarc.Fail, why: why, policy: strictPolicy(dmarc.PolicyNone)}, true, why, ""},
		{"fail, no record found", &fakeDMARC{verdict: dmarc.Fail, why: why, policy: dmarc.Policy{Domain: "example.net"}}, true, why, ""},
		// An inherited record's sp= governs the subdomain, not its p=.
		{"fail, inherited sp=none under p=reject", &fakeDMARC{verdict: dmarc.Fail, why: why, policy: inheritedNone}, true, why, ""},
		{"fail, inherited sp=reject under p=none", &fakeDMARC{verdict: dmarc.Fail, why: why, policy: inheritedReject}, false, why, ""},
		// A failed post whose policy cannot be read is not given the
		// benefit of the doubt a TempError verdict gets.
		{"fail, policy lookup fails", &fakeDMARC{verdict: dmarc.Fail, why: why, lookupErr: errDNS}, false, why, ""},
		// The zero Verdict is no verdict at all: treated as a failure.
		{"no verdict, p=reject", &fakeDMARC{why: why, policy: strictPolicy(dmarc.PolicyReject)}, false, why, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var log bytes.Buffer
			v := New(tt.dmarc, nil, slog.New(slog.NewTextHandler(&log, &slog.HandlerOptions{
				ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
					if a.Key == slog.TimeKey {
						return slog.Attr{}
					}
					return a
				},
			})), nil)
			got, gotWhy := v.AuthorTrusted(context.Background(), []byte("From: ann@example.net\r\n\r\nhi\r\n"), "example.net")
			if got != tt.want || gotWhy != tt.wantWhy {
				t.Errorf("AuthorTrusted = %v, %q; want %v, %q", got, gotWhy, tt.want, tt.wantWhy)
			}
			if gotLog := strings.TrimSpace(log.String()); gotLog != tt.wantLog {
				t.Errorf("log = %q, want %q", gotLog, tt.wantLog)
			}
			if tt.dmarc.asked[0] != "Authenticate example.net" {
				t.Errorf("first asked %q, want Authenticate example.net", tt.dmarc.asked[0])
			}
		})
	}

	t.Run("no DMARC checking", func(t *testing.T) {
		v := New(nil, nil, discard, nil)
		if got, why := v.AuthorTrusted(context.Background(), []byte("From: ann@example.net\r\n\r\nhi\r\n"), "example.net"); !got || why != "" {
			t.Errorf("AuthorTrusted = %v, %q; want true, \"\"", got, why)
		}
		if v.Checking() {
			t.Error("Checking() = true without DMARC")
		}
	})
}

func TestAuthorUnsignable(t *testing.T) {
	inherited := dmarc.Policy{Domain: "lists.example.net", P: dmarc.PolicyReject, SP: dmarc.PolicyQuarantine, Pct: 100,
		Found: true, OrgDomain: "example.net", Inherited: true}
	tests := []struct {
		name    string
		dmarc   *fakeDMARC
		want    bool
		wantWhy string
		logged  bool
	}{
		{"p=reject", &fakeDMARC{policy: strictPolicy(dmarc.PolicyReject)},
			false, "policy reject for example.net, and no From a signature could cover", false},
		{"p=quarantine", &fakeDMARC{policy: strictPolicy(dmarc.PolicyQuarantine)},
			false, "policy quarantine for example.net, and no From a signature could cover", false},
		{"inherited sp=quarantine", &fakeDMARC{policy: inherited},
			false, "policy quarantine for lists.example.net, and no From a signature could cover", false},
		{"p=none", &fakeDMARC{policy: strictPolicy(dmarc.PolicyNone)}, true, "", false},
		{"no record", &fakeDMARC{policy: dmarc.Policy{Domain: "example.net"}}, true, "", false},
		{"lookup fails", &fakeDMARC{lookupErr: errDNS}, true, errDNS.Error(), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var log bytes.Buffer
			v := New(tt.dmarc, nil, slog.New(slog.NewTextHandler(&log, nil)), nil)
			got, why := v.AuthorUnsignable(context.Background(), "example.net")
			if got != tt.want || why != tt.wantWhy {
				t.Errorf("AuthorUnsignable = %v, %q; want %v, %q", got, why, tt.want, tt.wantWhy)
			}
			const line = `msg="DMARC policy could not be looked up" domain=example.net`
			if logged := strings.Contains(log.String(), line); logged != tt.logged {
				t.Errorf("log = %q, want %s logged: %v", log.String(), line, tt.logged)
			}
		})
	}

	t.Run("no DMARC checking", func(t *testing.T) {
		if got, why := New(nil, nil, discard, nil).AuthorUnsignable(context.Background(), "example.net"); !got || why != "" {
			t.Errorf("AuthorUnsignable = %v, %q; want true, \"\"", got, why)
		}
	})
}

func TestStrictDMARC(t *testing.T) {
	tests := []struct {
		name    string
		dmarc   DMARC
		want    bool
		wantErr error
	}{
		{"no DMARC checking", nil, false, nil},
		{"p=reject", &fakeDMARC{policy: strictPolicy(dmarc.PolicyReject)}, true, nil},
		{"p=quarantine", &fakeDMARC{policy: strictPolicy(dmarc.PolicyQuarantine)}, true, nil},
		{"p=none", &fakeDMARC{policy: strictPolicy(dmarc.PolicyNone)}, false, nil},
		{"no record", &fakeDMARC{policy: dmarc.Policy{Domain: "example.net"}}, false, nil},
		{"lookup fails", &fakeDMARC{lookupErr: errDNS}, false, errDNS},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := New(tt.dmarc, nil, discard, nil)
			got, err := v.StrictDMARC(context.Background(), "example.net")
			if got != tt.want || !errors.Is(err, tt.wantErr) || (tt.wantErr == nil && err != nil) {
				t.Errorf("StrictDMARC = %v, %v; want %v, %v", got, err, tt.want, tt.wantErr)
			}
			if v.Checking() != (tt.dmarc != nil) {
				t.Errorf("Checking() = %v", v.Checking())
			}
		})
	}
}

// The clock of the command tests, and the sender of their mail.
var (
	now    = time.Date(2026, 3, 14, 12, 0, 0, 0, time.UTC)
	sender = "ann@example.net"
)

// Header lines of a command mail, to be put together by message.
const (
	from     = "From: Ann <ann@example.net>"
	toReq    = "To: cop-request@example.org"
	toJoin   = "To: cop-join@example.org"
	subject  = "Subject: subscribe"
	msgID    = "Message-ID: <c1@example.net>"
	mimeVer  = "MIME-Version: 1.0"
	textType = "Content-Type: text/plain; charset=utf-8"
)

// dated is a Date field d from now.
func dated(d time.Duration) string {
	return "Date: " + now.Add(d).Format(time.RFC1123Z)
}

// message is a command mail with the given header lines, CRLF as on the
// wire.
func message(header ...string) []byte {
	return []byte(strings.Join(header, "\r\n") + "\r\n\r\nsubscribe\r\nend\r\n")
}

// good is a command mail that proves itself under a signature covering
// everything; extra lines go at the bottom of its header.
func good(extra ...string) []byte {
	return message(append([]string{from, toReq, subject, dated(-time.Hour), msgID, mimeVer, textType}, extra...)...)
}

// signed is a proof by example.net's key named key, covering one instance of
// each field named.
func signed(key string, fields ...string) dmarc.Proof {
	p := dmarc.Proof{Domain: "example.net", Covered: map[string]int{}, Key: key}
	for _, f := range fields {
		p.Covered[strings.ToLower(f)]++
	}
	return p
}

// everything is what a careful signer covers (Gmail leaves the MIME fields
// out).
var everything = []string{"From", "To", "Subject", "Date", "Message-ID", "MIME-Version", "Content-Type"}

const usedBefore = "the same signed mail was used before"

func TestCommandProven(t *testing.T) {
	full := signed("k1", everything...)
	tests := []struct {
		name    string
		kind    string // store.KindRequest when empty
		raw     []byte
		sender  string // the package's sender when empty
		proofs  []dmarc.Proof
		taken   map[string]claim // claims made before, by another mail
		want    bool
		wantWhy string
	}{
		{name: "signed, fresh, first use", raw: good(), proofs: []dmarc.Proof{full}, want: true},
		{name: "sender in another case", raw: good(), sender: "Ann@Example.NET", proofs: []dmarc.Proof{full}, want: true},
		{name: "no From field", raw: message(toReq, subject, dated(-time.Hour)),
			proofs: []dmarc.Proof{full}, wantWhy: "it has 0 From fields"},
		{name: "two From fields", raw: good("From: Eve <eve@example.com>"),
			proofs: []dmarc.Proof{full}, wantWhy: "it has 2 From fields"},
		// "From :" is a From field to a DKIM verifier.
		{name: "a second From spelt with a space", raw: good("From : eve@example.com"),
			proofs: []dmarc.Proof{full}, wantWhy: "it has 2 From fields"},
		{name: "a header line that is no field", raw: message(from, toReq, subject, dated(-time.Hour), "this line is no field", mimeVer, textType),
			proofs: []dmarc.Proof{full}, wantWhy: "its header has a line that is not a field"},
		{name: "From names someone else", raw: message("From: Eve <eve@example.com>", toReq, subject, dated(-time.Hour)),
			proofs: []dmarc.Proof{full}, wantWhy: "its From field cannot be read"},
		{name: "From shows the sender but names someone else", raw: message(`From: "ann@example.net" <eve@example.com>`, toReq, subject, dated(-time.Hour)),
			proofs: []dmarc.Proof{full}, wantWhy: "its From field cannot be read"},
		{name: "no Date", raw: message(from, toReq, subject, msgID),
			proofs: []dmarc.Proof{full}, wantWhy: "it has no Date field"},
		{name: "a Date that is no date", raw: message(from, toReq, subject, "Date: last Tuesday"),
			proofs: []dmarc.Proof{full}, wantWhy: "its Date is not within the last day"},
		{name: "a day old exactly", raw: message(from, toReq, subject, dated(-24*time.Hour)),
			proofs: []dmarc.Proof{full}, want: true},
		{name: "a day and a second old", raw: message(from, toReq, subject, dated(-24*time.Hour-time.Second)),
			proofs: []dmarc.Proof{full}, wantWhy: "its Date is not within the last day"},
		{name: "a week old", raw: message(from, toReq, subject, dated(-7*24*time.Hour)),
			proofs: []dmarc.Proof{full}, wantWhy: "its Date is not within the last day"},
		{name: "an hour ahead exactly", raw: message(from, toReq, subject, dated(time.Hour)),
			proofs: []dmarc.Proof{full}, want: true},
		{name: "an hour and a second ahead", raw: message(from, toReq, subject, dated(time.Hour+time.Second)),
			proofs: []dmarc.Proof{full}, wantWhy: "its Date is not within the last day"},
		{name: "no valid signature", raw: good(), wantWhy: "it carries no valid DKIM signature of example.net"},
		{name: "no valid signature, sender in another case", raw: good(), sender: "Ann@Example.NET",
			wantWhy: "it carries no valid DKIM signature of example.net"},
		{name: "signature does not cover From", raw: good(), proofs: []dmarc.Proof{signed("k1", "Subject", "Date")},
			wantWhy: "its DKIM signature does not cover its From, Date and Subject"},
		{name: "signature does not cover Date", raw: good(), proofs: []dmarc.Proof{signed("k1", "From", "Subject")},
			wantWhy: "its DKIM signature does not cover its From, Date and Subject"},
		{name: "signature does not cover Subject", raw: good(), proofs: []dmarc.Proof{signed("k1", "From", "Date")},
			wantWhy: "its DKIM signature does not cover its From, Date and Subject"},
		{name: "no Subject, none signed", raw: message(from, toReq, dated(-time.Hour)),
			proofs: []dmarc.Proof{signed("k1", "From", "Date")}, want: true},
		// A Subject added above a signed copy is how a signed post is
		// replayed as a command.
		{name: "a second Subject above the signed one", raw: message("Subject: unsubscribe", from, toReq, subject, dated(-time.Hour)),
			proofs: []dmarc.Proof{full}, wantWhy: "its DKIM signature does not cover its From, Date and Subject"},
		{name: "one unsigned Content-Type", raw: good(), proofs: []dmarc.Proof{signed("k1", "From", "Date", "Subject")}, want: true},
		{name: "a second Content-Type, one signed", raw: message("Content-Type: text/plain; charset=utf-16", from, toReq, subject, dated(-time.Hour), textType),
			proofs: []dmarc.Proof{full}, wantWhy: "it has more MIME header fields than its DKIM signature covers"},
		{name: "a second Content-Type, none signed", raw: good("Content-Type: multipart/mixed; boundary=x"),
			proofs: []dmarc.Proof{signed("k1", "From", "Date", "Subject")}, wantWhy: "it has more MIME header fields than its DKIM signature covers"},
		{name: "two Content-Types, both signed", raw: good("Content-Type: text/plain"),
			proofs: []dmarc.Proof{signed("k1", append(everything, "Content-Type")...)}, want: true},
		{name: "a second Content-Transfer-Encoding", raw: good("Content-Transfer-Encoding: 7bit", "Content-Transfer-Encoding: base64"),
			proofs: []dmarc.Proof{signed("k1", append(everything, "Content-Transfer-Encoding")...)}, wantWhy: "it has more MIME header fields than its DKIM signature covers"},
		{name: "a second MIME-Version", raw: good("MIME-Version: 1.0"),
			proofs: []dmarc.Proof{full}, wantWhy: "it has more MIME header fields than its DKIM signature covers"},
		{name: "join, signed To names it", kind: store.KindJoin, raw: message(from, toJoin, subject, dated(-time.Hour)),
			proofs: []dmarc.Proof{full}, want: true},
		{name: "join, To not signed", kind: store.KindJoin, raw: message(from, toJoin, subject, dated(-time.Hour)),
			proofs: []dmarc.Proof{signed("k1", "From", "Date", "Subject")}, wantWhy: "its signed To and Cc do not name cop-join@example.org"},
		{name: "join, signed To names another address", kind: store.KindJoin, raw: message(from, "To: cop@example.org", subject, dated(-time.Hour)),
			proofs: []dmarc.Proof{full}, wantWhy: "its signed To and Cc do not name cop-join@example.org"},
		{name: "join, named only in an unsigned Cc", kind: store.KindJoin, raw: message(from, "To: cop@example.org", "Cc: cop-join@example.org", subject, dated(-time.Hour)),
			proofs: []dmarc.Proof{full}, wantWhy: "its signed To and Cc do not name cop-join@example.org"},
		{name: "join, named in a signed Cc", kind: store.KindJoin, raw: message(from, "To: cop@example.org", "Cc: Cop join <cop-join@example.org>", subject, dated(-time.Hour)),
			proofs: []dmarc.Proof{signed("k1", append(everything, "Cc")...)}, want: true},
		{name: "join, named by a longer address", kind: store.KindJoin, raw: message(from, "To: bigcop-join@example.org", subject, dated(-time.Hour)),
			proofs: []dmarc.Proof{full}, wantWhy: "its signed To and Cc do not name cop-join@example.org"},
		// To is not asked of -request mail: the command is in the words.
		{name: "request, To not signed", raw: good(), proofs: []dmarc.Proof{signed("k1", "From", "Date", "Subject", "Content-Type")}, want: true},
		{name: "one signature too weak, another enough", raw: good(),
			proofs: []dmarc.Proof{signed("k0", "From", "Date"), full}, want: true},
		{name: "used before", raw: good(), proofs: []dmarc.Proof{full},
			taken: map[string]claim{"k1": {owner: 3, expires: now.Add(time.Hour)}}, wantWhy: usedBefore},
		{name: "signed twice, one signature used before", raw: good(), proofs: []dmarc.Proof{full, signed("k2", everything...)},
			taken: map[string]claim{"k2": {owner: 3, expires: now.Add(time.Hour)}}, wantWhy: usedBefore},
		{name: "used before, but the claim expired", raw: good(), proofs: []dmarc.Proof{full},
			taken: map[string]claim{"k1": {owner: 3, expires: now}}, want: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := &fakeDMARC{proofs: tt.proofs}
			claims := &memClaims{now: func() time.Time { return now }, held: map[string]claim{}}
			for k, c := range tt.taken {
				claims.held[k] = c
			}
			v := New(d, claims, discard, func() time.Time { return now })
			kind, rcpt := store.KindRequest, "cop-request@example.org"
			if tt.kind != "" {
				kind, rcpt = tt.kind, "cop-"+tt.kind+"@example.org"
			}
			who := sender
			if tt.sender != "" {
				who = tt.sender
			}
			m := &store.Message{ID: 7, Kind: kind, Rcpt: rcpt, Raw: tt.raw}
			got, why, err := v.CommandProven(context.Background(), m, who)
			if err != nil || got != tt.want || why != tt.wantWhy {
				t.Fatalf("CommandProven = %v, %q, %v; want %v, %q", got, why, err, tt.want, tt.wantWhy)
			}
			for _, a := range d.asked {
				if a != "Prove example.net" {
					t.Errorf("asked %q, want only Prove example.net", a)
				}
			}
			if tt.taken != nil {
				return
			}
			// A proven mail has claimed every signature that proved it,
			// for as long as the mail is fresh; any other claimed none.
			for _, p := range tt.proofs {
				c, ok := claims.held[p.Key]
				proved := tt.want && p.Key != "k0"
				if ok != proved {
					t.Errorf("signature %s claimed: %v, want %v", p.Key, ok, proved)
				}
				if !ok {
					continue
				}
				if want := (claim{owner: 7, expires: signedDate(t, tt.raw).Add(25 * time.Hour)}); c != want {
					t.Errorf("claim of %s = %+v, want %+v", p.Key, c, want)
				}
			}
		})
	}
}

// signedDate reads raw's Date the way a reader does.
func signedDate(t *testing.T, raw []byte) time.Time {
	t.Helper()
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	date, err := msg.Header.Date()
	if err != nil {
		return time.Time{}
	}
	return date
}

// TestCommandProvenReplay sends one signed command again and again as the
// clock moves: the spool entry that first used it may retry (a restarted
// process does), any other mail is a replay for as long as the signed Date
// would pass, and by the time the claim is forgotten the Date no longer
// does.
func TestCommandProvenReplay(t *testing.T) {
	clock := now
	tick := func() time.Time { return clock }
	d := &fakeDMARC{proofs: []dmarc.Proof{signed("k1", everything...), signed("k2", everything...)}}
	claims := &memClaims{now: tick, held: map[string]claim{}}
	v := New(d, claims, discard, tick)
	raw := good() // signed an hour before now
	steps := []struct {
		name    string
		at      time.Duration // after now
		id      int64
		want    bool
		wantWhy string
	}{
		{"first use", 0, 1, true, ""},
		{"the same spool entry again", time.Minute, 1, true, ""},
		{"a copy sent again", 2 * time.Minute, 2, false, usedBefore},
		{"a copy on the signed Date's last fresh moment", 23 * time.Hour, 3, false, usedBefore},
		{"a copy once the Date is stale", 23*time.Hour + time.Second, 4, false, "its Date is not within the last day"},
		{"a copy once the claim is forgotten", 24 * time.Hour, 5, false, "its Date is not within the last day"},
	}
	for _, s := range steps {
		clock = now.Add(s.at)
		m := &store.Message{ID: s.id, Kind: store.KindRequest, Rcpt: "cop-request@example.org", Raw: raw}
		got, why, err := v.CommandProven(context.Background(), m, sender)
		if err != nil || got != s.want || why != s.wantWhy {
			t.Errorf("%s: CommandProven = %v, %q, %v; want %v, %q", s.name, got, why, err, s.want, s.wantWhy)
		}
	}
	for _, k := range []string{"k1", "k2"} {
		if c := claims.held[k]; c.owner != 1 {
			t.Errorf("signature %s owned by spool entry %d, want 1", k, c.owner)
		}
	}
}

func TestCommandProvenErrors(t *testing.T) {
	m := &store.Message{ID: 7, Kind: store.KindRequest, Rcpt: "cop-request@example.org", Raw: good()}

	t.Run("no DKIM checking", func(t *testing.T) {
		got, why, err := New(nil, &memClaims{now: time.Now, held: map[string]claim{}}, discard, func() time.Time { return now }).
			CommandProven(context.Background(), m, sender)
		if got || why != "no DKIM checking here" || err != nil {
			t.Errorf("CommandProven = %v, %q, %v; want false, %q, nil", got, why, err, "no DKIM checking here")
		}
	})

	t.Run("the replay cache fails", func(t *testing.T) {
		errDB := errors.New("database is locked")
		d := &fakeDMARC{proofs: []dmarc.Proof{signed("k1", everything...)}}
		v := New(d, &memClaims{now: time.Now, err: errDB}, discard, func() time.Time { return now })
		got, why, err := v.CommandProven(context.Background(), m, sender)
		if got || why != "" || !errors.Is(err, errDB) {
			t.Errorf("CommandProven = %v, %q, %v; want false, \"\", %v", got, why, err, errDB)
		}
	})
}
