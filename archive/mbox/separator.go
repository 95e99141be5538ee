package mbox

import (
	"bytes"
	"net/mail"
	"strings"
	"time"
)

// fromPrefix starts every separator line and every line the Writer quotes.
// RFC 4155 Appendix A: the four characters "From" and one space, case as is.
var fromPrefix = []byte("From ")

// envelope is what a "From " line says, once parseEnvelope has decided that
// it says anything.
type envelope struct {
	from  string    // "" for the null sender and its spellings
	date  time.Time // zero when undated
	dated bool      // the line carried a date we could parse
}

// parseEnvelope reads a line starting with "From " (its line ending still
// attached) as a separator candidate. ok is false for lines that cannot be a
// separator whatever surrounds them, such as "From the manual: …"; a
// candidate with dated false is the weak kind ("From -") that the Reader
// accepts only before a header field.
func parseEnvelope(line []byte) (env envelope, ok bool) {
	if !bytes.HasPrefix(line, fromPrefix) {
		return envelope{}, false
	}
	words := fields(string(trimEOL(line[len(fromPrefix):])))
	if len(words) == 0 || !validEnvelopeToken(words[0]) {
		return envelope{}, false
	}
	// "From  :<a@example.org>" is a From field with blanks before its
	// colon, which RFC 822 §3.1.2 allowed (RFC 5322 §4.5.3 obs-optional),
	// not a separator: no sender starts with a colon.
	if words[0][0] == ':' {
		return envelope{}, false
	}
	sender, rest := words[0], words[1:]

	// Pipermail's downloadable archives obscure the envelope sender as
	// "From user at example.org  Mon Jan  2 …"; take the address back.
	if len(rest) >= 3 && rest[0] == "at" && validEnvelopeToken(rest[1]) {
		if date, ok := parseDateWords(rest[2:]); ok {
			return envelope{from: normalizeSender(sender + "@" + rest[1]), date: date, dated: true}, true
		}
	}
	env.from = normalizeSender(sender)
	if len(rest) == 0 {
		// "From -" (Netscape, Thunderbird), "From 1844…@xxx" (Gmail
		// Takeout): a sender and nothing else.
		return env, true
	}
	if date, ok := parseDateWords(rest); ok {
		env.date, env.dated = date, true
		return env, true
	}
	if hasClock(rest) {
		// Something date-like that none of the layouts take, say a day
		// 32 or a zone name we do not know: treat it as undated rather
		// than as body text, so a header field after it still splits.
		return env, true
	}
	return envelope{}, false
}

// acceptSeparator applies the package's separator rule (see the package
// documentation) to a candidate. afterBlank is true for the first line of
// the stream and for a line after an empty line; headerNext says whether the
// following line looks like a header field. warn explains an accepted
// separator that bent a rule.
func acceptSeparator(env envelope, afterBlank, headerNext bool) (ok bool, warn string) {
	switch {
	case env.dated && afterBlank:
		return true, ""
	case env.dated && headerNext:
		return true, warnNoBlank
	case !env.dated && headerNext && afterBlank:
		return true, warnNoDate
	case !env.dated && headerNext:
		return true, warnNoDate + "; " + warnNoBlank
	}
	return false, ""
}

// needsLookahead says whether acceptSeparator's answer depends on the next
// line, so the Reader reads ahead only when it must.
func needsLookahead(env envelope, afterBlank bool) bool {
	return !(env.dated && afterBlank)
}

// looksLikeHeader reports whether line starts like a header field: a name
// of printable ASCII other than ":" (RFC 5322 §2.2 ftext), then optional
// blanks (the obsolete syntax of RFC 5322 §4.5), then ":".
func looksLikeHeader(line []byte) bool {
	i := 0
	for i < len(line) && line[i] > ' ' && line[i] < 0x7f && line[i] != ':' {
		i++
	}
	if i == 0 {
		return false
	}
	for i < len(line) && (line[i] == ' ' || line[i] == '\t') {
		i++
	}
	return i < len(line) && line[i] == ':'
}

