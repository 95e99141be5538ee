package render

import (
	"reflect"
	"testing"
)

func TestLinks(t *testing.T) {
	tests := []struct {
		name string
		raw  []byte
		want []string
	}{
		{
			name: "own text only, in order, once",
			raw: msg("Subject: links", "",
				"The manual is at https://files.ettus.com/manual/page_usrp_b200.html.",
				"(See also https://kb.ettus.com/B200/B210/B205mini.)",
				"Wikipedia: https://en.wikipedia.org/wiki/Software-defined_radio_(SDR), fine",
				"Angle <https://github.com/EttusResearch/uhd> and \"https://example.org/q?a=1&b=2\".",
				"Again https://files.ettus.com/manual/page_usrp_b200.html!",
				"Not links: ftp://example.org/ mailto:ann@example.org http:// www.example.org",
				"",
				"On Mon, Bob wrote:",
				"> https://quoted.example.org/",
				"-- ",
				"https://signature.example.org/",
				mailman2Footer),
			want: []string{
				"https://files.ettus.com/manual/page_usrp_b200.html",
				"https://kb.ettus.com/B200/B210/B205mini",
				"https://en.wikipedia.org/wiki/Software-defined_radio_(SDR)",
				"https://github.com/EttusResearch/uhd",
				"https://example.org/q?a=1&b=2",
			},
		},
		{
			name: "HTML-only mail",
			raw: msg("Content-Type: text/html", "",
				`<p>Try <a href="https://github.com/gnuradio/gnuradio">GNU Radio</a>.</p><blockquote>https://quoted.example.org/</blockquote>`),
			want: []string{"https://github.com/gnuradio/gnuradio"},
		},
		{
			name: "forwarded message counts",
			raw: msg("Content-Type: multipart/mixed; boundary=b", "",
				"--b", "", "FYI",
				"--b", "Content-Type: message/rfc822", "", "Subject: release", "", "UHD 4.1 is out: https://github.com/EttusResearch/uhd/releases",
				"--b--"),
			want: []string{"https://github.com/EttusResearch/uhd/releases"},
		},
		{
			name: "none",
			raw:  msg("Subject: x", "", "no links here"),
			want: nil,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Links(tt.raw); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got  %q\nwant %q", got, tt.want)
			}
		})
	}
}
