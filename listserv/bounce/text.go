package bounce

import (
	"regexp"
	"strings"
)

// This file reads notices without a delivery-status part: the text each MTA
// writes in its own words. Every reader looks for its MTA's fixed sentences
// first and only then for the recipients, so one MTA's reader is not tried
// on another's notice.

// notice is the human-readable text of a message, before any inline copy of
// the returned message, in the forms the readers want.
type notice struct {
	subject string
	text    string   // as written, LF line ends
	flat    string   // on one line, for sentences that wrap
	lines   []string // text split into lines
}

// textBounce is what a reader makes of a notice.
type textBounce struct {
	format string
	kind   Kind // Failure or Delay, the notice's own verdict
	rcpts  []Recipient
}

// diagnosticFor returns what the notice says about addr; when only is set
// and the notice names exactly one recipient, what it says about that one.
func (tb textBounce) diagnosticFor(addr string, only bool) string {
	for _, rc := range tb.rcpts {
		if strings.EqualFold(rc.Address, addr) {
			return rc.Diagnostic
		}
	}
	if only && len(tb.rcpts) == 1 {
		return tb.rcpts[0].Diagnostic
	}
	return ""
}

// reader recognises one MTA's notice. It returns ok when the notice is that
// MTA's, with the recipients it could find (Address, Action and raw
// Diagnostic set) and the notice's kind, or Unknown to let the wording
// decide between Failure and Delay.
type reader func(n *notice) (format string, kind Kind, rcpts []Recipient, ok bool)

// readers in the order they are tried: the most distinctive sentences first.
var readers = []reader{readQmail, readYahoo, readPostfix, readExim, readSendmail, readExchange, readGmail}

// detectText reads a notice with the first reader that recognises it.
func detectText(m *mailMessage, text string) (textBounce, bool) {
	n := &notice{subject: m.subject, text: text, flat: oneLine(text), lines: strings.Split(text, "\n")}
	for _, rd := range readers {
		format, kind, rcpts, ok := rd(n)
		if !ok {
			continue
		}
		if kind == Unknown {
			kind = Failure
			if isDelayNotice(n.subject, text) {
				kind = Delay
			}
		}
		rcpts = finishAll(rcpts, reMsgPermanent.MatchString(n.flat))
		if len(rcpts) == 0 {
			rcpts = genericRecipients(m, text, kind)
		}
		return textBounce{format: format, kind: kind, rcpts: rcpts}, true
	}
	return textBounce{}, false
}

// reMsgPermanent is a notice saying its failures are for good, which decides
// a recipient whose diagnostic has no code and no telling words.
var reMsgPermanent = regexp.MustCompile(`(?i)permanent (?:error|failure|fatal)|failed permanently|fatal errors?\b`)

// reDelay is the wording of delay notices: "Delivery Status Notification
// (Delay)", Sendmail's "Warning: could not send message for past 4 hours",
// Exim's "Warning: message 1abc-… delayed 24 hours", Postfix's "Delayed Mail
// (still being retried)", Exchange's "Delivery is delayed to these
// recipients", Gmail's "Delivery incomplete".
var reDelay = regexp.MustCompile(`(?i)\(delay\)|delayed mail|could not send (?:the )?message for (?:the )?past|warning: message .{0,80}delayed|delivery (?:is |has been )?delayed|has been delayed|is delayed|will (?:continue|keep) trying|will (?:be )?retr(?:y|ied)|not yet been delivered|still undelivered|still being retried|this is a warning (?:message )?only|transient non-fatal|delivery incomplete|(?:hasn't|has not) been delivered yet|message delayed`)

// isDelayNotice reports whether a notice says delivery is still being tried.
func isDelayNotice(subject, text string) bool {
	return reDelay.MatchString(subject) || reDelay.MatchString(oneLine(text))
}

