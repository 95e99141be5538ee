package bounce

import (
	"regexp"
	"strings"
)

// isFeedback reports whether the message is an abuse report (RFC 5965 §2:
// multipart/report with report-type=feedback-report, whose second part is
// message/feedback-report).
func (m *mailMessage) isFeedback() bool {
	if m.mediaType == "multipart/report" && strings.EqualFold(m.params["report-type"], "feedback-report") {
		return true
	}
	for _, p := range m.reports {
		if p.mediaType == "message/feedback-report" {
			return true
		}
	}
	return false
}

// readFeedback fills r from an abuse report. The complainer is the
// Original-Rcpt-To of the report (RFC 5965 §3.2), else the Removal-Recipient
// of the draft ARF that some feedback loops still send, else the To of the
// attached original.
func (m *mailMessage) readFeedback(r *Report) {
	r.Kind, r.Format = Feedback, "arf"
	var rcptTo, removal string
	for _, p := range m.reports {
		if p.mediaType != "message/feedback-report" {
			continue
		}
		for _, f := range scanFields(p.text) {
			switch f.name {
			case "feedback-type":
				if w := strings.Fields(strings.ToLower(f.value)); r.FeedbackType == "" && len(w) > 0 {
					r.FeedbackType = w[0]
				}
			case "original-rcpt-to":
				if rcptTo == "" {
					rcptTo = normalizeAddress(f.value)
				}
			case "removal-recipient":
				if removal == "" {
					removal = normalizeAddress(f.value)
				}
			}
		}
	}
	r.Reporter = rcptTo
	if r.Reporter == "" {
		r.Reporter = removal
	}
	if r.Reporter == "" {
		for _, h := range m.originals {
			if a := findAddresses(h.Get("To")); len(a) > 0 {
				r.Reporter = a[0]
				break
			}
		}
	}
}

// isMDN reports whether the message is a message disposition notification
// (RFC 8098 §3, RFC 6533 §6.4): a read receipt, which a list ignores like a
// vacation reply.
func (m *mailMessage) isMDN() bool {
	if m.mediaType == "multipart/report" && strings.EqualFold(m.params["report-type"], "disposition-notification") {
		return true
	}
	for _, p := range m.reports {
		if strings.HasSuffix(p.mediaType, "disposition-notification") {
			return true
		}
	}
	return false
}

// mdnOriginalID is the Original-Message-ID of an MDN (RFC 8098 §3.2.5).
func (m *mailMessage) mdnOriginalID() string {
	for _, p := range m.reports {
		if !strings.HasSuffix(p.mediaType, "disposition-notification") {
			continue
		}
		for _, f := range scanFields(p.text) {
			if f.name == "original-message-id" {
				return messageID(f.value)
			}
		}
	}
	return ""
}

// reAutoSubject is the subject of vacation and out-of-office replies, in the
// languages members write them in.
var reAutoSubject = regexp.MustCompile(`(?i)out of (?:the )?office|automatic reply|auto[- ]?reply|auto[- ]?response|automatische antwort|abwesenheitsnotiz|réponse automatique|respuesta automática|risposta automatica|automatisch antwoord|on vacation|vacation reply|away from (?:my|the) (?:mail|e-?mail|office|desk)|^(?:auto|vacation|abwesend|absence)\s*:`)

// isAutoReply reports whether the message is an automatic reply: RFC 3834
// §5.1 "Auto-Submitted: auto-replied", the older X-Autoreply,
// X-Autorespond and "Precedence: auto_reply" fields, or a vacation subject.
func (m *mailMessage) isAutoReply() bool {
	if as := strings.ToLower(strings.TrimSpace(m.header.Get("Auto-Submitted"))); strings.HasPrefix(as, "auto-replied") {
		return true
	}
	for _, k := range []string{"X-Autoreply", "X-Autorespond", "X-Autoresponder"} {
		if v := strings.ToLower(strings.TrimSpace(m.header.Get(k))); m.header.Has(k) && v != "no" && v != "false" {
			return true
		}
	}
	if strings.EqualFold(strings.TrimSpace(m.header.Get("Precedence")), "auto_reply") {
		return true
	}
	return reAutoSubject.MatchString(m.subject)
}
