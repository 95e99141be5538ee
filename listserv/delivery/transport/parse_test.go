package transport

import (
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var testTime = time.Unix(1700000000, 123456789)

func TestParse(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "out")
	tests := []struct {
		spec string
		want string // "smarthost ADDR MODE USER", "mx", "maildir DIR", or "error: …"
	}{
		{"mx", "mx"},
		{"MX", "mx"},
		{"maildir:" + dir, "maildir " + dir},
		{"Maildir:" + dir, "maildir " + dir},
		{"smtp://relay.example.org:587", "smarthost relay.example.org:587 opportunistic "},
		{"smtp://relay.example.org:587/", "smarthost relay.example.org:587 opportunistic "},
		{"smtp://u:p@relay.example.org:587?tls=starttls", "smarthost relay.example.org:587 starttls u"},
		{"smtp://relay.example.org:465?tls=implicit", "smarthost relay.example.org:465 implicit "},
		{"smtp://127.0.0.1:25?tls=none", "smarthost 127.0.0.1:25 none "},
		{"smtp://u:p@localhost:25?tls=none", "smarthost localhost:25 none u"},
		{"smtp://u:p@[::1]:25?tls=none", "smarthost [::1]:25 none u"},
		{"smtp://u%40x:p%3Aw@relay.example.org:587", "smarthost relay.example.org:587 opportunistic u@x"},

		{"", `error: delivery "": empty; use smtp://, mx or maildir:DIR`},
		{"ftp://x", `error: delivery "ftp://x": unsupported scheme; use smtp://, mx or maildir:DIR`},
		{"smtps://x:465", `error: delivery "smtps://x:465": unsupported scheme; use smtp://, mx or maildir:DIR`},
		{"mx:example.org", `error: delivery "mx:example.org": unsupported scheme; use smtp://, mx or maildir:DIR`},
		{"/var/mail", `error: delivery "/var/mail": unsupported scheme; use smtp://, mx or maildir:DIR`},
		{"maildir:", `error: delivery "maildir:": want maildir:DIR, a directory path`},
		{"smtp:relay:25", `error: delivery "smtp:relay:25": want smtp://[user:pass@]host:port`},
		{"smtp://relay.example.org", `error: delivery "smtp://relay.example.org": missing port (e.g. :587 for submission, :465 with tls=implicit)`},
		{"smtp://relay.example.org:0", `error: delivery "smtp://relay.example.org:0": bad port "0"`},
		{"smtp://:25", `error: delivery "smtp://:25": missing host`},
		{"smtp://relay:25/path", `error: delivery "smtp://relay:25/path": unexpected path "/path"`},
		{"smtp://relay:25?tls=yes", `error: delivery "smtp://relay:25?tls=yes": unknown tls="yes"; want starttls, implicit or none`},
		{"smtp://relay:25?tls=", `error: delivery "smtp://relay:25?tls=": empty tls=; want starttls, implicit or none`},
		{"smtp://relay:25?tls=none&tls=none", `error: delivery "smtp://relay:25?tls=none&tls=none": tls= given more than once`},
		{"smtp://relay:25?auth=plain", `error: delivery "smtp://relay:25?auth=plain": unknown parameter "auth"; only tls= is accepted`},
		{"smtp://u@relay:25", `error: delivery "smtp://u@relay:25": credentials must be user:pass`},
		{"smtp://u:secret@relay.example.org:25?tls=none",
			`error: delivery "smtp://u:xxxxx@relay.example.org:25?tls=none": refusing to send the password unencrypted to relay.example.org; use tls=starttls or tls=implicit`},
		{"smtp://u:secret@relay:badport", `error: delivery "smtp://u:xxxxx@relay:badport": malformed: invalid port ":badport" after host`},
	}
	for _, tt := range tests {
		t.Run(tt.spec, func(t *testing.T) {
			tr, err := Parse(tt.spec, Options{})
			var got string
			switch v := tr.(type) {
			case nil:
				got = "error: " + err.Error()
			case *MX:
				got = "mx"
			case *Maildir:
				got = "maildir " + v.Dir()
			case *Smarthost:
				got = "smarthost " + v.cfg.Addr + " " + v.mode.String() + " " + v.cfg.Username
			}
			if got != tt.want {
				t.Errorf("Parse(%q)\n got %s\nwant %s", tt.spec, got, tt.want)
			}
			if strings.Contains(got, "secret") {
				t.Errorf("the password leaks: %s", got)
			}
		})
	}
}