// finishAll normalizes addresses, merges recipients named twice, and
// finishes each.
func finishAll(rcpts []Recipient, defaultPermanent bool) []Recipient {
	var out []Recipient
	seen := map[string]int{}
	for _, rc := range rcpts {
		rc.Address = normalizeAddress(rc.Address)
		if rc.Address == "" {
			continue
		}
		key := strings.ToLower(rc.Address)
		if i, dup := seen[key]; dup {
			out[i].fillFrom(rc)
			continue
		}
		seen[key] = len(out)
		out = append(out, rc)
	}
	for i := range out {
		out[i].finish(defaultPermanent)
	}
	return out
}

func actionFor(kind Kind) string {
	if kind == Delay {
		return "delayed"
	}
	return "failed"
}

// reAngleRecipient is the first line of a recipient paragraph in Postfix
// ("<user@example.com>: host mx[1.2.3.4] said: 550 ..." or "<a@b> (expanded
// from <c@d>): ..."), qmail and Yahoo ("<user@example.com>:").
var reAngleRecipient = regexp.MustCompile(`^<([^<>\s]+@[^<>\s]+)>(?:\s*\([^)]*\))?\s*:\s*(.*)$`)

// angleParagraphs reads recipient paragraphs that start with "<address>:" at
// the start of a line and run to a blank line.
func angleParagraphs(lines []string, action string) []Recipient {
	var out []Recipient
	open := false
	for _, l := range lines {
		if mm := reAngleRecipient.FindStringSubmatch(l); mm != nil {
			out = append(out, Recipient{Address: mm[1], Action: action, Diagnostic: mm[2]})
			open = true
			continue
		}
		t := strings.TrimSpace(l)
		if t == "" {
			open = false
			continue
		}
		if open {
			appendDiagnostic(&out[len(out)-1], t)
		}
	}
	return out
}

func appendDiagnostic(rc *Recipient, t string) {
	if len(rc.Diagnostic) > 4*maxDiagnostic {
		return
	}
	if rc.Diagnostic == "" {
		rc.Diagnostic = t
		return
	}
	rc.Diagnostic += " " + t
}

var reQmail = regexp.MustCompile(`(?i)this is the qmail-send program|i.m afraid i wasn.t able to deliver your message`)

// readQmail reads qmail-send's notice: "Hi. This is the qmail-send program at
// host. I'm afraid I wasn't able to deliver your message to the following
// addresses. This is a permanent error; I've given up." and "<addr>:"
// paragraphs. qmail sends no delay notices.
func readQmail(n *notice) (string, Kind, []Recipient, bool) {
	if !reQmail.MatchString(n.flat) {
		return "", Unknown, nil, false
	}
	return "qmail", Failure, angleParagraphs(n.lines, "failed"), true
}

var reYahoo = regexp.MustCompile(`(?i)sorry,? we were unable to deliver your message to the following address|unable to deliver message to the following address`)

// readYahoo reads Yahoo's notice, qmail-shaped: "Sorry, we were unable to
// deliver your message to the following address." and "<addr>:" paragraphs.
func readYahoo(n *notice) (string, Kind, []Recipient, bool) {
	if !reYahoo.MatchString(n.flat) {
		return "", Unknown, nil, false
	}
	return "yahoo", Failure, angleParagraphs(n.lines, "failed"), true
}

var (
	rePostfix      = regexp.MustCompile(`(?i)this is the (?:mail system|postfix program) at host|i.m sorry to have to inform you that your message could not be delivered`)
	rePostfixDelay = regexp.MustCompile(`(?i)this is a warning only|could not be delivered for more than|still being retried`)
)

// readPostfix reads Postfix's notice (bounce(8)): "This is the mail system at
// host mail.example.org. I'm sorry to have to inform you that your message
// could not be delivered ..." and "<addr>: reason" paragraphs; its delay
// notice says "THIS IS A WARNING ONLY".
func readPostfix(n *notice) (string, Kind, []Recipient, bool) {
	if !rePostfix.MatchString(n.flat) {
		return "", Unknown, nil, false
	}
	kind := Failure
	if rePostfixDelay.MatchString(n.flat) || rePostfixDelay.MatchString(n.subject) {
		kind = Delay
	}
	return "postfix", kind, angleParagraphs(n.lines, actionFor(kind)), true
}

