package smtpin

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"log/slog"

	"github.com/emersion/go-smtp"

	"praxis/listserv"
	"praxis/listserv/inbound"
)

// Replies, named by what they mean, with the RFC that decides each.
var (
	// RFC 5321 §4.2.3, RFC 3463 §3.2 X.1.1: bad destination mailbox.
	errNoSuchUser = &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "No such list address here"}
	// RFC 3463 X.2.1: the mailbox exists but takes no mail (LIST-owner@
	// of a list with no owner, and no --admin to read it instead).
	errNoOwner = &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 2, 1}, Message: "This list has no owner yet and the site no administrator: nobody would read your mail"}
	// RFC 3463 X.7.1: delivery not authorized; we are no relay.
	errRelayDenied = &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 7, 1}, Message: "Relaying denied: not a domain served here"}
	// RFC 1870 §6, RFC 3463 X.3.4: message too big for system.
	errTooBig = &smtp.SMTPError{Code: 552, EnhancedCode: smtp.EnhancedCode{5, 3, 4}, Message: "Message exceeds the size limit"}
	// RFC 3463 X.7.0 with 451: try again later (rate limit).
	errRateLimited = &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 7, 0}, Message: "Too many messages from your address, slow down and try again later"}
	// RFC 5321 §3.8, RFC 3463 X.3.2: system not accepting messages.
	errShuttingDown = &smtp.SMTPError{Code: 421, EnhancedCode: smtp.EnhancedCode{4, 3, 2}, Message: "Shutting down, try again later"}
	// RFC 5321 §3.8, RFC 3463 X.7.0: closing a session that tries
	// addresses out.
	errTooManyRefused = &smtp.SMTPError{Code: 421, EnhancedCode: smtp.EnhancedCode{4, 7, 0}, Message: "Too many unknown recipients, closing"}
	// RFC 3463 X.3.1: mail system full (here: memory for messages in transit).
	errNoMemory   = &smtp.SMTPError{Code: 452, EnhancedCode: smtp.EnhancedCode{4, 3, 1}, Message: "Too much mail in transit, try again later"}
	errBadAddress = &smtp.SMTPError{Code: 501, EnhancedCode: smtp.EnhancedCode{5, 1, 3}, Message: "Bad address syntax"}
	errNoRcpt     = &smtp.SMTPError{Code: 554, EnhancedCode: smtp.EnhancedCode{5, 5, 1}, Message: "No valid recipients"}
	// RFC 5322 §3.6 allows one From field; RFC 7489 §6.6.1 lets a receiver
	// reject mail with more; RFC 3463 X.7.1: message refused.
	errAmbiguousAuthor = &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 7, 1}, Message: "More than one From field: the author is ambiguous"}
	// RFC 7208 §8.4 (fail: reject with 550), RFC 7372 §3.2 X.7.23: SPF
	// validation failed.
	errSPFFail = &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 7, 23}, Message: "SPF of the sender's domain does not allow your address to send its mail"}
	// RFC 5782 §2.1 (a DNSBL listing), RFC 3463 X.7.1: delivery not
	// authorized, message refused.
	errBlocklisted = &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 7, 1}, Message: "Your address is on a DNS blocklist this site uses"}
	// RFC 3463 X.7.1: message refused (the content filter's verdict).
	errSpamContent = &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 7, 1}, Message: "Message refused as spam"}
	// RFC 5321 §4.5.3.1.6, RFC 3463 X.5.2: syntax error (line too long).
	errLineTooLong = &smtp.SMTPError{Code: 500, EnhancedCode: smtp.EnhancedCode{5, 5, 2}, Message: "Line too long"}
)

// reply turns an error of the core into the SMTP reply a client sees. It is
// the only place that does: go-smtp checks for a bare *smtp.SMTPError (not
// errors.As), so a wrapped one would lose its code and leak its text.
func reply(log *slog.Logger, err error, attrs ...any) error {
	if err == nil {
		return nil
	}
	var se *smtp.SMTPError
	switch {
	case errors.As(err, &se):
		return se
	case errors.Is(err, inbound.ErrNoSuchAddress):
		return errNoSuchUser
	case errors.Is(err, inbound.ErrNoOwner):
		return errNoOwner
	case errors.Is(err, inbound.ErrRelayDenied):
		return errRelayDenied
	case errors.Is(err, listserv.ErrInvalid):
		return errBadAddress
	case errors.Is(err, inbound.ErrAmbiguousAuthor):
		return errAmbiguousAuthor
	case errors.Is(err, inbound.ErrSpam):
		// The reason (which check, what it found) goes to the log only.
		log.Info("post refused as spam", append(attrs, "err", err)...)
		switch {
		case errors.Is(err, inbound.ErrSPFFail):
			return errSPFFail
		case errors.Is(err, inbound.ErrBlocklisted):
			return errBlocklisted
		}
		return errSpamContent
	}
	id := logID()
	log.Error("smtp transaction failed", append(attrs, "err", err, "log_id", id)...)
	return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "Temporary local error, try again later (log id " + id + ")"}
}

func logID() string {
	b := make([]byte, 6)
	rand.Read(b)
	return hex.EncodeToString(b)
}
