package bounce

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

// summary is a recipient on one line, the way the tables below want it:
// "address status action [permanent] [dmarc]", "-" for no status.
func summary(rc Recipient) string {
	status := rc.Status
	if status == "" {
		status = "-"
	}
	s := rc.Address + " " + status + " " + rc.Action
	if rc.Permanent {
		s += " permanent"
	}
	if rc.DMARC {
		s += " dmarc"
	}
	return s
}

func summaries(r *Report) []string {
	var out []string
	for _, rc := range r.Recipients {
		out = append(out, summary(rc))
	}
	return out
}

// want is what a test message must parse to.
type want struct {
	kind     Kind
	format   string
	rcpts    []string // summaries, in order
	reporter string
	feedback string
	origID   string
}

func check(t *testing.T, name string, got *Report, w want) {
	t.Helper()
	if got.Kind != w.kind || got.Format != w.format {
		t.Errorf("%s: kind %v format %q, want %v %q", name, got.Kind, got.Format, w.kind, w.format)
	}
	if g := summaries(got); !slices.Equal(g, w.rcpts) {
		t.Errorf("%s: recipients\n got %q\nwant %q", name, g, w.rcpts)
	}
	if got.Reporter != w.reporter || got.FeedbackType != w.feedback {
		t.Errorf("%s: reporter %q feedback %q, want %q %q", name, got.Reporter, got.FeedbackType, w.reporter, w.feedback)
	}
	if got.OriginalMessageID != w.origID {
		t.Errorf("%s: original Message-ID %q, want %q", name, got.OriginalMessageID, w.origID)
	}
}