var (
	reExim        = regexp.MustCompile(`(?i)this message was created automatically by mail delivery software|a message that you sent could not be delivered to one or more of its recipients|a message that you sent has not yet been delivered to one or more of its recipients`)
	reEximDelay   = regexp.MustCompile(`(?i)has not yet been delivered to one or more of its recipients`)
	reEximFailed  = regexp.MustCompile(`(?i)(?:following address(?:\(es\)|es)?|address\(es\)) failed\s*:?\s*$`)
	reEximDelayed = regexp.MustCompile(`(?i)address(?:\(es\)|es)? to which the message has not yet been delivered (?:is|are)\s*:?\s*$`)
)

// readExim reads Exim's notice: "This message was created automatically by
// mail delivery software. A message that you sent could not be delivered to
// one or more of its recipients. This is a permanent error. The following
// address(es) failed:" and then each address indented by two spaces with its
// reason indented further. The delay notice lists "The address to which the
// message has not yet been delivered is:".
func readExim(n *notice) (string, Kind, []Recipient, bool) {
	if !reExim.MatchString(n.flat) {
		return "", Unknown, nil, false
	}
	kind := Failure
	if reEximDelay.MatchString(n.flat) {
		kind = Delay
	}
	var rcpts []Recipient
	// A notice has one list; reading only the first of each keeps a notice
	// that repeats the heading from costing the square of its length.
	failed, delayed := false, false
	for i, l := range n.lines {
		switch {
		case !failed && reEximFailed.MatchString(l):
			failed = true
			rcpts = append(rcpts, indentedList(n.lines[i+1:], "failed")...)
		case !delayed && reEximDelayed.MatchString(l):
			delayed = true
			rcpts = append(rcpts, indentedList(n.lines[i+1:], "delayed")...)
		}
	}
	return "exim", kind, rcpts, true
}

// indentedList reads Exim's list: addresses at the smallest indentation,
// their reasons indented further, up to the first line at the margin.
func indentedList(lines []string, action string) []Recipient {
	var out []Recipient
	base := -1
	for _, l := range lines {
		t := strings.TrimSpace(l)
		if t == "" {
			continue
		}
		ind := len(l) - len(strings.TrimLeft(l, " \t"))
		if ind == 0 {
			break
		}
		if base < 0 {
			base = ind
		}
		if ind <= base {
			if addr, rest := leadingAddress(t); addr != "" {
				out = append(out, Recipient{Address: addr, Action: action, Diagnostic: rest})
				continue
			}
		}
		if len(out) > 0 {
			appendDiagnostic(&out[len(out)-1], t)
		}
	}
	return out
}

// leadingAddress returns the address a line starts with and the rest of the
// line ("user@example.com: Unrouteable address", "<a@b>... User unknown").
func leadingAddress(t string) (addr, rest string) {
	word, rest, _ := strings.Cut(t, " ")
	if !strings.Contains(word, "@") {
		return "", ""
	}
	word = strings.TrimSuffix(word, ":")
	if i := strings.Index(word, ">..."); i >= 0 {
		rest = word[i+4:] + " " + rest
		word = word[:i+1]
	} else if i := strings.Index(word, "..."); i >= 0 {
		rest = word[i+3:] + " " + rest
		word = word[:i]
	}
	addr = normalizeAddress(word)
	if addr == "" {
		return "", ""
	}
	return addr, strings.TrimSpace(strings.TrimLeft(strings.TrimSpace(rest), ":"))
}

var (
	reSendmail          = regexp.MustCompile(`(?i)-+\s*the following addresses? had (?:permanent fatal|transient non-fatal) errors\s*-+|-+\s*transcript of session follows\s*-+`)
	reSendmailFatal     = regexp.MustCompile(`(?i)^\s*-+\s*the following addresses? had permanent fatal errors\s*-+\s*$`)
	reSendmailTransient = regexp.MustCompile(`(?i)^\s*-+\s*the following addresses? had transient non-fatal errors\s*-+\s*$`)
	reTranscriptReply   = regexp.MustCompile(`^(?:<<<\s*)?[45]\d\d[ -]`)
	reTranscriptRcpt    = regexp.MustCompile(`^<?([^<>\s]+@[^<>\s]+?)>?\.\.\.\s*(.*)$`)
)

