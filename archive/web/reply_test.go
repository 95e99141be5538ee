package web

import (
	"net/url"
	"testing"

	"praxis/listserv/store"
)

// The reply link writes to the list, in the thread, with every value
// percent-encoded so that no character of a subject or id breaks it.
func TestReplyLink(t *testing.T) {
	l := &store.List{Address: "usrp@lists.example.org"}
	tests := []struct {
		subject, id string
		want        string
		wantSubject string
	}{
		{"[USRP-users] B210 & X310: 50% off?", "CA+x=y@mail.gmail.com",
			"mailto:usrp@lists.example.org?subject=Re%3A%20B210%20%26%20X310%3A%2050%25%20off%3F&In-Reply-To=%3CCA%2Bx%3Dy%40mail.gmail.com%3E&References=%3CCA%2Bx%3Dy%40mail.gmail.com%3E",
			"Re: B210 & X310: 50% off?"},
		{"Re: AW: [USRP-users] Über", "a/b@x", "", "Re: Über"},
		{"", "e@x", "", "Re: "},
	}
	for _, tt := range tests {
		got := replyLink(l, &store.ArchivedPost{Subject: tt.subject, MessageID: tt.id})
		if tt.want != "" && got != tt.want {
			t.Errorf("replyLink(%q) = %s\nwant %s", tt.subject, got, tt.want)
		}
		u, err := url.Parse(got)
		if err != nil {
			t.Fatal(err)
		}
		q := u.Query()
		if u.Scheme != "mailto" || u.Opaque != l.Address || q.Get("subject") != tt.wantSubject || q.Get("In-Reply-To") != "<"+tt.id+">" {
			t.Errorf("replyLink(%q) reads back as %s to %s, %v", tt.subject, u.Scheme, u.Opaque, q)
		}
	}
}
