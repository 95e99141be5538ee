package bounce

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// corporaDir holds real-world mail from other projects' test suites, shared
// between the project's packages. It is not part of this repository.
const corporaDir = "../../../shared/corpora"

// TestCorpora parses every message of the shared corpora (the files, and each
// message of the mbox files), except the big mailing-list archive. Every
// bounce, DSN, delay, report and auto-reply among them is in the table below,
// checked by reading it; every other message must come out Unknown, with no
// recipients, so that an ordinary message is never taken for a bounce.
func TestCorpora(t *testing.T) {
	if _, err := os.Stat(corporaDir); errors.Is(err, fs.ErrNotExist) && os.Getenv("CI") == "" {
		t.Skipf("corpora not present at %s (CI=true makes this a failure)", corporaDir)
	} else if err != nil {
		t.Fatalf("corpora at %s: %v", corporaDir, err)
	}
	const imusicID = "31FC7EB4.41C6@netscape.com"
	gmail := func(local string) string { return local + "@gmail.com 5.1.1 failed permanent" }
	zimbra := []string{
		gmail("bbbbvhvbbvkjbhfbvbvjhb"), gmail("bscdbcjhasbcjhbdscbhbsdhcbj"), gmail("egyfefsdvsfvvhjsd"),
		gmail("kfhejkfbsjkjsbhds"), gmail("qfvhgsvhgsduiohncdhcvhsdfvsfygusd"),
	}
	tests := map[string]want{
		// Sprynet's 1996 DSN: Action failed, no Status, "500" in the diagnostic.
		"mimekit-testdata/messages/delivery-status.txt":               {Failure, "dsn", []string{"newsletter-request@imusic.com - failed permanent"}, "", "", imusicID},
		"mimekit-testdata/messages/delivery-status-no-blank-line.txt": {Failure, "dsn", []string{"newsletter-request@imusic.com - failed permanent"}, "", "", imusicID},
		"mimekit-testdata/mbox/content-length.mbox.txt#27":            {Failure, "dsn", []string{"newsletter-request@imusic.com - failed permanent"}, "", "", imusicID},
		// The same with every letter replaced by x: nothing left to read.
		"mimekit-testdata/messages/delivery-status.anonymized.eml": {Unknown, "unknown", nil, "", "", "xxxxxxxx.xxxx@xxxxxxxx.xxx"},
		// Exim DSN with Action before Final-Recipient; the text says "Unknown user".
		"mimekit-testdata/messages/delivery-status2.txt": {Failure, "dsn", []string{"source@domain.com 5.0.0 failed permanent"}, "", "", ""},
		// Blank lines doubled, no Action, no closing boundary.
		"mimekit-testdata/messages/delivery-status-multiple-blank-lines.txt": {Failure, "dsn", []string{"orig_recip@customer.com 5.5.0 failed permanent"}, "", "", ""},
		// Postfix DSN whose per-recipient blocks a filter base64-encoded inside the part.
		"mimekit-testdata/messages/bounce.txt": {Failure, "dsn", []string{"netec.test@netecgc.com 5.1.1 failed permanent"}, "", "",
			"44565655.JitbitHelpdesk.13439.691a0afc-a0a0-457c-8208-f20b7c4a4cb1@jitbit.com"},
		"mimekit-testdata/messages/feedback-report.txt":                     {Feedback, "arf", nil, "user@example.com", "abuse", "8787KJKJ3K4J3K4J3K4J3.mail@example.net"},
		"mimekit-testdata/messages/disposition-notification.txt":            {AutoReply, "mdn", nil, "", "", "199509192301.23456@example.org"},
		"mimekit-testdata/messages/disposition-notification.anonymized.eml": {AutoReply, "mdn", nil, "", "", "xxxxxxxxxxxx.xxxxx@xxxxxxx.xxx"},
		// A "Delivery Status Notification (Failure)" whose multipart has no boundary.
		"enmime-testdata/mail/multipart-wo-boundary.raw": {Failure, "unknown", nil, "", "", ""},
		// Postfix DSNs for five Gmail addresses (the same message twice).
		"ruby-mail-fixtures/multipart_report_emails/multi_address_bounce1.eml": {Failure, "dsn", zimbra, "", "", "118707422.15521266992174819.JavaMail.root@lvmail01"},
		"ruby-mail-fixtures/multipart_report_emails/multi_address_bounce2.eml": {Failure, "dsn", zimbra, "", "", "118707422.15521266992174819.JavaMail.root@lvmail01"},
		// InterMail: a first delivery-status part that is prose, a second with fields.
		"ruby-mail-fixtures/multipart_report_emails/multipart_report_multiple_status.eml": {Failure, "dsn", []string{"u@ci.com 5.3.0 failed permanent"}, "", "", "4c2a146147ac8_61ff157c4ec1652df@s.h.c.mail"},
		// Sendmail "Warning: could not send message for past 8 hours".
		"ruby-mail-fixtures/multipart_report_emails/report_422.eml": {Delay, "dsn", []string{"fraser@oooooooo.com.au 4.2.2 delayed"}, "", "", "15655788.13.1200472642578.JavaMail.Administrator@mail.ttttt.com.au"},
		"ruby-mail-fixtures/multipart_report_emails/report_530.eml": {Failure, "dsn", []string{"edwin@zzzzzzz.com 5.3.0 failed permanent"}, "", "", "200712232303.lBNN3jDq002941@mail12.rrrr.com.au"},
		// Sendmail "Warning: could not send message for past 1 day", first part without a header.
		"ruby-mail-fixtures/mime_emails/raw_email_with_mimepart_without_content_type.eml": {Delay, "dsn", []string{"larose.julie@courrier.uqam.ca 4.5.0 delayed"}, "", "", "89d7557c0610181510r6fa5ebd8n66a7deec71ade118@mail.gmail.com"},
		// Request Tracker's "AutoReply:" to a ticket.
		"notmuch-corpora/threading/ghost-root/1532672447.R3166642290392477575.len:2,S": {AutoReply, "autoreply", nil, "", "", "87bmc6lp3h.fsf@len.workgroup"},
	}

	var files, messages, empty int
	kinds := map[Kind]int{}
	err := filepath.WalkDir(corporaDir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && d.Name() == "usrp-users-archive" {
			return filepath.SkipDir
		}
		if !d.Type().IsRegular() {
			return nil
		}
		raw, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		files++
		rel, _ := filepath.Rel(corporaDir, path)
		rel = filepath.ToSlash(rel)
		msgs := map[string][]byte{rel: raw}
		if strings.Contains(filepath.Base(path), ".mbox") {
			msgs = map[string][]byte{}
			for i, m := range splitMbox(raw) {
				msgs[fmt.Sprintf("%s#%d", rel, i)] = m
			}
		}
		for name, m := range msgs {
			messages++
			got, err := Parse(m)
			if errors.Is(err, ErrEmpty) {
				empty++
				continue
			}
			if err != nil {
				t.Errorf("%s: %v", name, err)
				continue
			}
			kinds[got.Kind]++
			w, listed := tests[name]
			if !listed {
				if got.Kind != Unknown || len(got.Recipients) > 0 {
					t.Errorf("%s: %v %s %q, want unknown (or a row in the table)", name, got.Kind, got.Format, summaries(got))
				}
				continue
			}
			delete(tests, name)
			check(t, name, got, w)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var missing []string
	for name := range tests {
		missing = append(missing, name)
	}
	sort.Strings(missing)
	for _, name := range missing {
		t.Errorf("%s: in the table but not in the corpora", name)
	}
	t.Logf("%d files, %d messages (%d empty): %d unknown, %d failure, %d delay, %d feedback, %d autoreply",
		files, messages, empty, kinds[Unknown], kinds[Failure], kinds[Delay], kinds[Feedback], kinds[AutoReply])
}

// splitMbox splits an mbox file at its "From " separator lines. Some of the
// corpora's mbox files count bytes (Content-Length) instead of leaving a blank
// line before the separator, so any line starting "From " splits; a body line
// that does only makes one more message that must come out Unknown.
func splitMbox(raw []byte) [][]byte {
	var msgs [][]byte
	start := 0
	for off := 0; off < len(raw); {
		end := bytes.IndexByte(raw[off:], '\n')
		if end < 0 {
			end = len(raw) - off
		} else {
			end++
		}
		if bytes.HasPrefix(raw[off:], []byte("From ")) && off > start {
			msgs = append(msgs, raw[start:off])
			start = off
		}
		off += end
	}
	return append(msgs, raw[start:])
}