// readSendmail reads Sendmail's notice: "----- The following addresses had
// permanent fatal errors -----", then each address at the margin with
// "(reason: 550 5.1.1 ...)" indented below, then "----- Transcript of session
// follows -----". The warning lists "transient non-fatal errors".
func readSendmail(n *notice) (string, Kind, []Recipient, bool) {
	if !reSendmail.MatchString(n.flat) {
		return "", Unknown, nil, false
	}
	var rcpts []Recipient
	fatal, transient := false, false // one list of each, as in readExim
	for i, l := range n.lines {
		switch {
		case !fatal && reSendmailFatal.MatchString(l):
			fatal = true
			rcpts = append(rcpts, sendmailList(n.lines[i+1:], "failed")...)
		case !transient && reSendmailTransient.MatchString(l):
			transient = true
			rcpts = append(rcpts, sendmailList(n.lines[i+1:], "delayed")...)
		}
	}
	// Without a reason line, the transcript has the remote server's words:
	// the first reply that names the address.
	var replies []string
	for _, l := range n.lines {
		if t := strings.TrimSpace(l); reTranscriptReply.MatchString(t) {
			replies = append(replies, t)
		}
	}
	firstReply := map[string]string{}
	for _, t := range replies {
		for _, a := range findAddresses(t) {
			if key := strings.ToLower(a); firstReply[key] == "" {
				firstReply[key] = strings.TrimSpace(strings.TrimPrefix(t, "<<<"))
			}
		}
	}
	for i := range rcpts {
		if rcpts[i].Diagnostic == "" {
			rcpts[i].Diagnostic = firstReply[strings.ToLower(normalizeAddress(rcpts[i].Address))]
		}
	}
	// A warning has no address list, only the transcript's
	// "<addr>... Deferred: Connection timed out" lines.
	if len(rcpts) == 0 {
		action := "failed"
		if isDelayNotice(n.subject, n.text) {
			action = "delayed"
		}
		for _, l := range n.lines {
			if mm := reTranscriptRcpt.FindStringSubmatch(strings.TrimSpace(l)); mm != nil {
				rcpts = append(rcpts, Recipient{Address: mm[1], Action: action, Diagnostic: mm[2]})
			}
		}
	}
	kind := Unknown
	switch {
	case fatal:
		kind = Failure
	case transient:
		kind = Delay
	}
	return "sendmail", kind, rcpts, true
}

func sendmailList(lines []string, action string) []Recipient {
	var out []Recipient
	for _, l := range lines {
		t := strings.TrimSpace(l)
		if t == "" {
			if len(out) > 0 {
				break
			}
			continue
		}
		if strings.HasPrefix(t, "---") {
			break
		}
		if l[0] != ' ' && l[0] != '\t' {
			if addr, rest := leadingAddress(t); addr != "" {
				out = append(out, Recipient{Address: addr, Action: action, Diagnostic: rest})
				continue
			}
		}
		if len(out) == 0 || strings.HasPrefix(strings.ToLower(t), "(expanded from") {
			continue
		}
		if r, ok := strings.CutPrefix(t, "(reason:"); ok {
			t = strings.TrimSuffix(strings.TrimSpace(r), ")")
		}
		appendDiagnostic(&out[len(out)-1], t)
	}
	return out
}

var (
	reExchange        = regexp.MustCompile(`(?i)delivery has failed to these recipients or groups|your message did not reach some or all of the intended recipients|the following recipient\(s\) (?:could not|cannot) be reached|your message to \S+ couldn.t be delivered|delivery is delayed to these recipients or groups|delivery to the following recipients has been delayed\.`)
	reExchangeDelay   = regexp.MustCompile(`(?i)delivery is delayed to these recipients or groups|delivery to the following recipients has been delayed\.|(?:hasn.t|has not) been delivered yet`)
	reExchangeFailed  = regexp.MustCompile(`(?i)^\s*(?:delivery has failed to these recipients or groups|the following recipient\(s\) (?:could not|cannot) be reached)\s*:?\s*$`)
	reExchangeDelayed = regexp.MustCompile(`(?i)^\s*(?:delivery is delayed to these recipients or groups|delivery to the following recipients has been delayed)\s*[:.]?\s*$`)
	reExchangeInline  = regexp.MustCompile(`(?i)your message to (\S+@\S+) couldn.t be delivered`)
	reExchangeAdmin   = regexp.MustCompile(`(?i)^\s*diagnostic information for administrators\s*:?\s*$`)
	reExchangeStop    = regexp.MustCompile(`(?i)^(?:diagnostic information for administrators|original message headers|original message details|message details)\b`)
	reRemoteReturned  = regexp.MustCompile(`(?i)remote server(?: at [^']*)? returned\s+'(.*?)'?\s*$`)
)

