// Package transport is how one copy of a post leaves Praxis: the last step
// of its journey, after the delivery queue has picked a due row and rendered
// the copy with its VERP envelope sender.
//
// A Transport opens Sessions; a Session carries one SMTP transaction per
// copy (MAIL FROM, RCPT TO, DATA) over a connection the queue keeps open and
// reuses, keyed by Transport.Route. Three transports exist, chosen by the
// --delivery flag (see Parse):
//
//   - maildir:DIR writes each copy as a file in a Maildir, for tests and
//     for sites whose MTA picks mail up from disk;
//   - smtp://host:port relays everything through one smarthost, with TLS
//     and AUTH PLAIN as configured;
//   - mx delivers directly to each recipient domain's MX hosts (RFC 5321
//     §5.1), with opportunistic STARTTLS.
//
// The SMTP transports send every line ending in CRLF (see CRLF) and say
// EHLO once per connection, again only after STARTTLS (RFC 3207 §4.2).
//
// Every failure is an *Error saying whether to retry (Temporary) and
// carrying the remote reply code, so the queue can decide between a retry
// and a bounce without knowing SMTP.
package transport
