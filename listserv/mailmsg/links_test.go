package mailmsg

import "testing"

func TestTrimURL(t *testing.T) {
	tests := []struct{ in, want string }{
		{"https://a.example/x", "https://a.example/x"},
		{"https://a.example/x.", "https://a.example/x"},
		{"https://a.example/x).", "https://a.example/x"},
		{"https://a.example/wiki/A_(b)", "https://a.example/wiki/A_(b)"},
		{"https://a.example/wiki/A_(b))", "https://a.example/wiki/A_(b)"},
		{"https://a.example/x],", "https://a.example/x"},
		{"https://a.example/x[1]", "https://a.example/x[1]"},
		{"https://a.example/x>", "https://a.example/x"},
		{"https://a.example/x?'\"!;:*", "https://a.example/x"},
		{"https://a.example/x/", "https://a.example/x/"},
		{"https://a.example/#frag", "https://a.example/#frag"},
	}
	for _, tt := range tests {
		if got := TrimURL(tt.in); got != tt.want {
			t.Errorf("TrimURL(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