// readExchange reads Exchange and Outlook.com notices: Exchange 2007 and
// later write "Delivery has failed to these recipients or groups:" with one
// line per recipient, and a "Diagnostic information for administrators:"
// section where each address is followed by "#550 5.1.1 RESOLVER... ##" or
// "Remote Server returned '550 5.1.1 ...'"; Exchange 2003 writes "The
// following recipient(s) could not be reached:" with "<host #5.1.1>";
// Outlook.com writes "Your message to user@example.com couldn't be
// delivered."
func readExchange(n *notice) (string, Kind, []Recipient, bool) {
	if !reExchange.MatchString(n.flat) {
		return "", Unknown, nil, false
	}
	kind := Failure
	if reExchangeDelay.MatchString(n.flat) {
		kind = Delay
	}
	var rcpts []Recipient
	failed, delayed := false, false // one list of each, as in readExim
	for i, l := range n.lines {
		switch {
		case !failed && reExchangeFailed.MatchString(l):
			failed = true
			rcpts = append(rcpts, exchangeList(n.lines[i+1:], "failed")...)
		case !delayed && reExchangeDelayed.MatchString(l):
			delayed = true
			rcpts = append(rcpts, exchangeList(n.lines[i+1:], "delayed")...)
		}
	}
	if mm := reExchangeInline.FindStringSubmatch(n.flat); mm != nil && len(rcpts) == 0 {
		rcpts = append(rcpts, Recipient{Address: mm[1], Action: actionFor(kind)})
	}
	for i, l := range n.lines {
		if reExchangeAdmin.MatchString(l) {
			rcpts = exchangeAdmin(n.lines[i+1:], rcpts, actionFor(kind))
			break
		}
	}
	return "exchange", kind, rcpts, true
}

func exchangeList(lines []string, action string) []Recipient {
	var out []Recipient
	for _, l := range lines {
		t := strings.TrimSpace(l)
		if t == "" {
			continue
		}
		if reExchangeStop.MatchString(t) {
			break
		}
		if addrs := findAddresses(t); len(addrs) > 0 && isAddressLine(t) {
			out = append(out, Recipient{Address: addrs[0], Action: action})
			continue
		}
		if len(out) > 0 {
			appendDiagnostic(&out[len(out)-1], t)
		}
	}
	return out
}

// exchangeAdmin reads the "Diagnostic information for administrators"
// section. Its reply lines carry the codes, so they replace the friendly
// text as the diagnostic.
func exchangeAdmin(lines []string, rcpts []Recipient, action string) []Recipient {
	cur := ""
	done := map[int]bool{} // the first reply for a recipient is the one that decided
	index := map[string]int{}
	for i, rc := range rcpts {
		if key := strings.ToLower(normalizeAddress(rc.Address)); key != "" {
			if _, dup := index[key]; !dup {
				index[key] = i
			}
		}
	}
	for _, l := range lines {
		t := strings.TrimSpace(l)
		if t == "" || strings.HasPrefix(strings.ToLower(t), "generating server") {
			continue
		}
		if strings.HasPrefix(strings.ToLower(t), "original message headers") {
			break
		}
		var d string
		if strings.HasPrefix(t, "#") {
			d = strings.Trim(t, "# ")
		} else if mm := reRemoteReturned.FindStringSubmatch(t); mm != nil {
			d = mm[1]
		} else if addrs := findAddresses(t); len(addrs) > 0 && isAddressLine(t) {
			cur = addrs[0]
			continue
		} else {
			continue
		}
		i, known := index[strings.ToLower(cur)]
		switch {
		case known:
		case cur == "" && len(rcpts) == 1:
			i = 0
		case cur != "":
			rcpts = append(rcpts, Recipient{Address: cur, Action: action})
			i = len(rcpts) - 1
			index[strings.ToLower(cur)] = i
		default:
			continue
		}
		if !done[i] {
			rcpts[i].Diagnostic = d
			done[i] = true
		}
	}
	return rcpts
}

