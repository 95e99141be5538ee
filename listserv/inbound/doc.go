// Package inbound is the first room of a post's path: it says which
// recipients Praxis serves (Resolve, over the list address scheme of
// route.go) and writes an accepted message to the spool once per route,
// committed to disk before a transport adapter answers 250 (Receive).
//
// Transport adapters depend only on the Receiver interface: smtpin for
// SMTP and LMTP, and imapin for an IMAP mailbox, whose Envelope carries
// the message's ingest key, recorded in the spool's own transaction.
// Before a post is written, the spam checks (a Screener, listserv/spam)
// look at it once: a list that refuses what they found refuses it here,
// before the 250 (ErrSpam); otherwise the findings are spooled with it.
// Everything after the spool (checks, moderation, the robot, delivery,
// the archive) picks the message up from the store in state received;
// Summarize is the one reading of a header that the spool and the checks
// share.
package inbound
