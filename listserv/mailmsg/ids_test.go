package mailmsg

import "testing"

// TestMadeUpIDs pins the ids Praxis makes up: archives and members'
// copies hold them, and a replay or a second import must name the same
// bytes the same way (the hashes are sha256sum's of raw).
func TestMadeUpIDs(t *testing.T) {
	raw := []byte("From: a@example.com\r\n\r\nhi\r\n")
	if got, want := SpoolID(7, raw, "mail.example.org"), "praxis.7.e77a0dead577b112@mail.example.org"; got != want {
		t.Errorf("SpoolID = %q, want %q", got, want)
	}
	if got, want := ContentID(raw, "example.org"), "praxis-archive.e77a0dead577b112f6f2500e@example.org"; got != want {
		t.Errorf("ContentID = %q, want %q", got, want)
	}
	for s, want := range map[string]bool{"a@b": true, "ünï@b": true, "": false, "a b@c": false, "a<b": false, "a>b": false, "a\x01b": false, "a\x7fb": false, "a\r\nb": false} {
		if Writable(s) != want {
			t.Errorf("Writable(%q) = %v", s, !want)
		}
	}
}