// TestParseTestdata runs the notices in testdata/mail, written for this
// package after the formats of each MTA, and compares the full report with
// testdata/golden (run with -update to accept a change).
func TestParseTestdata(t *testing.T) {
	tests := map[string]want{
		"postfix-text.eml": {Failure, "postfix", []string{
			"ann@example.com 5.1.1 failed permanent",
			"Bert.Berg@example.com - failed permanent", // "unknown user" without a code
			"carl@example.net - failed",                // timed out: not for good
		}, "", "", "440F7A2B.5060907@example.org"},
		"postfix-delay.eml":       {Delay, "dsn", []string{"eve@example.net 4.4.1 delayed"}, "", "", "CAF3k9Zx1=abc+def@mail.example.com"},
		"postfix-dmarc-gmail.eml": {Failure, "dsn", []string{"gina@gmail.com 5.7.26 failed permanent dmarc"}, "", "", "1234567890.98765.1713426060123@mail.yahoo.com"},
		"exim-failed.eml": {Failure, "exim", []string{
			"ivan@example.com 5.1.1 failed permanent",
			"jo@old.example.net - failed permanent",
		}, "", "", "87v86wq0zs.fsf@example.org"},
		"exim-delay.eml":       {Delay, "exim", []string{"lou@example.net 4.7.1 delayed"}, "", "", "20240712081955.GA1234@example.org"},
		"exim-yahoo-dmarc.eml": {Failure, "exim", []string{"mia@yahoo.com 5.7.9 failed permanent dmarc"}, "", "", "18a1f2c3d4e.5f6a7b8c9d0e@aol.com"},
		"qmail.eml": {Failure, "qmail", []string{
			"olga@example.com 5.1.1 failed permanent",
			"pat@example.net - failed permanent",
			"quinn@example.org - failed", // "in the queue too long"
		}, "", "", "5069A0E2.8040309@example.org"},
		"yahoo.eml": {Failure, "yahoo", []string{"sam@example.net 5.1.1 failed permanent"}, "", "", "ZILjAbCdEfGh12@example.com"},
		"sendmail.eml": {Failure, "sendmail", []string{
			"uma@univ.example 5.1.1 failed permanent",
			"vic@univ.example 5.2.1 failed permanent",
		}, "", "", "20221101131400.5D7E3A0BC1@mail.example.com"},
		"sendmail-warning.eml": {Delay, "sendmail", []string{"yan@college.example - delayed"}, "", "", "b1946ac92492d2347c6235b4d2611184@example.org"},
		"exchange-2010.eml":    {Failure, "exchange", []string{"adam.brook@corp.example.com 5.1.1 failed permanent"}, "", "", "57DBA1C2.4070307@example.org"},
		"exchange-2003.eml": {Failure, "exchange", []string{
			"cleo.dunn@firm.example 5.1.1 failed permanent",
			"dan.eto@firm.example 5.2.2 failed permanent",
		}, "", "", ""},
		"exchange-delay.eml": {Delay, "exchange", []string{"mo.nash@agency.example 4.4.7 delayed"}, "", "", "e3b0c44298fc1c149afbf4c8996fb924@example.com"},
		"o365.eml":           {Failure, "exchange", []string{"eli@contoso.example 5.1.10 failed permanent"}, "", "", "CABcDeF123456789@mail.example.org"},
		"gmail-legacy.eml":   {Failure, "gmail", []string{"hugo@example.com 5.1.1 failed permanent"}, "", "", "CAJx8Fz7qR1cYwHeLfV0k5=pW4@mail.example.org"},
		"gmail-delay.eml":    {Delay, "gmail", []string{"jack@example.net - delayed"}, "", "", "CAL9a2bYt0X=eeK4Q@mail.example.org"},
		"gmail-new.eml":      {Failure, "gmail", []string{"lena@example.org 5.1.1 failed permanent"}, "", "", "CAM8rQ5pZ3d1e=Hk2@mail.example.com"},
		"generic.eml":        {Failure, "generic", []string{"bo@isp.example 5.1.1 failed permanent"}, "", "", "5A5F6E00.1000205@example.org"},
		"dsn-base64.eml":     {Failure, "dsn", []string{"ruth@provider.example 5.2.1 failed permanent"}, "", "", "5f1e2d3c4b5a@example.org"},
		"dsn-qp-folded.eml": {Failure, "dsn", []string{
			"Tom.Udo@campus.example 5.1.1 failed permanent",
			"uli@campus.example 4.3.2 delayed",
		}, "", "", "20190411075959.3a4b5c6d@example.org"},
		"dsn-text-labelled.eml":  {Failure, "dsn", []string{"wes@legacy.example 5.0.0 failed permanent"}, "", "", ""},
		"dsn-relayed.eml":        {Relayed, "dsn", []string{"xia@example.com 2.0.0 relayed"}, "", "", ""},
		"dsn-global.eml":         {Failure, "dsn", []string{"田中@example.jp 5.1.1 failed permanent"}, "", "", ""},
		"arf.eml":                {Feedback, "arf", nil, "Oscar.Pike@mailbox.example", "abuse", "20240720025830.GA4242@example.org"},
		"arf-headers-only.eml":   {Feedback, "arf", nil, "rosa.stein@isp.example", "abuse", "mailman.42.1709283600.1234.cop@lists.example.org"},
		"autoreply-exchange.eml": {AutoReply, "autoreply", nil, "", "", "171921600012.4242.7331@lists.example.org"},
		"vacation-subject.eml":   {AutoReply, "autoreply", nil, "", "", ""},
		"plain-reply.eml":        {Unknown, "unknown", nil, "", "", ""},
		"garbage-mime.eml":       {Failure, "unknown", nil, "", "", ""}, // from MAILER-DAEMON, nothing readable
		"garbage.bin":            {Unknown, "unknown", nil, "", "", ""},
	}
	files, err := filepath.Glob("testdata/mail/*")
	if err != nil {
		t.Fatal(err)
	}
	for _, path := range files {
		name := filepath.Base(path)
		w, ok := tests[name]
		if !ok {
			t.Errorf("%s: no expectation in the table", name)
			continue
		}
		delete(tests, name)
		raw, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		got, err := Parse(raw)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		check(t, name, got, w)
		golden(t, filepath.Join("testdata", "golden", strings.TrimSuffix(name, filepath.Ext(name))+".golden"), render(got))
	}
	for name := range tests {
		t.Errorf("%s: in the table but not in testdata/mail", name)
	}
}

// render writes a report out in full, for the golden files.
func render(r *Report) string {
	var b strings.Builder
	fmt.Fprintf(&b, "kind: %v\nformat: %s\n", r.Kind, r.Format)
	if r.Reporter != "" || r.FeedbackType != "" {
		fmt.Fprintf(&b, "reporter: %s\nfeedback-type: %s\n", r.Reporter, r.FeedbackType)
	}
	fmt.Fprintf(&b, "original-message-id: %s\n", r.OriginalMessageID)
	for _, rc := range r.Recipients {
		fmt.Fprintf(&b, "\nrecipient: %s\nstatus: %s\naction: %s\npermanent: %v\ndmarc: %v\ndiagnostic: %s\n",
			rc.Address, rc.Status, rc.Action, rc.Permanent, rc.DMARC, rc.Diagnostic)
	}
	return b.String()
}

func golden(t *testing.T, path, got string) {
	t.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs (run with -update to accept):\n--- got\n%s\n--- want\n%s", path, got, want)
	}
}

func TestParseEmpty(t *testing.T) {
	for _, raw := range []string{"", " ", "\r\n\r\n", "\n"} {
		if r, err := Parse([]byte(raw)); !errors.Is(err, ErrEmpty) || r != nil {
			t.Errorf("Parse(%q) = %v, %v; want nil, ErrEmpty", raw, r, err)
		}
	}
}

