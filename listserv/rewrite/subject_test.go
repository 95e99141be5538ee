package rewrite

import (
	"testing"

	"praxis/listserv/mailmsg"
)

func TestPrefixSubject(t *testing.T) {
	tests := []struct {
		name, subject, prefix, want string
	}{
		{"plain", "Meeting notes", "[cop] ", "[cop] Meeting notes"},
		{"re", "Re: Meeting notes", "[cop] ", "[cop] Re: Meeting notes"},
		{"RE", "RE: Meeting notes", "[cop] ", "[cop] Re: Meeting notes"},
		{"re-lower", "re: Meeting notes", "[cop] ", "[cop] Re: Meeting notes"},
		{"AW", "AW: Termin", "[cop] ", "[cop] Re: Termin"},
		{"Aw", "Aw: Termin", "[cop] ", "[cop] Re: Termin"},
		{"SV", "SV: Möte", "[cop] ", "[cop] Re: Möte"},
		{"counted", "Re[3]: x", "[cop] ", "[cop] Re: x"},
		{"counted-paren", "Re(2): x", "[cop] ", "[cop] Re: x"},
		{"french-blank", "Re : x", "[cop] ", "[cop] Re: x"},
		{"no-blank", "Re:x", "[cop] ", "[cop] Re: x"},
		{"re-re", "Re: Re: Re: x", "[cop] ", "[cop] Re: x"},
		{"chain", "Re: [cop] Re: [cop] x", "[cop] ", "[cop] Re: x"},
		{"mixed-markers", "AW: [cop] Re[2]: SV: x", "[cop] ", "[cop] Re: x"},
		{"already", "[cop] Re: x", "[cop] ", "[cop] Re: x"},
		{"already-new", "[cop] x", "[cop] ", "[cop] x"},
		{"tag-case", "[COP] x", "[cop] ", "[cop] x"},
		{"other-tag", "Re: [other] x", "[cop] ", "[cop] Re: [other] x"},
		{"other-then-ours", "[other] [cop] x", "[cop] ", "[cop] [other] x"},
		{"fwd-kept", "Fwd: [cop] x", "[cop] ", "[cop] Fwd: x"},
		{"re-fwd-re", "Re: Fwd: Re: x", "[cop] ", "[cop] Re: Fwd: Re: x"},
		{"not-a-marker", "Regarding: x", "[cop] ", "[cop] Regarding: x"},
		{"word-re", "Review: x", "[cop] ", "[cop] Review: x"},
		{"decoded-utf8", "[cop] Café", "[cop] ", "[cop] Café"},
		{"decoded-latin1", "Re: Réunion", "[cop] ", "[cop] Re: Réunion"},
		{"empty", "", "[cop] ", "[cop] (no subject)"},
		{"only-re", "Re:", "[cop] ", "[cop] Re: (no subject)"},
		{"only-tag", "[cop]", "[cop] ", "[cop] (no subject)"},
		{"blanks", "  spaced   out  ", "[cop] ", "[cop] spaced   out"},
		{"controls", "a\r\nb\tc", "[cop] ", "[cop] a  b c"},
		{"nested-tag", "[co[cop]p] x", "[cop] ", "[cop] x"},
		{"prefix-no-blank", "x", "[cop]", "[cop] x"},
		{"word-prefix", "hiccop: x", "cop:", "cop: hiccop: x"},
		{"empty-prefix", "Re: [cop] Re: x", "", "Re: [cop] Re: x"},
		{"blank-prefix", "Re: x", "  ", "Re: x"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := PrefixSubject(tt.subject, tt.prefix); got != tt.want {
				t.Errorf("PrefixSubject(%q, %q) = %q, want %q", tt.subject, tt.prefix, got, tt.want)
			}
		})
	}
}

