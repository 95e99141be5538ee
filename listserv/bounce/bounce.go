package bounce

import (
	"bytes"
	"errors"
	"strconv"
	"strings"
)

// Kind is what a message sent back to a list says about delivery.
type Kind int

const (
	// Unknown: nothing in the message was recognised.
	Unknown Kind = iota
	// Failure: delivery to at least one recipient failed, permanently or
	// after the sending system gave up on a temporary problem (see
	// Recipient.Permanent).
	Failure
	// Delay: delivery is late but still being tried (RFC 3464 §2.3.3 action
	// "delayed", "Warning: could not send message for past 4 hours").
	Delay
	// Relayed: a success notice from a system that passed the message on to
	// one that does not send notices (action "relayed").
	Relayed
	// Delivered: a success notice (action "delivered" or "expanded").
	Delivered
	// Feedback: an abuse or other feedback report (RFC 5965 ARF).
	Feedback
	// AutoReply: a vacation or out-of-office reply (RFC 3834), or a message
	// disposition notification (RFC 8098); nothing about delivery.
	AutoReply
)

var kindNames = [...]string{"unknown", "failure", "delay", "relayed", "delivered", "feedback", "autoreply"}

func (k Kind) String() string {
	if k >= 0 && int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "Kind(" + strconv.Itoa(int(k)) + ")"
}

// Recipient is one recipient a notice speaks about.
type Recipient struct {
	// Address is the recipient the notice names: Final-Recipient, else
	// Original-Recipient in a DSN; the domain is lower-cased.
	Address string
	// Status is the RFC 3463 enhanced status code ("5.1.1"), when the
	// notice gives one in a Status field or in the diagnostic text.
	Status string
	// Action is failed, delayed, delivered, relayed or expanded
	// (RFC 3464 §2.3.3): as reported, or inferred from the status class
	// and the notice's wording when the notice does not say.
	Action string
	// Permanent: the failure is for good. Only a failed recipient can be
	// permanent; it is when the status or reply code is 5xx, or, without
	// any code, when the text clearly says so ("user unknown", "This is a
	// permanent error").
	Permanent bool
	// DMARC: the rejection is because of the sender's DMARC policy or
	// failed sender authentication (RFC 7372 X.7.20–X.7.24, X.7.26; Gmail's
	// "Unauthenticated email ... DMARC policy"; Yahoo's "not accepted for
	// policy reasons"). Such a bounce says nothing about the member's
	// mailbox and must never count against the member.
	DMARC bool
	// Diagnostic is the receiving system's explanation, on one line,
	// trimmed to about 300 characters.
	Diagnostic string
}

// Report is what Parse makes of a message.
type Report struct {
	Kind Kind
	// Recipients are the recipients the notice speaks about, each once.
	// A Failure or Delay may have none when the notice names nobody Parse
	// can read; the VERP address it came back to still says whose it is.
	// Feedback and AutoReply reports have none.
	Recipients []Recipient
	// Format names what was read: "dsn" (RFC 3464), "arf" (RFC 5965),
	// "mdn" (RFC 8098), the MTA whose text was recognised ("postfix",
	// "exim", "qmail", "sendmail", "exchange", "gmail", "yahoo"),
	// "autoreply", "generic" (addresses found next to reply codes in an
	// unrecognised notice), or "unknown".
	Format string
	// Reporter is, for Feedback, the address that complained when the
	// report carries it: Original-Rcpt-To of the ARF part, else the
	// attached original's To.
	Reporter string
	// FeedbackType is, for Feedback, the report's Feedback-Type
	// (RFC 5965 §3.1: abuse, fraud, virus, other, not-spam; RFC 6591:
	// auth-failure, which is a DMARC failure report, not a complaint).
	FeedbackType string
	// OriginalMessageID is the Message-ID of the message that bounced or
	// was complained about, without angle brackets, when found: from the
	// attached message/rfc822 or text/rfc822-headers, else a copy quoted in
	// the notice, else (for a recognised notice) an MDN's
	// Original-Message-ID or the notice's own In-Reply-To or References.
	OriginalMessageID string
}

// ErrEmpty is returned by Parse for an empty message.
var ErrEmpty = errors.New("bounce: empty message")