// TestParseSmall covers one behaviour each, on messages small enough to
// read in the table.
func TestParseSmall(t *testing.T) {
	dsn := func(fields string) string {
		return "From: MAILER-DAEMON@mx.example\r\nSubject: Returned mail\r\n" +
			"Content-Type: multipart/report; report-type=delivery-status; boundary=b\r\n\r\n" +
			"--b\r\nContent-Type: text/plain\r\n\r\nSee below.\r\n" +
			"--b\r\nContent-Type: message/delivery-status\r\n\r\n" + fields + "\r\n--b--\r\n"
	}
	tests := []struct {
		name string
		raw  string
		want want
	}{
		{"no action, status 5", dsn("Reporting-MTA: dns; mx.example\r\n\r\nFinal-Recipient: rfc822; a@example.org\r\nStatus: 5.1.1\r\n"),
			want{Failure, "dsn", []string{"a@example.org 5.1.1 failed permanent"}, "", "", ""}},
		{"action failed, status 4: gave up on a temporary problem", dsn("Final-Recipient: rfc822; a@example.org\r\nAction: failed\r\nStatus: 4.4.7\r\n"),
			want{Failure, "dsn", []string{"a@example.org 4.4.7 failed"}, "", "", ""}},
		{"action failed, no code: gave up for good", dsn("Final-Recipient: rfc822;a@example.org\r\nAction: failed\r\n"),
			want{Failure, "dsn", []string{"a@example.org - failed permanent"}, "", "", ""}},
		{"delivered", dsn("Final-Recipient: rfc822;a@example.org\r\nAction: delivered\r\nStatus: 2.0.0\r\n"),
			want{Delivered, "dsn", []string{"a@example.org 2.0.0 delivered"}, "", "", ""}},
		{"expanded", dsn("Final-Recipient: rfc822;a@example.org\r\nAction: expanded\r\nStatus: 2.0.0\r\n"),
			want{Delivered, "dsn", []string{"a@example.org 2.0.0 expanded"}, "", "", ""}},
		{"original recipient only", dsn("Original-Recipient: rfc822;<A@Example.ORG>\r\nAction: failed\r\nStatus: 5.0.0\r\n"),
			want{Failure, "dsn", []string{"A@example.org 5.0.0 failed permanent"}, "", "", ""}},
		{"final recipient wins", dsn("Original-Recipient: rfc822;a@example.org\r\nFinal-Recipient: rfc822;b@example.net\r\nAction: failed\r\nStatus: 5.0.0\r\n"),
			want{Failure, "dsn", []string{"b@example.net 5.0.0 failed permanent"}, "", "", ""}},
		{"same recipient twice", dsn("Final-Recipient: rfc822;a@example.org\r\nAction: failed\r\n\r\nFinal-Recipient: rfc822;A@EXAMPLE.ORG\r\nAction: failed\r\nStatus: 5.1.1\r\n"),
			want{Failure, "dsn", []string{"a@example.org 5.1.1 failed permanent"}, "", "", ""}},
		{"delay subject without action", strings.Replace(dsn("Final-Recipient: rfc822;a@example.org\r\nStatus: 4.4.1\r\n"), "Returned mail", "Warning: could not send message for past 4 hours", 1),
			want{Delay, "dsn", []string{"a@example.org 4.4.1 delayed"}, "", "", ""}},
		{"DMARC 5.7.1 wording", dsn("Final-Recipient: rfc822;a@example.org\r\nAction: failed\r\nStatus: 5.7.1\r\nDiagnostic-Code: smtp; 550 5.7.1 Email rejected per DMARC policy for example.net\r\n"),
			want{Failure, "dsn", []string{"a@example.org 5.7.1 failed permanent dmarc"}, "", "", ""}},
		{"spam rejection is not DMARC", dsn("Final-Recipient: rfc822;a@example.org\r\nAction: failed\r\nStatus: 5.7.1\r\nDiagnostic-Code: smtp; 550 5.7.1 Message rejected as spam by Content Filtering\r\n"),
			want{Failure, "dsn", []string{"a@example.org 5.7.1 failed permanent"}, "", "", ""}},
		{"mdn", "From: a@example.org\r\nContent-Type: multipart/report; report-type=disposition-notification; boundary=b\r\n\r\n--b\r\n\r\nDisplayed.\r\n--b\r\nContent-Type: message/disposition-notification\r\n\r\nFinal-Recipient: rfc822;a@example.org\r\nOriginal-Message-ID: <m1@example.net>\r\nDisposition: automatic-action/MDN-sent-automatically; displayed\r\n--b--\r\n",
			want{AutoReply, "mdn", nil, "", "", "m1@example.net"}},
		{"auto-submitted auto-replied", "From: a@example.org\r\nSubject: Re: hello\r\nAuto-Submitted: auto-replied (vacation)\r\nIn-Reply-To: <p1@example.net>\r\n\r\nAway.\r\n",
			want{AutoReply, "autoreply", nil, "", "", "p1@example.net"}},
		{"auto-generated is not a vacation", "From: a@example.org\r\nSubject: Your weekly report\r\nAuto-Submitted: auto-generated\r\n\r\nNumbers.\r\n",
			want{Unknown, "unknown", nil, "", "", ""}},
		{"x-autoreply", "From: a@example.org\r\nSubject: Re: hello\r\nX-Autoreply: yes\r\n\r\nAway.\r\n",
			want{AutoReply, "autoreply", nil, "", "", ""}},
		{"out of office subject", "From: a@example.org\r\nSubject: Out of Office: [cop] hello\r\n\r\nAway.\r\n",
			want{AutoReply, "autoreply", nil, "", "", ""}},
		{"postfix bounce marked auto-replied is a bounce", "From: MAILER-DAEMON@mx.example (Mail Delivery System)\r\nSubject: Undelivered Mail Returned to Sender\r\nAuto-Submitted: auto-replied\r\n\r\nThis is the mail system at host mx.example.\r\n\r\n<a@example.org>: host mx.example.org[192.0.2.1] said: 550 5.1.1 no such user\r\n",
			want{Failure, "postfix", []string{"a@example.org 5.1.1 failed permanent"}, "", "", ""}},
		{"generic transcript", "From: MAILER-DAEMON@mx.example\r\nSubject: Returned mail\r\n\r\n>>> RCPT To:<a@example.org>\r\n<<< 550 5.1.1 <a@example.org>... User unknown\r\n",
			want{Failure, "generic", []string{"a@example.org 5.1.1 failed permanent"}, "", "", ""}},
		{"generic skips the sender and postmaster", "From: Postmaster <postmaster@mx.example>\r\nTo: cop-bounces+a=example.org@lists.example.org\r\nSubject: Delivery failure\r\n\r\nMAIL FROM:<cop-bounces+a=example.org@lists.example.org> 250 ok\r\nPlease contact postmaster@mx.example with code 550.\r\n<a@example.org>: 550 mailbox unavailable\r\n",
			want{Failure, "generic", []string{"a@example.org - failed permanent"}, "", "", ""}},
		{"multipart without boundary", "From: Mailer-Daemon@example.com\r\nSubject: Delivery Status Notification (Failure)\r\nContent-Type: multipart/report;\r\n\r\nText\r\n",
			want{Failure, "unknown", nil, "", "", ""}},
		{"arf reporter from Removal-Recipient", "From: fbl@isp.example\r\nContent-Type: multipart/report; report-type=feedback-report; boundary=b\r\n\r\n--b\r\nContent-Type: message/feedback-report\r\n\r\nFeedback-Type: Abuse\r\nRemoval-Recipient: user@isp.example\r\n--b--\r\n",
			want{Feedback, "arf", nil, "user@isp.example", "abuse", ""}},
		{"arf auth-failure", "From: dmarc@isp.example\r\nContent-Type: multipart/report; report-type=feedback-report; boundary=b\r\n\r\n--b\r\nContent-Type: message/feedback-report\r\n\r\nFeedback-Type: auth-failure\r\nAuth-Failure: dmarc\r\nOriginal-Rcpt-To: <user@isp.example>\r\n--b--\r\n",
			want{Feedback, "arf", nil, "user@isp.example", "auth-failure", ""}},
		{"no header at all", "just some words, no header\nand another line\n",
			want{Unknown, "unknown", nil, "", "", ""}},
		{"flattened DSN in a plain body", "From: gateway@example.net\r\nSubject: fwd\r\n\r\nReporting-MTA: dns; mx.example\r\n\r\nFinal-Recipient: rfc822; a@example.org\r\nAction: failed\r\nStatus: 5.1.1\r\n",
			want{Failure, "dsn", []string{"a@example.org 5.1.1 failed permanent"}, "", "", ""}},
	}
	for _, tc := range tests {
		got, err := Parse([]byte(tc.raw))
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		check(t, tc.name, got, tc.want)
	}
}

func TestKindString(t *testing.T) {
	tests := []struct {
		k    Kind
		want string
	}{
		{Unknown, "unknown"}, {Failure, "failure"}, {Delay, "delay"}, {Relayed, "relayed"},
		{Delivered, "delivered"}, {Feedback, "feedback"}, {AutoReply, "autoreply"}, {Kind(42), "Kind(42)"}, {Kind(-1), "Kind(-1)"},
	}
	for _, tc := range tests {
		if got := tc.k.String(); got != tc.want {
			t.Errorf("Kind(%d).String() = %q, want %q", int(tc.k), got, tc.want)
		}
	}
}
