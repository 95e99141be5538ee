package mbox

import (
	"testing"
	"time"
)

func TestParseEnvelope(t *testing.T) {
	jan2 := time.Date(2006, time.January, 2, 15, 4, 5, 0, time.UTC)
	tests := []struct {
		line      string
		wantOK    bool
		wantDated bool
		wantFrom  string
		wantDate  time.Time
	}{
		// RFC 4155 Appendix A asctime, day padded and not.
		{"From alice@example.org Mon Jan  2 15:04:05 2006\n", true, true, "alice@example.org", jan2},
		{"From alice@example.org Mon Jan 2 15:04:05 2006\n", true, true, "alice@example.org", jan2},
		{"From alice@example.org Mon Jan 12 15:04:05 2006\n", true, true, "alice@example.org", jan2.AddDate(0, 0, 10)},
		{"From alice@example.org  Mon Jan  2 15:04:05 2006\r\n", true, true, "alice@example.org", jan2},
		{"From alice@example.org\tMon Jan  2 15:04:05 2006\n", true, true, "alice@example.org", jan2},
		// Variants seen in the wild.
		{"From alice@example.org Mon, 2 Jan 2006 15:04:05 +0000\n", true, true, "alice@example.org", jan2},
		{"From alice@example.org Mon, 2 Jan 2006 17:04:05 +0200 (EET)\n", true, true, "alice@example.org", jan2},
		{"From alice@example.org Mon Jan  2 15:04:05 +0000 2006\n", true, true, "alice@example.org", jan2},
		{"From alice@example.org Mon Jan  2 16:04:05 +0100 2006\n", true, true, "alice@example.org", jan2},
		{"From alice@example.org Mon Jan  2 15:04:05 UTC 2006\n", true, true, "alice@example.org", jan2},
		{"From alice@example.org Mon Jan  2 15:04:05 2006 +0000\n", true, true, "alice@example.org", jan2},
		{"From alice@example.org Mon Jan 2 15:04 2006\n", true, true, "alice@example.org", jan2.Add(-5 * time.Second)},
		{"From alice@example.org Mon Jan  2 15:04:05 06\n", true, true, "alice@example.org", jan2},
		{"From alice@example.org Mon Jan  2 15:04:05 2006 remote from uunet\n", true, true, "alice@example.org", jan2},
		{"From 1844347792267117879@xxx Mon Jan 02 15:04:05 +0000 2006\n", true, true, "1844347792267117879@xxx", jan2},
		// Pipermail's obscured sender.
		{"From alice at example.org  Mon Jan  2 15:04:05 2006\n", true, true, "alice@example.org", jan2},
		// The null sender's spellings.
		{"From MAILER-DAEMON Mon Jan  2 15:04:05 2006\n", true, true, "", jan2},
		{"From mailer-daemon@example.org Mon Jan  2 15:04:05 2006\n", true, true, "", jan2},
		{"From - Mon Jan  2 15:04:05 2006\n", true, true, "", jan2},
		{"From <> Mon Jan  2 15:04:05 2006\n", true, true, "", jan2},
		{"From <alice@example.org> Mon Jan  2 15:04:05 2006\n", true, true, "alice@example.org", jan2},
		// Undated: a sender alone, or a date nothing parses.
		{"From -\n", true, false, "", time.Time{}},
		{"From - \r\n", true, false, "", time.Time{}},
		{"From 1844347792267117879@xxx\n", true, false, "1844347792267117879@xxx", time.Time{}},
		{"From alice@example.org Mon Jan 32 15:04:05 2006\n", true, false, "alice@example.org", time.Time{}},
		{"From alice@example.org Xyz Jan  2 15:04:05 2006\n", true, false, "alice@example.org", time.Time{}},
		// Body text, whatever surrounds it.
		{"From Russia with love\n", false, false, "", time.Time{}},
		{"From the manual: do this\n", false, false, "", time.Time{}},
		{"From my online research, it appears\n", false, false, "", time.Time{}},
		{"From \n", false, false, "", time.Time{}},
		{"From\n", false, false, "", time.Time{}},
		{"From:alice@example.org\n", false, false, "", time.Time{}},
		{"From  :<alice@example.org>\n", false, false, "", time.Time{}},
		{"From : Alice <alice@example.org>\r\n", false, false, "", time.Time{}},
		{"from alice@example.org Mon Jan  2 15:04:05 2006\n", false, false, "", time.Time{}},
		{">From alice@example.org Mon Jan  2 15:04:05 2006\n", false, false, "", time.Time{}},
		{"From a\x01b Mon Jan  2 15:04:05 2006\n", false, false, "", time.Time{}},
	}
	for _, tt := range tests {
		env, ok := parseEnvelope([]byte(tt.line))
		if ok != tt.wantOK || env.dated != tt.wantDated || env.from != tt.wantFrom || !env.date.Equal(tt.wantDate) {
			t.Errorf("parseEnvelope(%q) = %+v, %v; want from %q date %v dated %v, %v",
				tt.line, env, ok, tt.wantFrom, tt.wantDate, tt.wantDated, tt.wantOK)
		}
	}
}

func TestAcceptSeparator(t *testing.T) {
	dated := envelope{dated: true}
	undated := envelope{}
	tests := []struct {
		name                   string
		env                    envelope
		afterBlank, headerNext bool
		want                   bool
		wantWarn               string
	}{
		{"dated after blank", dated, true, false, true, ""},
		{"dated after blank, header next", dated, true, true, true, ""},
		{"dated, no blank, header next", dated, false, true, true, warnNoBlank},
		{"dated, no blank, body next", dated, false, false, false, ""},
		{"undated after blank, header next", undated, true, true, true, warnNoDate},
		{"undated, no blank, header next", undated, false, true, true, warnNoDate + "; " + warnNoBlank},
		{"undated after blank, body next", undated, true, false, false, ""},
		{"undated, no blank, body next", undated, false, false, false, ""},
	}
	for _, tt := range tests {
		got, warn := acceptSeparator(tt.env, tt.afterBlank, tt.headerNext)
		if got != tt.want || warn != tt.wantWarn {
			t.Errorf("%s: got %v %q, want %v %q", tt.name, got, warn, tt.want, tt.wantWarn)
		}
		if !needsLookahead(tt.env, tt.afterBlank) && tt.want != true {
			t.Errorf("%s: decided without look-ahead but the answer depends on it", tt.name)
		}
	}
}

func TestLooksLikeHeader(t *testing.T) {
	tests := []struct {
		line string
		want bool
	}{
		{"Subject: hello\n", true},
		{"Return-Path: <>\r\n", true},
		{"X-Empty:\n", true},
		{"Subject : obsolete blank before the colon\n", true},
		{"Year: 1963\n", true},
		{"From: alice@example.org\n", true},
		{"\n", false},
		{"\r\n", false},
		{"", false},
		{": no name\n", false},
		{"Not a header\n", false},
		{" Subject: folded\n", false},
		{"From alice@example.org Mon Jan  2 15:04:05 2006\n", false},
		{"caf\xc3\xa9: non-ASCII name\n", false},
	}
	for _, tt := range tests {
		if got := looksLikeHeader([]byte(tt.line)); got != tt.want {
			t.Errorf("looksLikeHeader(%q) = %v, want %v", tt.line, got, tt.want)
		}
	}
}
