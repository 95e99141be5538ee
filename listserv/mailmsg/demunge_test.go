package mailmsg

import (
	"math/rand/v2"
	"regexp"
	"testing"

	"github.com/emersion/go-message/textproto"
)

func TestRealAuthor(t *testing.T) {
	tests := []struct {
		name               string
		from, replyTo, xof string
		wantAddr, wantName string
	}{
		{"not munged", `Ann Example <ann@example.org>`, "", "", "ann@example.org", "Ann Example"},
		{"mailman 2", `"Marcus D. Leech via USRP-users" <usrp-users@lists.ettus.com>`, `"Marcus D. Leech" <patchvonbraun@gmail.com>`, "",
			"patchvonbraun@gmail.com", "Marcus D. Leech"},
		{"mailman encoded reply-to", `=?utf-8?q?C=C3=A9dric_Hannotier_via_USRP-users?= <usrp-users@lists.ettus.com>`,
			`=?utf-8?Q?C=C3=A9dric?= Hannotier <cedric.hannotier@ulb.be>`, "", "cedric.hannotier@ulb.be", "Cédric Hannotier"},
		{"x-original-from wins", `Bob via CoP <cop@example.org>`, `cop@example.org`, `Bob B <bob@example.net>`, "bob@example.net", "Bob B"},
		// dmarc.Munge keeps the author's own Reply-To first and adds the
		// author last.
		{"praxis munge after own reply-to", `"Ann via CoP" <cop@example.org>`, `Team <team@example.org>, Ann <ann@example.org>`, "",
			"ann@example.org", "Ann"},
		{"praxis munge of a bare address", `"ann via CoP" <cop@example.org>`, `elsewhere@example.net, ann@example.org`, "",
			"ann@example.org", "ann"},
		{"reply-to of the list only", `Carl via CoP <cop@example.org>`, `cop@example.org`, "", "", "Carl"},
		{"no reply-to", `Carl via CoP <cop@example.org>`, "", "", "", "Carl"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var h textproto.Header
			h.Set("From", tt.from)
			if tt.replyTo != "" {
				h.Set("Reply-To", tt.replyTo)
			}
			if tt.xof != "" {
				h.Set("X-Original-From", tt.xof)
			}
			addr, name := RealAuthor(h)
			if addr != tt.wantAddr || name != tt.wantName {
				t.Errorf("RealAuthor = %q, %q; want %q, %q", addr, name, tt.wantAddr, tt.wantName)
			}
		})
	}
}

func TestDemunged(t *testing.T) {
	for in, want := range map[string]string{"Marcus D. Leech via USRP-users": "Marcus D. Leech", "Ann": "Ann", "via": "via", "": ""} {
		if got := Demunged(in); got != want {
			t.Errorf("Demunged(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestHideAddresses(t *testing.T) {
	tests := []struct{ in, want string }{
		{"no address here", "no address here"},
		{"On Mon, 1 Feb 2021, Ann Example <ann@example.org> wrote:", "On Mon, 1 Feb 2021, Ann Example wrote:"},
		{`"Ann" <ann@example.org>`, `"Ann"`},
		{"write to ann.b+tag@mail.example.co.uk today", "write to ann.b+tag@… today"},
		{"<ann@example.org> wrote:", "<ann@…> wrote:"},
		{"Ann &lt;ann@example.org&gt; wrote:", "Ann wrote:"},
		{"mailto:ann@example.org", "mailto:ann@…"},
		{"a@b is not one, x@localhost neither", "a@b is not one, x@localhost neither"},
		{"two: a@example.org, b@example.net", "two: a@…, b@…"},
		// Each address hidden where it stood, the named one's bracket
		// dropped, also when the name is the end of another address.
		{"a@b.org<c@d.org>x@e.org", "a@…x@…"},
		{"a@example.org <c@d.org> wrote", "a@… wrote"},
		{"x..y@example.org and .z@example.org.", "x..y@… and .z@…."},
		{"ann@-bad.org ann@bad-.org ann@ok-1.example-2.org-", "ann@-bad.org ann@bad-.org ann@…-"},
	}
	for _, tt := range tests {
		if got := HideAddresses(tt.in); got != tt.want {
			t.Errorf("HideAddresses(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestTopic(t *testing.T) {
	tests := []struct{ in, want string }{
		{"[USRP-users] Remote Resetting of USRP", "Remote Resetting of USRP"},
		{"Re: [USRP-users] Remote Resetting of USRP", "Remote Resetting of USRP"},
		{"[USRP-users] Re: AW: SV: Re[2]: B210  overflow", "B210 overflow"},
		{"Fwd: [cop] WG: 回复：lathe", "lathe"},
		{"Reply to all", "Reply to all"},
		{"[USRP-users]", ""},
		{"", ""},
		{"Re: [a] [b] [PATCH] fix", "fix"},
	}
	for _, tt := range tests {
		if got := Topic(tt.in); got != tt.want {
			t.Errorf("Topic(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestAuthorKey(t *testing.T) {
	tests := []struct{ addr, name, want string }{
		{"Ann@Example.org", "Ann", "ann@example.org"},
		{"cop@example.org", "Ann  Example via CoP", "name:ann example"},
		{"cop@example.org", "ann example via Other", "name:ann example"},
		{"cop@example.org", "", "cop@example.org"},
	}
	for _, tt := range tests {
		if got := AuthorKey(tt.addr, tt.name); got != tt.want {
			t.Errorf("AuthorKey(%q, %q) = %q, want %q", tt.addr, tt.name, got, tt.want)
		}
	}
}

// TestViaNameAgreesWithThePattern checks the hand-written viaName against
// the pattern it stands for, on the names of the munged usrp posts and on
// random strings of the characters that decide it (spaces, "via", commas,
// line breaks, non-ASCII).
func TestViaNameAgreesWithThePattern(t *testing.T) {
	viaRE := regexp.MustCompile(`^(.+) via [^,]+$`)
	check := func(name string) {
		t.Helper()
		got, ok := viaName(name)
		var want string
		m := viaRE.FindStringSubmatch(name)
		if m != nil {
			want = m[1]
		}
		if ok != (m != nil) || got != want {
			t.Fatalf("viaName(%q) = %q, %v; the pattern: %q, %v", name, got, ok, want, m != nil)
		}
	}
	for _, n := range []string{"", " via ", "a via b", "a via ", " via b", "a via b, c", "Ann via CoP", "Ann via via CoP", "a via b via c",
		"a\nb via c", "a via b\nc via d", "a via b\nc via ", "Ann via CoP,", "x via  via y", "a via, b via c", "Éva via Liste", "a via \xff"} {
		check(n)
	}
	parts := []string{" ", "via", " via ", ",", "\n", "a", "é", "\xff", "v", "ia "}
	r := rand.New(rand.NewPCG(1, 2))
	for range 200_000 {
		var b []byte
		for range r.IntN(8) {
			b = append(b, parts[r.IntN(len(parts))]...)
		}
		check(string(b))
	}
}
