package robot

import "testing"

func TestReadDecision(t *testing.T) {
	tests := []struct{ text, verb, reason string }{
		{"approve", "approve", ""},
		{"Approve\n\n> quoted", "approve", ""},
		{"\n> A post waits\nreject off topic here", "reject", "off topic here"},
		{"Reject: spam", "reject", "spam"},
		{"discard", "discard", ""},
		{"I think we should approve", "", ""},
		{"", "", ""},
		{"approved.", "", ""},
	}
	for _, tt := range tests {
		verb, reason := readDecision(tt.text)
		if verb != tt.verb || reason != tt.reason {
			t.Errorf("readDecision(%q) = %q, %q; want %q, %q", tt.text, verb, reason, tt.verb, tt.reason)
		}
	}
}

func FuzzReadDecision(f *testing.F) {
	for _, s := range []string{"approve", "reject spam", "> quoted\ndiscard", "No longer with the company", "", "\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		verb, reason := readDecision(text)
		switch verb {
		case "", "approve", "reject", "discard":
		default:
			t.Fatalf("readDecision(%q) = %q", text, verb)
		}
		if verb == "" && reason != "" {
			t.Fatalf("a reason without a decision: %q", reason)
		}
		declines(text)
	})
}
