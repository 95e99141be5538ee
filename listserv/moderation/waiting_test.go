package moderation

import (
	"testing"

	"github.com/emersion/go-message/textproto"
)

// The senders a held post's author notice is never sent to, and the ones
// it is.
func TestAutoSender(t *testing.T) {
	hdr := func(kv ...string) textproto.Header {
		var h textproto.Header
		for i := 0; i+1 < len(kv); i += 2 {
			h.Add(kv[i], kv[i+1])
		}
		return h
	}
	tests := []struct {
		name, mailFrom, author string
		h                      textproto.Header
		told                   bool
	}{
		{"a person", "ann@example.net", "ann@example.net", hdr(), true},
		{"Auto-Submitted: no", "ann@example.net", "ann@example.net", hdr("Auto-Submitted", "no"), true},
		{"Precedence first-class", "ann@example.net", "ann@example.net", hdr("Precedence", "first-class"), true},
		{"a person named bouncey", "bouncey@example.net", "bouncey@example.net", hdr(), true},
		{"a list's bounces", "cop-bounces@example.org", "ann@example.net", hdr(), false},
		{"null return path", "", "ann@example.net", hdr(), false},
		{"no author", "ann@example.net", "", hdr(), false},
		{"auto-replied", "ann@example.net", "ann@example.net", hdr("Auto-Submitted", "auto-replied"), false},
		{"auto-generated", "ann@example.net", "ann@example.net", hdr("Auto-Submitted", "Auto-Generated"), false},
		{"Precedence bulk", "news@example.net", "news@example.net", hdr("Precedence", "bulk"), false},
		{"Precedence list", "ann@example.net", "ann@example.net", hdr("Precedence", " List "), false},
		{"Precedence junk", "ann@example.net", "ann@example.net", hdr("Precedence", "junk"), false},
		{"from a list", "other-bounces@example.com", "ann@example.net", hdr("List-Id", "<other.example.com>"), false},
		{"MAILER-DAEMON", "MAILER-DAEMON@mx.example.net", "MAILER-DAEMON@mx.example.net", hdr(), false},
		{"postmaster", "postmaster@example.net", "postmaster@example.net", hdr(), false},
		{"noreply envelope", "noreply@example.net", "ann@example.net", hdr(), false},
		{"no-reply author", "ann@example.net", "No-Reply@example.net", hdr(), false},
		{"do_not_reply", "do_not_reply@example.net", "do_not_reply@example.net", hdr(), false},
		{"bounces VERP", "bounces+x=y@example.net", "ann@example.net", hdr(), false},
	}
	for _, tt := range tests {
		why := autoSender(tt.mailFrom, tt.author, tt.h)
		if (why == "") != tt.told {
			t.Errorf("%s: autoSender = %q, want told %v", tt.name, why, tt.told)
		}
	}
}
