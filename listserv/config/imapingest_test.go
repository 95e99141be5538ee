package config

import (
	"flag"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestParseIngestURL(t *testing.T) {
	tests := []struct {
		raw     string
		want    IngestURL
		source  string
		legacy  []string
		wantErr string
	}{
		{raw: "imaps://lists%40example.org:s3cr%2Ft@imap.example.org/INBOX?list=cop@example.org",
			want:   IngestURL{TLS: true, Addr: "imap.example.org:993", User: "lists@example.org", Password: "s3cr/t", Mailbox: "INBOX", List: "cop@example.org", After: AfterSeen},
			source: "imap://lists%40example.org@imap.example.org/INBOX",
			legacy: []string{"imaps://lists%40example.org@imap.example.org:993/INBOX", "imap://lists%40example.org@imap.example.org:993/INBOX"}},
		{raw: "imap://u:pw9@127.0.0.1:1430/Lists/CoP?list=COP@Example.org&after=move:Done",
			want:   IngestURL{Addr: "127.0.0.1:1430", User: "u", Password: "pw9", Mailbox: "Lists/CoP", List: "cop@example.org", After: AfterMove, Folder: "Done"},
			source: "imap://u@127.0.0.1/Lists/CoP",
			legacy: []string{"imap://u@127.0.0.1:1430/Lists/CoP", "imaps://u@127.0.0.1:1430/Lists/CoP"}},
		// The same mailbox reached another way is the same source.
		{raw: "imaps://u:pw9@127.0.0.1:9993/Lists/CoP?list=cop@example.org",
			want:   IngestURL{TLS: true, Addr: "127.0.0.1:9993", User: "u", Password: "pw9", Mailbox: "Lists/CoP", List: "cop@example.org", After: AfterSeen},
			source: "imap://u@127.0.0.1/Lists/CoP"},
		{raw: "imaps://u:pw9@[::1]:9993/INBOX?list=cop@example.org",
			want:   IngestURL{TLS: true, Addr: "[::1]:9993", User: "u", Password: "pw9", Mailbox: "INBOX", List: "cop@example.org", After: AfterSeen},
			source: "imap://u@[::1]/INBOX",
			legacy: []string{"imaps://u@[::1]:9993/INBOX", "imap://u@[::1]:9993/INBOX"}},
		{raw: "imaps://u:pw9@IMAP.Example.ORG/INBOX?list=cop@example.org",
			want:   IngestURL{TLS: true, Addr: "IMAP.Example.ORG:993", User: "u", Password: "pw9", Mailbox: "INBOX", List: "cop@example.org", After: AfterSeen},
			source: "imap://u@imap.example.org/INBOX"},
		{raw: "imap://u:pw9@localhost/INBOX?list=cop@example.org&after=delete",
			want: IngestURL{Addr: "localhost:143", User: "u", Password: "pw9", Mailbox: "INBOX", List: "cop@example.org", After: AfterDelete}},
		{raw: "pop3://u:hunter2@h/INBOX?list=cop@example.org", wantErr: "scheme"},
		{raw: "imaps://u:hunter2@/INBOX?list=cop@example.org", wantErr: "no host"},
		{raw: "imaps://h/INBOX?list=cop@example.org", wantErr: "no user"},
		{raw: "imaps://u@h/INBOX?list=cop@example.org", wantErr: "no password"},
		{raw: "imaps://u:hunter2@h?list=cop@example.org", wantErr: "no mailbox"},
		{raw: "imaps://u:hunter2@h/INBOX", wantErr: "no list"},
		{raw: "imaps://u:hunter2@h/INBOX?list=cop", wantErr: "not an address"},
		{raw: "imaps://u:hunter2@h/INBOX?list=cop@example.org&after=archive", wantErr: "after="},
		{raw: "imaps://u:hunter2@h/INBOX?list=cop@example.org&after=move:", wantErr: "needs a folder"},
		{raw: "imaps://u:hunter2@h/INBOX?list=cop@example.org&after=move:INBOX", wantErr: "itself"},
		{raw: "imaps://u:hunter2@h/INBOX?list=cop@example.org&lsit=x", wantErr: "unknown parameter"},
		{raw: "imaps://u:hunter2@h:99999999x/INBOX?list=cop@example.org", wantErr: "not a URL"},
	}
	for _, tt := range tests {
		got, err := ParseIngestURL(tt.raw)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("ParseIngestURL(%q) = %v, want an error with %q", tt.raw, err, tt.wantErr)
			}
			if err != nil && strings.Contains(err.Error(), "hunter2") {
				t.Errorf("the error shows the password: %v", err)
			}
			continue
		}
		if err != nil {
			t.Errorf("ParseIngestURL(%q): %v", tt.raw, err)
			continue
		}
		if *got != tt.want {
			t.Errorf("ParseIngestURL(%q) = %+v, want %+v", tt.raw, *got, tt.want)
		}
		if tt.source != "" && got.Source() != tt.source {
			t.Errorf("Source = %q, want %q", got.Source(), tt.source)
		}
		if tt.legacy != nil && !slices.Equal(got.LegacySources(), tt.legacy) {
			t.Errorf("LegacySources = %q, want %q", got.LegacySources(), tt.legacy)
		}
		if strings.Contains(got.Source(), got.Password) {
			t.Errorf("Source %q holds the password", got.Source())
		}
	}
}