func TestRewriteSubject(t *testing.T) {
	tests := []struct {
		name, raw, wantText, wantValue string
		wantChanged                    bool
	}{
		{"ascii", "Hello", "[cop] Hello", "[cop] Hello", true},
		{"ascii-kept", "[cop] Hello", "[cop] Hello", "[cop] Hello", false},
		{"2047-already-prefixed", "=?utf-8?q?=5Bcop=5D_Caf=C3=A9?=", "[cop] Café", "=?utf-8?q?=5Bcop=5D_Caf=C3=A9?=", false},
		{"2047-prefix-reordered", "=?utf-8?q?Re=3A_=5Bcop=5D_Caf=C3=A9?=", "[cop] Re: Café", "[cop] Re: =?utf-8?q?Caf=C3=A9?=", true},
		{"iso-8859-1", "=?ISO-8859-1?Q?R=E9union?=", "[cop] Réunion", "[cop] =?utf-8?q?R=C3=A9union?=", true},
		{"iso-8859-15-b", "=?iso-8859-15?b?pA==?=", "[cop] €", "[cop] =?utf-8?q?=E2=82=AC?=", true},
		{"koi8-r", "=?koi8-r?b?8NLJ18XU?=", "[cop] Привет", "[cop] =?utf-8?q?=D0=9F=D1=80=D0=B8=D0=B2=D0=B5=D1=82?=", true},
		{"2047-ascii-only", "=?utf-8?q?hello_world?=", "[cop] hello world", "[cop] hello world", true},
		{"raw-utf8", "Grüße", "[cop] Grüße", "[cop] =?utf-8?q?Gr=C3=BC=C3=9Fe?=", true},
		{"ascii-then-utf8", "plan for Zürich trip", "[cop] plan for Zürich trip", "[cop] plan for =?utf-8?q?Z=C3=BCrich_trip?=", true},
		{"unknown-charset", "=?x-unknown?q?abc?=", "[cop] =?x-unknown?q?abc?=", "[cop] =?x-unknown?q?abc?=", true},
		{"raw-latin1", "caf\xe9", "[cop] caf\uFFFD", "[cop] caf\xe9", true},
		{"raw-latin1-prefixed", "[cop] caf\xe9", "[cop] caf\uFFFD", "[cop] caf\xe9", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			text, value, changed := rewriteSubject(tt.raw, "[cop] ")
			if text != tt.wantText || value != tt.wantValue || changed != tt.wantChanged {
				t.Errorf("rewriteSubject(%q) = %q, %q, %v; want %q, %q, %v",
					tt.raw, text, value, changed, tt.wantText, tt.wantValue, tt.wantChanged)
			}
		})
	}
}

func TestQEncodeRoundTrip(t *testing.T) {
	for _, s := range []string{"", "a", "Café au lait", "日本語のテキストがとても長い場合には複数のエンコードされた単語に分割されます", "=?_?= ?x", "\U0001F600 emoji"} {
		enc := qEncode(s)
		for _, w := range splitBlank(enc) {
			if len(w) > 75 {
				t.Errorf("encoded-word of %d characters: %q", len(w), w)
			}
		}
		dec, ok := mailmsg.DecodeWords(enc)
		if !ok || dec != s {
			t.Errorf("qEncode(%q) = %q decodes to %q (ok %v)", s, enc, dec, ok)
		}
	}
}

func splitBlank(s string) []string {
	var out []string
	start := 0
	for i := 0; i <= len(s); i++ {
		if i == len(s) || s[i] == ' ' {
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return out
}

// Raw 8-bit bytes in a legacy charset cannot be decoded; the prefix still
// goes to the front, once, and the bytes are kept.
func TestRewriteUndecodableSubject(t *testing.T) {
	tests := []struct{ raw, want string }{
		{"Re: [cop] caf\xe9", "[cop] Re: caf\xe9"},
		{"caf\xe9", "[cop] caf\xe9"},
		{"[cop] caf\xe9", "[cop] caf\xe9"},
	}
	for _, tt := range tests {
		_, value, _ := rewriteSubject(tt.raw, "[cop] ")
		if value != tt.want {
			t.Errorf("rewriteSubject(%q) = %q, want %q", tt.raw, value, tt.want)
		}
	}
}
