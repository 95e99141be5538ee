package dmarc

import (
	"testing"
)

func TestIsRecord(t *testing.T) {
	tests := []struct {
		txt  string
		want bool
	}{
		{"v=DMARC1; p=reject", true},
		{"v=DMARC1", true},
		{" v = DMARC1 ;p=none", true},
		{"V=DMARC1; p=none", true},       // tag names are case-insensitive
		{"v=dmarc1; p=none", false},      // the version is not
		{"p=reject; v=DMARC1", false},    // v= must come first
		{"v=DMARC2; p=reject", false},    // another version
		{"v=DMARC1 p=reject", false},     // no separator: the version reads "DMARC1 p=reject"
		{"v=spf1 include:x -all", false}, // someone else's record
		{"", false},
	}
	for _, tt := range tests {
		if got := isRecord(tt.txt); got != tt.want {
			t.Errorf("isRecord(%q) = %v, want %v", tt.txt, got, tt.want)
		}
	}
}

func TestParseRecord(t *testing.T) {
	tests := []struct {
		txt  string
		ok   bool
		want Policy // P, SP, Pct, ADKIM, ASPF
	}{
		{"v=DMARC1; p=reject", true, Policy{P: "reject", Pct: 100, ADKIM: "r", ASPF: "r"}},
		{"v=DMARC1;p=quarantine;pct=20;adkim=s;aspf=s;sp=none", true,
			Policy{P: "quarantine", SP: "none", Pct: 20, ADKIM: "s", ASPF: "s"}},
		{"v=DMARC1; p=Reject; SP=Quarantine", true, Policy{P: "reject", SP: "quarantine", Pct: 100, ADKIM: "r", ASPF: "r"}},
		{"v=DMARC1; p=none; rua=mailto:d@example.com; ruf=mailto:f@example.com; fo=1; ri=86400", true,
			Policy{P: "none", Pct: 100, ADKIM: "r", ASPF: "r"}},
		// Bad optional values fall back to their defaults (RFC 7489 §6.3).
		{"v=DMARC1; p=reject; pct=150; adkim=x; aspf=; rf=iodef", true, Policy{P: "reject", Pct: 100, ADKIM: "r", ASPF: "r"}},
		{"v=DMARC1; p=reject; pct=0", true, Policy{P: "reject", Pct: 0, ADKIM: "r", ASPF: "r"}},
		// A bad sp= is ignored, so p= governs subdomains.
		{"v=DMARC1; p=reject; sp=bogus", true, Policy{P: "reject", Pct: 100, ADKIM: "r", ASPF: "r"}},
		// The first of a repeated tag counts.
		{"v=DMARC1; p=reject; p=none", true, Policy{P: "reject", Pct: 100, ADKIM: "r", ASPF: "r"}},
		// Tags without "=" and empty fields are skipped.
		{"v=DMARC1;; junk ; p=quarantine;", true, Policy{P: "quarantine", Pct: 100, ADKIM: "r", ASPF: "r"}},
		// §6.6.3 step 6: no valid p=, but a rua= URI: read as p=none.
		{"v=DMARC1; rua=mailto:d@example.com", true, Policy{P: "none", Pct: 100, ADKIM: "r", ASPF: "r"}},
		{"v=DMARC1; p=block; rua=mailto:d@example.com!10m", true, Policy{P: "none", Pct: 100, ADKIM: "r", ASPF: "r"}},
		// ... and without one, not applied at all.
		{"v=DMARC1", false, Policy{}},
		{"v=DMARC1; p=block", false, Policy{}},
		{"v=DMARC1; rua=not a uri", false, Policy{}},
		{"v=spf1 -all", false, Policy{}},
	}
	for _, tt := range tests {
		var got Policy
		ok := parseRecord(tt.txt, &got)
		if ok != tt.ok {
			t.Errorf("parseRecord(%q) ok = %v, want %v", tt.txt, ok, tt.ok)
			continue
		}
		if ok && got != tt.want {
			t.Errorf("parseRecord(%q) = %+v, want %+v", tt.txt, got, tt.want)
		}
	}
}

func TestPolicyStrict(t *testing.T) {
	tests := []struct {
		name      string
		p         Policy
		effective string
		strict    bool
	}{
		{"not found", Policy{P: "reject"}, "", false},
		{"reject", Policy{Found: true, P: "reject"}, "reject", true},
		{"quarantine at 10%", Policy{Found: true, P: "quarantine", Pct: 10}, "quarantine", true},
		{"none", Policy{Found: true, P: "none"}, "none", false},
		// sp= speaks for subdomains only through an inherited record.
		{"own record, sp ignored", Policy{Found: true, P: "reject", SP: "none"}, "reject", true},
		{"inherited sp=none", Policy{Found: true, Inherited: true, P: "reject", SP: "none"}, "none", false},
		{"inherited sp=quarantine", Policy{Found: true, Inherited: true, P: "none", SP: "quarantine"}, "quarantine", true},
		{"inherited without sp", Policy{Found: true, Inherited: true, P: "reject"}, "reject", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.p.Effective(); got != tt.effective {
				t.Errorf("Effective() = %q, want %q", got, tt.effective)
			}
			if got := tt.p.Strict(); got != tt.strict {
				t.Errorf("Strict() = %v, want %v", got, tt.strict)
			}
		})
	}
}

func FuzzParseRecord(f *testing.F) {
	for _, s := range []string{
		"v=DMARC1; p=reject", "v=DMARC1;p=quarantine;pct=20;adkim=s;sp=none",
		"v=DMARC1; rua=mailto:d@example.com!10m", "v=DMARC1;;=;==;p", "",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, txt string) {
		var p Policy
		if !parseRecord(txt, &p) {
			return
		}
		if policyValue(p.P) == "" {
			t.Errorf("p = %q", p.P)
		}
		if p.SP != "" && policyValue(p.SP) == "" {
			t.Errorf("sp = %q", p.SP)
		}
		if p.Pct < 0 || p.Pct > 100 {
			t.Errorf("pct = %d", p.Pct)
		}
		for _, a := range []string{p.ADKIM, p.ASPF} {
			if a != AlignRelaxed && a != AlignStrict {
				t.Errorf("alignment %q", a)
			}
		}
	})
}
