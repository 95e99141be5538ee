// Package smtpin is the go-smtp receiver, for SMTP and for LMTP: it routes
// envelope recipients through listserv.Service.Resolve, reads DATA through a
// size limit, and hands the bytes to Service.Receive, which answers only once
// they are committed to disk.
//
// It is the one place where errors become SMTP replies (errors.go): core
// code returns ordinary errors, and this package maps them to bare
// *smtp.SMTPError values with RFC 3463 enhanced codes. Anything unexpected
// becomes 451 4.3.0 with a log id, so no internal text leaks to a client.
//
// Abuse limits live here too: a cap on concurrent connections (421) and a
// per-client rate limit on transactions (451).
package smtpin
