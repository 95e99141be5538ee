package render

import (
	"regexp"
	"strings"
	"testing"
)

var anyAddress = regexp.MustCompile(`[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+`)

// Every place of a rendered post that can hold an address is cut: a
// munged sender is shown by the name the list kept, To and Cc by names,
// and the body's attribution, quote, signature, plain text and HTML.
func TestHideAddresses(t *testing.T) {
	tests := []struct {
		name     string
		raw      []byte
		wantFrom string
		wantText []string // each must appear in the page's text
	}{
		{
			name: "munged, quoted, signed",
			raw: msg(
				`From: "Marcus D. Leech via USRP-users" <usrp-users@lists.ettus.com>`,
				`Reply-To: "Marcus D. Leech" <patchvonbraun@gmail.com>`,
				`To: Ann <ann@example.org>, bob@example.org`,
				"Subject: Re: B210",
				"",
				"On Mon, 1 Feb 2021, Ann Example <ann@example.org> wrote:",
				"> my address is ann@example.org",
				"",
				"Mail me at patchvonbraun@gmail.com.",
				"-- ",
				"Marcus <patchvonbraun@gmail.com>"),
			wantFrom: "Marcus D. Leech",
			wantText: []string{"On Mon, 1 Feb 2021, Ann Example wrote:", "ann@…", "patchvonbraun@…"},
		},
		{
			name: "html with a mailto link",
			raw: msg(
				"From: carol@example.org",
				"Content-Type: text/html",
				"",
				`<p>Write to <a href="mailto:carol@example.org">carol@example.org</a></p>`),
			wantFrom: "carol@…",
			wantText: []string{"carol@…"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := Render(tt.raw)
			m.HideAddresses()
			var all strings.Builder
			all.WriteString(m.From + "\n" + m.FromAddr + "\n" + m.To + "\n" + m.Cc + "\n" + m.Subject + "\n")
			for _, p := range m.Parts {
				all.WriteString(string(p.HTML))
				for _, b := range p.Blocks {
					all.WriteString(b.Attribution + "\n" + b.Text + "\n")
				}
			}
			if m.From != tt.wantFrom {
				t.Errorf("From = %q, want %q", m.From, tt.wantFrom)
			}
			if a := anyAddress.FindString(all.String()); a != "" {
				t.Errorf("address %q left in:\n%s", a, all.String())
			}
			for _, w := range tt.wantText {
				if !strings.Contains(all.String(), w) {
					t.Errorf("missing %q in:\n%s", w, all.String())
				}
			}
		})
	}
}
