package bounce

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

var reStatusShape = regexp.MustCompile(`^[245]\.\d{1,3}\.\d{1,3}$`)

// FuzzParse feeds Parse's inner function (parse, so that no recover hides a
// panic) with the test notices and their mutations, and checks what every
// Report promises.
func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob("testdata/mail/*")
	for _, path := range files {
		if raw, err := os.ReadFile(path); err == nil {
			f.Add(raw)
		}
	}
	for _, s := range []string{
		"Content-Type: multipart/report; boundary=b\n\n--b\nContent-Type: message/delivery-status\n\nFinal-Recipient: rfc822;a@b.c\nAction: failed\n--b--",
		"Content-Type: multipart/mixed; boundary=a\n\n--a\nContent-Type: multipart/mixed; boundary=a\n\n--a\n--a--",
		"From: MAILER-DAEMON\n\n<a@b.c>: 550 5.1.1 x\n",
		"Content-Type: message/delivery-status\nContent-Transfer-Encoding: base64\n\n!!!",
	} {
		f.Add([]byte(s))
	}
	allowed := map[string]bool{"failed": true, "delayed": true, "delivered": true, "relayed": true, "expanded": true}
	f.Fuzz(func(t *testing.T, raw []byte) {
		if len(bytes.TrimSpace(raw)) == 0 {
			return
		}
		// Bounces are mail from strangers: one must not cost seconds. The
		// bound is loose so that a loaded machine does not fail it.
		start := time.Now()
		r := parse(raw)
		if d := time.Since(start); d > 5*time.Second {
			t.Fatalf("parse took %v on %d bytes", d, len(raw))
		}
		if r.Kind < Unknown || r.Kind > AutoReply || r.Format == "" {
			t.Fatalf("kind %v format %q", r.Kind, r.Format)
		}
		if r.Kind == Unknown && len(r.Recipients) > 0 {
			t.Fatalf("unknown report with recipients %v", r.Recipients)
		}
		if r.Reporter != "" && normalizeAddress(r.Reporter) != r.Reporter {
			t.Fatalf("reporter %q is not a normalized address", r.Reporter)
		}
		if strings.ContainsAny(r.OriginalMessageID, " \t\r\n<>") || len(r.OriginalMessageID) > 998 {
			t.Fatalf("original Message-ID %q", r.OriginalMessageID)
		}
		seen := map[string]bool{}
		for _, rc := range r.Recipients {
			if rc.Address == "" || normalizeAddress(rc.Address) != rc.Address {
				t.Fatalf("address %q is not a normalized address", rc.Address)
			}
			if key := strings.ToLower(rc.Address); seen[key] {
				t.Fatalf("%q listed twice", rc.Address)
			} else {
				seen[key] = true
			}
			if !allowed[rc.Action] {
				t.Fatalf("%s: action %q", rc.Address, rc.Action)
			}
			if rc.Permanent && rc.Action != "failed" {
				t.Fatalf("%s: permanent but %q", rc.Address, rc.Action)
			}
			if rc.Status != "" && !reStatusShape.MatchString(rc.Status) {
				t.Fatalf("%s: status %q", rc.Address, rc.Status)
			}
			if strings.ContainsAny(rc.Diagnostic, "\r\n") || !utf8.ValidString(rc.Diagnostic) ||
				utf8.RuneCountInString(rc.Diagnostic) > maxDiagnostic+1 {
				t.Fatalf("%s: diagnostic %q", rc.Address, rc.Diagnostic)
			}
		}
	})
}
