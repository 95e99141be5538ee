package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestLoadAndValidate(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "praxis.toml")
	must(t, os.WriteFile(path, []byte("smtp = \"127.0.0.1:2626\"\nbase-url = \"https://lists.example.org/\"\n"), 0o600))
	c := Default()
	if err := c.Load(path); err != nil {
		t.Fatal(err)
	}
	c.Finish()
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	if c.SMTP != "127.0.0.1:2626" || c.BaseURL != "https://lists.example.org" {
		t.Errorf("got smtp %q base %q", c.SMTP, c.BaseURL)
	}
	if c.Delivery != "maildir:praxis-data/outbox" {
		t.Errorf("delivery = %q", c.Delivery)
	}
}

func TestUnknownKey(t *testing.T) {
	path := filepath.Join(t.TempDir(), "praxis.toml")
	must(t, os.WriteFile(path, []byte("smpt = \"x\"\n"), 0o600))
	c := Default()
	must(t, c.Load(path))
	c.Finish()
	err := c.Validate()
	if err == nil || !strings.Contains(err.Error(), "smpt") || !strings.Contains(err.Error(), path) {
		t.Fatalf("want unknown-key error naming smpt and the file, got %v", err)
	}
}

// TestFileProblemsAllAtOnce: a file with an unknown key, a port out of
// range and a bad address gets every problem in one answer, the port
// before anything tries to bind it.
func TestFileProblemsAllAtOnce(t *testing.T) {
	path := filepath.Join(t.TempDir(), "praxis.toml")
	must(t, os.WriteFile(path, []byte("smpt = \"x\"\nsmtp = \"127.0.0.1:99999\"\nhttp = \"127.0.0.1:-1\"\nimap = \"127.0.0.1:nosuchservice\"\nadmin = \"not an address\"\nlog-level = \"loud\"\n"), 0o600))
	c := Default()
	must(t, c.Load(path))
	c.Finish()
	err := c.Validate()
	if err == nil {
		t.Fatal("want errors")
	}
	for _, want := range []string{"unknown keys: smpt", `smtp: "127.0.0.1:99999" has port 99999`, `http: "127.0.0.1:-1"`, `imap: "127.0.0.1:nosuchservice"`, "admin:", "log-level"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
	ok := Default()
	ok.SMTP, ok.HTTP, ok.Admin = "127.0.0.1:0", "[::1]:65535", "postmaster@example.org"
	ok.Finish()
	if err := ok.Validate(); err != nil {
		t.Errorf("good addresses refused: %v", err)
	}
}

func TestValidateReportsEveryProblem(t *testing.T) {
	c := Default()
	c.SMTP, c.BaseURL, c.TLSCert, c.LogLevel = "nope", "ftp://x", "cert.pem", "loud"
	err := c.Validate()
	if err == nil {
		t.Fatal("want errors")
	}
	for _, want := range []string{"smtp:", "base-url:", "tls-cert", "log-level"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
}

func TestValidateIMAPSNeedsACertificate(t *testing.T) {
	c := Default()
	c.IMAPS = "127.0.0.1:993"
	if err := c.Validate(); err == nil || !strings.Contains(err.Error(), "imaps:") {
		t.Errorf("imaps without a certificate: %v", err)
	}
	c.TLSCert, c.TLSKey = "cert.pem", "key.pem"
	if err := c.Validate(); err != nil && strings.Contains(err.Error(), "imaps:") {
		t.Errorf("imaps with a certificate: %v", err)
	}
}

// must stops the test at a setup step that failed.
func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func TestDB(t *testing.T) {
	path := filepath.Join(t.TempDir(), "praxis.toml")
	must(t, os.WriteFile(path, []byte("db = \"postgresql://praxis:s3cret@db.example:5432/lists\"\n"), 0o600))
	c := Default()
	must(t, c.Load(path))
	c.Finish()
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	if got, want := c.DBRedacted(), "postgresql://praxis:xxxxx@db.example:5432/lists"; got != want {
		t.Errorf("DBRedacted = %q, want %q", got, want)
	}
	for _, tc := range []struct{ db, want string }{
		{"postgres://u:s3cret@h/db?sslmode=disable", ""},
		{"postgres:///lists", ""},
		{"mysql://u:s3cret@h/db", "not a postgres:// URL"},
		{"/var/lib/praxis.db", "not a postgres:// URL"},
		{"postgres://u:s3cret@h:port/db", "not a URL"},
		{"postgres://u:s3cret%zz@h/db", "not a URL"},
	} {
		c := Default()
		c.DB = tc.db
		c.Finish()
		err := c.Validate()
		if tc.want == "" {
			if err != nil {
				t.Errorf("%s: %v", tc.db, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %v, want an error with %q", tc.db, err, tc.want)
		}
		if err != nil && strings.Contains(err.Error(), "s3cret") {
			t.Errorf("%s: the error shows the password: %v", tc.db, err)
		}
	}
}

// TestSpamSettings: the file's dnsbl, rspamd and spamd keys are read, zones
// split at commas; bad ones are reported with the rest, and two content
// filters at once are refused.
func TestSpamSettings(t *testing.T) {
	path := filepath.Join(t.TempDir(), "praxis.toml")
	must(t, os.WriteFile(path, []byte("dnsbl = [\"zen.spamhaus.org, bl.example.\", \"psbl.surriel.com\"]\nspamd = \"127.0.0.1:783\"\n"), 0o600))
	c := Default()
	must(t, c.Load(path))
	c.Finish()
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(c.Zones(), " "); got != "zen.spamhaus.org bl.example. psbl.surriel.com" || c.Spamd != "127.0.0.1:783" {
		t.Errorf("zones %q, spamd %q", got, c.Spamd)
	}
	bad := Default()
	bad.DNSBL, bad.Rspamd, bad.Spamd = []string{"zen spamhaus", "localhost", "x..y"}, "ftp://127.0.0.1", "127.0.0.1"
	err := bad.Validate()
	for _, want := range []string{`dnsbl: "zen spamhaus"`, `dnsbl: "localhost"`, `dnsbl: "x..y"`, "rspamd: \"ftp://", "spamd: \"127.0.0.1\"", "one content filter at a time"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v does not mention %q", err, want)
		}
	}
}
