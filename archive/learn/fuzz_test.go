package learn

import (
	"strings"
	"testing"
)

// FuzzOwnText: cleaning never invents text — every line it keeps is a
// line of the input — and sentences stay within bounds.
func FuzzOwnText(f *testing.F) {
	for _, s := range []string{
		"Try a lower rate.\n\nOn Mon, Apr 12, 2021 at 10:17 AM Bob <bob@example.org> wrote:\n> It drops.\n",
		"Ken\n\nFrom: Brendan [mailto:b@example.org]\nSent: Sunday\nTo: Ken\n",
		"Hi all,\nIt works. Thanks!\n-- \nRob\n_______________________________________________\nX mailing list\n",
		"On\nwrote:\n>\n\r\n\u00a0Il 08/04/21 ha scritto:",
	} {
		f.Add(s, "Rob Kossler")
	}
	f.Fuzz(func(t *testing.T, text, author string) {
		own := OwnText(text)
		in := map[string]bool{}
		for _, l := range strings.Split(NormalizeSpace(text), "\n") {
			in[strings.TrimRight(l, " \t")] = true
		}
		for _, l := range strings.Split(own, "\n") {
			if l != "" && !in[l] {
				t.Fatalf("ownText made up the line %q", l)
			}
		}
		for _, s := range Sentences(ProseText(own, author)) {
			if s == "" || len(s) > maxSentence {
				t.Fatalf("bad sentence %q", s)
			}
		}
		Thanked(own)
		Confirms(own)
		Tokens(own)
	})
}

// FuzzQuickText: the quick reader never fails where go-message reads.
func FuzzQuickText(f *testing.F) {
	for _, s := range []string{
		"Content-Type: text/plain; charset=iso-8859-1\nContent-Transfer-Encoding: quoted-printable\n\nCaf=E9\n",
		"Content-Type: multipart/alternative; boundary=\"b\"\n\n--b\nContent-Type: text/plain\nContent-Transfer-Encoding: base64\n\nSGVsbG8=\n--b--\n",
		"Content-Type: multipart/mixed; boundary=x\n\n--x\n\n--x--",
		"\n\nbody only",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		QuickText(raw)
		ReadContent(raw)
	})
}

// FuzzIsReply: the hand-read reply marker agrees with its expression on
// any subject.
func FuzzIsReply(f *testing.F) {
	for _, s := range []string{"Re: x", "[a] [b] AW: x", "Re[2]: x", "[x Re: y", "ſv: x", "antw : x", "Re [3] :"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := isReply(s), replySubject.MatchString(s); got != want {
			t.Errorf("isReply(%q) = %v, the expression says %v", s, got, want)
		}
	})
}