// Parse reads a message sent to a -bounces address and says what it is.
// It returns Kind Unknown with no recipients when nothing is recognised, and
// an error only for empty input.
func Parse(raw []byte) (rep *Report, err error) {
	if len(bytes.TrimSpace(raw)) == 0 {
		return nil, ErrEmpty
	}
	// A bounce is mail from strangers: whatever slips past the fuzz target,
	// it must cost one unrecognised message, not the process.
	defer func() {
		if v := recover(); v != nil {
			rep, err = &Report{Kind: Unknown, Format: "unknown"}, nil
		}
	}()
	return parse(raw), nil
}

// maxNoticeBytes is how much of a notice's text the readers look at. The
// sentences and recipient lists they look for are at the top; a notice
// without a marked inline copy may go on with the whole returned message.
const maxNoticeBytes = 64 << 10

func parse(raw []byte) *Report {
	m := readMessage(raw)
	notice, inlineCopy := splitInlineCopy(m.noticeText())
	if len(notice) > maxNoticeBytes {
		cut := strings.LastIndexByte(notice[:maxNoticeBytes], '\n')
		if cut < 0 {
			cut = maxNoticeBytes
		}
		notice = strings.ToValidUTF8(notice[:cut], "")
	}
	r := parseNotice(m, notice)
	r.OriginalMessageID = m.originalMessageID(inlineCopy)
	if r.OriginalMessageID == "" && r.Kind != Unknown {
		r.OriginalMessageID = m.referencedID()
	}
	return r
}

// parseNotice decides what the message is, in the order the package
// documentation gives.
func parseNotice(m *mailMessage, notice string) *Report {
	r := &Report{Kind: Unknown, Format: "unknown"}

	if m.isFeedback() {
		m.readFeedback(r)
		return r
	}
	if rcpts := m.dsnRecipients(); len(rcpts) > 0 {
		// The human-readable part often explains what the DSN only codes
		// (Exim: "Unknown user"); lend its words to blocks without any.
		tb, _ := detectText(m, notice)
		defaultAction := "failed"
		if isDelayNotice(m.subject, notice) {
			defaultAction = "delayed"
		}
		for i := range rcpts {
			rc := &rcpts[i]
			if rc.Diagnostic == "" {
				rc.Diagnostic = tb.diagnosticFor(rc.Address, len(rcpts) == 1)
			}
			if rc.Action == "" {
				rc.Action = actionFromStatus(rc.Status, rc.Diagnostic, defaultAction)
			}
			// RFC 3464 §2.3.3: "failed" means the reporting MTA has given up;
			// without a code that says otherwise, that is for good.
			rc.finish(true)
		}
		r.Format = "dsn"
		r.Recipients = rcpts
		r.Kind = kindOf(rcpts, Unknown)
		return r
	}
	if m.isMDN() {
		r.Kind, r.Format = AutoReply, "mdn"
		return r
	}
	if tb, ok := detectText(m, notice); ok {
		r.Format = tb.format
		r.Recipients = tb.rcpts
		r.Kind = kindOf(tb.rcpts, tb.kind)
		return r
	}
	if m.looksLikeBounce() {
		kind := Failure
		if isDelayNotice(m.subject, notice) {
			kind = Delay
		}
		r.Kind = kind
		if rcpts := genericRecipients(m, notice, kind); len(rcpts) > 0 {
			r.Format = "generic"
			r.Recipients = rcpts
			r.Kind = kindOf(rcpts, kind)
		}
		return r
	}
	if m.isAutoReply() {
		r.Kind, r.Format = AutoReply, "autoreply"
	}
	return r
}

// kindOf is the Kind of a notice about rcpts: a failure if any recipient
// failed, else a delay if any is delayed, else a success; fallback when the
// recipients' actions say nothing.
func kindOf(rcpts []Recipient, fallback Kind) Kind {
	has := map[string]bool{}
	for _, rc := range rcpts {
		has[rc.Action] = true
	}
	switch {
	case has["failed"]:
		return Failure
	case has["delayed"]:
		return Delay
	case has["relayed"]:
		return Relayed
	case has["delivered"], has["expanded"]:
		return Delivered
	}
	return fallback
}
