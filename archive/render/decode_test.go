package render

import "testing"

func TestTransferDecode(t *testing.T) {
	tests := []struct {
		name, enc, body, want string
	}{
		{"base64", "base64", "SGVsbG8s\r\nIHdvcmxk\r\nIQ==\r\n", "Hello, world!"},
		{"base64 upper case", "BASE64", "SGk=", "Hi"},
		{"base64 without padding", "base64", "QUJDREVGR0hJSktMTU5PUA", "ABCDEFGHIJKLMNOP"},
		{"base64 with a stray character", "base64", "QUJDREVGR0hJSktMTU5PUA==\n*\n", "ABCDEFGHIJKLMNOP"},
		{"base64 truncated mid-quantum", "base64", "QUJDREVGR0hJSktMTU5PU", "ABCDEFGHIJKLMNO"},
		{"base64 that is not", "base64", "Thanks\nAnn", "Thanks\nAnn"},
		{"quoted-printable", "quoted-printable", "caf=C3=A9 =\r\nsoft=3D\nhard", "café soft=\nhard"},
		{"quoted-printable lower-case hex", "Quoted-Printable", "=c3=a9", "é"},
		{"quoted-printable soft break with trailing space", "quoted-printable", "a= \t\nb", "ab"},
		{"quoted-printable broken escapes kept", "quoted-printable", "50% = half, =Z1, =", "50% = half, =Z1, "},
		{"7bit", "7bit", "as is =41", "as is =41"},
		{"unknown", "x-uuencode", "begin 644 x", "begin 644 x"},
		{"none", "", "plain", "plain"},
	}
	for _, tt := range tests {
		if got := string(transferDecode(tt.enc, []byte(tt.body))); got != tt.want {
			t.Errorf("%s: got %q, want %q", tt.name, got, tt.want)
		}
	}
}