// isAddressLine reports whether a line names a recipient rather than talks
// about one: besides the address there are only a few words ("John Doe
// (john@example.com)", "john@example.com on 5/10/2009 3:20 PM"), and it is
// not a sentence.
func isAddressLine(t string) bool {
	if strings.HasSuffix(t, ".") {
		return false
	}
	lt := strings.ToLower(t)
	for _, w := range []string{"please", "contact", "help", "sent", "from:", "to:"} {
		if strings.Contains(lt, w) {
			return false
		}
	}
	rest := reAddress.ReplaceAllString(t, " ")
	rest = strings.NewReplacer("mailto:", " ", "(", " ", ")", " ", "<", " ", ">", " ", "[", " ", "]", " ", "\"", " ").Replace(rest)
	return len(strings.Fields(rest)) <= 5
}

var (
	reGmailHeader  = regexp.MustCompile(`(?i)^\s*delivery to the following recipients? (failed permanently|failed|has been delayed|has been suspended)\s*:\s*$`)
	reGmailDetails = regexp.MustCompile(`(?i)technical details of (?:permanent|temporary) failure:`)
	reGmailReturn  = regexp.MustCompile(`(?i)the error that the other server returned was:|the response (?:from the remote server )?was:`)
	reGmailInline  = []struct {
		re     *regexp.Regexp
		action string
	}{
		{regexp.MustCompile(`(?i)your message wasn.t delivered to (\S+@\S+)`), "failed"},
		{regexp.MustCompile(`(?i)your message to (\S+@\S+) has been blocked`), "failed"},
		{regexp.MustCompile(`(?i)there was a problem delivering your message to (\S+@\S+)`), "failed"},
		{regexp.MustCompile(`(?i)there was a temporary problem delivering your message to (\S+@\S+)`), "delayed"},
	}
)

// readGmail reads Gmail's notices: the older "Delivery to the following
// recipient failed permanently:" with the addresses indented below and
// "Technical details of permanent failure:", and the newer "Address not
// found / Your message wasn't delivered to user@example.com because ..."
// with "The response from the remote server was:". "has been delayed" and
// "There was a temporary problem delivering" are delay notices.
func readGmail(n *notice) (string, Kind, []Recipient, bool) {
	var rcpts []Recipient
	matched := false
	kind := Unknown
	for i, l := range n.lines {
		mm := reGmailHeader.FindStringSubmatch(l)
		if mm == nil {
			continue
		}
		matched = true
		action := "failed"
		if strings.Contains(strings.ToLower(mm[1]), "delayed") {
			action, kind = "delayed", Delay
		}
		started := false
		for _, al := range n.lines[i+1:] {
			t := strings.TrimSpace(al)
			if t == "" {
				if started {
					break
				}
				continue
			}
			addrs := findAddresses(t)
			if len(addrs) == 0 || !isAddressLine(t) {
				break
			}
			started = true
			rcpts = append(rcpts, Recipient{Address: addrs[0], Action: action})
		}
	}
	for _, g := range reGmailInline {
		if mm := g.re.FindStringSubmatch(n.flat); mm != nil {
			matched = true
			rcpts = append(rcpts, Recipient{Address: mm[1], Action: g.action})
			if g.action == "delayed" {
				kind = Delay
			}
		}
	}
	if !matched {
		return "", Unknown, nil, false
	}
	if d := gmailDiagnostic(n.text); d != "" {
		for i := range rcpts {
			rcpts[i].Diagnostic = d
		}
	}
	return "gmail", kind, rcpts, true
}