// imap-ingest is a string or an array in the file, and a repeatable
// flag that replaces the file's list.
func TestIMAPIngestForms(t *testing.T) {
	dir := t.TempDir()
	one := "imaps://u:p@h/INBOX?list=cop@example.org"
	two := "imaps://u:p,q@h2/INBOX?list=dev@example.org"
	for _, tt := range []struct {
		toml string
		want []string
	}{
		{`imap-ingest = "` + one + `"`, []string{one}},
		{`imap-ingest = ["` + one + `", "` + two + `"]`, []string{one, two}},
	} {
		path := filepath.Join(dir, "praxis.toml")
		if err := os.WriteFile(path, []byte(tt.toml+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		c := Default()
		if err := c.Load(path); err != nil {
			t.Fatal(err)
		}
		if strings.Join(c.IMAPIngest, "|") != strings.Join(tt.want, "|") {
			t.Errorf("%s: got %q", tt.toml, c.IMAPIngest)
		}
		if err := c.Validate(); err != nil {
			t.Errorf("%s: %v", tt.toml, err)
		}
	}
	c := Default()
	c.IMAPIngest = StringList{"from the file"}
	fs := flag.NewFlagSet("t", flag.ContinueOnError)
	f := NewURLListFlag(&c.IMAPIngest)
	fs.Var(f, "imap-ingest", "")
	if err := fs.Parse([]string{"--imap-ingest", one, "--imap-ingest", two}); err != nil {
		t.Fatal(err)
	}
	if strings.Join(c.IMAPIngest, "|") != one+"|"+two {
		t.Errorf("flags: %q", c.IMAPIngest)
	}
	// serve replays flags through String: the same list comes back.
	var again StringList
	if err := NewURLListFlag(&again).Set(f.String()); err != nil || strings.Join(again, "|") != one+"|"+two {
		t.Errorf("replayed: %q (%v)", again, err)
	}
	c.IMAPIngest = StringList{one, one, "imaps://u:hunter2@h/INBOX"}
	err := c.Validate()
	if err == nil || !strings.Contains(err.Error(), "twice") || !strings.Contains(err.Error(), "no list") || strings.Contains(err.Error(), "hunter2") {
		t.Errorf("Validate = %v", err)
	}
	// One mailbox reached two ways is still one mailbox.
	c.IMAPIngest = StringList{"imap://u:p@h:143/INBOX?list=cop@example.org", "imaps://u:p@H/INBOX?list=dev@example.org"}
	if err := c.Validate(); err == nil || !strings.Contains(err.Error(), "twice") {
		t.Errorf("Validate of one mailbox by imap:// and imaps:// = %v", err)
	}
}

// FuzzParseIngestURL: whatever the input, no panic; a parsed URL's Source
// never holds its password and parses back to the same mailbox; an error
// never quotes the password.
func FuzzParseIngestURL(f *testing.F) {
	for _, s := range []string{
		"imaps://u:hunter2@h/INBOX?list=cop@example.org",
		"imap://lists%40example.org:p%25w@127.0.0.1:1430/Lists/CoP?list=cop@example.org&after=move:Done",
		"imaps://u:hunter2@h/INBOX?list=cop@example.org&after=delete&after=seen",
		"imaps://u:hunter2@[::1]:993/INBOX?list=@",
		"imap://:@/?list=",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		in, err := ParseIngestURL(raw)
		if err != nil {
			if u, perr := url.Parse(strings.TrimSpace(raw)); perr == nil && u.User != nil {
				if pw, ok := u.User.Password(); ok && len(pw) >= 6 && strings.Contains(err.Error(), pw) && !strings.Contains(strings.Replace(raw, pw, "", 1), pw) {
					t.Fatalf("the error %q quotes the password %q", err, pw)
				}
			}
			return
		}
		if in.Password == "" || in.User == "" || in.Mailbox == "" || in.List == "" {
			t.Fatalf("parsed with an empty part: %+v", in)
		}
		src := in.Source()
		u, err := url.Parse(src)
		if err != nil {
			t.Fatalf("Source %q does not parse: %v", src, err)
		}
		if _, ok := u.User.Password(); ok {
			t.Fatalf("Source %q has a password", src)
		}
		if u.User.Username() != in.User || strings.TrimPrefix(u.Path, "/") != in.Mailbox {
			t.Fatalf("Source %q names user %q mailbox %q, want %q %q", src, u.User.Username(), u.Path, in.User, in.Mailbox)
		}
	})
}