// dateLayouts are the separator date forms seen in archives, tried after
// runs of blanks are collapsed to one space, so "Jan  2" and "Jan 2" are
// the same. asctime (RFC 4155 Appendix A) comes first because nearly every
// file uses it.
var dateLayouts = []string{
	"Mon Jan 2 15:04:05 2006",
	"Mon Jan 2 15:04:05 -0700 2006", // Gmail Takeout, some mutt versions
	"Mon Jan 2 15:04:05 MST 2006",
	"Mon Jan 2 15:04:05 2006 -0700",
	"Mon Jan 2 15:04:05 2006 MST",
	"Mon Jan 2 15:04 2006", // no seconds: old Eudora and Pine files
	"Mon Jan 2 15:04 -0700 2006",
	"Mon Jan 2 15:04 MST 2006",
	"Mon Jan 2 15:04:05 06", // two-digit years: qmail's mbox(5) allows them
	"Mon Jan 2 15:04 06",
}

// parseDateWords parses the words after the sender as a date. Words after
// a date are allowed (qmail's "moreinfo", UUCP's "remote from host"), so
// shorter and shorter prefixes are tried; a date needs at least four words
// ("2 Jan 2006 15:04" in RFC 5322 form) and at most seven ("Mon, 2 Jan 2006
// 15:04:05 +0000 (UTC)"), which also keeps a long line from costing more
// than a few attempts.
func parseDateWords(words []string) (time.Time, bool) {
	for n := min(len(words), 7); n >= 4; n-- {
		s := strings.Join(words[:n], " ")
		for _, layout := range dateLayouts {
			if t, err := time.Parse(layout, s); err == nil {
				return t.UTC(), true
			}
		}
		// RFC 5322 §3.3 dates, as some exporters write the Date: header's
		// form into the separator ("Mon, 2 Jan 2006 15:04:05 +0000").
		if strings.ContainsAny(s, "0123456789") {
			if t, err := mail.ParseDate(s); err == nil {
				return t.UTC(), true
			}
		}
	}
	return time.Time{}, false
}

// hasClock reports whether some word looks like a time of day ("15:04"),
// the part of a date that body text starting with "From " rarely has.
func hasClock(words []string) bool {
	for _, w := range words {
		i := strings.IndexByte(w, ':')
		if i > 0 && i+2 < len(w) && isDigit(w[i-1]) && isDigit(w[i+1]) && isDigit(w[i+2]) {
			return true
		}
	}
	return false
}

func isDigit(b byte) bool { return '0' <= b && b <= '9' }

// normalizeSender turns the null sender's spellings into "" so that callers
// need not know them: qmail and Mailman write "MAILER-DAEMON", Netscape "-",
// some tools "<>". Angle brackets around an address are dropped, all pairs
// of them, so that what the Writer writes back reads the same again.
func normalizeSender(s string) string {
	for len(s) >= 2 && s[0] == '<' && s[len(s)-1] == '>' {
		s = s[1 : len(s)-1]
	}
	local := s
	if i := strings.LastIndexByte(s, '@'); i >= 0 {
		local = s[:i]
	}
	if s == "-" || strings.EqualFold(local, "MAILER-DAEMON") {
		return ""
	}
	return s
}

// validEnvelopeToken reports whether s can stand as the sender word of a
// separator: one word without blanks or control characters (qmail's
// mbox(5): "envsender is one word"). Bytes from 0x80 up pass, for RFC 6531
// addresses.
func validEnvelopeToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !validEnvelopeByte(s[i]) {
			return false
		}
	}
	return true
}

func validEnvelopeByte(b byte) bool { return b > ' ' && b != 0x7f }

// fields splits on spaces and tabs only, unlike strings.Fields, so that a
// stray control or non-ASCII space byte stays inside a word and makes it
// invalid instead of silently separating two words.
func fields(s string) []string {
	var out []string
	for {
		s = strings.TrimLeft(s, " \t")
		if s == "" {
			return out
		}
		i := strings.IndexAny(s, " \t")
		if i < 0 {
			return append(out, s)
		}
		out = append(out, s[:i])
		s = s[i:]
	}
}

// trimEOL drops one line ending, LF or CRLF.
func trimEOL(line []byte) []byte {
	line = bytes.TrimSuffix(line, []byte("\n"))
	return bytes.TrimSuffix(line, []byte("\r"))
}

// isBlank reports whether line is an empty line: just its ending.
func isBlank(line []byte) bool {
	return (len(line) == 1 && line[0] == '\n') || (len(line) == 2 && line[0] == '\r' && line[1] == '\n')
}
