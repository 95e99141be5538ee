// Package bounce reads what comes back to a list's -bounces address and says
// what it is: a delivery failure, a delay notice, a success notice, an abuse
// complaint, or an automatic reply, and for whom.
//
// Copies to members go out with VERP envelope senders
// (LIST-bounces+local=domain@host), so whatever a receiving system sends back
// lands on that address; the router hands the raw message to Parse, which
// returns a Report. The Report is a verdict, not an action: deciding what a
// bounce costs the member (the score, the disabling, the warnings and the
// removal) belongs to the Scorer (score.go), Mailman's bounce runner, which
// only counts a bounce whose VERP address carries our MAC (verp.go). Parse only has to be right about the facts, and two of them matter
// most for fairness to members:
//
//   - Delay notices are Kind Delay, never Failure: the message is still on its
//     way (RFC 3464 §2.3.3, action "delayed").
//   - A rejection caused by the *sender's* DMARC policy says nothing about the
//     member's mailbox; such recipients carry DMARC = true and must never be
//     counted against the member.
//
// How a message passes through, in the order Parse tries things:
//
//  1. The message is read leniently with go-message (and go-message/charset,
//     so every charset decodes): bounces come from the least careful software
//     on the Internet, so a malformed part ends that part, not the reading.
//     The attached original (message/rfc822 or text/rfc822-headers) gives
//     OriginalMessageID; the human-readable text is kept for the heuristics.
//  2. An abuse report, multipart/report with report-type=feedback-report
//     (RFC 5965, "ARF"), is Kind Feedback with the complainer in Reporter.
//  3. A delivery status notification, message/delivery-status (RFC 3464),
//     gives one Recipient per per-recipient block. Blocks with odd folding,
//     missing blank lines, base64 inside the part, or a text/plain label are
//     read as well.
//  4. A message disposition notification (RFC 8098) is an automatic reply.
//  5. Without a DSN, the human-readable text is matched MTA by MTA: Postfix,
//     Exim, qmail, Sendmail, Exchange/Outlook, Gmail and Yahoo each write
//     their notices their own way (text.go).
//  6. Anything else that still looks like a bounce (from MAILER-DAEMON, a
//     "Returned mail" subject) is searched for "550 5.1.1 <addr>" lines.
//  7. Vacation and out-of-office replies (RFC 3834) are Kind AutoReply. They
//     come last because Postfix marks its bounces "Auto-Submitted:
//     auto-replied" too, and a bounce taken for a vacation reply is lost.
//
// Parse never fails on a message it cannot understand: it returns Kind
// Unknown with no recipients, and an error only for empty input.
package bounce