func TestRedact(t *testing.T) {
	tests := []struct{ in, want string }{
		{"smtp://u:p@h:25", "smtp://u:xxxxx@h:25"},
		{"smtp://u:p@ss@h:25", "smtp://u:xxxxx@h:25"},
		{"smtp://u@h:25", "smtp://u@h:25"},
		{"smtp://h:25", "smtp://h:25"},
		{"maildir:/a@b:c", "maildir:/a@b:c"},
	}
	for _, tt := range tests {
		if got := redact(tt.in); got != tt.want {
			t.Errorf("redact(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestErrorString(t *testing.T) {
	tests := []struct {
		e    *Error
		want string
	}{
		{&Error{Code: 550, Enhanced: "5.1.1", Message: "no such user", Op: "RCPT TO"}, "RCPT TO: 550 5.1.1 no such user"},
		{&Error{Code: 451, Message: "try later"}, "451 try later"},
		{temporary("connect", "4.4.1", "cannot connect to h:25", errTest), "connect: 4.4.1 cannot connect to h:25: boom"},
		{permanent("MX lookup", "5.1.10", "accepts no mail", nil), "MX lookup: 5.1.10 accepts no mail"},
		{&Error{Err: errTest}, "boom"},
		{&Error{Code: 554, Message: "no", Err: errTest}, "554 no"},
		{&Error{Op: "write", Message: "disk"}, "write: disk"},
	}
	for _, tt := range tests {
		if got := tt.e.Error(); got != tt.want {
			t.Errorf("Error() = %q, want %q", got, tt.want)
		}
	}
}

func TestSplitEnhanced(t *testing.T) {
	tests := []struct{ in, code, text string }{
		{"5.1.1 no such user", "5.1.1", "no such user"},
		{"4.7.0 TLS not available", "4.7.0", "TLS not available"},
		{"no code here", "", "no code here"},
		{"1.2.3 not a class", "", "1.2.3 not a class"},
		{"5.1 too short", "", "5.1 too short"},
		{"5.x.1 junk", "", "5.x.1 junk"},
		{"", "", ""},
	}
	for _, tt := range tests {
		code, text := splitEnhanced(tt.in)
		if code != tt.code || text != tt.text {
			t.Errorf("splitEnhanced(%q) = %q, %q; want %q, %q", tt.in, code, text, tt.code, tt.text)
		}
	}
}

type testError string

func (e testError) Error() string { return string(e) }

const errTest = testError("boom")

func FuzzParse(f *testing.F) {
	for _, s := range []string{"mx", "maildir:/tmp/x", "smtp://u:p@127.0.0.1:25?tls=none", "smtp://h:587?tls=starttls", "smtp://[::1]:25", "smtp://h", "ftp://x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, spec string) {
		if strings.HasPrefix(spec, "maildir:") {
			return // would create directories
		}
		_, err := Parse(spec, Options{Hostname: "lists.test"})
		rest, isSMTP := strings.CutPrefix(spec, "smtp://")
		at := strings.LastIndexByte(rest, '@')
		if err == nil || !isSMTP || at < 0 {
			return
		}
		// A password never appears in an error.
		if _, pass, ok := strings.Cut(rest[:at], ":"); ok && len(pass) > 3 && !strings.Contains(rest[at:], pass) && !strings.Contains("smtp://xxxxx", pass) && strings.Contains(err.Error(), pass) {
			t.Fatalf("error for %q shows the password: %v", spec, err)
		}
	})
}