// gmailDiagnostic is the remote server's reply that Gmail quotes, else the
// first paragraph of its technical details.
func gmailDiagnostic(text string) string {
	para := func(s string) string {
		s = strings.TrimLeft(s, " \t\n")
		if i := strings.Index(s, "\n\n"); i >= 0 {
			s = s[:i]
		}
		return oneLine(s)
	}
	if loc := reGmailReturn.FindStringIndex(text); loc != nil {
		return para(text[loc[1]:])
	}
	if loc := reGmailDetails.FindStringIndex(text); loc != nil {
		return para(text[loc[1]:])
	}
	return ""
}

var reBounceSubject = regexp.MustCompile(`(?i)undeliver|non-?deliver|delivery (?:status notification|failure|failed|problem|notification|report)|failure notice|returned mail|mail delivery failed|could not be delivered|not delivered|mail system error|returned to sender|delayed mail|could not send message|message delayed`)

// looksLikeBounce reports whether an unrecognised message still comes from a
// mail system about delivery: from MAILER-DAEMON or a postmaster, a bounce
// subject, or a delivery-status report type.
func (m *mailMessage) looksLikeBounce() bool {
	from := strings.ToLower(m.from)
	for _, w := range []string{"mailer-daemon", "mailer daemon", "postmaster", "mail delivery", "mail administrator"} {
		if strings.Contains(from, w) {
			return true
		}
	}
	if reBounceSubject.MatchString(m.subject) {
		return true
	}
	return m.mediaType == "multipart/report" && strings.EqualFold(m.params["report-type"], "delivery-status")
}

// genericRecipients reads an unrecognised notice for lines that name an
// address next to a reply code or a telling reason ("550 5.1.1
// <user@example.com>... User unknown", "<a@b>:" above "550 ..."). The
// notice's own sender and recipient, postmasters and VERP return paths are
// not failed recipients.
func genericRecipients(m *mailMessage, text string, kind Kind) []Recipient {
	exclude := map[string]bool{}
	for _, k := range []string{"From", "To", "Sender", "Return-Path", "Reply-To"} {
		for _, a := range findAddresses(m.header.Get(k)) {
			exclude[strings.ToLower(a)] = true
		}
	}
	lines := strings.Split(text, "\n")
	var out []Recipient
	for i, l := range lines {
		t := strings.TrimSpace(l)
		lt := strings.ToLower(t)
		if t == "" || strings.Contains(lt, "mail from") || isHeaderLine(lt) {
			continue
		}
		addrs := findAddresses(t)
		if len(addrs) == 0 {
			continue
		}
		diag := t
		if !hasReplyCode(t) && textVerdict(t) <= 0 {
			// "<a@b>:" with the reply on the next line, or a transcript's
			// ">>> RCPT TO:<a@b>" above "<<< 550 ...".
			if i+1 >= len(lines) || !hasReplyCode(lines[i+1]) || len(findAddresses(lines[i+1])) > 0 {
				continue
			}
			diag = t + " " + strings.TrimSpace(lines[i+1])
		}
		for _, a := range addrs {
			if exclude[strings.ToLower(a)] || isRobotAddress(a) {
				continue
			}
			out = append(out, Recipient{Address: a, Action: actionFor(kind), Diagnostic: diag})
			break
		}
		if len(out) >= maxParts {
			break
		}
	}
	return finishAll(out, reMsgPermanent.MatchString(oneLine(text)))
}

func hasReplyCode(t string) bool {
	return enhancedStatus(t) != "" || reReplyCode.MatchString(t)
}

func isHeaderLine(lt string) bool {
	for _, p := range []string{"from:", "to:", "cc:", "reply-to:", "return-path:", "sender:", "reporting-mta:", "x-"} {
		if strings.HasPrefix(lt, p) {
			return true
		}
	}
	return false
}

// isRobotAddress reports the addresses a notice names that are never a
// member: postmasters, mailer daemons, and a list's VERP return path.
func isRobotAddress(a string) bool {
	local, _, _ := strings.Cut(strings.ToLower(a), "@")
	return local == "postmaster" || local == "mailer-daemon" || local == "abuse" ||
		strings.Contains(local, "-bounces")
}
